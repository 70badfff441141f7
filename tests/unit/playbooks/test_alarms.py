"""The alarms role in site.yml and teardown.yml, on a one-service app (two playbook runs in all): the converge
makes the topic, its pending email subscription and the app's seven alarms with the load balancer's, target
group's and database's real dimensions, and puts the service's alarm names in the app model; the teardown
deletes all of it. The module's own behaviour (plan, second run, purge) is tested against the emulator in
tests/unit/plugins/modules/test_cloudwatch_alarms.py."""

from __future__ import annotations

import json

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes

pytestmark = pytest.mark.emulator

CLIENT_ONLY = [{"name": "client", "port": 80, "health_check_path": "/", "default": True}]
EMAIL = "ops@example.com"


def test_site_makes_the_alarms_and_teardown_removes_them(recording_emulator, tmp_path):
    port, record = recording_emulator
    extra = json.dumps({"app_services": CLIENT_ONLY, "app_alarm_email": EMAIL})
    run, calls = run_playbook(port, record, tmp_path, "site.yml", "-e", extra)
    assert run.returncode == 0, run.stdout[-3000:]
    cloudwatch, sns, elbv2 = (
        emulator_client(f"http://127.0.0.1:{port}", name, "us-west-1") for name in ("cloudwatch", "sns", "elbv2")
    )
    alarms = {
        alarm["AlarmName"]: alarm
        for alarm in cloudwatch.describe_alarms(AlarmNamePrefix="flask-react-")["MetricAlarms"]
    }
    assert sorted(alarms) == sorted(
        f"flask-react-{kind}"
        for kind in (
            "alb-5xx",
            "alb-response-time",
            "client-unhealthy",
            "client-target-5xx",
            "db-cpu",
            "db-free-storage",
            "db-connections",
        )
    )
    group = elbv2.describe_target_groups(Names=["flask-react-client-tg"])["TargetGroups"][0]
    dimensions = {d["Name"]: d["Value"] for d in alarms["flask-react-client-unhealthy"]["Dimensions"]}
    assert dimensions["TargetGroup"] == group["TargetGroupArn"].split(":")[-1]
    assert dimensions["LoadBalancer"] == group["LoadBalancerArns"][0].split(":loadbalancer/")[1]
    assert alarms["flask-react-db-cpu"]["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "flask-react-db"}]
    topic = [t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":flask-react-alarms")]
    assert topic and all(alarm["AlarmActions"] == topic for alarm in alarms.values())
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic[0])["Subscriptions"]
    assert [(s["Endpoint"], s["SubscriptionArn"]) for s in subscriptions] == [(EMAIL, "PendingConfirmation")]
    assert writes(calls).count("monitoring:PutMetricAlarm") == 7

    run, calls = run_playbook(port, record, tmp_path, "teardown.yml")
    assert run.returncode == 0, run.stdout[-3000:]
    assert recap(run.stdout)["failed"] == 0
    assert cloudwatch.describe_alarms(AlarmNamePrefix="flask-react-")["MetricAlarms"] == []
    assert not [t for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":flask-react-alarms")]
