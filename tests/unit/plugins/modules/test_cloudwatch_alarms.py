"""cloudwatch_alarms against the emulator: the app's alarms and their topic in one run, a second run with
no write (the email subscription still pending), only what differs put, ours no longer wanted deleted (never
another alarm named like ours), check mode planning every change and writing nothing, removal."""

import uuid

import pytest
import yaml
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.flask_react.aws.plugins.filter.plan_results import plan_results
from ansible_collections.flask_react.aws.plugins.module_utils.app_model import ALARM_SUFFIXES, resolve
from ansible_collections.flask_react.aws.plugins.module_utils.cloudwatch_alarms import app_alarms
from ansible_collections.flask_react.aws.plugins.modules.cloudwatch_alarms import input_errors, run

from tests.conftest import REPO
from tests.emulator.fills.sns import confirm
from tests.unit.plugins.modules.counting import Counting

pytestmark = pytest.mark.emulator

WRITES = ("put_", "delete_", "create_", "subscribe", "unsubscribe")
SETTINGS = {
    "period": 60,
    "evaluation_periods": 3,
    "datapoints_to_alarm": 2,
    "elb_5xx_threshold": 10,
    "target_5xx_threshold": 10,
    "response_time_threshold": 2,
    "response_time_statistic": "p95",
    "unhealthy_threshold": 1,
    "db_cpu_threshold": 80,
    "db_free_storage_threshold": 2 * 1024**3,
    "db_connections_threshold": 80,
}


class Module:
    """What run() reads of AnsibleAWSModule."""

    def __init__(self, check_mode=False, **params):
        self.params = dict(
            dict(
                alarms=None,
                alarm_actions=[],
                prefix="",
                suffixes=list(ALARM_SUFFIXES),
                purge=True,
                topic_arn="",
                topic_email="",
                state="present",
            ),
            **params,
        )
        self.check_mode = check_mode
        self._diff = True

    def fail_json_aws(self, error, msg):
        raise AssertionError(f"{msg}: {error}")

    def fail_json(self, msg, **_result):
        raise Failed(msg)


class Failed(Exception):
    """The module failed (fail_json)."""


@pytest.fixture
def app(aws):
    """An app of two services behind a load balancer, its names, and counting clients."""
    name = f"al{uuid.uuid4().hex[:8]}"
    account = aws("sts").get_caller_identity()["Account"]
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    elbv2 = aws("elbv2")
    balancer = elbv2.create_load_balancer(Name=f"{name}-alb", Subnets=subnets[:2])["LoadBalancers"][0]
    model = resolve(
        [{"name": "client", "port": 80, "default": True}, {"name": "users", "port": 5000, "paths": ["/users*"]}],
        name,
        "td",
        region="us-west-1",
        account_id=account,
        alarms=True,
    )
    arns = {
        group: elbv2.create_target_group(Name=group, Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")[
            "TargetGroups"
        ][0]["TargetGroupArn"]
        for group in model["target_groups"]
    }
    calls = []
    topic = f"arn:aws:sns:us-west-1:{account}:{model['alarm_topic']}"
    return {
        "model": model,
        "alb": balancer["LoadBalancerArn"],
        "arns": arns,
        "topic": topic,
        "calls": calls,
        "cloudwatch": RetryingBotoClientWrapper(Counting(aws("cloudwatch"), calls), AWSRetry.jittered_backoff()),
        "sns": RetryingBotoClientWrapper(Counting(aws("sns"), calls), AWSRetry.jittered_backoff()),
    }


def converge(app, check_mode=False, db="", **more):
    alarms = app_alarms(app["model"], SETTINGS, app["alb"], app["arns"], db)
    params = dict(
        alarms=alarms,
        prefix=app["model"]["alarm_prefix"],
        topic_arn=app["topic"],
        topic_email="ops@example.com",
        alarm_actions=[app["topic"]],
        marker=app["model"]["alarm_marker"],
        tags={"app": app["model"]["app_name"], "managed-by": "flask_react.aws"},
    )
    params.update(more)
    del app["calls"][:]
    return run(Module(check_mode, **params), app["cloudwatch"], app["sns"])


def writes(app):
    return [call for call in app["calls"] if call.startswith(WRITES)]


def test_the_app_alarms_are_named_from_the_model_with_the_arn_suffixes(app):
    alarms = {alarm["name"]: alarm for alarm in app_alarms(app["model"], SETTINGS, app["alb"], app["arns"], "db-1")}
    name = app["model"]["app_name"]
    assert app["model"]["by_name"]["users"]["alarms"] == [f"{name}-users-unhealthy", f"{name}-users-target-5xx"]
    unhealthy = alarms[f"{name}-users-unhealthy"]
    assert unhealthy["dimensions"]["LoadBalancer"] == app["alb"].split(":loadbalancer/")[1]
    assert unhealthy["dimensions"]["TargetGroup"] == app["arns"][f"{name}-users-tg"].split(":")[-1]
    assert alarms[f"{name}-alb-response-time"]["extended_statistic"] == "p95"
    assert alarms[f"{name}-db-free-storage"]["comparison_operator"] == "LessThanThreshold"
    assert len(alarms) == 2 + 2 * 2 + 3
    assert input_errors(Module(alarms=list(alarms.values()), prefix=f"{name}-").params) == []


def test_check_mode_plans_everything_then_a_run_makes_it_and_a_second_run_writes_nothing(app, aws):
    name = app["model"]["app_name"]
    planned = converge(app, check_mode=True)
    assert writes(app) == []
    assert planned["changed"]
    kinds = {(entry["type"], entry["action"]) for entry in planned["plan"]}
    assert kinds == {
        ("AWS::SNS::Topic", "create"),
        ("AWS::SNS::Subscription", "create"),
        ("AWS::CloudWatch::Alarm", "create"),
    }
    assert len(planned["created"]) == 6
    # The plan role's table reads the registered result as it is.
    table = yaml.safe_load((REPO / "roles/plan/vars/main.yml").read_text())["plan_table"]
    assert plan_results(table, {"alarms_result": planned}) == planned["plan"]

    made = converge(app)
    assert made["changed"] and made["subscription"] == "pending"
    assert sorted(made["created"]) == sorted(planned["created"])
    assert writes(app).count("put_metric_alarm") == 6
    described = aws("cloudwatch").describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"]
    assert {alarm["AlarmName"] for alarm in described} == set(made["alarms"])
    assert all(alarm["AlarmActions"] == [app["topic"]] for alarm in described)
    tags = aws("cloudwatch").list_tags_for_resource(ResourceARN=described[0]["AlarmArn"])["Tags"]
    owner = [{"Key": "app", "Value": name}, {"Key": "managed-by", "Value": "flask_react.aws"}]
    assert tags == owner
    assert aws("sns").list_tags_for_resource(ResourceArn=app["topic"])["Tags"] == owner

    # The subscription is still pending (no ARN): kept, not subscribed again; nothing written.
    again = converge(app)
    assert not again["changed"] and again["plan"] == [] and writes(app) == []
    assert again["subscription"] == "pending"
    assert sorted(app["calls"]) == [
        "describe_alarms",
        "get_topic_attributes",
        "list_subscriptions_by_topic",
        "list_tags_for_resource",
    ]
    assert converge(app, check_mode=True)["plan"] == []


def test_only_what_differs_is_put_and_a_new_email_replaces_the_confirmed_one(app, aws):
    name = app["model"]["app_name"]
    converge(app)
    subscription = aws("sns").list_subscriptions_by_topic(TopicArn=app["topic"])["Subscriptions"][0]
    assert subscription["SubscriptionArn"] == "PendingConfirmation"
    # The mail's link followed: the subscription has an ARN now.
    confirm(app["topic"], "ops@example.com")
    assert converge(app)["subscription"] == "confirmed"

    changed = dict(SETTINGS, db_cpu_threshold=90)
    alarms = app_alarms(app["model"], changed, app["alb"], app["arns"], "")
    del app["calls"][:]
    result = run(
        Module(
            alarms=alarms,
            prefix=f"{name}-",
            topic_arn=app["topic"],
            topic_email="oncall@example.com",
            alarm_actions=[app["topic"]],
            marker=app["model"]["alarm_marker"],
            tags={"app": name, "managed-by": "flask_react.aws"},
        ),
        app["cloudwatch"],
        app["sns"],
    )
    assert result["updated"] == [] and result["created"] == []
    assert writes(app) == ["unsubscribe", "subscribe"]
    actions = {(entry["type"], entry["action"]) for entry in result["plan"]}
    assert actions == {("AWS::SNS::Subscription", "delete"), ("AWS::SNS::Subscription", "create")}

    response = dict(SETTINGS, response_time_threshold=3)
    del app["calls"][:]
    result = run(
        Module(
            alarms=app_alarms(app["model"], response, app["alb"], app["arns"], ""),
            prefix=f"{name}-",
            topic_arn=app["topic"],
            topic_email="oncall@example.com",
            alarm_actions=[app["topic"]],
            marker=app["model"]["alarm_marker"],
            tags={"app": name, "managed-by": "flask_react.aws"},
        ),
        app["cloudwatch"],
        app["sns"],
    )
    assert result["updated"] == [f"{name}-alb-response-time"] and writes(app) == ["put_metric_alarm"]
    assert result["diff"]["before"]["alarms"][f"{name}-alb-response-time"]["Threshold"] == 2.0
    assert result["diff"]["after"]["alarms"][f"{name}-alb-response-time"]["Threshold"] == 3.0


def test_alarms_no_longer_wanted_go_but_never_another_alarm_named_like_ours(app, aws):
    name = app["model"]["app_name"]
    converge(app, db="db-1")
    cloudwatch = aws("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=f"{name}-mine",
        MetricName="CPUUtilization",
        Namespace="AWS/EC2",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    # App <name>-api's own alarm: its name has our prefix and a suffix of ours, its marker is not ours.
    other = resolve([{"name": "client", "default": True}], f"{name}-api", "td", alarms=True)
    cloudwatch.put_metric_alarm(
        AlarmName=f"{name}-api-alb-5xx",
        AlarmDescription=f"its own [{other['alarm_marker']}]",
        MetricName="HTTPCode_ELB_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    # The database gone (rds role off): its three alarms go.
    result = converge(app)
    assert sorted(result["deleted"]) == sorted(
        f"{name}-{kind}" for kind in ("db-cpu", "db-free-storage", "db-connections")
    )
    assert writes(app) == ["delete_alarms"]
    # Alarms off: every alarm of ours and the topic go; the user's and the other app's stay.
    removed = converge(app, state="absent")
    assert len(removed["deleted"]) == 6 and ("AWS::SNS::Topic", "delete") in {
        (entry["type"], entry["action"]) for entry in removed["plan"]
    }
    left = [alarm["AlarmName"] for alarm in cloudwatch.describe_alarms(AlarmNamePrefix=f"{name}-")["MetricAlarms"]]
    assert sorted(left) == [f"{name}-api-alb-5xx", f"{name}-mine"]
    assert app["topic"] not in [t["TopicArn"] for t in aws("sns").list_topics()["Topics"]]
    assert not converge(app, state="absent")["changed"]


def test_an_existing_topic_is_only_named_and_ours_goes(app, aws):
    theirs = aws("sns").create_topic(Name=f"{app['model']['app_name']}-theirs")["TopicArn"]
    converge(app)
    result = converge(app, topic_email="", alarm_actions=[theirs])
    assert ("AWS::SNS::Topic", "delete") in {(entry["type"], entry["action"]) for entry in result["plan"]}
    assert len(result["updated"]) == 6
    topics = [t["TopicArn"] for t in aws("sns").list_topics()["Topics"]]
    assert theirs in topics and app["topic"] not in topics


def test_a_topic_of_our_name_that_is_not_ours_is_never_subscribed_to_nor_deleted(app, aws):
    """Someone's topic named <app_name>-alarms (without the app's tags): the run fails naming it, before any
    write; with alarms off it is left alone."""
    sns = aws("sns")
    sns.create_topic(Name=app["topic"].rsplit(":", 1)[-1], Tags=[{"Key": "team", "Value": "ops"}])
    with pytest.raises(Failed, match=r"exists and is not this app's"):
        converge(app)
    assert writes(app) == []
    gone = converge(app, state="absent")
    assert not [e for e in gone["plan"] if e["type"] == "AWS::SNS::Topic"]
    assert app["topic"] in [t["TopicArn"] for t in sns.list_topics()["Topics"]]


def test_the_emulator_refuses_what_cloudwatch_refuses(aws):
    cloudwatch = aws("cloudwatch")
    base = dict(
        AlarmName="x-bad",
        MetricName="M",
        Namespace="N",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    for bad in (
        dict(Statistic="Sum", ExtendedStatistic="p95"),
        {},
        dict(Statistic="Median"),
        dict(Statistic="Sum", Period=45),
        dict(Statistic="Sum", DatapointsToAlarm=2),
    ):
        with pytest.raises(cloudwatch.exceptions.ClientError):
            cloudwatch.put_metric_alarm(**dict(base, **bad))


def test_bad_alarms_are_named_before_any_call():
    errors = input_errors(
        Module(
            prefix="app-",
            alarms=[
                {
                    "name": "app-x-unhealthy",
                    "statistic": "Sum",
                    "extended_statistic": "p9",
                    "period": 45,
                    "evaluation_periods": 1,
                    "datapoints_to_alarm": 2,
                    "comparison_operator": "Bigger",
                    "treat_missing_data": "missing",
                    "dimensions": {},
                }
            ],
        ).params
    )
    assert any("exactly one of statistic" in error for error in errors)
    assert any("period" in error for error in errors)
    assert any("datapoints_to_alarm" in error for error in errors)
    assert any("comparison_operator" in error for error in errors)
