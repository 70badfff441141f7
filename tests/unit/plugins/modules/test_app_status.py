"""app_status against the emulator: one read of each kind for the whole app (DescribeServices for all
services, one DescribeTargetGroups, one DescribeTaskDefinition per revision), what is missing said as
missing (no cluster, no service, no target group, no project, no build, no database), never an error."""

import uuid

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.flask_react.aws.plugins.modules.app_status import inspect

from tests.emulator.client import github_project
from tests.unit.plugins.modules.counting import Counting

pytestmark = pytest.mark.emulator


@pytest.fixture
def clients(aws):
    """``clients(name)`` as the module makes them (retrying), counting into ``clients.calls``."""
    calls = []

    def make(name):
        return RetryingBotoClientWrapper(Counting(aws(name), calls), AWSRetry.jittered_backoff())

    make.calls = calls
    return make


def params(**more):
    return dict(dict(cluster="", services=[], codebuild_project="", builds=3, db_instance_identifier=""), **more)


def model_services(app, names):
    """The app model's shape: more keys than the module reads."""
    return [
        {"name": name, "service": f"{app}-{name}", "target_group": f"{app}-{name}-tg", "port": 5000, "default": False}
        for name in names
    ]


@pytest.fixture
def app(aws):
    """A cluster with one running service of two tasks, its target group with one healthy target, a project
    with one (failed) build. The second service of the app was never created."""
    app = f"st{uuid.uuid4().hex[:8]}"
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]["GroupId"]
    elbv2 = aws("elbv2")
    arn = elbv2.create_target_group(Name=f"{app}-users-tg", Protocol="HTTP", Port=5000, VpcId=vpc, TargetType="ip")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": "172.31.0.10", "Port": 5000}])
    ecs = aws("ecs")
    ecs.create_cluster(clusterName=f"{app}-cluster")
    ecs.register_task_definition(
        family=f"{app}-users",
        containerDefinitions=[
            {"name": "users", "image": "nginx:1.27", "memory": 512, "secrets": [{"name": "DB", "valueFrom": "arn"}]}
        ],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    ecs.create_service(
        cluster=f"{app}-cluster",
        serviceName=f"{app}-users",
        taskDefinition=f"{app}-users",
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
    )
    codebuild = aws("codebuild")
    github_project(codebuild, f"{app}-build", "build")
    codebuild.start_build(projectName=f"{app}-build", sourceVersion="main")
    return app


def test_a_running_service_its_targets_and_the_last_build_in_one_read_each(app, clients):
    result = inspect(
        clients,
        params(
            cluster=f"{app}-cluster",
            services=model_services(app, ["users", "client"]),
            codebuild_project=f"{app}-build",
            db_instance_identifier=f"{app}-db",
        ),
    )
    assert clients.calls == [
        "describe_services",
        "describe_task_definition",
        "describe_target_groups",
        # One of the two groups is missing: each is asked for alone.
        "describe_target_groups",
        "describe_target_groups",
        "describe_target_health",
        "list_builds_for_project",
        "batch_get_builds",
        "describe_db_instances",
    ]
    users, client = result["services"]
    ecs = users["ecs"]
    assert ecs["found"] and (ecs["desired"], ecs["running"], ecs["pending"]) == (2, 2, 0)
    assert users["ecs"]["task_definition"] == f"{app}-users:1"
    assert users["ecs"]["images"] == ["nginx:1.27"]
    [deployment] = users["ecs"]["deployments"]
    assert (deployment["status"], deployment["rollout_state"], deployment["running"]) == ("PRIMARY", "COMPLETED", 2)
    assert users["target_group"] == {
        "name": f"{app}-users-tg",
        "found": True,
        "targets": [{"id": "172.31.0.10", "port": 5000, "state": "healthy", "reason": ""}],
    }
    assert client["ecs"] == {"found": False}
    assert client["target_group"] == {"name": f"{app}-client-tg", "found": False, "targets": []}
    [build] = result["builds"]["builds"]
    assert build["id"].startswith(f"{app}-build:") and build["commit"] == "main" and build["status"]
    assert result["database"] == {"identifier": f"{app}-db", "found": False}
    lines = result["lines"]
    assert lines[0] == f"service users: ACTIVE desired 2 running 2 pending 0, {app}-users:1 nginx:1.27"
    assert lines[1].startswith(f"  deployment {deployment['id']} PRIMARY COMPLETED {app}-users:1 running 2/2")
    assert lines[2] == f"  target group {app}-users-tg: 172.31.0.10:5000 healthy"
    assert lines[3:5] == ["service client: not found in the cluster", f"  target group {app}-client-tg: not found"]
    assert lines[-1] == f"database {app}-db: not found"
    # No secret of the task definition reaches the result.
    assert "valueFrom" not in repr(result)


def test_ecs_off_no_cluster_no_project_are_said_without_an_error(aws, clients):
    app = f"st{uuid.uuid4().hex[:8]}"
    result = inspect(clients, params(services=model_services(app, ["users"]), codebuild_project=f"{app}-build"))
    # ECS off: the services are not read; their target groups are.
    assert clients.calls == ["describe_target_groups", "describe_target_groups", "list_builds_for_project"]
    assert result["lines"] == [
        "service users: ECS off",
        f"  target group {app}-users-tg: not found",
        f"builds of {app}-build: no such project",
    ]
    clients.calls.clear()
    result = inspect(clients, params(cluster=f"{app}-cluster", services=model_services(app, ["users"])))
    assert result["services"][0]["ecs"] == {"found": False}
    assert clients.calls[0] == "describe_services"


def test_a_project_without_builds_and_an_available_database(aws, clients):
    app = f"st{uuid.uuid4().hex[:8]}"
    github_project(aws("codebuild"), f"{app}-build", "build")
    aws("rds").create_db_instance(
        DBInstanceIdentifier=f"{app}-db",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="webapp",
        ManageMasterUserPassword=True,
    )
    result = inspect(clients, params(codebuild_project=f"{app}-build", db_instance_identifier=f"{app}-db"))
    assert clients.calls == ["list_builds_for_project", "describe_db_instances"]
    assert result["builds"] == {"project": f"{app}-build", "found": True, "builds": []}
    database = result["database"]
    assert database["found"] and database["engine"] == "postgres" and database["instance_class"] == "db.t3.micro"
    assert database["status"] and database["endpoint"].endswith(":5432")
    assert "MasterUserSecret" not in repr(result) and "secret" not in repr(result).lower()
    assert result["lines"] == [
        f"builds of {app}-build: none yet",
        f"database {app}-db: {database['status']} (postgres {database['engine_version']}, db.t3.micro)"
        f" {database['endpoint']}",
    ]
