# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch metric alarms and their SNS topic, as data (pure Python, no boto3).

``app_alarms`` builds the app's alarms (load balancer, per target group, database) from the app model
and the ARNs the earlier roles found; ``alarm_request`` turns one into PutMetricAlarm's request and
``alarm_shape`` reads DescribeAlarms' answer back into the same shape, so ``alarms_plan`` compares like
with like (only the fields we send: AWS's own, such as StateValue, never read as a difference).
``subscription_plan`` keeps one email subscription on our topic without subscribing again while AWS
waits for its confirmation.
"""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.app_model import alarm_name, service_alarm_names

# PutMetricAlarm's Statistic values (CloudWatch API reference, PutMetricAlarm).
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
COMPARISONS = (
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)
TREAT_MISSING = ("breaching", "notBreaching", "ignore", "missing")
# DeleteAlarms takes at most 100 names a call (API reference).
DELETE_BATCH = 100
# What SNS lists for a subscription still waiting for its confirmation (or being deleted): no ARN.
NO_ARN = ("PendingConfirmation", "Deleted")
ELB = "AWS/ApplicationELB"
RDS = "AWS/RDS"


class AlarmError(ValueError):
    """An alarm that PutMetricAlarm would refuse, or an ARN that is not one."""


def load_balancer_dimension(arn):
    """``app/<name>/<id>``: the LoadBalancer dimension, the part of the load balancer's ARN after ``loadbalancer/``."""
    head, found, tail = str(arn or "").partition(":loadbalancer/")
    if not found or not head.startswith("arn:"):
        raise AlarmError(f"{arn!r} is not a load balancer's ARN (arn:...:loadbalancer/app/<name>/<id>)")
    return tail


def target_group_dimension(arn):
    """``targetgroup/<name>/<id>``: the TargetGroup dimension, the last part of the target group's ARN."""
    tail = str(arn or "").rsplit(":", 1)[-1]
    if not str(arn or "").startswith("arn:") or not tail.startswith("targetgroup/"):
        raise AlarmError(f"{arn!r} is not a target group's ARN (arn:...:targetgroup/<name>/<id>)")
    return tail


def _alarm(name, description, namespace, metric, dimensions, statistic, threshold, comparison, settings, **more):
    alarm = {
        "name": name,
        "description": description,
        "namespace": namespace,
        "metric_name": metric,
        "dimensions": dimensions,
        "period": int(settings["period"]),
        "evaluation_periods": int(settings["evaluation_periods"]),
        "datapoints_to_alarm": int(settings["datapoints_to_alarm"]),
        "threshold": float(threshold),
        "comparison_operator": comparison,
        "treat_missing_data": more.pop("treat_missing_data", "notBreaching"),
    }
    if statistic.startswith("p"):
        alarm["extended_statistic"] = statistic
    else:
        alarm["statistic"] = statistic
    return alarm


def app_alarms(model, settings, load_balancer_arn="", target_group_arns=None, db_instance=""):
    """The app's alarms, in a stable order: the load balancer's two, each service's two, the database's three.

    ``settings``: ``period``, ``evaluation_periods``, ``datapoints_to_alarm``, ``elb_5xx_threshold``,
    ``target_5xx_threshold``, ``response_time_threshold`` (seconds), ``response_time_statistic``
    (``Average`` or a percentile such as ``p95``), ``unhealthy_threshold``, ``db_cpu_threshold`` (percent),
    ``db_free_storage_threshold`` (bytes), ``db_connections_threshold``. An ARN not known yet (a check run on
    an empty account) gives the dimension ``unknown``: the alarm is a create either way. No database
    (``db_instance`` empty): no database alarms.
    """
    app = model["app_name"]
    arns = target_group_arns or {}
    balancer = load_balancer_dimension(load_balancer_arn) if load_balancer_arn else "unknown"
    on_balancer = {"LoadBalancer": balancer}
    alarms = [
        _alarm(
            alarm_name(app, "alb-5xx"),
            "The load balancer answers 5xx itself (no healthy target, target timeouts)",
            ELB,
            "HTTPCode_ELB_5XX_Count",
            on_balancer,
            "Sum",
            settings["elb_5xx_threshold"],
            "GreaterThanThreshold",
            settings,
        ),
        _alarm(
            alarm_name(app, "alb-response-time"),
            f"The targets' response time ({settings['response_time_statistic']}) is over "
            f"{settings['response_time_threshold']} s",
            ELB,
            "TargetResponseTime",
            on_balancer,
            str(settings["response_time_statistic"]),
            settings["response_time_threshold"],
            "GreaterThanThreshold",
            settings,
        ),
    ]
    for service in model["services"]:
        arn = arns.get(service["target_group"]) or ""
        dimensions = dict(on_balancer, TargetGroup=target_group_dimension(arn) if arn else "unknown")
        unhealthy, target_5xx = service_alarm_names(app, service["name"], True)
        alarms.append(
            _alarm(
                unhealthy,
                f"Service {service['name']} has unhealthy targets in {service['target_group']}",
                ELB,
                "UnHealthyHostCount",
                dimensions,
                "Maximum",
                settings["unhealthy_threshold"],
                "GreaterThanOrEqualToThreshold",
                settings,
            )
        )
        alarms.append(
            _alarm(
                target_5xx,
                f"Service {service['name']} answers 5xx",
                ELB,
                "HTTPCode_Target_5XX_Count",
                dimensions,
                "Sum",
                settings["target_5xx_threshold"],
                "GreaterThanThreshold",
                settings,
            )
        )
    if db_instance:
        on_db = {"DBInstanceIdentifier": db_instance}
        alarms += [
            _alarm(
                alarm_name(app, "db-cpu"),
                f"Database {db_instance} CPU over {settings['db_cpu_threshold']}%",
                RDS,
                "CPUUtilization",
                on_db,
                "Average",
                settings["db_cpu_threshold"],
                "GreaterThanThreshold",
                settings,
            ),
            _alarm(
                alarm_name(app, "db-free-storage"),
                f"Database {db_instance} has less than {settings['db_free_storage_threshold']} bytes free",
                RDS,
                "FreeStorageSpace",
                on_db,
                "Minimum",
                settings["db_free_storage_threshold"],
                "LessThanThreshold",
                settings,
            ),
            _alarm(
                alarm_name(app, "db-connections"),
                f"Database {db_instance} has more than {settings['db_connections_threshold']} connections",
                RDS,
                "DatabaseConnections",
                on_db,
                "Maximum",
                settings["db_connections_threshold"],
                "GreaterThanThreshold",
                settings,
            ),
        ]
    return alarms


def alarm_errors(alarm):
    """What PutMetricAlarm would refuse in one alarm (our option's shape), as sentences naming it."""
    name = alarm.get("name") or "(no name)"
    errors = []
    if not 1 <= len(alarm.get("name") or "") <= 255:
        errors.append(f"{name}: name must be 1 to 255 characters")
    if bool(alarm.get("statistic")) == bool(alarm.get("extended_statistic")):
        errors.append(f"{name}: exactly one of statistic and extended_statistic")
    if alarm.get("statistic") and alarm["statistic"] not in STATISTICS:
        errors.append(f"{name}: statistic must be one of {', '.join(STATISTICS)}")
    if alarm.get("comparison_operator") not in COMPARISONS:
        errors.append(f"{name}: comparison_operator must be one of {', '.join(COMPARISONS)}")
    if alarm.get("treat_missing_data") not in TREAT_MISSING:
        errors.append(f"{name}: treat_missing_data must be one of {', '.join(TREAT_MISSING)}")
    if len(alarm.get("dimensions") or {}) > 30:
        errors.append(f"{name}: at most 30 dimensions")
    period = int(alarm.get("period") or 0)
    if period not in (10, 20, 30) and (period < 60 or period % 60):
        errors.append(f"{name}: period must be 10, 20, 30 or a multiple of 60 seconds")
    evaluation = int(alarm.get("evaluation_periods") or 0)
    datapoints = int(alarm.get("datapoints_to_alarm") or evaluation)
    if evaluation < 1 or not 1 <= datapoints <= evaluation:
        errors.append(f"{name}: evaluation_periods at least 1, datapoints_to_alarm from 1 to evaluation_periods")
    return errors


def marked(description, marker):
    """``description`` ending with ``[marker]`` (nothing added without a marker)."""
    return f"{description} [{marker}]".lstrip() if marker else description


def alarm_request(alarm, actions, marker=""):
    """PutMetricAlarm's request for one alarm (our option's shape); ``actions`` on ALARM and back to OK; the
    description ends with ``[marker]``, which tells ours from another alarm named alike."""
    request = {
        "AlarmName": alarm["name"],
        "AlarmDescription": marked(alarm.get("description") or "", marker),
        "ActionsEnabled": True,
        "AlarmActions": list(actions),
        "OKActions": list(actions),
        "Namespace": alarm["namespace"],
        "MetricName": alarm["metric_name"],
        "Dimensions": [
            {"Name": key, "Value": str(value)} for key, value in sorted((alarm.get("dimensions") or {}).items())
        ],
        "Period": int(alarm["period"]),
        "EvaluationPeriods": int(alarm["evaluation_periods"]),
        "DatapointsToAlarm": int(alarm.get("datapoints_to_alarm") or alarm["evaluation_periods"]),
        "Threshold": float(alarm["threshold"]),
        "ComparisonOperator": alarm["comparison_operator"],
        "TreatMissingData": alarm.get("treat_missing_data") or "missing",
    }
    if alarm.get("extended_statistic"):
        request["ExtendedStatistic"] = alarm["extended_statistic"]
    else:
        request["Statistic"] = alarm["statistic"]
    return request


def alarm_shape(described):
    """DescribeAlarms' MetricAlarm in ``alarm_request``'s shape (AWS leaves out an empty description,
    DatapointsToAlarm when never set, TreatMissingData's default ``missing``)."""
    shape = {
        "AlarmName": described["AlarmName"],
        "AlarmDescription": described.get("AlarmDescription") or "",
        "ActionsEnabled": bool(described.get("ActionsEnabled", True)),
        "AlarmActions": list(described.get("AlarmActions") or []),
        "OKActions": list(described.get("OKActions") or []),
        "Namespace": described.get("Namespace"),
        "MetricName": described.get("MetricName"),
        "Dimensions": sorted(
            ({"Name": d["Name"], "Value": d["Value"]} for d in described.get("Dimensions") or []),
            key=lambda dimension: dimension["Name"],
        ),
        "Period": described.get("Period"),
        "EvaluationPeriods": described.get("EvaluationPeriods"),
        "DatapointsToAlarm": described.get("DatapointsToAlarm") or described.get("EvaluationPeriods"),
        "Threshold": float(described.get("Threshold", 0)),
        "ComparisonOperator": described.get("ComparisonOperator"),
        "TreatMissingData": described.get("TreatMissingData") or "missing",
    }
    if described.get("ExtendedStatistic"):
        shape["ExtendedStatistic"] = described["ExtendedStatistic"]
    else:
        shape["Statistic"] = described.get("Statistic")
    return shape


def is_ours(name, prefix, suffixes=None, description=None, marker=""):
    """Does the alarm ``name`` belong to us: it starts with ``prefix``; given ``suffixes``, it ends with one;
    given a ``marker`` and its ``description``, that ends with ``[marker]`` (app ``shop`` never takes app
    ``shop-api``'s ``shop-api-alb-5xx`` for its own)."""
    if not name.startswith(prefix) or (suffixes and not any(name.endswith(suffix) for suffix in suffixes)):
        return False
    return not marker or description is None or str(description).endswith(f"[{marker}]")


def alarms_plan(desired, current, prefix, suffixes=None, purge=True, marker=""):
    """``{create, update, delete}`` name lists: ``desired`` (requests) against ``current`` (name -> shape).

    Only alarms that are ours (``is_ours``, their description read from ``current``) are deleted, and only
    with ``purge``."""
    wanted = {request["AlarmName"]: request for request in desired}
    create = [name for name in wanted if name not in current]
    update = [name for name in wanted if name in current and current[name] != wanted[name]]
    delete = [
        name
        for name, shape in current.items()
        if name not in wanted and is_ours(name, prefix, suffixes, (shape or {}).get("AlarmDescription"), marker)
    ]
    delete = delete if purge else []
    return {"create": create, "update": update, "delete": sorted(delete)}


def subscription_plan(email, subscriptions):
    """``(subscribe, unsubscribe)``: whether ``email`` needs a new subscription, and the ARNs of the topic's
    other email subscriptions to remove. A subscription waiting for its confirmation counts as there (SNS
    lists it with the ARN ``PendingConfirmation``; subscribing again would send another mail) and cannot be
    removed (no ARN; AWS drops an unconfirmed one itself)."""
    emails = [sub for sub in subscriptions if sub.get("Protocol") == "email"]
    subscribe = bool(email) and not any(sub.get("Endpoint", "").lower() == email.lower() for sub in emails)
    unsubscribe = [
        sub["SubscriptionArn"]
        for sub in emails
        if (not email or sub.get("Endpoint", "").lower() != email.lower()) and sub.get("SubscriptionArn") not in NO_ARN
    ]
    return subscribe, unsubscribe
