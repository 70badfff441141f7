"""The codebuild role on an emulator that plays back IAM propagation (issue 13, behaviour 1),
its least-privilege defaults (issue 14, item 4) and its input checks (item 11)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import REPO
from tests.emulator import ctl
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes
from tests.unit.playbooks.lag import start_lagged

PLAYBOOK = "../tests/unit/playbooks/codebuild.yml"
# Without a GitHub token the project task shows its output (it is no_log with one); no token, no webhook.
NO_TOKEN = {"codebuild_github_token": "", "codebuild_webhook_events": []}


@pytest.fixture(scope="module")
def lagged(tmp_path_factory: pytest.TempPathFactory) -> Any:
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    # CodeBuild refuses the first CreateProject/UpdateProject naming a new role (IAM has not propagated
    # it), however long that call takes to come: a lag counted in calls, not seconds (lag.py).
    port = start_lagged(record, only=("iam-propagation",), calls=1)
    yield port, record
    ctl.stop(port)


@pytest.fixture
def play(lagged: Any, tmp_path: Any) -> Any:
    return lambda playbook=PLAYBOOK, **extra: run_playbook(*lagged, tmp_path, playbook, "-e", json.dumps(extra))


def project_calls(calls: list) -> list[str]:
    return [f"{call['action']}:{call['status'][0]}" for call in calls if call["action"] == "CreateProject"]


def test_without_the_retry_a_cold_run_fails_on_the_new_role(play):
    run, calls = play(app_name="no-wait", codebuild_iam_propagation_timeout=0, **NO_TOKEN)
    assert run.returncode != 0
    assert "CodeBuild is not authorized to perform: sts:AssumeRole on service role" in run.stdout
    assert "still cannot assume the service role" in run.stdout, "the message says what to check"
    assert project_calls(calls) == ["CreateProject:400"]


def test_a_cold_run_waits_for_the_role_and_says_so(play):
    run, calls = play(app_name="waits")
    assert run.returncode == 0, run.stdout[-3000:]
    # A module warning, shown even though the task hides its output while a GitHub token is set.
    assert "for IAM to propagate the service role arn:aws:iam::123456789012:role/waits-build-role" in run.stderr
    assert project_calls(calls) == ["CreateProject:400", "CreateProject:200"]
    # Converged: the next run writes nothing (the webhook's filter groups compare equal too).
    again, calls = play(app_name="waits")
    assert recap(again.stdout)["changed"] == 0 and writes(calls) == []


def test_least_privilege_and_one_branch_by_default_then_the_course_one_variable_away(play, lagged):
    iam = emulator_client(lagged[0], "iam", "us-west-1")
    assert iam.list_attached_role_policies(RoleName="waits-build-role")["AttachedPolicies"] == []
    project = emulator_client(lagged[0], "codebuild", "us-west-1").batch_get_projects(names=["waits-build"])
    (group,) = project["projects"][0]["webhook"]["filterGroups"]
    assert group == [{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}]

    course, _calls = play(app_name="waits", codebuild_least_privilege=False, codebuild_webhook_branch="")
    assert course.returncode == 0, course.stdout[-3000:]
    attached = iam.list_attached_role_policies(RoleName="waits-build-role")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"
    ]
    assert iam.list_role_policies(RoleName="waits-build-role")["PolicyNames"] == ["waits-build-logs"]
    project = emulator_client(lagged[0], "codebuild", "us-west-1").batch_get_projects(names=["waits-build"])
    assert project["projects"][0]["webhook"]["filterGroups"] == [[{"type": "EVENT", "pattern": "PUSH"}]]


# A source location that is no HTTPS URL, or none, stops site.yml before any write: the bad-input
# table's rows (tests/unit/playbooks/test_bad_input.py), at unit level and in its settings run.


def test_no_arn_in_the_role_hard_codes_the_aws_partition():
    # aws-cn and aws-us-gov: every ARN is built from the partition the role read (issue 14, item 7).
    for path in (REPO / "roles" / "codebuild").rglob("*"):
        if path.suffix in (".yml", ".j2"):
            assert "arn:aws:" not in path.read_text(), path
