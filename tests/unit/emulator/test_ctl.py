"""`make emulator-start/stop`: start returns once it answers; stop ends only what start launched."""

import os
from pathlib import Path

from tests.conftest import free_port
from tests.emulator import ctl
from tests.emulator.client import emulator_client


def test_start_answers_then_stop_ends_it(emulator_url):
    port = free_port()
    try:
        assert ctl.start(port) == 0
        pid = ctl.running_pid(port)
        assert pid and ctl.answers(port)
        codebuild = emulator_client(port, "codebuild")
        assert codebuild.list_projects()["projects"] == []
        assert ctl.start(port) == 0, "a second start is a no-op"
        assert ctl.running_pid(port) == pid
    finally:
        assert ctl.stop(port) == 0
    assert ctl.running_pid(port) is None and not ctl.answers(port)


def test_start_refuses_a_port_someone_else_answers(emulator_url):
    port = int(emulator_url.rsplit(":", 1)[1])
    assert ctl.start(port) == 1


def test_stop_without_start_touches_nothing(emulator_url):
    port = int(emulator_url.rsplit(":", 1)[1])
    assert ctl.stop(port) == 0
    assert ctl.answers(port), "the in-process emulator this tool did not start is still up"


def test_start_passes_the_github_dir_and_docker_log(emulator_url, tmp_path):
    port = free_port()
    try:
        assert ctl.start(port, github_dir=tmp_path / "github", docker_log=tmp_path / "d.jsonl") == 0
        argv = Path(f"/proc/{ctl.running_pid(port)}/cmdline").read_bytes().split(b"\0")
        assert argv[argv.index(b"--github-dir") + 1] == str(tmp_path / "github").encode()
        assert argv[argv.index(b"--docker-log") + 1] == str(tmp_path / "d.jsonl").encode()
    finally:
        ctl.stop(port)


def test_forked_emulators_have_accounts_ids_sessions_and_logs_of_their_own(emulator_url, tmp_path):
    """Forked from the prefork server (tests/emulator/prefork.py): each one empty, its IDs drawn anew (a fork
    would otherwise repeat its siblings'), in a session of its own, in the caller's folder, recording its own
    calls; stop ends it."""
    ports, records = [free_port(), free_port()], [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]
    pids = []
    try:
        for port, record in zip(ports, records, strict=True):
            assert ctl.start(port, record=str(record), forked=True) == 0
            pids.append(ctl.running_pid(port))
        emulator_client(ports[0], "ecr").create_repository(repositoryName="forked")
        assert emulator_client(ports[1], "ecr").describe_repositories()["repositories"] == []
        assert "CreateRepository" in records[0].read_text()
        assert "CreateRepository" not in records[1].read_text()
        groups = [
            emulator_client(port, "ec2").create_security_group(GroupName="g", Description="d")["GroupId"]
            for port in ports
        ]
        assert groups[0] != groups[1]
        assert all(os.getsid(pid) == pid for pid in pids) and len(set(pids)) == 2
        assert all(Path(f"/proc/{pid}/cwd").resolve() == Path(ctl.__file__).resolve().parents[2] for pid in pids)
    finally:
        for port in ports:
            assert ctl.stop(port) == 0
    assert not any(ctl.answers(port) for port in ports)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
