#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_status
short_description: Read the app's services, target health, last builds and database in one run
version_added: 0.4.0
author: flask_react.aws developers (@flask-react)
description:
  - Reads, for each service, its ECS service (desired, running and pending tasks, deployments and their rollout
    state), its task definition's revision and images, and its target group's target health; then the last builds
    of the CodeBuild project (status, commit, time) and the database's status. C(playbooks/status.yml) prints it.
  - A missing piece (ECS off, no cluster, a service not created yet, no build yet, no project, no database) is
    reported as missing, never as an error.
  - Why a module - the stock M(community.aws.ecs_service_info), M(community.aws.ecs_taskdefinition_info),
    M(community.aws.elb_target_info), M(community.aws.codebuild_project) and M(amazon.aws.rds_instance_info)
    read parts of this one module run each (one per service and per task definition), none reads target health
    by target group nor the last builds, and several fail on what is simply not there yet; this reads it all in
    one run with the fewest calls (one C(DescribeServices) per 10 services, one C(DescribeTargetGroups)).
  - Reads only, and never a secret (no environment, no secrets of the task definitions, no password); check
    mode runs the same reads.
options:
  cluster:
    description: The ECS cluster; empty means ECS is off (the services' ECS parts are not read).
    type: str
    default: ""
  services:
    description:
      - The app's services, from the app model (C(app_model.services)); each dict's C(name), C(service) (its ECS
        service) and C(target_group) are read, its other keys ignored.
    type: list
    elements: dict
    default: []
  codebuild_project:
    description: The CodeBuild project; empty reads no builds.
    type: str
    default: ""
  builds:
    description: How many of the project's last builds to read.
    type: int
    default: 3
  db_instance_identifier:
    description: The RDS instance; empty reads no database.
    type: str
    default: ""
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the services, their targets, the last builds and the database
  flask_react.aws.app_status:
    cluster: "{{ app_model.cluster }}"
    services: "{{ app_model.services }}"
    codebuild_project: "{{ codebuild_project_name }}"
    db_instance_identifier: "{{ rds_instance_identifier }}"
  register: status
  # => status.services, status.builds, status.database, status.lines
"""

RETURN = r"""
services:
  description: Per service in the order given; C(ecs.found) false when ECS is off or the service is not there.
  returned: always
  type: list
  elements: dict
  sample:
    - name: users
      ecs: {found: true, status: ACTIVE, desired: 1, running: 1, pending: 0, task_definition: "flask-react-users:3",
            images: ["123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-users:prod"],
            deployments: [{id: "ecs-svc/123", status: PRIMARY, rollout_state: COMPLETED, desired: 1,
                           running: 1, pending: 0, task_definition: "flask-react-users:3",
                           updated_at: "2026-12-06T07:20:00+00:00"}]}
      target_group: {name: flask-react-users-tg, found: true, targets: [{id: 10.0.1.5, port: 5000, state: healthy,
                     reason: ""}]}
builds:
  description: The project's last builds, newest first; C(found) false without the project.
  returned: always
  type: dict
  sample: {project: flask-react-build, found: true, builds: [{id: "flask-react-build:1a2b", number: 4,
           status: SUCCEEDED, phase: COMPLETED, commit: 0a1b2c3, start_time: "2026-12-06T07:00:00+00:00",
           end_time: "2026-12-06T07:09:00+00:00"}]}
database:
  description: The database's status, engine and address (never its password or secret); C(found) false without it.
  returned: always
  type: dict
  sample: {identifier: flask-react-db, found: true, status: available, engine: postgres, engine_version: "16.9",
           instance_class: db.t3.micro, endpoint: "flask-react-db.abc.us-west-1.rds.amazonaws.com:5432"}
lines:
  description: The same, one line each, for C(playbooks/status.yml) to print.
  returned: always
  type: list
  elements: str
"""

import datetime

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule

# DescribeServices takes at most 10 services a call.
ECS_BATCH = 10


def when(value):
    """An API time (a datetime from boto3) as ISO 8601 in UTC, to the second; '' when absent."""
    if not hasattr(value, "astimezone"):
        return str(value or "")
    return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def revision(task_definition_arn):
    """``family:revision`` of a task definition ARN."""
    return str(task_definition_arn or "").rsplit("/", 1)[-1]


def read_ecs(ecs, cluster, names):
    """ECS service name -> its summary; services not found (or no cluster) are absent."""
    found, images = {}, {}
    for start in range(0, len(names), ECS_BATCH):
        try:
            answer = ecs.describe_services(cluster=cluster, services=names[start : start + ECS_BATCH], aws_retry=True)
        except is_boto3_error_code("ClusterNotFoundException"):
            return {}
        for service in answer.get("services", []):
            if service.get("status") == "INACTIVE":
                continue
            found[service["serviceName"]] = service
    for service in found.values():
        arn = service.get("taskDefinition", "")
        if arn and arn not in images:
            definition = ecs.describe_task_definition(taskDefinition=arn, aws_retry=True)["taskDefinition"]
            images[arn] = [container.get("image", "") for container in definition.get("containerDefinitions", [])]
    return {
        name: summary_of(service, images.get(service.get("taskDefinition", ""), [])) for name, service in found.items()
    }


def summary_of(service, images):
    return {
        "found": True,
        "status": service.get("status", ""),
        "desired": service.get("desiredCount", 0),
        "running": service.get("runningCount", 0),
        "pending": service.get("pendingCount", 0),
        "task_definition": revision(service.get("taskDefinition")),
        "images": images,
        "deployments": [
            {
                "id": deployment.get("id", ""),
                "status": deployment.get("status", ""),
                "rollout_state": deployment.get("rolloutState", ""),
                "rollout_state_reason": deployment.get("rolloutStateReason", ""),
                "desired": deployment.get("desiredCount", 0),
                "running": deployment.get("runningCount", 0),
                "pending": deployment.get("pendingCount", 0),
                "task_definition": revision(deployment.get("taskDefinition")),
                "updated_at": when(deployment.get("updatedAt")),
            }
            for deployment in service.get("deployments", [])
        ],
    }


def read_target_groups(elbv2, names):
    """Target group name -> {arn, targets}; groups not found are absent."""
    if not names:
        return {}
    try:
        groups = elbv2.describe_target_groups(Names=names, aws_retry=True)["TargetGroups"]
    except is_boto3_error_code("TargetGroupNotFound"):
        # One missing name fails the whole call: ask for each, keeping those there.
        groups = []
        for name in names:
            try:
                groups += elbv2.describe_target_groups(Names=[name], aws_retry=True)["TargetGroups"]
            except is_boto3_error_code("TargetGroupNotFound"):
                continue
    result = {}
    for group in groups:
        health = elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"], aws_retry=True)
        result[group["TargetGroupName"]] = [
            {
                "id": target["Target"]["Id"],
                "port": target["Target"].get("Port"),
                "state": target.get("TargetHealth", {}).get("State", ""),
                "reason": target.get("TargetHealth", {}).get("Reason", ""),
            }
            for target in health.get("TargetHealthDescriptions", [])
        ]
    return result


def read_builds(codebuild, project, count):
    result = {"project": project, "found": False, "builds": []}
    if not project:
        return result
    try:
        ids = codebuild.list_builds_for_project(projectName=project, sortOrder="DESCENDING", aws_retry=True)["ids"]
    except is_boto3_error_code("ResourceNotFoundException"):
        return result
    result["found"] = True
    ids = ids[:count]
    if not ids:
        return result
    builds = {build["id"]: build for build in codebuild.batch_get_builds(ids=ids, aws_retry=True).get("builds", [])}
    result["builds"] = [
        {
            "id": build_id,
            "number": builds[build_id].get("buildNumber"),
            "status": builds[build_id].get("buildStatus", ""),
            "phase": builds[build_id].get("currentPhase", ""),
            # The commit built; before the source is fetched, what was asked for (a branch or a commit).
            "commit": builds[build_id].get("resolvedSourceVersion") or builds[build_id].get("sourceVersion", ""),
            "start_time": when(builds[build_id].get("startTime")),
            "end_time": when(builds[build_id].get("endTime")),
        }
        for build_id in ids
        if build_id in builds
    ]
    return result


def read_database(rds, identifier):
    result = {"identifier": identifier, "found": False}
    if not identifier:
        return result
    try:
        instance = rds.describe_db_instances(DBInstanceIdentifier=identifier, aws_retry=True)["DBInstances"][0]
    except is_boto3_error_code("DBInstanceNotFound"):
        return result
    endpoint = instance.get("Endpoint") or {}
    # Named fields only: the answer also holds the master user secret's ARN, which status never shows.
    return dict(
        result,
        found=True,
        status=instance.get("DBInstanceStatus", ""),
        engine=instance.get("Engine", ""),
        engine_version=instance.get("EngineVersion", ""),
        instance_class=instance.get("DBInstanceClass", ""),
        endpoint=f"{endpoint['Address']}:{endpoint.get('Port', '')}" if endpoint.get("Address") else "",
    )


def lines_of(services, builds, database, ecs_on):
    """The status as lines a person reads."""
    lines = []
    for service in services:
        ecs = service["ecs"]
        if not ecs_on:
            lines.append(f"service {service['name']}: ECS off")
        elif not ecs["found"]:
            lines.append(f"service {service['name']}: not found in the cluster")
        else:
            lines.append(
                f"service {service['name']}: {ecs['status']} desired {ecs['desired']} running {ecs['running']}"
                f" pending {ecs['pending']}, {ecs['task_definition']} {' '.join(ecs['images'])}"
            )
            lines += [
                f"  deployment {d['id']} {d['status']} {d['rollout_state'] or '-'} {d['task_definition']}"
                f" running {d['running']}/{d['desired']} (updated {d['updated_at'] or '-'})"
                for d in ecs["deployments"]
            ]
        group = service["target_group"]
        if group["name"] and not group["found"]:
            lines.append(f"  target group {group['name']}: not found")
        elif group["name"]:
            targets = ", ".join(
                f"{t['id']}:{t['port']} {t['state']}{' (' + t['reason'] + ')' if t['reason'] else ''}"
                for t in group["targets"]
            )
            lines.append(f"  target group {group['name']}: {targets or 'no targets'}")
    if builds["project"] and not builds["found"]:
        lines.append(f"builds of {builds['project']}: no such project")
    elif builds["project"] and not builds["builds"]:
        lines.append(f"builds of {builds['project']}: none yet")
    lines += [
        f"build {b['id']}: {b['status']} ({b['phase']}) commit {b['commit'] or '-'} started {b['start_time'] or '-'}"
        for b in builds["builds"]
    ]
    if database["identifier"] and not database["found"]:
        lines.append(f"database {database['identifier']}: not found")
    elif database["identifier"]:
        lines.append(
            f"database {database['identifier']}: {database['status']}"
            f" ({database['engine']} {database['engine_version']}, {database['instance_class']})"
            f" {database['endpoint'] or 'no endpoint yet'}"
        )
    return lines


def inspect(clients, params):
    """The module's result from ``clients`` (service name -> boto3 client, read lazily)."""
    cluster, services = params["cluster"], params["services"]
    ecs_names = [service["service"] for service in services if service.get("service")]
    ecs_found = read_ecs(clients("ecs"), cluster, ecs_names) if cluster and ecs_names else {}
    group_names = [service["target_group"] for service in services if service.get("target_group")]
    groups = read_target_groups(clients("elbv2"), group_names) if group_names else {}
    result_services = [
        {
            "name": service["name"],
            "ecs": ecs_found.get(service.get("service") or "", {"found": False}),
            "target_group": {
                "name": service.get("target_group") or "",
                "found": (service.get("target_group") or "") in groups,
                "targets": groups.get(service.get("target_group") or "", []),
            },
        }
        for service in services
    ]
    project = params["codebuild_project"]
    builds = read_builds(clients("codebuild"), project, params["builds"]) if project else read_builds(None, "", 0)
    identifier = params["db_instance_identifier"]
    database = read_database(clients("rds"), identifier) if identifier else read_database(None, "")
    return {
        "services": result_services,
        "builds": builds,
        "database": database,
        "lines": lines_of(result_services, builds, database, bool(cluster)),
    }


def main():
    module = AppAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", default=""),
            services=dict(type="list", elements="dict", default=[]),
            codebuild_project=dict(type="str", default=""),
            builds=dict(type="int", default=3),
            db_instance_identifier=dict(type="str", default=""),
        ),
        supports_check_mode=True,
    )

    def clients(name):
        return module.client(name, retry_decorator=AWSRetry.jittered_backoff())

    try:
        result = inspect(clients, module.params)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to read the app's services, target groups, builds or database")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
