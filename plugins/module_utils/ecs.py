# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning of flask_react.aws.ecs_app_service: the task definition a service should run,
whether it differs from the one it runs, and what UpdateService must change; then, in their own
section at the end, the few client calls both ECS modules share (removing a service, retrying
ECS's "not yet" answers), written against any boto3 ECS client."""

from __future__ import annotations

import re
import time

# The Fargate task sizes AWS accepts (ECS Developer Guide, "Task CPU and memory"):
# cpu units -> allowed memory in MiB.
FARGATE_SIZES = {
    256: [512, 1024, 2048],
    512: list(range(1024, 4097, 1024)),
    1024: list(range(2048, 8193, 1024)),
    2048: list(range(4096, 16385, 1024)),
    4096: list(range(8192, 30721, 1024)),
    8192: list(range(16384, 61441, 4096)),
    16384: list(range(32768, 122881, 8192)),
}
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SERVICE_KEYS = (
    "cpu",
    "memory",
    "desired_count",
    "environment",
    "secrets",
    "command",
    "database",
    "build",
    "cpu_architecture",
    "test",
    "autoscaling",
)
# The task definition's runtimePlatform.cpuArchitecture values Fargate runs (Linux); the image is
# built for the matching docker platform (linux/amd64, linux/arm64). Either case is accepted.
CPU_ARCHITECTURES = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}
BUILD_KEYS = ("context", "dockerfile", "args")
# Names the database wiring sets; a service's own environment or secrets may not reuse them.
DATABASE_VARIABLES = ("DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _name_map_errors(where, key, value, values_are):
    if not isinstance(value, dict):
        return [f"{where}.{key} must be a mapping of variable names to {values_are}"]
    errors = []
    for name, item in value.items():
        if not isinstance(name, str) or not ENV_NAME.match(name):
            errors.append(f"{where}.{key}: '{name}' is not a valid environment variable name")
        elif not isinstance(item, (str, int, float)) or isinstance(item, bool):
            errors.append(f"{where}.{key}.{name} must be a string ({values_are})")
        elif name in DATABASE_VARIABLES:
            errors.append(f"{where}.{key}.{name} is set by 'database: true'; choose another name")
    return errors


def ecs_service_errors(where, service):
    """Errors in one app_services entry's ECS keys (cpu, memory, ...), each naming the key and the rule."""
    errors = []
    cpu, memory = service.get("cpu", 256), service.get("memory", 512)
    if not _is_int(cpu) or cpu not in FARGATE_SIZES:
        errors.append(f"{where}.cpu must be one of Fargate's {sorted(FARGATE_SIZES)} (CPU units)")
    elif not _is_int(memory) or memory not in FARGATE_SIZES[cpu]:
        sizes = FARGATE_SIZES[cpu]
        errors.append(
            f"{where}.memory must be a Fargate size for cpu {cpu}: "
            f"{sizes[0]}..{sizes[-1]} MiB in steps of {sizes[1] - sizes[0]}"
        )
    count = service.get("desired_count", 1)
    if not _is_int(count) or count < 0:
        errors.append(f"{where}.desired_count must be a whole number >= 0")
    if "environment" in service:
        errors.extend(_name_map_errors(where, "environment", service["environment"], "plain values, never secrets"))
    if "secrets" in service:
        errors.extend(_name_map_errors(where, "secrets", service["secrets"], "Secrets Manager or SSM ARNs"))
        for name, arn in (service["secrets"] or {}).items() if isinstance(service["secrets"], dict) else []:
            if isinstance(arn, str) and not arn.startswith("arn:"):
                errors.append(f"{where}.secrets.{name} must be the ARN of a secret or parameter (arn:...)")
    command = service.get("command")
    if command is not None and (not isinstance(command, list) or not all(isinstance(c, str) for c in command)):
        errors.append(f"{where}.command must be a list of strings (the container's command)")
    if "database" in service and not isinstance(service["database"], bool):
        errors.append(f"{where}.database must be true or false")
    architecture = service.get("cpu_architecture")
    if architecture is not None and (
        not isinstance(architecture, str) or architecture.upper() not in CPU_ARCHITECTURES
    ):
        errors.append(
            f"{where}.cpu_architecture must be X86_64 or ARM64 (Fargate's runtimePlatform), got {architecture!r}"
        )
    tests = service.get("test")
    if tests is not None and (
        not isinstance(tests, list) or not all(isinstance(command, str) and command.strip() for command in tests)
    ):
        errors.append(f"{where}.test must be a list of non-empty shell commands (strings)")
    if service.get("autoscaling") is not None:
        errors.extend(autoscaling_errors(where + ".autoscaling", service["autoscaling"]))
    build = service.get("build")
    if build is not None:
        if not isinstance(build, dict) or set(build) - set(BUILD_KEYS):
            errors.append(f"{where}.build must be a mapping with only {', '.join(BUILD_KEYS)}")
        else:
            for key in ("context", "dockerfile"):
                if key in build and (
                    not isinstance(build[key], str) or not re.match(r"^[A-Za-z0-9._/-]+$", build[key])
                ):
                    errors.append(f"{where}.build.{key} must be a relative path of letters, digits, . _ / -")
            if "args" in build:
                errors.extend(_name_map_errors(where + ".build", "args", build["args"], "plain values"))
    return errors


# --- Application Auto Scaling of a service (app_services[].autoscaling), pure planning ----------------

AUTOSCALING_KEYS = ("min", "max", "cpu_percent", "requests_per_target")
SCALABLE_DIMENSION = "ecs:service:DesiredCount"
# The policy name's suffix (app_model.scaling_policy_name) -> (autoscaling key, predefined metric).
SCALING_METRICS = {
    "cpu": ("cpu_percent", "ECSServiceAverageCPUUtilization"),
    "requests": ("requests_per_target", "ALBRequestCountPerTarget"),
}
# The tag ecs_app_service puts on a service it registered as a scalable target: a run where no service
# autoscales reads Application Auto Scaling only for services carrying it (DescribeServices already
# returns the tags), so the feature costs no call while it is off.
AUTOSCALING_TAG = "flask_react.aws:autoscaling"


def autoscaling_errors(where, value):
    """Errors in one service's ``autoscaling`` ({min, max, cpu_percent, requests_per_target})."""
    if not isinstance(value, dict) or set(value) - set(AUTOSCALING_KEYS):
        return [f"{where} must be a mapping with only {', '.join(AUTOSCALING_KEYS)}"]
    errors = [
        f"{where}.{key} must be a whole number"
        for key in AUTOSCALING_KEYS
        if value.get(key) is not None and not _is_int(value[key])
    ]
    if errors:
        return errors
    low, high = value.get("min"), value.get("max")
    if low is None or high is None:
        errors.append(f"{where}.min and {where}.max are required (the task counts it scales between)")
    else:
        # Target tracking scales on the tasks' metrics: a service at 0 tasks has none, so it would never
        # scale out again (AWS allows 0; scaling to zero needs scheduled or step scaling, not offered here).
        if low < 1:
            errors.append(f"{where}.min must be >= 1: target tracking cannot start a service from 0 tasks")
        if high < 1:
            errors.append(f"{where}.max must be >= 1")
        if low > high:
            errors.append(f"{where}.min ({low}) must be <= {where}.max ({high})")
    cpu, requests = value.get("cpu_percent"), value.get("requests_per_target")
    if cpu is None and requests is None:
        errors.append(f"{where} needs cpu_percent or requests_per_target (or both): the metrics it tracks")
    if cpu is not None and not 1 <= cpu <= 100:
        errors.append(f"{where}.cpu_percent must be 1..100 (the average CPU utilization to keep)")
    if requests is not None and requests < 1:
        errors.append(f"{where}.requests_per_target must be >= 1 (ALB requests per task per minute)")
    return errors


def scalable_resource_id(cluster, service):
    """Application Auto Scaling's ResourceId of an ECS service."""
    return f"service/{cluster}/{service}"


def resource_label(load_balancer_arn, target_group_arn):
    """ALBRequestCountPerTarget's ResourceLabel, ``app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>``,
    from the load balancer's and target group's ARNs; None when either is missing or malformed."""
    balancer = (load_balancer_arn or "").split(":loadbalancer/", 1)
    group = (target_group_arn or "").split(":targetgroup/", 1)
    if len(balancer) != 2 or len(group) != 2 or not balancer[1].startswith("app/"):
        return None
    return f"{balancer[1]}/targetgroup/{group[1]}"


def wanted_policies(autoscaling, names, label):
    """The target-tracking policies ``autoscaling`` asks for: policy name -> PutScalingPolicy's
    TargetTrackingScalingPolicyConfiguration (``names``: metric suffix -> policy name)."""
    policies = {}
    for suffix, (key, metric) in SCALING_METRICS.items():
        if (autoscaling or {}).get(key) is None:
            continue
        specification = {"PredefinedMetricType": metric}
        if suffix == "requests":
            specification["ResourceLabel"] = label
        policies[names[suffix]] = {
            "TargetValue": float(autoscaling[key]),
            "PredefinedMetricSpecification": specification,
        }
    return policies


def _policy_key(configuration):
    """What a target-tracking configuration is compared on: the metric, its label, the target value
    (AWS fills the cooldowns and DisableScaleIn we never send)."""
    specification = (configuration or {}).get("PredefinedMetricSpecification") or {}
    return (
        specification.get("PredefinedMetricType"),
        specification.get("ResourceLabel"),
        float((configuration or {}).get("TargetValue") or 0),
    )


def autoscaling_actions(autoscaling, policies, current_target, current_policies, ours):
    """What one service's autoscaling needs: (target action, {policy name: action}), actions create,
    update, delete or None. ``current_target`` is DescribeScalableTargets' entry (or None),
    ``current_policies`` DescribeScalingPolicies' entries by name; ``ours`` the names this module
    manages (a policy someone else put on the target is left alone). Deregistering the target deletes
    its policies (AWS does): they are planned as deletes, never called."""
    if not autoscaling:
        if current_target is None:
            return None, {}
        return "delete", {name: "delete" for name in current_policies}
    target_action = None
    if current_target is None:
        target_action = "create"
    elif (current_target.get("MinCapacity"), current_target.get("MaxCapacity")) != (
        autoscaling["min"],
        autoscaling["max"],
    ):
        target_action = "update"
    actions = {}
    for name in ours:
        want, have = policies.get(name), current_policies.get(name)
        if want and not have:
            actions[name] = "create"
        elif want and _policy_key(want) != _policy_key(have.get("TargetTrackingScalingPolicyConfiguration")):
            actions[name] = "update"
        elif have and not want:
            actions[name] = "delete"
    return target_action, actions


# flask_react.aws.ecs_app_service: the options an item of ``services`` may set (the top-level option
# of the same name is every item's default), and those a service needs when state is present.
SERVICE_OPTIONS = (
    "name",
    "container_name",
    "container_port",
    "image",
    "set_image",
    "cpu",
    "memory",
    "cpu_architecture",
    "desired_count",
    "environment",
    "secrets",
    "command",
    "log_group",
    "target_group_arn",
    "autoscaling",
    "deployment_alarms",
)
REQUIRED_PER_SERVICE = ("container_name", "container_port", "image", "log_group")
REQUIRED_SHARED = ("execution_role_arn", "subnets", "security_groups")


def service_params(params):
    """(one flat parameter dict per service, in order; the errors, each naming the option and the rule).

    ``params`` are ecs_app_service's: either ``name`` and the top-level options (one service), or
    ``services``, whose items' options override the top-level ones (the shared settings and defaults).
    Each dict has every top-level option, so a service is planned as the one-item form always was.
    """
    items = params.get("services")
    one_item = items is None
    shared = {key: value for key, value in params.items() if key != "services"}
    merged, errors, seen = [], [], set()
    for index, item in enumerate([{"name": params.get("name")}] if one_item else items):
        where = "" if one_item else f"services[{index}]."
        service = dict(shared, **{key: item[key] for key in SERVICE_OPTIONS if item.get(key) is not None})
        merged.append(service)
        if service["name"] in seen:
            errors.append(f"{where}name: {service['name']} is named twice (one item per service)")
        seen.add(service["name"])
        if params.get("state", "present") == "present":
            missing = [where + key for key in REQUIRED_PER_SERVICE if service.get(key) in (None, "")]
            if missing:
                errors.append(f"{', '.join(missing)} required when state is present")
            if service.get("autoscaling"):
                errors.extend(autoscaling_errors(where + "autoscaling", service["autoscaling"]))
    if params.get("state", "present") == "present":
        missing = [key for key in REQUIRED_SHARED if not params.get(key)]
        if missing:
            errors.append(f"{', '.join(missing)} required when state is present")
    return merged, errors


def common_prefix(names):
    """The longest prefix every name starts with ('' for none or no names)."""
    if not names:
        return ""
    first, last = min(names), max(names)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def image_of(task_definition, container_name):
    """The image the named container of a described task definition runs, or None."""
    for container in (task_definition or {}).get("containerDefinitions", []):
        if container.get("name") == container_name:
            return container.get("image")
    return None


def choose_image(default_image, set_image, current_task_definition, container_name):
    """Ansible never rolls back a deploy: keep the running image unless told to set one."""
    running = image_of(current_task_definition, container_name)
    if set_image or not running:
        return default_image
    return running


def _pairs(mapping, value_key):
    return [{"name": name, value_key: str(value)} for name, value in sorted((mapping or {}).items())]


def task_definition_request(params, image, region):
    """RegisterTaskDefinition's arguments for the service's one container."""
    container = {
        "name": params["container_name"],
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": params["container_port"], "protocol": "tcp"}],
        "environment": _pairs(params["environment"], "value"),
        "secrets": _pairs(params["secrets"], "valueFrom"),
        "readonlyRootFilesystem": params["readonly_root_filesystem"],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": params["log_group"],
                "awslogs-region": region,
                "awslogs-stream-prefix": params["log_stream_prefix"],
            },
        },
    }
    if params["command"]:
        container["command"] = list(params["command"])
    request = {
        "family": params["name"],
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": str(params["cpu"]),
        "memory": str(params["memory"]),
        "executionRoleArn": params["execution_role_arn"],
        "containerDefinitions": [container],
        "runtimePlatform": {
            "cpuArchitecture": (params.get("cpu_architecture") or "X86_64").upper(),
            "operatingSystemFamily": "LINUX",
        },
    }
    if params["task_role_arn"]:
        request["taskRoleArn"] = params["task_role_arn"]
    return request


def _owned_container(container):
    return {
        "name": container.get("name"),
        "image": container.get("image"),
        "ports": sorted(
            (p.get("containerPort"), p.get("protocol", "tcp")) for p in container.get("portMappings") or []
        ),
        "environment": sorted((e["name"], e.get("value")) for e in container.get("environment") or []),
        "secrets": sorted((s["name"], s.get("valueFrom")) for s in container.get("secrets") or []),
        "command": list(container.get("command") or []),
        "readonly_root_filesystem": bool(container.get("readonlyRootFilesystem")),
        "log": container.get("logConfiguration") or {},
    }


def owned_task_definition(task_definition):
    """The fields this module sets, in one shape whether AWS described them or we requested them
    (AWS fills defaults we never send: hostPort, mountPoints, volumesFrom, compatibilities...)."""
    if not task_definition:
        return {}
    return {
        "family": task_definition.get("family"),
        "cpu": str(task_definition.get("cpu")),
        "memory": str(task_definition.get("memory")),
        "network_mode": task_definition.get("networkMode"),
        "requires_compatibilities": sorted(task_definition.get("requiresCompatibilities") or []),
        "execution_role_arn": task_definition.get("executionRoleArn"),
        "task_role_arn": task_definition.get("taskRoleArn") or None,
        # A revision registered without runtimePlatform runs on Fargate's default, Linux on X86_64:
        # the same as the one we ask for, so adding the field registers nothing new.
        "runtime_platform": runtime_platform(task_definition),
        "containers": sorted(
            (_owned_container(c) for c in task_definition.get("containerDefinitions") or []), key=lambda c: c["name"]
        ),
    }


def runtime_platform(task_definition):
    """(cpuArchitecture, operatingSystemFamily) of a task definition, Fargate's defaults filled in."""
    platform = task_definition.get("runtimePlatform") or {}
    return (
        (platform.get("cpuArchitecture") or "X86_64").upper(),
        (platform.get("operatingSystemFamily") or "LINUX").upper(),
    )


def service_settings(params, task_definition_arn, desired_count):
    """The service's settings this module owns, in UpdateService's argument names."""
    return {
        "taskDefinition": task_definition_arn,
        "desiredCount": desired_count,
        "loadBalancers": [
            {
                "targetGroupArn": params["target_group_arn"],
                "containerName": params["container_name"],
                "containerPort": params["container_port"],
            }
        ]
        if params["target_group_arn"]
        else [],
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": sorted(params["subnets"]),
                "securityGroups": sorted(params["security_groups"]),
                "assignPublicIp": "ENABLED" if params["assign_public_ip"] else "DISABLED",
            }
        },
        "healthCheckGracePeriodSeconds": params["health_check_grace_period"] if params["target_group_arn"] else None,
        "deploymentConfiguration": deployment_configuration(params.get("deployment_alarms")),
        "enableExecuteCommand": params["enable_execute_command"],
        "propagateTags": "SERVICE",
    }


def deployment_configuration(alarms):
    """The circuit breaker with rollback, and the CloudWatch alarms that fail (and roll back) a
    deployment when ``alarms`` names any."""
    configuration = {"deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    if alarms:
        configuration["alarms"] = {"alarmNames": sorted(alarms), "enable": True, "rollback": True}
    return configuration


def _alarms(configuration):
    """The deployment alarms in effect: (sorted names, rollback), or None when off (DescribeServices
    gives no ``alarms`` to a service never given any, ``enable: false`` to one whose alarms were turned off)."""
    alarms = (configuration or {}).get("alarms") or {}
    if not alarms.get("enable"):
        return None
    return sorted(alarms.get("alarmNames") or []), bool(alarms.get("rollback"))


def _normalised(key, value):
    if key == "networkConfiguration":
        config = (value or {}).get("awsvpcConfiguration") or {}
        return (
            sorted(config.get("subnets") or []),
            sorted(config.get("securityGroups") or []),
            config.get("assignPublicIp", "DISABLED"),
        )
    if key == "loadBalancers":
        return sorted(
            (lb.get("targetGroupArn"), lb.get("containerName"), lb.get("containerPort")) for lb in value or []
        )
    if key == "deploymentConfiguration":
        breaker = (value or {}).get("deploymentCircuitBreaker") or {"enable": False, "rollback": False}
        return breaker, _alarms(value)
    if key == "enableExecuteCommand":
        return bool(value)
    if key == "propagateTags":
        return value or "NONE"
    return value


def service_changes(desired, current):
    """UpdateService arguments for the settings that differ (propagateTags only on create:
    UpdateService takes it, but a difference there alone is not worth a deployment)."""
    changes = {}
    for key, value in desired.items():
        if key == "propagateTags" or value is None:
            continue
        if _normalised(key, value) != _normalised(key, current.get(key)):
            changes[key] = value
    if "deploymentConfiguration" in changes:
        # AWS fills the percentages; keep the current ones.
        changes["deploymentConfiguration"] = dict(
            current.get("deploymentConfiguration") or {}, **desired["deploymentConfiguration"]
        )
        if "alarms" not in desired["deploymentConfiguration"] and _alarms(current.get("deploymentConfiguration")):
            # No alarm any more: turned off (UpdateService keeps what it is not given).
            changes["deploymentConfiguration"]["alarms"] = {"alarmNames": [], "enable": False, "rollback": False}
    return changes


def tag_changes(desired, current_list):
    """(tags to set as a list of {key, value}, keys to remove: none — other tools may tag too)."""
    current = {tag["key"]: tag.get("value") for tag in current_list or []}
    return [
        {"key": key, "value": str(value)}
        for key, value in sorted((desired or {}).items())
        if current.get(key) != str(value)
    ]


def ecr_image_reference(image):
    """(registry id, repository, {"imageTag"|"imageDigest": ...}) of an ECR image URI, or None for other registries."""
    match = re.match(
        r"^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/([^:@]+)(?::([^@]+)|@(sha256:[0-9a-f]+))?$",
        image or "",
    )
    if not match:
        return None
    registry, repository, tag, digest = match.groups()
    return registry, repository, ({"imageDigest": digest} if digest else {"imageTag": tag or "latest"})


def family_of(task_definition_arn):
    """arn:...:task-definition/<family>:<revision> -> family."""
    return task_definition_arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


# --- Client calls both ECS modules share ------------------------------------------------------------

# ECS's "not yet" answers: the same call succeeds once AWS has caught up (terraform-provider-aws,
# internal/service/ecs/service.go, retries exactly these). A listener rule that forwards to the
# target group is still propagating; ECS is still making its service-linked role (a new account);
# a deployment is still running when the service is deleted (right after it was scaled to 0).
NOT_YET = {
    "create_service": ("does not have an associated load balancer", "Unable to assume the service linked role"),
    "update_service": ("does not have an associated load balancer", "Unable to assume the service linked role"),
    "delete_service": ("The service cannot be stopped while deployments are active",),
}


def not_yet_reason(error, messages):
    """The "not yet" message ``error`` (a botocore ClientError) carries, among ``messages``, or None."""
    details = getattr(error, "response", {}).get("Error", {})
    if details.get("Code") != "InvalidParameterException":
        return None
    text = details.get("Message", "")
    return next((message for message in messages if message.lower() in text.lower()), None)


def call_when_ready(call, operation, error_class, timeout, warn, interval=5, sleep=time.sleep, clock=time.monotonic):
    """``call()`` (an ECS ``operation``), retried every ``interval`` s while ECS answers one of its
    NOT_YET messages, for at most ``timeout`` s; a retried call warns once it succeeds, saying how
    long it waited, and the last error is raised, with the time waited, when the budget is spent."""
    started, reason = clock(), None
    while True:
        try:
            result = call()
        except error_class as error:
            reason = not_yet_reason(error, NOT_YET.get(operation, ()))
            waited = clock() - started
            if reason is None:
                raise
            if waited + interval > timeout:
                response = dict(error.response, Error=dict(error.response.get("Error", {})))
                response["Error"]["Message"] += f" (still so after {waited:.0f} s of retries)"
                raise type(error)(response, error.operation_name) from error
            sleep(interval)
            continue
        if reason is not None:
            waited = clock() - started
            warn(f'ECS {operation} answered "{reason}" for {waited:.0f} s (AWS catching up), retried until it passed')
        return result


def describe_services(client, cluster, names):
    """The services named (ACTIVE or DRAINING; deleted ones linger INACTIVE), with their tags."""
    found = []
    for start in range(0, len(names), 10):  # DescribeServices takes 10 at most
        batch = names[start : start + 10]
        answer = client.describe_services(aws_retry=True, cluster=cluster, services=batch, include=["TAGS"])
        found.extend(s for s in answer.get("services", []) if s.get("status") != "INACTIVE")
    return found


def cluster_services(client, cluster):
    """Every service of the cluster that is not INACTIVE, described with its tags ([] when no cluster)."""
    arns = []
    try:
        for page in client.get_paginator("list_services").paginate(cluster=cluster):
            arns.extend(page.get("serviceArns", []))
    except client.exceptions.ClusterNotFoundException:
        return []
    return describe_services(client, cluster, arns)


def tags_of(service):
    return {tag["key"]: tag.get("value") for tag in service.get("tags") or []}


def is_owned(service, owned_by):
    """Does the service carry every tag of ``owned_by`` (never true for an empty ``owned_by``)?"""
    tags = tags_of(service)
    return bool(owned_by) and all(tags.get(key) == str(value) for key, value in owned_by.items())


def family_revisions(client, family, status):
    """The family's revision ARNs of one status (familyPrefix also matches longer families: dropped)."""
    arns = []
    for page in client.get_paginator("list_task_definitions").paginate(familyPrefix=family, status=status):
        arns.extend(arn for arn in page.get("taskDefinitionArns", []) if family_of(arn) == family)
    return arns


def remove_families(client, families, check_mode):
    """Deregister every ACTIVE revision of the families, then delete every INACTIVE one (a deregistered
    revision is otherwise kept forever). Returns (the revisions deregistered, the revisions deleted);
    in check mode, what would be."""
    deregistered, deleted = [], []
    for family in families:
        active = family_revisions(client, family, "ACTIVE")
        deregistered.extend(active)
        if not check_mode:
            for arn in active:
                client.deregister_task_definition(aws_retry=True, taskDefinition=arn)
        inactive = sorted(set(family_revisions(client, family, "INACTIVE")) | set(active))
        deleted.extend(inactive)
        for start in range(0, len(inactive), 10) if not check_mode else ():  # 10 a call at most
            client.delete_task_definitions(aws_retry=True, taskDefinitions=inactive[start : start + 10])
    return deregistered, deleted


def remove_services(
    client, cluster, services, timeout, error_class, warn, sleep=time.sleep, clock=time.monotonic, interval=5
):
    """Scale each described service to 0 and delete it (retrying while its deployments are active),
    then wait until every one is INACTIVE, looking every ``interval`` s: the services drain together,
    for ``timeout`` s in all."""
    deadline = clock() + timeout
    for service in services:
        name = service["serviceName"]
        if service.get("status") == "ACTIVE" and service.get("desiredCount", 0) > 0:
            client.update_service(aws_retry=True, cluster=cluster, service=name, desiredCount=0)
        if service.get("status") == "ACTIVE":
            call_when_ready(
                lambda name=name: client.delete_service(aws_retry=True, cluster=cluster, service=name),
                "delete_service",
                error_class,
                max(0, deadline - clock()),
                warn,
                interval=interval,
                sleep=sleep,
                clock=clock,
            )
    left = [service["serviceName"] for service in services]
    while left:
        left = [service["serviceName"] for service in describe_services(client, cluster, left)]
        if left and clock() > deadline:
            plural = "s" if len(left) > 1 else ""
            raise TimeoutError(f"ECS service{plural} {', '.join(left)} not INACTIVE after {timeout} s")
        if left:
            sleep(interval)


def log_group_changes(current, retention_days, tags):
    """What a service's log group needs, from ``current`` (DescribeLogGroups' entry plus ``tags``, or
    None when it does not exist): ``(action, retention to set or None, tags to add)``; action is
    create, update or None. Tags are added, never removed (amazon.aws.cloudwatchlogs_log_group's
    ``purge_tags: false``, as the ecs role used it)."""
    tags = {key: str(value) for key, value in (tags or {}).items()}
    if current is None:
        return "create", retention_days, tags
    retention = retention_days if retention_days and current.get("retentionInDays") != retention_days else None
    have = current.get("tags") or {}
    to_add = {key: value for key, value in tags.items() if have.get(key) != value}
    return ("update" if retention or to_add else None), retention, to_add


# --- Application Auto Scaling calls both ECS modules share -------------------------------------------


def _paginate(aas, operation, **kwargs):
    """Every page of ``operation``, retried with backoff: Application Auto Scaling's Describe calls have low
    rate limits, and a paginator bypasses the client's ``aws_retry``."""
    # Imported here: the filters import this file too, and need no botocore.
    from ansible_collections.amazon.aws.plugins.module_utils.retries import (  # pylint: disable=import-outside-toplevel
        AWSRetry,
    )

    return AWSRetry.jittered_backoff(retries=10)(
        lambda: aas.get_paginator(operation).paginate(**kwargs).build_full_result()
    )()


def read_scalable_targets(aas, cluster, names):
    """The scalable targets (ecs:service:DesiredCount) of the cluster's named services, by ResourceId:
    one DescribeScalableTargets per 50 services (its ResourceIds limit)."""
    ids = [scalable_resource_id(cluster, name) for name in names]
    found = {}
    for start in range(0, len(ids), 50):
        page = _paginate(
            aas,
            "describe_scalable_targets",
            ServiceNamespace="ecs",
            ResourceIds=ids[start : start + 50],
            ScalableDimension=SCALABLE_DIMENSION,
        )
        found.update((target["ResourceId"], target) for target in page.get("ScalableTargets", []))
    return found


def read_scaling_policies(aas, resource_id):
    """The scaling policies of one scalable target, by name."""
    policies = {}
    page = _paginate(
        aas,
        "describe_scaling_policies",
        ServiceNamespace="ecs",
        ResourceId=resource_id,
        ScalableDimension=SCALABLE_DIMENSION,
    )
    policies.update((policy["PolicyName"], policy) for policy in page.get("ScalingPolicies", []))
    return policies


def deregister_scalable_targets(aas, cluster, names, check_mode):
    """Deregister the scalable targets of the named services (AWS deletes a target's policies with it,
    but never the target when its ECS service is deleted: the target would outlive the service).
    Returns {service name: [its policies' names]} for each one registered (that would be, in check mode)."""
    if not names:
        return {}
    targets = read_scalable_targets(aas, cluster, names)
    gone = {}
    for name in names:
        resource_id = scalable_resource_id(cluster, name)
        if resource_id not in targets:
            continue
        gone[name] = sorted(read_scaling_policies(aas, resource_id))
        if not check_mode:
            aas.deregister_scalable_target(
                aws_retry=True, ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension=SCALABLE_DIMENSION
            )
    return gone


def autoscaling_plan(name, target_action, policy_actions):
    """Plan entries ({type, name, action}) of one service's scalable target and scaling policies."""
    planned = []
    if target_action:
        planned.append({"type": "AWS::ApplicationAutoScaling::ScalableTarget", "name": name, "action": target_action})
    planned += [
        {"type": "AWS::ApplicationAutoScaling::ScalingPolicy", "name": policy, "action": action}
        for policy, action in sorted(policy_actions.items())
    ]
    return planned
