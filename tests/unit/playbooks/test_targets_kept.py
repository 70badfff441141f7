"""Targets registered by someone else (ECS, or the course's manual step) survive a converge.

community.aws.elb_target_group deregisters every target it was not given unless told
``modify_targets: false``; the target groups here only route, so a second site.yml run must
leave the registered targets alone.
"""

from __future__ import annotations

from typing import Any

from tests.emulator.client import emulator_client

from .conftest import recap, writes


def test_a_converge_leaves_registered_targets_alone(playbook, recording_emulator: Any):
    run = playbook("site.yml")[0]
    assert run.returncode == 0, run.stdout[-3000:]

    port = recording_emulator[0]
    ec2, elbv2 = emulator_client(port, "ec2"), emulator_client(port, "elbv2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    (instance,) = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"]
    (group,) = elbv2.describe_target_groups(Names=["flask-react-users-tg"])["TargetGroups"]
    target = {"Id": instance["InstanceId"], "Port": 5000}
    elbv2.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[target])

    run, calls = playbook("site.yml")
    assert run.returncode == 0, run.stdout[-3000:]
    assert recap(run.stdout)["changed"] == 0, run.stdout[-3000:]
    assert writes(calls) == []
    health = elbv2.describe_target_health(TargetGroupArn=group["TargetGroupArn"])["TargetHealthDescriptions"]
    assert [description["Target"]["Id"] for description in health] == [instance["InstanceId"]]
