"""Helpers of the lag tests: an emulator playing back AWS's lags in calls, what the client met, what is left.

The tests' lags last calls, not seconds (``--aws-lag-calls``, tests/emulator/lag.py): each holds for the
first CALLS requests that meet it, so a role that waits meets it exactly that often and gets through,
and a role that does not wait fails, however loaded the machine. The tests assert on the emulator's
recording of what each request met (:func:`waited_out`) and on end states, never on task names or time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tests.conftest import free_port
from tests.emulator import ctl
from tests.emulator.client import emulator_client

# Each of AWS's lags holds for this many requests that meet it: a role must look (or be refused)
# twice before it gets through, so one look that happens to land late cannot hide a missing wait.
CALLS = 2

# Poll the database every second instead of every 15 s (rds_wait_delay, a documented knob): the
# waits stay bounded and visible, and a lag in calls is over after CALLS looks however long they take.
POLL = {"rds_wait_delay": 1}


def start_lagged(record: Path, only: Iterable[str] = (), calls: int = CALLS) -> int:
    """A fresh emulator recording into ``record`` with AWS's lags (``only`` some) each lasting ``calls`` calls."""
    port = free_port()
    assert ctl.start(port, record=str(record), aws_lag_calls=calls, aws_lag_only=tuple(only), forked=True) == 0
    return port


def met(calls: list[dict[str, Any]], behaviour: str, action: str | None = None) -> list[dict[str, Any]]:
    """The recorded requests (of ``action``) that met ``behaviour``: saw its state or were refused by it."""
    return [c for c in calls if behaviour in c.get("lag", ()) and action in (None, c["action"])]


def waited_out(calls: list[dict[str, Any]], behaviour: str, action: str) -> bool:
    """The client met ``behaviour`` on ``action`` and called ``action`` again until a call no longer met it
    (a write that then succeeded, a read that no longer showed it, or found it gone): it waited or retried
    through the lag rather than going on as if AWS were done."""
    hits = [i for i, c in enumerate(calls) if behaviour in c.get("lag", ()) and c["action"] == action]
    return bool(hits) and any(
        c["action"] == action and behaviour not in c.get("lag", ()) and (c["read"] or c["status"][0].startswith("2"))
        for c in calls[hits[-1] + 1 :]
    )


# Another app: three services, other names, more than one path rule.
THREE_SERVICES = {
    "app_name": "shop",
    "ecr_repository_prefix": "shop-images",
    "app_services": [
        {"name": "web", "port": 80, "health_check_path": "/", "default": True},
        {"name": "api", "port": 8000, "health_check_path": "/health", "paths": ["/api*", "/auth*"]},
        {"name": "admin", "port": 8080, "health_check_path": "/admin/ping", "paths": ["/admin*"]},
    ],
}


def leftovers(port: int, app_name: str, region: str = "us-west-1") -> dict[str, list[str]]:
    """What the collection could have made for ``app_name`` and still exists, by kind (empty lists when clean)."""

    def client(service: str) -> Any:
        return emulator_client(port, service, region)

    ec2, elb, rds, iam = client("ec2"), client("elbv2"), client("rds"), client("iam")
    ours = app_name + "-"
    found = {
        "load balancers": [lb["LoadBalancerName"] for lb in elb.describe_load_balancers()["LoadBalancers"]],
        "target groups": [tg["TargetGroupName"] for tg in elb.describe_target_groups()["TargetGroups"]],
        "security groups": [
            sg["GroupName"] for sg in ec2.describe_security_groups()["SecurityGroups"] if sg["GroupName"] != "default"
        ],
        "network interfaces of services": [
            eni["Description"]
            for eni in ec2.describe_network_interfaces()["NetworkInterfaces"]
            if eni.get("RequesterManaged")
        ],
        "DB instances": [db["DBInstanceIdentifier"] for db in rds.describe_db_instances()["DBInstances"]],
        "DB subnet groups": [g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]],
        "CodeBuild projects": client("codebuild").list_projects()["projects"],
        "ECR repositories": [r["repositoryName"] for r in client("ecr").describe_repositories()["repositories"]],
        "IAM users": [u["UserName"] for u in iam.list_users()["Users"] if u["UserName"].startswith(ours)],
        "IAM groups": [g["GroupName"] for g in iam.list_groups()["Groups"] if g["GroupName"].startswith(ours)],
        "IAM roles": [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(ours)],
        "ECS clusters": [
            c["clusterName"]
            for c in client("ecs").describe_clusters(clusters=client("ecs").list_clusters()["clusterArns"])["clusters"]
            if c["status"] == "ACTIVE"
        ],
        # Issue 21's: the scaler's targets, the generated secrets (not those scheduled for deletion,
        # restorable by design), the certificates and the records beside the zone's own, the alarms.
        "scalable targets": [
            t["ResourceId"]
            for t in client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")[
                "ScalableTargets"
            ]
        ],
        "secrets": [
            s["Name"]
            for s in client("secretsmanager").list_secrets()["SecretList"]
            if s["Name"].startswith(app_name + "/")
        ],
        "certificates": [c["DomainName"] for c in client("acm").list_certificates()["CertificateSummaryList"]],
        "DNS records": [
            r["Name"]
            for zone in client("route53").list_hosted_zones()["HostedZones"]
            for r in client("route53").list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
            if r["Type"] not in ("NS", "SOA")
        ],
        "alarms": [a["AlarmName"] for a in client("cloudwatch").describe_alarms(AlarmNamePrefix=ours)["MetricAlarms"]],
        "SNS topics": [t["TopicArn"] for t in client("sns").list_topics()["Topics"] if f":{ours}" in t["TopicArn"]],
    }
    return {kind: names for kind, names in found.items() if names}
