"""tools/strategy/mitogen_linear.py: the checkout's runs go through mitogen, pin no process to a CPU, and
serve the modules mitogen sends to the module interpreter from a cache kept between runs.

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


def run_play(tmp_path: Path, **env: str) -> dict[str, str]:
    """Run PLAY through the repo's ansible.cfg; return what it reported."""
    playbook = tmp_path / "cpus.yml"
    playbook.write_text(PLAY)
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
