# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for flask_react.aws.alb_listener_rules: no client, no module.

``desired_rules`` turns the user's entries into AWS-valid rules; ``plan`` turns
(desired, current) into the fewest operations that make the listener match.
"""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.validation import routed_paths_errors

# AWS quotas (Application Load Balancer "Listener rules" and "Quotas" guides).
MAX_VALUES_PER_CONDITION = 3
MAX_VALUES_PER_RULE = 5
MAX_RULES_PER_ALB = 100
MAX_PRIORITY = 50000


class ListenerRulesError(Exception):
    """Bad input or a state the module cannot plan for; the message is for the user."""


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


def chunk_paths(paths, per_rule=MAX_VALUES_PER_CONDITION):
    """Split one entry's paths into the fewest AWS rules: a rule ORs at most ``per_rule`` of them.

    Conditions of one rule are ANDed, so ORed paths must share one condition, which takes
    at most three values; the five-per-rule quota leaves room for a later host or method.
    """
    return [tuple(paths[start : start + per_rule]) for start in range(0, len(paths), per_rule)]


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


def plan(desired, current, priority_start=1, priority_step=10, purge=False):
    """Operations that make the listener's owned rules equal ``desired``, in order.

    ``current`` rules are ``{arn, priority, paths, target_group_arn, owned}``; ``paths``
    is None for a rule that is not a pure path-pattern forward. Returns a dict with
    ``delete`` (ARNs), ``set_priorities`` (``[{arn, priority}]``), ``modify``
    (``[{arn, paths, target_group_arn}]``), ``create`` (``[{priority, paths,
    target_group_arn}]``) and ``rules``, the desired rules with their final priority
    and ARN (None until created).
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

    total = len(desired) + len(surviving_foreign)
    if total > MAX_RULES_PER_ALB:
        raise ListenerRulesError(
            f"the listener would hold {total} rules ({len(desired)} from rules, {len(surviving_foreign)} others); "
            f"AWS allows {MAX_RULES_PER_ALB} per load balancer"
        )
    return operations


def has_changes(operations):
    return any(operations[key] for key in ("delete", "set_priorities", "modify", "create"))
