"""Autoscaling and deployment alarms of ecs_app_service, and the targets ecs_app_cluster deregisters,
against the emulator: every AWS call counted (a no-op writes nothing; a run where no service autoscales
makes no Application Auto Scaling call)."""

from collections import Counter

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import autoscaling_errors, service_params
from ansible_collections.flask_react.aws.plugins.modules import ecs_app_cluster, ecs_app_service

from tests.unit.plugins.modules import test_ecs_app_service_many as many
from tests.unit.plugins.modules.test_ecs_app_service_many import Counted, run, writes

app = many.app  # the fixture: a cluster, two services' images and target groups behind one load balancer

pytestmark = pytest.mark.emulator

SCALING = {"min": 1, "max": 4, "cpu_percent": 60, "requests_per_target": 500}


def scaled(aws, app):
    """The app's params with the api service autoscaling on both metrics, and the load balancer's ARN."""
    shared, items = app
    group = aws("elbv2").describe_target_groups(TargetGroupArns=[items[1]["target_group_arn"]])["TargetGroups"][0]
    params = dict(shared, load_balancer_arn=group["LoadBalancerArns"][0])
    return dict(params, services=[items[0], dict(items[1], autoscaling=SCALING)]), items[1]["name"]


def target_of(aws, cluster, name):
    found = aws("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{cluster}/{name}"]
    )["ScalableTargets"]
    return found[0] if found else None


def policies_of(aws, cluster, name):
    found = aws("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=f"service/{cluster}/{name}"
    )["ScalingPolicies"]
    return {policy["PolicyName"]: policy["TargetTrackingScalingPolicyConfiguration"] for policy in found}


def plan_of(result):
    return [(change["type"], change["name"], change["action"]) for change in result["plan"]]


def test_register_then_nothing_and_the_scalers_count_is_kept(aws, app):
    params, api = scaled(aws, app)
    cluster = params["cluster"]
    planned, calls = run(aws, params, check_mode=True)
    assert writes(calls) == []
    assert [entry for entry in plan_of(planned) if "ApplicationAutoScaling" in entry[0]] == [
        ("AWS::ApplicationAutoScaling::ScalableTarget", api, "create"),
        ("AWS::ApplicationAutoScaling::ScalingPolicy", f"{api}-cpu", "create"),
        ("AWS::ApplicationAutoScaling::ScalingPolicy", f"{api}-requests", "create"),
    ]
    assert "describe_scalable_targets" not in calls, "a service still to create has no target to read"

    created, calls = run(aws, params)
    assert Counter(writes(calls))["register_scalable_target"] == 1
    assert Counter(writes(calls))["put_scaling_policy"] == 2
    assert created["services"][api]["autoscaling"] == {
        "target": "create",
        "policies": {f"{api}-cpu": "create", f"{api}-requests": "create"},
    }
    assert "autoscaling" not in created["services"][params["services"][0]["name"]]
    target = target_of(aws, cluster, api)
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
    policies = policies_of(aws, cluster, api)
    label = policies[f"{api}-requests"]["PredefinedMetricSpecification"]["ResourceLabel"]
    assert label.startswith("app/") and "/targetgroup/" in label
    assert policies[f"{api}-cpu"]["TargetValue"] == 60.0

    again, calls = run(aws, params)
    assert not again["changed"] and writes(calls) == [] and again["plan"] == []
    assert Counter(calls)["describe_scalable_targets"] == 1 and Counter(calls)["describe_scaling_policies"] == 1

    # The scaler sets 3 tasks: the next run leaves them (no write), the diff shows no count.
    aws("ecs").update_service(cluster=cluster, service=api, desiredCount=3)
    kept, calls = run(aws, params)
    assert not kept["changed"] and writes(calls) == []
    assert kept["services"][api]["service"]["desired_count"] == 3


def test_changes_then_removal_deregisters_and_stops_reading(aws, app):
    params, api = scaled(aws, app)
    cluster = params["cluster"]
    run(aws, params)
    narrower = dict(
        params,
        services=[
            params["services"][0],
            dict(params["services"][1], autoscaling=dict(SCALING, max=6, cpu_percent=None)),
        ],
    )
    planned, calls = run(aws, narrower, check_mode=True)
    assert writes(calls) == [] and plan_of(planned) == [
        ("AWS::ApplicationAutoScaling::ScalableTarget", api, "update"),
        ("AWS::ApplicationAutoScaling::ScalingPolicy", f"{api}-cpu", "delete"),
    ]
    assert planned["diff"]["after"][api]["autoscaling"]["max"] == 6
    changed, calls = run(aws, narrower)
    assert sorted(writes(calls)) == ["delete_scaling_policy", "register_scalable_target"]
    assert target_of(aws, cluster, api)["MaxCapacity"] == 6 and list(policies_of(aws, cluster, api)) == [
        f"{api}-requests"
    ]

    plain = dict(params, services=[params["services"][0], dict(params["services"][1], autoscaling=None)])
    planned, calls = run(aws, plain, check_mode=True)
    assert writes(calls) == [] and plan_of(planned) == [
        ("AWS::ApplicationAutoScaling::ScalableTarget", api, "delete"),
        ("AWS::ApplicationAutoScaling::ScalingPolicy", f"{api}-requests", "delete"),
    ]
    removed, calls = run(aws, plain)
    assert removed["changed"] and sorted(writes(calls)) == ["deregister_scalable_target", "untag_resource"]
    assert target_of(aws, cluster, api) is None and policies_of(aws, cluster, api) == {}
    again, calls = run(aws, plain)
    assert not again["changed"] and writes(calls) == []
    assert not [call for call in calls if "scal" in call], "no service autoscales: no Application Auto Scaling call"


def test_absent_deregisters_the_target(aws, app):
    params, api = scaled(aws, app)
    run(aws, params)
    absent = dict(cluster=params["cluster"], state="absent", services=[{"name": api}])
    planned, calls = run(aws, absent, check_mode=True)
    assert writes(calls) == [] and ("AWS::ApplicationAutoScaling::ScalableTarget", api, "delete") in plan_of(planned)
    gone, calls = run(aws, absent)
    assert "deregister_scalable_target" in writes(calls)
    assert target_of(aws, params["cluster"], api) is None


class ClusterModule:
    """What ecs_app_cluster uses of AnsibleAWSModule."""

    def __init__(self, aws, params, check_mode=False):
        spec = dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="present"),
            capacity_providers=dict(type="list", elements="str", default=["FARGATE", "FARGATE_SPOT"]),
            container_insights=dict(type="bool", default=False),
            tags=dict(type="dict"),
            wait_timeout=dict(type="int", default=60),
            poll_interval=dict(type="int", default=1),
            owned_by=dict(type="dict"),
            services=dict(type="list", elements="str"),
            purge_services=dict(type="bool", default=False),
            report_usage=dict(type="bool", default=False),
            log_group_prefix=dict(type="str"),
        )
        self.params = ArgumentSpecValidator(spec).validate(params).validated_parameters
        self.aws, self.check_mode, self._diff, self.calls, self.warnings = aws, check_mode, False, [], []

    def client(self, service, retry_decorator=None):
        return Counted(self.aws(service), self.calls)

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])


def run_cluster(aws, params, check_mode=False):
    module = ClusterModule(aws, params, check_mode)
    function = ecs_app_cluster.present if module.params["state"] == "present" else ecs_app_cluster.absent
    return function(module, module.client("ecs")), module.calls


@pytest.mark.parametrize("how", ["purge", "teardown"])
def test_the_cluster_deregisters_the_services_it_removes(aws, app, how):
    params, api = scaled(aws, app)
    cluster, web = params["cluster"], params["services"][0]["name"]
    run(aws, params)
    owned = {"app": cluster}
    if how == "purge":
        request = dict(name=cluster, owned_by=owned, services=[web], purge_services=True)
    else:
        request = dict(name=cluster, state="absent", owned_by=owned, services=[web, api])
    planned, calls = run_cluster(aws, request, check_mode=True)
    assert writes(calls) == [] and target_of(aws, cluster, api) is not None
    assert {"type": "AWS::ApplicationAutoScaling::ScalableTarget", "name": api, "action": "delete"} in planned["plan"]
    done, calls = run_cluster(aws, request)
    assert "deregister_scalable_target" in writes(calls)
    assert target_of(aws, cluster, api) is None and policies_of(aws, cluster, api) == {}
    assert Counter(calls)["describe_scalable_targets"] == 1


def test_a_cluster_run_that_removes_nothing_reads_no_target(aws, app):
    params, _api = scaled(aws, app)
    run(aws, params)
    names = [item["name"] for item in params["services"]]
    _result, calls = run_cluster(
        aws, dict(name=params["cluster"], owned_by={"app": params["cluster"]}, services=names, purge_services=True)
    )
    assert not [call for call in calls if "scal" in call]


def test_deployment_alarms_on_then_off(aws, app):
    shared, items = app
    cluster, web = shared["cluster"], items[0]["name"]
    params = dict(shared, services=[items[0]])
    run(aws, params)
    alarmed = dict(shared, services=[dict(items[0], deployment_alarms=["b-alarm", "a-alarm"])])
    planned, calls = run(aws, alarmed, check_mode=True)
    assert writes(calls) == [] and plan_of(planned) == [("AWS::ECS::Service", web, "update")]
    _done, calls = run(aws, alarmed)
    assert writes(calls) == ["update_service"]
    config = aws("ecs").describe_services(cluster=cluster, services=[web])["services"][0]["deploymentConfiguration"]
    assert config["alarms"] == {"alarmNames": ["a-alarm", "b-alarm"], "enable": True, "rollback": True}
    assert config["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert writes(run(aws, alarmed)[1]) == []

    _done, calls = run(aws, params)
    assert writes(calls) == ["update_service"]
    config = aws("ecs").describe_services(cluster=cluster, services=[web])["services"][0]["deploymentConfiguration"]
    assert config["alarms"]["enable"] is False
    assert writes(run(aws, params)[1]) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"min": 2, "max": 1, "cpu_percent": 50}, "a.autoscaling.min (2) must be <= a.autoscaling.max (1)"),
        ({"min": 0, "max": 1, "cpu_percent": 50}, "a.autoscaling.min must be >= 1"),
        ({"min": 1, "max": 0, "cpu_percent": 50}, "a.autoscaling.max must be >= 1"),
        ({"min": 1, "max": 2}, "a.autoscaling needs cpu_percent or requests_per_target"),
        ({"min": 1, "max": 2, "cpu_percent": 101}, "a.autoscaling.cpu_percent must be 1..100"),
        ({"min": 1, "max": 2, "requests_per_target": 0}, "a.autoscaling.requests_per_target must be >= 1"),
        ({"min": "1", "max": 2, "cpu_percent": 5}, "a.autoscaling.min must be a whole number"),
        ({"min": 1, "max": 2, "cpu": 5}, "a.autoscaling must be a mapping with only min, max"),
        ({"max": 2, "cpu_percent": 5}, "a.autoscaling.min and a.autoscaling.max are required"),
    ],
)
def test_bad_autoscaling_names_the_key_and_the_rule(value, message):
    assert any(message in error for error in autoscaling_errors("a.autoscaling", value))


def test_the_module_checks_autoscaling_before_any_call():
    params = dict(
        cluster="c",
        execution_role_arn="arn:x",
        subnets=["s"],
        security_groups=["g"],
        services=[
            {
                "name": "a",
                "container_name": "a",
                "container_port": 80,
                "image": "i",
                "log_group": "/g",
                "autoscaling": {"min": 3, "max": 2, "cpu_percent": 50},
            }
        ],
    )
    validated = ArgumentSpecValidator(ecs_app_service.argument_spec()).validate(params).validated_parameters
    assert "services[0].autoscaling.min (3) must be <= services[0].autoscaling.max (2)" in service_params(validated)[1]


def test_requests_per_target_without_a_load_balancer_fails_before_any_write(aws, app):
    params, api = scaled(aws, app)
    module = many.Module(aws, dict(params, load_balancer_arn=None))
    with pytest.raises(AssertionError, match=f"autoscaling.requests_per_target of {api} needs"):
        ecs_app_service.present(module, module.client("ecs"))
    assert writes(module.calls) == [] and module.calls == []
