"""`make demo` runs on an emulator of its own and stops only that one (issue #22).

The playbook is replaced by a stub (DEMO_PLAYBOOK) that records the port it was given and whether
an emulator answered there: what is tested is the Makefile's choice of port and its clean-up.
- EMULATOR_PORT held by another process (LocalStack's 4566): the demo takes a free port, and the
  other process keeps its port.
- EMULATOR_PORT held by our own emulator (`make emulator-start`): the demo neither uses nor stops it.
- A failed run still stops the demo's emulator, and make fails.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO, free_port
from tests.emulator import ctl

STUB = textwrap.dedent(
    """
    import json, os, sys
    from tests.emulator.ctl import answers
    port = int(os.environ["EMULATOR_PORT"])
    with open(sys.argv[1], "w") as record:
        json.dump({"port": port, "answered": answers(port)}, record)
    sys.exit(int(sys.argv[2]))
    """
)


def make_demo(tmp_path, port: int, exit_code: int) -> tuple[subprocess.CompletedProcess, dict]:
    stub = tmp_path / "stub.py"
    stub.write_text(STUB)
    record = tmp_path / "record.json"
    # Not the caller's make flags (a jobserver of `make unit`), nor its ANSIBLE_* or port.
    env = {key: value for key, value in os.environ.items() if key not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    run = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(REPO),
            "demo",
            f"EMULATOR_PORT={port}",
            f"DEMO_PLAYBOOK={sys.executable} {stub} {record} {exit_code}",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return run, json.loads(record.read_text()) if record.exists() else {}


def test_a_port_another_process_holds_sends_the_demo_to_a_free_port_and_a_failure_still_stops_it(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        held = other.getsockname()[1]
        run, seen = make_demo(tmp_path, held, exit_code=2)
        assert run.returncode != 0, run.stdout + run.stderr
        assert f"Port {held} is taken by another process" in run.stdout
        assert seen["port"] != held and seen["answered"], (seen, run.stdout)
        # The demo's emulator is gone, and the other process still has its port.
        assert not ctl.answers(seen["port"]) and ctl.running_pid(seen["port"]) is None
        assert other.getsockname()[1] == held
        with pytest.raises(OSError):
            socket.create_server(("127.0.0.1", held)).close()


def test_our_emulator_on_the_port_is_neither_used_nor_stopped(tmp_path):
    port = free_port()
    assert ctl.start(port) == 0
    try:
        run, seen = make_demo(tmp_path, port, exit_code=0)
        assert run.returncode == 0, run.stdout + run.stderr
        assert seen["port"] != port and seen["answered"], (seen, run.stdout)
        assert f"What the emulator at http://127.0.0.1:{seen['port']} holds" in run.stdout
        assert not ctl.answers(seen["port"])
        assert ctl.running_pid(port) is not None and ctl.answers(port)
    finally:
        ctl.stop(port)
