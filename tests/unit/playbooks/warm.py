"""The test suite's ansible-playbook runs, forked from a process that imported Ansible once.

Every ``ansible-playbook`` first imports Ansible, Jinja, mitogen and the rest: about 0.35 CPU-s, the same
work in each of the suite's 200 runs, and a fifth of a short run's CPU. ``run()`` hands the run instead to
a server (one per test process, started on first use) that did those imports once and forks a child for
each run. The child is then what ``ansible-playbook`` would be from its first line on: the CLI's own
``main()`` with the run's arguments, folder, environment and output files, ending as the interpreter ends
(threads joined, exit handlers run) with the CLI's exit code.

Only imports are shared, never state: the server reads no playbook, inventory or plugin, and a run's
import-time settings (Ansible's configuration is read as ``ansible.constants`` is imported) come from
the environment the server started with. So a run whose environment differs from it in anything but
the per-run names below (the emulator's port, the state folder, pytest's test name), or whose folder
differs, is not forked: it runs as a new process, as does every run once the server failed. Tests that
start runs themselves (``subprocess.Popen``, to interrupt or race them) still run ``ansible-playbook``.

Set ``PLAYBOOK_FORKS=0`` to run every playbook as a new process.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

# Read by the inventory at run time (lookup('env')), not as Ansible starts: the same server serves them all.
PER_RUN = frozenset({"EMULATOR_PORT", "LOCAL_STATE_DIR", "PYTEST_CURRENT_TEST"})
CODE = struct.Struct("!i")
_lock = threading.Lock()
_server: dict[str, Any] = {}


def run(argv: list[str], cwd: Path | str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)`` for ``ansible-playbook``."""
    base = {key: value for key, value in env.items() if key not in PER_RUN}
    if argv[0] != "ansible-playbook" or os.environ.get("PLAYBOOK_FORKS") == "0" or not _lock.acquire(blocking=False):
        return _new_process(argv, cwd, env)
    try:
        server = _server.get("server") or _start(base, str(cwd))
        if server is None or server.base != base or server.cwd != str(cwd):
            return _new_process(argv, cwd, env)
        try:
            return server.run(argv, env)
        except (OSError, ValueError):
            _server["server"] = None  # broken: every later run is a new process
            server.close()
            return _new_process(argv, cwd, env)
    finally:
        _lock.release()


def _new_process(argv: list[str], cwd: Path | str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)


class _Client:
    def __init__(self, base: dict[str, str], cwd: str) -> None:
        self.base, self.cwd = base, cwd
        self.sock, theirs = socket.socketpair()
        program = shutil.which("ansible-playbook", path=base.get("PATH"))
        if program is None:
            raise OSError("no ansible-playbook on PATH")
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import serve; serve({theirs.fileno()}, {program!r})"],
            cwd=cwd,
            env=base,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
        )
        theirs.close()
        if self.sock.recv(5) != b"ready":
            raise OSError("the playbook server did not start")

    def run(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            request = json.dumps({"argv": argv, "env": env}).encode()
            socket.send_fds(self.sock, [CODE.pack(len(request)) + request], [out.fileno(), err.fileno()])
            answer = self.sock.recv(CODE.size, socket.MSG_WAITALL)
            if len(answer) != CODE.size:
                raise OSError("the playbook server ended")
            (returncode,) = CODE.unpack(answer)
            return subprocess.CompletedProcess(argv, returncode, _text(out), _text(err))

    def close(self) -> None:
        self.sock.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _text(file: Any) -> str:
    """What ``text=True`` gives: the locale's encoding, universal newlines."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read())).read()


def _start(base: dict[str, str], cwd: str) -> _Client | None:
    try:
        server = _Client(base, cwd)
    except OSError:
        server = None
    _server["server"] = server
    if server is not None:
        atexit.register(server.close)
    return server


def serve(fd: int, program: str) -> None:
    """The server: import what ansible-playbook imports, then fork one child per request, one at a time."""
    import ctypes
    import signal

    # Gone with the test process that started it (Linux's PR_SET_PDEATHSIG), whatever ends that.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    sock = socket.socket(fileno=fd)
    # As the script would be: its folder first on sys.path (python -c put the current one there).
    sys.path[0] = os.path.dirname(program)
    import ansible.cli.playbook
    import ansible.executor.playbook_executor  # noqa: F401
    import ansible_mitogen.connection  # noqa: F401
    import ansible_mitogen.planner  # noqa: F401
    import ansible_mitogen.process  # noqa: F401
    import ansible_mitogen.strategy  # noqa: F401
    from ansible import constants as C
    from ansible.utils.path import cleanup_tmp_file

    # The one thing importing Ansible makes: a local temporary folder named by this process, removed as it
    # ends (atexit). Each run makes its own instead (_child), as a new process would.
    atexit.unregister(cleanup_tmp_file)
    cleanup_tmp_file(C.DEFAULT_LOCAL_TMP)

    sock.sendall(b"ready")
    while True:
        header, fds, _flags, _addr = socket.recv_fds(sock, CODE.size, 2, socket.MSG_WAITALL)
        if len(header) < CODE.size:
            return  # the test process closed its end
        (size,) = CODE.unpack(header)
        request = json.loads(_receive(sock, size))
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(program, request, fds)
        for descriptor in fds:
            os.close(descriptor)
        _pid, status = os.waitpid(pid, 0)
        sock.sendall(CODE.pack(os.waitstatus_to_exitcode(status)))


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _child(program: str, request: dict[str, Any], fds: list[int]) -> None:
    """The run: ansible-playbook's main() with the request's argv, environment and output files."""
    import ansible.cli.playbook
    from ansible import constants as C

    code = 1
    try:
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for descriptor in fds:
            os.close(descriptor)
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [program, *request["argv"][1:]]
        C.DEFAULT_LOCAL_TMP = C.config.get_config_value("DEFAULT_LOCAL_TMP")  # made anew, named by this process
        try:
            ansible.cli.playbook.main(sys.argv)
            code = 0
        except SystemExit as ended:
            code = ended.code if isinstance(ended.code, int) else (0 if ended.code is None else 1)
        # As an interpreter ends: its threads joined, its exit handlers run (Ansible's and mitogen's clean-up).
        threading._shutdown()  # noqa: SLF001
        atexit._run_exitfuncs()  # noqa: SLF001
    except BaseException:  # noqa: BLE001 - whatever happens, this process must not return into the server
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
