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


# --- The plan from results: our modules' plans, the stock modules' rules, the table rows ------------

from ansible_collections.flask_react.aws.plugins.module_utils.plan import (  # noqa: E402
    STOCK_MODULES,
    codebuild_project_plan,
    console_password_plan,
    ecr_repositories_plan,
    ecs_cluster_plan,
    ecs_service_plan,
    results_entries,
    single_plan,
)


def test_our_modules_plan_their_own_resources():
    assert ecr_repositories_plan({"a": ["create"], "b": [], "c": ["scanning"]}) == [
        {"type": "AWS::ECR::Repository", "name": "a", "action": "create"},
        {"type": "AWS::ECR::Repository", "name": "c", "action": "update"},
    ]
    assert [c["action"] for c in console_password_plan("u", "s", {"login_profile": "create", "secret": "create"})] == [
        "update",
        "create",
    ]
    assert console_password_plan("u", "s", {"secret": "delete"})[0]["action"] == "delete"
    assert console_password_plan("u", "s", {}) == []
    assert codebuild_project_plan("p", True, created=True, credentials_imported=True) == [
        {"type": "AWS::CodeBuild::Project", "name": "p", "action": "create"},
        {"type": "AWS::CodeBuild::SourceCredential", "name": "GITHUB", "action": "create"},
    ]
    assert codebuild_project_plan("p", True, deleted=True)[0]["action"] == "delete"
    assert codebuild_project_plan("p", False) == []
    assert single_plan("AWS::Events::Rule", "r", False) == []
    assert single_plan("AWS::RDS::DBInstance", "db", True, created=True)[0]["action"] == "create"
    removed = [{"name": "shop-admin", "deregistered": True, "families": ["shop-admin"]}]
    assert [(c["type"], c["action"]) for c in ecs_cluster_plan("c", "delete", removed)] == [
        ("AWS::ECS::Service", "delete"),
        ("AWS::ECS::TaskDefinition", "delete"),
        ("AWS::ECS::Cluster", "delete"),
    ]
    assert ecs_cluster_plan("c", None, []) == []
    assert [(c["type"], c["action"]) for c in ecs_service_plan("s", True, created=True, registered=True)] == [
        ("AWS::ECS::Service", "create"),
        ("AWS::ECS::TaskDefinition", "create"),
    ]


@pytest.mark.parametrize(
    ("module", "result", "state", "action"),
    [
        ("amazon.aws.iam_role", {"changed": True}, "present", "create"),
        ("amazon.aws.iam_role", {"changed": True, "iam_role": {"arn": "a"}}, "present", "update"),
        ("amazon.aws.iam_role", {"changed": True}, "absent", "delete"),
        ("amazon.aws.iam_user", {"changed": True, "create_params": {}}, "present", "create"),
        ("amazon.aws.iam_group", {"changed": True, "iam_group": {}}, "present", "update"),
        ("amazon.aws.ec2_security_group", {"changed": True, "group_id": None}, "present", "create"),
        ("amazon.aws.ec2_security_group", {"changed": True, "group_id": "sg-1"}, "present", "update"),
        ("amazon.aws.rds_subnet_group", {"changed": True}, "present", "create"),
        ("amazon.aws.cloudwatchlogs_log_group", {"changed": True}, "present", "create"),
        ("amazon.aws.cloudwatchlogs_log_group", {"changed": True, "log_group_name": "/x"}, "present", "update"),
        ("amazon.aws.iam_access_key", {"changed": True}, "present", "create"),
    ],
)
def test_each_stock_module_says_create_update_or_delete_by_a_key_never_a_message(module, result, state, action):
    assert STOCK_MODULES[module](result, {"state": state}, "n") == action


@pytest.mark.parametrize(
    ("before", "after", "action"),
    [({}, {"p": 1}, "create"), ({"p": 1}, {"p": 2}, "update"), ({"p": 1}, {}, "delete"), ({"o": 1}, {"o": 2}, None)],
)
def test_an_inline_policy_is_read_from_the_modules_diff(before, after, action):
    result = {"changed": True, "diff": {"before": before, "after": after}}
    assert STOCK_MODULES["amazon.aws.iam_policy"](result, {}, "role/p") == action


def test_a_row_reads_our_plan_a_stock_rule_a_skip_and_a_loop():
    ours = {"register": "r", "result": {"changed": True, "plan": [{"type": ROLE, "name": "r", "action": "update"}]}}
    assert results_entries(ours) == [{"type": ROLE, "name": "r", "action": "update"}]
    stock = {"register": "r", "module": "amazon.aws.iam_role", "type": ROLE, "name": "r", "result": {"changed": True}}
    assert results_entries(stock)[0]["action"] == "create"
    assert results_entries(dict(stock, result={"changed": False})) == []
    skipped = dict(stock, result={"skipped": True, "changed": False}, skipped="create")
    assert results_entries(skipped)[0]["action"] == "create"
    assert results_entries(dict(skipped, skipped="")) == []
    assert results_entries(dict(stock, skipped_only=True)) == []
    loop = dict(
        stock,
        state="absent",
        name=["a", "b"],
        result={"changed": True, "results": [{"changed": True}, {"changed": False}]},
    )
    assert results_entries(loop) == [{"type": ROLE, "name": "a", "action": "delete"}]
    with pytest.raises(PlanError, match="1 names for 2 looped results"):
        results_entries(dict(loop, name=["a"]))
    assert results_entries(dict(stock, only=["delete"])) == []
    read = {"register": "r", "result": {"changed": False}, "entries": [{"type": ROLE, "name": "x", "action": "update"}]}
    assert results_entries(read) == [{"type": ROLE, "name": "x", "action": "update"}]
    assert results_entries(dict(read, result={"skipped": True})) == []
    assert results_entries(dict(stock, result=None)) == []


def test_our_looped_results_are_grouped_by_type():
    def item(name):
        return {
            "changed": True,
            "plan": [
                {"type": "AWS::ECS::Service", "name": name, "action": "update"},
                {"type": "AWS::ECS::TaskDefinition", "name": name, "action": "create"},
            ],
        }

    row = {"register": "s", "result": {"changed": True, "results": [item("a"), item("b")]}}
    assert [(c["type"].rsplit(":", 1)[1], c["name"]) for c in results_entries(row)] == [
        ("Service", "a"),
        ("Service", "b"),
        ("TaskDefinition", "a"),
        ("TaskDefinition", "b"),
    ]


def test_target_group_diff_shows_each_planned_update_and_create():
    from ansible_collections.flask_react.aws.plugins.module_utils.plan import target_group_diff, target_groups_desired

    assert target_group_diff([CURRENT_TG], [DESIRED_TG]) == ({"before": {}, "after": {}}, [])
    drifted = dict(CURRENT_TG, health_check_path="/health")
    new = dict(DESIRED_TG, name="app-web-tg")
    diff, planned = target_group_diff([drifted], [DESIRED_TG, new])
    assert diff["before"] == {"app-users-tg": {"health_check_path": "/health"}, "app-web-tg": {}}
    assert diff["after"]["app-users-tg"] == {"health_check_path": "/ping"}
    assert diff["after"]["app-web-tg"]["health_check_path"] == "/ping"
    assert [(c["name"], c["action"]) for c in planned] == [("app-users-tg", "update"), ("app-web-tg", "create")]
    assert [g["name"] for g in target_groups_desired([{"name": "a"}, {"name": "b", "target_group": "x"}], "app")] == [
        "app-a-tg",
        "x",
    ]


def test_a_row_whose_when_is_false_gives_nothing():
    row = {"register": "r", "result": {"changed": True, "plan": [{"type": ROLE, "name": "r", "action": "delete"}]}}
    assert results_entries(dict(row, when=False)) == []
    assert results_entries(dict(row, when="True")) == row["result"]["plan"]
