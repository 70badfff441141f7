# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of flask_react.aws.codebuild_project: the request from the options, and the comparison.

AWS answers BatchGetProjects with defaults the request never sent (imagePullCredentialsType,
insecureSsl, s3Logs, badge URLs...). Comparing only what we send, on AWS's shape, keeps a
second run from reporting a change forever (the amazon.aws #1284 trap).

An option left out (None) means "leave alone": on update it takes the project's current value,
on create the value in CREATE_DEFAULTS.

Two text fields are compared exactly as AWS returns them, with "" standing for "not set":
``source.buildspec`` (the inline buildspec, compared as BatchGetProjects returns it) and ``sourceVersion``.
UpdateProject replaces ``source`` as a whole, so a request whose source carries no buildspec
removes an inline one (terraform-provider-aws sends the source the same way), and
``sourceVersion: ""`` removes the project's source version.
"""

from __future__ import annotations

import time

# What a new project gets for each option the task leaves out.
CREATE_DEFAULTS = {
    "description": "",
    "source_type": "GITHUB",
    "report_build_status": True,
    "buildspec": "",
    "source_version": "",
    "environment_type": "LINUX_CONTAINER",
    # Ubuntu 22.04, supported; the course's standard:4.0 (Ubuntu 18.04) is deprecated.
    "image": "aws/codebuild/standard:7.0",
    "compute_type": "BUILD_GENERAL1_SMALL",
    "privileged_mode": False,
    "timeout_in_minutes": 60,
    "badge_enabled": False,
    "cloudwatch_logs": True,
}

TOKEN_SOURCE_TYPES = ("GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB")
# The source fields project_request sets, so the ones comparable reads back.
SOURCE_FIELDS = ("type", "location", "reportBuildStatus", "buildspec")

# CodeBuild validates the service role by assuming it: right after IAM created the role the
# call fails with this (terraform-provider-aws codebuild/project.go retries on the same text).
PROPAGATION_CODE = "InvalidInputException"
PROPAGATION_TEXT = "ot authorized to perform"
# Seconds between two tries, unless the caller says otherwise (the role passes app_poll_interval).
PROPAGATION_DELAY = 5


def options_from_project(project):
    """The module's option values that describe ``project`` (a BatchGetProjects answer)."""
    environment = project.get("environment", {})
    source = project.get("source", {})
    return {
        "description": project.get("description", ""),
        "source_type": source.get("type"),
        "source_location": source.get("location"),
        "report_build_status": source.get("reportBuildStatus", False),
        "buildspec": source.get("buildspec") or "",
        "source_version": project.get("sourceVersion") or "",
        "environment_type": environment.get("type"),
        "image": environment.get("image"),
        "compute_type": environment.get("computeType"),
        "privileged_mode": bool(environment.get("privilegedMode", False)),
        "timeout_in_minutes": project.get("timeoutInMinutes"),
        "badge_enabled": bool(project.get("badge", {}).get("badgeEnabled", False)),
        "cloudwatch_logs": project.get("logsConfig", {}).get("cloudWatchLogs", {}).get("status", "ENABLED")
        == "ENABLED",
        "service_role": project.get("serviceRole"),
    }


def effective_options(params, current):
    """``params`` with every None option filled: from ``current`` on update, CREATE_DEFAULTS on create."""
    base = dict(CREATE_DEFAULTS) if current is None else options_from_project(current)
    return {key: (base.get(key) if value is None and key in base else value) for key, value in params.items()}


def project_request(params, service_role_arn):
    """The CreateProject/UpdateProject body for (effective) options (webhook and token excluded)."""
    source = {"type": params["source_type"], "location": params["source_location"]}
    if params["source_type"] in TOKEN_SOURCE_TYPES:
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
        # "" means none: the default branch's HEAD for GitHub (create_request leaves it out).
        "sourceVersion": params["source_version"] or "",
        "timeoutInMinutes": params["timeout_in_minutes"],
        "badgeEnabled": params["badge_enabled"],
        "logsConfig": {"cloudWatchLogs": {"status": "ENABLED" if params["cloudwatch_logs"] else "DISABLED"}},
    }
    if params["tags"] is not None:
        request["tags"] = [{"key": key, "value": str(value)} for key, value in sorted(params["tags"].items())]
    return request


def create_request(request):
    """A CreateProject body from a project_request: an empty sourceVersion is left out, not sent."""
    created = dict(request)
    if not created.get("sourceVersion"):
        created.pop("sourceVersion", None)
    return created


def merge_environment_variables(desired, current, purge, removed=()):
    """Desired variables, plus (unless ``purge``) current ones not named in ``desired``, sorted by name.

    Variables named in ``removed`` are dropped from the current ones (a desired one is kept).
    Each variable keeps its type: a PLAINTEXT variable becoming SECRETS_MANAGER is a change.
    """
    named = {var["name"] for var in desired}
    kept = [] if purge else [var for var in current if var["name"] not in named and var["name"] not in removed]
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
        # An empty buildspec is no buildspec (project_request sends none).
        "source": {key: source[key] for key in SOURCE_FIELDS if source.get(key, "") != ""},
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
        "sourceVersion": project.get("sourceVersion") or "",
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


def head_ref_pattern(branch):
    """The HEAD_REF filter pattern that matches exactly ``branch`` (regex characters escaped)."""
    escaped = "".join("\\" + char if char in ".^$*+?()[]{}|\\" else char for char in branch)
    return f"^refs/heads/{escaped}$"


def webhook_filter_groups(events, branch=None):
    """One filter group: any of ``events`` (for example ``["PUSH"]``), on ``branch`` only when given."""
    if not events:
        return []
    group = [{"type": "EVENT", "pattern": ", ".join(events)}]
    if branch:
        group.append({"type": "HEAD_REF", "pattern": head_ref_pattern(branch)})
    return [group]


def webhook_action(desired_events, current_webhook, branch=None):
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
    return None if current == webhook_filter_groups(desired_events, branch) else "update"


def is_role_propagation_error(error):
    """Is ``error`` (a botocore ClientError) CodeBuild's "cannot assume the new role yet"?"""
    details = getattr(error, "response", {}).get("Error", {})
    return details.get("Code") == PROPAGATION_CODE and PROPAGATION_TEXT in details.get("Message", "")


def call_while_role_propagates(call, timeout, errors, sleep=time.sleep, clock=time.monotonic, delay=PROPAGATION_DELAY):
    """``call()``, again every ``delay`` seconds while it fails with the propagation error.

    Gives up after ``timeout`` seconds (re-raising the last error). Returns (result, seconds waited),
    so the caller can say how long IAM took. ``errors`` is the exception class to catch (ClientError).
    """
    start = clock()
    while True:
        try:
            return call(), round(clock() - start)
        except errors as error:
            remaining = timeout - (clock() - start)
            if not is_role_propagation_error(error) or remaining <= 0:
                raise
            sleep(min(max(delay, 1), remaining))
