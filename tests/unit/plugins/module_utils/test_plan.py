"""The plan's pure functions: which results are entries, how they merge, how the summary reads."""

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.plan import (
    PlanError,
    entries,
    merge,
    rule_entries,
    summary,
    target_group_differences,
    target_group_entries,
)
from hypothesis import given
from hypothesis import strategies as st

ROLE = "AWS::IAM::Role"


@pytest.mark.parametrize("result", [{"changed": False}, {"changed": True, "skipped": True}, {"skipped": True}, None])
def test_no_change_no_entry(result):
    assert entries(result, ROLE, "r") == []


def test_create_update_delete():
    assert entries({"changed": True}, ROLE, "r", created=True) == [{"type": ROLE, "name": "r", "action": "create"}]
    assert entries({"changed": True}, ROLE, "r") == [{"type": ROLE, "name": "r", "action": "update"}]
    assert entries({"changed": True}, ROLE, "r", created=True, state="absent")[0]["action"] == "delete"


def test_actions_mapping_gives_one_entry_per_changed_resource():
    result = {"changed": True, "actions": {"a": ["create", "tag"], "b": ["scanning"], "c": [], "d": ["delete"]}}
    assert [(e["name"], e["action"]) for e in entries(result, "AWS::ECR::Repository")] == [
        ("a", "create"),
        ("b", "update"),
        ("d", "delete"),
    ]


def test_looped_result_names_each_changed_item():
    result = {"changed": True, "results": [{"changed": True}, {"changed": False}, {"skipped": True}]}
    assert entries(result, "AWS::IAM::Policy", ["r/a", "r/b", "r/c"], state="absent") == [
        {"type": "AWS::IAM::Policy", "name": "r/a", "action": "delete"}
    ]
    with pytest.raises(PlanError, match="2 names for 3 looped results"):
        entries(result, "AWS::IAM::Policy", ["r/a", "r/b"])


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [("IAM::Role", "r", "CloudFormation type"), (ROLE, "", "non-empty"), ("AWS::IAM", "r", "CloudFormation type")],
)
def test_bad_entries_fail_naming_the_rule(kind, name, message):
    with pytest.raises(PlanError, match=message):
        entries({"changed": True}, kind, name)


def test_merge_keeps_one_entry_per_resource_create_over_update():
    changes = [
        {"type": "AWS::CodeBuild::Project", "name": "p", "action": "create"},
        {"type": ROLE, "name": "r", "action": "update"},
        {"type": "AWS::CodeBuild::Project", "name": "p", "action": "update"},
        {"type": ROLE, "name": "r", "action": "delete"},
    ]
    assert merge(changes) == [
        {"type": "AWS::CodeBuild::Project", "name": "p", "action": "create"},
        {"type": ROLE, "name": "r", "action": "delete"},
    ]
    with pytest.raises(PlanError, match="action 'destroy'"):
        merge([{"type": ROLE, "name": "r", "action": "destroy"}])


def test_summary_reads_like_terraform():
    assert summary("local", [{"type": ROLE, "name": "r", "action": "create"}]) == [
        "Plan for local: 1 to create, 0 to update, 0 to delete",
        "  + AWS::IAM::Role r (create)",
    ]
    assert summary("prod", []) == ["Plan for prod: 0 to create, 0 to update, 0 to delete"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from([ROLE, "AWS::ECR::Repository"]),
            st.sampled_from("abc"),
            st.sampled_from(["create", "update", "delete"]),
        )
    )
)
def test_merge_names_each_resource_once_and_counts_add_up(raw):
    merged = merge([{"type": t, "name": n, "action": a} for t, n, a in raw])
    assert len({(e["type"], e["name"]) for e in merged}) == len(merged) == len({(t, n) for t, n, _a in raw})
    counts = summary("e", merged)[0]
    assert sum(int(word) for word in counts.replace(",", "").split() if word.isdigit()) == len(merged)


def test_names_of_resources_one_task_changes_together():
    assert entries({"changed": True}, "AWS::IAM::AccessKey", ["u/AKIA1", "u/AKIA2"], state="absent") == [
        {"type": "AWS::IAM::AccessKey", "name": "u/AKIA1", "action": "delete"},
        {"type": "AWS::IAM::AccessKey", "name": "u/AKIA2", "action": "delete"},
    ]
    assert entries({"changed": False}, "AWS::IAM::AccessKey", ["u/AKIA1"]) == []


CURRENT_TG = {
    "target_group_name": "app-users-tg",
    "health_check_protocol": "HTTP",
    "health_check_path": "/ping",
    "health_check_interval_seconds": 30,
    "health_check_timeout_seconds": 5,
    "healthy_threshold_count": 5,
    "unhealthy_threshold_count": 2,
    "matcher": {"http_code": "200,302"},
    "target_type": "ip",
    "tags": {"app": "app"},
}
DESIRED_TG = {
    "name": "app-users-tg",
    "health_check_protocol": "HTTP",
    "health_check_path": "/ping",
    "health_check_interval_seconds": "30",
    "health_check_timeout_seconds": 5,
    "healthy_threshold_count": 5,
    "unhealthy_threshold_count": 2,
    "success_codes": "302,200",
    "target_type": "ip",
    "tags": {"app": "app"},
}


def test_target_group_as_aws_returns_it_is_no_difference():
    assert target_group_differences(CURRENT_TG, DESIRED_TG) == []
    assert target_group_entries([CURRENT_TG], [DESIRED_TG]) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("health_check_path", "/health"),
        ("health_check_interval_seconds", 10),
        ("success_codes", "200"),
        ("tags", {"app": "other"}),
        ("target_type", "instance"),
    ],
)
def test_each_changed_setting_is_a_difference(key, value):
    assert target_group_differences(CURRENT_TG, dict(DESIRED_TG, **{key: value})) == [key]
    assert target_group_entries([CURRENT_TG], [dict(DESIRED_TG, **{key: value})])[0]["action"] == "update"


def test_missing_group_is_a_create_and_path_ignored_for_tcp_checks():
    assert target_group_entries([], [DESIRED_TG]) == [
        {"type": "AWS::ElasticLoadBalancingV2::TargetGroup", "name": "app-users-tg", "action": "create"}
    ]
    tcp = dict(CURRENT_TG, health_check_protocol="TCP")
    assert target_group_differences(tcp, dict(DESIRED_TG, health_check_protocol="TCP", health_check_path="/x")) == []


def test_rules_named_by_listener_and_paths():
    arn = "arn:aws:elasticloadbalancing:us-west-1:1:listener-rule/app/a/1/2/r9"
    operations = {
        "create": [{"priority": 10, "paths": ["/users*", "/ping"], "target_group_arn": "t"}],
        "modify": [{"arn": arn, "paths": ["/admin*"], "target_group_arn": "t"}],
        "set_priorities": [{"arn": arn, "priority": 20}, {"arn": arn + "0", "priority": 30}],
        "delete": [arn + "1"],
    }
    assert [(e["name"], e["action"]) for e in rule_entries(operations, "a:80")] == [
        ("a:80 /users*,/ping", "create"),
        ("a:80 /admin*", "update"),
        ("a:80 rule r90", "update"),
        ("a:80 rule r91", "delete"),
    ]
