"""Test emulators forked from a server that made the emulator ready once (one server per test process).

``python -m tests.emulator`` spends about 3 CPU-s before it answers its first calls: importing moto and
the fills (1.3 s), parsing the AWS-managed IAM policies for the account's IAM backend (1 s) and moto's
service models (1 s), and the suite starts about forty emulators. This server does that work once;
each emulator is then a fork of it: the same code in a process of its own, which makes its application
from its own arguments as a new interpreter would.

What a fork must not inherit, it does not: it runs in a session of its own, in the caller's folder, with
exactly the caller's environment (not the server's, which is the one it started with), its output in
the emulator's log, and moto's ID generator and ``random`` seeded again (a fork would otherwise hand out
the same IDs as its siblings). The server answers no AWS call itself, so every fork starts with the
state of an account nothing was made in. The server ends when the process that started it does.

``ctl.start(..., forked=True)`` uses it; ``python -m tests.emulator.ctl`` still starts a new interpreter.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

PID = struct.Struct("!i")
# The services the collection's runs call (moto's backend names): their models are parsed before any fork.
WARM_BACKENDS = (
    "acm",
    "applicationautoscaling",
    "cloudwatch",
    "codebuild",
    "ec2",
    "ecr",
    "ecs",
    "elbv2",
    "events",
    "iam",
    "logs",
    "rds",
    "route53",
    "secretsmanager",
    "sns",
    "sts",
)
_server: dict[str, object] = {}
_lock = threading.Lock()


def _warm() -> None:
    """What every emulator does first, done once: import and install the fills; for each service, parse
    its models and make the default account's (empty) backend, which lists the service's regions; and make
    that account's IAM backends, which parse the AWS-managed policies. No resource is made."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.utils import get_service_model
    from moto.iam.models import get_account_id_from

    from tests.emulator import fills, lag, server  # noqa: F401 - server sets moto's settings on import

    fills.install()
    lag.install()
    for name in WARM_BACKENDS:
        get_backend(name)[DEFAULT_ACCOUNT_ID]  # noqa: B018 - made on first access
    for name in ("ec2", "ecs", "ecr", "elbv2", "iam", "rds", "codebuild", "logs", "events", "secretsmanager"):
        get_service_model(name)
    # A request's first step: which account signs? Makes the default account's IAM backend of every
    # partition, each parsing the AWS-managed policies.
    get_account_id_from("testing")


def _child(conn: socket.socket, listener: socket.socket, request: dict) -> None:
    """In the fork: become ``python -m tests.emulator <argv>`` started by the caller, then serve."""
    status = 1
    try:
        listener.close()
        conn.close()
        os.setsid()
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        from moto.moto_api._internal import mock_random

        mock_random.seed()
        random.seed()
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        sys.argv = ["python -m tests.emulator", *request["argv"]]
        from tests.emulator.__main__ import main

        main()
        status = 0
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - the emulator's failure goes to its log, never to the server
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def serve(socket_path: str) -> None:
    """Fork an emulator for each request on ``socket_path`` until the process that started this one ends."""
    parent = os.getppid()
    _warm()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the emulators are reaped as they end
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    partial = f"{socket_path}.{os.getpid()}"
    listener.bind(partial)
    listener.listen(16)
    os.rename(partial, socket_path)  # callers see the socket only once it accepts
    listener.settimeout(1.0)
    while os.getppid() == parent:
        try:
            conn, _address = listener.accept()
        except TimeoutError:
            continue
        with conn:
            try:
                conn.settimeout(10.0)
                request = json.loads(conn.makefile("rb").readline())
            except (OSError, ValueError):
                continue
            pid = os.fork()
            if pid == 0:
                _child(conn, listener, request)
            conn.sendall(PID.pack(pid))
    listener.close()
    os.unlink(socket_path)


def _socket() -> Path:
    """This process's server socket, its server started when it is not running."""
    with _lock:
        process = _server.get("process")
        if process is None or process.poll() is not None:  # type: ignore[attr-defined]
            path = Path(tempfile.gettempdir()) / f"emulator-prefork-{os.getpid()}.sock"
            path.unlink(missing_ok=True)
            repo = Path(__file__).resolve().parents[2]
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.emulator.prefork", str(path)], cwd=repo, stdin=subprocess.DEVNULL
            )
            _server.update(process=process, socket=path)
    path = _server["socket"]
    deadline = time.monotonic() + 60
    while not path.exists():  # type: ignore[attr-defined]
        if process.poll() is not None or time.monotonic() > deadline:  # type: ignore[attr-defined]
            raise RuntimeError("the emulator prefork server did not start")
        time.sleep(0.02)
    return path  # type: ignore[return-value]


def start(argv: list[str], log: Path, cwd: Path) -> int:
    """Fork ``python -m tests.emulator <argv>`` from this process's server; returns its pid."""
    body = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": str(cwd), "log": str(log)}) + "\n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30.0)
        conn.connect(str(_socket()))
        conn.sendall(body.encode())
        (pid,) = PID.unpack(conn.makefile("rb").read(PID.size))
    return pid


if __name__ == "__main__":
    serve(sys.argv[1])
