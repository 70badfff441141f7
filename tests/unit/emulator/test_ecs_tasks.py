"""fills/ecs_tasks.py: RunTask's tasks go PROVISIONING..STOPPED one DescribeTasks call at a time, with exit codes,
stop codes and awslogs lines; the command is the knob; ECS's start errors and StopTask as ECS reports them."""

import uuid

import pytest

from tests.emulator.fills.ecs_tasks import run_of

pytestmark = pytest.mark.emulator


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            ["python", "manage.py", "recreate_db"],
            {"lines": ["python manage.py recreate_db"], "exit_code": 0, "sleep": 0},
        ),
        (["sh", "-c", "echo 'a  b'; exit 4; echo never"], {"lines": ["a  b"], "exit_code": 4, "sleep": 0}),
        (
            ["/bin/sh", "-c", "sleep 2 && flask db upgrade\necho ok"],
            {"lines": ["flask db upgrade", "ok"], "exit_code": 0, "sleep": 2},
        ),
        (["bash", "-c", "exit"], {"lines": [], "exit_code": 0, "sleep": 0}),
        ([], {"lines": [], "exit_code": 0, "sleep": 0}),
    ],
)
def test_a_command_is_read_as_its_lines_exit_code_and_sleep(command, expected):
    assert run_of(command) == expected


@pytest.fixture
def cluster(aws):
    """``run(command)``: a task of a new revision logging to a new group (missing unless ``group_exists``), on a cluster
    of the default VPC; returns (RunTask's task, the group)."""
    name = f"et{uuid.uuid4().hex[:8]}"
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    aws("ecs").create_cluster(clusterName=name)

    def run(command, group_exists=True, **options):
        log_group = f"/ecs/{name}-{uuid.uuid4().hex[:4]}"
        if group_exists:
            aws("logs").create_log_group(logGroupName=log_group)
        aws("ecs").register_task_definition(
            family=name,
            containerDefinitions=[
                {
                    "name": "api",
                    "image": "nginx:1.27",
                    "memory": 512,
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {"awslogs-group": log_group, "awslogs-stream-prefix": "ecs", **options},
                    },
                }
            ],
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
        )
        task = aws("ecs").run_task(
            cluster=name,
            taskDefinition=name,
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": []}},
            overrides={"containerOverrides": [{"name": "api", "command": command}]},
        )["tasks"][0]
        return task, log_group

    run.name = name
    return run


def describe(aws, cluster, task):
    return aws("ecs").describe_tasks(cluster=cluster, tasks=[task["taskArn"]])["tasks"][0]


def test_a_task_goes_to_stopped_one_describe_at_a_time_and_logs_its_lines(aws, cluster):
    task, group = cluster(["sh", "-c", "echo migrating; sleep 1; exit 2"])

    assert task["lastStatus"] == "PROVISIONING"
    seen = [describe(aws, cluster.name, task) for _look in range(5)]
    assert [t["lastStatus"] for t in seen] == ["PENDING", "RUNNING", "RUNNING", "STOPPED", "STOPPED"]
    stopped = seen[-1]
    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["stoppedReason"] == "Essential container in task exited"
    assert stopped["desiredStatus"] == "STOPPED"
    assert [(c["name"], c["lastStatus"], c["exitCode"]) for c in stopped["containers"]] == [("api", "STOPPED", 2)]
    stream = f"ecs/api/{task['taskArn'].rsplit('/', 1)[-1]}"
    events = aws("logs").get_log_events(logGroupName=group, logStreamName=stream)["events"]
    assert [event["message"] for event in events] == ["migrating"]


def test_a_missing_log_group_stops_the_task_before_it_runs_unless_the_driver_creates_it(aws, cluster):
    task, _group = cluster(["true"], group_exists=False)
    seen = [describe(aws, cluster.name, task) for _look in range(2)]
    assert [t["lastStatus"] for t in seen] == ["PENDING", "STOPPED"]
    assert seen[-1]["stopCode"] == "TaskFailedToStart"
    assert seen[-1]["stoppedReason"].startswith("ResourceInitializationError: failed to validate logger args")
    assert "exitCode" not in seen[-1]["containers"][0]

    task, group = cluster(["true"], group_exists=False, **{"awslogs-create-group": "true"})
    assert [describe(aws, cluster.name, task)["lastStatus"] for _look in range(3)] == ["PENDING", "RUNNING", "STOPPED"]
    assert aws("logs").describe_log_streams(logGroupName=group)["logStreams"]


def test_stop_task_stops_a_running_task_with_137(aws, cluster):
    task, _group = cluster(["sh", "-c", "sleep 50"])
    describe(aws, cluster.name, task)
    describe(aws, cluster.name, task)
    aws("ecs").stop_task(cluster=cluster.name, task=task["taskArn"], reason="enough")

    stopped = describe(aws, cluster.name, task)
    assert (stopped["lastStatus"], stopped["stopCode"], stopped["stoppedReason"]) == (
        "STOPPED",
        "UserInitiated",
        "enough",
    )
    assert stopped["containers"][0]["exitCode"] == 137
