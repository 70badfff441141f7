"""warm.py: a run forked from the server is the run a new ansible-playbook process makes.

The play needs no AWS: it reports what a run reads from its environment, writes a file through its local
temporary folder and fails when told to, so each run's outcome is compared with a new process's; it is
named relative to the run's folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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
    - name: Write a file (its content goes through the local temporary folder)
      ansible.builtin.copy:
        content: "{{ lookup('ansible.builtin.env', 'EMULATOR_PORT') }}"
        dest: "{{ playbook_dir }}/written"
        mode: "0600"
    - name: Fail when told to
      ansible.builtin.fail:
        msg: told to
      when: fail | default(false) | bool
"""
# The modules run by the Python that runs Ansible, as the local inventory has it.
PYTHON = ("-e", "ansible_python_interpreter={{ ansible_playbook_python }}")


@pytest.fixture
def play(tmp_path: Path) -> Path:
    path = tmp_path / "play.yml"
    path.write_text(PLAY)
    return path


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1", **extra}


def report(run: subprocess.CompletedProcess) -> list[str]:
    """The play's message and its recap."""
    return [line.strip() for line in run.stdout.splitlines() if "msg: port=" in line or line.startswith("localhost ")]


def test_forked_runs_answer_as_new_processes_each_with_its_own_environment_and_exit_code(
    play: Path, tmp_path: Path
) -> None:
    # A configuration that leaves the local temporary folder to its default, under ANSIBLE_HOME.
    (tmp_path / "ansible.cfg").write_text("[defaults]\ncallback_result_format = yaml\n")
    home = tmp_path / "home"
    settings = {"ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg"), "ANSIBLE_HOME": str(home)}
    argv = ["ansible-playbook", os.path.relpath(play, REPO), "-i", "localhost,", "-c", "local", *PYTHON]
    server = warm._Client(env(**settings), str(REPO))  # noqa: SLF001 - a server of this test's own
    try:
        forked = [server.run(argv, env(**settings, EMULATOR_PORT=port)) for port in "12"]
        failed = server.run([*argv, "-e", "fail=true"], env(**settings, EMULATOR_PORT="3"))
    finally:
        server.close()
    assert (tmp_path / "written").read_text() == "3"
    (tmp_path / "written").unlink()  # the new process writes it again, as the forked run did
    new = subprocess.run(
        [*argv, "-e", "fail=true"],
        env=env(**settings, EMULATOR_PORT="3"),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert [run.returncode for run in forked] == [0, 0], forked[0].stdout + forked[0].stderr
    assert report(forked[0])[0] == "msg: port=1"
    assert report(forked[1])[0] == "msg: port=2"
    assert (failed.returncode, report(failed)) == (new.returncode, report(new)) and new.returncode == 2
    # Each run made its local temporary folder where a new process does and removed it as it ended; so did the
    # server; none was made elsewhere.
    assert list((home / "tmp").iterdir()) == []
    assert not [path for path in REPO.iterdir() if "{{" in path.name]


def test_a_run_whose_settings_differ_from_the_servers_gets_a_server_of_its_settings(
    play: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ansible reads its configuration as it is imported: a run with another ANSIBLE_* is not served by a server
    started without it."""
    monkeypatch.setattr(warm, "_server", {})  # not this test process's server
    argv = ["ansible-playbook", str(play), "-i", "localhost,", "-c", "local", *PYTHON]
    try:
        assert warm.run(argv, REPO, env()).returncode == 0
        as_json = warm.run(argv, REPO, env(ANSIBLE_CALLBACK_RESULT_FORMAT="json"))
        server: Any = warm._server["server"]  # noqa: SLF001
        assert server.base["ANSIBLE_CALLBACK_RESULT_FORMAT"] == "json"
    finally:
        if warm._server.get("server"):  # noqa: SLF001
            warm._server["server"].close()  # noqa: SLF001
    assert as_json.returncode == 0, as_json.stdout
    assert '"msg": "port=' in as_json.stdout and "msg: port=" not in as_json.stdout


def test_the_server_ends_with_the_process_that_started_it() -> None:
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
