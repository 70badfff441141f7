"""ecs_app_service with several services in one run, against the emulator: check mode reports every
service and writes nothing, apply, then check mode and apply again change nothing; a change to one
service touches that one only; the reads are batched (every AWS call is counted)."""

import uuid
from collections import Counter

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import service_params
from ansible_collections.flask_react.aws.plugins.modules import ecs_app_service

pytestmark = pytest.mark.emulator

MANIFEST = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}'
READS = ("describe_", "list_", "get_")


class Counted:
    """A boto3 client that accepts AnsibleAWSModule's ``aws_retry`` keyword and records each call (a
    paginated read, each page)."""

    def __init__(self, client, calls):
        self.client, self.calls, self.exceptions = client, calls, client.exceptions

    def __getattr__(self, name):
        call = getattr(self.client, name)

        def counted(*args, aws_retry=False, **kwargs):
            self.calls.append(name)
            return call(*args, **kwargs)

        return counted

    def get_paginator(self, operation):
        paginator = self.client.get_paginator(operation)
        return type(
            "Paginator", (), {"paginate": lambda _, **kw: Pages(paginator.paginate(**kw), operation, self.calls)}
        )()


class Pages:
    """paginate()'s answer: its pages, each counted as a call, and build_full_result() merging their lists."""

    def __init__(self, pages, operation, calls):
        self.pages, self.operation, self.calls = pages, operation, calls

    def __iter__(self):
        for page in self.pages:
            self.calls.append(self.operation)
            yield page

    def build_full_result(self):
        merged = {}
        for page in self:
            for key, value in page.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
        return merged


class Module:
    """What the module's functions use of AnsibleAWSModule; params validated by the module's own spec."""

    def __init__(self, aws, params, check_mode=False, calls=None):
        validated = ArgumentSpecValidator(ecs_app_service.argument_spec()).validate(params)
        assert not validated.error_messages, validated.error_messages
        self.aws, self.params, self.check_mode, self._diff = aws, validated.validated_parameters, check_mode, True
        self.region, self.warnings, self.calls = "us-west-1", [], [] if calls is None else calls

    def client(self, service, retry_decorator=None):
        return Counted(self.aws(service), self.calls)

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])


def run(aws, params, check_mode=False):
    """One module run; returns (result, the AWS calls it made, by operation)."""
    module = Module(aws, params, check_mode)
    function = ecs_app_service.present if module.params["state"] == "present" else ecs_app_service.absent
    result = function(module, module.client("ecs"))
    return result, module.calls


def writes(calls):
    return [call for call in calls if not call.startswith(READS)]


@pytest.fixture
def app(aws):
    """A cluster, subnets, a security group, and per service (web, api) an ECR repository with one image and an ip
    target group behind one ALB; returns (shared params, the services' items)."""
    ec2, elb, ecr = aws("ec2"), aws("elbv2"), aws("ecr")
    name = f"n{uuid.uuid4().hex[:8]}"
    vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.43.{n}.0/24", AvailabilityZone=f"us-west-1{z}")["Subnet"][
            "SubnetId"
        ]
        for n, z in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName=name, Description="t", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    items = []
    for service, port in (("web", 80), ("api", 5000)):
        target = elb.create_target_group(
            Name=f"{name}-{service}", Protocol="HTTP", Port=port, VpcId=vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        elb.create_listener(
            LoadBalancerArn=lb,
            Protocol="HTTP",
            Port=port if port != 5000 else 8080,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": target}],
        )
        ecr.create_repository(repositoryName=f"{name}-{service}")
        ecr.put_image(repositoryName=f"{name}-{service}", imageManifest=MANIFEST, imageTag="v1")
        items.append(
            dict(
                name=f"{name}-{service}",
                container_name=service,
                container_port=port,
                image=f"123456789012.dkr.ecr.us-west-1.amazonaws.com/{name}-{service}:v1",
                log_group=f"/ecs/{name}-{service}",
                target_group_arn=target,
            )
        )
    aws("ecs").create_cluster(clusterName=name)
    shared = dict(
        cluster=name,
        execution_role_arn="arn:aws:iam::123456789012:role/exec",
        log_retention_days=30,
        subnets=subnets,
        security_groups=[group],
        assign_public_ip=True,
        tags={"app": name},
        wait_timeout=30,
        poll_interval=1,
    )
    return shared, items


def test_two_services_check_apply_check_apply(aws, app):
    shared, items = app
    params = dict(shared, services=items)
    names = [item["name"] for item in items]
    planned, calls = run(aws, params, check_mode=True)
    assert planned["changed"] and writes(calls) == []
    assert [(change["type"], change["name"], change["action"]) for change in planned["plan"]] == [
        ("AWS::Logs::LogGroup", items[0]["log_group"], "create"),
        ("AWS::Logs::LogGroup", items[1]["log_group"], "create"),
        ("AWS::ECS::Service", names[0], "create"),
        ("AWS::ECS::Service", names[1], "create"),
        ("AWS::ECS::TaskDefinition", names[0], "create"),
        ("AWS::ECS::TaskDefinition", names[1], "create"),
    ]
    assert list(planned["services"]) == names and list(planned["diff"]["after"]) == names
    assert "service" not in planned, "the one-item form's keys only with name"
    assert aws("ecs").describe_services(cluster=shared["cluster"], services=names)["services"] == []

    created, calls = run(aws, params)
    assert created["changed"] and sorted(writes(calls)) == sorted(
        ["create_log_group", "put_retention_policy"] * 2 + ["register_task_definition", "create_service"] * 2
    )
    for item in items:
        one = created["services"][item["name"]]
        assert one["service"]["desired_count"] == 1 and not one["waiting_for_image"]
        assert one["service"]["task_definition"] == one["task_definition_arn"] and one["image"] == item["image"]
        assert one["log_group"] == item["log_group"]
    assert created["cluster"] == shared["cluster"]

    again, calls = run(aws, params, check_mode=True)
    assert not again["changed"] and again["plan"] == [] and again["diff"]["before"] == again["diff"]["after"]
    again, calls = run(aws, params)
    assert not again["changed"] and again["plan"] == [] and writes(calls) == []


def test_a_no_op_reads_in_batches_fewer_calls_than_one_run_per_service(aws, app):
    shared, items = app
    run(aws, dict(shared, services=items))
    together = run(aws, dict(shared, services=items))[1]
    # Today's one-item runs: each reads its log group, its tags, its service and its task definition.
    one_by_one = [call for item in items for call in run(aws, dict(shared, **item))[1]]
    assert Counter(together) == {
        "describe_log_groups": 1,  # both groups, by their common prefix
        "list_tags_log_group": 2,
        "describe_services": 1,
        "describe_task_definition": 2,
    }
    assert Counter(one_by_one) == {
        "describe_log_groups": 2,
        "list_tags_log_group": 2,
        "describe_services": 2,
        "describe_task_definition": 2,
    }
    assert len(together) < len(one_by_one)


def test_describe_services_takes_ten_at_a_time(aws, app):
    shared, items = app
    many = [
        dict(items[1], name=f"{items[1]['name']}-{n:02d}", log_group=f"/ecs/{items[1]['name']}-{n:02d}")
        for n in range(12)
    ]
    many = [dict(item, target_group_arn=None) for item in many]
    params = dict(shared, services=many)
    created = run(aws, params)[0]
    assert len(created["services"]) == 12 and all(one["changed"] for one in created["services"].values())
    again, calls = run(aws, params)
    assert not again["changed"] and writes(calls) == []
    counted = Counter(calls)
    assert counted["describe_services"] == 2 and counted["describe_log_groups"] == 1
    assert counted["describe_task_definition"] == 12


def test_a_change_to_one_service_touches_that_one_only(aws, app):
    shared, items = app
    params = dict(shared, services=items)
    run(aws, params)
    bigger = dict(params, services=[items[0], dict(items[1], memory=1024)])
    planned, calls = run(aws, bigger, check_mode=True)
    api = items[1]["name"]
    assert writes(calls) == []
    assert planned["plan"] == [
        {"type": "AWS::ECS::Service", "name": api, "action": "update"},
        {"type": "AWS::ECS::TaskDefinition", "name": api, "action": "create"},
    ]
    assert planned["diff"]["before"][api]["task_definition"]["memory"] == "512"
    assert planned["diff"]["after"][api]["task_definition"]["memory"] == "1024"
    web = items[0]["name"]
    assert planned["diff"]["before"][web] == planned["diff"]["after"][web]
    updated, calls = run(aws, bigger)
    assert sorted(writes(calls)) == ["register_task_definition", "update_service"]
    assert updated["services"][api]["registered"] and not updated["services"][web]["changed"]
    assert updated["services"][api]["service"]["task_definition"] == updated["services"][api]["task_definition_arn"]
    assert not run(aws, bigger)[0]["changed"]


def test_one_image_set_the_other_kept_as_deployed(aws, app):
    shared, items = app
    params = dict(shared, services=items)
    created = run(aws, params)[0]
    ecs, cluster = aws("ecs"), shared["cluster"]
    # A deploy of both services, as CodeBuild does it: a revision with image v2, the service updated to it.
    deployed = {}
    for item in items:
        repository = item["image"].rsplit("/", 1)[1].split(":")[0]
        aws("ecr").put_image(repositoryName=repository, imageManifest=MANIFEST.replace("2,", "2, "), imageTag="v2")
        arn = created["services"][item["name"]]["task_definition_arn"]
        definition = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
        container = dict(definition["containerDefinitions"][0], image=item["image"].replace(":v1", ":v2"))
        keys = ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "executionRoleArn")
        request = {key: definition[key] for key in keys}
        revision = ecs.register_task_definition(**request, containerDefinitions=[container])["taskDefinition"]
        ecs.update_service(cluster=cluster, service=item["name"], taskDefinition=revision["taskDefinitionArn"])
        deployed[item["name"]] = container["image"]
    assert not run(aws, params)[0]["changed"], "the deployed revisions are what Ansible wants"

    pinned, calls = run(aws, dict(params, services=[dict(items[0], set_image=True), items[1]]))
    web, api = items[0]["name"], items[1]["name"]
    assert pinned["services"][web]["image"] == items[0]["image"] and pinned["services"][web]["registered"]
    assert pinned["services"][api]["image"] == deployed[api] and not pinned["services"][api]["changed"]
    assert sorted(writes(calls)) == ["register_task_definition", "update_service"]


def test_a_missing_first_image_keeps_that_service_at_zero_tasks(aws, app):
    shared, items = app
    missing = dict(items[1], image=items[1]["image"].replace(":v1", ":missing"))
    params = dict(shared, services=[items[0], missing])
    created, calls = run(aws, params)
    assert created["services"][missing["name"]]["waiting_for_image"]
    assert created["services"][missing["name"]]["service"]["desired_count"] == 0
    assert created["services"][items[0]["name"]]["service"]["desired_count"] == 1
    assert Counter(calls)["describe_images"] == 2, "the first run looks up each new service's image once"
    again, calls = run(aws, params)
    assert not again["changed"] and again["services"][missing["name"]]["waiting_for_image"]
    assert Counter(calls)["describe_images"] == 1, "only the service still at 0 tasks"


def test_absent_removes_every_service_together_then_changes_nothing(aws, app):
    shared, items = app
    run(aws, dict(shared, services=items))
    names = [item["name"] for item in items]
    absent = dict(cluster=shared["cluster"], state="absent", services=[{"name": name} for name in names])
    planned, calls = run(aws, absent, check_mode=True)
    assert planned["changed"] and writes(calls) == []
    assert planned["plan"] == [{"type": "AWS::ECS::Service", "name": name, "action": "delete"} for name in names]
    gone, calls = run(aws, absent)
    assert gone["changed"] and {name: len(gone["services"][name]["deleted"]) for name in names} == dict.fromkeys(
        names, 1
    )
    assert Counter(calls)["delete_service"] == 2
    described = aws("ecs").describe_services(cluster=shared["cluster"], services=names)["services"]
    assert [service["status"] for service in described] == ["INACTIVE", "INACTIVE"]
    assert not run(aws, absent)[0]["changed"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"services": [{"name": "a", "container_name": "a"}, {"name": "a"}]},
            "services[1].name: a is named twice (one item per service)",
        ),
        (
            {
                "services": [
                    {"name": "a", "container_name": "a", "container_port": 80, "image": "i", "log_group": "/g"},
                    {"name": "b", "image": "i"},
                ]
            },
            "services[1].container_name, services[1].container_port, services[1].log_group required when state",
        ),
        ({"name": "a", "container_port": 80, "image": "i", "log_group": "/g"}, "container_name required when state"),
        (
            {"name": "a", "execution_role_arn": None, "subnets": None, "security_groups": None},
            "execution_role_arn, subnets, security_groups required when state is present",
        ),
    ],
)
def test_bad_input_names_the_option_and_the_rule(params, message):
    base = {"cluster": "c", "execution_role_arn": "arn:x", "subnets": ["s"], "security_groups": ["g"]}
    validated = ArgumentSpecValidator(ecs_app_service.argument_spec()).validate(dict(base, **params))
    assert any(message in error for error in service_params(validated.validated_parameters)[1])


def test_an_item_takes_the_top_level_options_it_omits():
    params = dict(
        cluster="c",
        cpu=512,
        memory=1024,
        services=[{"name": "a"}, {"name": "b", "memory": 2048, "set_image": True}],
    )
    validated = ArgumentSpecValidator(ecs_app_service.argument_spec()).validate(params).validated_parameters
    first, second = service_params(dict(validated, state="absent"))[0]
    assert (first["cpu"], first["memory"], first["set_image"]) == (512, 1024, False)
    assert (second["cpu"], second["memory"], second["set_image"]) == (512, 2048, True)
    assert "services" not in first
