"""Application Auto Scaling as the emulator answers it (tests/emulator/fills/applicationautoscaling.py),
driven through boto3: what AWS refuses is refused, what AWS deletes is deleted."""

import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

DIMENSION = "ecs:service:DesiredCount"


@pytest.fixture
def service(aws):
    """An ECS service behind an ip target group of a load balancer; (resource ID, ResourceLabel, clients)."""
    ec2, elb, ecs = aws("ec2"), aws("elbv2"), aws("ecs")
    name = f"a{uuid.uuid4().hex[:8]}"
    vpc = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.44.{n}.0/24", AvailabilityZone=f"us-west-1{z}")["Subnet"][
            "SubnetId"
        ]
        for n, z in ((1, "a"), (2, "b"))
    ]
    balancer = elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    group = elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0]
    elb.create_listener(
        LoadBalancerArn=balancer,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
    )
    ecs.create_cluster(clusterName=name)
    ecs.register_task_definition(family=name, containerDefinitions=[{"name": "c", "image": "nginx", "memory": 64}])
    ecs.create_service(cluster=name, serviceName=name, taskDefinition=name, desiredCount=1)
    label = balancer.split(":loadbalancer/")[1] + "/targetgroup/" + group["TargetGroupArn"].split(":targetgroup/")[1]
    return f"service/{name}/{name}", label, aws("application-autoscaling"), ecs, name


def policy(label, metric="ALBRequestCountPerTarget"):
    specification = {"PredefinedMetricType": metric}
    if label is not None:
        specification["ResourceLabel"] = label
    return {"TargetValue": 100.0, "PredefinedMetricSpecification": specification}


def test_deregistering_deletes_the_targets_policies(service):
    resource, label, aas, _ecs, _name = service
    where = dict(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION)
    aas.register_scalable_target(MinCapacity=1, MaxCapacity=2, **where)
    aas.put_scaling_policy(
        PolicyName="p",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=policy(label),
        **where,
    )
    aas.deregister_scalable_target(**where)
    aas.register_scalable_target(MinCapacity=1, MaxCapacity=2, **where)
    assert aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)["ScalingPolicies"] == []


def test_a_policy_needs_a_registered_target(service):
    resource, label, aas, _ecs, _name = service
    with pytest.raises(ClientError) as error:
        aas.put_scaling_policy(
            PolicyName="p",
            ServiceNamespace="ecs",
            ResourceId=resource,
            ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration=policy(label),
        )
    assert error.value.response["Error"]["Code"] == "ObjectNotFoundException"


@pytest.mark.parametrize("bad", [None, "app/x/y", "app/nope/1234/targetgroup/nope/5678"])
def test_request_count_policies_need_a_label_of_the_load_balancers_target_group(service, bad):
    resource, _label, aas, _ecs, _name = service
    where = dict(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION)
    aas.register_scalable_target(MinCapacity=1, MaxCapacity=2, **where)
    with pytest.raises(ClientError) as error:
        aas.put_scaling_policy(
            PolicyName="p",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration=policy(bad),
            **where,
        )
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "ResourceLabel" in error.value.response["Error"]["Message"]


def test_policies_are_described_for_the_one_resource_named(service):
    resource, label, aas, ecs, name = service
    ecs.create_service(cluster=name, serviceName=name[:-1], taskDefinition=name, desiredCount=1)
    for each in (resource, resource[:-1]):
        where = dict(ServiceNamespace="ecs", ResourceId=each, ScalableDimension=DIMENSION)
        aas.register_scalable_target(MinCapacity=1, MaxCapacity=2, **where)
        aas.put_scaling_policy(
            PolicyName="cpu",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration=policy(None, "ECSServiceAverageCPUUtilization"),
            **where,
        )
    found = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource[:-1])["ScalingPolicies"]
    assert [p["ResourceId"] for p in found] == [resource[:-1]]


def test_a_deleted_service_keeps_its_target_and_cannot_register(service):
    resource, _label, aas, ecs, name = service
    where = dict(ServiceNamespace="ecs", ResourceId=resource, ScalableDimension=DIMENSION)
    aas.register_scalable_target(MinCapacity=1, MaxCapacity=2, **where)
    ecs.delete_service(cluster=name, service=name, force=True)
    assert aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"]
    with pytest.raises(ClientError) as error:
        aas.register_scalable_target(MinCapacity=1, MaxCapacity=3, **where)
    assert error.value.response["Error"]["Code"] == "ValidationException"
