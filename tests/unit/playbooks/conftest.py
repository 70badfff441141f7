"""Run playbooks against a fresh emulator process that records every request."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, free_port
from tests.emulator import ctl
from tests.emulator.middleware import is_lock_call
from tests.unit.playbooks import warm

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def start_emulator(
    record: Path,
    throttle_rate: float = 0.0,
    aws_lag: float = 0.0,
    aws_lag_only: tuple[str, ...] | list[str] = (),
    latency_ms: float = 0,
) -> int:
    """A fresh emulator process (its own empty account), recording into ``record``; returns its port.

    A process, not a thread: moto keeps its state per process, and these tests need an
    account that no other test has written to. Forked from a server that made the emulator ready
    once (tests/emulator/prefork.py): about 3 CPU-s less a start. ``aws_lag`` plays back AWS's lags for that
    many seconds each (``aws_lag_only`` names some, see tests/emulator/lag.py);
    ``latency_ms`` delays every answer.
    """
    port = free_port()
    started = ctl.start(
        port,
        record=str(record),
        throttle_rate=throttle_rate,
        aws_lag=aws_lag,
        aws_lag_only=tuple(aws_lag_only),
        latency_ms=latency_ms,
        forked=True,
    )
    assert started == 0
    return port


@pytest.fixture(scope="module")
def recording_emulator(tmp_path_factory: pytest.TempPathFactory) -> Any:
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    port = start_emulator(record)
    yield port, record
    ctl.stop(port)


def descendants(pid: int) -> list[int]:
    """The processes below ``pid``, from /proc (each task's ``children``)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *descendants(child)]
    return found


def kill_run(process: subprocess.Popen) -> None:
    """SIGKILL a run started with ``start_new_session``: its process group, and mitogen's connection
    process, which leaves that group and would otherwise outlive the test (an orphan sleeping for the
    rest of the machine's life)."""
    below = descendants(process.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in below:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def playbook_env(port: int, state_dir: Path, **extra: str) -> dict[str, str]:
    """A playbook run's environment: this emulator, the repo's ansible.cfg, plain output, its state folder."""
    return dict(
        os.environ,
        EMULATOR_PORT=str(port),
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        LOCAL_STATE_DIR=str(state_dir),
        **extra,
    )


def run_playbook(port: int, record: Path, state_dir: Path, name: str, *args: str) -> tuple[Any, list]:
    """Run ``playbooks/<name>`` on the local inventory against the emulator on ``port``.

    Returns (the completed run with plain-text stdout, the AWS calls recorded during it).
    """
    record.write_text("")
    # Forked from a process that imported Ansible once (warm.py says why and what is not shared).
    completed = warm.run(
        ["ansible-playbook", f"playbooks/{name}", "-i", "inventories/local", *args], REPO, playbook_env(port, state_dir)
    )
    completed.stdout = ANSI.sub("", completed.stdout)
    return completed, recorded(record)


def recorded(record: Path) -> list[dict[str, Any]]:
    """The calls the emulator recorded into ``record``, one dict per request (tests/emulator/middleware.py)."""
    return [json.loads(line) for line in record.read_text().splitlines()]


@pytest.fixture
def playbook(recording_emulator: Any, tmp_path: Path) -> Callable[..., tuple[Any, list]]:
    """``playbook("site.yml", "--check")`` runs it on this module's emulator; returns (run, recorded calls)."""
    port, record = recording_emulator
    return lambda name, *args: run_playbook(port, record, tmp_path, name, *args)


@pytest.fixture(scope="module")
def converge(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., tuple]:
    """``converge(**extra_vars)`` runs site.yml, asserting success, on this module's emulator and one
    state folder kept across the module's runs; returns (run, recorded calls, state folder)."""
    state = tmp_path_factory.mktemp("state")

    def run(**extra: Any) -> tuple[Any, list, Path]:
        args = ("-e", json.dumps(extra)) if extra else ()
        completed, calls = run_playbook(*recording_emulator, state, "site.yml", *args)
        assert completed.returncode == 0, completed.stdout[-3000:]
        return completed, calls, state

    return run


def recap(stdout: str) -> dict[str, int]:
    """The PLAY RECAP counters of host ``local``."""
    match = re.search(r"^local\s+:(.*)$", stdout, re.MULTILINE)
    assert match, stdout[-2000:]
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def writes(calls: list, succeeded_only: bool = False) -> list[str]:
    """Write actions sent, the run lock's left out; with ``succeeded_only``, only those AWS answered with 2xx
    (that changed something)."""
    return [
        f"{call['service']}:{call['action']}"
        for call in calls
        if not call["read"]
        and not is_lock_call(call)
        and not (succeeded_only and not call["status"][0].startswith("2"))
    ]
