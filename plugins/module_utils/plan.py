# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan of a ``--check`` run: what each resource task would do, as data.

An entry is ``{"type": <CloudFormation type>, "name": <name as the user knows it>,
"action": "create" | "update" | "delete"}``. Pure functions: no client, no module.
"""

from __future__ import annotations

ACTIONS = ("create", "update", "delete")


class PlanError(ValueError):
    """A plan entry that cannot be built (bad type, name or action)."""


def entry(resource_type, name, action):
    """One checked plan entry."""
    if not isinstance(resource_type, str) or not resource_type.startswith("AWS::") or resource_type.count("::") != 2:
        raise PlanError(f"type {resource_type!r} must be a CloudFormation type such as AWS::ECR::Repository")
    if not isinstance(name, str) or not name:
        raise PlanError(f"name of a {resource_type} must be a non-empty string (got {name!r})")
    if action not in ACTIONS:
        raise PlanError(f"action {action!r} must be one of {', '.join(ACTIONS)}")
    return {"type": resource_type, "name": name, "action": action}


def action_of_kinds(kinds):
    """The plan action of a list of per-resource change kinds (flask_react.aws.ecr_repositories' ``actions``)."""
    if "create" in kinds:
        return "create"
    if "delete" in kinds:
        return "delete"
    return "update"


def entries(result, resource_type, name=None, created=False, state="present"):
    """The plan entries of one task result: none unless the task reports a change.

    ``created`` says the resource does not exist yet (how a role knows differs per module:
    the role computes it from the result, next to the task); ``state: absent`` plans a delete.
    A result with an ``actions`` mapping (name -> change kinds) gives one entry per name;
    a looped result (``results``) with a list of names, one entry per changed item; another
    result with a list of names, one entry per name.
    """
    if isinstance(result, dict) and isinstance(result.get("results"), list) and isinstance(name, list):
        if len(name) != len(result["results"]):
            raise PlanError(f"{len(name)} names for {len(result['results'])} looped results of {resource_type}")
        found = []
        for item, item_name in zip(result["results"], name, strict=True):
            found += entries(item, resource_type, item_name, created, state)
        return found
    if not isinstance(result, dict) or result.get("skipped") or not result.get("changed"):
        return []
    if isinstance(name, list):
        return [entry for item_name in name for entry in entries(result, resource_type, item_name, created, state)]
    actions = result.get("actions")
    if name is None and isinstance(actions, dict):
        return [entry(resource_type, key, action_of_kinds(kinds)) for key, kinds in actions.items() if kinds]
    action = "delete" if state == "absent" else "create" if created else "update"
    return [entry(resource_type, name, action)]


def merge(changes):
    """One entry per resource, in first-seen order: create or delete wins over update.

    Several tasks may touch one resource (the build project is created, then given the
    load balancer's URL); the plan names the resource once, with its strongest action.
    """
    merged = {}
    for change in changes:
        item = entry(change.get("type"), change.get("name"), change.get("action"))
        key = (item["type"], item["name"])
        if key not in merged or merged[key]["action"] == "update":
            merged[key] = item
    return list(merged.values())


def summary(environment, changes):
    """Terraform-like lines: ``Plan for <env>: N to create, M to update, K to delete`` then one line a resource."""
    counts = {action: sum(1 for change in changes if change["action"] == action) for action in ACTIONS}
    head = (
        f"Plan for {environment}: {counts['create']} to create, "
        f"{counts['update']} to update, {counts['delete']} to delete"
    )
    signs = {"create": "+", "update": "~", "delete": "-"}
    return [head] + [f"  {signs[c['action']]} {c['type']} {c['name']} ({c['action']})" for c in changes]


# What community.aws.elb_target_group modifies on an existing group (ModifyTargetGroup), and so
# all a run can change: the health check. Port, protocol and VPC it never changes (AWS cannot).
TARGET_GROUP_HEALTH_CHECK = (
    "health_check_protocol",
    "health_check_interval_seconds",
    "health_check_timeout_seconds",
    "healthy_threshold_count",
    "unhealthy_threshold_count",
)


def target_group_differences(current, desired):
    """The settings of one existing target group (elb_target_group_info's shape) a run would change.

    ``desired`` holds the same keys, plus ``success_codes`` (the matcher) and ``tags``; a key left
    out is left alone. Compared as elb_target_group compares them: the path and matcher only for
    HTTP(S) health checks, the matcher's codes as a set, tags purged. A changed ``target_type``
    means the group is replaced (flask_react.aws.alb_target_group_release).
    """
    found = [
        key
        for key in TARGET_GROUP_HEALTH_CHECK
        if desired.get(key) is not None and str(current.get(key)) != str(desired[key])
    ]
    if current.get("health_check_protocol") in ("HTTP", "HTTPS"):
        if (
            desired.get("health_check_path") is not None
            and current.get("health_check_path") != desired["health_check_path"]
        ):
            found.append("health_check_path")
        codes = desired.get("success_codes")
        now = (current.get("matcher") or {}).get("http_code", "")
        if codes is not None and set(str(codes).split(",")) != set(now.split(",")):
            found.append("success_codes")
    if desired.get("tags") is not None and {k: str(v) for k, v in desired["tags"].items()} != current.get("tags", {}):
        found.append("tags")
    if desired.get("target_type") is not None and current.get("target_type") != desired["target_type"]:
        found.append("target_type")
    return found


def target_group_entries(current_groups, desired_groups):
    """Plan entries of the target groups: create what is missing, update what differs."""
    by_name = {group["target_group_name"]: group for group in current_groups or []}
    planned = []
    for desired in desired_groups:
        current = by_name.get(desired["name"])
        if current is None:
            planned.append(entry("AWS::ElasticLoadBalancingV2::TargetGroup", desired["name"], "create"))
        elif target_group_differences(current, desired):
            planned.append(entry("AWS::ElasticLoadBalancingV2::TargetGroup", desired["name"], "update"))
    return planned


def rule_entries(operations, listener):
    """Plan entries of flask_react.aws.alb_listener_rules' ``operations``, each rule named by its
    listener and paths (``flask-react-alb:80 /users*,/ping,/auth*``); a deleted rule, whose paths
    the module does not return, by its listener and ID."""
    kind = "AWS::ElasticLoadBalancingV2::ListenerRule"
    planned = [entry(kind, f"{listener} {','.join(rule['paths'])}", "create") for rule in operations.get("create", [])]
    planned += [entry(kind, f"{listener} {','.join(rule['paths'])}", "update") for rule in operations.get("modify", [])]
    modified = {rule["arn"] for rule in operations.get("modify", [])}
    planned += [
        entry(kind, f"{listener} rule {rule['arn'].rsplit('/', 1)[-1]}", "update")
        for rule in operations.get("set_priorities", [])
        if rule["arn"] not in modified
    ]
    planned += [
        entry(kind, f"{listener} rule {arn.rsplit('/', 1)[-1]}", "delete") for arn in operations.get("delete", [])
    ]
    return planned
