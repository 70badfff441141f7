"""HTTPS on the load balancer: an ACM certificate turns HTTP into a redirect, and back again.

One emulator for the module; the tests run in order: plain HTTP (the course), then with a
certificate, then a no-op run, then without it again.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.posture import audit

from .conftest import recap, run_playbook, writes

DOMAIN = "app.example.com"


@pytest.fixture(scope="module")
def aws(recording_emulator: Any) -> Any:
    port = recording_emulator[0]
    return lambda service: emulator_client(port, service)


@pytest.fixture(scope="module")
def certificate(aws: Any) -> str:
    return aws("acm").request_certificate(DomainName=DOMAIN, ValidationMethod="DNS")["CertificateArn"]


def listeners(aws: Any) -> dict[int, dict[str, Any]]:
    elbv2 = aws("elbv2")
    (balancer,) = elbv2.describe_load_balancers(Names=["flask-react-alb"])["LoadBalancers"]
    found = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    for listener in found:
        rules = elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
        listener["paths"] = sorted(
            value
            for rule in rules
            if not rule["IsDefault"]
            for condition in rule["Conditions"]
            for value in condition.get("PathPatternConfig", {}).get("Values", [])
        )
    return {listener["Port"]: listener for listener in found}


def api_url(aws: Any) -> str:
    (project,) = aws("codebuild").batch_get_projects(names=["flask-react-build"])["projects"]
    variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    return variables["REACT_APP_API_SERVICE_URL"]


USERS_PATHS = sorted(["/users*", "/ping", "/auth*", "/doc", "/swagger*"])


def test_plain_http_first_as_the_course_does(converge, aws):
    converge()
    found = listeners(aws)
    assert set(found) == {80}
    assert found[80]["paths"] == USERS_PATHS
    assert api_url(aws).startswith("http://flask-react-alb")


def test_a_certificate_moves_the_rules_to_https_and_http_redirects(converge, aws, certificate):
    converge(alb_certificate_arn=certificate, alb_domain_name=DOMAIN)
    found = listeners(aws)
    assert set(found) == {80, 443}
    https, http = found[443], found[80]
    assert https["Protocol"] == "HTTPS"
    assert https["Certificates"] == [{"CertificateArn": certificate}]
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["DefaultActions"][0]["Type"] == "forward"
    assert https["paths"] == USERS_PATHS
    (redirect,) = http["DefaultActions"]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    assert redirect["RedirectConfig"]["Port"] == "443"
    assert redirect["RedirectConfig"]["StatusCode"] == "HTTP_301"
    assert http["paths"] == [], "rules left on HTTP would serve those paths unencrypted"
    assert api_url(aws) == f"https://{DOMAIN}"


def test_security_group_opens_https_too(aws):
    (group,) = aws("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["flask-react-security-group"]}]
    )["SecurityGroups"]
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [80, 443]


def test_https_run_again_changes_nothing_and_passes_the_https_rule(converge, aws, certificate):
    run, calls, state = converge(alb_certificate_arn=certificate, alb_domain_name=DOMAIN)
    assert recap(run.stdout)["changed"] == 0, run.stdout[-3000:]
    assert writes(calls) == []
    outputs = json.loads((state / ".outputs" / "local.json").read_text())
    assert outputs["load_balancer"]["url"] == f"https://{DOMAIN}"
    assert "CKV_AWS_2" not in audit(aws, outputs)


def test_dropping_the_certificate_goes_back_to_plain_http(converge, aws):
    converge()
    found = listeners(aws)
    assert set(found) == {80}
    assert found[80]["DefaultActions"][0]["Type"] == "forward"
    assert found[80]["paths"] == USERS_PATHS
    assert api_url(aws).startswith("http://flask-react-alb")


def test_teardown_leaves_nothing_even_after_the_certificate_left_the_inventory(
    converge, recording_emulator, aws, certificate
):
    state = converge(alb_certificate_arn=certificate, alb_domain_name=DOMAIN)[2]
    # The rules are on the HTTPS listener; teardown's settings no longer say so.
    run = run_playbook(*recording_emulator, state, "teardown.yml")[0]
    assert run.returncode == 0, run.stdout[-3000:]
    assert aws("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert aws("elbv2").describe_target_groups()["TargetGroups"] == []
