"""The alarms' pure planning: what differs, what is ours to delete, the email subscription, the ARN suffixes."""

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.cloudwatch_alarms import (
    AlarmError,
    alarm_request,
    alarm_shape,
    alarms_plan,
    is_ours,
    load_balancer_dimension,
    subscription_plan,
    target_group_dimension,
)
from ansible_collections.flask_react.aws.plugins.module_utils.validation import alarms_errors

ALARM = {
    "name": "app-users-unhealthy",
    "namespace": "AWS/ApplicationELB",
    "metric_name": "UnHealthyHostCount",
    "dimensions": {"TargetGroup": "targetgroup/app-users-tg/1", "LoadBalancer": "app/app-alb/2"},
    "statistic": "Maximum",
    "period": 60,
    "evaluation_periods": 5,
    "threshold": 1,
    "comparison_operator": "GreaterThanOrEqualToThreshold",
}
TOPIC = "arn:aws:sns:us-west-1:123456789012:app-alarms"


def described(request):
    """DescribeAlarms' answer for a request: AWS's own fields added, an empty description left out."""
    answer = dict(request, StateValue="OK", AlarmArn="arn:aws:cloudwatch:...", Dimensions=request["Dimensions"][::-1])
    if not answer["AlarmDescription"]:
        del answer["AlarmDescription"]
    return answer


def test_an_alarm_as_aws_describes_it_is_not_a_change():
    request = alarm_request(ALARM, [TOPIC])
    assert request["DatapointsToAlarm"] == 5 and request["Threshold"] == 1.0
    assert alarms_plan([request], {request["AlarmName"]: alarm_shape(described(request))}, "app-") == {
        "create": [],
        "update": [],
        "delete": [],
    }
    changed = alarm_request(dict(ALARM, threshold=2), [TOPIC])
    assert alarms_plan([changed], {request["AlarmName"]: alarm_shape(described(request))}, "app-")["update"] == [
        "app-users-unhealthy"
    ]
    assert alarm_request(dict(ALARM, statistic=None, extended_statistic="p95"), [])["ExtendedStatistic"] == "p95"


def test_only_our_alarms_are_deleted_and_only_with_purge():
    current = {name: {} for name in ("app-users-unhealthy", "app-mine", "app-db-cpu", "other-db-cpu")}
    suffixes = ["-unhealthy", "-db-cpu"]
    plan = alarms_plan([], current, "app-", suffixes)
    assert plan["delete"] == ["app-db-cpu", "app-users-unhealthy"]
    assert alarms_plan([], current, "app-", suffixes, purge=False)["delete"] == []
    assert is_ours("app-x-unhealthy", "app-", suffixes) and not is_ours("app-mine", "app-", suffixes)
    assert is_ours("app-mine", "app-")


@pytest.mark.parametrize(
    ("subscriptions", "expected"),
    [
        ([], (True, [])),
        ([{"Protocol": "email", "Endpoint": "OPS@example.com", "SubscriptionArn": "PendingConfirmation"}], (False, [])),
        ([{"Protocol": "email", "Endpoint": "old@example.com", "SubscriptionArn": "PendingConfirmation"}], (True, [])),
        (
            [{"Protocol": "email", "Endpoint": "old@example.com", "SubscriptionArn": f"{TOPIC}:1"}],
            (True, [f"{TOPIC}:1"]),
        ),
        ([{"Protocol": "sms", "Endpoint": "+15555550100", "SubscriptionArn": f"{TOPIC}:2"}], (True, [])),
    ],
)
def test_the_email_subscription_is_made_once_pending_or_not(subscriptions, expected):
    assert subscription_plan("ops@example.com", subscriptions) == expected


def test_the_dimensions_are_the_arns_ends():
    arn = "arn:aws:elasticloadbalancing:us-west-1:123456789012:loadbalancer/app/app-alb/50dc6c495c0c9188"
    assert load_balancer_dimension(arn) == "app/app-alb/50dc6c495c0c9188"
    group = "arn:aws:elasticloadbalancing:us-west-1:123456789012:targetgroup/app-users-tg/73e2d6bc24d8a067"
    assert target_group_dimension(group) == "targetgroup/app-users-tg/73e2d6bc24d8a067"
    with pytest.raises(AlarmError):
        load_balancer_dimension(group)
    with pytest.raises(AlarmError):
        target_group_dimension("targetgroup/x/1")


def test_the_alarms_settings_are_checked_naming_each_variable():
    assert (
        alarms_errors(
            {
                "app_alarm_email": "ops@example.com",
                "alarms_period": 300,
                "alarms_evaluation_periods": 5,
                "alarms_datapoints_to_alarm": 3,
                "alarms_response_time_statistic": "p99.9",
                "alarms_db_cpu_threshold": 80,
            }
        )
        == []
    )
    errors = alarms_errors(
        {
            "app_alarm_email": "ops",
            "app_alarm_topic_arn": "arn:aws:sns:us-west-1:123456789012:ops.fifo",
            "alarms_period": 90,
            "alarms_evaluation_periods": 2,
            "alarms_datapoints_to_alarm": 3,
            "alarms_response_time_statistic": "median",
            "alarms_db_cpu_threshold": "high",
        }
    )
    assert [error.split(":")[0] for error in errors] == [
        "app_alarm_email",
        "app_alarm_topic_arn",
        "app_alarm_email, app_alarm_topic_arn",
        "alarms_period",
        "alarms_datapoints_to_alarm",
        "alarms_response_time_statistic",
        "alarms_db_cpu_threshold",
    ]


def test_the_marker_tells_ours_from_another_apps_alarm_named_alike():
    request = alarm_request(dict(ALARM, description="Unhealthy"), [TOPIC], marker="flask_react.aws app")
    assert request["AlarmDescription"] == "Unhealthy [flask_react.aws app]"
    current = {
        "app-users-unhealthy": {"AlarmDescription": "old [flask_react.aws app]"},
        "app-api-users-unhealthy": {"AlarmDescription": "theirs [flask_react.aws app-api]"},
    }
    assert alarms_plan([], current, "app-", ["-unhealthy"], marker="flask_react.aws app")["delete"] == [
        "app-users-unhealthy"
    ]
