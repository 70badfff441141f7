"""site.yml with app_services[].autoscaling (issue #21 item 1), on a one-service app: the converge
registers the service as a scalable target with its two target-tracking policies; a count the scaler
set survives the next converge, which writes nothing. (Two site.yml runs in all; what the modules do
in every case - changes, removal, teardown, check mode - is tests/unit/plugins/modules/test_ecs_app_autoscaling.py.)"""

from __future__ import annotations

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, writes

pytestmark = pytest.mark.emulator

MANIFEST = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}'
SCALING = {"min": 1, "max": 3, "cpu_percent": 70, "requests_per_target": 800}
APP = {
    "app_name": "scaly",
    "ecr_repository_prefix": "scaly",
    "app_services": [
        {"name": "web", "port": 80, "health_check_path": "/", "default": True, "autoscaling": SCALING},
    ],
    "target_groups_target_type": "ip",
}


def test_a_converge_registers_the_target_and_keeps_the_scalers_count(converge, recording_emulator):
    aas = emulator_client(f"http://127.0.0.1:{recording_emulator[0]}", "application-autoscaling", "us-west-1")
    ecs = emulator_client(f"http://127.0.0.1:{recording_emulator[0]}", "ecs", "us-west-1")
    # The image exists before the first converge (a service still waiting for its first image is
    # registered by the converge after the build: a scaler's minimum would start tasks that cannot pull).
    ecr = emulator_client(f"http://127.0.0.1:{recording_emulator[0]}", "ecr", "us-west-1")
    ecr.create_repository(repositoryName="scaly-web")
    ecr.put_image(repositoryName="scaly-web", imageManifest=MANIFEST, imageTag="prod")
    converge(**APP)
    targets = aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [
        ("service/scaly-cluster/scaly-web", 1, 3)
    ]
    policies = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId="service/scaly-cluster/scaly-web")
    by_name = {p["PolicyName"]: p["TargetTrackingScalingPolicyConfiguration"] for p in policies["ScalingPolicies"]}
    assert sorted(by_name) == ["scaly-web-cpu", "scaly-web-requests"]
    label = by_name["scaly-web-requests"]["PredefinedMetricSpecification"]["ResourceLabel"]
    assert label.startswith("app/scaly-alb/") and "/targetgroup/scaly-web-tg/" in label

    ecs.update_service(cluster="scaly-cluster", service="scaly-web", desiredCount=3)  # the scaler's doing
    again, calls, _state = converge(**APP)
    assert recap(again.stdout)["changed"] == 0 and writes(calls, succeeded_only=True) == []
    service = ecs.describe_services(cluster="scaly-cluster", services=["scaly-web"])["services"][0]
    assert service["desiredCount"] == 3
