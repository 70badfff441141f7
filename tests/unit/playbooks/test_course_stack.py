"""The course's app (the local inventory), converged once on one emulator and taken through its
changes in order; each test asserts one behaviour on the state the tests before it left:

1. a cold converge at -vvv prints no secret; the access key is only in its 0600 file;
2. plain HTTP, as the course does;
3. targets someone else registered survive a converge that changes nothing and writes nothing;
4. a service dropped from app_services loses its rules at once, its target group only with
   target_groups_purge (a warning names it);
5. an ACM certificate moves the rules to HTTPS and HTTP redirects; the security group opens 443;
   a second run changes nothing; dropping the certificate goes back to plain HTTP;
6. teardown at -vvv, after the certificate left the inventory, leaves nothing and prints no
   secret; no file but the credentials file holds one.

(Before, test_secrets, test_targets_kept, test_purge and test_https each converged the same
stack cold on an emulator of their own.)
"""

from __future__ import annotations

import configparser
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.posture import audit
from tests.unit.playbooks.conftest import recap, run_playbook, writes

DOMAIN = "app.example.com"
USERS_PATHS = sorted(["/users*", "/ping", "/auth*", "/doc", "/swagger*"])
CLIENT_ONLY = {"app_services": [{"name": "client", "port": 80, "health_check_path": "/", "default": True}]}


class Stack:
    """The module's emulator and the one state folder of its runs."""

    def __init__(self, port: int, record: Path, state: Path) -> None:
        self.port, self.record, self.state = port, record, state

    def run(self, name: str, *args: str, **extra: Any) -> tuple[Any, list]:
        """Run ``playbooks/<name>`` with ``extra`` vars; returns (run, recorded calls)."""
        extra_args = ("-e", json.dumps(extra)) if extra else ()
        return run_playbook(self.port, self.record, self.state, name, *args, *extra_args)

    def converge(self, *args: str, **extra: Any) -> tuple[Any, list]:
        completed, calls = self.run("site.yml", *args, **extra)
        assert completed.returncode == 0, completed.stdout[-3000:]
        return completed, calls

    def aws(self, service: str) -> Any:
        return emulator_client(self.port, service)


@pytest.fixture(scope="module")
def stack(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return Stack(*recording_emulator, tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="module")
def cold(stack: Stack) -> Any:
    """The cold converge, at -vvv."""
    return stack.converge("-vvv")[0]


@pytest.fixture(scope="module")
def secrets(stack: Stack, cold: Any) -> dict[str, str]:
    """Every secret the cold converge made or used, by name."""
    secrets_manager = stack.aws("secretsmanager")
    console = secrets_manager.get_secret_value(SecretId="flask-react/iam/flask-react-admin/console-password")
    database = stack.aws("rds").describe_db_instances(DBInstanceIdentifier="flask-react-db")["DBInstances"][0]
    db_secret = secrets_manager.get_secret_value(SecretId=database["MasterUserSecret"]["SecretArn"])
    parser = configparser.ConfigParser()
    parser.read(credentials(stack))
    return {
        "console password": console["SecretString"],
        "DB password": json.loads(db_secret["SecretString"])["password"],
        "secret access key": parser["flask-react-admin"]["aws_secret_access_key"],
        "GitHub token": "emulator-dummy-token",
    }


@pytest.fixture(scope="module")
def certificate(stack: Stack) -> str:
    return stack.aws("acm").request_certificate(DomainName=DOMAIN, ValidationMethod="DNS")["CertificateArn"]


def credentials(stack: Stack) -> Path:
    return stack.state / ".secrets" / "credentials"


def target_groups(stack: Stack) -> list[str]:
    return sorted(group["TargetGroupName"] for group in stack.aws("elbv2").describe_target_groups()["TargetGroups"])


def listeners(stack: Stack) -> dict[int, dict[str, Any]]:
    elbv2 = stack.aws("elbv2")
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


def api_url(stack: Stack) -> str:
    (project,) = stack.aws("codebuild").batch_get_projects(names=["flask-react-build"])["projects"]
    variables = {v["name"]: v["value"] for v in project["environment"]["environmentVariables"]}
    return variables["REACT_APP_API_SERVICE_URL"]


# 1. (was test_secrets.py, its converge half)
def test_cold_converge_at_vvv_prints_no_secret(stack: Stack, cold: Any, secrets: dict[str, str]) -> None:
    assert stat.S_IMODE(credentials(stack).stat().st_mode) == 0o600
    for name, value in secrets.items():
        assert value not in cold.stdout + cold.stderr, f"{name} in the converge output"


# 2. (was test_https.py)
def test_plain_http_first_as_the_course_does(stack: Stack, cold: Any) -> None:
    found = listeners(stack)
    assert set(found) == {80}
    assert found[80]["paths"] == USERS_PATHS
    assert api_url(stack).startswith("http://flask-react-alb")


# 3. (was test_targets_kept.py) community.aws.elb_target_group deregisters every target it was not
# given unless told ``modify_targets: false``; the target groups here only route.
def test_a_converge_leaves_registered_targets_alone(stack: Stack, cold: Any) -> None:
    ec2, elbv2 = stack.aws("ec2"), stack.aws("elbv2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    (instance,) = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"]
    (group,) = elbv2.describe_target_groups(Names=["flask-react-users-tg"])["TargetGroups"]
    target = {"Id": instance["InstanceId"], "Port": 5000}
    elbv2.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[target])

    run, calls = stack.converge()
    assert recap(run.stdout)["changed"] == 0, run.stdout[-3000:]
    assert writes(calls) == []
    health = elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]
    assert [description["Target"]["Id"] for description in health] == [instance["InstanceId"]]
    # Leave the stack as the converge made it, for the tests after this one.
    elbv2.deregister_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[target])
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])


# 4. (was test_purge.py)
def test_dropped_service_loses_its_rules_and_its_group_only_when_purging(stack: Stack, cold: Any) -> None:
    assert target_groups(stack) == ["flask-react-client-tg", "flask-react-users-tg"]

    run = stack.converge(**CLIENT_ONLY)[0]
    assert recap(run.stdout)["changed"] >= 1, run.stdout[-2000:]
    assert target_groups(stack) == ["flask-react-client-tg", "flask-react-users-tg"], "kept without purge"
    # Issue 14 item 14: kept, but named.
    shown = " ".join(run.stdout.split())  # the YAML callback folds long messages
    assert "target group(s) flask-react-users-tg were made for services no longer in app_services" in shown

    stack.converge(**dict(CLIENT_ONLY, target_groups_purge=True))
    assert target_groups(stack) == ["flask-react-client-tg"]


# 5. (was test_https.py) The course's app again, with a certificate.
def test_a_certificate_moves_the_rules_to_https_and_http_redirects(stack: Stack, certificate: str) -> None:
    stack.converge(alb_certificate_arn=certificate, alb_domain_name=DOMAIN)
    found = listeners(stack)
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
    assert api_url(stack) == f"https://{DOMAIN}"


def test_security_group_opens_https_too(stack: Stack, certificate: str) -> None:
    (group,) = stack.aws("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["flask-react-security-group"]}]
    )["SecurityGroups"]
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [80, 443]


def test_https_run_again_changes_nothing_and_passes_the_https_rule(stack: Stack, certificate: str) -> None:
    run, calls = stack.converge(alb_certificate_arn=certificate, alb_domain_name=DOMAIN)
    assert recap(run.stdout)["changed"] == 0, run.stdout[-3000:]
    assert writes(calls) == []
    outputs = json.loads((stack.state / ".outputs" / "local.json").read_text())
    assert outputs["load_balancer"]["url"] == f"https://{DOMAIN}"
    assert "CKV_AWS_2" not in audit(stack.aws, outputs)


def test_dropping_the_certificate_goes_back_to_plain_http(stack: Stack, certificate: str) -> None:
    stack.converge()
    found = listeners(stack)
    assert set(found) == {80}
    assert found[80]["DefaultActions"][0]["Type"] == "forward"
    assert found[80]["paths"] == USERS_PATHS
    assert api_url(stack).startswith("http://flask-react-alb")


# 6. (was test_https.py's and test_secrets.py's teardowns)
def test_teardown_at_vvv_leaves_nothing_after_the_certificate_left_the_inventory_and_prints_no_secret(
    stack: Stack, certificate: str, secrets: dict[str, str]
) -> None:
    stack.converge(alb_certificate_arn=certificate, alb_domain_name=DOMAIN)
    # The rules are on the HTTPS listener; teardown's settings no longer say so.
    teardown = stack.run("teardown.yml", "-vvv")[0]
    assert teardown.returncode == 0 and recap(teardown.stdout)["failed"] == 0, teardown.stdout[-3000:]
    assert stack.aws("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert stack.aws("elbv2").describe_target_groups()["TargetGroups"] == []
    for name, value in secrets.items():
        assert value not in teardown.stdout + teardown.stderr, f"{name} in the teardown output"
    for path in (path for path in stack.state.rglob("*") if path.is_file()):
        text = path.read_text(errors="replace")
        for name, value in secrets.items():
            if value in text:
                assert (path, name) == (credentials(stack), "secret access key"), f"{name} written to {path}"
