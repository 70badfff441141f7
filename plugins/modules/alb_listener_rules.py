#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: alb_listener_rules
short_description: Own the path-based forward rules of one Application Load Balancer listener
version_added: 0.1.0
author: flask_react.aws developers (@flask-react)
description:
  - Makes the path rules this module owns on one ALB listener equal an ordered list of
    C({paths, target_group}) entries, changing only what differs.
  - Why not M(amazon.aws.elb_application_lb) - it takes the rules exactly as written, one AWS rule
    per entry, and does not split them by AWS's quotas (3 values per condition, 5 wildcards per
    rule), so "forward C(/users*), C(/ping), C(/auth*), C(/doc) and C(/swagger*) to users" is refused;
    it owns every rule of a listener, matched by priority (with O(purge_rules) it deletes the rest),
    so it cannot share a listener with rules made by others; and a change of one path renumbers or
    recreates rules rather than keeping their priorities.
  - Each entry becomes as few rules as AWS's quotas allow. One rule ORs its paths in one
    C(path-pattern) condition (C(PathPatternConfig)), which takes at most 3 values, and a rule takes
    at most 5 wildcards (C(*) and C(?)) across its values, so five paths become two rules, and
    three paths of two wildcards each become two rules. Listed order is evaluation order.
  - Priorities are stable. A re-run with the same input changes nothing; adding, removing or
    moving a path modifies the fewest rules (C(ModifyRule), C(SetRulePriorities)) instead of
    recreating them.
  - Ownership is a tag on each rule (C(flask_react.aws:owner) = O(owner)), so rules made by
    others are never changed, and are deleted only with O(purge_rules=true).
  - All input and the whole plan are validated before any write - path syntax (starts with C(/),
    at most 128 characters of the set AWS allows, at most 5 wildcards), a path in one entry only,
    target groups that exist in the load balancer's VPC, every planned rule within AWS's quotas,
    and the rules of all the load balancer's listeners within the account's quota per load
    balancer (C(rules-per-application-load-balancer) from C(DescribeAccountLimits), 100 unless
    raised; read only when rules are to be created).
  - Supports check mode (returns exactly the operations it would run) and diff mode. In check mode,
    before the load balancer (named by O(load_balancer_name)) or its listener exists, every rule is
    planned as a create, and a target group not made yet is planned by its name (a run makes the
    groups before the rules), so a plan names the rules a run would make.
options:
  listener_arn:
    description: ARN of the listener. Give this, or O(load_balancer_name) and O(port).
    type: str
  load_balancer_name:
    description: Name of the Application Load Balancer whose listener on O(port) to manage.
    type: str
  port:
    description: Port of the listener on O(load_balancer_name).
    type: int
  protocol:
    description: Expected protocol of the listener; the module fails if the listener's differs.
    type: str
    choices: [HTTP, HTTPS]
  rules:
    description:
      - The desired rules, first evaluated first. Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      paths:
        description:
          - Path patterns, for example C(/users*); any number, split into rules of at most 3 values and 5 wildcards.
        type: list
        elements: str
        required: true
      target_group:
        description: Name or ARN of the target group to forward to.
        type: str
        required: true
  state:
    description:
      - V(present) makes the owned rules equal O(rules); V(absent) deletes every rule this owner holds.
    type: str
    choices: [present, absent]
    default: present
  purge_rules:
    description: Also delete rules on this listener that this owner does not own (never the default rule).
    type: bool
    default: false
  owner:
    description: The value of the C(flask_react.aws:owner) tag that marks this module's rules.
    type: str
    default: flask_react.aws
  priority_start:
    description: Lowest priority the module gives its rules; others' rules may sit below it.
    type: int
    default: 1
  priority_step:
    description: Gap between the priorities of appended rules, so a later insert rarely moves a neighbour.
    type: int
    default: 10
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - AWS quotas used - 3 values per condition, 5 wildcards per rule, the account's rules per load balancer
    (100 by default), priorities 1 to 50000.
  - Throttling and transient errors are retried with jittered backoff.
"""

EXAMPLES = r"""
- name: Route the users API paths to its target group (the course's rule, as two AWS rules)
  flask_react.aws.alb_listener_rules:
    load_balancer_name: flask-react-alb
    port: 80
    rules:
      - paths: [/users*, /ping, /auth*, /doc, /swagger*]
        target_group: flask-react-users-tg

- name: Two services on a listener shared with rules someone else owns, above their priorities
  flask_react.aws.alb_listener_rules:
    listener_arn: "{{ listener_arn }}"
    priority_start: 1000
    rules:
      - paths: [/api/*]
        target_group: api-tg
      - paths: [/admin*]
        target_group: "{{ admin_tg_arn }}"

- name: Remove every rule this collection made on the listener
  flask_react.aws.alb_listener_rules:
    load_balancer_name: flask-react-alb
    port: 80
    state: absent
"""

RETURN = r"""
listener_arn:
  description: ARN of the managed listener.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-west-1:123456789012:listener/app/flask-react-alb/50dc6c495c0c9188/f2f7dc8e
rules:
  description: The owned rules as left on the listener, in evaluation order.
  returned: always
  type: list
  elements: dict
  contains:
    priority:
      description: The rule's priority.
      type: int
      sample: 10
    paths:
      description: The rule's path patterns.
      type: list
      elements: str
      sample: [/users*, /ping, /auth*]
    target_group_arn:
      description: ARN of the target group the rule forwards to.
      type: str
      sample: arn:aws:elasticloadbalancing:us-west-1:123456789012:targetgroup/flask-react-users-tg/73e2d6bc24d8a067
    rule_arn:
      description: ARN of the rule; null in check mode for a rule not created yet.
      type: str
operations:
  description: What the module did, or would do in check mode.
  returned: always
  type: dict
  contains:
    delete:
      description: ARNs of deleted rules.
      type: list
      elements: str
    set_priorities:
      description: Rules moved to a new priority, as C({arn, priority}).
      type: list
      elements: dict
    modify:
      description: Rules whose paths or target group changed, as C({arn, paths, target_group_arn}).
      type: list
      elements: dict
    create:
      description: Rules created, as C({priority, paths, target_group_arn}).
      type: list
      elements: dict
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.listener_rules import (
    MAX_RULES_PER_ALB,
    OWNER_TAG,
    ListenerRulesError,
    desired_rules,
    has_changes,
    plan,
    validate_entries,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import rule_entries

TAGS_PER_CALL = 20
RULES_LIMIT = "rules-per-application-load-balancer"


def _paginate(client, operation, result_key, **kwargs):
    """Every page of a DescribeX call, retried (botocore paginators bypass the retry decorator)."""
    items, marker = [], None
    call = getattr(client, operation)
    while True:
        page = call(aws_retry=True, **kwargs, **({"Marker": marker} if marker else {}))
        items.extend(page.get(result_key, []))
        marker = page.get("NextMarker")
        if not marker:
            return items


def find_listener(client, params):
    """Return (listener, load balancer) for the options, or raise ListenerRulesError."""
    if params["listener_arn"]:
        listener = client.describe_listeners(aws_retry=True, ListenerArns=[params["listener_arn"]])["Listeners"][0]
        balancer = client.describe_load_balancers(aws_retry=True, LoadBalancerArns=[listener["LoadBalancerArn"]])
        balancer = balancer["LoadBalancers"][0]
    else:
        if not params["load_balancer_name"] or not params["port"]:
            raise ListenerRulesError("give listener_arn, or load_balancer_name and port")
        balancer = client.describe_load_balancers(aws_retry=True, Names=[params["load_balancer_name"]])
        balancer = balancer["LoadBalancers"][0]
        listeners = _paginate(client, "describe_listeners", "Listeners", LoadBalancerArn=balancer["LoadBalancerArn"])
        listener = next((item for item in listeners if item["Port"] == params["port"]), None)
        if listener is None:
            raise ListenerRulesError(
                f"load balancer {params['load_balancer_name']!r} has no listener on port {params['port']}",
                code="ListenerNotFound",
            )
    if balancer.get("Type", "application") != "application":
        raise ListenerRulesError(f"{balancer['LoadBalancerName']!r} is not an Application Load Balancer")
    if params["protocol"] and listener["Protocol"] != params["protocol"]:
        raise ListenerRulesError(f"the listener's protocol is {listener['Protocol']}, not {params['protocol']}")
    return listener, balancer


def resolve_target_groups(client, entries, vpc_id, check_mode=False):
    """Map each entry's target_group (name or ARN) to an ARN, checking each can take ALB traffic.

    In check mode a group named but not made yet maps to its name (it would be made first).
    """
    wanted = sorted({entry["target_group"] for entry in entries})
    arns = [name for name in wanted if name.startswith("arn:")]
    names = [name for name in wanted if not name.startswith("arn:")]
    found = []
    try:
        if names and check_mode:
            # One missing name fails the whole DescribeTargetGroups: read them all, plan the missing.
            every = _paginate(client, "describe_target_groups", "TargetGroups")
            found += [group for group in every if group["TargetGroupName"] in names]
        elif names:
            found += client.describe_target_groups(aws_retry=True, Names=names)["TargetGroups"]
        if arns:
            found += client.describe_target_groups(aws_retry=True, TargetGroupArns=arns)["TargetGroups"]
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "TargetGroupNotFound":
            raise ListenerRulesError(f"rules: a target group does not exist ({', '.join(wanted)}): {error}") from error
        raise
    mapping = {}
    for group in found:
        label = group["TargetGroupName"]
        # (No VPC to compare with only in check mode, before the load balancer exists.)
        if group.get("TargetType") != "lambda" and vpc_id and group.get("VpcId") != vpc_id:
            raise ListenerRulesError(
                f"rules: target group {label!r} is in VPC {group.get('VpcId')}, not the load balancer's {vpc_id}"
            )
        if group.get("TargetType") != "lambda" and group.get("Protocol") not in ("HTTP", "HTTPS"):
            raise ListenerRulesError(
                f"rules: target group {label!r} uses {group.get('Protocol')}; an ALB forwards HTTP or HTTPS"
            )
        mapping[group["TargetGroupName"]] = group["TargetGroupArn"]
        mapping[group["TargetGroupArn"]] = group["TargetGroupArn"]
    missing = [name for name in wanted if name not in mapping]
    if missing and check_mode and not any(name.startswith("arn:") for name in missing):
        # A run makes the services' target groups before their rules: plan with their names.
        mapping.update({name: name for name in missing})
    elif missing:
        raise ListenerRulesError(f"rules: target group(s) {', '.join(missing)} do not exist")
    return mapping


def _path_forward(rule):
    """(paths, target group ARN) of a rule that only forwards on one path-pattern condition, else (None, None)."""
    conditions, actions = rule.get("Conditions", []), rule.get("Actions", [])
    if len(conditions) != 1 or conditions[0].get("Field") != "path-pattern" or len(actions) != 1:
        return None, None
    config = conditions[0].get("PathPatternConfig") or {}
    paths = config.get("Values") or conditions[0].get("Values")
    action = actions[0]
    if action.get("Type") != "forward" or config.get("RegexValues"):
        return None, None
    target = action.get("TargetGroupArn")
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    if not target and len(groups) == 1:
        target = groups[0]["TargetGroupArn"]
    return (tuple(paths), target) if paths and target else (None, None)


def current_rules(client, listener_arn, owner):
    """The listener's non-default rules as ``{arn, priority, paths, target_group_arn, owned}``."""
    rules = [
        rule for rule in _paginate(client, "describe_rules", "Rules", ListenerArn=listener_arn) if not rule["IsDefault"]
    ]
    tags = {}
    arns = [rule["RuleArn"] for rule in rules]
    for start in range(0, len(arns), TAGS_PER_CALL):
        for description in client.describe_tags(aws_retry=True, ResourceArns=arns[start : start + TAGS_PER_CALL])[
            "TagDescriptions"
        ]:
            tags[description["ResourceArn"]] = {tag["Key"]: tag["Value"] for tag in description.get("Tags", [])}
    result = []
    for rule in rules:
        paths, target = _path_forward(rule)
        result.append(
            {
                "arn": rule["RuleArn"],
                "priority": int(rule["Priority"]),
                "paths": paths,
                "target_group_arn": target,
                "owned": tags.get(rule["RuleArn"], {}).get(OWNER_TAG) == owner,
            }
        )
    return result


NOT_FOUND_CODES = ("LoadBalancerNotFound", "ListenerNotFound")
EMPTY = {"delete": [], "set_priorities": [], "modify": [], "create": []}


def _is_not_found(error):
    """Whether ``error`` says the load balancer or listener does not exist, by its code."""
    if isinstance(error, ListenerRulesError):
        return error.code in NOT_FOUND_CODES
    return error.response.get("Error", {}).get("Code") in NOT_FOUND_CODES


def rules_quota(client, balancer, listener_arn):
    """(the account's rules per load balancer, rules on the balancer's other listeners).

    Read only when a plan creates rules, so a run that changes nothing makes no extra call.
    """
    limits = client.describe_account_limits(aws_retry=True)["Limits"]
    limit = next((int(item["Max"]) for item in limits if item["Name"] == RULES_LIMIT), MAX_RULES_PER_ALB)
    others = 0
    for listener in _paginate(client, "describe_listeners", "Listeners", LoadBalancerArn=balancer["LoadBalancerArn"]):
        if listener["ListenerArn"] != listener_arn:
            rules = _paginate(client, "describe_rules", "Rules", ListenerArn=listener["ListenerArn"])
            others += sum(1 for rule in rules if not rule["IsDefault"])
    return limit, others


def _conditions(paths):
    return [{"Field": "path-pattern", "PathPatternConfig": {"Values": list(paths)}}]


def _actions(target_group_arn):
    return [{"Type": "forward", "TargetGroupArn": target_group_arn}]


def apply(client, listener_arn, operations, owner):
    """Run the plan: delete (frees priorities), move, modify, then create."""
    for arn in operations["delete"]:
        client.delete_rule(aws_retry=True, RuleArn=arn)
    if operations["set_priorities"]:
        client.set_rule_priorities(
            aws_retry=True,
            RulePriorities=[
                {"RuleArn": move["arn"], "Priority": move["priority"]} for move in operations["set_priorities"]
            ],
        )
    for change in operations["modify"]:
        client.modify_rule(
            aws_retry=True,
            RuleArn=change["arn"],
            Conditions=_conditions(change["paths"]),
            Actions=_actions(change["target_group_arn"]),
        )
    created = {}
    for new in operations["create"]:
        rule = client.create_rule(
            aws_retry=True,
            ListenerArn=listener_arn,
            Priority=new["priority"],
            Conditions=_conditions(new["paths"]),
            Actions=_actions(new["target_group_arn"]),
            Tags=[{"Key": OWNER_TAG, "Value": owner}],
        )["Rules"][0]
        created[new["priority"]] = rule["RuleArn"]
    for rule in operations["rules"]:
        rule["rule_arn"] = rule["rule_arn"] or created.get(rule["priority"])


def _shape(rules):
    return [{key: rule[key] for key in ("priority", "paths", "target_group_arn")} for rule in rules]


def main():
    argument_spec = dict(
        listener_arn=dict(type="str"),
        load_balancer_name=dict(type="str"),
        port=dict(type="int"),
        protocol=dict(type="str", choices=["HTTP", "HTTPS"]),
        rules=dict(
            type="list",
            elements="dict",
            options=dict(
                paths=dict(type="list", elements="str", required=True),
                target_group=dict(type="str", required=True),
            ),
        ),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        purge_rules=dict(type="bool", default=False),
        owner=dict(type="str", default="flask_react.aws"),
        priority_start=dict(type="int", default=1),
        priority_step=dict(type="int", default=10),
    )
    module = AppAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("listener_arn", "load_balancer_name")],
        required_one_of=[("listener_arn", "load_balancer_name")],
        required_together=[("load_balancer_name", "port")],
        required_if=[("state", "present", ["rules"])],
    )
    params = module.params
    entries = params["rules"] if params["state"] == "present" else []
    errors = validate_entries(entries)
    if not 1 <= params["priority_start"] <= 50000:
        errors.append(f"priority_start: {params['priority_start']} must be from 1 to 50000")
    if params["priority_step"] < 1:
        errors.append(f"priority_step: {params['priority_step']} must be at least 1")
    if errors:
        module.fail_json(msg="Invalid input: " + "; ".join(errors), errors=errors)

    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    try:
        try:
            listener, balancer = find_listener(client, params)
        except (ListenerRulesError, botocore.exceptions.ClientError) as error:
            # Removing rules from a listener that is already gone is done.
            if params["state"] == "absent" and _is_not_found(error):
                module.exit_json(
                    changed=False, listener_arn=params["listener_arn"], rules=[], operations=EMPTY, plan=[]
                )
            # In check mode before the load balancer exists: a run would make it, then every rule.
            if module.check_mode and params["load_balancer_name"] and _is_not_found(error):
                listener, balancer = {"ListenerArn": None}, {}
            else:
                raise
        target_groups = (
            resolve_target_groups(client, entries, balancer.get("VpcId"), module.check_mode) if entries else {}
        )
        current = current_rules(client, listener["ListenerArn"], params["owner"]) if listener["ListenerArn"] else []
        desired = desired_rules(entries, target_groups)
        options = (params["priority_start"], params["priority_step"], params["purge_rules"])
        operations = plan(desired, current, *options, rules_limit=None)
        if operations["create"] and listener["ListenerArn"]:
            # New rules count against the account's quota for the whole load balancer.
            limit, others = rules_quota(client, balancer, listener["ListenerArn"])
            operations = plan(desired, current, *options, rules_limit=limit, others=others)
        changed = has_changes(operations)
        if changed and not module.check_mode:
            apply(client, listener["ListenerArn"], operations, params["owner"])
    except ListenerRulesError as error:
        module.fail_json(msg=str(error))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the listener's rules")

    before = sorted((rule for rule in current if rule["owned"]), key=lambda rule: rule["priority"])
    result = dict(
        changed=changed, listener_arn=listener["ListenerArn"], rules=operations.pop("rules"), operations=operations
    )
    # Each rule named by its listener (<load balancer>:<port>) and paths.
    listener_name = (
        f"{params['load_balancer_name']}:{params['port']}" if params["load_balancer_name"] else params["listener_arn"]
    )
    result["plan"] = rule_entries(operations, listener_name)
    if module._diff:
        result["diff"] = {"before": {"rules": _shape(before)}, "after": {"rules": _shape(result["rules"])}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
