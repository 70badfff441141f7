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
