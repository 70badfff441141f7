"""ECS services, task definitions, logs and network, read back through the AWS API."""

import pytest


def services(app):
    return [service["name"] for service in app["app_services"]]


def test_every_service_runs_behind_its_target_group(aws, app):
    ecs, base = aws("ecs"), app["app_name"]
    groups = {g["TargetGroupName"]: g for g in aws("elbv2").describe_target_groups()["TargetGroups"]}
    found = ecs.describe_services(cluster=f"{base}-cluster", services=[f"{base}-{s}" for s in services(app)])
    by_name = {service["serviceName"]: service for service in found["services"]}
    for name in services(app):
        service = by_name[f"{base}-{name}"]
        group = groups[f"{base}-{name}-tg"]
        assert group["TargetType"] == "ip"
        assert service["loadBalancers"][0]["targetGroupArn"] == group["TargetGroupArn"]
        assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        # The emulator's repositories hold no image: each service waits for the first build.
        assert service["desiredCount"] == 0
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        assert definition["family"] == f"{base}-{name}"
        assert definition["executionRoleArn"] != definition.get("taskRoleArn")
        assert (
            definition["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-group"]
            == f"/ecs/{base}-{name}"
        )


def test_the_tasks_admit_only_the_load_balancer(aws, app):
    ec2, base = aws("ec2"), app["app_name"]
    tasks = ec2.describe_security_groups(GroupNames=[f"{base}-ecs-tasks-security-group"])["SecurityGroups"][0]
    alb = ec2.describe_security_groups(GroupNames=[f"{base}-security-group"])["SecurityGroups"][0]
    assert {pair["GroupId"] for rule in tasks["IpPermissions"] for pair in rule["UserIdGroupPairs"]} == {alb["GroupId"]}
    assert all(not rule["IpRanges"] for rule in tasks["IpPermissions"])


@pytest.mark.teardown
def test_no_ecs_resource_is_left(aws, app):
    ecs, base = aws("ecs"), app["app_name"]
    assert [c for c in ecs.describe_clusters(clusters=[f"{base}-cluster"])["clusters"] if c["status"] == "ACTIVE"] == []
    for name in services(app):
        assert ecs.list_task_definitions(familyPrefix=f"{base}-{name}", status="ACTIVE")["taskDefinitionArns"] == []
    assert aws("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{base}-")["logGroups"] == []
    names = {group["GroupName"] for group in aws("ec2").describe_security_groups()["SecurityGroups"]}
    assert f"{base}-ecs-tasks-security-group" not in names
