"""Planning of alb_listener_rules: quotas, stable priorities, minimal change, ownership."""

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.listener_rules import (
    MAX_WILDCARDS_PER_RULE,
    ListenerRulesError,
    chunk_paths,
    desired_rules,
    forwards_to,
    has_changes,
    plan,
    validate_entries,
    wildcards,
)
from hypothesis import given, settings
from hypothesis import strategies as st

SEED_PATHS = ["/users*", "/ping", "/auth*", "/doc", "/swagger*"]
TGS = {"users": "arn:tg/users", "client": "arn:tg/client", "other": "arn:tg/other"}


def entries(*pairs):
    return [{"paths": list(paths), "target_group": target} for paths, target in pairs]


def desired(*pairs):
    return desired_rules(entries(*pairs), TGS)


def as_current(operations, owned=True):
    """The listener after a plan was applied, with made-up ARNs for created rules."""
    return [
        {
            "arn": rule["rule_arn"] or f"arn:rule/{rule['priority']}",
            "priority": rule["priority"],
            "paths": tuple(rule["paths"]),
            "target_group_arn": rule["target_group_arn"],
            "owned": owned,
        }
        for rule in operations["rules"]
    ]


def converge(*pairs, current=(), **options):
    operations = plan(desired(*pairs), list(current), **options)
    return operations, as_current(operations) + [
        rule for rule in current if not rule["owned"] and not options.get("purge")
    ]


@pytest.mark.parametrize(("count", "sizes"), [(1, [1]), (3, [3]), (4, [3, 1]), (5, [3, 2]), (16, [3, 3, 3, 3, 3, 1])])
def test_paths_split_into_the_fewest_rules_aws_accepts(count, sizes):
    paths = [f"/p{index}" for index in range(count)]
    chunks = chunk_paths(paths)
    assert [len(chunk) for chunk in chunks] == sizes
    assert [path for chunk in chunks for path in chunk] == paths


def test_seed_rule_becomes_two_rules_in_order():
    operations = plan(desired((SEED_PATHS, "users")), [])
    assert [rule["paths"] for rule in operations["create"]] == [SEED_PATHS[:3], SEED_PATHS[3:]]
    assert [rule["priority"] for rule in operations["create"]] == [10, 20]
    assert operations["delete"] == operations["modify"] == operations["set_priorities"] == []


def test_same_input_changes_nothing():
    current = converge((SEED_PATHS, "users"))[1]
    again = plan(desired((SEED_PATHS, "users")), current)
    assert not has_changes(again)
    assert [rule["rule_arn"] for rule in again["rules"]] == [rule["arn"] for rule in current]


def test_path_order_inside_a_rule_is_not_a_change():
    current = converge((["/a", "/b", "/c"], "users"))[1]
    assert not has_changes(plan(desired((["/c", "/a", "/b"], "users")), current))


def test_adding_a_path_to_a_rule_with_room_modifies_one_rule():
    current = converge((SEED_PATHS, "users"))[1]
    operations = plan(desired((SEED_PATHS + ["/health"], "users")), current)
    assert operations["create"] == operations["delete"] == operations["set_priorities"] == []
    assert [change["paths"] for change in operations["modify"]] == [["/doc", "/swagger*", "/health"]]


def test_adding_a_path_to_full_rules_creates_one_rule_after_them():
    current = converge((["/a", "/b", "/c"], "users"), (["/x"], "client"))[1]
    operations = plan(desired((["/a", "/b", "/c", "/d"], "users"), (["/x"], "client")), current)
    assert operations["modify"] == operations["delete"] == []
    assert len(operations["create"]) == 1 and operations["create"][0]["paths"] == ["/d"]
    priorities = [rule["priority"] for rule in operations["rules"]]
    assert priorities == sorted(priorities) and operations["set_priorities"] == []


def test_removing_a_path_modifies_one_rule():
    current = converge((SEED_PATHS, "users"))[1]
    operations = plan(desired((SEED_PATHS[:4], "users")), current)
    assert len(operations["modify"]) == 1 and operations["create"] == operations["delete"] == []


def test_removing_an_entry_deletes_only_its_rules():
    current = converge((["/a"], "users"), (["/b"], "client"))[1]
    operations = plan(desired((["/a"], "users")), current)
    assert operations["delete"] == [current[1]["arn"]]
    assert operations["modify"] == operations["create"] == operations["set_priorities"] == []


def test_moving_a_path_between_target_groups_modifies_two_rules():
    current = converge((["/a", "/b"], "users"), (["/c"], "client"))[1]
    operations = plan(desired((["/a"], "users"), (["/b", "/c"], "client")), current)
    assert sorted(tuple(change["paths"]) for change in operations["modify"]) == [("/a",), ("/b", "/c")]
    assert operations["create"] == operations["delete"] == operations["set_priorities"] == []


def test_swapping_entry_order_moves_one_rule_with_set_priorities():
    current = converge((["/a"], "users"), (["/b"], "client"), (["/c"], "other"))[1]
    operations = plan(desired((["/b"], "client"), (["/a"], "users"), (["/c"], "other")), current)
    assert operations["modify"] == operations["create"] == operations["delete"] == []
    assert len(operations["set_priorities"]) == 1
    priorities = [rule["priority"] for rule in operations["rules"]]
    assert priorities == sorted(priorities)
    old = {rule["priority"] for rule in current}
    assert all(move["priority"] not in old for move in operations["set_priorities"])


def test_inserting_before_the_first_rule_uses_the_room_in_front():
    current = converge((["/a"], "users"))[1]
    operations = plan(desired((["/first"], "client"), (["/a"], "users")), current)
    assert operations["set_priorities"] == [] and operations["create"][0]["priority"] < current[0]["priority"]


def test_foreign_rules_are_kept_and_their_priorities_avoided():
    foreign = {"arn": "arn:rule/theirs", "priority": 10, "paths": ("/theirs",), "target_group_arn": "x", "owned": False}
    operations = plan(desired((["/a"], "users"), (["/b"], "client")), [foreign])
    assert operations["delete"] == []
    assert 10 not in [rule["priority"] for rule in operations["create"]]


def test_foreign_rules_are_deleted_only_with_purge():
    foreign = {"arn": "arn:rule/theirs", "priority": 5, "paths": ("/theirs",), "target_group_arn": "x", "owned": False}
    assert plan(desired((["/a"], "users")), [foreign], purge=True)["delete"] == ["arn:rule/theirs"]
    assert plan([], [foreign])["delete"] == []


def test_state_absent_deletes_only_owned_rules():
    foreign = {"arn": "arn:rule/theirs", "priority": 5, "paths": ("/theirs",), "target_group_arn": "x", "owned": False}
    current = converge((["/a"], "users"), current=[foreign])[1]
    operations = plan([], current)
    assert operations["delete"] == [rule["arn"] for rule in current if rule["owned"]]


def test_priority_start_keeps_our_rules_above_it():
    operations = plan(desired((["/a"], "users"), (["/b"], "client")), [], priority_start=1000)
    assert [rule["priority"] for rule in operations["create"]] == [1009, 1019]


def test_owned_rule_reshaped_by_hand_is_put_back():
    hand_edited = {"arn": "arn:rule/1", "priority": 10, "paths": None, "target_group_arn": None, "owned": True}
    operations = plan(desired((["/a"], "users")), [hand_edited])
    assert operations["modify"] == [{"arn": "arn:rule/1", "paths": ["/a"], "target_group_arn": "arn:tg/users"}]


def test_no_room_between_neighbours_renumbers_above_everything():
    current = [
        {"arn": f"arn:rule/{p}", "priority": p, "paths": (f"/{p}",), "target_group_arn": "arn:tg/users", "owned": True}
        for p in (1, 2)
    ]
    operations = plan(desired((["/1"], "users"), (["/new"], "client"), (["/2"], "users")), current)
    priorities = [rule["priority"] for rule in operations["rules"]]
    assert priorities == sorted(priorities) and min(priorities) > 2


def test_more_than_100_rules_fail_before_any_write():
    many = [([f"/p{index}"], "users") for index in range(101)]
    with pytest.raises(ListenerRulesError, match="the account allows 100 per load balancer"):
        plan(desired(*many), [])


def test_rules_on_the_other_listeners_count_against_the_accounts_quota():
    few = [([f"/p{index}"], "users") for index in range(10)]
    with pytest.raises(ListenerRulesError, match="10 from rules, 0 others on this listener, 95 on its other"):
        plan(desired(*few), [], rules_limit=100, others=95)
    assert len(plan(desired(*few), [], rules_limit=200, others=95)["create"]) == 10
    assert len(plan(desired(*many_paths(150)), [], rules_limit=None)["create"]) == 150, "None: checked later"


def many_paths(count):
    return [([f"/p{index}"], "users") for index in range(count)]


def test_three_paths_of_two_wildcards_each_become_two_rules():
    """Issue 14 item 10: chunked by values only, they made one rule with six wildcards, which AWS refuses."""
    paths = ["/a*/b*", "/c*/d*", "/e*/f*"]
    assert chunk_paths(paths) == [("/a*/b*", "/c*/d*"), ("/e*/f*",)]
    operations = plan(desired((paths, "users")), [])
    assert all(sum(wildcards(path) for path in rule["paths"]) <= 5 for rule in operations["create"])


def test_a_path_with_too_many_wildcards_is_refused_before_planning():
    errors = validate_entries(entries((["/a?b?c?d?e?f?"], "users")))
    assert errors == [
        "rules[0].paths[0]: path pattern '/a?b?c?d?e?f?' has 6 wildcards ('*' and '?'); AWS allows 5 per rule"
    ]


def test_the_plan_is_checked_against_the_quotas_before_any_write():
    """A rule AWS would refuse fails the whole plan, not part-way after deletes ran."""
    current = [
        {"arn": "arn:rule/1", "priority": 1, "paths": ("/old",), "target_group_arn": "arn:tg/users", "owned": True}
    ]
    bad = [{"paths": ("/a*b*c*", "/d*e*f*"), "target_group_arn": "arn:tg/users", "entry": 0}]
    with pytest.raises(ListenerRulesError, match="more than 5 wildcards"):
        plan(bad, current)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="/a*?", min_size=1, max_size=8).map(lambda path: "/" + path), max_size=12))
def test_chunks_keep_order_and_both_quotas(paths):
    paths = [path for path in paths if wildcards(path) <= MAX_WILDCARDS_PER_RULE]
    chunks = chunk_paths(paths)
    assert [path for chunk in chunks for path in chunk] == paths
    assert all(len(chunk) <= 3 and sum(map(wildcards, chunk)) <= 5 for chunk in chunks)
    # Fewest rules for a greedy cut: each rule but the last was full when the next path came.
    for chunk, following in zip(chunks, chunks[1:], strict=False):
        assert len(chunk) == 3 or sum(map(wildcards, chunk)) + wildcards(following[0]) > 5


def test_forwards_to_reads_both_action_shapes():
    assert forwards_to({"Type": "forward", "TargetGroupArn": "arn:tg"}, "arn:tg")
    assert forwards_to({"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "arn:tg"}]}}, "arn:tg")
    assert not forwards_to({"Type": "fixed-response"}, "arn:tg")
    assert not forwards_to({"Type": "forward", "TargetGroupArn": "arn:other"}, "arn:tg")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (entries((["users"], "users")), "rules[0].paths[0]: path pattern 'users' must start with '/'"),
        (entries((["/a b"], "users")), "rules[0].paths[0]: path pattern '/a b' has a character AWS does not allow"),
        (entries((["/" + "x" * 128], "users")), "longer than 128 characters"),
        (entries((["/a"], "users"), (["/a"], "client")), "rules[1].paths[0]: '/a' is already routed by rules[0]"),
        (entries(([], "users")), "rules[0].paths: give at least one path pattern"),
        (entries((["/a"], "")), "rules[0].target_group: give a target group name or ARN"),
    ],
)
def test_validation_names_the_entry_and_rule(bad, message):
    assert any(message in error for error in validate_entries(bad)), validate_entries(bad)


paths_strategy = st.lists(st.sampled_from([f"/p{index}" for index in range(30)]), min_size=1, max_size=8, unique=True)
layout = st.lists(st.tuples(paths_strategy, st.sampled_from(sorted(TGS))), min_size=0, max_size=6)


def unique_paths(pairs):
    seen, result = set(), []
    for paths, target in pairs:
        kept = [path for path in paths if path not in seen]
        seen.update(kept)
        if kept:
            result.append((kept, target))
    return result


@settings(max_examples=200, deadline=None)
@given(before=layout, after=layout)
def test_any_change_converges_in_one_plan_and_then_holds(before, after):
    before, after = unique_paths(before), unique_paths(after)
    current = converge(*before)[1]
    operations = plan(desired(*after), current)
    priorities = [rule["priority"] for rule in operations["rules"]]
    assert priorities == sorted(set(priorities)), "evaluation order is listed order, no duplicates"
    # Deletes run first; every other rule keeps its priority until SetRulePriorities.
    held = {rule["priority"] for rule in current if rule["arn"] not in operations["delete"]}
    assert all(move["priority"] not in held for move in operations["set_priorities"])
    assert all(new["priority"] not in held for new in operations["create"])
    assert len(operations["modify"]) + len(operations["create"]) <= len(desired(*after))
    assert not has_changes(plan(desired(*after), as_current(operations)))
