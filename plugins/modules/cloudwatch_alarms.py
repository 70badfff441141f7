#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cloudwatch_alarms
short_description: A set of CloudWatch metric alarms and the SNS topic they notify, in one run
version_added: 0.5.0
author: flask_react.aws developers (@flask-react)
description:
  - Makes a whole set of CloudWatch metric alarms as asked, in one run. One DescribeAlarms by name prefix
    reads every alarm of the set; PutMetricAlarm goes only to the alarms that differ (compared on the fields
    sent, so AWS's own fields never read as a change); DeleteAlarms removes the alarms of the set no longer
    asked for (name starts with O(prefix), ends with one of O(suffixes), description ends with O(marker)).
  - Optionally keeps the SNS topic the alarms notify (O(topic_arn)) with one email subscription
    (O(topic_email)). A subscription waiting for its confirmation counts as made - SNS lists it with no
    ARN (C(PendingConfirmation)) - so a second run never subscribes again (which would mail again).
    Without O(topic_email) (or with O(state=absent)) the topic is deleted. An existing topic of yours is
    named in O(alarm_actions) only, never changed.
  - Why not M(amazon.aws.cloudwatch_metric_alarm) - it handles one alarm a run (a module run per alarm and
    target group, each with its own DescribeAlarms) and never deletes the alarms no longer wanted. Why not
    M(community.aws.sns_topic) - it is idempotent with a pending subscription, but finds the topic by
    listing every topic of the account, returns no plan, and would be one more module run - the topic is a
    part of the alarms here, made before them and deleted after them.
  - Supports check mode (with a C(plan) of every alarm, topic and subscription it would create, update or
    delete) and diff mode.
options:
  alarms:
    description: The alarms of the set, each PutMetricAlarm's settings. Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      name:
        description: The alarm's name (1 to 255 characters); must start with O(prefix).
        type: str
        required: true
      description:
        description: The alarm's description.
        type: str
        default: ""
      namespace:
        description: The metric's namespace, for example C(AWS/ApplicationELB).
        type: str
        required: true
      metric_name:
        description: The metric, for example C(UnHealthyHostCount).
        type: str
        required: true
      dimensions:
        description: The metric's dimensions, name to value.
        type: dict
        default: {}
      statistic:
        description:
          - C(SampleCount), C(Average), C(Sum), C(Minimum) or C(Maximum); or give O(alarms[].extended_statistic).
        type: str
      extended_statistic:
        description: A percentile such as C(p95), instead of O(alarms[].statistic).
        type: str
      period:
        description: Seconds a datapoint covers (10, 20, 30 or a multiple of 60).
        type: int
        default: 60
      evaluation_periods:
        description: How many latest periods are evaluated.
        type: int
        default: 1
      datapoints_to_alarm:
        description: How many of them must breach; defaults to O(alarms[].evaluation_periods).
        type: int
      threshold:
        description: The threshold the statistic is compared with.
        type: float
        required: true
      comparison_operator:
        description:
          - C(GreaterThanThreshold), C(GreaterThanOrEqualToThreshold), C(LessThanThreshold) or
            C(LessThanOrEqualToThreshold).
        type: str
        required: true
      treat_missing_data:
        description: C(breaching), C(notBreaching), C(ignore) or C(missing).
        type: str
        default: missing
  alarm_actions:
    description: The ARNs every alarm notifies when it goes to ALARM and back to OK (O(topic_arn) when it is ours).
    type: list
    elements: str
    default: []
  prefix:
    description: What the name of every alarm of the set starts with (for example C(flask-react-)).
    type: str
    required: true
  suffixes:
    description:
      - Only alarms whose name also ends with one of these are of the set, so another alarm named with
        O(prefix) is never deleted. Empty - every alarm named with O(prefix) is.
    type: list
    elements: str
    default: []
  marker:
    description:
      - Put at the end of every alarm's description, in brackets; only alarms whose description ends with it
        are of the set, so another app's alarm whose name happens to start with O(prefix) is never deleted.
        Empty - no marker.
    type: str
    default: ""
  purge:
    description: Delete the alarms of the set not in O(alarms).
    type: bool
    default: true
  topic_arn:
    description:
      - The ARN of the SNS topic the module makes (its name is the ARN's last part). Empty - no topic of ours.
    type: str
    default: ""
  topic_email:
    description:
      - The email address subscribed to O(topic_arn). Empty - the topic is deleted if it exists.
      - Another email subscription of the topic is removed once confirmed (a pending one has no ARN to remove
        with; AWS drops it unconfirmed).
    type: str
    default: ""
  tags:
    description:
      - Tags of every alarm and of the topic, set when each is made (PutMetricAlarm ignores the tags of an existing
        alarm; reading them back would cost a call per alarm, so later changes are not compared).
    type: dict
    default: {}
  state:
    description: V(present) makes the set; V(absent) deletes every alarm of the set and the topic.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Alarm on the users target group's unhealthy hosts, mailing ops
  flask_react.aws.cloudwatch_alarms:
    prefix: flask-react-
    suffixes: [-unhealthy]
    marker: flask_react.aws flask-react
    topic_arn: arn:aws:sns:us-west-1:123456789012:flask-react-alarms
    topic_email: ops@example.com
    alarm_actions: [arn:aws:sns:us-west-1:123456789012:flask-react-alarms]
    alarms:
      - name: flask-react-users-unhealthy
        namespace: AWS/ApplicationELB
        metric_name: UnHealthyHostCount
        dimensions:
          LoadBalancer: app/flask-react-alb/50dc6c495c0c9188
          TargetGroup: targetgroup/flask-react-users-tg/73e2d6bc24d8a067
        statistic: Maximum
        threshold: 1
        comparison_operator: GreaterThanOrEqualToThreshold
        evaluation_periods: 2

- name: Delete every alarm of the set and the topic
  flask_react.aws.cloudwatch_alarms:
    prefix: flask-react-
    suffixes: [-unhealthy]
    marker: flask_react.aws flask-react
    topic_arn: arn:aws:sns:us-west-1:123456789012:flask-react-alarms
    state: absent
"""

RETURN = r"""
alarms:
  description: The names of the set's alarms after the run (in check mode, what they would be).
  returned: always
  type: list
  elements: str
  sample: [flask-react-users-unhealthy]
created:
  description: The alarms created (or that would be).
  returned: always
  type: list
  elements: str
updated:
  description: The alarms updated (or that would be).
  returned: always
  type: list
  elements: str
deleted:
  description: The alarms deleted (or that would be).
  returned: always
  type: list
  elements: str
subscription:
  description:
    - The email subscription of O(topic_arn) - C(none), C(pending) (waiting for its confirmation) or C(confirmed).
  returned: always
  type: str
  sample: pending
plan:
  description: One entry per alarm, topic or subscription the run changes (or would) - C(type), C(name), C(action).
  returned: always
  type: list
  elements: dict
  sample: [{type: AWS::CloudWatch::Alarm, name: flask-react-users-unhealthy, action: create}]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.cloudwatch_alarms import (
    DELETE_BATCH,
    NO_ARN,
    alarm_errors,
    alarm_request,
    alarm_shape,
    alarms_plan,
    is_ours,
    subscription_plan,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import entry

ALARM = "AWS::CloudWatch::Alarm"
TOPIC = "AWS::SNS::Topic"
SUBSCRIPTION = "AWS::SNS::Subscription"


def describe_alarms(client, prefix):
    """Every metric alarm named with ``prefix``, name -> ``alarm_shape``."""
    found, token = {}, None
    while True:
        page = client.describe_alarms(
            aws_retry=True,
            AlarmNamePrefix=prefix,
            AlarmTypes=["MetricAlarm"],
            **({"NextToken": token} if token else {}),
        )
        found.update({alarm["AlarmName"]: alarm_shape(alarm) for alarm in page.get("MetricAlarms", [])})
        token = page.get("NextToken")
        if not token:
            return found


def tag_list(tags):
    return [{"Key": str(key), "Value": str(value)} for key, value in (tags or {}).items()]


def topic_exists(client, arn):
    try:
        client.get_topic_attributes(aws_retry=True, TopicArn=arn)
    except is_boto3_error_code("NotFound"):
        return False
    return True


# The tags that make a topic of this name ours (the role passes them within O(tags)): another's topic of the
# same name is neither subscribed to, unsubscribed from nor deleted.
OWNER_KEYS = ("app", "managed-by")


def topic_is_ours(client, arn, tags):
    """Whether the topic carries this run's ``app`` and ``managed-by`` tags (both must be given)."""
    owner = {key: tags.get(key) for key in OWNER_KEYS}
    if not all(owner.values()):
        return False
    found = client.list_tags_for_resource(aws_retry=True, ResourceArn=arn).get("Tags", [])
    return all({"Key": key, "Value": value} in found for key, value in owner.items())


def list_subscriptions(client, arn):
    subscriptions, token = [], None
    while True:
        page = client.list_subscriptions_by_topic(
            aws_retry=True, TopicArn=arn, **({"NextToken": token} if token else {})
        )
        subscriptions.extend(page.get("Subscriptions", []))
        token = page.get("NextToken")
        if not token:
            return subscriptions


def subscription_state(email, subscriptions):
    """``none``, ``pending`` or ``confirmed``: ``email``'s subscription among ``subscriptions``."""
    for sub in subscriptions:
        if sub.get("Protocol") == "email" and email and sub.get("Endpoint", "").lower() == email.lower():
            return "pending" if sub.get("SubscriptionArn") in NO_ARN else "confirmed"
    return "none"


def ensure_topic(module, client, plan):
    """Make, keep or delete our topic and its email subscription; returns the topic before and after, each
    ``{}`` (no topic) or ``{name, subscription}`` (``none``, ``pending`` or ``confirmed``)."""
    arn, email = module.params["topic_arn"], module.params["topic_email"]
    if not arn:
        return {}, {}
    name = arn.rsplit(":", 1)[-1]
    wanted = module.params["state"] == "present" and bool(email)
    exists = topic_exists(client, arn)
    if exists and not topic_is_ours(client, arn, module.params.get("tags") or {}):
        if wanted:
            module.fail_json(
                msg=f"SNS topic {name} exists and is not this app's (no app and managed-by tags of this run): it is "
                "never subscribed to nor deleted here - set app_alarm_topic_arn to use it, or delete it"
            )
        return {}, {}
    subscriptions = list_subscriptions(client, arn) if exists else []
    before = {"name": name, "subscription": subscription_state(email, subscriptions)} if exists else {}
    if not wanted:
        if exists:
            plan.append(entry(TOPIC, name, "delete"))
            if not module.check_mode:
                # Deleting a topic deletes its subscriptions, pending ones too.
                client.delete_topic(aws_retry=True, TopicArn=arn)
        return before, {}
    subscribe, unsubscribe = subscription_plan(email, subscriptions)
    if not exists:
        plan.append(entry(TOPIC, name, "create"))
    if subscribe:
        plan.append(entry(SUBSCRIPTION, f"{name}/{email}", "create"))
    plan.extend(entry(SUBSCRIPTION, f"{name}/{sub_arn.rsplit(':', 1)[-1]}", "delete") for sub_arn in unsubscribe)
    if not module.check_mode:
        if not exists:
            client.create_topic(aws_retry=True, Name=name, Tags=tag_list(module.params["tags"]))
        for sub_arn in unsubscribe:
            client.unsubscribe(aws_retry=True, SubscriptionArn=sub_arn)
        if subscribe:
            client.subscribe(aws_retry=True, TopicArn=arn, Protocol="email", Endpoint=email)
    return before, {"name": name, "subscription": "pending" if subscribe else before["subscription"]}


def ensure_alarms(module, client, current, plan):
    """Put the alarms that differ, delete ours no longer wanted; returns ``alarms_plan``'s answer."""
    params = module.params
    wanted = params["alarms"] if params["state"] == "present" else []
    desired = [alarm_request(alarm, params["alarm_actions"], params["marker"]) for alarm in wanted]
    changes = alarms_plan(desired, current, params["prefix"], params["suffixes"], params["purge"], params["marker"])
    for action in ("create", "update", "delete"):
        plan.extend(entry(ALARM, name, action) for name in changes[action])
    if module.check_mode:
        return changes
    for request in desired:
        if request["AlarmName"] in changes["create"]:
            client.put_metric_alarm(aws_retry=True, Tags=tag_list(params["tags"]), **request)
        elif request["AlarmName"] in changes["update"]:
            client.put_metric_alarm(aws_retry=True, **request)
    for start in range(0, len(changes["delete"]), DELETE_BATCH):
        client.delete_alarms(aws_retry=True, AlarmNames=changes["delete"][start : start + DELETE_BATCH])
    return changes


def input_errors(params):
    errors = []
    for alarm in params["alarms"] or []:
        errors += alarm_errors(alarm)
        if not is_ours(alarm["name"], params["prefix"], params["suffixes"]):
            errors.append(f"{alarm['name']}: must start with prefix {params['prefix']!r} and end with one of suffixes")
    if params["state"] == "present" and params["alarms"] is None:
        errors.append("alarms is required with state=present")
    return errors


def main():
    alarm_options = dict(
        name=dict(type="str", required=True),
        description=dict(type="str", default=""),
        namespace=dict(type="str", required=True),
        metric_name=dict(type="str", required=True),
        dimensions=dict(type="dict", default={}),
        statistic=dict(type="str"),
        extended_statistic=dict(type="str"),
        period=dict(type="int", default=60),
        evaluation_periods=dict(type="int", default=1),
        datapoints_to_alarm=dict(type="int"),
        threshold=dict(type="float", required=True),
        comparison_operator=dict(type="str", required=True),
        treat_missing_data=dict(type="str", default="missing"),
    )
    argument_spec = dict(
        alarms=dict(type="list", elements="dict", options=alarm_options),
        alarm_actions=dict(type="list", elements="str", default=[]),
        prefix=dict(type="str", required=True),
        suffixes=dict(type="list", elements="str", default=[]),
        marker=dict(type="str", default=""),
        tags=dict(type="dict", default={}),
        purge=dict(type="bool", default=True),
        topic_arn=dict(type="str", default=""),
        topic_email=dict(type="str", default=""),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    module = AppAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    errors = input_errors(module.params)
    if errors:
        module.fail_json(msg="cloudwatch_alarms: " + "; ".join(errors))
    result = run(
        module,
        module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff()),
        module.client("sns", retry_decorator=AWSRetry.jittered_backoff()),
    )
    module.exit_json(**result)


def run(module, cloudwatch, sns):
    """The whole run: the topic before the alarms that notify it; when removing, the alarms first."""
    plan = []
    try:
        current = describe_alarms(cloudwatch, module.params["prefix"])
        params = module.params
        current = {
            name: shape
            for name, shape in current.items()
            if is_ours(name, params["prefix"], params["suffixes"], shape["AlarmDescription"], params["marker"])
        }
        if module.params["state"] == "present":
            topic_before, topic_after = ensure_topic(module, sns, plan)
            changes = ensure_alarms(module, cloudwatch, current, plan)
        else:
            changes = ensure_alarms(module, cloudwatch, current, plan)
            topic_before, topic_after = ensure_topic(module, sns, plan)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the CloudWatch alarms and their topic")
    after = {name: shape for name, shape in current.items() if name not in changes["delete"]}
    wanted = (module.params["alarms"] or []) if module.params["state"] == "present" else []
    after.update(
        {
            alarm["name"]: alarm_request(alarm, module.params["alarm_actions"], module.params["marker"])
            for alarm in wanted
        }
    )
    result = dict(
        changed=bool(plan),
        alarms=sorted(after),
        created=changes["create"],
        updated=changes["update"],
        deleted=changes["delete"],
        subscription=topic_after.get("subscription", "none"),
        plan=plan,
    )
    if module._diff:
        result["diff"] = {
            "before": {"alarms": current, "topic": topic_before},
            "after": {"alarms": after, "topic": topic_after},
        }
    return result


if __name__ == "__main__":
    main()
