"""ecs_run_task against the emulator (fills/ecs_tasks.py runs RunTask's tasks to STOPPED over DescribeTasks calls):
one task of the service's current task definition, with its network configuration and the command override, waited
for, its exit code and log lines returned; a non-zero or missing exit code, a timeout and a missing service fail
with one message naming what happened; check mode reads only."""

import uuid

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.flask_react.aws.plugins.modules.ecs_run_task import RunTaskError, run

from tests.unit.plugins.modules.counting import Counting

pytestmark = pytest.mark.emulator


@pytest.fixture
def clients(aws):
    """``clients(name, region)`` as the module makes them (retrying), counting into ``clients.calls``."""
    calls = []

    def make(name, region=None):
        return RetryingBotoClientWrapper(Counting(aws(name), calls), AWSRetry.jittered_backoff())

    make.calls = calls
    return make


class Clock:
    """A clock that moves only when the module sleeps."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def app(aws):
    """A cluster and the users service, its task definition at revision 2 (awslogs, prefix ecs) on two subnets."""
    app = f"rt{uuid.uuid4().hex[:8]}"
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    group = ec2.create_security_group(GroupName=f"{app}-ecs", Description="tasks", VpcId=vpc)["GroupId"]
    aws("logs").create_log_group(logGroupName=f"/ecs/{app}-users")
    ecs = aws("ecs")
    ecs.create_cluster(clusterName=f"{app}-cluster")
    for image in ("nginx:1.26", "nginx:1.27"):
        ecs.register_task_definition(
            family=f"{app}-users",
            containerDefinitions=[
                {
                    "name": "users",
                    "image": image,
                    "memory": 512,
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": f"/ecs/{app}-users",
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
        )
    network = {"awsvpcConfiguration": {"subnets": subnets[:2], "securityGroups": [group], "assignPublicIp": "ENABLED"}}
    ecs.create_service(
        cluster=f"{app}-cluster",
        serviceName=f"{app}-users",
        taskDefinition=f"{app}-users:2",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=network,
        tags=[{"key": "app", "value": app}],
    )
    return {"name": app, "cluster": f"{app}-cluster", "service": f"{app}-users", "network": network}


def params(app, command, **more):
    base = dict(cluster=app["cluster"], service=app["service"], container="users", command=command)
    return dict(base, timeout=600, poll_seconds=6) | more


def test_runs_the_command_in_the_service_task_definition_and_returns_its_lines(app, clients, aws):
    clock = Clock()
    result = run(clients, params(app, ["python", "manage.py", "recreate_db"]), clock=clock, sleep=clock.sleep)

    assert result["exit_code"] == 0
    assert result["stopped_reason"] == "Essential container in task exited"
    assert result["task_definition"].endswith(f":task-definition/{app['service']}:2")
    assert result["network_configuration"] == app["network"]
    assert len(result["lines"]) == 1 and result["lines"][0].endswith("Z python manage.py recreate_db")
    assert result["log_stream"] == f"/ecs/{app['service']} ecs/users/{result['task_id']}"
    # The task as ECS has it: the current revision, the service's subnet, the override, started by the module.
    task = aws("ecs").describe_tasks(cluster=app["cluster"], tasks=[result["task_arn"]], include=["TAGS"])["tasks"][0]
    assert task["taskDefinitionArn"] == result["task_definition"]
    assert task["launchType"] == "FARGATE"
    assert task["overrides"]["containerOverrides"] == [
        {"name": "users", "command": ["python", "manage.py", "recreate_db"]}
    ]
    assert task["startedBy"] == "flask_react.aws.ecs_run_task"
    assert task["tags"] == [{"key": "app", "value": app["name"]}]
    subnet = next(d["value"] for d in task["attachments"][0]["details"] if d["name"] == "subnetId")
    assert subnet == app["network"]["awsvpcConfiguration"]["subnets"][0]
    # One read of the service and of its task definition, RunTask once, DescribeTasks until STOPPED
    # (PENDING, RUNNING, STOPPED), the log stream read to its end (GetLogEvents answers its token again);
    # a poll's wait between two DescribeTasks.
    assert clients.calls == [
        "describe_services",
        "describe_task_definition",
        "run_task",
        "describe_tasks",
        "describe_tasks",
        "describe_tasks",
        "get_log_events",
        "get_log_events",
    ]
    assert clock.now == 1012.0


def test_a_non_zero_exit_fails_with_the_code_and_keeps_the_lines(app, clients):
    clock = Clock()
    command = ["sh", "-c", "echo dropping tables; echo seeding && exit 3"]
    with pytest.raises(RunTaskError) as raised:
        run(clients, params(app, command), clock=clock, sleep=clock.sleep)

    result = raised.value.result
    assert raised.value.msg == (
        f"container users of task {result['task_id']}: exit code 3 (Essential container in task exited)"
    )
    assert result["exit_code"] == 3 and result["stop_code"] == "EssentialContainerExited"
    assert [line.split(" ", 1)[1] for line in result["lines"]] == ["dropping tables", "seeding"]


def test_a_task_still_running_at_the_timeout_is_stopped_and_fails(app, clients):
    clock = Clock()
    with pytest.raises(RunTaskError) as raised:
        run(clients, params(app, ["sh", "-c", "sleep 100"], timeout=20, poll_seconds=5), clock=clock, sleep=clock.sleep)

    result = raised.value.result
    assert (
        raised.value.msg == f"task {result['task_id']}: still running after timeout=20 seconds; stopped it (StopTask)"
    )
    assert result["timed_out"] is True
    assert result["stop_code"] == "UserInitiated" and result["exit_code"] == 137
    assert result["stopped_reason"] == "flask_react.aws.ecs_run_task: still running after the timeout of 20 seconds"
    # Polled for 20 seconds (5 reads), then stopped; no line yet, so the stream was read again once.
    assert clients.calls.count("describe_tasks") == 5 and clients.calls.count("stop_task") == 1
    assert clients.calls[-2:] == ["get_log_events", "get_log_events"] and clock.now == 1000.0 + 20 + 5


def test_an_image_that_cannot_be_pulled_fails_with_no_exit_code(app, clients, aws):
    ecs = aws("ecs")
    missing = f"123456789012.dkr.ecr.us-west-1.amazonaws.com/{app['name']}-users:prod"
    ecs.register_task_definition(
        family=app["service"],
        containerDefinitions=[{"name": "users", "image": missing, "memory": 512}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    ecs.update_service(cluster=app["cluster"], service=app["service"], taskDefinition=f"{app['service']}:3")
    clock = Clock()
    with pytest.raises(RunTaskError) as raised:
        run(clients, params(app, ["python", "manage.py", "seed_db"]), clock=clock, sleep=clock.sleep)

    result = raised.value.result
    assert raised.value.msg.startswith(
        f"container users of task {result['task_id']}: no exit code (CannotPullContainerError"
    )
    assert result["exit_code"] is None and result["stop_code"] == "TaskFailedToStart"
    # No awslogs: no log read.
    assert result["lines"] == [] and "get_log_events" not in clients.calls


def test_a_service_not_created_yet_fails_before_any_write(app, clients):
    with pytest.raises(RunTaskError) as raised:
        run(clients, dict(params(app, ["true"]), service=f"{app['name']}-client"))
    assert raised.value.msg == (
        f"service {app['name']}-client: not found in cluster {app['cluster']} (run playbooks/site.yml to create it)"
    )
    with pytest.raises(RunTaskError) as raised:
        run(clients, dict(params(app, ["true"]), cluster=f"{app['name']}-nope"))
    assert raised.value.msg == f"cluster {app['name']}-nope: not found (run playbooks/site.yml with ecs_enabled)"
    assert clients.calls == ["describe_services", "describe_services"]


def test_a_container_not_in_the_task_definition_fails_before_any_write(app, clients):
    with pytest.raises(RunTaskError) as raised:
        run(clients, dict(params(app, ["true"]), container="web"))
    assert raised.value.msg.startswith("container: web is not a container of ")
    assert raised.value.msg.endswith(" (it has users)")
    assert clients.calls == ["describe_services", "describe_task_definition"]


def test_check_mode_reads_and_plans_the_task_only(app, clients, aws):
    result = run(clients, params(app, ["python", "manage.py", "recreate_db"]), check_mode=True)

    assert result["plan"] == [{"type": "AWS::ECS::Task", "name": app["service"], "action": "create"}]
    assert result["task_arn"] == "" and result["exit_code"] is None
    assert clients.calls == ["describe_services", "describe_task_definition"]
    assert aws("ecs").list_tasks(cluster=app["cluster"])["taskArns"] == []
