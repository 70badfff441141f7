"""alb_target_group_release's reads, through boto3 against the emulator: who uses a group, and the refusal
to touch a rule someone else owns (before any write)."""

import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.listener_rules import OWNER_TAG
from ansible_collections.flask_react.aws.plugins.modules.alb_target_group_release import (
    ReleaseError,
    find_group,
    users_of,
)

pytestmark = pytest.mark.emulator


class Retrying:
    """A boto3 client that accepts the ``aws_retry`` keyword AnsibleAWSModule's clients take."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        call = getattr(self.client, name)
        return lambda aws_retry=False, **kwargs: call(**kwargs)


@pytest.fixture
def stack(aws):
    ec2, elb = aws("ec2"), aws("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.31.{i}.0/24", AvailabilityZone=f"us-west-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]
    suffix = uuid.uuid4().hex[:6]
    lb = elb.create_load_balancer(Name=f"lb-{suffix}", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    group = elb.create_target_group(Name=f"tg-{suffix}", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    forward = [{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}]
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward)
    listener = listener["Listeners"][0]["ListenerArn"]

    def rule(priority, owner):
        created = elb.create_rule(
            ListenerArn=listener,
            Priority=priority,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": [f"/p{priority}"]}}],
            Actions=forward,
            Tags=[{"Key": OWNER_TAG, "Value": owner}],
        )
        return created["Rules"][0]["RuleArn"]

    return elb, group["TargetGroupName"], listener, rule


def test_the_listener_and_our_rules_that_forward_to_the_group_are_found(stack):
    elb, name, listener, rule = stack
    ours = rule(10, "flask_react.aws")
    group = find_group(Retrying(elb), name)
    assert users_of(Retrying(elb), group, "flask_react.aws") == ([listener], [ours])


def test_a_rule_someone_else_owns_stops_the_release_before_any_write(stack):
    elb, name, listener, rule = stack
    rule(10, "flask_react.aws")
    theirs = rule(20, "another-team")
    with pytest.raises(ReleaseError, match=f"used by rules this collection does not own \\({theirs}\\)"):
        users_of(Retrying(elb), find_group(Retrying(elb), name), "flask_react.aws")
    default = elb.describe_listeners(ListenerArns=[listener])["Listeners"][0]["DefaultActions"][0]
    assert default["Type"] == "forward", "nothing was changed"


def test_a_missing_group_is_none(stack):
    elb = stack[0]
    assert find_group(Retrying(elb), "no-such-tg") is None


def test_a_load_balancer_gone_since_has_no_listeners(stack):
    elb, name, listener = stack[:3]
    balancer = elb.describe_listeners(ListenerArns=[listener])["Listeners"][0]["LoadBalancerArn"]
    elb.delete_load_balancer(LoadBalancerArn=balancer)
    group = dict(find_group(Retrying(elb), name), LoadBalancerArns=[balancer])  # as a group may still name it
    assert users_of(Retrying(elb), group, "flask_react.aws") == ([], [])
