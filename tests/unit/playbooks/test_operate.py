"""playbooks/status.yml, logs.yml and run_task.yml on the default app (client and users), against a few resources
made with boto3 on this file's emulator (not a converged site.yml): what they print, that they only read, and
that an unknown service stops logs.yml before any AWS call; that run_task.yml runs one task, prints its lines and
fails with its exit code."""

import json
import time
import uuid

import pytest

from tests.emulator.client import emulator_client, github_project
from tests.unit.playbooks.conftest import writes

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def aws(recording_emulator):
    port = recording_emulator[0]
    return lambda service: emulator_client(f"http://127.0.0.1:{port}", service, "us-west-1")


def actions(calls):
    return sorted({f"{call['service']}:{call['action']}" for call in calls})


def test_status_prints_services_targets_builds_and_database(playbook, aws):
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]["GroupId"]
    arn = aws("elbv2").create_target_group(
        Name="flask-react-users-tg", Protocol="HTTP", Port=5000, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    aws("elbv2").register_targets(TargetGroupArn=arn, Targets=[{"Id": "172.31.0.10", "Port": 5000}])
    ecs = aws("ecs")
    ecs.create_cluster(clusterName="flask-react-cluster")
    ecs.register_task_definition(
        family="flask-react-users",
        containerDefinitions=[{"name": "users", "image": "nginx:1.27", "memory": 512}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    ecs.create_service(
        cluster="flask-react-cluster",
        serviceName="flask-react-users",
        taskDefinition="flask-react-users",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
    )
    github_project(
        aws("codebuild"), "flask-react-build", "flask-react-build-role", "https://github.com/example/flask-react.git"
    )
    build = aws("codebuild").start_build(projectName="flask-react-build", sourceVersion="main")["build"]["id"]

    run, calls = playbook("status.yml")
    assert run.returncode == 0, run.stdout[-3000:]
    printed = [line.strip() for line in run.stdout.splitlines()]
    assert "service client: not found in the cluster" in printed
    assert "target group flask-react-client-tg: not found" in printed
    assert "service users: ACTIVE desired 1 running 1 pending 0, flask-react-users:1 nginx:1.27" in printed
    assert " PRIMARY COMPLETED flask-react-users:1 running 1/1 (updated 20" in run.stdout
    assert "target group flask-react-users-tg: 172.31.0.10:5000 healthy" in printed
    assert f"build {build}: " in run.stdout and " commit main started 20" in run.stdout
    assert "database flask-react-db: not found" in printed
    # Reads only.
    assert all(call["read"] for call in calls), actions(calls)
    assert actions(calls) == [
        "codebuild:BatchGetBuilds",
        "codebuild:ListBuildsForProject",
        "ecs:DescribeServices",
        "ecs:DescribeTaskDefinition",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        # aws_caller_info's, with GetCallerIdentity: the app role reads the account.
        "iam:ListAccountAliases",
        "rds:DescribeDBInstances",
        "sts:GetCallerIdentity",
    ]


def test_logs_prints_the_service_lines_and_refuses_an_unknown_service(playbook, aws):
    run, calls = playbook("logs.yml", "-e", "service=nope")
    assert run.returncode != 0
    assert "service: 'nope' is not a service of app_services; known: client, users (-e service=<name>)" in run.stdout
    assert calls == []

    logs = aws("logs")
    logs.create_log_group(logGroupName="/ecs/flask-react-users")
    task = uuid.uuid4().hex
    logs.create_log_stream(logGroupName="/ecs/flask-react-users", logStreamName=f"ecs/users/{task}")
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName="/ecs/flask-react-users",
        logStreamName=f"ecs/users/{task}",
        logEvents=[
            {"timestamp": now - 40 * 60000, "message": "older than since"},
            {"timestamp": now - 3000, "message": "[INFO] Booting worker with pid: 8"},
            {"timestamp": now - 2000, "message": '172.31.0.5 - - "GET /ping HTTP/1.1" 200 -'},
        ],
    )
    run, calls = playbook("logs.yml", "-e", "service=users")
    assert run.returncode == 0, run.stdout[-3000:]
    assert f"Z [{task}] [INFO] Booting worker with pid: 8" in run.stdout
    assert "older than since" not in run.stdout
    assert run.stdout.index("Booting worker") < run.stdout.index("GET /ping")
    assert actions(calls) == ["iam:ListAccountAliases", "logs:FilterLogEvents", "sts:GetCallerIdentity"]
    run, _calls = playbook("logs.yml", "-e", "service=users", "-e", "since=60")
    assert "older than since" in run.stdout


def users_service_with_logs(aws):
    """The users service on its current task definition, a revision logging to /ecs/flask-react-users (awslogs)."""
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]["GroupId"]
    logs, ecs = aws("logs"), aws("ecs")
    if not logs.describe_log_groups(logGroupNamePrefix="/ecs/flask-react-users")["logGroups"]:
        logs.create_log_group(logGroupName="/ecs/flask-react-users")
    ecs.create_cluster(clusterName="flask-react-cluster")
    revision = ecs.register_task_definition(
        family="flask-react-users",
        containerDefinitions=[
            {
                "name": "users",
                "image": "nginx:1.27",
                "memory": 512,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/flask-react-users",
                        "awslogs-region": "us-west-1",
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            }
        ],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}}
    found = ecs.describe_services(cluster="flask-react-cluster", services=["flask-react-users"])["services"]
    if [service for service in found if service["status"] == "ACTIVE"]:
        ecs.update_service(
            cluster="flask-react-cluster",
            service="flask-react-users",
            taskDefinition=revision,
            networkConfiguration=network,
        )
    else:
        ecs.create_service(
            cluster="flask-react-cluster",
            serviceName="flask-react-users",
            taskDefinition=revision,
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration=network,
        )
    return revision


def test_run_task_runs_the_command_prints_its_lines_and_fails_with_its_exit_code(playbook, aws):
    run, calls = playbook("run_task.yml", "-e", "service=users", "-e", "command=recreate_db")
    assert run.returncode != 0
    assert "command: must be a non-empty list of words, for example" in run.stdout
    assert calls == []

    revision = users_service_with_logs(aws)
    command = ["python", "manage.py", "recreate_db"]
    run, calls = playbook(
        "run_task.yml", "-e", "service=users", "-e", json.dumps({"command": command, "poll_seconds": 1})
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "Z python manage.py recreate_db" in run.stdout
    task = aws("ecs").list_tasks(cluster="flask-react-cluster", startedBy="flask_react.aws.ecs_run_task")["taskArns"]
    assert len(task) == 1
    assert (
        aws("ecs").describe_tasks(cluster="flask-react-cluster", tasks=task)["tasks"][0]["taskDefinitionArn"]
        == revision
    )
    # One write: the task.
    assert writes(calls) == ["ecs:RunTask"]
    assert actions(calls) == [
        "ecs:DescribeServices",
        "ecs:DescribeTaskDefinition",
        "ecs:DescribeTasks",
        "ecs:RunTask",
        "iam:ListAccountAliases",
        "logs:GetLogEvents",
        "sts:GetCallerIdentity",
    ]

    # The emulator logs a command's words and ends it with its `exit`.
    command = ["sh", "-c", "python manage.py seed_db && exit 3"]
    run, _calls = playbook(
        "run_task.yml", "-e", "service=users", "-e", json.dumps({"command": command, "poll_seconds": 1})
    )
    assert run.returncode != 0
    assert "Z python manage.py seed_db" in run.stdout
    assert ": exit code 3 (Essential container in task exited)" in run.stdout
