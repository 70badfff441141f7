#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_app_service
short_description: One Fargate service behind a target group, and the task definition it runs
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Ensures an ECS service on Fargate (awsvpc) with one container, its task definition family
    (named like the service), attached to one target group, with the deployment circuit breaker
    and rollback on and tags propagated from the service.
  - B(Ansible never rolls back a deploy.) The image is the one the service runs now (CodeBuild
    deploys new ones); O(image) is used only when the service has no task definition yet, or when
    O(set_image=true). Everything else in the task definition is the module's - a changed memory
    registers a new revision and updates the service; an unchanged one registers nothing.
  - The task definition is compared with the one the service runs, on the fields the module sets
    only (AWS fills defaults it never sent), so a second run sends no write call.
  - When O(image) is an ECR image that does not exist yet (a new account before its first build)
    and the service has no tasks, the service is created or kept at 0 tasks and RV(waiting_for_image)
    is true; the next run after a build sets O(desired_count).
  - O(state=absent) scales the service to 0, deletes it, waits until it is C(INACTIVE)
    (bounded by O(wait_timeout)), then deregisters every active revision of the family and deletes
    the deregistered ones (C(DeleteTaskDefinitions)).
  - ECS's "not yet" answers are retried for up to O(wait_timeout) seconds, with a warning saying how
    long - C(CreateService) and C(UpdateService) refused with "does not have an associated load
    balancer" (the listener rule that forwards to the target group is still propagating) or "Unable
    to assume the service linked role" (a new account), and C(DeleteService) refused with "The
    service cannot be stopped while deployments are active" (as terraform-provider-aws does).
  - Why not M(community.aws.ecs_service) and M(community.aws.ecs_taskdefinition) - in community.aws
    10 the service module never compares the network configuration or the circuit breaker (a change
    there is never applied) and has no drain step on delete; the task definition module never compares
    the task-level CPU and memory nor the execution role, and matches any older revision of the family,
    so it can return one with another image. Neither can keep the image the service runs.
  - Supports check mode and diff mode.
options:
  cluster:
    description: Name of the ECS cluster.
    type: str
    required: true
  name:
    description: Name of the service and of its task definition family.
    type: str
    required: true
  state:
    description: V(present) creates or updates; V(absent) deletes the service and deregisters the family.
    type: str
    choices: [present, absent]
    default: present
  container_name:
    description: Name of the one container (the target group forwards to it). Required when O(state=present).
    type: str
  container_port:
    description: The container's port. Required when O(state=present).
    type: int
  image:
    description: Image for a service that runs none yet, or for every run with O(set_image=true).
    type: str
  set_image:
    description: Replace the image the service runs with O(image).
    type: bool
    default: false
  cpu:
    description: Task CPU units (Fargate sizes).
    type: int
    default: 256
  memory:
    description: Task memory in MiB (a Fargate size for O(cpu)).
    type: int
    default: 512
  cpu_architecture:
    description:
      - The task definition's C(runtimePlatform.cpuArchitecture) (Linux). The image must be built for it
        (C(linux/amd64) or C(linux/arm64)). A revision without C(runtimePlatform) counts as V(X86_64).
    type: str
    choices: [X86_64, ARM64]
    default: X86_64
  environment:
    description: Plain environment variables (never secrets).
    type: dict
  secrets:
    description:
      - Environment variables read by ECS from Secrets Manager or SSM, name -> ARN
        (C(arn:...:secret:name:json-key::)).
    type: dict
  command:
    description: The container's command; omitted keeps the image's.
    type: list
    elements: str
  readonly_root_filesystem:
    description: Mount the container's root filesystem read-only.
    type: bool
    default: false
  log_group:
    description:
      - CloudWatch Logs group of the awslogs driver. It must exist, unless O(log_retention_days) is given.
    type: str
  log_retention_days:
    description:
      - When given, the module ensures O(log_group) too (ECS needs it before a task starts), kept this many
        days, with O(tags) added to it (never removed), planned as an C(AWS::Logs::LogGroup) entry. One module
        run per service instead of one more per log group (M(amazon.aws.cloudwatchlogs_log_group)).
      - Omitted, the log group is left alone.
    type: int
  log_stream_prefix:
    description: awslogs stream prefix.
    type: str
    default: ecs
  execution_role_arn:
    description: Role ECS uses to pull the image, write logs and read O(secrets).
    type: str
  task_role_arn:
    description: Role the app's code runs as; omitted gives it none.
    type: str
  desired_count:
    description: Number of tasks (0 while the image does not exist yet).
    type: int
    default: 1
  target_group_arn:
    description: Target group (type C(ip)) the service registers its tasks in.
    type: str
  health_check_grace_period:
    description: Seconds the load balancer's health checks are ignored after a task starts.
    type: int
    default: 60
  subnets:
    description: Subnets of the tasks.
    type: list
    elements: str
  security_groups:
    description: Security groups of the tasks.
    type: list
    elements: str
  assign_public_ip:
    description: Give each task a public IP (needed to pull from ECR in a subnet with no NAT nor VPC endpoints).
    type: bool
    default: false
  enable_execute_command:
    description: Allow ECS Exec into the tasks.
    type: bool
    default: false
  tags:
    description: Tags of the service and task definition. Tags are added or updated, never removed.
    type: dict
  wait_timeout:
    description:
      - Seconds to wait for a deleted service to become C(INACTIVE), and to retry ECS's "not yet" answers.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Run the users API behind its target group
  flask_react.aws.ecs_app_service:
    cluster: flask-react-cluster
    name: flask-react-users
    container_name: users
    container_port: 5000
    image: 123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-users:prod
    command: [gunicorn, -b, 0.0.0.0:5000, manage:app]
    environment: {APP_SETTINGS: src.config.ProductionConfig}
    secrets: {DATABASE_PASSWORD: "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-1:password::"}
    log_group: /ecs/flask-react-users
    execution_role_arn: arn:aws:iam::123456789012:role/flask-react-ecs-execution
    target_group_arn: "{{ users_target_group_arn }}"
    subnets: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
    security_groups: [sg-0123456789abcdef0]
    assign_public_ip: true

- name: Remove it, and every revision of its family
  flask_react.aws.ecs_app_service:
    cluster: flask-react-cluster
    name: flask-react-users
    state: absent
"""

RETURN = r"""
service:
  description: The service as DescribeServices returns it (keys snake_case); empty when absent or not created yet.
  returned: always
  type: dict
task_definition_arn:
  description: The task definition the service runs (or would run in check mode, C(<family>:<new revision>)).
  returned: when state is present
  type: str
  sample: arn:aws:ecs:us-west-1:123456789012:task-definition/flask-react-users:3
image:
  description: The image the service runs.
  returned: when state is present
  type: str
waiting_for_image:
  description: True when the service is kept at 0 tasks because its ECR image does not exist yet.
  returned: when state is present
  type: bool
registered:
  description: True when a new task definition revision was registered (or would be in check mode).
  returned: when state is present
  type: bool
deregistered:
  description: Task definition revisions deregistered.
  returned: when state is absent
  type: list
  elements: str
deleted:
  description: Task definition revisions deleted (every revision of the family, once deregistered).
  returned: when state is absent
  type: list
  elements: str
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import (
    call_when_ready,
    choose_image,
    ecr_image_reference,
    log_group_changes,
    owned_task_definition,
    remove_families,
    remove_service,
    service_changes,
    service_settings,
    tag_changes,
    task_definition_request,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import ecs_service_plan, entry, single_plan


def describe_service(client, cluster, name):
    """The service unless missing or INACTIVE (deleted services linger as INACTIVE for a while)."""
    try:
        found = client.describe_services(aws_retry=True, cluster=cluster, services=[name], include=["TAGS"])
    except client.exceptions.ClusterNotFoundException:
        return None
    services = [s for s in found.get("services", []) if s.get("status") != "INACTIVE"]
    return services[0] if services else None


def describe_task_definition(client, arn):
    return client.describe_task_definition(aws_retry=True, taskDefinition=arn)["taskDefinition"]


def image_exists(module, image):
    reference = ecr_image_reference(image)
    if reference is None:
        return True  # another registry: ECS will tell
    registry, repository, image_id = reference
    ecr = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    try:
        ecr.describe_images(aws_retry=True, registryId=registry, repositoryName=repository, imageIds=[image_id])
    except (ecr.exceptions.ImageNotFoundException, ecr.exceptions.RepositoryNotFoundException):
        return False
    return True


def ensure_log_group(module):
    """The service's log group with its retention and tags (O(log_retention_days) given); returns the
    plan action (create, update) or None, and the diff's before and after of what changes."""
    name, days = module.params["log_group"], module.params["log_retention_days"]
    logs = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
    found = [
        group
        for group in logs.describe_log_groups(aws_retry=True, logGroupNamePrefix=name).get("logGroups", [])
        if group["logGroupName"] == name
    ]
    current = None
    if found:
        current = dict(found[0], tags=logs.list_tags_log_group(aws_retry=True, logGroupName=name).get("tags", {}))
    action, retention, tags = log_group_changes(current, days, module.params["tags"])
    before = {} if current is None else {"retention_in_days": current.get("retentionInDays"), "tags": current["tags"]}
    after = dict(before, **({"retention_in_days": retention} if retention else {}))
    if tags:
        after["tags"] = dict(before.get("tags") or {}, **tags)
    if action and not module.check_mode:
        if action == "create":
            logs.create_log_group(aws_retry=True, logGroupName=name, **({"tags": tags} if tags else {}))
        elif tags:
            logs.tag_log_group(aws_retry=True, logGroupName=name, tags=tags)
        if retention:
            logs.put_retention_policy(aws_retry=True, logGroupName=name, retentionInDays=retention)
    return action, (before, after) if action else ({}, {})


def ensure_tags(module, client, service):
    to_set = tag_changes(module.params["tags"], service.get("tags"))
    if to_set and not module.check_mode:
        client.tag_resource(aws_retry=True, resourceArn=service["serviceArn"], tags=to_set)
    return bool(to_set)


def present(module, client):
    params, cluster, name = module.params, module.params["cluster"], module.params["name"]
    log_group_action, log_group_diff = ensure_log_group(module) if params["log_retention_days"] else (None, ({}, {}))
    service = describe_service(client, cluster, name)
    current_td = describe_task_definition(client, service["taskDefinition"]) if service else None
    image = choose_image(params["image"], params["set_image"], current_td, params["container_name"])
    request = task_definition_request(params, image, module.region)
    registered = owned_task_definition(request) != owned_task_definition(current_td)
    if registered and not module.check_mode:
        tags = [{"key": k, "value": str(v)} for k, v in sorted((params["tags"] or {}).items())]
        td_arn = client.register_task_definition(aws_retry=True, **_drop_none(dict(request, tags=tags or None)))[
            "taskDefinition"
        ]["taskDefinitionArn"]
    elif registered:
        td_arn = f"{name}:(new revision)"
    else:
        td_arn = service["taskDefinition"]

    running = service["desiredCount"] if service else 0
    waiting = running == 0 and params["desired_count"] > 0 and not image_exists(module, image)
    desired = service_settings(params, td_arn, 0 if waiting else params["desired_count"])
    changed = registered
    created = service is None
    if service is None:
        changed = True
        if not module.check_mode:
            tags = [{"key": k, "value": str(v)} for k, v in sorted((params["tags"] or {}).items())]
            request = _drop_none(dict(desired, tags=tags or None, loadBalancers=desired["loadBalancers"] or None))
            service = when_ready(
                module,
                "create_service",
                lambda: client.create_service(
                    aws_retry=True, cluster=cluster, serviceName=name, launchType="FARGATE", **request
                ),
            )["service"]
        changes = desired
    else:
        changes = service_changes(desired, service)
        if changes and not module.check_mode:
            when_ready(
                module,
                "update_service",
                lambda: client.update_service(aws_retry=True, cluster=cluster, service=name, **changes),
            )
        changed = ensure_tags(module, client, service) or changed or bool(changes)
        if changed and not module.check_mode:
            service = describe_service(client, cluster, name)
    planned = ecs_service_plan(name, changed, created=created, registered=bool(registered))
    if log_group_action:
        planned.insert(0, entry("AWS::Logs::LogGroup", params["log_group"], log_group_action))
    result = dict(
        changed=changed or bool(log_group_action),
        service=camel_dict_to_snake_dict(service or {}, ignore_list=["tags"]),
        task_definition_arn=td_arn,
        image=image,
        waiting_for_image=waiting,
        registered=registered,
        plan=planned,
    )
    if module._diff:
        result["diff"] = dict(
            before=dict(
                task_definition=owned_task_definition(current_td),
                service={k: _plain(service, k) for k in changes} if current_td else {},
            ),
            after=dict(task_definition=owned_task_definition(request), service=changes),
        )
        if log_group_action:
            result["diff"]["before"]["log_group"], result["diff"]["after"]["log_group"] = log_group_diff
    return result


def when_ready(module, operation, call):
    """``call()``, retried while ECS answers that it is not ready yet (module_utils.ecs.NOT_YET)."""
    return call_when_ready(call, operation, botocore.exceptions.ClientError, module.params["wait_timeout"], module.warn)


def _plain(service, key):
    return (service or {}).get(key)


def _drop_none(mapping):
    return {key: value for key, value in mapping.items() if value is not None}


def absent(module, client):
    cluster, name = module.params["cluster"], module.params["name"]
    service = describe_service(client, cluster, name)
    changed = service is not None
    if service and not module.check_mode:
        try:
            remove_service(
                client, cluster, service, module.params["wait_timeout"], botocore.exceptions.ClientError, module.warn
            )
        except TimeoutError as error:
            module.fail_json(msg=str(error))
    deregistered, deleted = remove_families(client, [name], module.check_mode)
    return dict(
        changed=changed or bool(deleted),
        service={},
        deregistered=deregistered,
        deleted=deleted,
        plan=single_plan("AWS::ECS::Service", name, changed, deleted=True),
    )


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        container_name=dict(type="str"),
        container_port=dict(type="int"),
        image=dict(type="str"),
        set_image=dict(type="bool", default=False),
        cpu=dict(type="int", default=256),
        memory=dict(type="int", default=512),
        cpu_architecture=dict(type="str", default="X86_64", choices=["X86_64", "ARM64"]),
        environment=dict(type="dict"),
        secrets=dict(type="dict", no_log=False),
        command=dict(type="list", elements="str"),
        readonly_root_filesystem=dict(type="bool", default=False),
        log_group=dict(type="str"),
        log_retention_days=dict(type="int"),
        log_stream_prefix=dict(type="str", default="ecs"),
        execution_role_arn=dict(type="str"),
        task_role_arn=dict(type="str"),
        desired_count=dict(type="int", default=1),
        target_group_arn=dict(type="str"),
        health_check_grace_period=dict(type="int", default=60),
        subnets=dict(type="list", elements="str"),
        security_groups=dict(type="list", elements="str"),
        assign_public_ip=dict(type="bool", default=False),
        enable_execute_command=dict(type="bool", default=False),
        tags=dict(type="dict"),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[
            (
                "state",
                "present",
                [
                    "container_name",
                    "container_port",
                    "image",
                    "log_group",
                    "execution_role_arn",
                    "subnets",
                    "security_groups",
                ],
            )
        ],
    )
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    try:
        result = present(module, client) if module.params["state"] == "present" else absent(module, client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to manage ECS service {module.params['name']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
