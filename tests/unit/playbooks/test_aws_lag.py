"""The whole stack against an emulator playing back every one of AWS's lags (issue 13).

For an app with three services and other names than the local inventory's: site.yml cold,
site.yml again (changed=0, no write call), teardown.yml (nothing left), on an emulator with
every behaviour of tests/emulator/lag.py on for the first CALLS requests that meet it (so each
lag the roles cause is met, whatever the machine's load). The local inventory runs the same
sequence with the lag on in the molecule default scenario, and interrupted and resumed in
test_interrupted.py; AWS_LAG_APPS="local three-services" runs it here too (about 3 min more).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import ctl
from tests.unit.playbooks.conftest import recap, run_playbook, writes
from tests.unit.playbooks.lag import POLL, THREE_SERVICES, leftovers, start_lagged

# The lags a cold converge meets (each CALLS times, then gets through) and those a teardown meets.
COLD = {"iam-propagation", "alb-provisioning", "rds-create", "ecs-lb"}
TEARDOWN = {"target-group-in-use", "alb-eni", "rds-delete", "ecs-deployments"}


def lags_met(calls: list) -> set[str]:
    return {behaviour for call in calls for behaviour in call.get("lag", ())}


APPS = {"local": {}, "three-services": THREE_SERVICES}
CHOSEN = os.environ.get("AWS_LAG_APPS", "three-services").split()


@pytest.fixture(scope="module", params=CHOSEN)
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(run(playbook) -> (completed, calls), port, app name) for one app on its own lagged emulator."""
    extra = dict(POLL, **APPS[request.param])
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    state = tmp_path_factory.mktemp("state")
    port = start_lagged(record)
    args = ("-e", json.dumps(extra))

    def run(playbook: str) -> tuple[Any, list]:
        return run_playbook(port, record, Path(state), playbook, *args)

    yield run, port, extra.get("app_name", "flask-react")
    ctl.stop(port)


def test_cold_converge_waits_for_every_lag(stack):
    run, _port, _app = stack
    completed, calls = run("site.yml")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert lags_met(calls) == COLD


def test_second_converge_changes_nothing_and_writes_nothing(stack):
    run, _port, _app = stack
    completed, calls = run("site.yml")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert recap(completed.stdout)["changed"] == 0, completed.stdout[-4000:]
    assert writes(calls) == []


def test_teardown_leaves_nothing(stack):
    run, port, app = stack
    completed, calls = run("teardown.yml")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert lags_met(calls) == TEARDOWN
    assert leftovers(port, app) == {}
