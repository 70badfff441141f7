#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: alb_target_group_release
short_description: Delete a target group that listeners still forward to, detaching it first
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Deletes the target group O(name) even while listeners use it - the step a change of target
    type (C(instance) to C(ip) and back) needs, since AWS cannot change the type of a group and
    names are unique, so the group is deleted and made again under the same name.
  - Before the delete, every listener whose default action forwards to the group answers a fixed
    C(503) instead, and every rule of O(owner) (tag C(flask_react.aws:owner)) that forwards to it is
    deleted. Whoever owns them puts them back afterwards (M(amazon.aws.elb_application_lb) the default
    action, M(flask_react.aws.alb_listener_rules) the rules), pointing at the new group.
  - A rule of someone else forwarding to the group fails the module before any write.
  - AWS keeps answering C(ResourceInUse) for a few seconds after the last listener or rule let go
    of a group; the delete is retried for up to O(timeout) seconds, with a warning saying how long
    it waited.
  - Why not M(community.aws.elb_target_group) - it never compares the target type of an existing
    group (a changed C(target_type) is silently ignored), and with C(state=absent) it calls
    C(DeleteTargetGroup) once, which AWS refuses while a listener uses the group.
  - Supports check mode.
options:
  name:
    description: Name of the target group.
    type: str
    required: true
  owner:
    description: The C(flask_react.aws:owner) tag value of the rules this module may delete.
    type: str
    default: flask_react.aws
  target_type:
    description:
      - The target type the group should have. Given, a group of this type is left alone (no write),
        so the module can be asked about every group, in check mode too; omitted, the group is released.
    type: str
    choices: [instance, ip, lambda, alb]
  timeout:
    description: Seconds to keep retrying C(DeleteTargetGroup) while AWS reports the group in use.
    type: int
    default: 120
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Release the users target group if it is not an ip one (Fargate)
  flask_react.aws.alb_target_group_release:
    name: flask-react-users-tg
    target_type: ip
    timeout: 120

- name: Then make it again with the new type
  community.aws.elb_target_group:
    name: flask-react-users-tg
    target_type: ip
    protocol: HTTP
    port: 5000
    vpc_id: vpc-0123456789abcdef0
    modify_targets: false
"""

RETURN = r"""
target_group_arn:
  description: ARN of the deleted group; empty when there was none, or it already had O(target_type).
  returned: always
  type: str
detached_listeners:
  description: Listeners whose default action now answers 503 instead of forwarding to the group.
  returned: always
  type: list
  elements: str
deleted_rules:
  description: Rules of O(owner) deleted because they forwarded to the group.
  returned: always
  type: list
  elements: str
waited:
  description: Seconds spent retrying while AWS reported the group in use.
  returned: always
  type: int
"""

import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.listener_rules import OWNER_TAG, forwards_to

RETRY_DELAY = 5
# What a listener answers between the old group's delete and the new group's creation.
PLACEHOLDER = [
    {
        "Type": "fixed-response",
        "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain", "MessageBody": "Being replaced"},
    }
]


class ReleaseError(Exception):
    """A state this module will not change on its own; the message is for the user."""


def find_group(client, name):
    try:
        return client.describe_target_groups(aws_retry=True, Names=[name])["TargetGroups"][0]
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "TargetGroupNotFound":
            return None
        raise


def listeners_of(client, balancer):
    """The listeners of ``balancer``; none when it is gone (a group can still name a load balancer being deleted)."""
    try:
        return client.describe_listeners(aws_retry=True, LoadBalancerArn=balancer)["Listeners"]
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "LoadBalancerNotFound":
            return []
        raise


def users_of(client, group, owner):
    """(listener ARNs whose default action forwards to ``group``, our rule ARNs forwarding to it)."""
    arn = group["TargetGroupArn"]
    listeners, rules, foreign = [], [], []
    for balancer in sorted(set(group.get("LoadBalancerArns", []))):
        for listener in listeners_of(client, balancer):
            if any(forwards_to(action, arn) for action in listener.get("DefaultActions", [])):
                listeners.append(listener["ListenerArn"])
            found = client.describe_rules(aws_retry=True, ListenerArn=listener["ListenerArn"])["Rules"]
            using = [
                rule["RuleArn"]
                for rule in found
                if not rule["IsDefault"] and any(forwards_to(action, arn) for action in rule.get("Actions", []))
            ]
            if using:
                described = client.describe_tags(aws_retry=True, ResourceArns=using)["TagDescriptions"]
                tags = {item["ResourceArn"]: {t["Key"]: t["Value"] for t in item.get("Tags", [])} for item in described}
                for rule_arn in using:
                    (rules if tags.get(rule_arn, {}).get(OWNER_TAG) == owner else foreign).append(rule_arn)
    if foreign:
        raise ReleaseError(
            f"target group {group['TargetGroupName']!r} is used by rules this collection does not own "
            f"({', '.join(foreign)}); point them elsewhere first"
        )
    return listeners, rules


def delete_when_free(client, arn, timeout):
    """DeleteTargetGroup, retried while AWS still reports the group in use; returns seconds waited."""
    started = time.monotonic()
    while True:
        try:
            client.delete_target_group(aws_retry=True, TargetGroupArn=arn)
            return int(time.monotonic() - started)
        except botocore.exceptions.ClientError as error:
            waited = time.monotonic() - started
            if error.response["Error"]["Code"] != "ResourceInUse" or waited + RETRY_DELAY > timeout:
                raise
            time.sleep(RETRY_DELAY)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            owner=dict(type="str", default="flask_react.aws"),
            target_type=dict(type="str", choices=["instance", "ip", "lambda", "alb"]),
            timeout=dict(type="int", default=120),
        ),
        supports_check_mode=True,
    )
    name = module.params["name"]
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    result = dict(changed=False, target_group_arn="", detached_listeners=[], deleted_rules=[], waited=0)
    try:
        group = find_group(client, name)
        wanted = module.params["target_type"]
        if group is None or (wanted and group.get("TargetType", "instance") == wanted):
            module.exit_json(**result)
        listeners, rules = users_of(client, group, module.params["owner"])
        result.update(
            changed=True, target_group_arn=group["TargetGroupArn"], detached_listeners=listeners, deleted_rules=rules
        )
        if module.check_mode:
            module.exit_json(**result)
        for listener in listeners:
            client.modify_listener(aws_retry=True, ListenerArn=listener, DefaultActions=PLACEHOLDER)
        for rule in rules:
            client.delete_rule(aws_retry=True, RuleArn=rule)
        result["waited"] = delete_when_free(client, group["TargetGroupArn"], module.params["timeout"])
    except ReleaseError as error:
        module.fail_json(msg=str(error))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to release target group {name}")
    if result["waited"]:
        module.warn(f"waited {result['waited']} s for AWS to stop reporting target group {name} in use")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
