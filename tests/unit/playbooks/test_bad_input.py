"""Bad input fails site.yml before any AWS write, with a message naming the variable and the rule.

Every row of the table is checked at unit level, through the filters the roles' checks call
(no playbook); then one site.yml run per check that stops the run gets many rows broken at
once and must name each of them, with no write call reaching the emulator.
"""

from __future__ import annotations

import json

import pytest
from ansible_collections.flask_react.aws.plugins.filter.alb_errors import alb_errors
from ansible_collections.flask_react.aws.plugins.filter.app_errors import app_errors
from ansible_collections.flask_react.aws.plugins.filter.codebuild_errors import codebuild_errors

from tests.unit.playbooks.conftest import writes

# The parametrized unit rows need no emulator; the two playbook runs are independent. (The build
# project's rows were test_codebuild_bad_input.py's, one site.yml run each.)
pytestmark = pytest.mark.spread

SEED = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {"name": "users", "port": 5000, "health_check_path": "/ping", "paths": ["/users*", "/ping"]},
]

# The local inventory's app and the alb role's defaults, as site.yml checks them.
APP = {
    "app_name": "flask-react",
    "aws_region": "us-west-1",
    "ecr_repository_prefix": "test-driven",
    "app_services": SEED,
}
ALB = {
    "alb_http_cidrs": ["0.0.0.0/0"],
    "alb_ssh_cidrs": [],
    "alb_listener_port": 80,
    "alb_https_port": 443,
    "alb_certificate_arn": "",
    "alb_domain_name": "",
    "alb_subnet_ids": [],
    "alb_active_timeout": 600,
    "alb_security_group_delete_timeout": 900,
}
# The local inventory's repository and the codebuild role's defaults.
CODEBUILD = {
    "codebuild_source_location": "https://github.com/example/flask-react.git",
    "codebuild_webhook_branch": "main",
    "codebuild_iam_propagation_timeout": 120,
    "codebuild_dockerhub_secret_arn": "",
    "codebuild_buildspec": "inline",
}
HTTPS_ONLY = "must be the repository's HTTPS clone URL, https://github.com/<owner>/<repo>[.git]"


def services(index, **changes):
    changed = [dict(service) for service in SEED]
    changed[index].update(changes)
    return changed


TABLE = [
    (
        {"app_services": services(1, name="client")},
        "app_services[1].name: 'client' is used by more than one service",
    ),
    ({"app_services": services(1, default=True)}, "exactly one service must have 'default: true'"),
    (
        {"app_services": services(1, port=70000)},
        "app_services[users].port: port 70000 must be a whole number from 1 to 65535",
    ),
    (
        {"app_services": services(1, health_check_path="ping")},
        "app_services[users].health_check_path: 'ping' must start with '/'",
    ),
    (
        {"app_services": services(1, paths=["users*"])},
        "app_services[users].paths[0]: path pattern 'users*' must start with '/'",
    ),
    ({"app_name": "Flask_React"}, "app_name: 'Flask_React'"),
    ({"aws_region": "mars-north-1x"}, "aws_region: 'mars-north-1x'"),
    ({"alb_ssh_cidrs": ["10.0.0.1/8"]}, "alb_ssh_cidrs[0]: '10.0.0.1/8' is not a CIDR block"),
    ({"alb_listener_port": 0}, "alb_listener_port: 0 must be from 1 to 65535"),
    (
        {"alb_certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b"},
        "alb_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/0a1b must be the ARN of an ACM"
        " certificate in us-west-1",
    ),
    (
        {"alb_certificate_arn": "arn:aws:acm:us-west-1:123456789012:certificate/0a1b", "alb_https_port": 80},
        "alb_https_port: 80 must be from 1 to 65535 and differ from alb_listener_port",
    ),
    ({"alb_domain_name": "App.Example.com"}, "alb_domain_name: App.Example.com must be a lower-case DNS name"),
    # Issue 14 items 10, 12 and 13.
    ({"aws_region": "us-west-9"}, "aws_region: 'us-west-9' is not a region AWS has"),
    ({"app_name": "a-very-long-application-name"}, "app_name: 'a-very-long-application-name' is 28 characters"),
    ({"alb_name": "my_alb"}, "alb_name: 'my_alb' must be 1 to 32 letters, digits and hyphens"),
    ({"alb_subnet_ids": ["subnet-x"]}, "alb_subnet_ids[0]: 'subnet-x' is not a subnet ID"),
    (
        {"app_services": services(1, paths=["/a*b*c*d*e*f*"])},
        "app_services[users].paths[0]: path pattern '/a*b*c*d*e*f*' has 6 wildcards ('*' and '?'); AWS allows 5",
    ),
    # Issue 19: CodeBuild takes the HTTPS clone URL; the Docker Hub secret's ARN; the buildspec's source.
    (
        {"codebuild_source_location": "git@github.com:you/flask-react.git"},
        f"codebuild_source_location: 'git@github.com:you/flask-react.git' {HTTPS_ONLY}: CodeBuild takes the HTTPS",
    ),
    (
        {"codebuild_source_location": "ssh://git@github.com/you/flask-react.git"},
        f"codebuild_source_location: 'ssh://git@github.com/you/flask-react.git' {HTTPS_ONLY}",
    ),
    (
        {"codebuild_source_location": "https://github.com/you"},
        f"codebuild_source_location: 'https://github.com/you' {HTTPS_ONLY}",
    ),
    ({"codebuild_source_location": ""}, "codebuild_source_location is required: the repository's HTTPS clone URL"),
    (
        {"codebuild_dockerhub_secret_arn": "dockerhub"},
        "codebuild_dockerhub_secret_arn: 'dockerhub' must be the ARN of a Secrets Manager secret",
    ),
    (
        {"codebuild_dockerhub_secret_arn": "arn:aws:ssm:us-west-1:123456789012:parameter/dockerhub"},
        "must be the ARN of a Secrets Manager secret",
    ),
    ({"codebuild_buildspec": "s3"}, "codebuild_buildspec: 's3' must be inline"),
    ({"codebuild_webhook_branch": "refs/heads/main"}, "codebuild_webhook_branch is a branch name such as main"),
    ({"codebuild_iam_propagation_timeout": -1}, "codebuild_iam_propagation_timeout a number of seconds (0 or more)"),
]


def errors(extra):
    """What the app role's and the alb role's checks say of the local inventory changed by ``extra``."""
    app = dict(APP, **{key: value for key, value in extra.items() if key in APP})
    found = app_errors(
        app["app_services"],
        app_name=app["app_name"],
        aws_region=app["aws_region"],
        ecr_repository_prefix=app["ecr_repository_prefix"],
        ecs_enabled=True,
    )
    alb = dict(ALB, aws_region=app["aws_region"])
    alb.update({key: value for key, value in extra.items() if key.startswith("alb_")})
    codebuild = dict(CODEBUILD, **{key: value for key, value in extra.items() if key.startswith("codebuild_")})
    return found + alb_errors(alb) + codebuild_errors(codebuild)


@pytest.mark.parametrize(("extra", "expected"), TABLE)
def test_each_bad_input_is_named_with_its_rule(extra, expected):
    assert any(expected in message for message in errors(extra)), errors(extra)


def test_the_inventory_itself_passes_the_checks():
    assert errors({}) == []


@pytest.mark.parametrize("location", ["https://github.com/you/flask-react", "https://github.com/a-b/c_d.e.git"])
def test_https_clone_urls_pass_the_check(location):
    assert errors({"codebuild_source_location": location}) == []


def merged(rows):
    """One input breaking every row given (they change different variables or fields)."""
    extra = {}
    for row_extra, _expected in rows:
        for key, value in row_extra.items():
            if key == "app_services":
                base = extra.get("app_services", SEED)
                value = [
                    dict(old, **{field: new[field] for field in new if new[field] != seed.get(field)})
                    for old, new, seed in zip(base, value, SEED, strict=True)
                ]
            extra[key] = value
    return extra


# Rows the app role's check names together (the description and the region), and rows the
# settings check names together (the load balancer's, the build project's): each check stops the
# run, so one run per check.
APP_ROWS = [TABLE[2], TABLE[3], TABLE[4], TABLE[5], TABLE[6]]
ALB_ROWS = [TABLE[7], TABLE[8], TABLE[9], TABLE[11], TABLE[14], TABLE[15], TABLE[17], TABLE[21], TABLE[23], TABLE[24]]


# The run lock's settings are checked by the app role's assert itself (no filter): broken in the
# load balancer's run, they are named with its rows.
# The roles' argument specs (types, choices) are checked in the same message, for every role at once
# (lookup role_argument_errors; its own table is tests/unit/plugins/lookup).
LOCK_EXTRA = {
    "app_lock_name": "aws/flask-react/lock",
    "app_lock_ttl": 0,
    "ecr_scan_on_push": "sometimes",
    "rds_storage_type": "floppy",
}
LOCK_EXPECTED = [
    "app_lock_name: aws/flask-react/lock must be an SSM parameter name",
    "app_lock_ttl: 0 must be at least 1 second",
    "ecr role: argument 'ecr_scan_on_push' is of type str and we were unable to convert to bool",
    "rds role: value of rds_storage_type must be one of: gp2, gp3, io1, io2, standard, got: floppy",
]

# An ECS service's size and environment (was test_ecs.py's run of its own), broken on the first service in the
# app description's run; the IAM user's settings (was test_iam_user.py's run of its own), in the load balancer's.
ECS_EXTRA = {"memory": 3, "environment": {"1X": "a"}}
ECS_EXPECTED = [
    "app_services[client].memory must be a Fargate size for cpu 256: 512..2048 MiB",
    "app_services[client].environment: '1X' is not a valid environment variable name",
]
IAM_EXTRA = {"iam_user_credentials_profile": "my profile", "iam_user_password_length": 200}
IAM_EXPECTED = [
    "iam_user_credentials_profile: my profile must be 1 to 128 letters",
    "iam_user_password_length: 200 must be from 6 to 128",
]


def flat(text):
    return " ".join(text.split())


@pytest.mark.parametrize("rows", [APP_ROWS, ALB_ROWS], ids=["app description", "load balancer"])
def test_bad_input_fails_before_any_write_naming_every_broken_rule(playbook, rows):
    extra = merged(rows)
    for _extra, expected in rows:
        assert any(expected in message for message in errors(extra)), (expected, errors(extra))
    lock = rows is ALB_ROWS
    if lock:
        extra = dict(extra, **LOCK_EXTRA, **IAM_EXTRA)
    else:
        extra = dict(extra, app_services=[dict(extra["app_services"][0], **ECS_EXTRA), *extra["app_services"][1:]])
    run, calls = playbook("site.yml", "-e", json.dumps(extra))
    assert run.returncode != 0
    shown = flat(run.stdout)
    for expected in [expected for _extra, expected in rows] + (LOCK_EXPECTED + IAM_EXPECTED if lock else ECS_EXPECTED):
        assert flat(expected) in shown, (expected, run.stdout[-3000:])
    assert writes(calls) == []
