"""The emulator plays back AWS's lags: each behaviour through boto3, during its window and after it.

Every window here is certain, whatever the machine's load: counted in calls (``aws_lag_calls``: the
lag holds for the first N requests that meet it), or, for the seconds the demo uses, one so long no
test outlasts it beside one so short the test sleeps past it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from tests.conftest import free_port
from tests.emulator.client import emulator_client
from tests.emulator.lag import BEHAVIOURS, IAM_PROPAGATION_MESSAGE, Lag, parse_only
from tests.emulator.server import make_app

CALLS = 2  # each lag holds for the first two requests that meet it
LONG, SHORT = 600.0, 0.2  # seconds: a window no test outlasts, one a test sleeps past


class QuietHandler(MotoRequestHandler):
    def log_request(self, *args: Any) -> None:  # one line per request would drown the test output
        pass


@pytest.fixture(scope="module")
def serve() -> Iterator[Callable[..., str]]:
    """``serve(aws_lag=1)`` starts an emulator in a thread of this process; returns its URL."""
    servers = []

    def start(**options: Any) -> str:
        server = make_server("127.0.0.1", free_port(), make_app(**options), threaded=True, request_handler=QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="module")
def lagged(serve: Callable[..., str]) -> Callable[[str], Any]:
    """Clients of an emulator with every behaviour on for CALLS requests that meet it."""
    url = serve(aws_lag_calls=CALLS)
    return lambda service: emulator_client(url, service)


@pytest.fixture(scope="module")
def prompt(serve: Callable[..., str]) -> Callable[[str], Any]:
    """Clients of an emulator without lag (AWS's permanent behaviour only)."""
    url = serve()
    return lambda service: emulator_client(url, service)


def error(call: Callable[..., Any], **kwargs: Any) -> tuple[str, str] | None:
    """(code, message) of the error botocore parsed, or None when the call succeeded."""
    try:
        call(**kwargs)
    except ClientError as exc:
        return exc.response["Error"]["Code"], exc.response["Error"]["Message"]
    return None


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def subnets(ec2: Any) -> list[dict[str, Any]]:
    return sorted(ec2.describe_subnets()["Subnets"], key=lambda s: s["AvailabilityZone"])[:2]


def make_alb(client: Callable[[str], Any]) -> tuple[str, str, str]:
    """A security group and an ALB using it in two subnets; returns (group id, ALB ARN, ALB name)."""
    ec2, elb = client("ec2"), client("elbv2")
    group = ec2.create_security_group(GroupName=unique("sg"), Description="alb")["GroupId"]
    name = unique("alb")
    lb = elb.create_load_balancer(Name=name, Subnets=[s["SubnetId"] for s in subnets(ec2)], SecurityGroups=[group])
    return group, lb["LoadBalancers"][0]["LoadBalancerArn"], name


def alb_enis(ec2: Any, arn: str) -> list[dict[str, Any]]:
    description = "ELB app/" + "/".join(arn.rsplit("/", 2)[-2:])
    filters = [{"Name": "description", "Values": [description]}]
    return ec2.describe_network_interfaces(Filters=filters)["NetworkInterfaces"]


def make_db(client: Callable[[str], Any]) -> tuple[str, str, str]:
    """A DB instance in its own subnet group and security group; returns (instance id, group name, sg id)."""
    ec2, rds = client("ec2"), client("rds")
    group = ec2.create_security_group(GroupName=unique("db"), Description="db")["GroupId"]
    subnet_group = unique("subnets")
    rds.create_db_subnet_group(
        DBSubnetGroupName=subnet_group,
        DBSubnetGroupDescription="db",
        SubnetIds=[s["SubnetId"] for s in subnets(ec2)],
    )
    db_id = unique("db")
    rds.create_db_instance(
        DBInstanceIdentifier=db_id,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        MasterUsername="webapp",
        MasterUserPassword="not-a-secret-0",
        AllocatedStorage=20,
        DBSubnetGroupName=subnet_group,
        VpcSecurityGroupIds=[group],
    )
    return db_id, subnet_group, group


def db_status(rds: Any, db_id: str) -> str:
    return rds.describe_db_instances(DBInstanceIdentifier=db_id)["DBInstances"][0]["DBInstanceStatus"]


def test_options_name_the_behaviours():
    assert parse_only("") == frozenset(BEHAVIOURS)
    assert parse_only("alb-eni, rds-delete") == {"alb-eni", "rds-delete"}
    assert Lag(3, parse_only("alb-eni")).of("alb-eni") == 3
    assert Lag(3, parse_only("alb-eni")).of("rds-delete") == 0
    assert Lag(0, parse_only("alb-eni"), calls=2).calls_of("alb-eni") == 2
    assert Lag(0, parse_only("alb-eni"), calls=2).calls_of("rds-delete") == 0
    assert not Lag().on("alb-eni") and Lag(calls=1).on("alb-eni") and Lag(0.5).on("alb-eni")
    with pytest.raises(ValueError, match="rds-deleted"):
        Lag(3, parse_only("rds-deleted"))
    with pytest.raises(ValueError, match="--aws-lag-calls"):
        Lag(calls=-1)


def project_of(role_arn: str) -> dict[str, Any]:
    return {
        "name": unique("project"),
        "source": {"type": "GITHUB", "location": "https://github.com/example/app.git"},
        "artifacts": {"type": "NO_ARTIFACTS"},
        "environment": {
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:4.0",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        "serviceRole": role_arn,
    }


def test_iam_propagation_refuses_a_new_service_role_then_accepts_it(lagged):
    role_arn = lagged("iam").create_role(RoleName=unique("role"), AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    project = project_of(role_arn)
    codebuild = lagged("codebuild")
    for _attempt in range(CALLS):
        assert error(codebuild.create_project, **project) == ("InvalidInputException", IAM_PROPAGATION_MESSAGE)
    assert codebuild.batch_get_projects(names=[project["name"]])["projects"] == []
    assert codebuild.create_project(**project)["project"]["serviceRole"] == role_arn
    # Propagated: later updates naming the role go through at once.
    codebuild.update_project(name=project["name"], description="propagated")


def test_alb_enis_linger_after_the_alb_and_hold_its_security_group(lagged):
    ec2, elb = lagged("ec2"), lagged("elbv2")
    group, arn, _name = make_alb(lagged)
    enis = alb_enis(ec2, arn)
    assert len(enis) == 2
    assert {e["RequesterId"] for e in enis} == {"amazon-elb"}
    assert {e["Attachment"]["InstanceOwnerId"] for e in enis} == {"amazon-elb"}
    assert all(e["Groups"][0]["GroupId"] == group and e["Status"] == "in-use" for e in enis)
    assert error(ec2.delete_network_interface, NetworkInterfaceId=enis[0]["NetworkInterfaceId"])[0] == (
        "InvalidParameterValue"
    )
    elb.delete_load_balancer(LoadBalancerArn=arn)
    assert len(alb_enis(ec2, arn)) == 2  # met once: listed
    assert error(ec2.delete_security_group, GroupId=group) == (  # met twice: refused
        "DependencyViolation",
        f"resource {group} has a dependent object",
    )
    assert alb_enis(ec2, arn) == []
    ec2.delete_security_group(GroupId=group)


def test_alb_enis_go_with_the_alb_without_lag(prompt):
    ec2, elb = prompt("ec2"), prompt("elbv2")
    group, arn, _name = make_alb(prompt)
    assert len(alb_enis(ec2, arn)) == 2
    # AWS's permanent rule: a group in use by a network interface cannot be deleted.
    assert error(ec2.delete_security_group, GroupId=group)[0] == "DependencyViolation"
    elb.delete_load_balancer(LoadBalancerArn=arn)
    assert alb_enis(ec2, arn) == []
    ec2.delete_security_group(GroupId=group)


def target_group_after_its_listener(client: Callable[[str], Any]) -> str:
    """A target group whose only listener was just deleted; returns its ARN."""
    ec2, elb = client("ec2"), client("elbv2")
    _group, lb_arn, _name = make_alb(client)
    vpc = subnets(ec2)[0]["VpcId"]
    tg_arn = elb.create_target_group(Name=unique("tg"), Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0][
        "TargetGroupArn"
    ]
    listener = elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}],
    )["Listeners"][0]["ListenerArn"]
    elb.delete_listener(ListenerArn=listener)
    return tg_arn


def test_target_group_stays_in_use_after_its_listener_is_deleted(lagged):
    elb = lagged("elbv2")
    tg_arn = target_group_after_its_listener(lagged)
    for _attempt in range(CALLS):
        assert error(elb.delete_target_group, TargetGroupArn=tg_arn) == (
            "ResourceInUse",
            f"The target group '{tg_arn}' is currently in use by a listener or a rule",
        )
    elb.delete_target_group(TargetGroupArn=tg_arn)
    assert error(elb.describe_target_groups, TargetGroupArns=[tg_arn])[0] == "TargetGroupNotFound"


def test_rds_delete_shows_deleting_holds_the_subnet_group_then_the_eni(lagged):
    ec2, rds = lagged("ec2"), lagged("rds")
    db_id, subnet_group, group = make_db(lagged)
    while db_status(rds, db_id) != "available":  # rds-create: 2 x CALLS looks
        pass
    # The delete's own answer shows "deleting": it meets the lag once.
    assert (
        rds.delete_db_instance(DBInstanceIdentifier=db_id, SkipFinalSnapshot=True)["DBInstance"]["DBInstanceStatus"]
        == "deleting"
    )
    assert error(rds.delete_db_subnet_group, DBSubnetGroupName=subnet_group) == (
        "InvalidDBSubnetGroupStateFault",
        f"Cannot delete the subnet group '{subnet_group}' because at least one database instance: "
        f"{db_id} is still using it.",
    )
    assert error(rds.describe_db_instances, DBInstanceIdentifier=db_id) == (
        "DBInstanceNotFound",
        f"DBInstance {db_id} not found.",
    )
    rds.delete_db_subnet_group(DBSubnetGroupName=subnet_group)
    # Then its network interface lingers CALLS more meetings.
    enis = ec2.describe_network_interfaces(Filters=[{"Name": "group-id", "Values": [group]}])["NetworkInterfaces"]
    assert [e["Description"] for e in enis] == ["RDSNetworkInterface"]
    assert error(ec2.delete_security_group, GroupId=group)[0] == "DependencyViolation"
    ec2.delete_security_group(GroupId=group)


def test_rds_create_goes_creating_backing_up_available_and_refuses_modify_before(lagged):
    rds = lagged("rds")
    db_id, _subnet_group, _group = make_db(lagged)  # the create's answer: creating, met once
    (creating,) = rds.describe_db_instances(DBInstanceIdentifier=db_id)["DBInstances"]
    assert creating["DBInstanceStatus"] == "creating" and "Endpoint" not in creating
    assert error(rds.modify_db_instance, DBInstanceIdentifier=db_id, AllocatedStorage=30, ApplyImmediately=True) == (
        "InvalidDBInstanceState",
        "Database instance is not in available state.",
    )
    assert db_status(rds, db_id) == "backing-up"
    (available,) = rds.describe_db_instances(DBInstanceIdentifier=db_id)["DBInstances"]
    assert available["DBInstanceStatus"] == "available" and available["Endpoint"]["Port"] == 5432
    rds.modify_db_instance(DBInstanceIdentifier=db_id, AllocatedStorage=30, ApplyImmediately=True)


def test_alb_provisioning_then_active(lagged):
    elb = lagged("elbv2")
    _group, arn, _name = make_alb(lagged)
    for _attempt in range(CALLS):
        assert elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"] == (
            "provisioning"
        )
    assert elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]["Code"] == "active"


def test_a_lag_in_calls_waits_for_its_calls_however_long_they_take(serve):
    """A client that does not look does not get through by waiting: the lag ends with its calls."""
    client = partial_client(serve(aws_lag_calls=1, aws_lag_only="target-group-in-use"))
    elb = client("elbv2")
    tg_arn = target_group_after_its_listener(client)
    time.sleep(SHORT * 2)
    assert error(elb.delete_target_group, TargetGroupArn=tg_arn)[0] == "ResourceInUse"
    elb.delete_target_group(TargetGroupArn=tg_arn)


def test_a_lag_in_seconds_holds_however_often_it_is_met_then_ends_with_its_time(serve):
    long_client = partial_client(serve(aws_lag=LONG, aws_lag_only="target-group-in-use"))
    elb = long_client("elbv2")
    tg_arn = target_group_after_its_listener(long_client)
    for _attempt in range(5):
        assert error(elb.delete_target_group, TargetGroupArn=tg_arn)[0] == "ResourceInUse"

    short_client = partial_client(serve(aws_lag=SHORT, aws_lag_only="target-group-in-use"))
    tg_arn = target_group_after_its_listener(short_client)
    time.sleep(SHORT * 2)
    short_client("elbv2").delete_target_group(TargetGroupArn=tg_arn)


def test_the_recording_names_the_lags_each_request_met(serve, tmp_path):
    record = tmp_path / "calls.jsonl"
    client = partial_client(serve(aws_lag_calls=CALLS, aws_lag_only="target-group-in-use", record=str(record)))
    elb = client("elbv2")
    tg_arn = target_group_after_its_listener(client)
    record.write_text("")
    while error(elb.delete_target_group, TargetGroupArn=tg_arn):
        pass
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(c["action"], c["status"], c.get("lag")) for c in calls] == [
        *[("DeleteTargetGroup", ["400"], ["target-group-in-use"])] * CALLS,
        ("DeleteTargetGroup", ["200"], None),
    ]


def partial_client(url: str) -> Callable[[str], Any]:
    return lambda service: emulator_client(url, service)


def test_lag_only_leaves_the_other_behaviours_off(serve):
    url = serve(aws_lag=LONG, aws_lag_calls=CALLS, aws_lag_only="alb-provisioning")
    rds = emulator_client(url, "rds")
    db_id, _subnet_group, _group = make_db(partial_client(url))
    assert db_status(rds, db_id) == "available"
    rds.delete_db_instance(DBInstanceIdentifier=db_id, SkipFinalSnapshot=True)
    assert error(rds.describe_db_instances, DBInstanceIdentifier=db_id)[0] == "DBInstanceNotFound"


def test_latency_delays_every_answer(serve):
    url = serve(latency_ms=200)
    ecr = emulator_client(url, "ecr")
    started = time.monotonic()
    ecr.describe_repositories()
    assert time.monotonic() - started >= 0.2
