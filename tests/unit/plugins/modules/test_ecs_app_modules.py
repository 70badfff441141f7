"""ecs_app_service and ecs_app_cluster against the emulator, four steps per feature: check mode reports
a change and writes nothing, apply changes, check mode and apply again change nothing."""

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
        environment={"MODE": "prod"},
        secrets=None,
        command=None,
        readonly_root_filesystem=False,
        log_group=f"/ecs/{name}",
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
    )
    return name, params


def cluster_params(name, **changes):
    return dict(
        dict(name=name, state="present", capacity_providers=["FARGATE", "FARGATE_SPOT"], container_insights=False),
        tags={"app": name},
        wait_timeout=0,
        **changes,
    )


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


def test_cluster_delete_is_refused_while_a_service_is_active_past_the_budget(aws, app):
    name, params = app
    run(aws, ecs_app_service.present, params)
    module = Module(aws, cluster_params(name))
    with pytest.raises(ClientError, match="ClusterContainsServicesException"):
        ecs_app_cluster.absent(module, Retrying(aws("ecs")))
    # A budget of 0 s: refused once, no retry; the cluster is still there.
    assert aws("ecs").describe_clusters(clusters=[name])["clusters"][0]["status"] == "ACTIVE"


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
