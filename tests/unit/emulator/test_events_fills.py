"""EventBridge as the emulator answers it (tests/emulator/fills/events.py), driven through boto3."""

import json
import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

ACCOUNT = "123456789012"
PROJECT = f"arn:aws:codebuild:us-west-1:{ACCOUNT}:project/app-build"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app-events-build-role"
REDEPLOY = {
    "environmentVariablesOverride": [{"name": "FLASK_REACT_ACTION", "value": "redeploy-database", "type": "PLAINTEXT"}]
}
PATTERN = {
    "source": ["aws.secretsmanager"],
    "detail-type": ["AWS Service Event via CloudTrail"],
    "detail": {"eventName": ["RotationSucceeded"], "additionalEventData": {"SecretId": ["secret-a"]}},
}


def event(**changes):
    """A RotationSucceeded event with every field TestEventPattern names mandatory."""
    base = {
        "version": "0",
        "id": "8ef1c3ba-0000-4a5e-9d2c-000000000000",
        "detail-type": "AWS Service Event via CloudTrail",
        "source": "aws.secretsmanager",
        "account": ACCOUNT,
        "time": "2026-12-05T20:00:00Z",
        "region": "us-west-1",
        "resources": [],
        "detail": {"eventName": "RotationSucceeded", "additionalEventData": {"SecretId": "secret-a"}},
    }
    return dict(base, **changes)


@pytest.fixture
def rule(aws):
    events = aws("events")
    name = f"r-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, EventPattern=json.dumps(PATTERN))
    return events, name


def refused(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]


def test_a_codebuild_target_with_its_role_and_json_input_is_stored(rule):
    events, name = rule
    answer = events.put_targets(
        Rule=name, Targets=[{"Id": "redeploy", "Arn": PROJECT, "RoleArn": ROLE, "Input": json.dumps(REDEPLOY)}]
    )
    assert answer["FailedEntryCount"] == 0 and answer["FailedEntries"] == []
    (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
    assert target["RoleArn"] == ROLE and json.loads(target["Input"]) == REDEPLOY


def test_a_codebuild_target_without_a_role_is_refused_and_nothing_is_stored(rule):
    events, name = rule
    error = refused(events.put_targets, Rule=name, Targets=[{"Id": "redeploy", "Arn": PROJECT}])
    assert error["Code"] == "ValidationException"
    assert error["Message"] == f"RoleArn is required for target {PROJECT}."
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []


def test_a_role_refusal_refuses_the_whole_request(rule):
    """AWS refuses the request (HTTP 400), not one entry of FailedEntries: the other target is not put either."""
    events, name = rule
    queue = f"arn:aws:sqs:us-west-1:{ACCOUNT}:queue"
    targets = [{"Id": "queue", "Arn": queue}, {"Id": "redeploy", "Arn": PROJECT}]
    assert refused(events.put_targets, Rule=name, Targets=targets)["Code"] == "ValidationException"
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []


def test_a_target_that_needs_no_role_is_taken_without_one(rule):
    events, name = rule
    queue = f"arn:aws:sqs:us-west-1:{ACCOUNT}:queue"
    assert events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": queue}])["FailedEntryCount"] == 0
    assert [target["Id"] for target in events.list_targets_by_rule(Rule=name)["Targets"]] == ["queue"]


@pytest.mark.parametrize("text", ["{'environmentVariablesOverride': []}", "{", "redeploy-database"])
def test_an_input_that_is_not_json_is_refused(rule, text):
    events, name = rule
    target = {"Id": "redeploy", "Arn": PROJECT, "RoleArn": ROLE, "Input": text}
    error = refused(events.put_targets, Rule=name, Targets=[target])
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("JSON syntax error in input for target redeploy")
    assert events.list_targets_by_rule(Rule=name)["Targets"] == []


def test_replacing_a_target_is_checked_too(rule):
    events, name = rule
    good = {"Id": "redeploy", "Arn": PROJECT, "RoleArn": ROLE, "Input": json.dumps(REDEPLOY)}
    events.put_targets(Rule=name, Targets=[good])
    without_role = {key: value for key, value in good.items() if key != "RoleArn"}
    assert refused(events.put_targets, Rule=name, Targets=[without_role])["Code"] == "ValidationException"
    (target,) = events.list_targets_by_rule(Rule=name)["Targets"]
    assert target["RoleArn"] == ROLE


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"detail": {"eventName": "RotationSucceeded", "additionalEventData": {"SecretId": "secret-b"}}}, False),
        ({"detail": {"eventName": "RotationFailed", "additionalEventData": {"SecretId": "secret-a"}}}, False),
        ({"detail-type": "AWS API Call via CloudTrail"}, False),
        ({"source": "aws.rds"}, False),
    ],
)
def test_test_event_pattern_answers_whether_the_event_matches(aws, changes, expected):
    answer = aws("events").test_event_pattern(EventPattern=json.dumps(PATTERN), Event=json.dumps(event(**changes)))
    assert answer["Result"] is expected


def test_test_event_pattern_matches_prefixes_and_anything_but(aws):
    pattern = {"source": [{"prefix": "aws.secrets"}], "detail": {"eventName": [{"anything-but": "RotationFailed"}]}}
    events = aws("events")
    assert events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event()))["Result"] is True
    failed = event(detail={"eventName": "RotationFailed"})
    assert events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(failed))["Result"] is False


@pytest.mark.parametrize("pattern", ["{", '{"source": "aws.secretsmanager"}', '{"source": []}'])
def test_test_event_pattern_refuses_a_pattern_put_rule_would_refuse(aws, pattern):
    error = refused(aws("events").test_event_pattern, EventPattern=pattern, Event=json.dumps(event()))
    assert error["Code"] == "InvalidEventPatternException"


@pytest.mark.parametrize("field", ["id", "account", "source", "time", "region", "resources", "detail-type"])
def test_test_event_pattern_refuses_an_event_without_a_mandatory_field(aws, field):
    incomplete = {key: value for key, value in event().items() if key != field}
    error = refused(aws("events").test_event_pattern, EventPattern=json.dumps(PATTERN), Event=json.dumps(incomplete))
    assert error["Code"] == "ValidationException"


def test_test_event_pattern_refuses_an_event_that_is_not_json(aws):
    error = refused(aws("events").test_event_pattern, EventPattern=json.dumps(PATTERN), Event="not json")
    assert error["Code"] == "ValidationException"
