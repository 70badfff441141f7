"""The test suite's ansible-playbook runs, forked from a process that imported Ansible once.

Every ``ansible-playbook`` first imports Ansible, Jinja, mitogen and the rest: about 0.35 CPU-s, the same
work in each of the suite's 200 runs, and a fifth of a short run's CPU. ``run()`` hands the run instead to
a server (one per test process, started on first use) that did those imports once and forks a child for
each run. The child is then what ``ansible-playbook`` would be from its first line on: the CLI's own
``main()`` with the run's arguments, folder, environment and output files, ending as the interpreter ends
(threads joined, exit handlers run) with the CLI's exit code.

Only imports are shared, never a run's state: the server reads no playbook, inventory or plugin, and a
run's import-time settings (Ansible's configuration is read as ``ansible.constants`` is imported) come from
the environment the server started with. So the server serves the runs whose environment equals its own
but for the per-run names below (the emulator's port, the state folder, pytest's test name) and whose
folder is its own; a run that differs gets a new server, started with its environment. What the children
of one server do share, unlike new processes, is Python's string hash seed (a set of strings iterates in
the same order in each) and the few IDs Ansible draws as it is imported. Tests that start runs themselves
(``subprocess.Popen``, to interrupt or race them) still run ``ansible-playbook``.

Set ``PLAYBOOK_FORKS=0`` to run every playbook as a new process (so does every run once a server failed).
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
import traceback
from pathlib import Path
from typing import Any

# Read by the inventory at run time (lookup('env')), not as Ansible starts: the same server serves them all.
PER_RUN = frozenset({"EMULATOR_PORT", "LOCAL_STATE_DIR", "PYTEST_CURRENT_TEST"})
SIZE = struct.Struct("!i")
_lock = threading.Lock()
_server: dict[str, Any] = {}  # "server": the running one, or None once one failed


class NotSent(OSError):
    """The run never reached the server: it may run as a new process instead."""


def run(argv: list[str], cwd: Path | str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)`` for ``ansible-playbook``."""
    base = {key: value for key, value in env.items() if key not in PER_RUN}
    if argv[0] != "ansible-playbook" or os.environ.get("PLAYBOOK_FORKS") == "0" or not _lock.acquire(blocking=False):
        return _new_process(argv, cwd, env)
    try:
        server = _server.get("server")
        if "server" in _server and server is None:
            return _new_process(argv, cwd, env)
        if server is None or server.base != base or server.cwd != str(cwd):
            if server is not None:
                server.close()
            server = _server["server"] = _start(base, str(cwd))
            if server is None:
                return _new_process(argv, cwd, env)
        try:
            return server.run(argv, env)
        except NotSent:
            _server["server"] = None
            server.close()
            return _new_process(argv, cwd, env)
        except BaseException:
            # Sent: the run may have started, so it is not run again. Answers would be out of step after this.
            _server["server"] = None
            server.close()
            raise
    finally:
        _lock.release()


def _new_process(argv: list[str], cwd: Path | str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)


class _Client:
    def __init__(self, base: dict[str, str], cwd: str) -> None:
        self.base, self.cwd = base, cwd
        program = shutil.which("ansible-playbook", path=base.get("PATH"))
        if program is None:
            raise OSError("no ansible-playbook on PATH")
        self.sock, theirs = socket.socketpair()
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
        self.sock.settimeout(120)
        try:
            ready = self.sock.recv(5, socket.MSG_WAITALL)
        except OSError:
            ready = b""
        if ready != b"ready":
            self.close()
            raise OSError("the playbook server did not start")
        self.sock.settimeout(None)

    def run(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            request = json.dumps({"argv": argv, "env": env}).encode()
            try:
                socket.send_fds(self.sock, [SIZE.pack(len(request))], [out.fileno(), err.fileno()])
                self.sock.sendall(request)
            except OSError as error:
                raise NotSent(error) from error
            answer = self.sock.recv(SIZE.size, socket.MSG_WAITALL)
            if len(answer) != SIZE.size:
                raise RuntimeError(f"the playbook server ended during the run of {argv}")
            (returncode,) = SIZE.unpack(answer)
            return subprocess.CompletedProcess(argv, returncode, _text(out), _text(err))

    def close(self) -> None:
        self.sock.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _text(file: Any) -> str:
    """What ``text=True`` gives: the locale's encoding, universal newlines."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read())).read()


def _start(base: dict[str, str], cwd: str) -> _Client | None:
    try:
        server = _Client(base, cwd)
    except OSError:
        return None
    atexit.register(server.close)
    return server


def _die_with_parent() -> None:
    """SIGTERM this process when its parent ends (Linux's PR_SET_PDEATHSIG), whatever ends it."""
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def serve(fd: int, program: str) -> None:
    """The server: import what ansible-playbook imports, then fork one child per request, one at a time."""
    _die_with_parent()  # the test process
    sock = socket.socket(fileno=fd)
    # As the script would be: its folder first on sys.path (python -c put the current one there).
    sys.path[0] = os.path.dirname(program)
    import ansible.cli.playbook  # noqa: F401
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
        header, fds, _flags, _addr = socket.recv_fds(sock, SIZE.size, 2, socket.MSG_WAITALL)
        if len(header) < SIZE.size or len(fds) != 2:
            return  # the test process closed its end
        (size,) = SIZE.unpack(header)
        request = json.loads(sock.recv(size, socket.MSG_WAITALL))
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(program, request, fds)
        for descriptor in fds:
            os.close(descriptor)
        _pid, status = os.waitpid(pid, 0)
        sock.sendall(SIZE.pack(os.waitstatus_to_exitcode(status)))


def _child(program: str, request: dict[str, Any], fds: list[int]) -> None:
    """The run: ansible-playbook's main() with the request's argv, environment and output files; never returns."""
    code = 1
    try:
        _die_with_parent()  # the server: a run it no longer waits for must not go on alone
        stdin = os.open(os.devnull, os.O_RDONLY)
        for source, target in ((stdin, 0), (fds[0], 1), (fds[1], 2)):
            os.dup2(source, target)
            os.close(source)
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [program, *request["argv"][1:]]
        code = _main()
    except BaseException:  # noqa: BLE001 - whatever happens, this process must not return into the server
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _main() -> int:
    """The CLI, then the interpreter's end: threads joined, exit handlers run; the exit code as Python gives it."""
    import ansible.cli.playbook
    from ansible import constants as C
    from ansible.utils import display

    # Made anew, named by this process, as ansible.constants makes it (the default names ANSIBLE_HOME).
    C.DEFAULT_LOCAL_TMP = C.config.get_config_value("DEFAULT_LOCAL_TMP", variables=vars(C))
    # Ansible guards stdout and stderr with its display lock, which it turns off in a forked child (a worker);
    # this child is the controller, whose workers fork while its threads may write.
    for stream in (sys.stdout, sys.stderr):
        display._synchronize_textiowrapper(stream, display.Display()._lock)  # noqa: SLF001
    code = 1
    try:
        ansible.cli.playbook.main(sys.argv)
        code = 0
    except SystemExit as ended:
        if ended.code is None or isinstance(ended.code, int):
            code = ended.code or 0
        else:
            print(ended.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 - as the interpreter: the traceback, exit code 1
        traceback.print_exc()
    finally:
        threading._shutdown()  # noqa: SLF001
        atexit._run_exitfuncs()  # noqa: SLF001
    return code
