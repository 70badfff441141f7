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
