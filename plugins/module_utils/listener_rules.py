# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for flask_react.aws.alb_listener_rules: no client, no module.

``desired_rules`` turns the user's entries into AWS-valid rules; ``plan`` turns
(desired, current) into the fewest operations that make the listener match.
"""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.validation import (
    MAX_WILDCARDS_PER_RULE,
    routed_paths_errors,
    wildcards,
)

# AWS quotas (Application Load Balancer "Listener rules" and "Quotas" guides). The rules per
# load balancer are adjustable: the module reads the account's from DescribeAccountLimits.
MAX_VALUES_PER_CONDITION = 3
MAX_RULES_PER_ALB = 100
MAX_PRIORITY = 50000

# The tag that marks a rule as made by one owner of this collection's modules.
OWNER_TAG = "flask_react.aws:owner"


class ListenerRulesError(Exception):
    """Bad input or a state the module cannot plan for; the message is for the user.

    ``code`` names the kind of failure for callers that act on it (``ListenerNotFound``).
    """

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


def validate_entries(entries):
    """Messages for every broken rule in ``entries`` (``[{paths, target_group}]``), naming the entry."""
    errors = []
    seen = {}
    for index, entry in enumerate(entries):
        where = f"rules[{index}]"
        paths = entry.get("paths") or []
        if not paths:
            errors.append(f"{where}.paths: give at least one path pattern")
        if not entry.get("target_group"):
            errors.append(f"{where}.target_group: give a target group name or ARN")
        errors += routed_paths_errors(where, paths, seen, where)
    return errors


def chunk_paths(paths, per_rule=MAX_VALUES_PER_CONDITION, wildcards_per_rule=MAX_WILDCARDS_PER_RULE):
    """Split one entry's paths into rules AWS accepts: at most ``per_rule`` values and
    ``wildcards_per_rule`` wildcards each, in order, starting a new rule only when the next path does not fit.

    Conditions of one rule are ANDed, so ORed paths must share one condition, which takes
    at most three values; the rule's wildcards (``*``, ``?``) count across its values.
    A path with more wildcards than one rule takes is rejected by ``validate_entries``.
    """
    chunks, current, stars = [], [], 0
    for path in paths:
        count = wildcards(path)
        if current and (len(current) == per_rule or stars + count > wildcards_per_rule):
            chunks.append(tuple(current))
            current, stars = [], 0
        current.append(path)
        stars += count
    if current:
        chunks.append(tuple(current))
    return chunks


def rule_errors(paths):
    """Why one planned rule's ``paths`` break AWS's per-rule quotas (a last check before any write)."""
    errors = []
    if len(paths) > MAX_VALUES_PER_CONDITION:
        errors.append(f"rule {list(paths)} has {len(paths)} values; AWS allows {MAX_VALUES_PER_CONDITION}")
    if sum(wildcards(path) for path in paths) > MAX_WILDCARDS_PER_RULE:
        errors.append(f"rule {list(paths)} has more than {MAX_WILDCARDS_PER_RULE} wildcards")
    return errors


def forwards_to(action, target_group_arn):
    """Whether one listener or rule action sends traffic to ``target_group_arn``."""
    if action.get("Type") != "forward":
        return False
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    return action.get("TargetGroupArn") == target_group_arn or any(
        group.get("TargetGroupArn") == target_group_arn for group in groups
    )


def desired_rules(entries, target_group_arns):
    """The AWS rules for ``entries`` in evaluation order: ``[{paths, target_group_arn, entry}]``."""
    rules = []
    for index, entry in enumerate(entries):
        arn = target_group_arns[entry["target_group"]]
        for chunk in chunk_paths(list(entry["paths"])):
            rules.append({"paths": chunk, "target_group_arn": arn, "entry": index})
    return rules


def _same_routing(desired, current):
    return (
        current.get("paths") is not None
        and set(current["paths"]) == set(desired["paths"])
        and current.get("target_group_arn") == desired["target_group_arn"]
    )


def match_rules(desired, owned):
    """Pair each desired rule with an owned current rule so the fewest rules change.

    Exact matches first, then rules to the same target group with the most shared
    paths, then any leftover rule (one ModifyRule is cheaper than create + delete).
    Returns ``{desired index: current rule}``.
    """
    free = sorted(owned, key=lambda rule: rule["priority"])
    pairs = {}

    def take(index, rule):
        pairs[index] = rule
        free.remove(rule)

    for index, rule in enumerate(desired):
        exact = next((current for current in free if _same_routing(rule, current)), None)
        if exact is not None:
            take(index, exact)
    for index, rule in enumerate(desired):
        if index in pairs:
            continue
        same_target = [current for current in free if current.get("target_group_arn") == rule["target_group_arn"]]
        if same_target:
            take(index, max(same_target, key=lambda current: len(set(current.get("paths") or ()) & set(rule["paths"]))))
    for index in range(len(desired)):
        if index not in pairs and free:
            take(index, free[0])
    return pairs


def _longest_increasing(indices, priorities):
    """The longest subsequence of ``indices`` whose ``priorities`` strictly increase (O(n^2), n <= 100)."""
    best = {}
    for position, index in enumerate(indices):
        chain = [index]
        for earlier in indices[:position]:
            if priorities[earlier] < priorities[index] and len(best[earlier]) + 1 > len(chain):
                chain = best[earlier] + [index]
        best[index] = chain
    return max(best.values(), key=len, default=[])


def _spread(free, count):
    """``count`` values of the sorted list ``free``, evenly spaced so later inserts find room."""
    return [free[(i + 1) * (len(free) + 1) // (count + 1) - 1] for i in range(count)]


def assign_priorities(desired_count, kept, blocked, start, step):
    """Final priorities for ``desired_count`` rules in order; ``kept`` maps index -> priority to keep.

    New priorities avoid ``blocked`` (every priority a surviving rule holds now or will
    hold), stay at or above ``start`` and leave gaps of ``step`` when appending, so a
    later insert rarely moves a neighbour. Returns None when a gap has no room.
    """
    priorities = [None] * desired_count
    for index, priority in kept.items():
        priorities[index] = priority
    taken = set(blocked) | set(kept.values())
    previous = start - 1
    index = 0
    while index < desired_count:
        if priorities[index] is not None:
            previous = priorities[index]
            index += 1
            continue
        end = index
        while end < desired_count and priorities[end] is None:
            end += 1
        upper = priorities[end] if end < desired_count else None
        count = end - index
        if upper is None:
            # Appending: ``step`` above the previous rule (the first at start + step - 1,
            # leaving room in front), nudged past taken priorities.
            chosen = []
            candidate = start + step - 1 if previous < start else previous + step
            while len(chosen) < count:
                while candidate in taken:
                    candidate += 1
                if candidate > MAX_PRIORITY:
                    return None
                chosen.append(candidate)
                taken.add(candidate)
                candidate += step
        else:
            free = [p for p in range(max(previous + 1, start), upper) if p not in taken]
            if len(free) < count:
                return None
            chosen = _spread(free, count)
        for offset, priority in enumerate(chosen):
            priorities[index + offset] = priority
            taken.add(priority)
        previous = chosen[-1]
        index = end
    return priorities


def plan(desired, current, priority_start=1, priority_step=10, purge=False, rules_limit=MAX_RULES_PER_ALB, others=0):
    """Operations that make the listener's owned rules equal ``desired``, in order.

    ``current`` rules are ``{arn, priority, paths, target_group_arn, owned}``; ``paths``
    is None for a rule that is not a pure path-pattern forward. Returns a dict with
    ``delete`` (ARNs), ``set_priorities`` (``[{arn, priority}]``), ``modify``
    (``[{arn, paths, target_group_arn}]``), ``create`` (``[{priority, paths,
    target_group_arn}]``) and ``rules``, the desired rules with their final priority
    and ARN (None until created). ``others`` counts the rules on the load balancer's other
    listeners, which share the account's ``rules_limit`` per load balancer (None: not checked). Every rule to
    create or modify is checked against AWS's quotas here, before the module writes anything.
    """
    owned = [rule for rule in current if rule["owned"]]
    foreign = [rule for rule in current if not rule["owned"]]
    pairs = match_rules(desired, owned)
    delete = [rule["arn"] for rule in owned if rule not in pairs.values()]
    surviving_foreign = [] if purge else foreign
    if purge:
        delete += [rule["arn"] for rule in foreign]

    eligible = [index for index in sorted(pairs) if pairs[index]["priority"] >= priority_start]
    keep = _longest_increasing(eligible, {index: pairs[index]["priority"] for index in eligible})
    kept = {index: pairs[index]["priority"] for index in keep}
    blocked = {rule["priority"] for rule in surviving_foreign} | {rule["priority"] for rule in pairs.values()}
    priorities = assign_priorities(len(desired), kept, blocked, priority_start, priority_step)
    if priorities is None:
        # No room between neighbours: move every rule above all current priorities.
        base = max(blocked | {priority_start - 1})
        priorities = [base + (i + 1) * priority_step for i in range(len(desired))]
        if priorities and priorities[-1] > MAX_PRIORITY:
            raise ListenerRulesError(
                f"no free priorities left between {priority_start} and {MAX_PRIORITY}; lower priority_step"
            )

    operations = {"delete": delete, "set_priorities": [], "modify": [], "create": [], "rules": []}
    for index, rule in enumerate(desired):
        final = {
            "priority": priorities[index],
            "paths": list(rule["paths"]),
            "target_group_arn": rule["target_group_arn"],
            "rule_arn": None,
        }
        current_rule = pairs.get(index)
        if current_rule is None:
            operations["create"].append({key: final[key] for key in ("priority", "paths", "target_group_arn")})
        else:
            final["rule_arn"] = current_rule["arn"]
            if current_rule["priority"] != final["priority"]:
                operations["set_priorities"].append({"arn": current_rule["arn"], "priority": final["priority"]})
            if not _same_routing(rule, current_rule):
                operations["modify"].append(
                    {"arn": current_rule["arn"], "paths": final["paths"], "target_group_arn": final["target_group_arn"]}
                )
        operations["rules"].append(final)

    errors = [error for change in operations["create"] + operations["modify"] for error in rule_errors(change["paths"])]
    if errors:
        raise ListenerRulesError("; ".join(errors))
    total = len(desired) + len(surviving_foreign) + others
    if rules_limit is not None and total > rules_limit:
        raise ListenerRulesError(
            f"the load balancer would hold {total} rules ({len(desired)} from rules, {len(surviving_foreign)} others "
            f"on this listener, {others} on its other listeners); the account allows {rules_limit} per load balancer"
        )
    return operations


def has_changes(operations):
    return any(operations[key] for key in ("delete", "set_priorities", "modify", "create"))
