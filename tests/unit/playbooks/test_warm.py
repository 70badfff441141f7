"""warm.py: a run forked from the server is the run a new ansible-playbook process makes.

The play needs no AWS: it reports what a run reads from its environment and fails when told to, so
each run's outcome is compared with a new process's; it is named relative to the run's folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.unit.playbooks import warm

PLAY = """
- name: Report what the run reads from outside
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Report
      ansible.builtin.debug:
        msg: "port={{ lookup('ansible.builtin.env', 'EMULATOR_PORT') }}"
    - name: Fail when told to
      ansible.builtin.fail:
        msg: told to
      when: fail | default(false) | bool
"""


@pytest.fixture
def play(tmp_path: Path) -> Path:
    path = tmp_path / "play.yml"
    path.write_text(PLAY)
    return path


def env(**extra: str) -> dict[str, str]:
    return dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", **extra)


def report(run: subprocess.CompletedProcess) -> list[str]:
    """The play's message and its recap."""
    return [line.strip() for line in run.stdout.splitlines() if "port=" in line or line.startswith("localhost ")]


def test_forked_runs_answer_as_new_processes_each_with_its_own_environment_and_exit_code(
    play: Path, tmp_path: Path
) -> None:
    argv = ["ansible-playbook", os.path.relpath(play, REPO), "-i", "localhost,", "-c", "local"]
    local_tmp = tmp_path / "local"
    server = warm._Client(env(ANSIBLE_LOCAL_TEMP=str(local_tmp)), str(REPO))  # noqa: SLF001 - this test's own
    try:
        forked = [server.run(argv, env(ANSIBLE_LOCAL_TEMP=str(local_tmp), EMULATOR_PORT=port)) for port in "12"]
        failed = server.run([*argv, "-e", "fail=true"], env(ANSIBLE_LOCAL_TEMP=str(local_tmp), EMULATOR_PORT="3"))
    finally:
        server.close()
    # Each run made its local temporary folder and removed it as it ended, as a process does; so did the server.
    assert list(local_tmp.iterdir()) == []
    new = subprocess.run(
        [*argv, "-e", "fail=true"], env=env(EMULATOR_PORT="3"), cwd=REPO, capture_output=True, text=True, check=False
    )
    assert [run.returncode for run in forked] == [0, 0]
    assert report(forked[0])[0] == "msg: port=1"
    assert report(forked[1])[0] == "msg: port=2"
    assert (failed.returncode, report(failed)) == (new.returncode, report(new)) and new.returncode == 2


def test_a_run_whose_settings_differ_from_the_servers_gets_them(play: Path) -> None:
    """Ansible reads its configuration as it is imported: a run with another ANSIBLE_* runs as a new process."""
    argv = ["ansible-playbook", str(play), "-i", "localhost,", "-c", "local"]
    assert warm.run(argv, REPO, env()).returncode == 0  # the server of this test process, started if need be
    as_json = warm.run(argv, REPO, env(ANSIBLE_CALLBACK_RESULT_FORMAT="json"))
    assert as_json.returncode == 0, as_json.stdout
    assert '"msg": "port=' in as_json.stdout and "msg: port=" not in as_json.stdout


def test_the_server_ends_with_the_process_that_started_it(tmp_path: Path) -> None:
    starter = (
        "import os, sys; from tests.unit.playbooks import warm; "
        f"server = warm._Client(dict(os.environ, ANSIBLE_CONFIG={str(REPO / 'ansible.cfg')!r}), {str(REPO)!r}); "
        "print(server.process.pid, flush=True); os._exit(0)"
    )
    started = subprocess.run([sys.executable, "-c", starter], cwd=REPO, capture_output=True, text=True, check=True)
    pid = int(started.stdout)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
        assert time.monotonic() < deadline, "the server outlived the process that started it"
        time.sleep(0.05)
