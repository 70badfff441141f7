"""tools/strategy/mitogen_linear.py: the checkout's runs go through mitogen and pin no process to a CPU.

A lookup runs in the task's worker (a fork of the controller), a command in a child of the interpreter
that runs the modules: both see every CPU this test may use. With mitogen's own policy, on 2 or 3
CPUs, both would see CPU 1 alone (and on one CPU the check holds either way).
"""

from __future__ import annotations

import json
import os
import subprocess
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


def test_the_checkouts_strategy_is_mitogen_and_pins_no_process(tmp_path: Path) -> None:
    playbook = tmp_path / "cpus.yml"
    playbook.write_text(PLAY)
    report = tmp_path / "cpus.json"
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_STRATEGY", None)
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
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    seen = json.loads(report.read_text())
    ours = next(
        line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("Cpus_allowed_list")
    )
    assert seen["strategy"] == "mitogen_linear"
    assert seen["worker"] == ours
    assert seen["module"] == ours
