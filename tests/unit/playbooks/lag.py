"""Helpers of the lag tests: an emulator playing back AWS's lags, and what must be gone after teardown."""

from __future__ import annotations

import os
from typing import Any

from tests.emulator.client import emulator_client

# Seconds each of AWS's lags lasts: long enough that a role which does not wait fails, short
# enough to keep the tests cheap (issue 13 asks for a few seconds per window). AWS_LAG_SECONDS=5
# times the 5 s windows.
LAG = float(os.environ.get("AWS_LAG_SECONDS", "3"))

# Poll the database every 2 s instead of every 15 s (rds_wait_delay, a documented knob): the waits
# stay bounded and visible, the windows are 3 s here and minutes on AWS.
POLL = {"rds_wait_delay": 2}

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
    }
    return {kind: names for kind, names in found.items() if names}
