"""A VPC with public and private subnets, every documented variable of alb and target_groups
changed in one converge (issue 14 items 8 and 12), then the target type switched (issue 16).

The VPC is made through boto3: two public subnets per the route table that reaches an internet
gateway (plus a second public one in zone a, which must not be picked), two private ones on the
main route table.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes

STACK = "../tests/unit/playbooks/alb_stack.yml"
SERVICES = [
    {"name": "web", "port": 3000, "health_check_path": "/health", "default": True},
    {"name": "api", "port": 8000, "health_check_path": "/api/ping", "paths": ["/api/*", "/v?/*/items*"]},
    {"name": "admin", "port": 9000, "health_check_path": "/", "paths": ["/admin*"]},
]


@pytest.fixture(scope="module")
def vpc(recording_emulator: Any) -> dict[str, Any]:
    ec2 = emulator_client(recording_emulator[0], "ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]

    def subnet(cidr: str, zone: str) -> str:
        return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]

    public = [subnet("10.20.1.0/24", "us-west-1a"), subnet("10.20.2.0/24", "us-west-1b")]
    extra_public = subnet("10.20.3.0/24", "us-west-1a")
    private = [subnet("10.20.11.0/24", "us-west-1a"), subnet("10.20.12.0/24", "us-west-1b")]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    for subnet_id in [*public, extra_public]:
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet_id)
    expected_public = [min(public[0], extra_public), public[1]]
    return {"id": vpc_id, "public": expected_public, "private": private}


@pytest.fixture(scope="module")
def settings(recording_emulator: Any, vpc: dict[str, Any]) -> dict[str, Any]:
    """Every documented variable of the two roles (and the app's) away from its default.

    Left to other tests: alb_scheme internal and alb_subnet_ids, which choose other subnets than the
    public pick this test checks (tests/unit/plugins/filter/test_alb_filters.py), and the states.
    """
    acm = emulator_client(recording_emulator[0], "acm")
    certificate = acm.request_certificate(DomainName="shop.example.com", ValidationMethod="DNS")["CertificateArn"]
    return {
        "app_name": "shop",
        "app_services": SERVICES,
        "app_tags": {"team": "web"},
        "alb_name": "shop-front",
        "alb_security_group_name": "shop-front-sg",
        "alb_vpc_id": vpc["id"],
        "alb_scheme": "internet-facing",
        "alb_http_cidrs": ["10.0.0.0/8", "192.0.2.0/24"],
        "alb_ssh_cidrs": ["203.0.113.0/24"],
        "alb_listener_port": 8080,
        "alb_certificate_arn": certificate,
        "alb_https_port": 8443,
        "alb_ssl_policy": "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "alb_domain_name": "shop.example.com",
        "alb_active_timeout": 120,
        "alb_security_group_delete_timeout": 300,
        "alb_poll_interval": 2,
        "target_groups_target_type": "instance",
        "target_groups_protocol": "HTTPS",
        "target_groups_health_check_interval": 15,
        "target_groups_health_check_timeout": 4,
        "target_groups_healthy_threshold": 3,
        "target_groups_unhealthy_threshold": 4,
        "target_groups_success_codes": "200-299",
        "target_groups_rules_priority_start": 100,
        "target_groups_purge_rules": True,
        "target_groups_purge": True,
        "target_groups_delete_timeout": 60,
        "target_groups_poll_interval": 2,
    }


@pytest.fixture(scope="module")
def stack(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    state = tmp_path_factory.mktemp("state")

    def run(*args: str, **extra: Any) -> tuple[Any, list]:
        done, calls = run_playbook(*recording_emulator, state, STACK, *args, "-e", json.dumps(extra))
        assert done.returncode == 0, done.stdout[-3000:]
        return done, calls

    return run


def elb_state(port: int, name: str) -> dict[str, Any]:
    elb = emulator_client(port, "elbv2")
    (balancer,) = elb.describe_load_balancers(Names=[name])["LoadBalancers"]
    groups = {group["TargetGroupArn"]: group for group in elb.describe_target_groups()["TargetGroups"]}
    listeners = {
        item["Port"]: item for item in elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    }
    rules = [
        rule
        for rule in elb.describe_rules(ListenerArn=listeners[8443]["ListenerArn"])["Rules"]
        if not rule["IsDefault"]
    ]
    return {"balancer": balancer, "groups": groups, "listeners": listeners, "rules": rules}


def test_every_variable_changed_converges_in_the_vpcs_public_subnets(stack, settings, vpc, recording_emulator):
    done = stack(**settings)[0]
    # The debug line, as the YAML callback folds it.
    shown = re.search(r"msg: 'NETWORK (\{.*?\})'", done.stdout, re.DOTALL).group(1)
    network = json.loads(" ".join(shown.split()))
    assert network == {"vpc": vpc["id"], "subnets": vpc["public"], "private": vpc["private"]}
    port = recording_emulator[0]
    found = elb_state(port, "shop-front")
    assert sorted(zone["SubnetId"] for zone in found["balancer"]["AvailabilityZones"]) == sorted(vpc["public"])
    assert set(found["listeners"]) == {8080, 8443}
    assert found["listeners"][8080]["DefaultActions"][0]["Type"] == "redirect"
    assert found["listeners"][8443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-3-2021-06"
    groups = {group["TargetGroupName"]: group for group in found["groups"].values()}
    assert sorted(groups) == ["shop-admin-tg", "shop-api-tg", "shop-web-tg"]
    api = groups["shop-api-tg"]
    assert (api["Protocol"], api["HealthCheckProtocol"]) == ("HTTPS", "HTTPS")
    assert (api["Port"], api["TargetType"], api["HealthCheckPath"], api["HealthCheckIntervalSeconds"]) == (
        8000,
        "instance",
        "/api/ping",
        15,
    )
    assert (api["HealthCheckTimeoutSeconds"], api["HealthyThresholdCount"], api["UnhealthyThresholdCount"]) == (4, 3, 4)
    assert api["Matcher"]["HttpCode"] == "200-299"
    assert min(int(rule["Priority"]) for rule in found["rules"]) >= 100
    security = emulator_client(port, "ec2").describe_security_groups(GroupIds=found["balancer"]["SecurityGroups"])
    (group,) = security["SecurityGroups"]
    assert group["GroupName"] == "shop-front-sg"
    opened = {(rule["FromPort"], ip["CidrIp"]) for rule in group["IpPermissions"] for ip in rule["IpRanges"]}
    assert opened == {(port_, cidr) for port_ in (8080, 8443) for cidr in ("10.0.0.0/8", "192.0.2.0/24")} | {
        (22, "203.0.113.0/24")
    }


def test_switching_to_ip_targets_replaces_the_groups_and_the_routes_follow(stack, settings, recording_emulator):
    port = recording_emulator[0]
    before = {group["TargetGroupName"]: arn for arn, group in elb_state(port, "shop-front")["groups"].items()}
    checked, calls = stack("--check", "-v", **dict(settings, target_groups_target_type="ip"))
    # flask_react.aws.alb_target_groups' result: actions {<group>: [replace]} per group it would replace.
    replaced = re.findall(r"^\s+(shop-\w+-tg):\n\s+- replace$", checked.stdout, re.M)
    assert sorted(replaced) == sorted(before), "check mode names every group it would replace"
    assert writes(calls) == [], "and writes nothing"
    stack(**dict(settings, target_groups_target_type="ip"))
    found = elb_state(port, "shop-front")
    groups = {group["TargetGroupName"]: group for group in found["groups"].values()}
    assert {name: group["TargetType"] for name, group in groups.items()} == dict.fromkeys(before, "ip")
    assert not set(before.values()) & set(found["groups"]), "each group is a new one"
    assert found["listeners"][8443]["DefaultActions"][0]["TargetGroupArn"] == groups["shop-web-tg"]["TargetGroupArn"]
    routed = {rule["Actions"][0]["TargetGroupArn"] for rule in found["rules"]}
    assert routed == {groups["shop-api-tg"]["TargetGroupArn"], groups["shop-admin-tg"]["TargetGroupArn"]}


def test_after_the_switch_a_second_run_changes_nothing_and_writes_nothing(stack, settings):
    done, calls = stack(**dict(settings, target_groups_target_type="ip"))
    assert recap(done.stdout)["changed"] == 0, done.stdout[-3000:]
    assert writes(calls) == []
