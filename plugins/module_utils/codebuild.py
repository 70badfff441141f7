# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of flask_react.aws.codebuild_project: the request from the options, and the comparison.

AWS answers BatchGetProjects with defaults the request never sent (imagePullCredentialsType,
insecureSsl, s3Logs, badge URLs...). Comparing only what we send, on AWS's shape, keeps a
second run from reporting a change forever (the amazon.aws #1284 trap).
"""

from __future__ import annotations


def project_request(params, service_role_arn):
    """The CreateProject/UpdateProject body for the module's options (webhook and token excluded)."""
    source = {"type": params["source_type"], "location": params["source_location"]}
    if params["source_type"] in ("GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB"):
        source["reportBuildStatus"] = params["report_build_status"]
    if params["buildspec"]:
        source["buildspec"] = params["buildspec"]
    request = {
        "name": params["name"],
        "description": params["description"],
        "source": source,
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": {
            "type": params["environment_type"],
            "image": params["image"],
            "computeType": params["compute_type"],
            "privilegedMode": params["privileged_mode"],
            "environmentVariables": [
                {"name": var["name"], "value": str(var["value"]), "type": var["type"]}
                for var in params["environment_variables"] or []
            ],
        },
        "serviceRole": service_role_arn,
        "timeoutInMinutes": params["timeout_in_minutes"],
        "badgeEnabled": params["badge_enabled"],
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED" if params["cloudwatch_logs"] else "DISABLED"}},
    }
    if params["tags"] is not None:
        request["tags"] = [{"key": key, "value": str(value)} for key, value in sorted(params["tags"].items())]
    return request


def merge_environment_variables(desired, current, purge):
    """Desired variables, plus (unless ``purge``) current ones not named in ``desired``, sorted by name."""
    named = {var["name"] for var in desired}
    kept = [] if purge else [var for var in current if var["name"] not in named]
    return sorted(
        [{"name": v["name"], "value": v.get("value", ""), "type": v.get("type", "PLAINTEXT")} for v in desired + kept],
        key=lambda var: var["name"],
    )


def comparable(project):
    """The fields project_request sets, from a BatchGetProjects project, in the request's shape."""
    environment = project.get("environment", {})
    source = project.get("source", {})
    shape = {
        "name": project.get("name"),
        "description": project.get("description", ""),
        "source": {key: source[key] for key in ("type", "location", "reportBuildStatus", "buildspec") if key in source},
        "artifacts": {"type": project.get("artifacts", {}).get("type")},
        "environment": {
            "type": environment.get("type"),
            "image": environment.get("image"),
            "computeType": environment.get("computeType"),
            "privilegedMode": bool(environment.get("privilegedMode", False)),
            "environmentVariables": sorted(
                [
                    {"name": v["name"], "value": v.get("value", ""), "type": v.get("type", "PLAINTEXT")}
                    for v in environment.get("environmentVariables", [])
                ],
                key=lambda var: var["name"],
            ),
        },
        "serviceRole": project.get("serviceRole"),
        "timeoutInMinutes": project.get("timeoutInMinutes"),
        "badgeEnabled": bool(project.get("badge", {}).get("badgeEnabled", False)),
        "logsConfig": {
            "cloudWatchLogs": {
                "status": project.get("logsConfig", {}).get("cloudWatchLogs", {}).get("status", "ENABLED")
            }
        },
        "tags": sorted(project.get("tags") or [], key=lambda tag: tag["key"]),
    }
    return shape


def differences(desired, current):
    """Top-level fields of ``desired`` whose value differs from ``current`` (both comparable shapes)."""
    normalised = dict(desired)
    normalised["environment"] = dict(desired["environment"])
    normalised["environment"]["environmentVariables"] = sorted(
        desired["environment"]["environmentVariables"], key=lambda var: var["name"]
    )
    return sorted(key for key, value in normalised.items() if current.get(key) != value)


def webhook_filter_groups(events):
    """One filter group matching any of ``events`` (for example ``["PUSH"]``), as CreateWebhook takes it."""
    return [[{"type": "EVENT", "pattern": ", ".join(events)}]] if events else []


def webhook_action(desired_events, current_webhook):
    """``create``, ``update``, ``delete`` or None for the webhook; ``desired_events`` None leaves it alone."""
    if desired_events is None:
        return None
    if not desired_events:
        return "delete" if current_webhook else None
    if not current_webhook:
        return "create"
    current = [
        [{"type": f["type"], "pattern": f["pattern"]} for f in group]
        for group in current_webhook.get("filterGroups") or []
    ]
    return None if current == webhook_filter_groups(desired_events) else "update"
