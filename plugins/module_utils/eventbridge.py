# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of flask_react.aws.eventbridge_rule: the requests from the options, and the comparison.

EventBridge answers DescribeRule and ListTargetsByRule with JSON text (``EventPattern``, a
target's ``Input``) that may be spaced or ordered differently from what was sent: both are
compared as parsed JSON, so a second run never sees a change that is only formatting. Only
the fields the module sets are compared (AWS adds others: ``Arn``, ``EventBusName``,
``CreatedBy``...). PutRule ignores ``Tags`` on an existing rule, so tags are compared and
written on their own (TagResource / UntagResource).
"""

from __future__ import annotations

import json

# A target's fields the module sets, in the ListTargetsByRule / PutTargets shape.
TARGET_FIELDS = ("Id", "Arn", "RoleArn", "Input")


def canonical_json(value):
    """``value`` (JSON text or data) as compact JSON with sorted keys: one text per meaning."""
    data = json.loads(value) if isinstance(value, str) else value
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def rule_request(name, event_pattern, description="", enabled=True, event_bus_name="default"):
    """The PutRule body (tags excluded: PutRule applies them only when it creates the rule)."""
    return {
        "Name": name,
        "EventPattern": canonical_json(event_pattern),
        "Description": description or "",
        "State": "ENABLED" if enabled else "DISABLED",
        "EventBusName": event_bus_name,
    }


def rule_differs(request, current):
    """Does the rule ``current`` (a DescribeRule answer, or None) differ from the PutRule ``request``?"""
    if current is None:
        return True
    if not current.get("EventPattern") or canonical_json(current["EventPattern"]) != request["EventPattern"]:
        return True
    return (current.get("Description") or "") != request["Description"] or current.get("State") != request["State"]


def target_request(target):
    """A PutTargets entry from a module ``targets`` element (``id``, ``arn``, ``role_arn``, ``input``)."""
    entry = {"Id": target["id"], "Arn": target["arn"]}
    if target.get("role_arn"):
        entry["RoleArn"] = target["role_arn"]
    if target.get("input") not in (None, ""):
        entry["Input"] = canonical_json(target["input"])
    return entry


def comparable_target(target):
    """The fields of ``target`` (PutTargets or ListTargetsByRule shape) the module sets, Input parsed."""
    shape = {key: target[key] for key in TARGET_FIELDS if target.get(key) not in (None, "")}
    if "Input" in shape:
        shape["Input"] = json.loads(shape["Input"])
    return shape


def targets_plan(desired, current, purge=True):
    """(PutTargets entries to send, target IDs to remove) to turn ``current`` into ``desired``.

    ``desired`` holds PutTargets entries, ``current`` ListTargetsByRule's. A target whose fields
    differ is put again (PutTargets replaces a target with the same Id); one not desired is
    removed only with ``purge``.
    """
    by_id = {target["Id"]: comparable_target(target) for target in current}
    to_put = [target for target in desired if by_id.get(target["Id"]) != comparable_target(target)]
    wanted = {target["Id"] for target in desired}
    to_remove = sorted(target_id for target_id in by_id if target_id not in wanted) if purge else []
    return to_put, to_remove


def tags_plan(desired, current, purge=True):
    """(tags to set as a dict, keys to remove) to turn the ``current`` tag list into ``desired``.

    ``desired`` None leaves the tags alone. ``current`` is ListTagsForResource's ``Tags`` list.
    """
    if desired is None:
        return {}, []
    now = {tag["Key"]: tag["Value"] for tag in current}
    wanted = {key: str(value) for key, value in desired.items()}
    to_set = {key: value for key, value in wanted.items() if now.get(key) != value}
    to_remove = sorted(key for key in now if key not in wanted) if purge else []
    return to_set, to_remove


def tag_list(tags):
    """EventBridge's ``[{Key, Value}]`` from a dict, sorted by key."""
    return [{"Key": key, "Value": str(value)} for key, value in sorted((tags or {}).items())]


def params_errors(params):
    """Every broken rule of the input, before any call: text that is not JSON would otherwise fail
    half-way (after PutRule), and AWS refuses a CodeBuild target without a role."""
    errors = []
    texts = [("event_pattern", params.get("event_pattern"))] + [
        (f"targets[{index}].input", target.get("input")) for index, target in enumerate(params.get("targets") or [])
    ]
    for where, text in texts:
        if isinstance(text, str):
            try:
                json.loads(text)
            except ValueError as error:
                errors.append(f"{where} is not JSON ({error})")
    for index, target in enumerate(params.get("targets") or []):
        if ":codebuild:" in target["arn"] and ":project/" in target["arn"] and not target.get("role_arn"):
            errors.append(f"targets[{index}].role_arn is required for a CodeBuild project ({target['arn']})")
    return errors
