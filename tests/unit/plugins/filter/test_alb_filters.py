"""The alb and target_groups filters: subnets by reach, rules from services, alb checks."""

import pytest
from ansible_collections.flask_react.aws.plugins.filter.alb_errors import FilterModule as AlbErrors
from ansible_collections.flask_react.aws.plugins.filter.alb_network import alb_network
from ansible_collections.flask_react.aws.plugins.filter.service_rules import service_rules
from hypothesis import given, settings
from hypothesis import strategies as st


def subnet(subnet_id, zone, vpc="vpc-1"):
    return {"subnet_id": subnet_id, "availability_zone": zone, "vpc_id": vpc}


SUBNETS = [
    subnet("subnet-pub-a2", "us-west-1a"),
    subnet("subnet-pub-a1", "us-west-1a"),
    subnet("subnet-pub-b", "us-west-1b"),
    subnet("subnet-priv-a", "us-west-1a"),
    subnet("subnet-priv-b", "us-west-1b"),
]
PUBLIC_TABLE = {
    "associations": [{"subnet_id": name, "main": False} for name in ("subnet-pub-a1", "subnet-pub-a2", "subnet-pub-b")],
    "routes": [{"destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}],
}
MAIN_TABLE = {
    "associations": [{"main": True}],
    "routes": [{"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local"}],
}


def test_public_subnets_for_the_load_balancer_private_ones_for_the_database():
    """Issue 14 item 8: public means a route to an internet gateway, one per zone, lowest ID."""
    assert alb_network(SUBNETS, route_tables=[PUBLIC_TABLE, MAIN_TABLE]) == {
        "vpc": "vpc-1",
        "subnets": ["subnet-pub-a1", "subnet-pub-b"],
        "private_subnets": ["subnet-priv-a", "subnet-priv-b"],
        "errors": [],
    }


def test_the_main_route_table_decides_for_subnets_without_their_own():
    main_public = dict(PUBLIC_TABLE, associations=[{"main": True}])
    result = alb_network(SUBNETS, route_tables=[main_public])
    assert result["private_subnets"] == [] and len(result["subnets"]) == 2


def test_an_internal_load_balancer_takes_the_private_subnets():
    assert alb_network(SUBNETS, [PUBLIC_TABLE, MAIN_TABLE], scheme="internal")["subnets"] == [
        "subnet-priv-a",
        "subnet-priv-b",
    ]


def test_the_default_vpc_is_public_and_has_no_private_subnets():
    result = alb_network([subnet("subnet-1", "a"), subnet("subnet-2", "b")], default_vpc=True)
    assert result == {"vpc": "vpc-1", "subnets": ["subnet-1", "subnet-2"], "private_subnets": [], "errors": []}


def test_a_vpc_with_public_subnets_in_one_zone_only_names_the_fix():
    result = alb_network(SUBNETS[:2] + SUBNETS[3:], [PUBLIC_TABLE, MAIN_TABLE])
    assert result["errors"] == [
        "alb_subnet_ids: VPC vpc-1 has public subnets in 1 Availability Zone(s); an ALB needs two "
        "(add a subnet with a route to an internet gateway, or set alb_subnet_ids)"
    ]


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (["subnet-priv-a", "subnet-pub-b"], "alb_subnet_ids: subnet-priv-a has no route to an internet gateway"),
        (["subnet-pub-a1", "subnet-pub-a2"], "alb_subnet_ids: give at most one subnet per Availability Zone"),
        (["subnet-nope", "subnet-pub-b"], "alb_subnet_ids: subnet-nope not found"),
    ],
)
def test_chosen_subnets_are_checked(chosen, expected):
    errors = alb_network(SUBNETS, [PUBLIC_TABLE, MAIN_TABLE], subnet_ids=chosen)["errors"]
    assert errors and errors[0].startswith(expected), errors


def test_chosen_subnets_are_used_as_given():
    result = alb_network(SUBNETS, [PUBLIC_TABLE, MAIN_TABLE], subnet_ids=["subnet-pub-b", "subnet-pub-a2"])
    assert result["subnets"] == ["subnet-pub-b", "subnet-pub-a2"] and result["errors"] == []


def test_no_subnets_names_alb_vpc_id():
    assert alb_network([], default_vpc=True)["errors"] == [
        "alb_vpc_id: the region has no default VPC (no default subnets); set alb_vpc_id"
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.booleans()), min_size=1, max_size=9))
def test_one_subnet_per_zone_and_never_a_private_one_for_internet_facing(layout):
    subnets = [subnet(f"subnet-{index:02d}", f"us-west-1{zone}") for index, (zone, is_public) in enumerate(layout)]
    public = [item["subnet_id"] for item, (zone, is_public) in zip(subnets, layout, strict=True) if is_public]
    table = {"associations": [{"subnet_id": name} for name in public], "routes": [{"gateway_id": "igw-9"}]}
    result = alb_network(subnets, [table])
    zones = [next(s["availability_zone"] for s in subnets if s["subnet_id"] == name) for name in result["subnets"]]
    assert len(zones) == len(set(zones))
    assert set(result["subnets"]) <= set(public)
    assert not set(result["private_subnets"]) & set(public)


def test_service_rules_keep_order_and_skip_services_without_paths():
    services = [
        {"name": "web", "port": 80, "default": True},
        {"name": "api", "port": 8000, "paths": ["/api/*"]},
        {"name": "admin", "port": 9000, "paths": ["/admin*", "/staff*"]},
    ]
    assert service_rules(services, "shop") == [
        {"paths": ["/api/*"], "target_group": "shop-api-tg"},
        {"paths": ["/admin*", "/staff*"], "target_group": "shop-admin-tg"},
    ]


def test_alb_errors_is_registered_and_names_the_variable():
    alb_errors = AlbErrors().filters()["alb_errors"]
    assert alb_errors({"alb_ssh_cidrs": ["10.0.0.1"], "alb_listener_port": 0}) == [
        "alb_ssh_cidrs[0]: '10.0.0.1' is not a CIDR block like 203.0.113.0/24 (no prefix length)",
        "alb_listener_port: 0 must be from 1 to 65535",
    ]


def zoned(subnet_id, zone, zone_id, vpc="vpc-1"):
    return dict(subnet(subnet_id, zone, vpc), availability_zone_id=zone_id)


# An account where us-west-1 has three zones: Fargate runs in usw1-az1 and usw1-az3 only.
THREE_ZONES = [
    zoned("subnet-a", "us-west-1a", "usw1-az2"),
    zoned("subnet-b", "us-west-1b", "usw1-az1"),
    zoned("subnet-c", "us-west-1c", "usw1-az3"),
]


def test_with_ecs_the_default_vpc_pick_prefers_fargate_zones():
    assert alb_network(THREE_ZONES, default_vpc=True)["subnets"] == ["subnet-a", "subnet-b", "subnet-c"]
    assert alb_network(THREE_ZONES, default_vpc=True, fargate_region="us-west-1")["subnets"] == [
        "subnet-b",
        "subnet-c",
    ]
    # A region whose every zone runs Fargate: the pick is unchanged.
    assert alb_network(THREE_ZONES, default_vpc=True, fargate_region="us-east-2")["subnets"] == [
        "subnet-a",
        "subnet-b",
        "subnet-c",
    ]


def test_fewer_than_two_fargate_zones_keep_the_whole_pick():
    two = [zoned("subnet-a", "us-west-1a", "usw1-az2"), zoned("subnet-b", "us-west-1b", "usw1-az1")]
    assert alb_network(two, default_vpc=True, fargate_region="us-west-1")["subnets"] == ["subnet-a", "subnet-b"]


def test_chosen_alb_subnet_ids_are_never_overridden_by_the_preference():
    chosen = ["subnet-a", "subnet-b"]
    result = alb_network(THREE_ZONES, default_vpc=True, subnet_ids=chosen, fargate_region="us-west-1")
    assert result["subnets"] == chosen
