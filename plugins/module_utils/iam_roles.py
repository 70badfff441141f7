# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What flask_react.aws.iam_roles changes on IAM roles, as data.

Pure functions: no client, no module. A role's current state is read by the module into
``{"trust": dict, "description": str, "managed": [arn], "tags": {key: value}, "inline": {name: dict}}``
(``inline`` holds the documents of the policies the desired state names; other names map to
``None``: they exist, their documents were not read). ``plan_role`` compares it with the desired
role and returns the steps; ``plan_entries`` turns the steps of all roles into plan entries.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.flask_react.aws.plugins.module_utils.plan import entry

ROLE = "AWS::IAM::Role"
POLICY = "AWS::IAM::Policy"


class IamRolesError(ValueError):
    """A desired role or policy that cannot be applied (bad document, missing trust policy...)."""


def policy_document(value, what="a policy document"):
    """A policy document as a mapping: from a mapping, JSON text, or the URL-encoded JSON text IAM's
    API returns (boto3 decodes it; a raw API answer would not be)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise IamRolesError(f"{what} must be JSON text or a mapping (got {type(value).__name__})")
    text = value.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    try:
        document = json.loads(text)
    except ValueError as error:
        raise IamRolesError(f"{what} is not JSON ({error})") from error
    if not isinstance(document, dict):
        raise IamRolesError(f"{what} must be a JSON object")
    return document


def documents_differ(current, desired):
    """True when the two policy documents say different things (compared as amazon.aws compares them:
    statement order, single values and lists, and an absent Version do not count)."""
    return bool(compare_policies(policy_document(current), policy_document(desired)))


def managed_changes(current, desired, purge=True):
    """(to attach, to detach) for a desired list of managed policy ARNs; ``None`` leaves them alone."""
    if desired is None:
        return [], []
    current, desired = set(current or []), set(desired)
    return sorted(desired - current), sorted(current - desired) if purge else []


def tag_changes(current, desired, purge=True):
    """(tags to set, keys to remove); ``None`` leaves the tags alone."""
    if desired is None:
        return {}, []
    current = current or {}
    to_set = {key: str(value) for key, value in desired.items() if current.get(key) != str(value)}
    to_remove = sorted(key for key in current if key not in desired) if purge else []
    return to_set, to_remove


def plan_role(desired, current):
    """The steps that bring one role from ``current`` (None: it does not exist) to ``desired``.

    ``desired``: ``{name, state, manage, assume_role_policy_document, description, path,
    managed_policies, purge_policies, tags, purge_tags, inline_policies: [{name, document, state}]}``
    (``manage`` false: a role made elsewhere, only its inline policies are ours).
    Returns ``{"role": create|update|delete|None, "create": {...}, "trust": doc|None,
    "description": str|None, "attach": [], "detach": [], "tag": {}, "untag": [],
    "policies": [(name, document|None, create|update|delete)]}``.
    """
    steps = {
        "role": None,
        "create": None,
        "trust": None,
        "description": None,
        "attach": [],
        "detach": [],
        "tag": {},
        "untag": [],
        "policies": [],
    }
    name, manage = desired["name"], desired.get("manage", True)
    if desired.get("state", "present") == "absent":
        if current is not None and manage:
            steps["role"] = "delete"
            steps["detach"] = sorted(current.get("managed") or [])
            steps["policies"] = [(policy, None, "delete") for policy in sorted(current.get("inline") or {})]
        elif current is not None:
            raise IamRolesError(f"role {name}: only a role this module manages can be deleted")
        return steps

    if manage and current is None:
        trust = desired.get("assume_role_policy_document")
        if trust is None:
            raise IamRolesError(f"role {name} does not exist: assume_role_policy_document is needed to make it")
        steps["role"] = "create"
        steps["create"] = {
            "trust": policy_document(trust, f"role {name}: assume_role_policy_document"),
            "description": desired.get("description"),
            "path": desired.get("path") or "/",
            "tags": {key: str(value) for key, value in (desired.get("tags") or {}).items()},
        }
        steps["attach"] = sorted(set(desired.get("managed_policies") or []))
    elif manage:
        trust = desired.get("assume_role_policy_document")
        if trust is not None and documents_differ(current.get("trust") or {}, trust):
            steps["trust"] = policy_document(trust, f"role {name}: assume_role_policy_document")
        description = desired.get("description")
        if description is not None and description != (current.get("description") or ""):
            steps["description"] = description
        steps["attach"], steps["detach"] = managed_changes(
            current.get("managed"), desired.get("managed_policies"), desired.get("purge_policies", True)
        )
        steps["tag"], steps["untag"] = tag_changes(
            current.get("tags"), desired.get("tags"), desired.get("purge_tags", True)
        )
        if any(steps[key] for key in ("trust", "description", "attach", "detach", "tag", "untag")):
            steps["role"] = "update"

    existing = (current or {}).get("inline") or {}
    for policy in desired.get("inline_policies") or []:
        policy_name, state = policy["name"], policy.get("state", "present")
        if state == "absent":
            if policy_name in existing:
                steps["policies"].append((policy_name, None, "delete"))
            continue
        if policy.get("document") is None:
            raise IamRolesError(f"role {name}: inline policy {policy_name} needs a document (state present)")
        document = policy_document(policy["document"], f"role {name}: inline policy {policy_name}")
        if policy_name not in existing:
            steps["policies"].append((policy_name, document, "create"))
        elif existing[policy_name] is None or documents_differ(existing[policy_name], document):
            steps["policies"].append((policy_name, document, "update"))
    return steps


def plan_entries(planned):
    """Plan entries of ``[(role name, steps)]``: every role's entry first, then the inline policies
    (``<role>/<policy>``), in the order given (the order the stock tasks planned them in)."""
    roles = [entry(ROLE, name, steps["role"]) for name, steps in planned if steps["role"]]
    policies = [
        entry(POLICY, f"{name}/{policy}", action)
        for name, steps in planned
        for policy, _doc, action in steps["policies"]
    ]
    return roles + policies


def role_arn(partition, account, name, path="/"):
    """The ARN a role has or will have (a check run returns it for a role still to be made)."""
    return f"arn:{partition}:iam::{account}:role{path or '/'}{name}"
