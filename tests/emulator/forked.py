"""Emulator processes forked from one process that imported the emulator once.

``python -m tests.emulator`` spends about 1.5 s of CPU importing moto and the fills before it answers,
and a test session starts about forty emulators (one per playbook test file, one per lagged chain).
multiprocessing's forkserver imports ``tests.emulator.server`` once per pytest worker, then forks each
emulator from it: the same code in a process of its own, whose moto state is empty (the forkserver never
serves a request), answering in a fraction of the time. ``ctl.start(..., forked=True)`` uses it; the
command line (``python -m tests.emulator.ctl``) still starts a new interpreter.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path
from typing import Any

_CONTEXT: list[Any] = []


def context() -> Any:
    """The forkserver context, preloading the emulator (its server starts at the first emulator)."""
    if not _CONTEXT:
        forkserver = multiprocessing.get_context("forkserver")
        forkserver.set_forkserver_preload(["tests.emulator.server"])
        _CONTEXT.append(forkserver)
    return _CONTEXT[0]


def run(argv: list[str], log: str, cwd: str, environ: dict[str, str]) -> None:
    """The emulator's ``python -m tests.emulator <argv>``, in the forked process: a session of its own (as
    ``start_new_session``), the caller's folder and environment (the forkserver's is the one it started
    with), its output appended to ``log``."""
    os.setsid()
    os.chdir(cwd)
    os.environ.update(environ)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.argv = ["python -m tests.emulator", *argv]
    from tests.emulator.__main__ import main

    main()


def start(argv: list[str], log: Path, cwd: Path) -> Any:
    """Start ``python -m tests.emulator <argv>`` forked; returns the multiprocessing process (``pid``,
    ``exitcode``). Daemonic: a pytest worker that ends terminates the emulators it left running."""
    process = context().Process(target=run, args=(argv, str(log), str(cwd), dict(os.environ)), daemon=True)
    process.start()
    return process
