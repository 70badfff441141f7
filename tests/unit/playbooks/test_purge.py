"""Dropping a service: its rules go at once, its target group only with target_groups_purge (a warning names it)."""

import json

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap

CLIENT_ONLY = {"app_services": [{"name": "client", "port": 80, "health_check_path": "/", "default": True}]}


def target_groups(port):
    elb = emulator_client(port, "elbv2")
    return sorted(group["TargetGroupName"] for group in elb.describe_target_groups()["TargetGroups"])


def test_dropped_service_loses_its_rules_and_its_group_only_when_purging(playbook, recording_emulator):
    port = recording_emulator[0]
    run = playbook("site.yml")[0]
    assert run.returncode == 0, run.stdout[-2000:]
    assert target_groups(port) == ["flask-react-client-tg", "flask-react-users-tg"]

    run = playbook("site.yml", "-e", json.dumps(CLIENT_ONLY))[0]
    assert run.returncode == 0 and recap(run.stdout)["changed"] >= 1, run.stdout[-2000:]
    assert target_groups(port) == ["flask-react-client-tg", "flask-react-users-tg"], "kept without purge"
    # Issue 14 item 14: kept, but named.
    shown = " ".join(run.stdout.split())  # the YAML callback folds long messages
    assert "target group(s) flask-react-users-tg were made for services no longer in app_services" in shown

    run = playbook("site.yml", "-e", json.dumps(dict(CLIENT_ONLY, target_groups_purge=True)))[0]
    assert run.returncode == 0, run.stdout[-2000:]
    assert target_groups(port) == ["flask-react-client-tg"]
