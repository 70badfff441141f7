# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning for flask_react.aws.alb_target_groups: no client, no module.

Groups are compared in the snake_case shape ``camel_dict_to_snake_dict`` gives DescribeTargetGroups'
answer (elb_target_group_info's shape), with ``tags`` added, so the differences are the ones
``plan.target_group_differences`` finds and the plan and ``--diff`` are the ones a check run showed
before this module existed.
"""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.plan import (
    entry,
    target_group_diff,
    target_group_differences,
)

KIND = "AWS::ElasticLoadBalancingV2::TargetGroup"
# AWS: DescribeTags takes at most 20 resource ARNs per call.
TAGS_PER_CALL = 20
# Target group names: 1 to 32 alphanumerics or hyphens, not starting or ending with a hyphen.
MAX_NAME = 32
# What ModifyTargetGroup takes, by the key plan.target_group_differences names.
MODIFY_KEYS = {
    "health_check_protocol": "HealthCheckProtocol",
    "health_check_interval_seconds": "HealthCheckIntervalSeconds",
    "health_check_timeout_seconds": "HealthCheckTimeoutSeconds",
    "healthy_threshold_count": "HealthyThresholdCount",
    "unhealthy_threshold_count": "UnhealthyThresholdCount",
    "health_check_path": "HealthCheckPath",
}


class TargetGroupsError(Exception):
    """Bad input, or a state the module will not change on its own; the message is for the user."""


def validate(groups, state, vpc_id=None, creating=()):
    """Messages for every broken rule of ``groups`` (``[{name, port, health_check_path}]``)."""
    errors, seen = [], set()
    for index, group in enumerate(groups):
        name = group.get("name") or ""
        where = f"groups[{index}] ({name})" if name else f"groups[{index}]"
        if not name or len(name) > MAX_NAME or name.startswith("-") or name.endswith("-"):
            errors.append(f"{where}.name: 1 to {MAX_NAME} letters, digits and hyphens, no hyphen first or last")
        elif not all(char.isalnum() or char == "-" for char in name):
            errors.append(f"{where}.name: only letters, digits and hyphens")
        if name in seen:
            errors.append(f"{where}.name: {name} is listed twice")
        seen.add(name)
        if state == "present":
            port = group.get("port")
            if not isinstance(port, int) or not 1 <= port <= 65535:
                errors.append(f"{where}.port: a port from 1 to 65535 (got {port!r})")
            path = group.get("health_check_path") or "/"
            if not path.startswith("/"):
                errors.append(f"{where}.health_check_path: must start with / (got {path!r})")
    if creating and not vpc_id:
        errors.append(f"vpc_id: needed to create {', '.join(creating)}")
    return errors


def desired_groups(groups, settings):
    """The desired groups in the comparison shape: the shared ``settings`` (keys of
    ``target_group_differences``, plus ``protocol``, ``vpc_id``, ``tags``) and each group's
    ``name``, ``port`` and ``health_check_path``."""
    return [
        dict(
            settings,
            name=group["name"],
            port=group.get("port"),
            health_check_path=group.get("health_check_path") or "/",
        )
        for group in groups
    ]


def current_shape(group, tags):
    """One DescribeTargetGroups entry, already snake_case, with its ``tags`` (a dict)."""
    return dict(group, tags=dict(tags or {}))


def with_kept_tags(desired, current, purge_tags):
    """Without ``purge_tags``, the tags a group keeps are the current ones the desired ones update."""
    if purge_tags or desired.get("tags") is None or current is None:
        return desired
    return dict(desired, tags=dict(current.get("tags", {}), **desired["tags"]))


def plan_group(desired, current):
    """What to do to one group: ``[]`` (nothing), ``[("create", None)]``, ``[("replace", None)]``
    (its target type changed: AWS cannot change it, and names are unique), or any of
    ``("modify", {ModifyTargetGroup keywords})``, ``("tag", {key: value})``, ``("untag", [keys])``."""
    if current is None:
        return [("create", None)]
    found = target_group_differences(current, desired)
    if "target_type" in found:
        return [("replace", None)]
    actions = []
    modify = {MODIFY_KEYS[key]: desired[key] for key in found if key in MODIFY_KEYS}
    if "success_codes" in found:
        modify["Matcher"] = {"HttpCode": str(desired["success_codes"])}
    for key in (
        "HealthCheckIntervalSeconds",
        "HealthCheckTimeoutSeconds",
        "HealthyThresholdCount",
        "UnhealthyThresholdCount",
    ):
        if key in modify:
            modify[key] = int(modify[key])
    if modify:
        actions.append(("modify", modify))
    if "tags" in found:
        wanted = {key: str(value) for key, value in desired["tags"].items()}
        now = current.get("tags", {})
        added = {key: value for key, value in wanted.items() if now.get(key) != value}
        removed = sorted(set(now) - set(wanted))
        if added:
            actions.append(("tag", added))
        if removed:
            actions.append(("untag", removed))
    return actions


def create_params(desired):
    """CreateTargetGroup's keywords for one desired group."""
    params = {
        "Name": desired["name"],
        "Protocol": desired["protocol"],
        "Port": int(desired["port"]),
        "VpcId": desired["vpc_id"],
        "TargetType": desired["target_type"],
        "HealthCheckProtocol": desired.get("health_check_protocol") or desired["protocol"],
        "HealthCheckPath": desired["health_check_path"],
    }
    for key, api in MODIFY_KEYS.items():
        if key not in ("health_check_protocol", "health_check_path") and desired.get(key) is not None:
            params[api] = int(desired[key])
    if desired.get("success_codes") is not None:
        params["Matcher"] = {"HttpCode": str(desired["success_codes"])}
    if desired.get("tags"):
        params["Tags"] = [{"Key": key, "Value": str(value)} for key, value in sorted(desired["tags"].items())]
    return params


def diff_and_plan(current_by_name, desired):
    """``--diff``'s before/after per changed group, and the plan entries, in ``desired`` order."""
    return target_group_diff(list(current_by_name.values()), desired)


def owned(tags, owned_by):
    """Whether a group's tags carry every tag of ``owned_by`` (never a group without them)."""
    return bool(owned_by) and all(tags.get(key) == str(value) for key, value in owned_by.items())


def orphans(current_by_name, names, owned_by):
    """The groups tagged ``owned_by`` that are not in ``names``, sorted."""
    return sorted(
        name for name, group in current_by_name.items() if name not in names and owned(group.get("tags", {}), owned_by)
    )


def delete_entries(names):
    """Plan entries of groups deleted."""
    return [entry(KIND, name, "delete") for name in names]


def batches(items, size=TAGS_PER_CALL):
    """``items`` in lists of at most ``size``."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def result_group(desired, current, arn=None):
    """A returned group: the current one (snake_case, tags included) or, for one still to be made
    (check mode), the desired settings with an empty ARN."""
    if current is not None and arn is None:
        return dict(current, name=current["target_group_name"], arn=current["target_group_arn"])
    return {
        "name": desired["name"],
        "arn": arn or "",
        "target_group_name": desired["name"],
        "target_group_arn": arn or "",
        "target_type": desired.get("target_type"),
        "port": desired.get("port"),
        "protocol": desired.get("protocol"),
        "vpc_id": desired.get("vpc_id"),
        "health_check_path": desired.get("health_check_path"),
        "load_balancer_arns": [],
        "tags": dict(desired.get("tags") or {}),
    }
