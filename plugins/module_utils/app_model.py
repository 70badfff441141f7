# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The app model: every name derived from ``app_services``, in one place (pure Python, no boto3).

``resolve`` turns the app description (``app_services``, ``app_name``, ``ecr_repository_prefix``,
the region, the account and partition, the image tag, the ECS cluster) into one dict that the
roles, ``playbooks/images.yml``, the build environment (``ci/codebuild.py``'s ``APP_SERVICES``)
and the filters read. Nothing else derives a service's target group, repository, image URI, ECS
family and service, container, log group, build or rules: a rule changes here or nowhere.
"""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.ecr import image_uri as _image_uri
from ansible_collections.flask_react.aws.plugins.module_utils.ecr import registry as _registry

# runtimePlatform.cpuArchitecture -> docker's --platform (Fargate runs linux/amd64 unless told ARM64).
PLATFORMS = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}
# The course's layout: services/<name>/Dockerfile.prod.
DEFAULT_DOCKERFILE = "Dockerfile.prod"
# The build arguments the default service gets when its build.args are empty (#19): the load
# balancer's URL under both names a React app reads (Create React App's and Vite's).
API_URL_ARGS = ("REACT_APP_API_SERVICE_URL", "VITE_API_SERVICE_URL")


# Region prefix -> partition, for when neither the inventory nor STS named it; the first match wins.
PARTITIONS = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc"),
)


def partition_of(region):
    """The partition ``region`` belongs to (``aws`` unless its prefix says otherwise)."""
    for prefix, partition in PARTITIONS:
        if str(region or "").startswith(prefix):
            return partition
    return "aws"


# --- One function per derived name (validation.py and the filters import these).
def target_group_name(app_name, service_name):
    """The service's target group: ``<app_name>-<service>-tg`` (ELB's limit: 32 characters)."""
    return f"{app_name}-{service_name}-tg"


def repository_name(ecr_repository_prefix, service_name):
    """The service's ECR repository: ``<ecr_repository_prefix>-<service>``."""
    return f"{ecr_repository_prefix}-{service_name}"


def ecs_name(app_name, service_name):
    """The service's ECS service and task definition family: ``<app_name>-<service>``."""
    return f"{app_name}-{service_name}"


def scaling_policy_name(ecs_service, metric):
    """A target-tracking scaling policy of the ECS service ``<app_name>-<service>``: ``<ecs_service>-<metric>``,
    metric ``cpu`` (ECSServiceAverageCPUUtilization) or ``requests`` (ALBRequestCountPerTarget)."""
    return f"{ecs_service}-{metric}"


# The autoscaling key each policy's metric comes from.
SCALING_KEYS = {"cpu": "cpu_percent", "requests": "requests_per_target"}


def scaling_policy_names(ecs_service):
    """The service's scaling policy names by metric (``{cpu: ..., requests: ...}``)."""
    return {metric: scaling_policy_name(ecs_service, metric) for metric in SCALING_KEYS}


# The ECS services' log groups are /ecs/<family>.
LOG_GROUP_PREFIX = "/ecs/"


def log_group_name(app_name, service_name):
    """The service's CloudWatch log group: ``/ecs/<app_name>-<service>``."""
    return f"{LOG_GROUP_PREFIX}{ecs_name(app_name, service_name)}"


def generated_secret_name(app_name, service_name, variable):
    """The Secrets Manager secret of one of the service's ``generated_secrets``:
    ``<app_name>/<service>/<VARIABLE>`` (flask_react.aws.app_secrets finds the app's by their tags)."""
    return f"{app_name}/{service_name}/{variable}"


def generated_secrets_of(service, app_name):
    """The service's ``generated_secrets``, variable -> secret name, in the order given."""
    return {
        str(variable): generated_secret_name(app_name, service["name"], variable)
        for variable in service.get("generated_secrets") or []
    }


def cluster_name(app_name, cluster=""):
    """The ECS cluster: ``cluster`` when given, else ``<app_name>-cluster``."""
    return cluster or f"{app_name}-cluster"


# The alarms (role alarms): <app_name>-<kind> for the app's, <app_name>-<service>-<kind> per service. Each
# kind's suffix tells ours from another alarm named <app_name>-... (cloudwatch_alarms deletes only these).
SERVICE_ALARM_KINDS = ("unhealthy", "target-5xx")
APP_ALARM_KINDS = ("alb-5xx", "alb-response-time", "db-cpu", "db-free-storage", "db-connections")
ALARM_SUFFIXES = tuple(f"-{kind}" for kind in SERVICE_ALARM_KINDS + APP_ALARM_KINDS)


def alarm_name(app_name, kind, service_name=""):
    """An alarm: ``<app_name>-<kind>``, or ``<app_name>-<service>-<kind>`` for a service's."""
    return f"{app_name}-{service_name}-{kind}" if service_name else f"{app_name}-{kind}"


def service_alarm_names(app_name, service_name, alarms=False):
    """The service's target group alarms (unhealthy hosts, target 5xx), ``[]`` when alarms are off: what an
    ECS deployment watches to roll back."""
    return [alarm_name(app_name, kind, service_name) for kind in SERVICE_ALARM_KINDS] if alarms else []


def alarm_topic_name(app_name):
    """The SNS topic the alarms notify, when the collection makes it: ``<app_name>-alarms``."""
    return f"{app_name}-alarms"


def alarm_marker(app_name):
    """What ends the description of every alarm of the app, in brackets: tells ours from another app's alarm
    whose name starts alike (app ``shop`` and app ``shop-api``)."""
    return f"flask_react.aws {app_name}"


def alarm_topic_arn(app_name, region, account_id, partition="aws"):
    """The ARN of ``alarm_topic_name``'s topic, ``''`` while the account is not known."""
    return f"arn:{partition}:sns:{region}:{account_id}:{alarm_topic_name(app_name)}" if account_id else ""


def cpu_architecture(service):
    """``X86_64`` unless the service says ``ARM64`` (either case)."""
    return str(service.get("cpu_architecture") or "X86_64").upper()


def platform_of(service):
    """The docker platform Fargate runs the service's image on."""
    return PLATFORMS.get(cpu_architecture(service), "linux/amd64")


def build_of(service):
    """``{context, dockerfile, args}``: ``build.context`` (default ``services/<name>``, slashes at
    either end dropped), the Dockerfile's path from the source root (``<context>/<build.dockerfile>``,
    default ``Dockerfile.prod``), and ``build.args`` verbatim as strings (``{}`` when none)."""
    build = service.get("build") or {}
    context = str(build.get("context") or f"services/{service['name']}").strip("/") or "."
    dockerfile = str(build.get("dockerfile") or DEFAULT_DOCKERFILE).lstrip("/")
    return {
        "context": context,
        "dockerfile": f"{context}/{dockerfile}",
        "args": {str(key): str(value) for key, value in (build.get("args") or {}).items()},
    }


def default_build_args(api_url):
    """What the default service without build args is built with (``ci/codebuild.py`` has the same rule)."""
    return {"NODE_ENV": "production", **{name: api_url for name in API_URL_ARGS}}


def build_args(service, api_url=None):
    """The build arguments of one service (of the model or of ``app_services``): its own ``build.args``;
    the default service with none gets ``default_build_args(api_url)`` when an API URL is known."""
    args = {str(key): str(value) for key, value in ((service.get("build") or {}).get("args") or {}).items()}
    if args or not service.get("default") or api_url is None:
        return args
    return default_build_args(api_url)


def tests_of(service):
    """The service's ``test`` commands as a list of strings."""
    tests = service.get("test") or []
    return [tests] if isinstance(tests, str) else [str(command) for command in tests]


def _account(account_id):
    if isinstance(account_id, int) and not isinstance(account_id, bool):
        # YAML reads an unquoted account ID as a number and drops its leading zeros.
        return str(account_id).zfill(12)
    return str(account_id or "")


def _registry_of(account_id, region):
    """The registry host, ``''`` without an account; a bad account or region raises EcrNameError."""
    return _registry(account_id, region) if account_id else ""


def _image_of(repository, account_id, region, image_tag):
    """The image URI, ``''`` without an account; a bad part raises EcrNameError naming it."""
    return _image_uri(repository, account_id, region, image_tag) if account_id else ""


def resolve_service(service, app_name, ecr_repository_prefix, region="", account_id="", image_tag="prod", alarms=False):
    """The model of one ``app_services`` entry (see ``resolve``)."""
    name = service["name"]
    account_id = _account(account_id)
    repository = repository_name(ecr_repository_prefix, name)
    target_group = target_group_name(app_name, name)
    paths = list(service.get("paths") or [])
    return {
        "name": name,
        "default": bool(service.get("default", False)),
        "port": service.get("port"),
        "health_check_path": service.get("health_check_path", "/"),
        "paths": paths,
        "target_group": target_group,
        "repository": repository,
        "image_uri": _image_of(repository, account_id, region, image_tag),
        "family": ecs_name(app_name, name),
        "service": ecs_name(app_name, name),
        "container": name,
        "log_group": log_group_name(app_name, name),
        "build": build_of(service),
        "cpu_architecture": cpu_architecture(service),
        "platform": platform_of(service),
        "desired_count": int(service.get("desired_count", 1)),
        "database": bool(service.get("database", False)),
        "tests": tests_of(service),
        "generated_secrets": generated_secrets_of(service, app_name),
        "rules": [{"paths": paths, "target_group": target_group}] if paths else [],
        "alarms": service_alarm_names(app_name, name, alarms),
        # Only for a service that autoscales (its min, max and targets; its policies' names).
        **(
            {
                "autoscaling": dict(service["autoscaling"]),
                # The policies it asks for (cpu_percent: cpu, requests_per_target: requests).
                "scaling_policies": {
                    metric: policy
                    for metric, policy in scaling_policy_names(ecs_name(app_name, name)).items()
                    if service["autoscaling"].get(SCALING_KEYS[metric]) is not None
                },
            }
            if service.get("autoscaling")
            else {}
        ),
    }


def resolve(
    app_services,
    app_name,
    ecr_repository_prefix,
    region="",
    account_id="",
    partition="",
    image_tag="prod",
    cluster="",
    alarms=False,
):
    """The app model: the app's names and, per service in ``app_services``' order, every derived name.

    Returns ``{app_name, region, account_id, partition, registry, cluster, image_tag, default_service,
    services, by_name, target_groups, repositories, families, log_groups, rules, generated_secrets,
    repository_prefix, log_group_prefix, alarm_topic, alarm_topic_arn, alarm_prefix, alarm_suffixes, alarm_marker}``
    (``generated_secrets``: every service's generated secret names; ``repository_prefix``, ``log_group_prefix``:
    what every repository and log group name starts with;
    ``alarm_topic``, ``alarm_topic_arn`` (``''`` without the account): the SNS topic the alarms notify when
    the collection makes it; ``alarm_prefix``, ``alarm_suffixes``: what the name of every alarm of ours
    starts and ends with, ``alarm_marker`` what its description ends with; each service's ``alarms``: its
    target group's alarm names, ``[]`` unless ``alarms``); ``registry`` and
    each service's ``image_uri`` are ``''`` while the account is not known yet; ``partition`` empty
    is the region's (``aws-cn`` for ``cn-*``...). With an account, a bad account ID, region, repository
    name or tag raises ``EcrNameError`` naming the part and its rule.
    """
    account_id = _account(account_id)
    services = [
        resolve_service(service, app_name, ecr_repository_prefix, region, account_id, image_tag, alarms)
        for service in app_services or []
    ]
    defaults = [service["name"] for service in services if service["default"]]
    return {
        "app_name": app_name,
        "region": region,
        "account_id": account_id,
        "partition": partition or partition_of(region),
        "registry": _registry_of(account_id, region),
        "cluster": cluster_name(app_name, cluster),
        "image_tag": image_tag,
        "default_service": defaults[0] if defaults else "",
        "services": services,
        "by_name": {service["name"]: service for service in services},
        "target_groups": [service["target_group"] for service in services],
        "repositories": [service["repository"] for service in services],
        "families": [service["family"] for service in services],
        "log_groups": [service["log_group"] for service in services],
        "rules": [rule for service in services for rule in service["rules"]],
        "generated_secrets": [name for service in services for name in service["generated_secrets"].values()],
        "repository_prefix": repository_name(ecr_repository_prefix, ""),
        "log_group_prefix": LOG_GROUP_PREFIX,
        "alarm_topic": alarm_topic_name(app_name),
        "alarm_topic_arn": alarm_topic_arn(app_name, region, account_id, partition or partition_of(region)),
        "alarm_prefix": alarm_name(app_name, ""),
        "alarm_suffixes": list(ALARM_SUFFIXES),
        "alarm_marker": alarm_marker(app_name),
    }
