"""Security posture: converge with the production inventory's settings, read the stack back, audit it.

The rules are the ones checkov, KICS and AWS Config encode (tests/posture.py); the only ones
broken must be those the course breaks on purpose, each documented in README.md.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.emulator.client import emulator_client
from tests.posture import ACCEPTED, RULES, audit
from tests.posture import main as posture_main

from .conftest import recap

# Connection and file settings stay the local inventory's: the rest is production's.
LOCAL_ONLY = {"ansible_connection", "ansible_python_interpreter", "aws_profile", "iam_user_credentials_file"}
PLACEHOLDERS = {"codebuild_source_location"}


def production_settings() -> dict[str, Any]:
    folder = REPO / "inventories" / "production"
    settings = yaml.safe_load((folder / "group_vars" / "aws_environments.yml").read_text())
    settings.update(yaml.safe_load((folder / "host_vars" / "prod.yml").read_text()))
    return {key: value for key, value in settings.items() if key not in LOCAL_ONLY | PLACEHOLDERS}


@pytest.fixture(scope="module")
def stack(recording_emulator: Any, converge: Any) -> Any:
    """Converge once with production settings; returns (a client factory, the run's outputs)."""
    settings = production_settings()
    run, _calls, state = converge(**settings)
    assert recap(run.stdout)["failed"] == 0
    outputs = json.loads((state / ".outputs" / "local.json").read_text())
    return (lambda service: emulator_client(recording_emulator[0], service, settings["aws_region"])), outputs


def test_production_settings_are_what_the_audit_expects():
    settings = production_settings()
    assert settings["rds_deletion_protection"] is True
    assert settings["rds_backup_retention_days"] >= 1
    assert settings["aws_region"] == "ap-southeast-2"


def test_only_the_documented_rules_are_broken(stack):
    client, outputs = stack
    findings = audit(client, outputs, production=True)
    # ECS (on by default) deploys unique commit tags, so the repositories' tags are immutable.
    assert set(findings) == ACCEPTED - {"CKV_AWS_51"}, findings
    # The accepted breaks are the course's own resources, nothing more.
    assert findings["CKV_AWS_274"] == ["group flask-react-admins"]
    assert findings["CKV_AWS_2"] == ["listener HTTP:80 of flask-react-alb"]
    assert findings["CodeBuild.5"] == ["project flask-react-build"]
    # The tasks get a public IP (the default VPC has no NAT) and write to their filesystem.
    assert findings["ECS.2"] == ["service flask-react-client", "service flask-react-users"]
    assert findings["CKV_AWS_336"] == [
        "task definition flask-react-client: client",
        "task definition flask-react-users: users",
    ]


def test_command_line_reports_accepted_rules_and_passes(stack, tmp_path, monkeypatch, capsys):
    client, outputs = stack
    (tmp_path / "prod.json").write_text(json.dumps(outputs))
    monkeypatch.setenv("AWS_ENDPOINT_URL", client("sts").meta.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert posture_main([str(tmp_path / "prod.json"), "--production"]) == 0
    report = capsys.readouterr().out
    assert re.search(r"^ok\s+CKV_AWS_293\s", report, re.MULTILINE), report
    assert re.search(r"^accepted\s+CKV_AWS_2\s", report, re.MULTILINE), report
    assert "FAIL" not in report


def test_readme_gives_every_rule_and_every_deliberate_break_a_reason():
    section = README_SECURITY.search((REPO / "README.md").read_text())
    assert section, "README.md has no 'Security choices' section"
    rows = {rule: row for row in section.group(0).splitlines() for rule in RULES if f"{rule})" in row}
    assert set(rows) == set(RULES), set(RULES) - set(rows)
    for rule in ACCEPTED:
        assert "broken on purpose" in rows[rule], rows[rule]
        assert rows[rule].rsplit("|", 2)[-2].strip(), f"{rule}: no reason or way to change it"


README_SECURITY = re.compile(r"^## Security choices\n(.*?)(?=^## )", re.MULTILINE | re.DOTALL)


def test_the_audit_catches_each_kept_rule_once_broken(stack):
    """Break every kept rule behind the playbook's back: the audit must name each resource."""
    client, outputs = stack
    database_id = outputs["database"]["endpoint"].split(".", 1)[0]
    client("ec2").authorize_security_group_ingress(
        GroupId=outputs["load_balancer"]["security_group_id"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    client("rds").modify_db_instance(
        DBInstanceIdentifier=database_id,
        PubliclyAccessible=True,
        BackupRetentionPeriod=0,
        DeletionProtection=False,
        ApplyImmediately=True,
    )
    client("ecr").put_image_scanning_configuration(
        repositoryName="test-driven-users", imageScanningConfiguration={"scanOnPush": False}
    )
    client("iam").attach_user_policy(
        UserName=outputs["iam"]["user"], PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    project = client("codebuild").batch_get_projects(names=[outputs["codebuild"]["project"]])["projects"][0]
    environment = dict(project["environment"])
    environment["environmentVariables"] = [
        *environment.get("environmentVariables", []),
        {"name": "AWS_SECRET_ACCESS_KEY", "value": "not-a-real-key", "type": "PLAINTEXT"},
    ]
    client("codebuild").update_project(name=project["name"], environment=environment)
    role = project["serviceRole"].rsplit("/", 1)[-1]
    client("iam").attach_role_policy(
        RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"
    )
    # A task definition with a password in plain text, running as its own execution role.
    ecs = client("ecs")
    cluster = outputs["ecs"]["cluster"]
    users = ecs.describe_services(cluster=cluster, services=["flask-react-users"])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=users["taskDefinition"])["taskDefinition"]
    container = dict(definition["containerDefinitions"][0], environment=[{"name": "DB_PASSWORD", "value": "x"}])
    revision = ecs.register_task_definition(
        family=definition["family"],
        containerDefinitions=[container],
        executionRoleArn=definition["executionRoleArn"],
        taskRoleArn=definition["executionRoleArn"],
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu=definition["cpu"],
        memory=definition["memory"],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=cluster, service="flask-react-users", taskDefinition=revision)

    findings = audit(client, outputs, production=True)

    assert set(findings) - ACCEPTED == {
        "ECS.8",
        "CKV_AWS_249",
        "CKV_AWS_24",
        "CKV_AWS_17",
        "CKV_AWS_133",
        "CKV_AWS_293",
        "CKV_AWS_163",
        "CKV_AWS_40",
        "CKV_AWS_111",
        "CODEBUILD_PROJECT_ENVVAR_AWSCRED_CHECK",
    }, findings
    assert findings["CKV_AWS_111"] == [f"role {role}"]
    group_id = outputs["load_balancer"]["security_group_id"]
    assert findings["CKV_AWS_24"] == [f"security group flask-react-security-group ({group_id})"]
    assert findings["CKV_AWS_17"] == findings["CKV_AWS_133"] == findings["CKV_AWS_293"] == [f"database {database_id}"]
    assert findings["CKV_AWS_163"] == ["repository test-driven-users"]
    assert findings["CKV_AWS_40"] == ["user flask-react-admin"]
    assert findings["CODEBUILD_PROJECT_ENVVAR_AWSCRED_CHECK"] == ["project flask-react-build: AWS_SECRET_ACCESS_KEY"]
    assert findings["ECS.8"] == ["task definition flask-react-users: DB_PASSWORD"]
    assert findings["CKV_AWS_249"] == ["task definition flask-react-users"]
