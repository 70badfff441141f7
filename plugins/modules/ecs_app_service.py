#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_app_service
short_description: Fargate services behind their target groups, and the task definitions they run
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Ensures ECS services on Fargate (awsvpc), each with one container, its task definition family
    (named like the service), attached to one target group, with the deployment circuit breaker
    and rollback on and tags propagated from the service.
  - One service is described by O(name) and the options beside it; several, in one module run, by
    O(services), whose items take the per-service options and default to the top-level ones (the
    cluster, the network, the roles, the logs' settings and the tags are shared). The reads are
    batched - one C(DescribeServices) per 10 services, one C(DescribeTaskDefinition) per revision the
    services run, one C(DescribeLogGroups) for every log group (by their common prefix).
  - B(Ansible never rolls back a deploy.) The image is the one the service runs now (CodeBuild
    deploys new ones); O(image) is used only when the service has no task definition yet, or when
    O(set_image=true) (O(services[].set_image) for one service). Everything else in the task definition
    is the module's - a changed memory registers a new revision and updates the service; an unchanged
    one registers nothing.
  - The task definition is compared with the one the service runs, on the fields the module sets
    only (AWS fills defaults it never sent), so a second run sends no write call.
  - When O(image) is an ECR image that does not exist yet (a new account before its first build)
    and the service has no tasks, the service is created or kept at 0 tasks and RV(waiting_for_image)
    is true; the next run after a build sets O(desired_count).
  - O(state=absent) scales each service to 0, deletes it, waits until they are all C(INACTIVE)
    (together, bounded by O(wait_timeout)), then deregisters every active revision of their families
    and deletes the deregistered ones (C(DeleteTaskDefinitions)).
  - ECS's "not yet" answers are retried for up to O(wait_timeout) seconds in all (every service's
    calls share the budget), with a warning saying how long - C(CreateService) and C(UpdateService)
    refused with "does not have an associated load balancer" (the listener rule that forwards to the
    target group is still propagating) or "Unable to assume the service linked role" (a new account),
    and C(DeleteService) refused with "The service cannot be stopped while deployments are active" (as
    terraform-provider-aws does).
  - Why not M(community.aws.ecs_service) and M(community.aws.ecs_taskdefinition) - in community.aws
    10 the service module never compares the network configuration or the circuit breaker (a change
    there is never applied) and has no drain step on delete; the task definition module never compares
    the task-level CPU and memory nor the execution role, and matches any older revision of the family,
    so it can return one with another image. Neither can keep the image the service runs.
  - A service with O(services[].autoscaling) is registered as an Application Auto Scaling scalable
    target (C(ecs:service:DesiredCount), between its C(min) and C(max) tasks) with a target-tracking
    policy per metric it names - C(ECSServiceAverageCPUUtilization) (C(cpu_percent)) and
    C(ALBRequestCountPerTarget) (C(requests_per_target), its C(ResourceLabel) from O(load_balancer_arn)
    and the service's target group). While it autoscales, its C(desiredCount) is the scaler's - the
    module sets it only when it creates the service. Without C(autoscaling), its target is deregistered
    (its policies with it). The service carries the tag C(flask_react.aws:autoscaling) while it is
    registered, so a run where no service autoscales makes no Application Auto Scaling call; otherwise
    one C(DescribeScalableTargets) for every service of the run, and one C(DescribeScalingPolicies) per
    registered target. A service kept at 0 tasks while its image does not exist is registered once the
    image exists. M(community.aws.application_autoscaling_policy) would be one more module run per
    service and policy, and it cannot leave a scaler-set count alone in the service module.
  - O(services[].deployment_alarms) names CloudWatch alarms that fail a deployment and roll it back
    (C(deploymentConfiguration.alarms)); none turns the alarms off.
  - Supports check mode and diff mode.
options:
  cluster:
    description: Name of the ECS cluster.
    type: str
    required: true
  name:
    description:
      - Name of the service and of its task definition family (the one-item form). Exactly one of O(name)
        and O(services) is given.
    type: str
  services:
    description:
      - The services of one module run, each with its own task definition family. Options an item omits
        take the top-level option of the same name (its default when that is omitted too).
      - The top-level O(name) is not given then. With O(state=absent), only the items' names are read.
    type: list
    elements: dict
    version_added: 0.4.0
    suboptions:
      name:
        description: Name of the service and of its task definition family (unique among the items).
        type: str
        required: true
      container_name:
        description: As the top-level O(container_name).
        type: str
      container_port:
        description: As the top-level O(container_port).
        type: int
      image:
        description: As the top-level O(image).
        type: str
      set_image:
        description: As the top-level O(set_image) (a deploy of this service's image only).
        type: bool
      cpu:
        description: As the top-level O(cpu).
        type: int
      memory:
        description: As the top-level O(memory).
        type: int
      cpu_architecture:
        description: As the top-level O(cpu_architecture).
        type: str
        choices: [X86_64, ARM64]
      desired_count:
        description: As the top-level O(desired_count).
        type: int
      environment:
        description: As the top-level O(environment).
        type: dict
      secrets:
        description: As the top-level O(secrets).
        type: dict
      command:
        description: As the top-level O(command).
        type: list
        elements: str
      log_group:
        description: As the top-level O(log_group).
        type: str
      target_group_arn:
        description: As the top-level O(target_group_arn).
        type: str
      autoscaling:
        description: As the top-level O(autoscaling).
        type: dict
        version_added: 0.5.0
        suboptions:
          min:
            description: Fewest tasks (0 allowed).
            type: int
            required: true
          max:
            description: Most tasks (at least 1, at least O(services[].autoscaling.min)).
            type: int
            required: true
          cpu_percent:
            description: Average CPU utilization (1..100) to keep, by adding and removing tasks.
            type: int
          requests_per_target:
            description: Load balancer requests per task per minute to keep (needs the target group).
            type: int
      deployment_alarms:
        description: As the top-level O(deployment_alarms).
        type: list
        elements: str
        version_added: 0.5.0
  state:
    description: V(present) creates or updates; V(absent) deletes the service and deregisters the family.
    type: str
    choices: [present, absent]
    default: present
  container_name:
    description:
      - Name of the one container (the target group forwards to it). Required for each service when
        O(state=present).
    type: str
  container_port:
    description: The container's port. Required for each service when O(state=present).
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
        run for the services and their log groups instead of one more per log group
        (M(amazon.aws.cloudwatchlogs_log_group)).
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
  autoscaling:
    description:
      - Scale the service between C(min) and C(max) tasks with target-tracking policies on
        C(cpu_percent) and/or C(requests_per_target) (at least one). Omitted, the service does not
        autoscale (a target registered before is deregistered).
    type: dict
    version_added: 0.5.0
    suboptions:
      min:
        description: Fewest tasks (0 allowed).
        type: int
        required: true
      max:
        description: Most tasks (at least 1, at least O(autoscaling.min)).
        type: int
        required: true
      cpu_percent:
        description: Average CPU utilization (1..100) to keep.
        type: int
      requests_per_target:
        description: Load balancer requests per task per minute to keep (needs O(target_group_arn)).
        type: int
  load_balancer_arn:
    description:
      - The load balancer in front of the target groups; needed by C(requests_per_target)
        (the policy's C(ResourceLabel)).
    type: str
    version_added: 0.5.0
  deployment_alarms:
    description:
      - CloudWatch alarms whose C(ALARM) state fails a deployment and rolls it back; empty turns them off.
    type: list
    elements: str
    default: []
    version_added: 0.5.0
  poll_interval:
    description: Seconds between two looks while ECS is not ready yet (a delete refused, services still draining).
    type: int
    default: 5
    version_added: 0.5.0
  wait_timeout:
    description:
      - Seconds to wait for the deleted services to become C(INACTIVE), and to retry ECS's "not yet" answers,
        for all the services of the run together.
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

- name: Run both services of the app in one module run, sharing the network, roles, logs and tags
  flask_react.aws.ecs_app_service:
    cluster: flask-react-cluster
    services:
      - name: flask-react-client
        container_name: client
        container_port: 80
        image: 123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-client:prod
        log_group: /ecs/flask-react-client
        target_group_arn: "{{ client_target_group_arn }}"
      - name: flask-react-users
        container_name: users
        container_port: 5000
        image: 123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-users:prod
        memory: 1024
        log_group: /ecs/flask-react-users
        target_group_arn: "{{ users_target_group_arn }}"
    log_retention_days: 30
    execution_role_arn: arn:aws:iam::123456789012:role/flask-react-ecs-execution
    subnets: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
    security_groups: [sg-0123456789abcdef0]
    assign_public_ip: true
    tags: {app: flask-react}
  register: app_services

- name: Remove it, and every revision of its family
  flask_react.aws.ecs_app_service:
    cluster: flask-react-cluster
    name: flask-react-users
    state: absent
"""

RETURN = r"""
cluster:
  description: The cluster's name.
  returned: always
  type: str
  sample: flask-react-cluster
services:
  description:
    - Per service (by name, in the order given), what the run left; with O(state=absent), what it removed.
  returned: always
  type: dict
  sample:
    flask-react-users:
      name: flask-react-users
      log_group: /ecs/flask-react-users
      task_definition_arn: arn:aws:ecs:us-west-1:123456789012:task-definition/flask-react-users:3
      image: 123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-users:prod
      waiting_for_image: false
      registered: false
      changed: false
      service: {service_name: flask-react-users, desired_count: 1}
      autoscaling: {target: null, policies: {}}
  contains:
    name:
      description: The service's name (and its task definition family).
      type: str
    log_group:
      description: The service's log group.
      type: str
      returned: when state is present
    changed:
      description: Whether the run changed the service, its task definition or its log group (or would).
      type: bool
    service:
      description:
        - The service as DescribeServices returns it (keys snake_case); empty when absent or not created yet.
      type: dict
      returned: when state is present
    task_definition_arn:
      description: The task definition the service runs (or would run in check mode, C(<family>:(new revision))).
      type: str
      returned: when state is present
    image:
      description: The image the service runs.
      type: str
      returned: when state is present
    waiting_for_image:
      description: True when the service is kept at 0 tasks because its ECR image does not exist yet.
      type: bool
      returned: when state is present
    registered:
      description: True when a new task definition revision was registered (or would be in check mode).
      type: bool
      returned: when state is present
    autoscaling:
      description:
        - What the run did (or would do) to the service's scalable target (C(target) - create, update,
          delete or null) and scaling policies (C(policies), name -> action); returned for a service that
          autoscales or stopped autoscaling. With O(state=absent), C(deregistered) the target's policies
          when a target was deregistered.
      type: dict
      returned: when the service autoscales or did
      version_added: 0.5.0
    deregistered:
      description: The family's revisions deregistered.
      type: list
      elements: str
      returned: when state is absent
    deleted:
      description: The family's revisions deleted.
      type: list
      elements: str
      returned: when state is absent
plan:
  description:
    - What the run changed (or would change in check mode), as plan entries (type, name, action) - every
      service's log group, service and new task definition revision, grouped by type.
  returned: always
  type: list
  elements: dict
  sample: [{type: AWS::ECS::Service, name: flask-react-users, action: update}]
service:
  description: The service as DescribeServices returns it (keys snake_case); empty when absent or not created yet.
  returned: when O(name) is given
  type: dict
task_definition_arn:
  description: The task definition the service runs (or would run in check mode, C(<family>:(new revision))).
  returned: when O(name) is given and state is present
  type: str
  sample: arn:aws:ecs:us-west-1:123456789012:task-definition/flask-react-users:3
image:
  description: The image the service runs.
  returned: when O(name) is given and state is present
  type: str
waiting_for_image:
  description: True when the service is kept at 0 tasks because its ECR image does not exist yet.
  returned: when O(name) is given and state is present
  type: bool
registered:
  description: True when a new task definition revision was registered (or would be in check mode).
  returned: when O(name) is given and state is present
  type: bool
deregistered:
  description: Task definition revisions deregistered (every service's).
  returned: when state is absent
  type: list
  elements: str
deleted:
  description: Task definition revisions deleted (every revision of the families, once deregistered).
  returned: when state is absent
  type: list
  elements: str
"""


import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.app_model import scaling_policy_names
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import (
    AUTOSCALING_TAG,
    SCALABLE_DIMENSION,
    autoscaling_actions,
    autoscaling_plan,
    call_when_ready,
    choose_image,
    common_prefix,
    deregister_scalable_targets,
    describe_services,
    ecr_image_reference,
    log_group_changes,
    owned_task_definition,
    read_scalable_targets,
    read_scaling_policies,
    remove_families,
    remove_services,
    resource_label,
    scalable_resource_id,
    service_changes,
    service_params,
    service_settings,
    tag_changes,
    tags_of,
    task_definition_request,
    wanted_policies,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import (
    ecs_service_plan,
    ecs_services_plan,
    entry,
    single_plan,
)

# --- Reads, batched: every service's in a few calls ------------------------------------------------


def read_services(client, cluster, names):
    """The named services that are not INACTIVE, by name (DescribeServices, 10 a call); {} without a cluster."""
    try:
        return {service["serviceName"]: service for service in describe_services(client, cluster, names)}
    except client.exceptions.ClusterNotFoundException:
        return {}


def read_task_definitions(client, services):
    """The task definitions the described services run, by ARN: one call per distinct revision."""
    arns = sorted({service["taskDefinition"] for service in services if service.get("taskDefinition")})
    return {arn: client.describe_task_definition(aws_retry=True, taskDefinition=arn)["taskDefinition"] for arn in arns}


@AWSRetry.jittered_backoff()
def _log_groups_named_like(logs, prefix):
    return logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix).build_full_result()


def read_log_groups(logs, names, with_tags):
    """The named log groups that exist, by name, each with its ``tags`` when ``with_tags``: one
    DescribeLogGroups by the names' common prefix (one per name when they share no more than a ``/``:
    not every group of the account), then ListTagsLogGroup per group (CloudWatch Logs has no batched
    read of tags)."""
    prefix = common_prefix(names)
    found = []
    for each in [prefix] if len(prefix) > 1 else names:
        found += _log_groups_named_like(logs, each).get("logGroups", [])
    groups = {group["logGroupName"]: group for group in found if group["logGroupName"] in names}
    for name, group in groups.items():
        tags = logs.list_tags_log_group(aws_retry=True, logGroupName=name).get("tags", {}) if with_tags else {}
        groups[name] = dict(group, tags=tags)
    return groups


def missing_images(module, images):
    """The ECR images among ``images`` that do not exist yet (another registry's: ECS will tell)."""
    references = {image: ecr_image_reference(image) for image in images}
    references = {image: reference for image, reference in references.items() if reference is not None}
    if not references:
        return set()
    ecr = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    missing = set()
    for image, (registry, repository, image_id) in references.items():
        try:
            ecr.describe_images(aws_retry=True, registryId=registry, repositoryName=repository, imageIds=[image_id])
        except (ecr.exceptions.ImageNotFoundException, ecr.exceptions.RepositoryNotFoundException):
            missing.add(image)
    return missing


# --- Writes ------------------------------------------------------------------------------------------


def ensure_log_groups(module, services):
    """Each service's log group with its retention and tags (O(log_retention_days) given): per group,
    its plan action (create, update) or None and the diff's before and after of what changes."""
    names = list(dict.fromkeys(service["log_group"] for service in services))
    days, wanted_tags = module.params["log_retention_days"], module.params["tags"]
    logs = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
    current = read_log_groups(logs, names, with_tags=bool(wanted_tags))
    changes = {}
    for name in names:
        group = current.get(name)
        action, retention, tags = log_group_changes(group, days, wanted_tags)
        before = {} if group is None else {"retention_in_days": group.get("retentionInDays"), "tags": group["tags"]}
        after = dict(before, **({"retention_in_days": retention} if retention else {}))
        if tags:
            after["tags"] = dict(before.get("tags") or {}, **tags)
        changes[name] = (action, (before, after) if action else ({}, {}))
        if not action or module.check_mode:
            continue
        if action == "create":
            logs.create_log_group(aws_retry=True, logGroupName=name, **({"tags": tags} if tags else {}))
        elif tags:
            logs.tag_log_group(aws_retry=True, logGroupName=name, tags=tags)
        if retention:
            logs.put_retention_policy(aws_retry=True, logGroupName=name, retentionInDays=retention)
    return changes


def planned_service(module, params, service, current_td):
    """What one service needs, before any write: its image, task definition request, and whether a
    revision is to be registered."""
    image = choose_image(params["image"], params["set_image"], current_td, params["container_name"])
    request = task_definition_request(params, image, module.region)
    return dict(
        params=params,
        service=service,
        current=service,
        created=service is None,
        current_td=current_td,
        image=image,
        request=request,
        registered=owned_task_definition(request) != owned_task_definition(current_td),
    )


def ensure_service(module, client, planned, waiting, deadline):
    """Register the service's revision if it differs, then create or update the service and its tags;
    returns ``planned`` with the task definition ARN, the changes to the service and ``changed``."""
    params, service, cluster, name = (
        planned["params"],
        planned["service"],
        module.params["cluster"],
        planned["params"]["name"],
    )
    tags = [{"key": key, "value": str(value)} for key, value in sorted((module.params["tags"] or {}).items())]
    if planned["registered"] and not module.check_mode:
        request = _drop_none(dict(planned["request"], tags=tags or None))
        td_arn = client.register_task_definition(aws_retry=True, **request)["taskDefinition"]["taskDefinitionArn"]
    elif planned["registered"]:
        td_arn = f"{name}:(new revision)"
    else:
        td_arn = service["taskDefinition"]
    # While the service autoscales its count is the scaler's: set only when the service is created.
    count = None if service is not None and params.get("autoscaling") else params["desired_count"]
    desired = service_settings(params, td_arn, 0 if waiting else count)
    if service is None:
        changes, changed = desired, True
        if not module.check_mode:
            request = _drop_none(dict(desired, tags=tags or None, loadBalancers=desired["loadBalancers"] or None))
            service = when_ready(
                module,
                "create_service",
                lambda: client.create_service(
                    aws_retry=True, cluster=cluster, serviceName=name, launchType="FARGATE", **request
                ),
                deadline,
            )["service"]
    else:
        changes = service_changes(desired, service)
        if changes and not module.check_mode:
            when_ready(
                module,
                "update_service",
                lambda: client.update_service(aws_retry=True, cluster=cluster, service=name, **changes),
                deadline,
            )
        changed = ensure_tags(module, client, service) or planned["registered"] or bool(changes)
    return dict(planned, service=service, task_definition_arn=td_arn, waiting=waiting, changes=changes, changed=changed)


def ensure_autoscaling(module, client, done):
    """Register, update or deregister each service's scalable target and its target-tracking policies;
    each service of ``done`` looked at gets ``autoscaling`` ({changed, target, policies, before, after}).

    Only services that autoscale or carry AUTOSCALING_TAG (registered before) are looked at: one
    DescribeScalableTargets for all of them, one DescribeScalingPolicies per registered target. A
    service waiting for its image is left for the run after its first build (a scaler's minimum would
    start tasks that cannot pull)."""
    cluster = module.params["cluster"]
    looked_at = [
        one
        for one in done
        if not one["waiting"] and (one["params"].get("autoscaling") or AUTOSCALING_TAG in tags_of(one["current"] or {}))
    ]
    if not looked_at:
        return done
    aas = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    existing = [one["params"]["name"] for one in looked_at if one["current"] is not None]
    targets = read_scalable_targets(aas, cluster, existing) if existing else {}
    for one in looked_at:
        params = one["params"]
        name, autoscaling = params["name"], params.get("autoscaling")
        resource_id = scalable_resource_id(cluster, name)
        target = targets.get(resource_id)
        current_policies = read_scaling_policies(aas, resource_id) if target else {}
        names = scaling_policy_names(name)
        label = resource_label(module.params["load_balancer_arn"], params["target_group_arn"])
        policies = wanted_policies(autoscaling, names, label)
        target_action, actions = autoscaling_actions(autoscaling, policies, target, current_policies, names.values())
        marked = AUTOSCALING_TAG in tags_of(one["current"] or {})
        retag = bool(autoscaling) != marked
        if not module.check_mode:
            apply_autoscaling(client, aas, one, (resource_id, autoscaling, policies), target_action, actions)
        after = {"MinCapacity": autoscaling["min"], "MaxCapacity": autoscaling["max"]} if autoscaling else None
        one["autoscaling"] = dict(
            changed=bool(target_action or actions or retag),
            target=target_action,
            policies=actions,
            before=_autoscaling_state(target, current_policies),
            after=_autoscaling_state(after, policies),
        )
    return done


def _autoscaling_state(target, policies):
    """A scalable target and its policies, for the diff: {min, max, policies: {name: target value}}."""
    if not target:
        return {}
    values = {
        name: (policy.get("TargetTrackingScalingPolicyConfiguration") or policy).get("TargetValue")
        for name, policy in policies.items()
    }
    return dict(min=target.get("MinCapacity"), max=target.get("MaxCapacity"), policies=values)


def apply_autoscaling(client, aas, one, wanted, target_action, actions):
    """The writes of ensure_autoscaling for one service: the tag first (so that a run stopped halfway
    still finds the target to remove), the target, then its policies; removing, the tag goes last."""
    resource_id, autoscaling, policies = wanted
    service_arn = one["service"]["serviceArn"]
    where = dict(aws_retry=True, ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension=SCALABLE_DIMENSION)
    marked = AUTOSCALING_TAG in tags_of(one["current"] or {})
    if not autoscaling:
        if target_action == "delete":
            aas.deregister_scalable_target(**where)
        if marked:
            client.untag_resource(aws_retry=True, resourceArn=service_arn, tagKeys=[AUTOSCALING_TAG])
        return
    if not marked:
        client.tag_resource(aws_retry=True, resourceArn=service_arn, tags=[{"key": AUTOSCALING_TAG, "value": "true"}])
    if target_action:
        aas.register_scalable_target(MinCapacity=autoscaling["min"], MaxCapacity=autoscaling["max"], **where)
    for name, action in actions.items():
        if action == "delete":
            aas.delete_scaling_policy(PolicyName=name, **where)
        else:
            aas.put_scaling_policy(
                PolicyName=name,
                PolicyType="TargetTrackingScaling",
                TargetTrackingScalingPolicyConfiguration=policies[name],
                **where,
            )


def ensure_tags(module, client, service):
    to_set = tag_changes(module.params["tags"], service.get("tags"))
    if to_set and not module.check_mode:
        client.tag_resource(aws_retry=True, resourceArn=service["serviceArn"], tags=to_set)
    return bool(to_set)


def when_ready(module, operation, call, deadline):
    """``call()``, retried while ECS answers that it is not ready yet (module_utils.ecs.NOT_YET), until
    the run's ``deadline`` (every service's retries share O(wait_timeout))."""
    budget = max(0, deadline - time.monotonic())
    return call_when_ready(
        call, operation, botocore.exceptions.ClientError, budget, module.warn, interval=module.params["poll_interval"]
    )


def _drop_none(mapping):
    return {key: value for key, value in mapping.items() if value is not None}


# --- The two states ----------------------------------------------------------------------------------


def present(module, client):
    services, cluster = service_params(module.params)[0], module.params["cluster"]
    unlabelled = [
        params["name"]
        for params in services
        if (params.get("autoscaling") or {}).get("requests_per_target") is not None
        and resource_label(module.params["load_balancer_arn"], params["target_group_arn"]) is None
    ]
    if unlabelled and not module.check_mode:
        # Before any write: the policy's ResourceLabel names the load balancer and the target group.
        module.fail_json(
            msg=f"autoscaling.requests_per_target of {', '.join(unlabelled)} needs the service's target_group_arn "
            "and load_balancer_arn (ARNs of an application load balancer and its target group)"
        )
    log_groups = ensure_log_groups(module, services) if module.params["log_retention_days"] else {}
    current = read_services(client, cluster, [params["name"] for params in services])
    definitions = read_task_definitions(client, current.values())
    plans = []
    for params in services:
        service = current.get(params["name"])
        plans.append(planned_service(module, params, service, definitions.get((service or {}).get("taskDefinition"))))
    # A service with no task yet whose ECR image does not exist (a new account before its first build)
    # is made or kept at 0 tasks: only those services' images are looked up.
    first_run = [
        one for one in plans if not (one["service"] or {}).get("desiredCount") and one["params"]["desired_count"]
    ]
    missing = missing_images(module, sorted({one["image"] for one in first_run}))
    waiting = {one["params"]["name"] for one in first_run if one["image"] in missing}
    deadline = time.monotonic() + module.params["wait_timeout"]
    done = [ensure_service(module, client, one, one["params"]["name"] in waiting, deadline) for one in plans]
    done = ensure_autoscaling(module, client, done)
    changed_names = [
        one["params"]["name"] for one in done if one["changed"] or (one.get("autoscaling") or {}).get("changed")
    ]
    if changed_names and not module.check_mode:
        # What the writes left, in one read (DescribeServices, 10 a call).
        described = read_services(client, cluster, changed_names)
        done = [dict(one, service=described.get(one["params"]["name"], one["service"])) for one in done]
    return services_result(module, done, log_groups)


def services_result(module, done, log_groups):
    """The module's result: per service, the plan of all, the diff per service; in the one-item form,
    the one service's keys at the top as well."""
    per_service, planned_each, before, after = {}, [], {}, {}
    for one in done:
        name, log_group = one["params"]["name"], one["params"]["log_group"]
        log_action, (log_before, log_after) = log_groups.get(log_group, (None, ({}, {})))
        scaling = one.get("autoscaling") or {}
        planned = ecs_service_plan(name, one["changed"], created=one["created"], registered=bool(one["registered"]))
        planned += autoscaling_plan(name, scaling.get("target"), scaling.get("policies") or {})
        if log_action:
            planned.insert(0, entry("AWS::Logs::LogGroup", log_group, log_action))
        planned_each.append(planned)
        per_service[name] = dict(
            name=name,
            log_group=log_group,
            changed=one["changed"] or bool(log_action) or bool(scaling.get("changed")),
            service=camel_dict_to_snake_dict(one["service"] or {}, ignore_list=["tags"]),
            task_definition_arn=one["task_definition_arn"],
            image=one["image"],
            waiting_for_image=one["waiting"],
            registered=one["registered"],
        )
        if scaling:
            per_service[name]["autoscaling"] = dict(target=scaling["target"], policies=scaling["policies"])
        before[name] = dict(
            task_definition=owned_task_definition(one["current_td"]),
            service={key: (one["current"] or {}).get(key) for key in one["changes"]} if one["current_td"] else {},
        )
        after[name] = dict(task_definition=owned_task_definition(one["request"]), service=one["changes"])
        if scaling:
            before[name]["autoscaling"], after[name]["autoscaling"] = scaling["before"], scaling["after"]
        if log_action:
            before[name]["log_group"], after[name]["log_group"] = log_before, log_after
    result = dict(
        changed=any(one["changed"] for one in per_service.values()),
        cluster=module.params["cluster"],
        services=per_service,
        plan=ecs_services_plan(planned_each),
    )
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    if module.params.get("services") is None:
        one = next(iter(per_service.values()))
        result.update(
            {key: one[key] for key in ("service", "task_definition_arn", "image", "waiting_for_image", "registered")}
        )
    return result


def absent(module, client):
    cluster = module.params["cluster"]
    names = [params["name"] for params in service_params(module.params)[0]]
    current = read_services(client, cluster, names)
    # The scalable targets first (AWS keeps a target when its service is deleted), while the scaler
    # cannot fight the scale to 0 any more; only those of services that carry the tag are looked up.
    scaled = [name for name in names if AUTOSCALING_TAG in tags_of(current.get(name) or {})]
    deregistered_targets = {}
    if scaled:
        aas = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff(retries=10))
        deregistered_targets = deregister_scalable_targets(aas, cluster, scaled, module.check_mode)
    if current and not module.check_mode:
        try:
            remove_services(
                client,
                cluster,
                [current[name] for name in names if name in current],
                module.params["wait_timeout"],
                botocore.exceptions.ClientError,
                module.warn,
                interval=module.params["poll_interval"],
            )
        except TimeoutError as error:
            module.fail_json(msg=str(error))
    per_service, planned_each, deregistered, deleted = {}, [], [], []
    for name in names:
        gone, removed = remove_families(client, [name], module.check_mode)
        deregistered += gone
        deleted += removed
        per_service[name] = dict(
            name=name, changed=name in current or bool(removed), deregistered=gone, deleted=removed
        )
        planned = single_plan("AWS::ECS::Service", name, name in current, deleted=True)
        if name in deregistered_targets:
            policies = deregistered_targets[name]
            per_service[name]["autoscaling"] = dict(target="delete", policies=dict.fromkeys(policies, "delete"))
            planned += autoscaling_plan(name, "delete", dict.fromkeys(policies, "delete"))
        planned_each.append(planned)
    result = dict(
        changed=any(one["changed"] for one in per_service.values()),
        cluster=cluster,
        services=per_service,
        deregistered=deregistered,
        deleted=deleted,
        plan=ecs_services_plan(planned_each),
    )
    if module.params.get("services") is None:
        result["service"] = {}
    return result


def argument_spec():
    """The module's options (without the AWS connection's, which AnsibleAWSModule adds)."""
    service_options = dict(
        name=dict(type="str", required=True),
        container_name=dict(type="str"),
        container_port=dict(type="int"),
        image=dict(type="str"),
        set_image=dict(type="bool"),
        cpu=dict(type="int"),
        memory=dict(type="int"),
        cpu_architecture=dict(type="str", choices=["X86_64", "ARM64"]),
        desired_count=dict(type="int"),
        environment=dict(type="dict"),
        secrets=dict(type="dict", no_log=False),
        command=dict(type="list", elements="str"),
        log_group=dict(type="str"),
        target_group_arn=dict(type="str"),
        autoscaling=dict(type="dict", options=autoscaling_options()),
        deployment_alarms=dict(type="list", elements="str"),
    )
    return dict(
        cluster=dict(type="str", required=True),
        name=dict(type="str"),
        services=dict(type="list", elements="dict", options=service_options),
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
        poll_interval=dict(type="int", default=5),
        autoscaling=dict(type="dict", options=autoscaling_options()),
        load_balancer_arn=dict(type="str"),
        deployment_alarms=dict(type="list", elements="str", default=[]),
    )


def autoscaling_options():
    return dict(
        min=dict(type="int", required=True),
        max=dict(type="int", required=True),
        cpu_percent=dict(type="int"),
        requests_per_target=dict(type="int"),
    )


def main():
    module = AppAWSModule(
        argument_spec=argument_spec(),
        supports_check_mode=True,
        mutually_exclusive=[("name", "services")],
        required_one_of=[("name", "services")],
    )
    errors = service_params(module.params)[1]
    if errors:
        module.fail_json(msg="; ".join(errors))
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    try:
        result = present(module, client) if module.params["state"] == "present" else absent(module, client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        names = [params["name"] for params in service_params(module.params)[0]]
        module.fail_json_aws(error, msg=f"Failed to manage ECS service {', '.join(names)}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
