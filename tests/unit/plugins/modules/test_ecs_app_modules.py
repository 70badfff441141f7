"""ecs_app_service and ecs_app_cluster against the emulator, four steps per feature: check mode reports
a change and writes nothing, apply changes, check mode and apply again change nothing."""

import re
import threading
import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.modules import ecs_app_cluster, ecs_app_service
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

MANIFEST = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}'


class Retrying:
    """A boto3 client that accepts the ``aws_retry`` keyword AnsibleAWSModule's clients take."""

    def __init__(self, client):
        self.client = client
        self.exceptions = client.exceptions

    def __getattr__(self, name):
        call = getattr(self.client, name)

        def without_retry_flag(*args, aws_retry=False, **kwargs):
            return call(*args, **kwargs)

        return without_retry_flag


class Module:
    """What the modules' functions use of AnsibleAWSModule."""

    def __init__(self, aws, params, check_mode=False):
        self.aws, self.params, self.check_mode, self._diff, self.region = aws, params, check_mode, True, "us-west-1"
        self.warnings = []

    def client(self, service, retry_decorator=None):
        return Retrying(self.aws(service))

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])


@pytest.fixture
def app(aws):
    """A cluster, subnets, a group, an ECR repository with one image, and an ip target group behind an ALB."""
    ec2, elb, ecr = aws("ec2"), aws("elbv2"), aws("ecr")
    name = f"m{uuid.uuid4().hex[:8]}"
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{n}.0/24", AvailabilityZone=f"us-west-1{z}")["Subnet"][
            "SubnetId"
        ]
        for n, z in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName=name, Description="t", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    target = elb.create_target_group(Name=name, Protocol="HTTP", Port=5000, VpcId=vpc, TargetType="ip")
    target = target["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": target}]
    )
    ecr.create_repository(repositoryName=name)
    ecr.put_image(repositoryName=name, imageManifest=MANIFEST, imageTag="v1")
    ecs_app_cluster.present(Module(aws, cluster_params(name)), Retrying(aws("ecs")))
    params = dict(
        cluster=name,
        name=name,
        state="present",
        container_name="api",
        container_port=5000,
        image=f"123456789012.dkr.ecr.us-west-1.amazonaws.com/{name}:v1",
        set_image=False,
        cpu=256,
        memory=512,
        cpu_architecture="X86_64",
        environment={"MODE": "prod"},
        secrets=None,
        command=None,
        readonly_root_filesystem=False,
        log_group=f"/ecs/{name}",
        log_retention_days=None,
        log_stream_prefix="ecs",
        execution_role_arn="arn:aws:iam::123456789012:role/exec",
        task_role_arn=None,
        desired_count=1,
        target_group_arn=target,
        health_check_grace_period=60,
        subnets=subnets,
        security_groups=[group],
        assign_public_ip=True,
        enable_execute_command=False,
        tags={"app": name},
        wait_timeout=30,
        poll_interval=1,
    )
    return name, params


def cluster_params(name, **changes):
    defaults = dict(
        name=name,
        state="present",
        capacity_providers=["FARGATE", "FARGATE_SPOT"],
        container_insights=False,
        tags={"app": name},
        wait_timeout=0,
        poll_interval=1,
        owned_by=None,
        services=None,
        purge_services=False,
        report_usage=False,
        log_group_prefix=None,
    )
    return dict(defaults, **changes)


def run(aws, function, params, check_mode=False):
    return function(Module(aws, params, check_mode), Retrying(aws("ecs")))


def test_service_check_apply_check_apply(aws, app):
    name, params = app
    planned = run(aws, ecs_app_service.present, params, check_mode=True)
    assert planned["changed"] and planned["registered"]
    assert aws("ecs").describe_services(cluster=name, services=[name])["services"] == []
    created = run(aws, ecs_app_service.present, params)
    assert created["changed"] and created["service"]["desired_count"] == 1 and not created["waiting_for_image"]
    again = run(aws, ecs_app_service.present, params, check_mode=True)
    assert not again["changed"] and again["diff"]["before"] == again["diff"]["after"]
    assert not run(aws, ecs_app_service.present, params)["changed"]


def test_a_changed_memory_registers_a_revision_and_keeps_the_deployed_image(aws, app):
    name, params = app
    created = run(aws, ecs_app_service.present, params)
    ecs = aws("ecs")
    # A deploy, as CodeBuild does it: a revision with another image, and the service updated to it.
    definition = ecs.describe_task_definition(taskDefinition=created["task_definition_arn"])["taskDefinition"]
    deployed_image = params["image"].replace(":v1", ":v2")
    aws("ecr").put_image(repositoryName=name, imageManifest=MANIFEST.replace("2,", "2, "), imageTag="v2")
    container = dict(definition["containerDefinitions"][0], image=deployed_image)
    deployed = ecs.register_task_definition(
        **{
            k: definition[k]
            for k in ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "executionRoleArn")
        },
        containerDefinitions=[container],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=name, service=name, taskDefinition=deployed)
    assert not run(aws, ecs_app_service.present, params)["changed"], "the deployed revision is what Ansible wants"
    bigger = run(aws, ecs_app_service.present, dict(params, memory=1024))
    assert bigger["changed"] and bigger["registered"] and bigger["image"] == deployed_image
    assert bigger["service"]["task_definition"] == bigger["task_definition_arn"] != deployed
    pinned = run(aws, ecs_app_service.present, dict(params, memory=1024, set_image=True))
    assert pinned["image"] == params["image"] and pinned["registered"]


def test_a_missing_image_creates_the_service_with_no_task(aws, app):
    name, params = app
    params = dict(params, tags=None)  # and no tags: none sent
    waiting = run(aws, ecs_app_service.present, dict(params, image=params["image"].replace(":v1", ":missing")))
    assert waiting["waiting_for_image"] and waiting["service"]["desired_count"] == 0
    assert not run(aws, ecs_app_service.present, dict(params, image=params["image"].replace(":v1", ":missing")))[
        "changed"
    ]


def test_network_and_breaker_changes_are_applied(aws, app):
    name, params = app
    run(aws, ecs_app_service.present, params)
    private = run(aws, ecs_app_service.present, dict(params, assign_public_ip=False, health_check_grace_period=30))
    assert private["changed"] and not private["registered"]
    service = aws("ecs").describe_services(cluster=name, services=[name])["services"][0]
    assert service["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"
    assert service["healthCheckGracePeriodSeconds"] == 30


def test_absent_drains_deletes_and_deregisters_then_changes_nothing(aws, app):
    name, params = app
    run(aws, ecs_app_service.present, params)
    run(aws, ecs_app_service.present, dict(params, memory=1024))
    absent = dict(params, state="absent")
    planned = run(aws, ecs_app_service.absent, absent, check_mode=True)
    assert planned["changed"] and len(planned["deregistered"]) == 2
    gone = run(aws, ecs_app_service.absent, absent)
    assert gone["changed"] and len(gone["deregistered"]) == 2
    assert aws("ecs").describe_services(cluster=name, services=[name])["services"][0]["status"] == "INACTIVE"
    assert aws("ecs").list_task_definitions(familyPrefix=name, status="ACTIVE")["taskDefinitionArns"] == []
    assert not run(aws, ecs_app_service.absent, absent)["changed"]


def test_cluster_check_apply_and_container_insights(aws, app):
    name = f"c{uuid.uuid4().hex[:8]}"
    assert run(aws, ecs_app_cluster.present, cluster_params(name), check_mode=True)["changed"]
    assert aws("ecs").describe_clusters(clusters=[name])["clusters"] == []
    assert run(aws, ecs_app_cluster.present, cluster_params(name))["changed"]
    assert not run(aws, ecs_app_cluster.present, cluster_params(name))["changed"]
    insights = run(aws, ecs_app_cluster.present, cluster_params(name, container_insights=True))
    assert insights["changed"] and insights["diff"]["after"]["container_insights"] == "enabled"
    assert not run(aws, ecs_app_cluster.present, cluster_params(name, container_insights=True))["changed"]
    assert run(aws, ecs_app_cluster.absent, cluster_params(name))["changed"]
    assert not run(aws, ecs_app_cluster.absent, cluster_params(name))["changed"]


def test_cluster_delete_stops_at_once_at_a_service_not_the_apps(aws, app):
    name, params = app
    run(aws, ecs_app_service.present, params)
    module = Module(aws, cluster_params(name, owned_by={"app": "another", "managed-by": "flask_react.aws"}))
    with pytest.raises(AssertionError, match=rf"holds services this app did not make \(no app tags\): {name}\."):
        ecs_app_cluster.absent(module, Retrying(aws("ecs")))
    # Nothing deleted, no DeleteCluster retried for minutes.
    assert aws("ecs").describe_clusters(clusters=[name])["clusters"][0]["status"] == "ACTIVE"
    assert aws("ecs").describe_services(cluster=name, services=[name])["services"][0]["status"] == "ACTIVE"


class FirstClusterOfANewAccount(Retrying):
    """ECS's answer while it is still making its service-linked role (AWS only: moto has no such role)."""

    def __init__(self, client, refusals):
        super().__init__(client)
        self.refusals = refusals

    def create_cluster(self, aws_retry=False, **request):
        if self.refusals:
            self.refusals -= 1
            raise ClientError(
                {
                    "Error": {
                        "Code": "InvalidParameterException",
                        "Message": "Unable to assume the service linked role. "
                        "Please verify that the ECS service linked role exists.",
                    }
                },
                "CreateCluster",
            )
        return self.client.create_cluster(**request)


def test_a_new_accounts_first_cluster_waits_for_the_service_linked_role(aws, monkeypatch):
    monkeypatch.setattr(ecs_app_cluster.time, "sleep", lambda seconds: None)
    name = f"slr{uuid.uuid4().hex[:8]}"
    module = Module(aws, dict(cluster_params(name), wait_timeout=60))
    result = ecs_app_cluster.present(module, FirstClusterOfANewAccount(aws("ecs"), refusals=2))
    assert result["changed"]
    assert aws("ecs").describe_clusters(clusters=[name])["clusters"][0]["status"] == "ACTIVE"
    assert module.warnings == ["ECS is still making its service-linked role (a new account); retrying CreateCluster"]


def test_other_invalid_parameters_are_not_retried(aws):
    class Refusing(Retrying):
        def create_cluster(self, aws_retry=False, **request):
            raise ClientError({"Error": {"Code": "InvalidParameterException", "Message": "Tags are invalid."}}, "x")

    module = Module(aws, cluster_params(f"bad{uuid.uuid4().hex[:8]}"))
    with pytest.raises(ClientError, match="Tags are invalid"):
        ecs_app_cluster.create(module, Refusing(aws("ecs")), clusterName="bad")
    assert module.warnings == []


OURS = {"managed-by": "flask_react.aws"}


def test_dropped_services_leave_with_their_task_definitions_never_a_service_without_the_tags(aws, app):
    name, params = app
    owned = dict(OURS, app=name)
    kept, dropped, foreign = f"{name}-kept", f"{name}-dropped", f"{name}-theirs"
    run(aws, ecs_app_service.present, dict(params, name=kept, tags=owned))
    run(aws, ecs_app_service.present, dict(params, name=dropped, tags=owned, target_group_arn=None))
    run(aws, ecs_app_service.present, dict(params, name=dropped, tags=owned, target_group_arn=None, memory=1024))
    run(aws, ecs_app_service.present, dict(params, name=foreign, tags={"app": name}, target_group_arn=None))
    wanted = cluster_params(name, owned_by=owned, services=[kept], purge_services=True, report_usage=True)

    planned = run(aws, ecs_app_cluster.present, wanted, check_mode=True)
    assert planned["changed"] and not planned["cluster_changed"]
    assert [(r["name"], r["families"], len(r["deregistered"])) for r in planned["services_removed"]] == [
        (dropped, [dropped], 2)
    ]
    # In check mode the dropped service counts as gone already; another team's service counts.
    assert planned["in_use"] == {
        "target_groups": {name: [kept]},
        "repositories": {name: sorted([kept, foreign])},
    }
    ecs = aws("ecs")
    assert ecs.describe_services(cluster=name, services=[dropped])["services"][0]["status"] == "ACTIVE"

    removed = run(aws, ecs_app_cluster.present, wanted)
    assert removed["changed"] and removed["services_removed"] == planned["services_removed"]
    assert ecs.describe_services(cluster=name, services=[dropped])["services"][0]["status"] == "INACTIVE"
    for status in ("ACTIVE", "INACTIVE"):
        assert ecs.list_task_definitions(familyPrefix=dropped, status=status)["taskDefinitionArns"] == []
    assert ecs.describe_services(cluster=name, services=[foreign])["services"][0]["status"] == "ACTIVE"
    again = run(aws, ecs_app_cluster.present, wanted)
    assert not again["changed"] and again["services_removed"] == []


def test_the_service_makes_its_log_group_with_retention_and_tags_then_changes_nothing(aws, app):
    name, params = app
    wanted = dict(params, log_group=f"/ecs/{name}-logs", log_retention_days=30, tags={"app": name, "team": "web"})
    logs = aws("logs")

    def group():
        found = logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{name}-logs")["logGroups"]
        return found[0] if found else None

    planned = run(aws, ecs_app_service.present, wanted, check_mode=True)
    assert {"type": "AWS::Logs::LogGroup", "name": f"/ecs/{name}-logs", "action": "create"} in planned["plan"]
    assert group() is None
    run(aws, ecs_app_service.present, wanted)
    assert group()["retentionInDays"] == 30
    assert logs.list_tags_log_group(logGroupName=f"/ecs/{name}-logs")["tags"] == {"app": name, "team": "web"}
    again = run(aws, ecs_app_service.present, wanted)
    assert not again["changed"] and again["plan"] == []
    shorter = run(aws, ecs_app_service.present, dict(wanted, log_retention_days=7))
    assert {"type": "AWS::Logs::LogGroup", "name": f"/ecs/{name}-logs", "action": "update"} in shorter["plan"]
    assert group()["retentionInDays"] == 7


def test_dropped_services_take_their_log_groups_along_and_plan_them(aws, app):
    name, params = app
    owned = dict(OURS, app=name)
    kept, dropped = f"{name}-kept", f"{name}-dropped"
    run(aws, ecs_app_service.present, dict(params, name=kept, tags=owned))
    run(aws, ecs_app_service.present, dict(params, name=dropped, tags=owned, target_group_arn=None))
    logs = aws("logs")
    for service in (kept, dropped):
        logs.create_log_group(logGroupName=f"/ecs/{service}")
    wanted = cluster_params(name, owned_by=owned, services=[kept], purge_services=True, log_group_prefix="/ecs/")

    def groups():
        return {g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{name}-")["logGroups"]}

    planned = run(aws, ecs_app_cluster.present, wanted, check_mode=True)
    assert {"type": "AWS::Logs::LogGroup", "name": f"/ecs/{dropped}", "action": "delete"} in planned["plan"]
    assert groups() == {f"/ecs/{kept}", f"/ecs/{dropped}"}

    removed = run(aws, ecs_app_cluster.present, wanted)
    assert [service["log_group"] for service in removed["services_removed"]] == [f"/ecs/{dropped}"]
    assert groups() == {f"/ecs/{kept}"}
    assert run(aws, ecs_app_cluster.present, wanted)["plan"] == []


def test_teardown_removes_every_service_of_the_app_whatever_app_services_says(aws, app):
    name, params = app
    owned = dict(OURS, app=name)
    run(aws, ecs_app_service.present, dict(params, tags=owned))
    run(aws, ecs_app_service.present, dict(params, name=f"{name}-old", tags=owned, target_group_arn=None))
    run(aws, ecs_app_service.present, dict(params, name=f"{name}-untagged", tags=None, target_group_arn=None))
    # The log groups of the named services and of the dropped one go too; another app's stays.
    logs = aws("logs")
    for group in (name, f"{name}-old", f"{name}-other-app"):
        logs.create_log_group(logGroupName=f"/ecs/{group}")
    teardown = cluster_params(
        name, state="absent", owned_by=owned, services=[name, f"{name}-untagged"], log_group_prefix="/ecs/"
    )
    planned = run(aws, ecs_app_cluster.absent, teardown, check_mode=True)
    assert sorted(r["name"] for r in planned["services_removed"]) == sorted([name, f"{name}-old", f"{name}-untagged"])
    assert planned["cluster_changed"]
    assert planned["log_groups_deleted"] == sorted([f"/ecs/{name}", f"/ecs/{name}-old"])
    assert {"type": "AWS::Logs::LogGroup", "name": f"/ecs/{name}-old", "action": "delete"} in planned["plan"]
    gone = run(aws, ecs_app_cluster.absent, teardown)
    assert gone["changed"] and gone["cluster_changed"]
    assert gone["log_groups_deleted"] == planned["log_groups_deleted"]
    ecs = aws("ecs")
    assert ecs.describe_clusters(clusters=[name])["clusters"][0]["status"] == "INACTIVE"
    for family in (name, f"{name}-old", f"{name}-untagged"):
        assert ecs.list_task_definitions(familyPrefix=family, status="ACTIVE")["taskDefinitionArns"] == []
    left = {group["logGroupName"] for group in logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{name}")["logGroups"]}
    assert left == {f"/ecs/{name}-other-app"}
    again = run(aws, ecs_app_cluster.absent, teardown)
    assert not again["changed"] and not again["cluster_changed"] and again["log_groups_deleted"] == []


@pytest.fixture
def lagged(aws, emulator_url):
    """Clients of a second emulator on the same (per-process) state, with ECS's "not yet" answers on for 3 s."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from tests.conftest import free_port
    from tests.emulator.client import emulator_client
    from tests.emulator.server import make_app

    app = make_app(aws_lag_calls=1, aws_lag_only="ecs-lb,ecs-deployments")
    server = make_server("127.0.0.1", free_port(), app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield lambda service: emulator_client(f"http://127.0.0.1:{server.server_port}", service, "us-west-1")
    server.shutdown()


def test_a_listener_rule_still_propagating_is_waited_for_then_the_service_is_created(lagged, app):
    name, params = app
    elb = lagged("elbv2")
    vpc = elb.describe_target_groups(Names=[name])["TargetGroups"][0]["VpcId"]
    fresh = elb.create_target_group(Name=f"{name}-new", Protocol="HTTP", Port=5000, VpcId=vpc, TargetType="ip")
    fresh = fresh["TargetGroups"][0]["TargetGroupArn"]
    listener = elb.describe_listeners(
        LoadBalancerArn=elb.describe_load_balancers(Names=[name])["LoadBalancers"][0]["LoadBalancerArn"]
    )["Listeners"][0]["ListenerArn"]
    # The rule that gives the group its load balancer, made just now: ECS does not see it yet.
    elb.create_rule(
        ListenerArn=listener,
        Priority=7,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/new*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": fresh}],
    )
    module = Module(lagged, dict(params, name=f"{name}-new", target_group_arn=fresh))
    created = ecs_app_service.present(module, Retrying(lagged("ecs")))
    assert created["changed"] and created["service"]["load_balancers"][0]["target_group_arn"] == fresh
    (warning,) = module.warnings
    # One retry, poll_interval (1 s) later: how long it says it waited depends on the machine, not the text.
    assert re.search(r'ECS create_service answered "does not have an associated load balancer" for [0-9]+ s', warning)


def test_a_delete_while_deployments_are_active_is_retried_then_succeeds(lagged, app):
    name, params = app
    run(lagged, ecs_app_service.present, params)
    module = Module(lagged, dict(params, state="absent"))
    gone = ecs_app_service.absent(module, Retrying(lagged("ecs")))
    assert gone["changed"] and gone["deleted"]
    assert lagged("ecs").describe_services(cluster=name, services=[name])["services"][0]["status"] == "INACTIVE"
    (warning,) = module.warnings
    assert 'ECS delete_service answered "The service cannot be stopped while deployments are active"' in warning
