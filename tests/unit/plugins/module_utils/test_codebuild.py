"""codebuild_project's comparison: AWS's defaults never read as a change; real changes always do."""

import copy

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.codebuild import (
    comparable,
    differences,
    merge_environment_variables,
    project_request,
    webhook_action,
    webhook_filter_groups,
)

PARAMS = {
    "name": "flask-react-build",
    "description": "build and test docker images",
    "source_type": "GITHUB",
    "source_location": "https://github.com/owner/repo.git",
    "report_build_status": True,
    "buildspec": "",
    "environment_type": "LINUX_CONTAINER",
    "image": "aws/codebuild/standard:4.0",
    "compute_type": "BUILD_GENERAL1_SMALL",
    "privileged_mode": True,
    "environment_variables": [{"name": "AWS_ACCOUNT_ID", "value": "123456789012", "type": "PLAINTEXT"}],
    "timeout_in_minutes": 10,
    "badge_enabled": True,
    "cloudwatch_logs": True,
    "tags": {"app": "flask-react"},
}
ROLE = "arn:aws:iam::123456789012:role/flask-react-build-role"


def aws_answer(request):
    """What BatchGetProjects returns for a project created from ``request``: more than was sent."""
    project = copy.deepcopy(request)
    project.pop("badgeEnabled")
    project["arn"] = "arn:aws:codebuild:us-west-1:123456789012:project/flask-react-build"
    project["badge"] = {
        "badgeEnabled": True,
        "badgeRequestUrl": "https://codebuild.us-west-1.amazonaws.com/badges?uuid=x",
    }
    project["source"].update({"insecureSsl": False, "gitCloneDepth": 1})
    project["environment"]["imagePullCredentialsType"] = "CODEBUILD"
    project["logsConfig"]["s3Logs"] = {"status": "DISABLED", "encryptionDisabled": False}
    project["cache"] = {"type": "NO_CACHE"}
    project["queuedTimeoutInMinutes"] = 480
    return project


def test_awss_defaults_are_not_a_change():
    request = project_request(PARAMS, ROLE)
    assert differences(request, comparable(aws_answer(request))) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"image": "aws/codebuild/standard:7.0"}, "environment"),
        ({"privileged_mode": False}, "environment"),
        ({"timeout_in_minutes": 20}, "timeoutInMinutes"),
        ({"badge_enabled": False}, "badgeEnabled"),
        ({"report_build_status": False}, "source"),
        ({"description": "other"}, "description"),
        ({"cloudwatch_logs": False}, "logsConfig"),
        ({"tags": {"app": "other"}}, "tags"),
    ],
)
def test_each_setting_change_is_seen(change, field):
    current = comparable(aws_answer(project_request(PARAMS, ROLE)))
    assert differences(project_request(dict(PARAMS, **change), ROLE), current) == [field]


def test_variables_merge_by_name_unless_purged():
    current = [{"name": "AWS_ACCOUNT_ID", "value": "1", "type": "PLAINTEXT"}, {"name": "OLD", "value": "x"}]
    desired = [{"name": "REACT_APP_API_SERVICE_URL", "value": "http://alb"}]
    merged = merge_environment_variables(desired, current, purge=False)
    assert [var["name"] for var in merged] == ["AWS_ACCOUNT_ID", "OLD", "REACT_APP_API_SERVICE_URL"]
    assert [var["name"] for var in merge_environment_variables(desired, current, purge=True)] == [
        "REACT_APP_API_SERVICE_URL"
    ]


def test_variable_order_is_not_a_change():
    params = dict(
        PARAMS,
        environment_variables=[
            {"name": "B", "value": "2", "type": "PLAINTEXT"},
            {"name": "A", "value": "1", "type": "PLAINTEXT"},
        ],
    )
    answer = aws_answer(project_request(params, ROLE))
    answer["environment"]["environmentVariables"].reverse()
    assert differences(project_request(params, ROLE), comparable(answer)) == []


@pytest.mark.parametrize(
    ("events", "current", "action"),
    [
        (None, {"filterGroups": []}, None),
        (["PUSH"], None, "create"),
        (["PUSH"], {"filterGroups": webhook_filter_groups(["PUSH"])}, None),
        (["PUSH", "PULL_REQUEST_CREATED"], {"filterGroups": webhook_filter_groups(["PUSH"])}, "update"),
        ([], {"filterGroups": webhook_filter_groups(["PUSH"])}, "delete"),
        ([], None, None),
    ],
)
def test_webhook_actions(events, current, action):
    assert webhook_action(events, current) == action
