"""Shared fixtures: the collection on the import path, and an in-process AWS emulator."""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
# `ansible_collections.flask_react.aws` resolves through the checkout's link (see ansible.cfg).
sys.path.insert(0, str(REPO / "collections"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, a file's tests stay together on one worker, as under ``loadfile``
    (they share the file's module-scoped emulator and often run in order), unless the file says
    ``pytestmark = pytest.mark.spread``: its tests are independent (each its own names) and go to
    whichever worker is free, each worker starting the file's emulator once. A test that already
    names an ``xdist_group`` keeps it. Runs before xdist's own hook reads the groups."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None and item.get_closest_marker("spread") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


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
