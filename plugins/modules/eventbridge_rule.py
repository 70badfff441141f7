#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: eventbridge_rule
short_description: An EventBridge rule on an event pattern, with its targets and tags
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Creates, updates or deletes one EventBridge rule that matches an event pattern, with its
    targets (each with its role and constant input) and its tags.
  - Why not M(amazon.aws.cloudwatchevent_rule) - in amazon.aws 10.1.2 it has no check mode (so a
    C(--check) run could not say what it would create), no tags and no retries, and it compares
    the pattern as text, so the same pattern spaced or ordered differently reads as a change.
    This module compares the pattern and each target's input as parsed JSON, and only the fields
    it sets.
  - Deleting the rule removes its targets first (EventBridge refuses to delete a rule that has any).
  - Supports check mode and diff mode.
options:
  name:
    description: Rule name (up to 64 letters, digits, C(.), C(-), C(_)).
    type: str
    required: true
  state:
    description: V(present) creates or updates; V(absent) deletes the rule and its targets.
    type: str
    choices: [present, absent]
    default: present
  event_bus_name:
    description: The event bus of the rule.
    type: str
    default: default
  event_pattern:
    description:
      - The event pattern (a dict, or its JSON text). Required with O(state=present).
      - Compared with the rule's as parsed JSON.
    type: json
  description:
    description: Rule description.
    type: str
    default: ""
  enabled:
    description: Whether the rule sends matched events to its targets.
    type: bool
    default: true
  targets:
    description: The rule's targets. Left out, the targets are left alone.
    type: list
    elements: dict
    suboptions:
      id:
        description: Target ID, unique in the rule.
        type: str
        required: true
      arn:
        description: The target's ARN (for example a CodeBuild project's).
        type: str
        required: true
      role_arn:
        description: The role EventBridge assumes to call the target (CodeBuild, ECS... need one).
        type: str
      input:
        description:
          - Constant JSON passed to the target instead of the event. For a CodeBuild project it is
            the body of C(StartBuild) (for example C(environmentVariablesOverride)).
          - Compared as parsed JSON.
        type: json
  purge_targets:
    description: Remove the rule's targets not listed in O(targets).
    type: bool
    default: true
  tags:
    description: Tags of the rule; left out, they are left alone.
    type: dict
  purge_tags:
    description: Remove the rule's tags not listed in O(tags).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Start a build that redeploys the database's users when RDS rotates its password
  flask_react.aws.eventbridge_rule:
    name: flask-react-db-rotated
    description: Redeploy the services that read the database's secret after a rotation
    event_pattern:
      source: [aws.secretsmanager]
      detail-type: [AWS Service Event via CloudTrail]
      detail:
        eventSource: [secretsmanager.amazonaws.com]
        eventName: [RotationSucceeded]
        additionalEventData:
          SecretId: ["{{ rds_secret_arn }}"]
    targets:
      - id: redeploy-database
        arn: "{{ codebuild_project_arn }}"
        role_arn: "{{ events_role_arn }}"
        input:
          environmentVariablesOverride:
            - {name: FLASK_REACT_ACTION, value: redeploy-database, type: PLAINTEXT}
    tags:
      app: flask-react

- name: Delete the rule and its targets
  flask_react.aws.eventbridge_rule:
    name: flask-react-db-rotated
    state: absent
"""

RETURN = r"""
rule:
  description: The rule as DescribeRule answers it; in check mode, what was sent or would be. Empty when absent.
  returned: always
  type: dict
  sample:
    Name: flask-react-db-rotated
    State: ENABLED
    Arn: arn:aws:events:us-west-1:123456789012:rule/flask-react-db-rotated
targets:
  description: The rule's targets (ListTargetsByRule); in check mode, what they would be.
  returned: always
  type: list
  elements: dict
changed_fields:
  description: What changed (or would) - C(created), C(rule), C(targets), C(tags) or C(deleted).
  returned: always
  type: list
  elements: str
  sample: [targets]
"""

import json

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.eventbridge import (
    params_errors,
    rule_differs,
    rule_request,
    tag_list,
    tags_plan,
    target_request,
    targets_plan,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import single_plan


def describe_rule(client, name, bus):
    try:
        answer = client.describe_rule(aws_retry=True, Name=name, EventBusName=bus)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None
    answer.pop("ResponseMetadata", None)
    return answer


def list_targets(client, name, bus):
    targets, token = [], None
    while True:
        page = client.list_targets_by_rule(
            aws_retry=True, Rule=name, EventBusName=bus, **({"NextToken": token} if token else {})
        )
        targets.extend(page.get("Targets", []))
        token = page.get("NextToken")
        if not token:
            return targets


def list_tags(client, arn):
    return client.list_tags_for_resource(aws_retry=True, ResourceARN=arn).get("Tags", [])


def ensure_rule(module, client, current):
    """Create or update the rule; returns (changed fields, rule after)."""
    params = module.params
    request = rule_request(
        params["name"], params["event_pattern"], params["description"], params["enabled"], params["event_bus_name"]
    )
    if not rule_differs(request, current):
        return [], current
    if current is None and params["tags"]:
        request["Tags"] = tag_list(params["tags"])
    if module.check_mode:
        return ["created" if current is None else "rule"], dict(current or {}, **request)
    client.put_rule(aws_retry=True, **request)
    return ["created" if current is None else "rule"], describe_rule(client, params["name"], params["event_bus_name"])


def ensure_targets(module, client, current):
    """Put and remove targets (``current``: the rule's now); returns (changed, targets after)."""
    params = module.params
    if params["targets"] is None:
        return False, current
    desired = [target_request(target) for target in params["targets"]]
    to_put, to_remove = targets_plan(desired, current, params["purge_targets"])
    if not (to_put or to_remove):
        return False, current
    if not module.check_mode:
        bus = params["event_bus_name"]
        if to_remove:
            client.remove_targets(aws_retry=True, Rule=params["name"], EventBusName=bus, Ids=to_remove)
        if to_put:
            answer = client.put_targets(aws_retry=True, Rule=params["name"], EventBusName=bus, Targets=to_put)
            if answer.get("FailedEntryCount"):
                module.fail_json(msg=f"EventBridge refused targets of {params['name']}", failed=answer["FailedEntries"])
        return True, list_targets(client, params["name"], bus)
    kept = {target["Id"]: target for target in current if target["Id"] not in to_remove}
    kept.update({target["Id"]: target for target in to_put})
    return True, list(kept.values())


def ensure_tags(module, client, rule, created):
    """Tag an existing rule as asked (PutRule tagged a new one); returns changed."""
    if created or module.params["tags"] is None:
        return False
    to_set, to_remove = tags_plan(module.params["tags"], list_tags(client, rule["Arn"]), module.params["purge_tags"])
    if not (to_set or to_remove):
        return False
    if not module.check_mode:
        if to_remove:
            client.untag_resource(aws_retry=True, ResourceARN=rule["Arn"], TagKeys=to_remove)
        if to_set:
            client.tag_resource(aws_retry=True, ResourceARN=rule["Arn"], Tags=tag_list(to_set))
    return True


def delete_rule(module, client, targets):
    """Remove the rule's ``targets``, then the rule (EventBridge refuses to delete a rule with targets)."""
    name, bus = module.params["name"], module.params["event_bus_name"]
    if module.check_mode:
        return
    if targets:
        client.remove_targets(aws_retry=True, Rule=name, EventBusName=bus, Ids=[t["Id"] for t in targets])
    client.delete_rule(aws_retry=True, Name=name, EventBusName=bus)


def comparable(rule, targets):
    """What the diff shows: the rule's own fields and its targets with their input parsed."""
    if not rule:
        return {}
    shape = {key: rule.get(key) for key in ("Name", "EventBusName", "Description", "State")}
    shape["EventPattern"] = json.loads(rule["EventPattern"]) if rule.get("EventPattern") else None
    shape["Targets"] = [
        dict(target, Input=json.loads(target["Input"])) if target.get("Input") else dict(target) for target in targets
    ]
    return shape


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        event_bus_name=dict(type="str", default="default"),
        event_pattern=dict(type="json"),
        description=dict(type="str", default=""),
        enabled=dict(type="bool", default=True),
        targets=dict(
            type="list",
            elements="dict",
            options=dict(
                id=dict(type="str", required=True),
                arn=dict(type="str", required=True),
                role_arn=dict(type="str"),
                input=dict(type="json"),
            ),
        ),
        purge_targets=dict(type="bool", default=True),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
    )
    module = AppAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["event_pattern"])],
        supports_check_mode=True,
    )
    name, bus = module.params["name"], module.params["event_bus_name"]
    input_errors = params_errors(module.params)
    if input_errors:
        module.fail_json(msg=f"EventBridge rule {name}: " + "; ".join(input_errors))
    client = module.client("events", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    try:
        current = describe_rule(client, name, bus)
        current_targets = list_targets(client, name, bus) if current else []
        before = comparable(current, current_targets)
        if module.params["state"] == "absent":
            if current:
                delete_rule(module, client, current_targets)
            deleted = ["deleted"] if current else []
            result = dict(changed=bool(deleted), rule={}, targets=[], changed_fields=deleted)
            result["plan"] = single_plan("AWS::Events::Rule", name, bool(deleted), deleted=True)
            if module._diff:
                result["diff"] = {"before": before, "after": {}}
            module.exit_json(**result)
        changed_fields, rule = ensure_rule(module, client, current)
        created = current is None
        targets_changed, targets = ensure_targets(module, client, current_targets)
        tags_changed = ensure_tags(module, client, rule, created)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to manage EventBridge rule {name}")

    changed_fields += (["targets"] if targets_changed and not created else []) + (["tags"] if tags_changed else [])
    result = dict(changed=bool(changed_fields), rule=rule, targets=targets, changed_fields=changed_fields)
    result["plan"] = single_plan("AWS::Events::Rule", name, bool(changed_fields), created="created" in changed_fields)
    if module._diff:
        result["diff"] = {"before": before, "after": comparable(rule, targets)}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
