"""Print what exists in the emulator: ``python -m tests.emulator.report --port 4566``.

`make demo` runs this after site.yml so a new user sees what was made.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from tests.emulator.client import emulator_client
from tests.emulator.server import DEFAULT_PORT


def report(endpoint: str, region: str) -> list[str]:
    def client(service: str) -> Any:
        return emulator_client(endpoint, service, region)

    lines = [f"What the emulator at {endpoint} holds in {region}:"]
    for user in client("iam").list_users()["Users"]:
        lines.append(f"  IAM user        {user['UserName']}")
    for repo in client("ecr").describe_repositories()["repositories"]:
        lines.append(f"  ECR repository  {repo['repositoryUri']}")
    for name in client("codebuild").list_projects()["projects"]:
        lines.append(f"  CodeBuild       {name}")
    elb = client("elbv2")
    for lb in elb.describe_load_balancers()["LoadBalancers"]:
        lines.append(f"  Load balancer   {lb['LoadBalancerName']}  http://{lb['DNSName']}")
    for tg in elb.describe_target_groups()["TargetGroups"]:
        lines.append(
            f"  Target group    {tg['TargetGroupName']}  port {tg['Port']}  health {tg.get('HealthCheckPath')}"
        )
    for db in client("rds").describe_db_instances()["DBInstances"]:
        endpoint_address = db.get("Endpoint", {}).get("Address", "(creating)")
        lines.append(
            f"  RDS instance    {db['DBInstanceIdentifier']}  {db['Engine']} {db['EngineVersion']}  {endpoint_address}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator.report")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMULATOR_PORT", DEFAULT_PORT)))
    parser.add_argument("--region", default="us-west-1")
    args = parser.parse_args()
    print("\n".join(report(f"http://127.0.0.1:{args.port}", args.region)))


if __name__ == "__main__":
    main()
