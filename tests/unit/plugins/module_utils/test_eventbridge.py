"""eventbridge_rule's comparison: formatting never reads as a change; real changes always do."""

import json

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.eventbridge import (
    canonical_json,
    comparable_target,
    params_errors,
    rule_differs,
    rule_request,
    tag_list,
    tags_plan,
    target_request,
    targets_plan,
)
from hypothesis import given
from hypothesis import strategies as st

SECRET = "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-0a1b-AbCdEf"
PATTERN = {
    "source": ["aws.secretsmanager"],
    "detail-type": ["AWS Service Event via CloudTrail"],
    "detail": {
        "eventSource": ["secretsmanager.amazonaws.com"],
        "eventName": ["RotationSucceeded"],
        "additionalEventData": {"SecretId": [SECRET]},
    },
}
PROJECT = "arn:aws:codebuild:us-west-1:123456789012:project/flask-react-build"
ROLE = "arn:aws:iam::123456789012:role/flask-react-events-build-role"
ACTION = {"name": "FLASK_REACT_ACTION", "value": "redeploy-database", "type": "PLAINTEXT"}
INPUT = {"environmentVariablesOverride": [ACTION]}
TARGET = {"id": "redeploy-database", "arn": PROJECT, "role_arn": ROLE, "input": json.dumps(INPUT)}


def described(request, **changes):
    """What DescribeRule answers for a rule put with ``request``: more fields, pattern spaced its own way."""
    answer = {
        "Name": request["Name"],
        "Arn": f"arn:aws:events:us-west-1:123456789012:rule/{request['Name']}",
        "EventPattern": json.dumps(json.loads(request["EventPattern"]), indent=2),
        "State": request["State"],
        "EventBusName": "default",
        "CreatedBy": "123456789012",
    }
    if request["Description"]:
        answer["Description"] = request["Description"]
    answer.update(changes)
    return answer


def test_the_same_rule_spaced_or_ordered_otherwise_is_no_change():
    request = rule_request("flask-react-db-rotated", json.dumps(PATTERN), "why")
    reordered = json.dumps(dict(reversed(list(PATTERN.items()))), indent=4)
    assert not rule_differs(request, described(request, EventPattern=reordered))
    assert not rule_differs(rule_request("r", PATTERN), described(rule_request("r", PATTERN)))


@pytest.mark.parametrize(
    "changes",
    [
        {"EventPattern": json.dumps(dict(PATTERN, source=["aws.rds"]))},
        {"State": "DISABLED"},
        {"Description": "other"},
    ],
)
def test_each_rule_change_is_seen(changes):
    request = rule_request("r", PATTERN, "why")
    assert rule_differs(request, described(request, **changes))


def test_a_missing_rule_differs():
    assert rule_differs(rule_request("r", PATTERN), None)


def listed(target):
    """ListTargetsByRule's entry for a PutTargets entry, Input spaced its own way."""
    entry = dict(target)
    if "Input" in entry:
        entry["Input"] = json.dumps(json.loads(entry["Input"]), indent=1)
    return entry


def test_targets_converged_put_nothing():
    desired = [target_request(TARGET)]
    assert targets_plan(desired, [listed(desired[0])]) == ([], [])


def test_a_changed_input_or_role_is_put_again_and_an_extra_target_removed():
    desired = [target_request(TARGET)]
    old_input = dict(desired[0], Input=json.dumps({"environmentVariablesOverride": []}))
    assert targets_plan(desired, [old_input]) == (desired, [])
    no_role = {key: value for key, value in desired[0].items() if key != "RoleArn"}
    assert targets_plan(desired, [no_role]) == (desired, [])
    extra = {"Id": "other", "Arn": PROJECT}
    assert targets_plan(desired, [listed(desired[0]), extra]) == ([], ["other"])
    assert targets_plan(desired, [listed(desired[0]), extra], purge=False) == ([], [])


def test_the_target_request_carries_what_startbuild_reads():
    entry = target_request(TARGET)
    assert entry == {"Id": "redeploy-database", "Arn": PROJECT, "RoleArn": ROLE, "Input": canonical_json(INPUT)}
    assert comparable_target(entry)["Input"] == INPUT


def test_tags_are_set_and_purged_only_as_asked():
    current = [{"Key": "app", "Value": "old"}, {"Key": "extra", "Value": "1"}]
    assert tags_plan(None, current) == ({}, [])
    assert tags_plan({"app": "new"}, current) == ({"app": "new"}, ["extra"])
    assert tags_plan({"app": "old"}, current, purge=False) == ({}, [])
    assert tag_list({"b": 1, "a": "x"}) == [{"Key": "a", "Value": "x"}, {"Key": "b", "Value": "1"}]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


# Patterns and inputs are JSON objects (a str given to canonical_json is JSON text, not data).
@given(st.dictionaries(st.text(max_size=5), JSON, max_size=4), st.integers(min_value=0, max_value=4))
def test_canonical_json_is_one_text_per_meaning(value, indent):
    assert canonical_json(json.dumps(value, indent=indent or None)) == canonical_json(value)
    assert json.loads(canonical_json(value)) == value


def test_input_errors_are_found_before_any_call():
    good = {"event_pattern": json.dumps(PATTERN), "targets": [{"id": "build", "arn": PROJECT, "role_arn": ROLE}]}
    assert params_errors(good) == []
    bad = {
        "event_pattern": "{",
        "targets": [
            {"id": "build", "arn": PROJECT, "input": "{not json"},
            {"id": "other", "arn": PROJECT, "role_arn": None, "input": json.dumps({"a": 1})},
        ],
    }
    errors = params_errors(bad)
    assert errors[0].startswith("event_pattern is not JSON")
    assert errors[1].startswith("targets[0].input is not JSON")
    assert errors[2] == f"targets[0].role_arn is required for a CodeBuild project ({PROJECT})"
    assert errors[3] == f"targets[1].role_arn is required for a CodeBuild project ({PROJECT})"
