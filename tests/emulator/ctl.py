"""Start the emulator in the background and stop it again.

``python -m tests.emulator.ctl start --port 4566`` returns once the emulator
answers; ``stop --port 4566`` ends only the process that ``start`` launched
(its pid is kept in ``.emulator/<port>.pid``, beside its log).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path

from tests.emulator import prefork
from tests.emulator.__main__ import add_build_arguments, add_lag_arguments
from tests.emulator.lag import Lag, parse_only
from tests.emulator.server import DEFAULT_PORT

STATE_DIR = Path(__file__).resolve().parents[2] / ".emulator"


def pid_file(port: int) -> Path:
    return STATE_DIR / f"{port}.pid"


def answers(port: int) -> bool:
    """True when an emulator answers moto's own status endpoint on ``port``."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1):
            return True
    except (urllib.error.URLError, OSError):
        return False


def running_pid(port: int) -> int | None:
    """The pid this tool started for ``port``, if that process is still ours and alive."""
    try:
        pid = int(pid_file(port).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return None
    return pid if "tests.emulator" in cmdline else None


def start(
    port: int,
    record: str | None = None,
    throttle_rate: float = 0.0,
    timeout: float = 60.0,
    aws_lag: float = 0.0,
    aws_lag_only: str | Iterable[str] = (),
    latency_ms: float = 0,
    github_dir: str | os.PathLike[str] | None = None,
    docker_log: str | os.PathLike[str] | None = None,
    aws_lag_calls: int = 0,
    forked: bool = False,
) -> int:
    """Start an emulator on ``port`` (see ``python -m tests.emulator --help`` for the options); ``forked``
    forks it from a server that made the emulator ready already (tests/emulator/prefork.py) instead of
    starting a new interpreter."""
    if running_pid(port):
        print(f"emulator already running on port {port} (pid {running_pid(port)})")
        return 0
    if answers(port):
        print(f"port {port} is answered by a process this tool did not start", file=sys.stderr)
        return 1
    STATE_DIR.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "tests.emulator", "--port", str(port)]
    if record:
        command += ["--record", record]
    if throttle_rate:
        command += ["--throttle-rate", str(throttle_rate), "--seed", "7"]
    if aws_lag:
        command += ["--aws-lag", str(aws_lag)]
    if aws_lag_calls:
        command += ["--aws-lag-calls", str(aws_lag_calls)]
    only = aws_lag_only if isinstance(aws_lag_only, str) else ",".join(aws_lag_only)
    if (aws_lag or aws_lag_calls) and only:
        command += ["--aws-lag-only", only]
    if latency_ms:
        command += ["--latency-ms", str(latency_ms)]
    if github_dir:
        command += ["--github-dir", str(Path(github_dir).resolve())]
    if docker_log:
        command += ["--docker-log", str(Path(docker_log).resolve())]
    repo = Path(__file__).resolve().parents[2]
    if forked:
        pid = prefork.start(command[3:], STATE_DIR / f"{port}.log", repo)
        process = None
    else:
        log = open(STATE_DIR / f"{port}.log", "ab")  # noqa: SIM115 - handed to the child
        process = subprocess.Popen(
            command, cwd=repo, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        pid = process.pid
    pid_file(port).write_text(str(pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (process.poll() is not None) if process else not Path(f"/proc/{pid}").exists():
            print(f"emulator exited; see {STATE_DIR / f'{port}.log'}", file=sys.stderr)
            pid_file(port).unlink(missing_ok=True)
            return 1
        if answers(port):
            print(f"emulator answering on http://127.0.0.1:{port} (pid {pid})")
            return 0
        time.sleep(0.05)
    print(f"emulator did not answer on port {port} within {timeout:.0f}s", file=sys.stderr)
    stop(port)
    return 1


def stop(port: int, timeout: float = 10.0) -> int:
    pid = running_pid(port)
    if pid is None:
        pid_file(port).unlink(missing_ok=True)
        print(f"no emulator of ours on port {port}")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)
    pid_file(port).unlink(missing_ok=True)
    print(f"emulator on port {port} stopped")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator.ctl")
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMULATOR_PORT", DEFAULT_PORT)))
    parser.add_argument("--record", help="file to append one JSON line per AWS request to")
    parser.add_argument("--throttle-rate", type=float, default=0.0)
    add_lag_arguments(parser)
    add_build_arguments(parser)
    args = parser.parse_args()
    if args.command == "start":
        try:
            Lag(args.aws_lag, parse_only(args.aws_lag_only), args.aws_lag_calls)
        except ValueError as error:
            parser.error(str(error))
        return start(
            args.port,
            args.record,
            args.throttle_rate,
            aws_lag=args.aws_lag,
            aws_lag_only=args.aws_lag_only,
            latency_ms=args.latency_ms,
            github_dir=args.github_dir,
            docker_log=args.docker_log,
            aws_lag_calls=args.aws_lag_calls,
        )
    if args.command == "stop":
        return stop(args.port)
    pid = running_pid(args.port)
    print(f"running (pid {pid})" if pid else "not running")
    return 0 if pid else 3


if __name__ == "__main__":
    sys.exit(main())
