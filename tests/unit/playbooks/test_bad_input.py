"""Bad input fails site.yml before any AWS write, with a message naming the variable and the rule."""

from __future__ import annotations

import json

import pytest

from tests.unit.playbooks.conftest import writes

SEED = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {"name": "users", "port": 5000, "health_check_path": "/ping", "paths": ["/users*", "/ping"]},
]


def services(index, **changes):
    changed = [dict(service) for service in SEED]
    changed[index].update(changes)
    return changed


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"app_services": services(1, name="client")},
            "app_services[1].name: 'client' is used by more than one service",
        ),
        ({"app_services": services(1, default=True)}, "exactly one service must have 'default: true'"),
        (
            {"app_services": services(1, port=70000)},
            "app_services[1].port: port 70000 must be a whole number from 1 to 65535",
        ),
        (
            {"app_services": services(1, health_check_path="ping")},
            "app_services[1].health_check_path: 'ping' must start with '/'",
        ),
        (
            {"app_services": services(1, paths=["users*"])},
            "app_services[1].paths[0]: path pattern 'users*' must start with '/'",
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
            "app_services[1].paths[0]: path pattern '/a*b*c*d*e*f*' has 6 wildcards ('*' and '?'); AWS allows 5",
        ),
    ],
)
def test_bad_input_fails_before_any_write(playbook, extra, expected):
    run, calls = playbook("site.yml", "-e", json.dumps(extra))
    assert run.returncode != 0
    assert expected in run.stdout, run.stdout[-3000:]
    assert writes(calls) == []
