# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input rules shared by the filters and modules: one place for each AWS naming rule.

Every function returns a list of messages (empty when the input is good), each
naming the variable and the rule it broke, so callers can report all at once.
"""

from __future__ import annotations

import functools
import ipaddress
import re

from ansible_collections.flask_react.aws.plugins.module_utils.app_model import target_group_name
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import DATABASE_VARIABLES, ecs_service_errors

# ALB path patterns: case-sensitive, up to 128 characters of A-Z a-z 0-9 _ - . $ / ~ " ' @ : + & * ?
PATH_PATTERN = re.compile(r"^[A-Za-z0-9_\-.$/~\"'@:+&*?]+$")
PATH_PATTERN_MAX = 128
# A listener rule takes at most five wildcards ('*' and '?') across its values.
MAX_WILDCARDS_PER_RULE = 5
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
ECR_PREFIX = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
# Target group and load balancer names: at most 32 characters (ELBv2 API).
ELB_NAME_MAX = 32
ELB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?[.])+[a-z]{2,63}$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
# A generated secret's variable: upper case, as environment variables are by convention (it is also
# the last part of its secret's name, <app_name>/<service>/<VARIABLE>).
GENERATED_SECRET = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# The longest names derived from app_name across the roles, with AWS's limit for each: the
# shortest room left is app_name's maximum. (ECS names are <app_name>-<service> etc., 255.)
DERIVED_NAMES = (
    ("{}-alb", 32, "the load balancer"),
    ("{}-build-role", 64, "the CodeBuild service role"),
    ("{}-admins", 128, "the IAM group"),
    ("{}-admin", 64, "the IAM user"),
    ("{}-db", 63, "the RDS instance identifier"),
    ("{}-db-subnet-group", 255, "the DB subnet group"),
    ("{}-build", 255, "the CodeBuild project"),
    ("{}-db-security-group", 255, "the DB security group"),
    ("{}-security-group", 255, "the security group"),
    ("{}-cluster", 255, "the ECS cluster"),
)


def app_name_max(service_names=()):
    """(the longest app_name every derived name fits, that name, what it names).

    Target groups, ``<app_name>-<service>-tg`` (32), count with the shortest of ``service_names``.
    """
    candidates = [
        (limit - len(pattern.format("")), pattern.format("<app_name>"), what) for pattern, limit, what in DERIVED_NAMES
    ]
    names = [name for name in service_names if isinstance(name, str) and name]
    if names:
        shortest = min(names, key=len)
        candidates.append(
            (
                ELB_NAME_MAX - len(target_group_name("", shortest)),
                target_group_name("<app_name>", shortest),
                f"service {shortest!r}'s target group",
            )
        )
    return min(candidates)


@functools.lru_cache(maxsize=1)
def known_regions():
    """Every region botocore knows, in every partition, from its bundled endpoint data (no network).

    Read once a process: a run's checks template the region's rule several times, and a botocore
    session costs about half a second (its endpoint file alone, a tenth of that).
    """
    # Imported here, not at the top: only a region check needs it.
    import botocore.loaders  # pylint: disable=import-outside-toplevel

    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    return frozenset(region for partition in endpoints["partitions"] for region in partition["regions"])


def wildcards(path):
    """How many of AWS's wildcards (``*`` and ``?``) ``path`` holds."""
    return path.count("*") + path.count("?")


def path_pattern_errors(where, pattern):
    """Why ``pattern`` is not a path pattern AWS accepts (``where`` names it in the message)."""
    if not isinstance(pattern, str) or not pattern:
        return [f"{where}: a path pattern must be a non-empty string, got {pattern!r}"]
    errors = []
    if not pattern.startswith("/"):
        errors.append(f"{where}: path pattern {pattern!r} must start with '/'")
    if len(pattern) > PATH_PATTERN_MAX:
        errors.append(f"{where}: path pattern {pattern[:20]!r}... is longer than {PATH_PATTERN_MAX} characters")
    if not PATH_PATTERN.match(pattern):
        errors.append(
            f"{where}: path pattern {pattern!r} has a character AWS does not allow "
            "(allowed: A-Z a-z 0-9 _ - . $ / ~ \" ' @ : + & * ?)"
        )
    if wildcards(pattern) > MAX_WILDCARDS_PER_RULE:
        errors.append(
            f"{where}: path pattern {pattern!r} has {wildcards(pattern)} wildcards ('*' and '?'); "
            f"AWS allows {MAX_WILDCARDS_PER_RULE} per rule"
        )
    return errors


def routed_paths_errors(where, paths, seen, owner):
    """Why ``paths`` of one route cannot be routed; ``seen`` (path -> owner) catches a path routed twice.

    ``owner`` names this route in later messages, for example ``"service 'users'"``.
    """
    errors = []
    for index, path in enumerate(paths):
        errors += path_pattern_errors(f"{where}.paths[{index}]", path)
        if path in seen:
            errors.append(f"{where}.paths[{index}]: {path!r} is already routed by {seen[path]}; a path routes once")
        else:
            seen[path] = owner
    return errors


def cidr_errors(where, cidrs):
    """Why an entry of ``cidrs`` is not an IPv4 or IPv6 network in CIDR notation."""
    errors = []
    for index, cidr in enumerate(cidrs or []):
        try:
            ipaddress.ip_network(str(cidr), strict=True)
            if "/" not in str(cidr):
                raise ValueError("no prefix length")
        except ValueError as exc:
            errors.append(f"{where}[{index}]: {cidr!r} is not a CIDR block like 203.0.113.0/24 ({exc})")
    return errors


def port_errors(where, port):
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        return [f"{where}: port {port!r} must be a whole number from 1 to 65535"]
    return []


def _port(value):
    """``value`` as an int when it is one (Ansible passes ints from -e as strings), else None."""
    try:
        return None if isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def elb_name_errors(where, name):
    """Why ``name`` is not a load balancer or target group name (ELBv2 CreateLoadBalancer)."""
    if not isinstance(name, str) or not ELB_NAME.match(name) or len(name) > ELB_NAME_MAX:
        return [
            f"{where}: {name!r} must be 1 to {ELB_NAME_MAX} letters, digits and hyphens, "
            "not starting or ending with a hyphen"
        ]
    if name.startswith("internal-"):
        return [f"{where}: {name!r} must not start with 'internal-'"]
    return []


def alb_errors(settings):
    """Every rule the alb role's settings break; ``settings`` maps each variable's name to its value."""
    errors = []
    for variable in ("alb_http_cidrs", "alb_ssh_cidrs"):
        errors += cidr_errors(variable, settings.get(variable))
    listener_port, https_port = _port(settings.get("alb_listener_port")), _port(settings.get("alb_https_port"))
    if listener_port is None or not 1 <= listener_port <= 65535:
        errors.append(f"alb_listener_port: {settings.get('alb_listener_port')} must be from 1 to 65535")
    certificate, region = settings.get("alb_certificate_arn") or "", settings.get("aws_region")
    in_region = re.escape(region) if region else "[a-z0-9-]+"
    pattern = rf"^arn:aws[a-z-]*:acm:{in_region}:[0-9]{{12}}:certificate/[0-9a-f-]+$"
    if certificate and not re.match(pattern, certificate):
        errors.append(
            f"alb_certificate_arn: {certificate} must be the ARN of an ACM certificate in {region or 'aws_region'} "
            f"(arn:aws:acm:{region or '<region>'}:<account>:certificate/<id>)"
        )
    app_domain = settings.get("app_domain") or ""
    if (certificate or app_domain) and (
        https_port is None or not 1 <= https_port <= 65535 or https_port == listener_port
    ):
        errors.append(
            f"alb_https_port: {settings.get('alb_https_port')} must be from 1 to 65535 "
            "and differ from alb_listener_port"
        )
    domain = settings.get("alb_domain_name") or ""
    if domain and not DOMAIN.match(domain):
        errors.append(f"alb_domain_name: {domain} must be a lower-case DNS name such as app.example.com")
    errors += domain_errors(settings)
    if "alb_name" in settings:
        errors += elb_name_errors("alb_name", settings["alb_name"])
    group = settings.get("alb_security_group_name")
    if group is not None and (not isinstance(group, str) or not 1 <= len(group) <= 255 or group.startswith("sg-")):
        errors.append(f"alb_security_group_name: {group!r} must be 1 to 255 characters, not starting with 'sg-'")
    for index, subnet in enumerate(settings.get("alb_subnet_ids") or []):
        if not isinstance(subnet, str) or not SUBNET_ID.match(subnet):
            errors.append(f"alb_subnet_ids[{index}]: {subnet!r} is not a subnet ID like subnet-0123456789abcdef0")
    for variable in ("alb_active_timeout", "alb_security_group_delete_timeout"):
        if variable in settings and (_port(settings[variable]) is None or _port(settings[variable]) < 0):
            errors.append(f"{variable}: {settings[variable]!r} must be a whole number of seconds, 0 or more")
    return errors


def generated_secrets_errors(where, service):
    """Why the service's ``generated_secrets`` cannot be generated: each an upper-case variable name, once,
    not also one of its ``environment`` or ``secrets`` (nor the database's)."""
    names = service.get("generated_secrets")
    if names is None:
        return []
    if not isinstance(names, list):
        return [f"{where}.generated_secrets: must be a list of environment variable names like SECRET_KEY"]
    given = set()
    for key in ("environment", "secrets"):
        given |= {name for name in service.get(key) or {} if isinstance(service.get(key), dict)}
    errors = []
    for index, name in enumerate(names):
        if not isinstance(name, str) or not GENERATED_SECRET.match(name):
            errors.append(
                f"{where}.generated_secrets[{index}]: {name!r} must be an environment variable name of "
                "upper-case letters, digits and _ (not starting with a digit), like SECRET_KEY"
            )
        elif names.count(name) > 1:
            errors.append(
                f"{where}.generated_secrets[{index}]: {name} is listed more than once; a name is generated once"
            )
        elif name in given:
            errors.append(
                f"{where}.generated_secrets[{index}]: {name} is also in the service's environment or secrets; "
                "a variable has one value"
            )
        elif name in DATABASE_VARIABLES:
            errors.append(f"{where}.generated_secrets[{index}]: {name} is set by 'database: true'; choose another name")
    return errors


def domain_errors(settings):
    """The rules of app_domain (a certificate and alias record made here) and what goes with it."""
    domain, zone = settings.get("app_domain") or "", settings.get("app_hosted_zone") or ""
    if not domain:
        return []
    errors = []
    if not isinstance(domain, str) or not DOMAIN.match(domain):
        errors.append(f"app_domain: {domain} must be a lower-case DNS name such as shop.example.com")
    if not zone:
        errors.append(
            "app_hosted_zone: required with app_domain: the public Route 53 hosted zone it is in, such as example.com"
        )
    elif not isinstance(zone, str) or not DOMAIN.match(zone.rstrip(".")):
        errors.append(f"app_hosted_zone: {zone} must be a lower-case DNS name such as example.com")
    elif isinstance(domain, str) and domain != zone.rstrip(".") and not domain.endswith("." + zone.rstrip(".")):
        errors.append(f"app_hosted_zone: {zone} must be app_domain ({domain}) or a name it ends with")
    if settings.get("alb_certificate_arn"):
        errors.append("alb_certificate_arn: must be empty with app_domain, whose certificate the alb role requests")
    if settings.get("alb_domain_name") and settings.get("alb_domain_name") != domain:
        errors.append(f"alb_domain_name: must be empty or app_domain ({domain}) when app_domain is set")
    if settings.get("app_domain_state", "present") not in ("present", "absent"):
        errors.append(f"app_domain_state: {settings.get('app_domain_state')!r} must be present or absent")
    timeout = _port(settings.get("app_domain_wait_timeout", 0))
    if timeout is None or timeout < 0:
        errors.append(
            f"app_domain_wait_timeout: {settings.get('app_domain_wait_timeout')!r} "
            "must be a whole number of seconds, 0 or more"
        )
    return errors


def _service_names(app_services):
    return [service.get("name") for service in app_services or [] if isinstance(service, dict)]


def service_where(index, service, app_services):
    """How a message names the ``index``-th of ``app_services``: by its name, ``app_services[users]``.

    A valid service name starts with a letter, so it never reads as a position. A name that is
    missing, invalid or used twice cannot tell the service apart; its position does, ``app_services[1]``.
    """
    name = service.get("name") if isinstance(service, dict) else None
    if isinstance(name, str) and NAME.match(name) and _service_names(app_services).count(name) == 1:
        return f"app_services[{name}]"
    return f"app_services[{index}]"


def app_errors(app_name, app_services, aws_region, ecr_repository_prefix):
    """Every rule the shared app description breaks, as messages naming the variable."""
    errors = []
    if not isinstance(app_name, str) or not NAME.match(app_name):
        errors.append(
            f"app_name: {app_name!r} must be lowercase letters, digits and single hyphens, starting with a letter"
        )
    elif len(app_name) > app_name_max(_service_names(app_services))[0]:
        longest, derived, what = app_name_max(_service_names(app_services))
        errors.append(
            f"app_name: {app_name!r} is {len(app_name)} characters; at most {longest}, so that {what}'s name "
            f"{derived} fits AWS's limit"
        )
    if not isinstance(aws_region, str) or not REGION.match(aws_region):
        errors.append(f"aws_region: {aws_region!r} is not an AWS region name like 'us-west-1'")
    elif aws_region not in known_regions():
        errors.append(f"aws_region: {aws_region!r} is not a region AWS has (botocore's list of every partition)")
    if not isinstance(ecr_repository_prefix, str) or not ECR_PREFIX.match(ecr_repository_prefix):
        errors.append(
            f"ecr_repository_prefix: {ecr_repository_prefix!r} must be lowercase letters and digits "
            "separated by '.', '_', '-' or '/'"
        )
    if not isinstance(app_services, list) or not app_services:
        return errors + ["app_services: must be a non-empty list of services"]
    names = _service_names(app_services)
    seen_paths = {}
    for index, service in enumerate(app_services):
        where = service_where(index, service, app_services)
        if not isinstance(service, dict):
            errors.append(f"{where}: must be a mapping with name, port, health_check_path")
            continue
        name = service.get("name")
        if name is None:
            errors.append(f"{where}.name: missing; every service needs a name (lowercase letters, digits, hyphens)")
        elif not isinstance(name, str) or not NAME.match(name):
            errors.append(f"{where}.name: {name!r} must be lowercase letters, digits and single hyphens")
        elif names.count(name) > 1:
            errors.append(f"{where}.name: {name!r} is used by more than one service; names must be unique")
        elif (
            isinstance(app_name, str)
            and len(target_group_name(app_name, name)) > ELB_NAME_MAX
            and len(app_name) <= app_name_max(_service_names(app_services))[0]
        ):
            room = ELB_NAME_MAX - len(target_group_name(app_name, ""))
            errors.append(
                f"{where}.name: target group name '{target_group_name(app_name, name)}' is longer than "
                f"{ELB_NAME_MAX} characters; with this app_name a service name takes at most {max(0, room)}"
            )
        errors += port_errors(f"{where}.port", service.get("port"))
        health = service.get("health_check_path", "/")
        if not isinstance(health, str) or not health.startswith("/"):
            errors.append(f"{where}.health_check_path: {health!r} must start with '/'")
        errors += ecs_service_errors(where, service)
        errors += generated_secrets_errors(where, service)
        paths = service.get("paths") or []
        if not isinstance(paths, list):
            errors.append(f"{where}.paths: must be a list of path patterns")
            continue
        errors += routed_paths_errors(where, paths, seen_paths, f"service {name!r}")
    defaults = [service.get("name") for service in app_services if isinstance(service, dict) and service.get("default")]
    if len(defaults) != 1:
        errors.append(
            "app_services: exactly one service must have 'default: true' "
            f"(the listener's default action); found {len(defaults)}"
        )
    return errors


# --- Alarms (role alarms): an email SNS takes, an SNS topic ARN (CloudWatch cannot notify a FIFO topic).
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z]{2,4}(-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}$")
ALARM_STATISTIC = re.compile(r"^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d{1,2})?)$")


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def alarms_errors(settings):
    """Every rule the alarms' settings break; ``settings`` maps each variable's name to its value
    (``app_alarm_email``, ``app_alarm_topic_arn`` and the alarms role's ``alarms_*``)."""
    errors = []
    email, topic = settings.get("app_alarm_email") or "", settings.get("app_alarm_topic_arn") or ""
    if email and not EMAIL.match(str(email)):
        errors.append(f"app_alarm_email: {email!r} must be an email address such as ops@example.com")
    if topic and not SNS_TOPIC_ARN.match(str(topic)):
        errors.append(
            f"app_alarm_topic_arn: {topic!r} must be the ARN of a standard SNS topic "
            "(arn:aws:sns:<region>:<account>:<name>; CloudWatch cannot notify a FIFO topic)"
        )
    if email and topic:
        errors.append("app_alarm_email, app_alarm_topic_arn: set one (our topic mailing you, or your topic), not both")
    if "alarms_period" in settings:
        period = _port(settings["alarms_period"])
        if period is None or (period not in (10, 20, 30) and (period < 60 or period % 60)):
            errors.append(
                f"alarms_period: {settings['alarms_period']!r} must be 10, 20, 30 or a multiple of 60 seconds"
            )
    evaluation = _port(settings.get("alarms_evaluation_periods"))
    if "alarms_evaluation_periods" in settings and (evaluation is None or evaluation < 1):
        errors.append(f"alarms_evaluation_periods: {settings['alarms_evaluation_periods']!r} must be 1 or more")
    datapoints = _port(settings.get("alarms_datapoints_to_alarm"))
    if "alarms_datapoints_to_alarm" in settings and (datapoints is None or not 1 <= datapoints <= (evaluation or 1)):
        errors.append(
            f"alarms_datapoints_to_alarm: {settings['alarms_datapoints_to_alarm']!r} must be from 1 to "
            "alarms_evaluation_periods"
        )
    statistic = settings.get("alarms_response_time_statistic")
    if statistic is not None and not ALARM_STATISTIC.match(str(statistic)):
        errors.append(
            f"alarms_response_time_statistic: {statistic!r} must be Average, Maximum... or a percentile such as p95"
        )
    for variable in sorted(settings):
        if variable.startswith("alarms_") and variable.endswith("_threshold"):
            value = _number(settings[variable])
            if value is None or value < 0:
                errors.append(f"{variable}: {settings[variable]!r} must be a number, 0 or more")
    return errors


GITHUB_HTTPS_URL = re.compile(r"^https://github[.]com/[A-Za-z0-9-]+/[A-Za-z0-9_.-]+$")
SECRET_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:secretsmanager:[a-z]{2}(-[a-z]+)+-[0-9]:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+$"
)


def codebuild_errors(settings):
    """Every rule the codebuild role's settings break (when it makes the project): the repository,
    branch, role propagation budget, Docker Hub secret and where the build logic comes from.
    ``settings`` maps each ``codebuild_*`` variable's name to its value."""
    errors = []
    location = settings.get("codebuild_source_location") or ""
    if not location:
        errors.append(
            "codebuild_source_location is required: the repository's HTTPS clone URL, e.g. "
            "codebuild_source_location: https://github.com/you/flask-react.git"
        )
    elif not GITHUB_HTTPS_URL.match(str(location)):
        errors.append(
            f"codebuild_source_location: '{location}' must be the repository's HTTPS clone URL, "
            "https://github.com/<owner>/<repo>[.git]: CodeBuild takes the HTTPS clone URL (not git@... or ssh://...)."
        )
    branch, budget = settings.get("codebuild_webhook_branch"), _port(settings.get("codebuild_iam_propagation_timeout"))
    if not isinstance(branch, str) or branch.startswith("refs/") or budget is None or budget < 0:
        errors.append(
            "codebuild_webhook_branch is a branch name such as main (not refs/heads/main; '' builds every branch), "
            "and codebuild_iam_propagation_timeout a number of seconds (0 or more)."
        )
    secret = settings.get("codebuild_dockerhub_secret_arn") or ""
    if secret and not SECRET_ARN.match(str(secret)):
        errors.append(
            f"codebuild_dockerhub_secret_arn: '{secret}' must be the ARN of a Secrets Manager secret, "
            "arn:<partition>:secretsmanager:<region>:<account>:secret:<name>[-<6 characters>] "
            "(or '' for no Docker Hub login)."
        )
    if settings.get("codebuild_buildspec") not in ("inline", "repository"):
        errors.append(
            f"codebuild_buildspec: '{settings.get('codebuild_buildspec')}' must be inline (the project carries the "
            "collection's build logic) or repository (the repository's own buildspec.yml)."
        )
    return errors
