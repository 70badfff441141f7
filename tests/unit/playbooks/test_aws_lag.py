"""The whole stack against an emulator playing back every one of AWS's lags (issue 13), with
every day-two feature on (issue 21).

For an app with three services and other names than the local inventory's, with autoscaling, a
generated secret, a domain with HTTPS and alarms on: the plan of an empty account lists each new
resource; site.yml cold; site.yml again (changed=0, no write call, a task count the scaler set
kept); teardown.yml (nothing left, the hosted zone kept), on an emulator with every behaviour of
tests/emulator/lag.py on for the first CALLS requests that meet it (so each lag the roles cause is
met, whatever the machine's load). The local inventory runs the same sequence with the lag on in
the molecule default scenario, and interrupted and resumed in test_interrupted.py;
AWS_LAG_APPS="local three-services" runs it here too (about 3 min more).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import ctl
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes
from tests.unit.playbooks.lag import POLL, THREE_SERVICES, leftovers, start_lagged

# The lags a cold converge meets (each CALLS times, then gets through) and those a teardown meets.
COLD = {"iam-propagation", "alb-provisioning", "rds-create", "ecs-lb"}
TEARDOWN = {"target-group-in-use", "alb-eni", "rds-delete", "ecs-deployments"}


def lags_met(calls: list) -> set[str]:
    return {behaviour for call in calls for behaviour in call.get("lag", ())}


# Issue 21's features, all on: the api autoscales and has a generated secret; the app has a domain
# (in a hosted zone the account already has) and alarms mailed to ops.
ZONE, DOMAIN = "example.com", "shop.example.com"
SCALING = {"min": 1, "max": 4, "cpu_percent": 60, "requests_per_target": 500}
EVERYTHING_ON = dict(
    THREE_SERVICES,
    app_services=[
        dict(service, autoscaling=SCALING, generated_secrets=["SECRET_KEY"]) if service["name"] == "api" else service
        for service in THREE_SERVICES["app_services"]
    ],
    app_domain=DOMAIN,
    app_hosted_zone=ZONE,
    app_alarm_email="ops@example.com",
)
# What the features add to an empty account's plan (beside the course's stack), by type and name.
NEW_IN_THE_PLAN = {
    ("AWS::ApplicationAutoScaling::ScalableTarget", "shop-api"),
    ("AWS::ApplicationAutoScaling::ScalingPolicy", "shop-api-cpu"),
    ("AWS::ApplicationAutoScaling::ScalingPolicy", "shop-api-requests"),
    ("AWS::SecretsManager::Secret", "shop/api/SECRET_KEY"),
    ("AWS::CertificateManager::Certificate", DOMAIN),
    # (was test_domain.py's, a site.yml --check of its own) the certificate's validation record, the alias
    # record and the HTTPS listener; and no certificate is requested by the plan (below).
    ("AWS::Route53::RecordSet", f"_<validation>.{DOMAIN} CNAME"),
    ("AWS::Route53::RecordSet", f"{DOMAIN} A"),
    ("AWS::ElasticLoadBalancingV2::Listener", "shop-alb:443"),
    ("AWS::SNS::Topic", "shop-alarms"),
    ("AWS::CloudWatch::Alarm", "shop-api-unhealthy"),
    ("AWS::CloudWatch::Alarm", "shop-db-cpu"),
}
MANIFEST = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}'

APPS = {"local": {}, "three-services": EVERYTHING_ON}
CHOSEN = os.environ.get("AWS_LAG_APPS", "three-services").split()


@pytest.fixture(scope="module", params=CHOSEN)
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """(run(playbook) -> (completed, calls), port, app name) for one app on its own lagged emulator."""
    extra = dict(POLL, **APPS[request.param])
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    state = tmp_path_factory.mktemp("state")
    port = start_lagged(record)
    args = ("-e", json.dumps(extra))
    if extra.get("app_domain"):
        emulator_client(port, "route53").create_hosted_zone(Name=ZONE, CallerReference="the account's zone")
        # The api's image is pushed already: an autoscaling service whose image is still to come is
        # registered with the scaler by the converge after the build (its minimum could not pull).
        ecr = emulator_client(port, "ecr", "us-west-1")
        ecr.create_repository(repositoryName="shop-images-api")
        ecr.put_image(repositoryName="shop-images-api", imageManifest=MANIFEST, imageTag="prod")

    def run(playbook: str, *more: str) -> tuple[Any, list]:
        return run_playbook(port, record, Path(state), playbook, *args, *more)

    yield run, port, extra.get("app_name", "flask-react"), Path(state)
    ctl.stop(port)


def test_the_plan_of_an_empty_account_lists_every_new_resource(stack):
    run, port, app, state = stack
    completed, calls = run("site.yml", "--check")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert writes(calls) == []
    if app == "shop":
        changes = json.loads((state / ".outputs" / "local.plan.json").read_text())["changes"]
        planned = {(change["type"], change["name"]) for change in changes if change["action"] == "create"}
        assert NEW_IN_THE_PLAN - planned == set(), sorted(planned)
        acm = emulator_client(port, "acm", "us-west-1")
        requested = acm.list_certificates(CertificateStatuses=["PENDING_VALIDATION", "ISSUED"])
        assert requested["CertificateSummaryList"] == []


def test_cold_converge_waits_for_every_lag(stack):
    run, port, app, _state = stack
    completed, calls = run("site.yml")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert lags_met(calls) == COLD
    if app == "shop":
        every_feature_is_there(port, completed.stdout)


def every_feature_is_there(port: int, stdout: str) -> None:
    """What issue 21's features made, read back from the emulator."""

    def aws(service: str) -> Any:
        return emulator_client(port, service, "us-west-1")

    (target,) = aws("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert (target["ResourceId"], target["MinCapacity"], target["MaxCapacity"]) == (
        "service/shop-cluster/shop-api",
        1,
        4,
    )
    policies = aws("application-autoscaling").describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    assert sorted(policy["PolicyName"] for policy in policies) == ["shop-api-cpu", "shop-api-requests"]

    secret = aws("secretsmanager").describe_secret(SecretId="shop/api/SECRET_KEY")
    assert aws("secretsmanager").get_secret_value(SecretId=secret["ARN"])["SecretString"] not in stdout
    ecs = aws("ecs")
    (service,) = ecs.describe_services(cluster="shop-cluster", services=["shop-api"])["services"]
    (container,) = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"][
        "containerDefinitions"
    ]
    assert {"name": "SECRET_KEY", "valueFrom": secret["ARN"]} in container["secrets"]
    assert service["deploymentConfiguration"]["alarms"] == {
        "alarmNames": ["shop-api-target-5xx", "shop-api-unhealthy"],
        "enable": True,
        "rollback": True,
    }

    (certificate,) = aws("acm").list_certificates(CertificateStatuses=["ISSUED"])["CertificateSummaryList"]
    assert certificate["DomainName"] == DOMAIN
    listeners = aws("elbv2").describe_listeners(
        LoadBalancerArn=aws("elbv2").describe_load_balancers(Names=["shop-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    )["Listeners"]
    assert {listener["Port"]: listener["Protocol"] for listener in listeners} == {80: "HTTP", 443: "HTTPS"}
    zone = aws("route53").list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"][0]["Id"]
    records = aws("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert {(r["Name"].rstrip("."), r["Type"]) for r in records if "AliasTarget" in r} == {(DOMAIN, "A")}

    alarms = aws("cloudwatch").describe_alarms(AlarmNamePrefix="shop-")["MetricAlarms"]
    # The load balancer's two, two per service's target group, the database's three.
    assert len(alarms) == 2 + 2 * 3 + 3, sorted(alarm["AlarmName"] for alarm in alarms)
    (group,) = aws("elbv2").describe_target_groups(Names=["shop-api-tg"])["TargetGroups"]
    (unhealthy,) = [alarm for alarm in alarms if alarm["AlarmName"] == "shop-api-unhealthy"]
    assert {d["Name"]: d["Value"] for d in unhealthy["Dimensions"]} == {
        "TargetGroup": group["TargetGroupArn"].split(":")[-1],
        "LoadBalancer": group["LoadBalancerArns"][0].split(":loadbalancer/")[1],
    }
    (topic,) = [t["TopicArn"] for t in aws("sns").list_topics()["Topics"] if t["TopicArn"].endswith(":shop-alarms")]
    assert all(alarm["AlarmActions"] == [topic] for alarm in alarms)
    subscriptions = aws("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Endpoint"], s["SubscriptionArn"]) for s in subscriptions] == [
        ("ops@example.com", "PendingConfirmation")
    ]


def test_second_converge_changes_nothing_and_writes_nothing(stack):
    run, port, app, _state = stack
    ecs = emulator_client(port, "ecs", "us-west-1")
    if app == "shop":
        # The scaler's doing: a converge leaves the count of a service that autoscales alone.
        ecs.update_service(cluster="shop-cluster", service="shop-api", desiredCount=3)
    completed, calls = run("site.yml")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert recap(completed.stdout)["changed"] == 0, completed.stdout[-4000:]
    assert writes(calls) == []
    if app == "shop":
        (service,) = ecs.describe_services(cluster="shop-cluster", services=["shop-api"])["services"]
        assert service["desiredCount"] == 3


def test_teardown_leaves_nothing(stack):
    run, port, app, _state = stack
    completed, calls = run("teardown.yml")
    assert completed.returncode == 0, completed.stdout[-4000:]
    assert lags_met(calls) == TEARDOWN
    assert leftovers(port, app) == {}
    if app == "shop":
        # Never the account's zone.
        assert emulator_client(port, "route53").list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"]
