"""The ECS fills, driven through boto3 as the collection's module and the buildspec drive them."""

import threading
import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

ACCOUNT = "123456789012"
MANIFEST = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}'
BREAKER = {
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def error(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


@pytest.fixture
def stack(aws):
    """A cluster, a VPC's subnet and group, an ECR repository, and ip/instance target groups behind an ALB."""
    ec2, elb, ecs, ecr = aws("ec2"), aws("elbv2"), aws("ecs"), aws("ecr")
    name = f"t{uuid.uuid4().hex[:8]}"
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{n}.0/24", AvailabilityZone=f"us-west-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for n, zone in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName=name, Description="t", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name=name, Subnets=subnets, SecurityGroups=[group])["LoadBalancers"][0]
    groups = {}
    for kind in ("ip", "instance", "alone"):
        groups[kind] = elb.create_target_group(
            Name=f"{name}-{kind}",
            Protocol="HTTP",
            Port=80,
            VpcId=vpc,
            TargetType="instance" if kind == "instance" else "ip",
        )["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": groups["ip"]}],
    )["Listeners"][0]["ListenerArn"]
    elb.create_rule(
        ListenerArn=listener,
        Priority=5,
        Conditions=[{"Field": "path-pattern", "Values": ["/x"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": groups["instance"]}],
    )
    ecs.create_cluster(clusterName=name)
    ecr.create_repository(repositoryName=name)
    image = f"{ACCOUNT}.dkr.ecr.us-west-1.amazonaws.com/{name}"
    ecr.put_image(repositoryName=name, imageManifest=MANIFEST, imageTag="v1")

    def register(tag):
        return ecs.register_task_definition(
            family=name,
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[{"name": "app", "image": f"{image}:{tag}", "portMappings": [{"containerPort": 80}]}],
        )["taskDefinition"]["taskDefinitionArn"]

    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "ENABLED"}}
    return dict(ecs=ecs, name=name, groups=groups, register=register, network=network)


def create(stack, tag="v1", group="ip", **extra):
    return stack["ecs"].create_service(
        cluster=stack["name"],
        serviceName=stack["name"],
        taskDefinition=stack["register"](tag),
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=stack["network"],
        loadBalancers=[{"targetGroupArn": stack["groups"][group], "containerName": "app", "containerPort": 80}],
        **extra,
    )["service"]


def test_create_service_keeps_deployment_settings(stack):
    create(stack, deploymentConfiguration=BREAKER, healthCheckGracePeriodSeconds=30, enableExecuteCommand=True)
    service = stack["ecs"].describe_services(cluster=stack["name"], services=[stack["name"]])["services"][0]
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["healthCheckGracePeriodSeconds"] == 30
    assert service["enableExecuteCommand"] is True


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ("instance", "has target type instance, which is incompatible with the awsvpc network mode"),
        ("alone", "does not have an associated load balancer"),
    ],
)
def test_create_service_refuses_target_groups_ecs_cannot_use(stack, group, message):
    code, text = error(create, stack=stack, group=group)
    assert code == "InvalidParameterException" and message in text


def test_create_service_refuses_a_missing_target_group(stack):
    stack["groups"]["ip"] = stack["groups"]["ip"].rsplit("/", 1)[0] + "/0000000000000000"
    code, text = error(create, stack=stack)
    assert code == "InvalidParameterException" and "Unable to find target group" in text


def test_services_become_stable_when_the_image_exists(stack):
    ecs = stack["ecs"]
    create(stack, deploymentConfiguration=BREAKER)
    ecs.get_waiter("services_stable").wait(
        cluster=stack["name"], services=[stack["name"]], WaiterConfig={"Delay": 1, "MaxAttempts": 2}
    )
    service = ecs.describe_services(cluster=stack["name"], services=[stack["name"]])["services"][0]
    assert service["runningCount"] == 1 and service["deployments"][0]["rolloutState"] == "COMPLETED"


def test_a_missing_image_rolls_back_with_the_circuit_breaker(stack):
    ecs = stack["ecs"]
    first = create(stack, deploymentConfiguration=BREAKER)["taskDefinition"]
    ecs.update_service(cluster=stack["name"], service=stack["name"], taskDefinition=stack["register"]("missing"))
    service = ecs.describe_services(cluster=stack["name"], services=[stack["name"]])["services"][0]
    assert service["taskDefinition"] == first
    assert service["deployments"][0]["taskDefinition"] == first and service["runningCount"] == 1
    assert "circuit breaker" in service["deployments"][0]["rolloutStateReason"]


def test_a_missing_image_without_the_breaker_runs_nothing(stack):
    created = create(stack, tag="missing")
    assert created["runningCount"] == 0 and created["deployments"][0]["rolloutState"] == "IN_PROGRESS"


def test_delete_cluster_refuses_while_services_are_active(stack):
    ecs = stack["ecs"]
    create(stack)
    assert error(ecs.delete_cluster, cluster=stack["name"])[0] == "ClusterContainsServicesException"
    ecs.update_service(cluster=stack["name"], service=stack["name"], desiredCount=0)
    ecs.delete_service(cluster=stack["name"], service=stack["name"])
    assert ecs.delete_cluster(cluster=stack["name"])["cluster"]["status"] == "INACTIVE"


def test_list_services_names_the_clusters_own_active_services_only(stack):
    ecs = stack["ecs"]
    create(stack)
    other = f"my{stack['name']}"  # moto matched the cluster's name as a substring of <cluster>:<service>
    ecs.create_cluster(clusterName=other)
    ecs.create_service(cluster=other, serviceName="theirs", taskDefinition=stack["register"]("v1"), desiredCount=0)
    ecs.create_service(
        cluster=stack["name"], serviceName="gone", taskDefinition=stack["register"]("v1"), desiredCount=0
    )
    ecs.delete_service(cluster=stack["name"], service="gone")
    listed = ecs.list_services(cluster=stack["name"])["serviceArns"]
    assert [arn.rsplit("/", 1)[-1] for arn in listed] == [stack["name"]]


@pytest.fixture
def lagged(stack):
    """The stack's ECS and ELB through a second emulator on the same state, with ecs-lb and ecs-deployments on."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from tests.conftest import free_port
    from tests.emulator.client import emulator_client
    from tests.emulator.server import make_app

    app = make_app(aws_lag_calls=1, aws_lag_only="ecs-lb,ecs-deployments")
    server = make_server("127.0.0.1", free_port(), app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    yield dict(stack, ecs=emulator_client(url, "ecs", "us-west-1"), elb=emulator_client(url, "elbv2", "us-west-1"))
    server.shutdown()


def test_ecs_lb_a_new_rules_group_is_refused_for_the_window_then_accepted(lagged):
    elb = lagged["elb"]
    listener = elb.describe_listeners(
        LoadBalancerArn=elb.describe_load_balancers(Names=[lagged["name"]])["LoadBalancers"][0]["LoadBalancerArn"]
    )["Listeners"][0]["ListenerArn"]
    elb.create_rule(
        ListenerArn=listener,
        Priority=9,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/alone*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": lagged["groups"]["alone"]}],
    )
    code, text = error(create, stack=lagged, group="alone")
    assert code == "InvalidParameterException" and "does not have an associated load balancer" in text
    # The window is one call: the next create goes through.
    assert create(lagged, group="alone")["status"] == "ACTIVE"


def test_ecs_lb_a_group_associated_before_the_window_is_accepted_at_once(lagged):
    # The stack's listener gave the ip group its load balancer before the lagged emulator started.
    assert create(lagged)["status"] == "ACTIVE"


def test_ecs_deployments_a_service_just_updated_cannot_be_deleted_for_the_window(lagged):
    ecs = lagged["ecs"]
    create(lagged)
    ecs.update_service(cluster=lagged["name"], service=lagged["name"], desiredCount=0)
    code, text = error(ecs.delete_service, cluster=lagged["name"], service=lagged["name"])
    assert code == "InvalidParameterException" and text == "The service cannot be stopped while deployments are active."
    assert ecs.delete_service(cluster=lagged["name"], service=lagged["name"])["service"]["status"] == "INACTIVE"
