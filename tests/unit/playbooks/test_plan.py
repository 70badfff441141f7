"""The plan of a --check run tells the truth (issue 15), then the course's app taken through its changes.

One emulator and one converge sequence for the module, two environments in parallel
(``local`` with the course's app, ``three`` with three services and other names):
cold plan (--diff) -> cold run (at -vvv, one host at a time: see ``cold``) -> drift in one (the other
is the converged stack) -> plan -> run -> teardown plan. What the plan names is what the run then does.

Then (was test_course_stack.py, which converged the course's app cold on an emulator of its own) the
``local`` environment alone, each test asserting one behaviour on the state the tests before it left:

1. the cold run at -vvv printed no secret; the access key is only in its 0600 file;
2. plain HTTP, as the course does;
3. a service dropped from app_services loses its rules at once, its target group only with
   target_groups_purge (a warning names it);
4. an ACM certificate moves the rules to HTTPS and HTTP redirects; the security group opens 443;
   a second run changes nothing, writes nothing and leaves targets someone else registered alone;
   dropping the certificate goes back to plain HTTP;
5. teardown at -vvv, after the certificate left the inventory, leaves nothing of the app and prints
   no secret; no file but the credentials file holds one.

(Before that, test_secrets, test_targets_kept, test_purge and test_https each converged the same
stack cold on an emulator of their own; ``three`` stays up beside ``local`` throughout, so the
course's checks read the course's own resources by name.)
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import stat
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
import pytest

from benchmarks.run import failures
from tests.emulator.client import emulator_client
from tests.posture import audit
from tests.unit.playbooks.conftest import recap, run_playbook, writes

HOSTS = ("local", "three")
INVENTORY = Path(__file__).parent / "plan_inventory"

# The AWS call that creates each resource, by its CloudFormation type. Calls that set a
# property of a resource (webhook, lifecycle policy, ingress rules, tags, attachments,
# retention, a user's login profile and group membership) are not resources of their own.
CREATES = {
    "CreateRepository": "AWS::ECR::Repository",
    "CreateRole": "AWS::IAM::Role",
    "PutRolePolicy": "AWS::IAM::Policy",
    "CreateUser": "AWS::IAM::User",
    "CreateGroup": "AWS::IAM::Group",
    "CreateAccessKey": "AWS::IAM::AccessKey",
    "CreateSecret": "AWS::SecretsManager::Secret",
    "CreateProject": "AWS::CodeBuild::Project",
    "PutRule": "AWS::Events::Rule",
    "ImportSourceCredentials": "AWS::CodeBuild::SourceCredential",
    "CreateSecurityGroup": "AWS::EC2::SecurityGroup",
    "CreateLoadBalancer": "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "CreateListener": "AWS::ElasticLoadBalancingV2::Listener",
    "CreateRule": "AWS::ElasticLoadBalancingV2::ListenerRule",
    "CreateTargetGroup": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "CreateDBSubnetGroup": "AWS::RDS::DBSubnetGroup",
    "CreateDBInstance": "AWS::RDS::DBInstance",
    "CreateCluster": "AWS::ECS::Cluster",
    "CreateService": "AWS::ECS::Service",
    "RegisterTaskDefinition": "AWS::ECS::TaskDefinition",
    "CreateLogGroup": "AWS::Logs::LogGroup",
}
# The call that updates a resource of a planned type (one call per resource in these tests).
UPDATES = {
    "ModifyTargetGroup": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "ModifyListener": "AWS::ElasticLoadBalancingV2::Listener",
    "ModifyRule": "AWS::ElasticLoadBalancingV2::ListenerRule",
    "PutImageScanningConfiguration": "AWS::ECR::Repository",
    "UpdateProject": "AWS::CodeBuild::Project",
}


class Stack:
    """The module's emulator and state folder."""

    def __init__(self, port: int, record: Path, state: Path) -> None:
        self.port, self.record, self.state = port, record, state
        # A copy, so a test can change the second environment's app.
        self.inventory = state / "inventory"
        shutil.copytree(INVENTORY, self.inventory)

    def run(
        self, name: str, *args: str, hosts: tuple[str, ...] = HOSTS, returncode: int = 0
    ) -> tuple[Any, list, dict[str, list]]:
        """Run a playbook on ``hosts``, which exits with ``returncode``; returns (run, calls, the plan of each
        host in check mode)."""
        for host in HOSTS:
            self.plan_file(host).unlink(missing_ok=True)
        limit = ("--limit", ",".join(hosts))
        completed, calls = run_playbook(
            self.port, self.record, self.state, name, "-i", str(self.inventory), *limit, *args
        )
        # Two hosts run at once: a host's failed task can be far above the output's tail, so name it first.
        assert completed.returncode == returncode, "\n".join(failures(completed.stdout)) + completed.stdout[-3000:]
        plans = {}
        if "--check" in args:
            for host in hosts:
                plan = json.loads(self.plan_file(host).read_text())
                assert plan["environment"] == host
                assert oct(self.plan_file(host).stat().st_mode & 0o777) == "0o600"
                plans[host] = plan["changes"]
        return completed, calls, plans

    def converge(self, *args: str, **extra: Any) -> tuple[Any, list]:
        """site.yml on ``local`` alone with ``extra`` vars, asserting success; returns (run, calls)."""
        extra_args = ("-e", json.dumps(extra)) if extra else ()
        completed, calls, _plans = self.run("site.yml", *args, *extra_args, hosts=("local",))
        return completed, calls

    def aws(self, service: str) -> Any:
        return emulator_client(self.port, service)

    def plan_file(self, host: str) -> Path:
        return self.state / ".outputs" / f"{host}.plan.json"

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name="us-west-1",
            endpoint_url=f"http://127.0.0.1:{self.port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )


def created_types(calls: list) -> Counter:
    """Per CloudFormation type, how many resources the run created (successful create calls)."""
    return Counter(
        CREATES[call["action"]] for call in calls if call["action"] in CREATES and call["status"][0].startswith("2")
    )


def planned(plans: dict[str, list], action: str) -> list[tuple[str, str, str]]:
    return sorted(
        (host, c["type"], c["name"]) for host, changes in plans.items() for c in changes if c["action"] == action
    )


@pytest.fixture(scope="module")
def stack(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    port, record = recording_emulator
    return Stack(port, record, tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="module")
def cold(stack: Stack) -> dict[str, Any]:
    """The plan on the empty account (with --diff), then the run that follows (at -vvv: the course's part reads
    its output for secrets). (A teardown of the empty account changes nothing: test_run_lock_playbook.py's
    force teardown, on an account no test has written to yet.)"""
    plan_run, plan_calls, plans = stack.run("site.yml", "--check", "--diff")
    # One host at a time: ``three`` has no GitHub token and its webhook needs the account's credentials,
    # which ``local``'s run of the same task imports (one per account, as AWS keeps them). In parallel,
    # whichever host got there first decided (a race seen under load; the module's message now names it).
    run, run_calls, _state = stack.run("site.yml", "-vvv", "--forks", "1")
    return {
        "plan_run": plan_run,
        "plans": plans,
        "plan_calls": plan_calls,
        "run": run,
        "run_calls": run_calls,
    }


def test_check_run_sends_no_write_call(cold: dict[str, Any]) -> None:
    assert writes(cold["plan_calls"]) == []
    # (was test_check_mode.py) --check --diff on an empty account reports what it would create.
    assert recap(cold["plan_run"].stdout)["changed"] >= 10, "every resource it would create is reported"
    assert "would create load balancer flask-react-alb" in cold["plan_run"].stdout
    # (was test_run_lock_playbook.py's) a plan takes no run lock: not one SSM call, not even the lock's read.
    assert [call["action"] for call in cold["plan_calls"] if call["service"] == "ssm"] == []


def test_cold_plan_creates_what_the_run_creates(cold: dict[str, Any]) -> None:
    plans = cold["plans"]
    assert planned(plans, "update") == [] and planned(plans, "delete") == []
    planned_types = Counter(kind for _host, kind, _name in planned(plans, "create"))
    assert planned_types == created_types(cold["run_calls"])
    names = set(planned(plans, "create"))
    assert ("three", "AWS::ECR::Repository", "shop-images-admin") in names
    assert ("local", "AWS::CodeBuild::Project", "flask-react-build") in names
    assert ("three", "AWS::IAM::Policy", "shop-build-role/shop-build-logs") in names
    assert ("three", "AWS::ElasticLoadBalancingV2::ListenerRule", "shop-alb:80 /admin*,/staff*") in names
    assert ("local", "AWS::ECS::Service", "flask-react-users") in names


@pytest.fixture(scope="module")
def drifted(stack: Stack, cold: dict[str, Any]) -> dict[str, Any]:
    """Drifts behind the playbook's back in ``local``: the empty plan of ``three``, converged;
    then ``three``'s app changes (a path moved between services, the default service renamed).
    Each planned, then run."""
    # The drift gate (plan_fail_on_changes) passes on the converged account, fails on the drifted one.
    gate = ("-e", "plan_fail_on_changes=true")
    converged_run, converged_calls, converged = stack.run("site.yml", "--check", "--diff", *gate)
    stack.client("ecr").put_image_scanning_configuration(
        repositoryName="test-driven-users", imageScanningConfiguration={"scanOnPush": False}
    )
    stack.client("codebuild").update_project(name="flask-react-build", timeoutInMinutes=33)
    elbv2 = stack.client("elbv2")
    group = elbv2.describe_target_groups(Names=["flask-react-users-tg"])["TargetGroups"][0]
    elbv2.modify_target_group(TargetGroupArn=group["TargetGroupArn"], HealthCheckPath="/health")
    host_vars = stack.inventory / "host_vars" / "three.yml"
    host_vars.write_text(
        host_vars.read_text()
        .replace("name: web", "name: www")
        .replace("paths: [/api*]", "paths: [/api*, /staff*]")
        .replace("paths: [/admin*, /staff*]", "paths: [/admin*]")
    )
    plan_run, plan_calls, plans = stack.run("site.yml", "--check", *gate, returncode=2)
    _run, run_calls, _state = stack.run("site.yml")
    return {
        "converged": converged,
        "converged_run": converged_run,
        "converged_calls": converged_calls,
        "plans": plans,
        "plan_run": plan_run,
        "plan_calls": plan_calls,
        "run_calls": run_calls,
    }


def test_the_drift_gate_fails_a_plan_with_changes_after_the_summary_and_the_file(drifted: dict[str, Any]) -> None:
    out = drifted["plan_run"].stdout
    words = " ".join(out.split())  # the callback may wrap the message
    assert "plan_fail_on_changes: local differs from the inventory, Plan for local: 0 to create, 3 to update" in words
    assert "Plan for three:" in out and recap(out)["failed"] == 1
    # (The plan files were read by Stack.run: written before the gate failed.)
    assert drifted["plans"]["local"] and drifted["plans"]["three"]


def test_converged_stack_plans_nothing(drifted: dict[str, Any]) -> None:
    assert drifted["converged"] == {"local": [], "three": []}
    # --check --diff on a converged account reports nothing and writes nothing.
    assert recap(drifted["converged_run"].stdout)["changed"] == 0, drifted["converged_run"].stdout[-3000:]
    assert writes(drifted["converged_calls"]) == []


def test_drift_plans_exactly_the_drifted_resources(drifted: dict[str, Any]) -> None:
    assert drifted["plans"]["local"] == [
        {"type": "AWS::ECR::Repository", "name": "test-driven-users", "action": "update"},
        {"type": "AWS::CodeBuild::Project", "name": "flask-react-build", "action": "update"},
        {"type": "AWS::ElasticLoadBalancingV2::TargetGroup", "name": "flask-react-users-tg", "action": "update"},
    ]
    assert writes(drifted["plan_calls"]) == []


def test_moved_path_and_renamed_default_service_are_planned_as_rule_and_group_changes(drifted: dict[str, Any]) -> None:
    elb = {
        (c["type"].rsplit("::", 1)[1], c["name"], c["action"])
        for c in drifted["plans"]["three"]
        if "Elastic" in c["type"]
    }
    assert elb == {
        ("TargetGroup", "shop-www-tg", "create"),
        ("Listener", "shop-alb:80", "update"),
        ("ListenerRule", "shop-alb:80 /api*,/staff*", "update"),
        ("ListenerRule", "shop-alb:80 /admin*", "update"),
    }


def test_the_run_after_the_plan_changes_what_it_planned(drifted: dict[str, Any]) -> None:
    made = Counter()
    for call in drifted["run_calls"]:
        if not call["status"][0].startswith("2"):
            continue
        if call["action"] in CREATES:
            made[(CREATES[call["action"]], "create")] += 1
        elif call["action"] in UPDATES:
            made[(UPDATES[call["action"]], "update")] += 1
    planned_changes = Counter(
        (c["type"], c["action"])
        for changes in drifted["plans"].values()
        for c in changes
        if c["type"] != "AWS::IAM::Policy"
    )
    # PutRolePolicy creates or updates an inline policy: policies are left out of this count.
    assert {key: count for key, count in made.items() if key[0] != "AWS::IAM::Policy"} == planned_changes


def test_teardown_plan_lists_everything_and_deletes_nothing(
    stack: Stack, cold: dict[str, Any], drifted: dict[str, Any]
) -> None:
    _run, calls, plans = stack.run("teardown.yml", "--check", hosts=("local",))
    assert writes(calls) == []
    assert planned(plans, "create") == [] and planned(plans, "update") == []
    deleted = {resource(entry) for entry in planned(plans, "delete")}
    created = {
        resource(entry)
        for entry in planned(cold["plans"], "create")
        if entry[0] == "local" and entry[1] != "AWS::CodeBuild::SourceCredential"  # teardown keeps it
    }
    # Everything the cold run made; a rule deleted is named by its ID (the module has only its ARN).
    rule = "AWS::ElasticLoadBalancingV2::ListenerRule"
    assert deleted >= {entry for entry in created if entry[1] != rule}
    assert sum(entry[1] == rule for entry in deleted) == sum(entry[1] == rule for entry in created)
    assert ("local", "AWS::IAM::AccessKey", "flask-react-admin") in deleted
    assert stack.client("ecr").describe_repositories()["repositories"], "nothing deleted"
    assert os.path.exists(stack.plan_file("local"))


def resource(entry: tuple[str, str, str]) -> tuple[str, str, str]:
    """An access key is planned as <user> before it exists, as <user>/<key id> after."""
    host, kind, name = entry
    return (host, kind, name.split("/")[0]) if kind == "AWS::IAM::AccessKey" else entry


# --- The course's app, after the plan (was test_course_stack.py) ---------------------------------

COURSE = "flask-react-"  # the local inventory's app_name, and a dash
DOMAIN = "app.example.com"
USERS_PATHS = sorted(["/users*", "/ping", "/auth*", "/doc", "/swagger*"])
CLIENT_ONLY = {"app_services": [{"name": "client", "port": 80, "health_check_path": "/", "default": True}]}


@pytest.fixture(scope="module")
def secrets(stack: Stack, cold: dict[str, Any]) -> dict[str, str]:
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
    """The course's app's target groups (``three``'s stay beside them)."""
    groups = stack.aws("elbv2").describe_target_groups()["TargetGroups"]
    return sorted(group["TargetGroupName"] for group in groups if group["TargetGroupName"].startswith(COURSE))


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
def test_cold_converge_at_vvv_prints_no_secret(stack: Stack, cold: dict[str, Any], secrets: dict[str, str]) -> None:
    assert stat.S_IMODE(credentials(stack).stat().st_mode) == 0o600
    for name, value in secrets.items():
        assert value not in cold["run"].stdout + cold["run"].stderr, f"{name} in the converge output"


# 2. (was test_https.py)
def test_plain_http_first_as_the_course_does(stack: Stack, cold: dict[str, Any]) -> None:
    found = listeners(stack)
    assert set(found) == {80}
    assert found[80]["paths"] == USERS_PATHS
    assert api_url(stack).startswith("http://flask-react-alb")


# 3. (was test_purge.py)
def test_dropped_service_loses_its_rules_and_its_group_only_when_purging(stack: Stack, cold: dict[str, Any]) -> None:
    assert target_groups(stack) == ["flask-react-client-tg", "flask-react-users-tg"]

    run = stack.converge(**CLIENT_ONLY)[0]
    assert recap(run.stdout)["changed"] >= 1, run.stdout[-2000:]
    assert target_groups(stack) == ["flask-react-client-tg", "flask-react-users-tg"], "kept without purge"
    # Issue 14 item 14: kept, but named.
    shown = " ".join(run.stdout.split())  # the YAML callback folds long messages
    assert "target group(s) flask-react-users-tg were made for services no longer in app_services" in shown

    stack.converge(**dict(CLIENT_ONLY, target_groups_purge=True))
    assert target_groups(stack) == ["flask-react-client-tg"]


# 4. (was test_https.py) The course's app again, with a certificate.
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


# 4, its second run. (Also was test_targets_kept.py, then a no-op converge of its own.) community.aws.elb_target_group
# deregisters every target it was not given unless told ``modify_targets: false``; the target groups here only
# route. This no-op converge carries it: targets someone else registered survive a run that changes nothing.
def test_https_run_again_changes_nothing_leaves_registered_targets_alone_and_passes_the_https_rule(
    stack: Stack, certificate: str
) -> None:
    ec2, elbv2 = stack.aws("ec2"), stack.aws("elbv2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    (instance,) = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"]
    (group,) = elbv2.describe_target_groups(Names=["flask-react-users-tg"])["TargetGroups"]
    target = {"Id": instance["InstanceId"], "Port": 5000}
    elbv2.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[target])

    run, calls = stack.converge(alb_certificate_arn=certificate, alb_domain_name=DOMAIN)
    assert recap(run.stdout)["changed"] == 0, run.stdout[-3000:]
    assert writes(calls) == []
    health = elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]
    assert [description["Target"]["Id"] for description in health] == [instance["InstanceId"]]
    outputs = json.loads((stack.state / ".outputs" / "local.json").read_text())
    assert outputs["load_balancer"]["url"] == f"https://{DOMAIN}"
    assert "CKV_AWS_2" not in audit(stack.aws, outputs)
    # Leave the stack as the converge made it, for the tests after this one.
    elbv2.deregister_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[target])
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])


def test_dropping_the_certificate_goes_back_to_plain_http(stack: Stack, certificate: str) -> None:
    stack.converge()
    found = listeners(stack)
    assert set(found) == {80}
    assert found[80]["DefaultActions"][0]["Type"] == "forward"
    assert found[80]["paths"] == USERS_PATHS
    assert api_url(stack).startswith("http://flask-react-alb")


# 5. (was test_https.py's and test_secrets.py's teardowns)
def test_teardown_at_vvv_leaves_nothing_after_the_certificate_left_the_inventory_and_prints_no_secret(
    stack: Stack, certificate: str, secrets: dict[str, str]
) -> None:
    stack.converge(alb_certificate_arn=certificate, alb_domain_name=DOMAIN)
    # The rules are on the HTTPS listener; teardown's settings no longer say so.
    teardown = stack.run("teardown.yml", "-vvv", hosts=("local",))[0]
    assert teardown.returncode == 0 and recap(teardown.stdout)["failed"] == 0, teardown.stdout[-3000:]
    balancers = stack.aws("elbv2").describe_load_balancers()["LoadBalancers"]
    assert [b["LoadBalancerName"] for b in balancers if b["LoadBalancerName"].startswith(COURSE)] == []
    assert target_groups(stack) == []
    for name, value in secrets.items():
        assert value not in teardown.stdout + teardown.stderr, f"{name} in the teardown output"
    for path in (path for path in stack.state.rglob("*") if path.is_file()):
        text = path.read_text(errors="replace")
        for name, value in secrets.items():
            if value in text:
                assert (path, name) == (credentials(stack), "secret access key"), f"{name} written to {path}"
