"""codebuild_project's comparison: AWS's defaults never read as a change; real changes always do."""

import copy
import re

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.codebuild import (
    CREATE_DEFAULTS,
    call_while_role_propagates,
    comparable,
    create_request,
    differences,
    effective_options,
    head_ref_pattern,
    merge_environment_variables,
    project_request,
    webhook_action,
    webhook_filter_groups,
)
from botocore.exceptions import ClientError

PARAMS = {
    "name": "flask-react-build",
    "description": "build and test docker images",
    "source_type": "GITHUB",
    "source_location": "https://github.com/owner/repo.git",
    "report_build_status": True,
    "buildspec": "",
    "source_version": "refs/heads/main",
    "environment_type": "LINUX_CONTAINER",
    "image": "aws/codebuild/standard:7.0",
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
        ({"image": "aws/codebuild/standard:4.0"}, "environment"),
        ({"privileged_mode": False}, "environment"),
        ({"timeout_in_minutes": 20}, "timeoutInMinutes"),
        ({"badge_enabled": False}, "badgeEnabled"),
        ({"report_build_status": False}, "source"),
        ({"description": "other"}, "description"),
        ({"cloudwatch_logs": False}, "logsConfig"),
        ({"tags": {"app": "other"}}, "tags"),
        ({"source_version": "refs/heads/release"}, "sourceVersion"),
        ({"source_version": ""}, "sourceVersion"),
        ({"buildspec": "version: 0.2\n"}, "source"),
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


def test_webhook_on_one_branch_is_stable_and_a_branch_change_is_seen():
    groups = webhook_filter_groups(["PUSH"], "main")
    assert groups == [[{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}]]
    # What AWS answers adds excludeMatchedPattern; still the same webhook.
    answer = {"filterGroups": [[dict(f, excludeMatchedPattern=False) for f in groups[0]]]}
    assert webhook_action(["PUSH"], answer, "main") is None
    assert webhook_action(["PUSH"], answer, "release") == "update"
    assert webhook_action(["PUSH"], answer, None) == "update", "dropping the branch filter is a change"


@pytest.mark.parametrize("branch", ["main", "release-1.0", "feature/a+b", "v(2)"])
def test_head_ref_pattern_matches_only_its_branch(branch):
    pattern = re.compile(head_ref_pattern(branch))
    assert pattern.match(f"refs/heads/{branch}")
    assert not pattern.match(f"refs/heads/{branch}x") and not pattern.match(f"refs/heads/x{branch}")
    assert not pattern.match(f"refs/tags/{branch}")


def all_left_out(**given):
    """Module params as Ansible passes them when a task sets only ``given``."""
    params = {key: None for key in PARAMS}
    params.update(
        service_role=None,
        environment_variables=None,
        purge_environment_variables=False,
        remove_environment_variables=[],
        tags=None,
    )
    params.update(given)
    return params


def test_left_out_options_keep_the_projects_settings():
    current = aws_answer(project_request(PARAMS, ROLE))
    only_a_variable = all_left_out(
        name="flask-react-build", environment_variables=[{"name": "X", "value": "1", "type": "PLAINTEXT"}]
    )
    options = effective_options(only_a_variable, current)
    request = project_request(options, options["service_role"])
    request["environment"]["environmentVariables"] = merge_environment_variables(
        request["environment"]["environmentVariables"], current["environment"]["environmentVariables"], False
    )
    assert differences(request, comparable(current)) == ["environment"]
    assert request["environment"]["image"] == "aws/codebuild/standard:7.0" and request["timeoutInMinutes"] == 10
    assert request["serviceRole"] == ROLE and request["source"]["location"] == PARAMS["source_location"]
    assert request["badgeEnabled"] is True and request["environment"]["privilegedMode"] is True


def test_left_out_options_get_sane_defaults_on_create():
    options = effective_options(all_left_out(name="p", source_location="https://github.com/o/r.git"), None)
    for key, value in CREATE_DEFAULTS.items():
        assert options[key] == value
    assert options["image"] == "aws/codebuild/standard:7.0", "a supported image, not the deprecated 4.0"
    assert options["service_role"] is None, "no default role: the module asks for one"


def client_error(code, message):
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateProject")


PROPAGATION = client_error(
    "InvalidInputException",
    "CodeBuild is not authorized to perform: sts:AssumeRole on service role. Please verify that: "
    "1) The provided service role exists in your AWS account.",
)


class Clock:
    """A clock that advances only when the code under test sleeps."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_propagation_error_is_retried_until_the_role_works():
    clock, answers = Clock(), [PROPAGATION, PROPAGATION, {"name": "p"}]

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call_while_role_propagates(call, 120, ClientError, clock.sleep, lambda: clock.now) == ({"name": "p"}, 10)
    assert clock.sleeps == [5, 5]


def test_propagation_retries_stop_at_the_budget():
    clock = Clock()

    def call():
        raise PROPAGATION

    with pytest.raises(ClientError):
        call_while_role_propagates(call, 12, ClientError, clock.sleep, lambda: clock.now)
    assert clock.sleeps == [5, 5, 2] and clock.now == 12


@pytest.mark.parametrize(
    "error",
    [
        client_error("InvalidInputException", "Invalid image: nope"),
        client_error("AccessDeniedException", "User is not authorized to perform: codebuild:CreateProject"),
    ],
)
def test_other_errors_are_not_retried(error):
    clock = Clock()

    def call():
        raise error

    with pytest.raises(ClientError):
        call_while_role_propagates(call, 120, ClientError, clock.sleep, lambda: clock.now)
    assert clock.sleeps == []


INLINE = "version: 0.2\nphases:\n  build:\n    commands:\n    - |\n      echo 'one'\n      echo \"two\"\n"


def test_an_inline_buildspec_is_compared_exactly_as_aws_returns_it():
    params = dict(PARAMS, buildspec=INLINE)
    current = comparable(aws_answer(project_request(params, ROLE)))
    assert differences(project_request(params, ROLE), current) == []
    # One character more (a new build logic) is an update of the source.
    assert differences(project_request(dict(params, buildspec=INLINE + "# v2\n"), ROLE), current) == ["source"]


def test_no_buildspec_removes_an_inline_one_and_an_empty_answer_is_none():
    with_inline = aws_answer(project_request(dict(PARAMS, buildspec=INLINE), ROLE))
    repository = project_request(dict(PARAMS, buildspec=""), ROLE)
    # The request's source carries no buildspec: UpdateProject replaces the source, so it goes.
    assert "buildspec" not in repository["source"]
    assert differences(repository, comparable(with_inline)) == ["source"]
    # A project whose answer says buildspec "" (or none) has none: no change forever.
    without = aws_answer(repository)
    without["source"]["buildspec"] = ""
    assert differences(repository, comparable(without)) == []


def test_a_left_out_buildspec_and_source_version_keep_the_projects():
    current = aws_answer(project_request(dict(PARAMS, buildspec=INLINE), ROLE))
    options = effective_options(all_left_out(name="flask-react-build"), current)
    assert options["buildspec"] == INLINE and options["source_version"] == "refs/heads/main"


def test_an_empty_source_version_is_not_sent_on_create_and_clears_on_update():
    request = project_request(dict(PARAMS, source_version=""), ROLE)
    assert "sourceVersion" not in create_request(request)
    assert create_request(project_request(PARAMS, ROLE))["sourceVersion"] == "refs/heads/main"
    # A project with no sourceVersion in AWS's answer equals one that asks for none.
    answer = aws_answer(create_request(request))
    assert "sourceVersion" not in answer
    assert differences(request, comparable(answer)) == []


def test_a_plaintext_variable_becoming_a_secret_is_an_update():
    token = "arn:aws:secretsmanager:us-west-1:123456789012:secret:hub-AbCdEf:token"
    plain = [{"name": "DOCKERHUB_TOKEN", "value": token, "type": "PLAINTEXT"}]
    current = comparable(aws_answer(project_request(dict(PARAMS, environment_variables=plain), ROLE)))
    secret = [dict(plain[0], type="SECRETS_MANAGER")]
    request = project_request(dict(PARAMS, environment_variables=secret), ROLE)
    request["environment"]["environmentVariables"] = merge_environment_variables(
        request["environment"]["environmentVariables"], current["environment"]["environmentVariables"], False
    )
    assert differences(request, current) == ["environment"]
    assert request["environment"]["environmentVariables"] == secret


def test_removed_variables_go_unless_still_desired():
    current = [
        {"name": "AWS_ACCOUNT_ID", "value": "1", "type": "PLAINTEXT"},
        {"name": "DOCKERHUB_USERNAME", "value": "arn:x:username", "type": "SECRETS_MANAGER"},
        {"name": "DOCKERHUB_TOKEN", "value": "arn:x:token", "type": "SECRETS_MANAGER"},
    ]
    merged = merge_environment_variables([], current, False, removed=["DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN"])
    assert [var["name"] for var in merged] == ["AWS_ACCOUNT_ID"]
    kept = merge_environment_variables(current[2:], current, False, removed=["DOCKERHUB_TOKEN"])
    assert [var["name"] for var in kept] == ["AWS_ACCOUNT_ID", "DOCKERHUB_TOKEN", "DOCKERHUB_USERNAME"]
