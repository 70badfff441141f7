"""Security posture of a provisioned environment, read back through the AWS API.

The static scanners do not fit this collection (checkov's Ansible checks cover only
``ec2_instance``; KICS matches pre-FQCN module names and is a Go binary), so this checks what a
run made instead. It starts from the outputs file the run wrote, so it audits exactly that
environment and nothing else in the account, and evaluates on the live resources the rules those
scanners (and AWS Config / Security Hub) encode.

Against the emulator it runs in the tests; against a real account, with your usual credentials::

    .venv/bin/python -m tests.posture inventories/production/.outputs/prod.json --production
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

RULES = {
    "CKV_AWS_24": "no security group lets 0.0.0.0/0 or ::/0 reach port 22",
    "CKV_AWS_17": "the database is not publicly accessible",
    "CKV_AWS_16": "the database storage is encrypted",
    "CKV_AWS_133": "the database keeps backups (retention of 1 day or more)",
    "CKV_AWS_293": "the database has deletion protection (production only)",
    "CKV_AWS_163": "every ECR repository scans images on push",
    "CODEBUILD_PROJECT_ENVVAR_AWSCRED_CHECK": "no AWS credentials in plaintext CodeBuild environment variables",
    "CKV_AWS_40": "IAM policies are attached to groups or roles, never to users",
    "CKV_AWS_111": "the build role writes to ECR only in the app's repositories (no push to every repository)",
    "CKV_AWS_274": "no AdministratorAccess on a user, group or role",
    "CKV_AWS_2": "the load balancer serves HTTPS (plain HTTP only to redirect)",
    "CKV_AWS_51": "ECR image tags are immutable",
    "CodeBuild.5": "CodeBuild builds do not run in privileged mode",
    "ECS.8": "no secrets in plain ECS container environment variables (secrets come through valueFrom)",
    "CKV_AWS_249": "ECS task and execution roles are distinct",
    "CKV_AWS_336": "ECS containers have a read-only root filesystem",
    "ECS.2": "ECS services assign no public IP to their tasks",
}

# Broken on purpose by the course this collection automates; README.md ("Security choices")
# gives the reason for each and the variable that changes it.
ACCEPTED = frozenset({"CKV_AWS_274", "CKV_AWS_2", "CKV_AWS_51", "CodeBuild.5", "CKV_AWS_336", "ECS.2"})

WORLD = {"0.0.0.0/0", "::/0"}
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
CREDENTIAL_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
# Managed policies that let a role push to every repository of the account.
ECR_WRITE_EVERYWHERE = {"AmazonEC2ContainerRegistryPowerUser", "AmazonEC2ContainerRegistryFullAccess"}
ECR_WRITE_ACTIONS = {
    "ecr:*",
    "ecr:putimage",
    "ecr:initiatelayerupload",
    "ecr:uploadlayerpart",
    "ecr:completelayerupload",
}

# Environment variable names that carry a secret when their value is plain text (Security Hub ECS.8
# names the AWS keys and ECS_ENGINE_AUTH_DATA; a password or token by its name is one too).
SECRET_VARIABLE = re.compile(r"^(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|ECS_ENGINE_AUTH_DATA)$|PASSWORD|SECRET|TOKEN")

Client = Callable[[str], Any]


def grants_admin(attached: list[dict[str, Any]]) -> bool:
    """Is AdministratorAccess among these attached managed policies?"""
    return any(policy["PolicyArn"] == ADMIN_POLICY for policy in attached)


def opens_ssh_to_the_world(permission: dict[str, Any]) -> bool:
    """Does this ingress permission let anyone on the internet reach TCP port 22?"""
    if permission["IpProtocol"] not in ("-1", "tcp", "6"):
        return False
    if permission["IpProtocol"] != "-1" and not permission.get("FromPort", 0) <= 22 <= permission.get("ToPort", 65535):
        return False
    cidrs = {r["CidrIp"] for r in permission.get("IpRanges", [])} | {
        r["CidrIpv6"] for r in permission.get("Ipv6Ranges", [])
    }
    return bool(cidrs & WORLD)


def audit_network(client: Client, outputs: dict[str, Any], database: dict[str, Any] | None, found: Any) -> None:
    group_ids = {outputs["load_balancer"]["security_group_id"]} - {""}
    group_ids |= {g["VpcSecurityGroupId"] for g in (database or {}).get("VpcSecurityGroups", [])}
    if not group_ids:
        return
    for group in client("ec2").describe_security_groups(GroupIds=sorted(group_ids))["SecurityGroups"]:
        if any(opens_ssh_to_the_world(permission) for permission in group["IpPermissions"]):
            found["CKV_AWS_24"].append(f"security group {group['GroupName']} ({group['GroupId']})")


def audit_load_balancer(client: Client, outputs: dict[str, Any], found: Any) -> None:
    dns_name = outputs["load_balancer"]["dns_name"]
    elbv2 = client("elbv2")
    balancers = [b for b in elbv2.describe_load_balancers()["LoadBalancers"] if b["DNSName"] == dns_name]
    for balancer in balancers:
        for listener in elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]:
            redirects = all(action["Type"] == "redirect" for action in listener["DefaultActions"])
            if listener["Protocol"] == "HTTP" and not redirects:
                found["CKV_AWS_2"].append(f"listener HTTP:{listener['Port']} of {balancer['LoadBalancerName']}")


def audit_database(client: Client, outputs: dict[str, Any], production: bool, found: Any) -> dict[str, Any] | None:
    endpoint = outputs["database"]["endpoint"]
    if not endpoint:
        return None
    identifier = endpoint.split(".", 1)[0]
    (database,) = client("rds").describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    name = f"database {identifier}"
    if database["PubliclyAccessible"]:
        found["CKV_AWS_17"].append(name)
    if not database["StorageEncrypted"]:
        found["CKV_AWS_16"].append(name)
    if database["BackupRetentionPeriod"] < 1:
        found["CKV_AWS_133"].append(name)
    if production and not database["DeletionProtection"]:
        found["CKV_AWS_293"].append(name)
    return database


def audit_registry(client: Client, outputs: dict[str, Any], found: Any) -> None:
    names = sorted({uri.split("/", 1)[1].rsplit(":", 1)[0] for uri in outputs["ecr_image_uris"].values()})
    if not names:
        return
    for repository in client("ecr").describe_repositories(repositoryNames=names)["repositories"]:
        name = f"repository {repository['repositoryName']}"
        if not repository.get("imageScanningConfiguration", {}).get("scanOnPush"):
            found["CKV_AWS_163"].append(name)
        if repository.get("imageTagMutability", "MUTABLE").startswith("MUTABLE"):
            found["CKV_AWS_51"].append(name)


def audit_build(client: Client, outputs: dict[str, Any], found: Any) -> str | None:
    """Check the CodeBuild project; returns the name of its service role."""
    name = outputs["codebuild"]["project"]
    projects = client("codebuild").batch_get_projects(names=[name])["projects"] if name else []
    for project in projects:
        environment = project["environment"]
        if environment.get("privilegedMode"):
            found["CodeBuild.5"].append(f"project {name}")
        for variable in environment.get("environmentVariables", []):
            if variable["name"] in CREDENTIAL_VARIABLES and variable.get("type", "PLAINTEXT") == "PLAINTEXT":
                found["CODEBUILD_PROJECT_ENVVAR_AWSCRED_CHECK"].append(f"project {name}: {variable['name']}")
        return project["serviceRole"].rsplit("/", 1)[-1]
    return None


def audit_identity(client: Client, outputs: dict[str, Any], role: str | None, found: Any) -> None:
    iam = client("iam")
    user = outputs["iam"]["user"]
    if user:
        attached = iam.list_attached_user_policies(UserName=user)["AttachedPolicies"]
        inline = iam.list_user_policies(UserName=user)["PolicyNames"]
        if attached or inline:
            found["CKV_AWS_40"].append(f"user {user}")
        if grants_admin(attached):
            found["CKV_AWS_274"].append(f"user {user}")
        for group in iam.list_groups_for_user(UserName=user)["Groups"]:
            policies = iam.list_attached_group_policies(GroupName=group["GroupName"])["AttachedPolicies"]
            if grants_admin(policies):
                found["CKV_AWS_274"].append(f"group {group['GroupName']}")
    if role:
        policies = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        if grants_admin(policies):
            found["CKV_AWS_274"].append(f"role {role}")
        if writes_ecr_everywhere(iam, role):
            found["CKV_AWS_111"].append(f"role {role}")


def writes_ecr_everywhere(iam: Any, role: str) -> bool:
    """Does the role hold a managed or inline policy that allows ECR pushes on Resource "*"?"""
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    if any(policy["PolicyName"] in ECR_WRITE_EVERYWHERE for policy in attached):
        return True
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        for statement in iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]["Statement"]:
            actions = {action.lower() for action in _listed(statement.get("Action"))}
            if (
                statement.get("Effect") == "Allow"
                and actions & ECR_WRITE_ACTIONS
                and "*" in _listed(statement.get("Resource"))
            ):
                return True
    return False


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def audit_ecs(client: Client, outputs: dict[str, Any], found: Any) -> None:
    """The services the run made, and the task definitions they run."""
    ecs_outputs = outputs.get("ecs") or {}
    names = [service["service"] for service in (ecs_outputs.get("services") or {}).values()]
    if not names:
        return
    ecs = client("ecs")
    for service in ecs.describe_services(cluster=ecs_outputs["cluster"], services=names)["services"]:
        name = f"service {service['serviceName']}"
        vpc = service.get("networkConfiguration", {}).get("awsvpcConfiguration", {})
        if vpc.get("assignPublicIp") == "ENABLED":
            found["ECS.2"].append(name)
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        family = f"task definition {definition['family']}"
        if definition.get("taskRoleArn") and definition.get("taskRoleArn") == definition.get("executionRoleArn"):
            found["CKV_AWS_249"].append(family)
        for container in definition["containerDefinitions"]:
            if not container.get("readonlyRootFilesystem"):
                found["CKV_AWS_336"].append(f"{family}: {container['name']}")
            for variable in container.get("environment") or []:
                if SECRET_VARIABLE.search(variable["name"]):
                    found["ECS.8"].append(f"{family}: {variable['name']}")


def audit(client: Client, outputs: dict[str, Any], production: bool = False) -> dict[str, list[str]]:
    """Rule id -> the resources of this environment that break it (rules that hold are absent)."""
    found: defaultdict[str, list[str]] = defaultdict(list)
    database = audit_database(client, outputs, production, found)
    audit_network(client, outputs, database, found)
    audit_load_balancer(client, outputs, found)
    audit_registry(client, outputs, found)
    role = audit_build(client, outputs, found)
    audit_identity(client, outputs, role, found)
    audit_ecs(client, outputs, found)
    return dict(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("outputs", type=Path, help="the outputs file a site.yml run wrote")
    parser.add_argument("--production", action="store_true", help="also require deletion protection")
    parser.add_argument("--profile", help="AWS profile (default: the usual credential chain)")
    args = parser.parse_args(argv)

    import boto3

    outputs = json.loads(args.outputs.read_text())
    session = boto3.Session(profile_name=args.profile, region_name=outputs["region"])
    findings = audit(session.client, outputs, args.production)
    for rule, description in RULES.items():
        if rule == "CKV_AWS_293" and not args.production:
            continue
        verdict = "ok" if rule not in findings else ("accepted" if rule in ACCEPTED else "FAIL")
        print(f"{verdict:8} {rule:40} {description}")
        for resource in findings.get(rule, []):
            print(f"{'':8} {'':40}   {resource}")
    return 1 if set(findings) - ACCEPTED else 0


if __name__ == "__main__":
    sys.exit(main())
