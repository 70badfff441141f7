"""Read the converged stack back through the AWS API (molecule verify and destroy run these).

AWS_ENDPOINT_URL points at the emulator the scenario started; the expected
values come from the same inventory the play used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.emulator.client import emulator_client

REPO = Path(__file__).resolve().parents[2]
ROLE_DEFAULTS = REPO / "roles"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "teardown: holds after playbooks/teardown.yml")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The same folder serves verify (stack present) and destroy (stack absent).
    absent = os.environ.get("STACK_STATE") == "absent"
    skip = pytest.mark.skip(reason="for the other stack state")
    for item in items:
        if ("teardown" in item.keywords) != absent:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def app() -> dict[str, Any]:
    """The app description the local inventory converges: role defaults, then inventory vars."""
    values: dict[str, Any] = {}
    for role in ("app", "ecr"):
        values.update(yaml.safe_load((ROLE_DEFAULTS / role / "defaults" / "main.yml").read_text()))
    values.update(yaml.safe_load((REPO / "inventories/local/group_vars/aws_environments.yml").read_text()))
    return values


@pytest.fixture(scope="session")
def aws(app: dict[str, Any]) -> Any:
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4599")

    return lambda service: emulator_client(endpoint, service, app["aws_region"])
