"""ALB, security group, target groups and path routing, read back through the AWS API."""

import pytest


def target_group_name(app, service):
    return f"{app['app_name']}-{service['name']}-tg"


@pytest.fixture(scope="module")
def balancer(aws, app):
    return aws("elbv2").describe_load_balancers(Names=[f"{app['app_name']}-alb"])["LoadBalancers"][0]


@pytest.fixture(scope="module")
def groups(aws, app):
    names = [target_group_name(app, service) for service in app["app_services"]]
    found = aws("elbv2").describe_target_groups(Names=names)["TargetGroups"]
    return {group["TargetGroupName"]: group for group in found}


@pytest.fixture(scope="module")
def listener(aws, balancer):
    return aws("elbv2").describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"][0]


def test_load_balancer_is_internet_facing_ipv4_in_two_zones(balancer):
    assert balancer["Scheme"] == "internet-facing"
    assert balancer["IpAddressType"] == "ipv4"
    assert balancer["State"]["Code"] == "active", "site.yml waits until it is"
    assert len({zone["ZoneName"] for zone in balancer["AvailabilityZones"]}) >= 2


def test_security_group_opens_http_and_not_ssh(aws, app, balancer):
    group = aws("ec2").describe_security_groups(GroupIds=balancer["SecurityGroups"])["SecurityGroups"][0]
    assert group["GroupName"] == f"{app['app_name']}-security-group"
    ports = {(rule["FromPort"], tuple(r["CidrIp"] for r in rule["IpRanges"])) for rule in group["IpPermissions"]}
    assert ports == {(80, ("0.0.0.0/0",))}, "only HTTP is open; 22 stays closed unless alb_ssh_cidrs is set"


def test_each_service_has_its_target_group(app, groups):
    # Fargate needs ip targets; with ecs_enabled false the course's instance targets.
    target_type = "ip" if app.get("ecs_enabled", False) else "instance"
    for service in app["app_services"]:
        group = groups[target_group_name(app, service)]
        assert group["Port"] == service["port"]
        assert group["Protocol"] == "HTTP"
        assert group["TargetType"] == target_type
        assert group["HealthCheckPath"] == service["health_check_path"]


def test_listener_forwards_to_the_default_service(app, listener, groups):
    default = next(service for service in app["app_services"] if service.get("default"))
    assert listener["Protocol"] == "HTTP" and listener["Port"] == 80
    action = listener["DefaultActions"][0]
    assert action["Type"] == "forward"
    assert action["TargetGroupArn"] == groups[target_group_name(app, default)]["TargetGroupArn"]


def test_every_path_routes_to_its_service_only(aws, app, listener, groups):
    described = aws("elbv2").describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    rules = [rule for rule in described if not rule["IsDefault"]]
    routed = {}
    for rule in rules:
        (condition,) = rule["Conditions"]
        values = condition["PathPatternConfig"]["Values"]
        assert len(values) <= 3, "AWS's quota of 3 values per condition"
        for path in values:
            assert path not in routed, f"{path} is routed twice"
            routed[path] = rule["Actions"][0]["TargetGroupArn"]
    expected = {
        path: groups[target_group_name(app, service)]["TargetGroupArn"]
        for service in app["app_services"]
        for path in service.get("paths", [])
    }
    assert routed == expected
    assert len(rules) == 2, "the seed's five paths fit in two rules"


@pytest.mark.teardown
def test_no_load_balancer_or_target_group_is_left(aws, app):
    elb = aws("elbv2")
    names = {lb["LoadBalancerName"] for lb in elb.describe_load_balancers()["LoadBalancers"]}
    assert f"{app['app_name']}-alb" not in names
    groups = {group["TargetGroupName"] for group in elb.describe_target_groups()["TargetGroups"]}
    assert not groups & {target_group_name(app, service) for service in app["app_services"]}
    security_groups = aws("ec2").describe_security_groups()["SecurityGroups"]
    assert f"{app['app_name']}-security-group" not in {group["GroupName"] for group in security_groups}
