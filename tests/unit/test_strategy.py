"""tools/strategy/mitogen_linear.py: the checkout's runs go through mitogen, pin no process to a CPU,
serve the modules mitogen sends to the module interpreter and the code Jinja makes of each template from
caches kept between runs, and fork each task's worker with the plugins most workers load already loaded,
the objects it inherited frozen.

A lookup runs in the task's worker (a fork of the controller), a command in a child of the interpreter
that runs the modules: both see every CPU this test may use. With mitogen's own policy, on 2 or 3
CPUs, both would see CPU 1 alone (and on one CPU the check holds either way).
"""

from __future__ import annotations

import json
import os
import subprocess
import zlib
from pathlib import Path

from tests.conftest import REPO

PLAY = """
- name: Report where the run may run
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the CPUs a module's child may use
      ansible.builtin.command: grep Cpus_allowed_list /proc/self/status
      register: module_cpus
      changed_when: false
    - name: Write them beside the strategy's name and the CPUs a worker may use
      ansible.builtin.copy:
        dest: "{{ report }}"
        mode: "0600"
        content: "{{ {'strategy': lookup('ansible.builtin.config', 'DEFAULT_STRATEGY'),
                      'worker': lookup('ansible.builtin.pipe', 'grep Cpus_allowed_list /proc/self/status'),
                      'module': module_cpus.stdout} | to_json }}"
"""


# What a task's worker starts with, read by the first task's lookup (a template naming no filter, so
# nothing it compiles loads one); the lookup sits beside the play, where Ansible finds it.
WORKER_PLAY = """
- name: Report what a worker starts with
  hosts: localhost
  gather_facts: false
  strategy: STRATEGY
  tasks:
    - name: Read it in the first task's worker
      ansible.builtin.set_fact:
        seen: "{{ lookup('worker_state') }}"
    - name: Write it
      ansible.builtin.copy:
        dest: "{{ report }}"
        mode: "0600"
        content: "{{ seen | to_json }}"
"""
WORKER_STATE = """
import gc
import sys

from ansible.plugins.loader import filter_loader
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [{
            "builtin_filters": bool(filter_loader._cached_non_collection_wrappers),
            "normal_action": "ansible.plugins.action.normal" in sys.modules,
            "our_filters": "ansible_collections.flask_react.aws.plugins.filter.app_model" in sys.modules,
            "frozen_objects": gc.get_freeze_count(),
        }]
"""


def run_play(tmp_path: Path, play: str = PLAY, **env: str) -> dict[str, str]:
    """Run ``play`` through the repo's ansible.cfg; return what it reported."""
    playbook = tmp_path / "play.yml"
    playbook.write_text(play)
    report = tmp_path / "cpus.json"
    environment = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **env)
    environment.pop("ANSIBLE_STRATEGY", None)
    completed = subprocess.run(
        [
            "ansible-playbook",
            str(playbook),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"report={report}",
            "-e",
            "ansible_python_interpreter={{ ansible_playbook_python }}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return json.loads(report.read_text())


def test_the_checkouts_strategy_is_mitogen_and_pins_no_process(tmp_path: Path) -> None:
    seen = run_play(tmp_path)

    ours = next(
        line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("Cpus_allowed_list")
    )
    assert seen["strategy"] == "mitogen_linear"
    assert seen["worker"] == ours
    assert seen["module"] == ours


def test_the_modules_served_are_cached_then_read_back_not_built_again(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_play(tmp_path, ANSIBLE_HOME=str(home))
    entries = {entry.name: entry.stat().st_mtime_ns for entry in (home / "mitogen-modules").iterdir()}
    # ansible.module_utils.basic and what it imports, each a module's related names then its source, compressed.
    assert len(entries) > 10
    sources = [
        zlib.decompress(entry.read_bytes().partition(b"\0")[2]) for entry in (home / "mitogen-modules").iterdir()
    ]
    assert any(b"class AnsibleModule" in source for source in sources)

    run_play(tmp_path, ANSIBLE_HOME=str(home))

    # The first run's entries were read, none built and written again (a rebuilt one is replaced: a new
    # mtime). The second run may ask for a module the first did not, which adds its entry.
    after = {entry.name: entry.stat().st_mtime_ns for entry in (home / "mitogen-modules").iterdir()}
    assert entries.items() <= after.items()


def test_templates_compiled_by_a_run_are_read_back_by_the_next_not_compiled_again(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = run_play(tmp_path, ANSIBLE_HOME=str(home))
    (folder,) = (home / "jinja-code").iterdir()  # one fingerprint of the plugin files
    entries = {entry.name: entry.stat().st_mtime_ns for entry in folder.iterdir()}
    assert len(entries) >= 2, "the copy task's two templates"

    second = run_play(tmp_path, ANSIBLE_HOME=str(home))

    # Every entry the first run wrote was read, none compiled and written again (a new mtime).
    assert entries.items() <= {entry.name: entry.stat().st_mtime_ns for entry in folder.iterdir()}.items()
    assert second == first


def test_a_worker_starts_with_the_plugins_most_workers_load_and_what_it_inherited_frozen(tmp_path: Path) -> None:
    (tmp_path / "lookup_plugins").mkdir()
    (tmp_path / "lookup_plugins" / "worker_state.py").write_text(WORKER_STATE)

    ours = run_play(tmp_path, WORKER_PLAY.replace("STRATEGY", "mitogen_linear"))
    linear = run_play(tmp_path, WORKER_PLAY.replace("STRATEGY", "ansible.builtin.linear"))

    assert ours["builtin_filters"] and ours["normal_action"] and ours["our_filters"]
    assert ours["frozen_objects"] > 10000
    # Plain linear, the same play: the worker loads them itself, and its collector walks everything.
    assert linear == {"builtin_filters": False, "normal_action": False, "our_filters": False, "frozen_objects": 0}
