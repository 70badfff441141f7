# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan of a ``--check`` run: what each resource task would do, as data.

An entry is ``{"type": <CloudFormation type>, "name": <name as the user knows it>,
"action": "create" | "update" | "delete"}``. Pure functions: no client, no module.
"""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.app_model import target_group_name

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


# What flask_react.aws.alb_target_groups modifies on an existing group (ModifyTargetGroup), besides
# tags and the target type (a replacement): the health check. Port, protocol and VPC it never
# changes (AWS cannot).
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
    means the group is replaced (flask_react.aws.alb_target_groups).
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


# --- Our modules: each returns its own ``plan`` (check mode and real runs alike) -------------------


def ecr_repositories_plan(actions):
    """flask_react.aws.ecr_repositories: one entry per repository with change kinds (name -> kinds)."""
    return [
        entry("AWS::ECR::Repository", name, action_of_kinds(kinds)) for name, kinds in (actions or {}).items() if kinds
    ]


def console_password_plan(user_name, secret_name, actions):
    """flask_react.aws.iam_console_password: the login profile is a property of the user (an update of
    AWS::IAM::User); the secret is its own resource (``create``/``restore`` a create, ``delete`` a delete)."""
    planned = []
    if actions.get("login_profile"):
        planned.append(entry("AWS::IAM::User", user_name, "update"))
    secret = actions.get("secret")
    if secret:
        action = "create" if secret in ("create", "restore") else "delete" if secret == "delete" else "update"
        planned.append(entry("AWS::SecretsManager::Secret", secret_name, action))
    return planned


def group_user_plan(user_name, group_name, secret_name, actions):
    """flask_react.aws.iam_group_user: the user (``create``, or ``update`` for its tags or login profile), the
    group (``create``, or ``update`` for its policies or members), then the console password's secret."""
    planned = []
    console = console_password_plan(user_name, secret_name, actions)
    user_updated = any(item["type"] == "AWS::IAM::User" for item in console)
    if actions.get("user") or user_updated:
        planned.append(entry("AWS::IAM::User", user_name, "create" if actions.get("user") == "create" else "update"))
    if actions.get("group"):
        planned.append(entry("AWS::IAM::Group", group_name, actions["group"]))
    return planned + [item for item in console if item["type"] != "AWS::IAM::User"]


def codebuild_project_plan(name, changed, created=False, deleted=False, credentials_imported=False):
    """flask_react.aws.codebuild_project: the project (its webhook is part of it), and the account's
    GitHub credentials when the module imports them."""
    planned = []
    if deleted:
        planned.append(entry("AWS::CodeBuild::Project", name, "delete"))
    elif changed:
        planned.append(entry("AWS::CodeBuild::Project", name, "create" if created else "update"))
    if credentials_imported:
        planned.append(entry("AWS::CodeBuild::SourceCredential", "GITHUB", "create"))
    return planned


def single_plan(resource_type, name, changed, created=False, deleted=False):
    """One resource a module manages (an EventBridge rule, an RDS instance): nothing unless it changes."""
    if not changed:
        return []
    return [entry(resource_type, name, "delete" if deleted else "create" if created else "update")]


def ecs_cluster_plan(name, cluster_action, services_removed):
    """flask_react.aws.ecs_app_cluster: the cluster (``cluster_action`` None when unchanged), then the
    services it removed and the task definition families it deregistered; a deleted cluster comes last."""
    removed = services_removed or []
    planned = []
    if cluster_action in ("create", "update"):
        planned.append(entry("AWS::ECS::Cluster", name, cluster_action))
    planned += [entry("AWS::ECS::Service", service["name"], "delete") for service in removed]
    families = []
    for service in removed:
        if service.get("deregistered"):
            families += [family for family in service.get("families", []) if family not in families]
    planned += [entry("AWS::ECS::TaskDefinition", family, "delete") for family in families]
    if cluster_action == "delete":
        planned.append(entry("AWS::ECS::Cluster", name, "delete"))
    return planned


def ecs_service_plan(name, changed, created=False, registered=False):
    """flask_react.aws.ecs_app_service: the service, and a new task definition revision (a new
    AWS::ECS::TaskDefinition of the service's family) when one is registered."""
    planned = single_plan("AWS::ECS::Service", name, changed, created)
    if registered:
        planned.append(entry("AWS::ECS::TaskDefinition", name, "create"))
    return planned


def ecs_services_plan(per_service):
    """flask_react.aws.ecs_app_service: each service's entries (its log group, the service, a new task
    definition revision), grouped by type in the order first seen, services in their order (as the
    plan reads a task looped once per service)."""
    planned = [change for entries_of_one in per_service for change in entries_of_one]
    kinds = list(dict.fromkeys(change["type"] for change in planned))
    return [change for kind in kinds for change in planned if change["type"] == kind]


# --- Stock modules: how each one's result (in check mode) says create / update / delete ------------
# A rule gets the result and its table row (``state``, ``created``, ``name``); it returns the action,
# or None. Never a message's text: a key the module returns only in one case, or the module's diff.


def _unless_key(key):
    """Create when the result lacks ``key`` (what the module returns only for an existing resource)."""

    def rule(result, row, name):
        if row.get("state") == "absent":
            return "delete"
        return "update" if result.get(key) not in (None, "", {}) else "create"

    return rule


def _when_key(key):
    """Create when the result has ``key`` (what the module returns only when it would create)."""

    def rule(result, row, name):
        if row.get("state") == "absent":
            return "delete"
        return "create" if key in result else "update"

    return rule


def _by_row(result, row, name):
    """The result cannot tell a create from an update: the row says (``created``)."""
    if row.get("state") == "absent":
        return "delete"
    return "create" if _true(row.get("created")) else "update"


def _by_state(result, row, name):
    """One action per state (an access key is only ever created or deleted)."""
    return "delete" if row.get("state") == "absent" else "create"


def _inline_policy(result, row, name):
    """amazon.aws.iam_policy returns ``diff`` before/after (the role's policies) in every run; the row
    names the policy ``<role>/<policy>``."""
    policy = name.split("/", 1)[-1] if isinstance(name, str) else None
    diff = result.get("diff") or {}
    before, after = diff.get("before") or {}, diff.get("after") or {}
    if policy is None or (policy not in before and policy not in after):
        return "delete" if row.get("state") == "absent" else None
    if policy not in after:
        return "delete"
    return "update" if policy in before else "create"


STOCK_MODULES = {
    # iam_role returns no iam_role for a role it would create.
    "amazon.aws.iam_role": _unless_key("iam_role"),
    # iam_user and iam_group return create_params only when they would create.
    "amazon.aws.iam_user": _when_key("create_params"),
    "amazon.aws.iam_group": _when_key("create_params"),
    "amazon.aws.iam_access_key": _by_state,
    "amazon.aws.iam_policy": _inline_policy,
    # ec2_security_group answers group_id null for a group it would create.
    "amazon.aws.ec2_security_group": _unless_key("group_id"),
    # rds_subnet_group returns no subnet_group for a group it would create.
    "amazon.aws.rds_subnet_group": _unless_key("subnet_group"),
    # cloudwatchlogs_log_group returns the group (log_group_name) only when it exists.
    "amazon.aws.cloudwatchlogs_log_group": _unless_key("log_group_name"),
    "community.aws.secretsmanager_secret": _unless_key("secret"),
    # elb_application_lb returns nothing but changed in check mode, for a create as for an update.
    "amazon.aws.elb_application_lb": _by_row,
    # Ours, where a row plans a resource made with theirs (the services of a new cluster).
    "flask_react.aws.ecs_app_cluster": lambda result, row, name: (
        "delete" if row.get("state") == "absent" else "create" if not result.get("cluster") else "update"
    ),
}


def _true(value):
    return value is True or str(value).lower() in ("true", "yes", "1")


def _names(name):
    return name if isinstance(name, list) else [name]


def _row_entries(result, row, name):
    """The entries of one (non-looped) result under one table row."""
    if not isinstance(result, dict) or result.get("failed"):
        return []
    only = row.get("only") or list(ACTIONS)
    if result.get("skipped"):
        action = row.get("skipped") or None
        found = [entry(row["type"], item, action) for item in _names(name)] if action else []
    elif row.get("skipped_only"):
        found = []
    elif "plan" in result and not row.get("type"):
        found = [entry(c.get("type"), c.get("name"), c.get("action")) for c in result["plan"] or []]
    else:
        rule = STOCK_MODULES.get(row.get("module"))
        if rule is None or not result.get("changed"):
            return []
        action = rule(result, row, name)
        found = [entry(row["type"], item, action) for item in _names(name)] if action else []
    return [change for change in found if change["action"] in only]


def results_entries(row):
    """The plan entries of one table row: ``{register, result, module, type?, name?, state?, created?,
    skipped?, skipped_only?, only?, entries?, when?}`` with ``result`` the value registered as ``register``;
    a row whose ``when`` is false gives nothing (one result planned at two places of the table).

    A result of ours carries ``plan``; a stock module's is read by STOCK_MODULES; a skipped one (no
    check mode, or a resource whose parent is still to be made) gives ``skipped``'s action, if any; a
    looped result one entry per changed item, ``name`` then listing the items' names in loop order,
    our modules' entries grouped by type; ``entries`` (a read planned by a filter) is taken as is
    unless the read was skipped; ``only`` keeps the entries of those actions.
    """
    result = row.get("result")
    if not isinstance(result, dict) or ("when" in row and not _true(row.get("when"))):
        return []
    if "entries" in row:
        if result.get("skipped"):
            return []
        return [entry(c.get("type"), c.get("name"), c.get("action")) for c in row["entries"] or []]
    name = row.get("name")
    items = result.get("results")
    if isinstance(items, list):
        if row.get("type") and isinstance(name, list) and len(name) != len(items):
            raise PlanError(f"{len(name)} names for {len(items)} looped results of {row.get('register')}")
        found = []
        for index, item in enumerate(items):
            found += _row_entries(item, row, name[index] if isinstance(name, list) else name)
        kinds = list(dict.fromkeys(change["type"] for change in found))
        return [change for kind in kinds for change in found if change["type"] == kind]
    return _row_entries(result, row, name)


def _target_group_value(group, key):
    """A setting of an existing group (elb_target_group_info's shape), under the key ``desired`` uses."""
    if key == "success_codes":
        return (group.get("matcher") or {}).get("http_code")
    return group.get(key)


def target_group_diff(current_groups, desired_groups):
    """What flask_react.aws.alb_target_groups would change, as ``diff`` (before/after per group, only the settings
    that differ; a missing group's ``before`` is empty) and the plan entries, in ``desired`` order."""
    by_name = {group["target_group_name"]: group for group in current_groups or []}
    before, after = {}, {}
    for desired in desired_groups:
        current = by_name.get(desired["name"])
        if current is None:
            before[desired["name"]] = {}
            after[desired["name"]] = {key: value for key, value in desired.items() if key != "name"}
            continue
        keys = target_group_differences(current, desired)
        if keys:
            before[desired["name"]] = {key: _target_group_value(current, key) for key in keys}
            after[desired["name"]] = {key: desired[key] for key in keys}
    return {"before": before, "after": after}, target_group_entries(current_groups, desired_groups)


def target_groups_desired(services, app_name, settings=None):
    """The desired target groups of app_services entries (``target_group`` when the app model named it)."""
    return [
        dict(
            settings or {},
            name=service.get("target_group") or target_group_name(app_name, service["name"]),
            health_check_path=service.get("health_check_path", "/"),
        )
        for service in services
    ]
