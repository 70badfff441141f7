"""Where Fargate tasks can run: Fargate's zones by AZ ID, the VPC, and a route out (ecs_subnet_ids)."""

import pytest
from ansible_collections.flask_react.aws.plugins.filter.ecs_network_errors import FilterModule
from ansible_collections.flask_react.aws.plugins.module_utils.fargate import (
    FARGATE_ZONE_IDS,
    ecs_network_errors,
    fargate_zone_ids,
)


def subnet(subnet_id, zone_id, vpc="vpc-1", zone=None):
    return {
        "subnet_id": subnet_id,
        "vpc_id": vpc,
        "availability_zone": zone or f"us-west-1{zone_id[-1]}",
        "availability_zone_id": zone_id,
    }


def table(target=None, subnets=(), main=False):
    routes = [{"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local", "state": "active"}]
    if target:
        key = "nat_gateway_id" if target.startswith("nat-") else "gateway_id"
        routes.append({"destination_cidr_block": "0.0.0.0/0", key: target, "state": "active"})
    associations = [{"subnet_id": name, "main": False} for name in subnets] + ([{"main": True}] if main else [])
    return {"associations": associations, "routes": routes}


PUBLIC = table("igw-1", main=True)
SUBNETS = (subnet("subnet-1", "usw1-az1"), subnet("subnet-3", "usw1-az3"))


def errors(subnets=SUBNETS, ids=("subnet-1", "subnet-3"), tables=(PUBLIC,), public_ip=True, **kwargs):
    return ecs_network_errors(list(subnets), list(ids), list(tables), "vpc-1", "us-west-1", public_ip, **kwargs)


def test_the_table_names_its_source_regions():
    assert fargate_zone_ids("us-west-1") == {"usw1-az1", "usw1-az3"}
    assert fargate_zone_ids("eu-west-1") is None, "a region the page does not restrict is not checked"
    assert all(
        zone.startswith(region.replace("-", "")[:2]) for region, zones in FARGATE_ZONE_IDS.items() for zone in zones
    )


def test_public_subnets_in_fargate_zones_fit():
    assert errors() == []


def test_a_subnet_outside_fargates_zones_is_named_with_the_zones_it_runs_in():
    (message,) = errors(subnets=[*SUBNETS, subnet("subnet-2", "usw1-az2", zone="us-west-1c")], ids=["subnet-2"])
    assert message == (
        "ecs_subnet_ids: subnet-2 is in us-west-1c (usw1-az2), where Fargate does not run; in us-west-1 it runs in "
        'usw1-az1, usw1-az3 only (ECS Developer Guide, "AWS Fargate Regions")'
    )


def test_the_load_balancers_subnets_say_to_set_ecs_subnet_ids():
    (message,) = errors(subnets=[subnet("subnet-2", "usw1-az2")], ids=["subnet-2"], from_load_balancer=True)
    assert message.startswith("ecs_subnet_ids: the load balancer's subnet subnet-2 (the tasks use it while")
    assert message.endswith("; set ecs_subnet_ids to subnets that fit")


def test_another_vpc_and_a_missing_subnet_are_named():
    found = errors(subnets=[subnet("subnet-1", "usw1-az1", vpc="vpc-9")], ids=["subnet-1", "subnet-0"])
    assert found == [
        "ecs_subnet_ids: subnet-1 is in vpc-9, not in the load balancer's VPC vpc-1 (the tasks' security group "
        "and target groups are there)",
        "ecs_subnet_ids: subnet-0 not found",
    ]


@pytest.mark.parametrize(
    ("tables", "public_ip", "fits"),
    [
        ((PUBLIC,), True, True),
        ((table("nat-1", main=True),), False, True),
        ((table("nat-1", main=True),), True, True),
        ((table(main=True),), True, False),
        ((table(main=True),), False, False),
        ((PUBLIC,), False, False),
        # The subnet's own table wins over the main one.
        ((table(main=True), table("igw-1", subnets=["subnet-1", "subnet-3"])), True, True),
        ((PUBLIC, table(subnets=["subnet-1", "subnet-3"])), True, False),
    ],
)
def test_a_route_out_is_needed(tables, public_ip, fits):
    found = errors(tables=tables, public_ip=public_ip)
    assert (found == []) == fits, found
    assert all("has no route out" in message and "ecs_subnet_ids: subnet-" in message for message in found)


def test_vpc_endpoints_stand_for_a_route_out():
    endpoints = [
        {"vpc_id": "vpc-1", "service_name": f"com.amazonaws.us-west-1.{service}", "state": "available"}
        for service in ("ecr.api", "ecr.dkr", "s3", "logs")
    ]
    assert errors(tables=[table(main=True)], public_ip=False, endpoints=endpoints) == []
    (message, _other) = errors(tables=[table(main=True)], public_ip=False, endpoints=endpoints[:3])
    assert message.endswith("or VPC endpoints for logs")


def test_filter_is_registered():
    assert FilterModule().filters()["ecs_network_errors"](SUBNETS, ["subnet-1"], [PUBLIC], "vpc-1", "us-west-1") == []


def test_services_with_secrets_need_the_secrets_manager_endpoint_too():
    services = ("ecr.api", "ecr.dkr", "s3", "logs")
    endpoints = [
        {"vpc_id": "vpc-1", "service_name": f"com.amazonaws.us-west-1.{service}", "state": "available"}
        for service in services
    ]
    private = [table(main=True)]
    assert errors(tables=private, public_ip=False, endpoints=endpoints) == []
    (message, _other) = errors(
        tables=private, public_ip=False, endpoints=endpoints, extra_endpoints=("secretsmanager", "ssm")
    )
    assert message.endswith("or VPC endpoints for secretsmanager, ssm")
    with_secrets = [*endpoints, dict(endpoints[0], service_name="com.amazonaws.us-west-1.secretsmanager")]
    assert errors(tables=private, public_ip=False, endpoints=with_secrets, extra_endpoints=("secretsmanager",)) == []
