"""The AWS CLI of the emulator's builds, started warm: one process imports it once and forks each call.

A build's ``aws`` is the real AWS CLI (the venv's awscli), one process a call, as on CodeBuild. Started
cold, a call spends about 0.45 CPU-s importing the CLI and loading its service models before it sends
its request, and the suite's builds make hundreds of calls (ci/codebuild.py looks up images, describes
and registers task definitions, updates and polls services). This server imports the CLI once and
makes its driver for the environment every build has (no config or credentials file: see
``_emulator_variables`` in fills/codebuild_builds.py); then it forks a process per call, in which that
driver runs the call's arguments with the call's environment, folder and standard streams: the same
code sending the same requests, for about 0.07 CPU-s. A call whose environment reads other config or
credentials files, or a profile, makes its own driver in its fork, from its own environment, as a
cold start does.

The build's ``aws`` is ``launcher()``: it hands its arguments, environment, folder and standard
streams to the server over a Unix socket, passes on SIGINT, SIGTERM and SIGHUP, and exits with the
call's status. When the server does not answer, it runs the real ``aws`` instead.

Standard library and awscli only: the emulator starts it as a script (``python warm_aws.py SOCKET``).
The server ends when the emulator that started it does.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys

# The environment every build has (fills/codebuild_builds.py); the warm driver's session reads its
# config files once, when it is made, so a call that names others gets a driver of its own.
CONFIG_KEYS = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DATA_PATH")
BUILD_CONFIG = {"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
# The services ci/codebuild.py and the buildspec call: their models are parsed before any fork.
WARM_SERVICES = ("ecs", "ecr", "sts", "logs", "secretsmanager")
STATUS = struct.Struct("!i")
HEADER = struct.Struct("!I")

LAUNCHER = '''#!{python} -SE
"""The AWS CLI of an emulator build: the call runs in tests/emulator/builder/warm_aws.py's server."""
import json, os, signal, socket, struct, sys
SOCKET, REAL = {socket!r}, {real!r}
try:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(SOCKET)
except OSError:
    os.execv(REAL, [REAL, *sys.argv[1:]])
body = json.dumps({{"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}}).encode()
socket.send_fds(conn, [struct.pack("!I", len(body)) + body], [0, 1, 2])
def read(size):
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
pid = read(4)
sent = []
def forward(signum, frame):
    sent.append(signum)
    if pid:
        try:
            os.kill(struct.unpack("!i", pid)[0], signum)
        except OSError:
            pass
for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(signum, forward)
status = read(4) if pid else None
sys.exit(struct.unpack("!i", status)[0] if status else 128 + (sent[0] if sent else signal.SIGKILL))
'''


def launcher(socket_path: str, real_aws: str) -> str:
    """The build's ``aws`` script: the call runs in the server at ``socket_path``, else ``real_aws`` runs."""
    return LAUNCHER.format(python=sys.executable, socket=socket_path, real=real_aws)


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError("the launcher closed the connection")
        data += chunk
    return data


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    first, fds, _flags, _address = socket.recv_fds(conn, 65536, 3)
    try:
        if len(first) < HEADER.size:
            first += _read(conn, HEADER.size - len(first))
        (length,) = HEADER.unpack(first[: HEADER.size])
        body = first[HEADER.size :]
        body += _read(conn, length - len(body))
        return json.loads(body), fds
    except BaseException:
        for fd in fds:  # a launcher that went away leaves nothing open in the server
            os.close(fd)
        raise


def _awscli_data() -> str:
    import awscli

    return os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data")


def _driver(warm: object | None, env: dict[str, str]) -> object:
    import awscli.clidriver

    if warm is not None and all(env.get(key) == BUILD_CONFIG.get(key) for key in CONFIG_KEYS):
        return warm
    return awscli.clidriver.create_clidriver()


def _call(conn: socket.socket, listener: socket.socket, warm: object | None, request: dict, fds: list[int]) -> None:
    """In the forked process: become the call, run the CLI, send its status, exit."""
    listener.close()
    # As a new interpreter has them (SIGPIPE stays ignored, as Python leaves it).
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    status = 255
    try:
        conn.sendall(STATUS.pack(os.getpid()))
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # As the CLI's own script does, then its import (awscli/__init__.py: its data after the caller's).
        if os.environ.get("LC_CTYPE", "") == "UTF-8":
            os.environ["LC_CTYPE"] = "en_US.UTF-8"
        given = os.environ.get("AWS_DATA_PATH", "").split(os.pathsep)
        paths = [os.path.expanduser(os.path.expandvars(path)) for path in given if path]
        os.environ["AWS_DATA_PATH"] = os.pathsep.join([*paths, _awscli_data()])
        from awscli.clidriver import HISTORY_RECORDER

        sys.argv = ["aws", *request["argv"]]
        status = _driver(warm, request["env"]).main()  # type: ignore[attr-defined]
        HISTORY_RECORDER.record("CLI_RC", status, "CLI")
    except SystemExit as exit_:  # as the interpreter ends on it
        status = 0 if exit_.code is None else exit_.code if isinstance(exit_.code, int) else 1
        if isinstance(exit_.code, str):
            print(exit_.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - as an uncaught exception ends a cold call: traceback, status 1
        import traceback

        traceback.print_exc()
        status = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed pipe must not hide the status
                stream.flush()
        try:
            conn.sendall(STATUS.pack(status or 0))
        finally:
            os._exit(status or 0)


def _warm_driver() -> object:
    """The driver for a build's environment, with the models the builds call already parsed."""
    import awscli.clidriver

    # AWS_DATA_PATH stays as the CLI's import set it: its own data alone (serve() cleared the rest).
    for key in CONFIG_KEYS:
        if key != "AWS_DATA_PATH":
            os.environ.pop(key, None)
    os.environ.update(BUILD_CONFIG)
    driver = awscli.clidriver.create_clidriver()
    commands = driver._get_command_table()  # noqa: SLF001 - what main() builds first
    for name in WARM_SERVICES:
        driver.session.get_service_model(name)
        commands[name]._get_command_table()  # noqa: SLF001 - the service's operations
    return driver


def serve(socket_path: str) -> None:
    """Answer launchers on ``socket_path`` until the process that started this one ends."""
    parent = os.getppid()
    os.environ.pop("AWS_DATA_PATH", None)
    warm = _warm_driver()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the calls are reaped as they end
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    partial = f"{socket_path}.{os.getpid()}"
    listener.bind(partial)
    listener.listen(64)
    os.rename(partial, socket_path)  # launchers see the socket only once it accepts
    listener.settimeout(1.0)
    sys.stdout.flush()
    sys.stderr.flush()
    while os.getppid() == parent:
        try:
            conn, _address = listener.accept()
        except TimeoutError:
            continue
        try:
            conn.settimeout(10.0)
            request, fds = _receive(conn)
            conn.settimeout(None)
        except (OSError, EOFError, ValueError):
            conn.close()
            continue
        if os.fork() == 0:
            _call(conn, listener, warm, request, fds)
        for fd in fds:
            os.close(fd)
        conn.close()
    listener.close()
    os.unlink(socket_path)


if __name__ == "__main__":
    serve(sys.argv[1])
