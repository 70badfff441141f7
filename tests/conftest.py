"""Shared fixtures: the collection on the import path, and an in-process AWS emulator."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

try:  # pytest 9
    from _pytest.nodeid import NodeId
except ImportError:  # pytest 8 reads item._nodeid, as xdist expects
    NodeId = None

REPO = Path(__file__).resolve().parents[1]
# `ansible_collections.flask_react.aws` resolves through the checkout's link (see ansible.cfg).
sys.path.insert(0, str(REPO / "collections"))


# The files whose chain of playbook runs took longest (worker seconds in make test, 2026-12-06: 520 to
# 140 s each), longest first. Under xdist they start first, then the other playbook files, then the
# quick ones: a long chain that started last would leave the other workers idle at the end (the
# Makefile passes --no-loadscope-reorder, else xdist orders groups by their number of tests).
LONGEST_FIRST = (
    "test_plan.py",
    "test_ecs.py",
    "test_run_lock_playbook.py",
    "test_codebuild_ci.py",
    "test_interrupted.py",
    "test_deploy_chain.py",
    "test_aws_lag.py",
)


def run_order(item: pytest.Item) -> tuple[int, int]:
    path = item.nodeid.split("::", 1)[0]
    name = path.rsplit("/", 1)[-1]
    if name in LONGEST_FIRST:
        return (0, LONGEST_FIRST.index(name))
    return (1 if path.startswith("tests/unit/playbooks/") else 2, 0)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, a file's tests stay together on one worker, as under ``loadfile``
    (they share the file's module-scoped emulator and often run in order), unless the file says
    ``pytestmark = pytest.mark.spread``: its tests are independent (each its own names) and go to
    whichever worker is free, each worker starting the file's emulator once. A test that names an
    ``xdist_group`` keeps it.

    xdist 3.8 tells the controller a test's group by appending ``@<group>`` to the node ID it sends,
    through ``item._nodeid``, which pytest 9 no longer reads (``nodeid`` comes from ``item._id``):
    every group was ignored. The suffix is set here the way pytest 9 reads it."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist's workers only
        return
    items.sort(key=run_order)  # stable: a file's tests keep their order
    for item in items:
        marker = item.get_closest_marker("xdist_group")
        if marker is not None:
            group = str(marker.args[0] if marker.args else marker.kwargs.get("name", "default"))
        elif item.get_closest_marker("spread") is None:
            group = item.nodeid.split("::", 1)[0]
        else:
            continue
        if "@" not in item.nodeid:
            if NodeId is not None:
                item._id = NodeId.parse(f"{item.nodeid}@{group}")  # noqa: SLF001 (see the docstring)
            item._nodeid = item.nodeid if NodeId is not None else f"{item.nodeid}@{group}"  # noqa: SLF001


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    """One emulator for the test session, served from a thread of this process."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from tests.emulator.server import make_app

    server = make_server("127.0.0.1", free_port(), make_app(), threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def aws(emulator_url: str) -> Callable[..., Any]:
    """``aws("codebuild")`` gives a boto3 client of the session's emulator (tests use unique names)."""
    from tests.emulator.client import emulator_client

    def client(service: str, **kwargs: Any) -> Any:
        return emulator_client(emulator_url, service, kwargs.pop("region_name", "us-west-1"), **kwargs)

    return client
