"""app_domain's rules (alb_errors, checked by the app role before any AWS call) and acm_dns_certificate's helpers."""

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.acm_dns import idempotency_token, in_zone, tags_match
from ansible_collections.flask_react.aws.plugins.module_utils.validation import alb_errors

BASE = {"aws_region": "us-west-1", "alb_listener_port": 80, "alb_https_port": 443}


def errors(**settings):
    return alb_errors(dict(BASE, **settings))


def test_no_domain_no_rule():
    assert errors(app_domain="", app_hosted_zone="whatever") == []


def test_a_domain_in_its_zone_is_good():
    assert errors(app_domain="shop.example.com", app_hosted_zone="example.com", app_domain_wait_timeout=60) == []
    assert errors(app_domain="example.com", app_hosted_zone="example.com.") == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"app_domain": "Shop.Example.com", "app_hosted_zone": "example.com"}, "app_domain: Shop.Example.com must be"),
        ({"app_domain": "shop.example.com"}, "app_hosted_zone: required with app_domain"),
        ({"app_domain": "shop.example.com", "app_hosted_zone": "example.org"}, "app_hosted_zone: example.org must be"),
        ({"app_domain": "shop.example.com", "app_hosted_zone": "ample.com"}, "app_hosted_zone: ample.com must be"),
        (
            {
                "app_domain": "shop.example.com",
                "app_hosted_zone": "example.com",
                "alb_certificate_arn": "arn:aws:acm:us-west-1:123456789012:certificate/0a",
            },
            "alb_certificate_arn: must be empty with app_domain",
        ),
        (
            {"app_domain": "shop.example.com", "app_hosted_zone": "example.com", "alb_domain_name": "x.example.com"},
            "alb_domain_name: must be empty or app_domain",
        ),
        (
            {"app_domain": "shop.example.com", "app_hosted_zone": "example.com", "alb_https_port": 80},
            "alb_https_port: 80 must be from 1 to 65535 and differ",
        ),
        (
            {"app_domain": "shop.example.com", "app_hosted_zone": "example.com", "app_domain_wait_timeout": -1},
            "app_domain_wait_timeout: -1 must be",
        ),
    ],
)
def test_each_broken_rule_names_its_variable(settings, message):
    found = errors(**settings)
    assert any(error.startswith(message) for error in found), found


def test_helpers():
    assert in_zone("shop.example.com.", "Example.com") and not in_zone("shop.badexample.com", "example.com")
    assert len(idempotency_token()) == 32 and idempotency_token().isalnum()
    assert idempotency_token() != idempotency_token()
    assert tags_match({"app": "x"}, [{"Key": "app", "Value": "x"}, {"Key": "o", "Value": "p"}])
    assert not tags_match({"app": "x"}, [{"Key": "app", "Value": "y"}])
