#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: alb_target_groups
short_description: The target groups of one app in one run - created, updated, replaced, purged or deleted
version_added: 0.4.0
author: flask_react.aws developers (@flask-react)
description:
  - Ensures a list of target groups with shared settings (protocol, VPC, target type, health check,
    tags) in one run - one C(DescribeTargetGroups) for all of them, C(DescribeTags) once per 20 groups
    (AWS's limit per call) - creating the missing ones, modifying drifted health checks
    (C(ModifyTargetGroup)) and changing tags. Registered targets are never touched.
  - A group whose target type differs (C(instance) to C(ip) when ECS on Fargate is turned on, and back)
    is replaced - AWS cannot change a group's type and names are unique. Every listener whose default
    action forwards to it answers a fixed C(503) meanwhile, and every rule of O(owner) (tag
    C(flask_react.aws:owner)) forwarding to it is deleted; whoever owns them puts them back
    (M(amazon.aws.elb_application_lb) the default action, M(flask_react.aws.alb_listener_rules) the
    rules). A rule of someone else forwarding to it fails the module before any write.
  - With O(owned_by), the groups carrying all those tags that are not listed are returned as
    RV(orphans); with O(purge=true) too, those not in O(keep) are deleted - never a group without both
    tags, never one a listener or rule still forwards to (AWS refuses that delete with C(ResourceInUse)
    anyway; the module names the group in a warning and keeps it instead).
  - AWS keeps answering C(ResourceInUse) for a few seconds after the last listener or rule let go of a
    group; every delete is retried for up to O(delete_timeout) seconds, with a warning saying how long it
    waited.
  - Why not M(community.aws.elb_target_group) - one module run per group, no check mode (a check run
    skips it), and a changed C(target_type) of an existing group is silently ignored; with
    C(state=absent) it calls C(DeleteTargetGroup) once, which AWS refuses while the group is in use.
  - Supports check mode (no write; RV(plan) and C(changed) say what a run would do) and diff mode
    (before/after per changed group, only the settings that differ).
  - Port, protocol and VPC of an existing group are not compared - AWS cannot change them (as
    M(community.aws.elb_target_group)).
options:
  groups:
    description: The target groups.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Name of the group (1 to 32 letters, digits and hyphens).
        type: str
        required: true
        aliases: [target_group]
      port:
        description: Port the targets receive traffic on. Required with O(state=present).
        type: int
      health_check_path:
        description: Path of the HTTP(S) health check.
        type: str
        default: /
  state:
    description: V(present) creates or updates the groups; V(absent) deletes them (retrying C(ResourceInUse)).
    type: str
    choices: [present, absent]
    default: present
  protocol:
    description: Protocol to the targets (every group).
    type: str
    choices: [HTTP, HTTPS]
    default: HTTP
  vpc_id:
    description: The VPC of the groups; needed when one is created.
    type: str
  target_type:
    description: Target type of every group; a group of another type is replaced.
    type: str
    choices: [instance, ip]
    default: instance
  health_check_protocol:
    description: Protocol of the health check; left out, O(protocol).
    type: str
    choices: [HTTP, HTTPS]
  health_check_interval:
    description: Seconds between health checks (5-300).
    type: int
    default: 30
  health_check_timeout:
    description: Seconds before a health check fails (2-120).
    type: int
    default: 5
  healthy_threshold_count:
    description: Successes before a target is healthy (2-10).
    type: int
    default: 5
  unhealthy_threshold_count:
    description: Failures before a target is unhealthy (2-10).
    type: int
    default: 2
  success_codes:
    description: HTTP codes a healthy target answers (C(200), C(200,202), C(200-299)).
    type: str
    default: "200"
  tags:
    description: Tags of every group; left out, unchanged.
    type: dict
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
  owner:
    description: The C(flask_react.aws:owner) tag value of the listener rules a replacement may delete.
    type: str
    default: flask_react.aws
  owned_by:
    description:
      - "Tags that mark a group as this app's (for example C({app: flask-react, managed-by: flask_react.aws}))."
      - Groups carrying all of them that are not in O(groups) are returned as RV(orphans).
    type: dict
  purge:
    description: Delete the RV(orphans) not in O(keep). Needs O(owned_by).
    type: bool
    default: false
  keep:
    description: Names of orphans O(purge) never deletes (for example the groups a live ECS service still uses).
    type: list
    elements: str
    default: []
  delete_timeout:
    description: Seconds to keep retrying C(DeleteTargetGroup) while AWS reports the group in use.
    type: int
    default: 120
  poll_interval:
    description: Seconds between two tries of a delete.
    type: int
    default: 5
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The course's target groups, ip targets for Fargate, tagged as the app's
  flask_react.aws.alb_target_groups:
    groups:
      - {name: flask-react-client-tg, port: 80, health_check_path: /}
      - {name: flask-react-users-tg, port: 5000, health_check_path: /ping}
    vpc_id: vpc-0123456789abcdef0
    target_type: ip
    tags: {app: flask-react, managed-by: flask_react.aws}
    owned_by: {app: flask-react, managed-by: flask_react.aws}
  register: groups

- name: Delete the app's groups no longer listed, once no rule forwards to them
  flask_react.aws.alb_target_groups:
    groups: []
    owned_by: {app: flask-react, managed-by: flask_react.aws}
    keep: [flask-react-client-tg, flask-react-users-tg]
    purge: true

- name: Delete them
  flask_react.aws.alb_target_groups:
    groups: [{name: flask-react-client-tg}, {name: flask-react-users-tg}]
    state: absent
"""

RETURN = r"""
target_groups:
  description:
    - The listed groups as DescribeTargetGroups returns them (snake_case, with C(tags)), plus C(name) and
      C(arn); a group still to be made (check mode) has an empty C(arn). Empty with O(state=absent).
  returned: always
  type: list
  elements: dict
  sample: [{name: flask-react-users-tg, target_type: ip, port: 5000, load_balancer_arns: [],
            arn: "arn:aws:elasticloadbalancing:us-west-1:123456789012:targetgroup/flask-react-users-tg/0123"}]
arns:
  description: The listed groups' ARNs by name (empty for a group still to be made, in check mode).
  returned: always
  type: dict
  sample: {flask-react-users-tg: "arn:aws:elasticloadbalancing:us-west-1:123456789012:targetgroup/x/1"}
actions:
  description:
    - Per group, the changes made (or that would be) - C(create), C(replace), C(modify), C(tag), C(untag), C(delete).
  returned: always
  type: dict
  sample: {flask-react-users-tg: [modify]}
plan:
  description:
    - The plan entries - a create per missing group, an update per changed or replaced one, a delete per deleted one.
  returned: always
  type: list
  elements: dict
  sample: [{"type": "AWS::ElasticLoadBalancingV2::TargetGroup", "name": "flask-react-users-tg", "action": "update"}]
orphans:
  description: Groups tagged as this app's (O(owned_by)) that are not in O(groups).
  returned: always
  type: list
  elements: str
  sample: [flask-react-admin-tg]
in_use:
  description: Orphans O(purge) kept because a listener or rule still forwards to them.
  returned: always
  type: list
  elements: str
waited:
  description: Seconds spent retrying deletes while AWS reported a group in use.
  returned: always
  type: int
"""

import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.listener_rules import OWNER_TAG, forwards_to
from ansible_collections.flask_react.aws.plugins.module_utils.target_groups import (
    TargetGroupsError,
    batches,
    create_params,
    current_shape,
    delete_entries,
    desired_groups,
    diff_and_plan,
    orphans,
    plan_group,
    result_group,
    validate,
    with_kept_tags,
)

# What a listener answers between the old group's delete and the new group's creation.
PLACEHOLDER = [
    {
        "Type": "fixed-response",
        "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain", "MessageBody": "Being replaced"},
    }
]


@AWSRetry.jittered_backoff()
def all_target_groups(client):
    """Every target group of the region (paginated, retried): one read for every name."""
    return client.get_paginator("describe_target_groups").paginate().build_full_result()["TargetGroups"]


def tags_of(client, arns):
    """Tags by ARN, DescribeTags once per 20 ARNs."""
    found = {}
    for batch in batches(sorted(arns)):
        for item in client.describe_tags(aws_retry=True, ResourceArns=batch)["TagDescriptions"]:
            found[item["ResourceArn"]] = {tag["Key"]: tag["Value"] for tag in item.get("Tags", [])}
    return found


def read(client, names, owned_by):
    """The existing groups by name (snake_case, with tags) - the listed ones, and with ``owned_by`` every
    group (to find the orphans)."""
    groups = {
        group["TargetGroupName"]: camel_dict_to_snake_dict(group)
        for group in all_target_groups(client)
        if owned_by or group["TargetGroupName"] in names
    }
    tags = tags_of(client, [group["target_group_arn"] for group in groups.values()]) if groups else {}
    return {name: current_shape(group, tags.get(group["target_group_arn"])) for name, group in groups.items()}


def listeners_of(client, balancer):
    """The listeners of ``balancer``; none when it is gone (a group can still name a load balancer being deleted)."""
    try:
        return client.describe_listeners(aws_retry=True, LoadBalancerArn=balancer)["Listeners"]
    except is_boto3_error_code("LoadBalancerNotFound"):
        return []


def users_of(client, group, owner):
    """(listener ARNs whose default action forwards to ``group``, rule ARNs of ``owner`` forwarding to it,
    rule ARNs of anyone else forwarding to it)."""
    arn = group["target_group_arn"]
    listeners, ours, theirs = [], [], []
    for balancer in sorted(set(group.get("load_balancer_arns") or [])):
        for listener in listeners_of(client, balancer):
            if any(forwards_to(action, arn) for action in listener.get("DefaultActions", [])):
                listeners.append(listener["ListenerArn"])
            rules = client.describe_rules(aws_retry=True, ListenerArn=listener["ListenerArn"])["Rules"]
            using = [
                rule["RuleArn"]
                for rule in rules
                if not rule["IsDefault"] and any(forwards_to(action, arn) for action in rule.get("Actions", []))
            ]
            tags = tags_of(client, using) if using else {}
            for rule in using:
                (ours if tags.get(rule, {}).get(OWNER_TAG) == owner else theirs).append(rule)
    return listeners, ours, theirs


def delete_when_free(module, client, name, arn):
    """DeleteTargetGroup, retried while AWS still reports the group in use; returns seconds waited."""
    timeout, delay = module.params["delete_timeout"], max(module.params["poll_interval"], 1)
    started = time.monotonic()
    while True:
        try:
            client.delete_target_group(aws_retry=True, TargetGroupArn=arn)
        except is_boto3_error_code("TargetGroupNotFound"):
            pass
        except is_boto3_error_code("ResourceInUse"):
            if time.monotonic() - started + delay > timeout:
                raise TargetGroupsError(
                    f"target group {name} is still in use after {timeout} s (AWS answers ResourceInUse while a "
                    "listener or rule forwards to it): point them elsewhere, or raise delete_timeout"
                ) from None
            time.sleep(delay)
            continue
        waited = int(time.monotonic() - started)
        if waited:
            module.warn(f"waited {waited} s for AWS to stop reporting target group {name} in use")
        return waited


def shared_settings(params):
    return {
        "protocol": params["protocol"],
        "vpc_id": params["vpc_id"],
        "target_type": params["target_type"],
        "health_check_protocol": params["health_check_protocol"] or params["protocol"],
        "health_check_interval_seconds": params["health_check_interval"],
        "health_check_timeout_seconds": params["health_check_timeout"],
        "healthy_threshold_count": params["healthy_threshold_count"],
        "unhealthy_threshold_count": params["unhealthy_threshold_count"],
        "success_codes": params["success_codes"],
        "tags": params["tags"],
    }


def apply(module, client, desired, current, planned, users):
    """Send one group's planned actions; returns its ARN after (None when unchanged) and seconds waited."""
    waited = 0
    for kind, value in planned:
        if kind == "replace":
            listeners, rules = users
            for listener in listeners:
                client.modify_listener(aws_retry=True, ListenerArn=listener, DefaultActions=PLACEHOLDER)
            for rule in rules:
                client.delete_rule(aws_retry=True, RuleArn=rule)
            waited += delete_when_free(module, client, desired["name"], current["target_group_arn"])
        if kind in ("create", "replace"):
            created = client.create_target_group(aws_retry=True, **create_params(desired))["TargetGroups"][0]
            return created["TargetGroupArn"], waited
        arn = current["target_group_arn"]
        if kind == "modify":
            client.modify_target_group(aws_retry=True, TargetGroupArn=arn, **value)
        elif kind == "tag":
            tags = [{"Key": key, "Value": tag} for key, tag in sorted(value.items())]
            client.add_tags(aws_retry=True, ResourceArns=[arn], Tags=tags)
        elif kind == "untag":
            client.remove_tags(aws_retry=True, ResourceArns=[arn], TagKeys=value)
    return current["target_group_arn"], waited


def ensure_present(module, client, existing, result):
    params = module.params
    names = [group["name"] for group in params["groups"]]
    desired = [
        with_kept_tags(wanted, existing.get(wanted["name"]), params["purge_tags"])
        for wanted in desired_groups(params["groups"], shared_settings(params))
    ]
    creating = [wanted["name"] for wanted in desired if wanted["name"] not in existing]
    errors = validate(params["groups"], "present", params["vpc_id"], creating)
    if errors:
        raise TargetGroupsError("; ".join(errors))
    # Plan every group, and read who uses the ones to replace, before the first write.
    plans = [
        (wanted, existing.get(wanted["name"]), plan_group(wanted, existing.get(wanted["name"]))) for wanted in desired
    ]
    users = {}
    for wanted, current, planned in plans:
        if planned[:1] == [("replace", None)]:
            listeners, ours, theirs = users_of(client, current, params["owner"])
            if theirs:
                raise TargetGroupsError(
                    f"target group {wanted['name']} must be replaced (its target type changes to "
                    f"{wanted['target_type']}) but rules this collection does not own forward to it "
                    f"({', '.join(theirs)}): point them elsewhere first"
                )
            users[wanted["name"]] = (listeners, ours)
    diff, result["plan"] = diff_and_plan({name: existing[name] for name in names if name in existing}, desired)
    result["diff"] = diff
    for wanted, current, planned in plans:
        if planned:
            result["actions"][wanted["name"]] = [kind for kind, _value in planned]
        arn = None
        if planned and not module.check_mode:
            arn, waited = apply(module, client, wanted, current, planned, users.get(wanted["name"]))
            result["waited"] += waited
        # A group made (or made again) is returned by its new ARN; another as read (in check mode, a
        # group to replace as it is now, one to create with an empty ARN).
        made = planned[:1] in ([("create", None)], [("replace", None)]) and not module.check_mode
        group = result_group(wanted, None if made else current, arn if made else None)
        result["target_groups"].append(group)
    result["arns"] = {group["name"]: group["arn"] for group in result["target_groups"]}


def ensure_orphans(module, client, existing, result):
    params = module.params
    names = {group["name"] for group in params["groups"]}
    found = orphans(existing, names, params["owned_by"]) if params["owned_by"] else []
    result["orphans"] = found
    if not params["purge"]:
        return
    deleting = []
    for name in found:
        if name in params["keep"]:
            continue
        listeners, ours, theirs = users_of(client, existing[name], params["owner"])
        # A check run plans the delete of a group our own rules still forward to: the real run deletes
        # those rules first (flask_react.aws.alb_listener_rules, before this module).
        if listeners or theirs or (ours and not module.check_mode):
            result["in_use"].append(name)
            module.warn(
                f"target group {name} is kept: listener(s) or rule(s) still forward to it "
                f"({', '.join(listeners + ours + theirs)}); AWS refuses to delete a group in use (ResourceInUse)"
            )
            continue
        deleting.append(name)
    for name in deleting:
        result["actions"][name] = ["delete"]
        result["diff"]["before"][name], result["diff"]["after"][name] = {"target_group_name": name}, {}
        if not module.check_mode:
            result["waited"] += delete_when_free(module, client, name, existing[name]["target_group_arn"])
    result["plan"] += delete_entries(deleting)


def ensure_absent(module, client, existing, result):
    errors = validate(module.params["groups"], "absent")
    if errors:
        raise TargetGroupsError("; ".join(errors))
    deleting = [group["name"] for group in module.params["groups"] if group["name"] in existing]
    for name in deleting:
        result["actions"][name] = ["delete"]
        result["diff"]["before"][name], result["diff"]["after"][name] = {"target_group_name": name}, {}
        if not module.check_mode:
            result["waited"] += delete_when_free(module, client, name, existing[name]["target_group_arn"])
    result["plan"] = delete_entries(deleting)


def run(module, client):
    """Read once, plan, apply; the module's result (with ``diff``)."""
    result = dict(
        target_groups=[],
        arns={},
        actions={},
        plan=[],
        orphans=[],
        in_use=[],
        waited=0,
        diff={"before": {}, "after": {}},
    )
    params = module.params
    names = {group["name"] for group in params["groups"]}
    existing = read(client, names, params["owned_by"] if params["state"] == "present" else None)
    if params["state"] == "absent":
        ensure_absent(module, client, existing, result)
    else:
        ensure_present(module, client, existing, result)
        ensure_orphans(module, client, existing, result)
    return result


def main():
    argument_spec = dict(
        groups=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True, aliases=["target_group"]),
                port=dict(type="int"),
                health_check_path=dict(type="str", default="/"),
            ),
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        protocol=dict(type="str", default="HTTP", choices=["HTTP", "HTTPS"]),
        vpc_id=dict(type="str"),
        target_type=dict(type="str", default="instance", choices=["instance", "ip"]),
        health_check_protocol=dict(type="str", choices=["HTTP", "HTTPS"]),
        health_check_interval=dict(type="int", default=30),
        health_check_timeout=dict(type="int", default=5),
        healthy_threshold_count=dict(type="int", default=5),
        unhealthy_threshold_count=dict(type="int", default=2),
        success_codes=dict(type="str", default="200"),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        owner=dict(type="str", default="flask_react.aws"),
        owned_by=dict(type="dict"),
        purge=dict(type="bool", default=False),
        keep=dict(type="list", elements="str", default=[]),
        delete_timeout=dict(type="int", default=120),
        poll_interval=dict(type="int", default=5),
    )
    module = AppAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[["purge", True, ["owned_by"]]],
    )
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        result = run(module, client)
    except TargetGroupsError as error:
        module.fail_json(msg=str(error))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the target groups")
    else:
        diff = result.pop("diff")
        if module._diff:
            result["diff"] = diff
        module.exit_json(changed=bool(result["actions"]), **result)


if __name__ == "__main__":
    main()
