"""alb_target_groups against the emulator: one run for every group - check mode plans creates, apply, then
nothing to do; a drifted health check and tags are one update; a changed target type replaces the group
(detached from the listener, our rules deleted, someone else's rule refusing it before any write); orphans
found by their tags, purged unless kept or still used; absent deletes."""

import re
import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.listener_rules import OWNER_TAG
from ansible_collections.flask_react.aws.plugins.module_utils.target_groups import TargetGroupsError
from ansible_collections.flask_react.aws.plugins.modules.alb_target_groups import run

pytestmark = pytest.mark.emulator

KIND = "AWS::ElasticLoadBalancingV2::TargetGroup"


class Retrying:
    """A boto3 client that accepts the ``aws_retry`` keyword AnsibleAWSModule's clients take, counting calls."""

    def __init__(self, client):
        self.client = client
        self.calls = []

    def __getattr__(self, name):
        call = getattr(self.client, name)
        if name == "get_paginator":
            self.calls.append("describe_target_groups")
            return call

        def called(aws_retry=False, **kwargs):
            self.calls.append(name)
            return call(**kwargs)

        return called


class Module:
    def __init__(self, check_mode=False, **params):
        self.params = dict(
            groups=[],
            state="present",
            protocol="HTTP",
            vpc_id=None,
            target_type="instance",
            health_check_protocol=None,
            health_check_interval=30,
            health_check_timeout=5,
            healthy_threshold_count=5,
            unhealthy_threshold_count=2,
            success_codes="200",
            tags=None,
            purge_tags=True,
            owner="flask_react.aws",
            owned_by=None,
            purge=False,
            keep=[],
            delete_timeout=10,
            poll_interval=1,
        )
        self.params.update(params)
        for group in self.params["groups"]:
            group.setdefault("health_check_path", "/")
            group.setdefault("port", None)
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)


WRITES = ("create", "modify", "delete", "add_tags", "remove_tags")


def writes(client):
    return [call for call in client.calls if call.startswith(WRITES)]


@pytest.fixture
def app(aws):
    ec2, elb = aws("ec2"), aws("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.32.0.0/16")["Vpc"]["VpcId"]
    suffix = uuid.uuid4().hex[:6]
    owned_by = {"app": f"app-{suffix}", "managed-by": "flask_react.aws"}
    groups = [
        {"name": f"{suffix}-client-tg", "port": 80, "health_check_path": "/"},
        {"name": f"{suffix}-users-tg", "port": 5000, "health_check_path": "/ping"},
    ]
    settings = dict(vpc_id=vpc, tags=dict(owned_by, team="web"), owned_by=owned_by)
    return elb, vpc, suffix, groups, settings


def params(groups, settings, **more):
    return dict(settings, groups=[dict(group) for group in groups], **more)


def test_check_apply_check_apply(app):
    elb, _vpc, _suffix, groups, settings = app
    client = Retrying(elb)
    result = run(Module(check_mode=True, **params(groups, settings)), client)
    assert result["actions"] == {groups[0]["name"]: ["create"], groups[1]["name"]: ["create"]}
    assert result["plan"] == [{"type": KIND, "name": group["name"], "action": "create"} for group in groups]
    assert result["arns"] == {group["name"]: "" for group in groups}
    assert result["diff"]["before"] == {group["name"]: {} for group in groups}
    assert writes(client) == []

    result = run(Module(**params(groups, settings)), client)
    assert writes(client) == ["create_target_group", "create_target_group"]
    assert all(arn.startswith("arn:") for arn in result["arns"].values())
    (users,) = elb.describe_target_groups(Names=[groups[1]["name"]])["TargetGroups"]
    assert (users["Port"], users["HealthCheckPath"], users["TargetType"]) == (5000, "/ping", "instance")
    tags = elb.describe_tags(ResourceArns=[users["TargetGroupArn"]])["TagDescriptions"][0]["Tags"]
    assert {tag["Key"]: tag["Value"] for tag in tags} == settings["tags"]

    for check_mode in (True, False):
        client = Retrying(elb)
        result = run(Module(check_mode=check_mode, **params(groups, settings)), client)
        assert (result["actions"], result["plan"], writes(client)) == ({}, [], [])
        # One read of the groups, then their tags at most 20 ARNs a call: with owned_by every group of the
        # region is read (to find orphans), and other tests share this emulator's region.
        in_region = len(elb.describe_target_groups()["TargetGroups"])
        assert client.calls == ["describe_target_groups"] + ["describe_tags"] * -(-in_region // 20)
        assert result["arns"][groups[1]["name"]] == users["TargetGroupArn"]


def test_drift_is_one_update_with_its_diff_and_targets_are_left_alone(app, aws):
    elb, _vpc, _suffix, groups, settings = app
    run(Module(**params(groups, settings)), Retrying(elb))
    (users,) = elb.describe_target_groups(Names=[groups[1]["name"]])["TargetGroups"]
    arn = users["TargetGroupArn"]
    elb.modify_target_group(TargetGroupArn=arn, HealthCheckPath="/health", Matcher={"HttpCode": "200-299"})
    elb.add_tags(ResourceArns=[arn], Tags=[{"Key": "extra", "Value": "x"}])
    ec2 = aws("ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    (instance,) = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"]
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance["InstanceId"]}])

    client = Retrying(elb)
    result = run(Module(check_mode=True, **params(groups, settings)), client)
    assert result["plan"] == [{"type": KIND, "name": groups[1]["name"], "action": "update"}]
    assert result["actions"] == {groups[1]["name"]: ["modify", "untag"]}
    assert result["diff"]["before"][groups[1]["name"]]["health_check_path"] == "/health"
    assert result["diff"]["after"][groups[1]["name"]]["success_codes"] == "200"
    assert writes(client) == []

    client = Retrying(elb)
    run(Module(**params(groups, settings)), client)
    assert writes(client) == ["modify_target_group", "remove_tags"]
    (users,) = elb.describe_target_groups(Names=[groups[1]["name"]])["TargetGroups"]
    assert (users["HealthCheckPath"], users["Matcher"]["HttpCode"]) == ("/ping", "200")
    health = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert [h["Target"]["Id"] for h in health] == [instance["InstanceId"]]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])


def balancer(aws, vpc, suffix, arn):
    ec2, elb = aws("ec2"), aws("elbv2")
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.32.{i}.0/24", AvailabilityZone=f"us-west-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]
    lb = elb.create_load_balancer(Name=f"lb-{suffix}", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    forward = [{"Type": "forward", "TargetGroupArn": arn}]
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

    return listener, rule


def test_a_changed_target_type_replaces_the_group_detaching_it_first(app, aws):
    elb, vpc, suffix, groups, settings = app
    arns = run(Module(**params(groups, settings)), Retrying(elb))["arns"]
    old = arns[groups[0]["name"]]
    listener, rule = balancer(aws, vpc, suffix, old)
    ours = rule(10, "flask_react.aws")

    client = Retrying(elb)
    result = run(Module(check_mode=True, **params(groups, settings, target_type="ip")), client)
    assert result["actions"] == {group["name"]: ["replace"] for group in groups}
    assert [entry["action"] for entry in result["plan"]] == ["update", "update"]
    assert result["arns"][groups[0]["name"]] == old, "a check run returns the group as it is"
    assert writes(client) == []

    theirs = rule(20, "another-team")
    with pytest.raises(TargetGroupsError, match=re.escape(f"does not own forward to it ({theirs})")):
        run(Module(**params(groups, settings, target_type="ip")), Retrying(elb))
    assert elb.describe_target_groups(Names=[groups[0]["name"]])["TargetGroups"][0]["TargetType"] == "instance"
    elb.delete_rule(RuleArn=theirs)

    client = Retrying(elb)
    result = run(Module(**params(groups, settings, target_type="ip")), client)
    new = result["arns"][groups[0]["name"]]
    assert new != old and result["target_groups"][0]["arn"] == new
    assert {g["TargetType"] for g in elb.describe_target_groups(Names=[g["name"] for g in groups])["TargetGroups"]} == {
        "ip"
    }
    (default,) = elb.describe_listeners(ListenerArns=[listener])["Listeners"][0]["DefaultActions"]
    assert default["Type"] == "fixed-response", "the alb role points it at the new group"
    rules = elb.describe_rules(ListenerArn=listener)["Rules"]
    assert ours not in [r["RuleArn"] for r in rules]


def test_orphans_are_named_then_purged_unless_kept_or_used(app, aws):
    elb, vpc, suffix, groups, settings = app
    extra = [{"name": f"{suffix}-admin-tg", "port": 8080}, {"name": f"{suffix}-ops-tg", "port": 8081}]
    arns = run(Module(**params(groups + extra, settings)), Retrying(elb))["arns"]
    theirs = elb.create_target_group(Name=f"{suffix}-theirs-tg", Protocol="HTTP", Port=80, VpcId=vpc)
    theirs = theirs["TargetGroups"][0]["TargetGroupName"]

    result = run(Module(**params(groups, settings)), Retrying(elb))
    assert result["orphans"] == sorted(group["name"] for group in extra)
    assert (result["actions"], result["plan"]) == ({}, [])

    # The ops group is still the default action of a listener: kept, named; admin kept on request.
    balancer(aws, vpc, suffix, arns[extra[1]["name"]])
    module = Module(check_mode=True, **params(groups, settings, purge=True, keep=[extra[0]["name"]]))
    result = run(module, Retrying(elb))
    assert result["in_use"] == [extra[1]["name"]] and result["plan"] == []
    assert "AWS refuses to delete a group in use" in module.warnings[0]
    elb.delete_load_balancer(
        LoadBalancerArn=elb.describe_load_balancers(Names=[f"lb-{suffix}"])["LoadBalancers"][0]["LoadBalancerArn"]
    )
    result = run(Module(check_mode=True, **params(groups, settings, purge=True)), Retrying(elb))
    assert result["plan"] == [{"type": KIND, "name": group["name"], "action": "delete"} for group in extra]
    result = run(Module(**params(groups, settings, purge=True)), Retrying(elb))
    names = {g["TargetGroupName"] for g in elb.describe_target_groups()["TargetGroups"]}
    assert not names & {group["name"] for group in extra}
    assert theirs in names, "never a group without the app's tags"


def test_absent_deletes_the_listed_groups_and_then_nothing(app):
    elb, _vpc, _suffix, groups, settings = app
    run(Module(**params(groups, settings)), Retrying(elb))
    names = [{"name": group["name"]} for group in groups]
    result = run(Module(check_mode=True, groups=names, state="absent"), Retrying(elb))
    assert [entry["action"] for entry in result["plan"]] == ["delete", "delete"]
    run(Module(groups=names, state="absent"), Retrying(elb))
    client = Retrying(elb)
    result = run(Module(groups=names, state="absent"), client)
    assert (result["plan"], writes(client)) == ([], [])
    assert client.calls == ["describe_target_groups"]


def test_bad_input_fails_before_any_read_or_write(app):
    elb, _vpc, _suffix, groups, settings = app
    bad = [{"name": "-bad", "port": 0}, dict(groups[0]), dict(groups[0])]
    with pytest.raises(TargetGroupsError) as error:
        run(Module(**params(bad, dict(settings, vpc_id=None))), Retrying(elb))
    message = str(error.value)
    assert "groups[0] (-bad).name" in message and "groups[0] (-bad).port" in message
    assert "is listed twice" in message and "vpc_id: needed to create" in message
