#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_roles
short_description: IAM roles with their trust policy, managed and inline policies and tags, several in one module run
version_added: 0.4.0
author: flask_react.aws developers (@flask-react)
description:
  - Makes, updates or deletes the IAM roles O(roles) names, each with its trust policy, managed
    policies, tags and inline policies, and puts or deletes the inline policies O(policies) names on
    roles made elsewhere. Nothing is written when the role already says the same; policy documents
    are compared as JSON (as M(amazon.aws.iam_role) compares them, on the decoded documents IAM returns).
  - Why not M(amazon.aws.iam_role) and M(amazon.aws.iam_policy) - one role or one policy per module run
    (a role with two inline policies took three runs), and in check mode M(amazon.aws.iam_policy) fails for
    a role that does not exist yet. Here, in check mode, a role still to be made is planned as a create
    and each of its inline policies as a create too.
  - A new role is returned as soon as IAM made it. IAM takes seconds to let a service assume a new
    role; the module that hands the role to the service waits for that (M(flask_react.aws.codebuild_project)
    retries for O(flask_react.aws.codebuild_project#module:iam_propagation_timeout) seconds,
    M(flask_react.aws.ecs_app_service) retries ECS's answers), as with M(amazon.aws.iam_role), which does not
    wait either.
  - No instance profile is made (M(amazon.aws.iam_role)'s C(create_instance_profile=false)); deleting a role
    removes it from its instance profiles (and deletes a profile named like the role), detaches its managed
    policies and deletes its inline policies first.
  - Returns C(plan), one C(AWS::IAM::Role) entry per role it creates, updates or deletes, then one
    C(AWS::IAM::Policy) entry C(<role>/<policy>) per inline policy (a deleted role's too), and with
    C(--diff) the roles and documents before and after.
  - Supports check mode.
options:
  roles:
    description: The roles this module owns.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The role's name.
        type: str
        required: true
      state:
        description: V(absent) deletes the role with its policies.
        type: str
        choices: [present, absent]
        default: present
      assume_role_policy_document:
        description:
          - The trust policy (JSON text or a mapping). Needed to make the role; a changed one is updated.
          - Left out, an existing role's trust policy is left alone.
        type: raw
      description:
        description: The role's description; left out, left alone.
        type: str
      path:
        description: The role's path, when it is made (IAM cannot change it).
        type: str
        default: /
      managed_policies:
        description:
          - ARNs of the managed policies attached to the role. Left out, the attached policies are left alone.
        type: list
        elements: str
      purge_policies:
        description: Detach the managed policies O(roles[].managed_policies) does not list.
        type: bool
        default: true
      tags:
        description: The role's tags; left out, left alone.
        type: dict
      purge_tags:
        description: Remove the tags O(roles[].tags) does not list.
        type: bool
        default: true
      inline_policies:
        description: Inline policies of the role; the role's other inline policies are left alone.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: The policy's name.
            type: str
            required: true
          document:
            description:
              - The policy document (JSON text or a mapping); needed when O(roles[].inline_policies[].state=present).
            type: raw
          state:
            description: V(absent) deletes the policy.
            type: str
            choices: [present, absent]
            default: present
  policies:
    description:
      - Inline policies of roles made elsewhere (for example another role's service role). In check mode, a
        policy of a role still to be made is planned as a create; in a real run the role must exist (a policy
        to delete from a missing role is nothing to do).
    type: list
    elements: dict
    default: []
    suboptions:
      role:
        description: The role's name.
        type: str
        required: true
      name:
        description: The policy's name.
        type: str
        required: true
      document:
        description: The policy document (JSON text or a mapping); needed when O(policies[].state=present).
        type: raw
      state:
        description: V(absent) deletes the policy.
        type: str
        choices: [present, absent]
        default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the build's service role with its logs policy, and give another role a deploy policy
  flask_react.aws.iam_roles:
    roles:
      - name: flask-react-build-role
        assume_role_policy_document:
          Version: "2012-10-17"
          Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {Service: codebuild.amazonaws.com}}]
        managed_policies: []
        tags: {app: flask-react}
        inline_policies:
          - name: flask-react-build-logs
            document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: logs:PutLogEvents, Resource: "*"}]}
          - name: flask-react-build-dockerhub
            state: absent
    policies:
      - role: some-other-role
        name: flask-react-ecs-deploy
        document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: ecs:UpdateService, Resource: "*"}]}

- name: Delete a role with its policies
  flask_react.aws.iam_roles:
    roles:
      - name: flask-react-events-build-role
        state: absent
"""

RETURN = r"""
plan:
  description: One entry per role created, updated or deleted, then one per inline policy.
  returned: always
  type: list
  elements: dict
  sample: [{"type": "AWS::IAM::Role", "name": "flask-react-build-role", "action": "create"},
           {"type": "AWS::IAM::Policy", "name": "flask-react-build-role/flask-react-build-logs", "action": "create"}]
roles:
  description:
    - Per role of O(roles) and O(policies), after the run, its ARN (empty for a role still to be made in check
      mode, or deleted), whether it exists, and its inline policies' names.
  returned: always
  type: dict
  sample: {"flask-react-build-role": {"arn": "arn:aws:iam::123456789012:role/flask-react-build-role",
           "exists": true, "inline_policies": ["flask-react-build-logs"]}}
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

import json

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.iam_roles import IamRolesError, plan_entries, plan_role


@AWSRetry.jittered_backoff()
def _paginate(client, method, key, **kwargs):
    return client.get_paginator(method).paginate(**kwargs).build_full_result()[key]


def read_role(client, desired):
    """The role's current state (see module_utils/iam_roles.py), or None when it does not exist."""
    name = desired["name"]
    try:
        role = client.get_role(aws_retry=True, RoleName=name)["Role"]
    except is_boto3_error_code("NoSuchEntity"):
        return None
    absent = desired.get("state") == "absent"
    current = {
        "arn": role["Arn"],
        "trust": role.get("AssumeRolePolicyDocument") or {},
        "description": role.get("Description") or "",
        "tags": {tag["Key"]: tag["Value"] for tag in role.get("Tags") or []},
        "managed": None,
    }
    if desired.get("manage", True) and (absent or desired.get("managed_policies") is not None):
        current["managed"] = [
            policy["PolicyArn"]
            for policy in _paginate(client, "list_attached_role_policies", "AttachedPolicies", RoleName=name)
        ]
    names = _paginate(client, "list_role_policies", "PolicyNames", RoleName=name)
    wanted = {
        policy["name"] for policy in desired.get("inline_policies") or [] if policy.get("state", "present") == "present"
    }
    current["inline"] = {
        policy: (
            client.get_role_policy(aws_retry=True, RoleName=name, PolicyName=policy)["PolicyDocument"]
            if policy in wanted
            else None
        )
        for policy in names
    }
    return current


def desired_roles(params):
    """The roles of ``roles``, then the roles ``policies`` names (manage false), each once, in order."""
    found = {}
    for role in params["roles"] or []:
        if role["name"] in found:
            raise IamRolesError(f"roles: {role['name']} is named twice")
        found[role["name"]] = dict(role, manage=True, inline_policies=list(role.get("inline_policies") or []))
    for policy in params["policies"] or []:
        role = found.setdefault(policy["role"], {"name": policy["role"], "manage": False, "inline_policies": []})
        if role.get("state") == "absent":
            raise IamRolesError(f"policies: {policy['role']}/{policy['name']} is a policy of a role this run deletes")
        role["inline_policies"].append({k: policy[k] for k in ("name", "document", "state")})
    return list(found.values())


def _remove_from_instance_profiles(client, name):
    profiles = _paginate(client, "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name)
    for profile in profiles:
        client.remove_role_from_instance_profile(
            aws_retry=True, InstanceProfileName=profile["InstanceProfileName"], RoleName=name
        )
        if profile["InstanceProfileName"] == name:
            client.delete_instance_profile(aws_retry=True, InstanceProfileName=name)


def apply(client, desired, current, steps):
    """Sends the writes of one role's steps; returns the role's ARN after them."""
    name = desired["name"]
    arn = (current or {}).get("arn", "")
    if steps["role"] == "delete":
        _remove_from_instance_profiles(client, name)
    if steps["role"] == "create":
        made = steps["create"]
        kwargs = dict(RoleName=name, Path=made["path"], AssumeRolePolicyDocument=json.dumps(made["trust"]))
        if made["description"]:
            kwargs["Description"] = made["description"]
        if made["tags"]:
            kwargs["Tags"] = [{"Key": key, "Value": value} for key, value in sorted(made["tags"].items())]
        arn = client.create_role(aws_retry=True, **kwargs)["Role"]["Arn"]
    if steps["trust"] is not None:
        client.update_assume_role_policy(aws_retry=True, RoleName=name, PolicyDocument=json.dumps(steps["trust"]))
    if steps["description"] is not None:
        client.update_role(aws_retry=True, RoleName=name, Description=steps["description"])
    if steps["untag"]:
        client.untag_role(aws_retry=True, RoleName=name, TagKeys=steps["untag"])
    if steps["tag"]:
        client.tag_role(
            aws_retry=True, RoleName=name, Tags=[{"Key": k, "Value": v} for k, v in sorted(steps["tag"].items())]
        )
    for policy_arn in steps["detach"]:
        client.detach_role_policy(aws_retry=True, RoleName=name, PolicyArn=policy_arn)
    for policy_arn in steps["attach"]:
        client.attach_role_policy(aws_retry=True, RoleName=name, PolicyArn=policy_arn)
    for policy, document, action in steps["policies"]:
        if action == "delete":
            client.delete_role_policy(aws_retry=True, RoleName=name, PolicyName=policy)
        else:
            client.put_role_policy(
                aws_retry=True, RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(document, sort_keys=True)
            )
    if steps["role"] == "delete":
        client.delete_role(aws_retry=True, RoleName=name)
        return ""
    return arn


def _summary(desired, current, steps, after):
    """What the role looks like (before: ``current``; after: ``after`` true) for the diff."""
    if not after:
        if current is None:
            return {}
        return {
            "trust": current["trust"],
            "managed_policies": sorted(current["managed"] or []) if current["managed"] is not None else None,
            "tags": current["tags"],
            "inline_policies": {
                p: current["inline"][p] for p, _doc, _action in steps["policies"] if p in current["inline"]
            },
        }
    if steps["role"] == "delete":
        return {}
    made = steps["create"] or {}
    before = _summary(desired, current, steps, False) if current is not None else {}
    managed = before.get("managed_policies")
    if managed is not None or steps["attach"]:
        managed = sorted((set(managed or []) - set(steps["detach"])) | set(steps["attach"]))
    tags = dict(made.get("tags") or before.get("tags") or {}, **steps["tag"])
    return {
        "trust": steps["trust"] or made.get("trust") or before.get("trust"),
        "managed_policies": managed,
        "tags": {k: v for k, v in tags.items() if k not in steps["untag"]},
        "inline_policies": {p: doc for p, doc, action in steps["policies"] if action != "delete"},
    }


def ensure(module, client):
    """Returns (changed, plan, diff, roles). Every role is read and planned before the first write, so a
    broken input (a missing role for a policy, a bad document) fails with nothing written."""
    planned, roles, before, after = [], {}, {}, {}
    found = []
    for desired in desired_roles(module.params):
        name = desired["name"]
        current = read_role(client, desired)
        steps = plan_role(desired, current)
        missing = current is None and not desired["manage"] and not module.check_mode
        if missing and any(action != "delete" for _p, _d, action in steps["policies"]):
            raise IamRolesError(f"IAM role {name} does not exist: make it before its inline policies")
        found.append((desired, current, steps))
        planned.append((name, steps))
    for desired, current, steps in found:
        name = desired["name"]
        changed = bool(steps["role"] or steps["policies"])
        if changed:
            before[name] = _summary(desired, current, steps, False)
            after[name] = _summary(desired, current, steps, True)
        arn = (current or {}).get("arn", "")
        if changed and not module.check_mode:
            arn = apply(client, desired, current, steps)
        elif steps["role"] == "delete":
            arn = ""
        inline = set((current or {}).get("inline") or {})
        inline |= {p for p, _d, action in steps["policies"] if action != "delete"}
        inline -= {p for p, _d, action in steps["policies"] if action == "delete"}
        exists = (current is not None or steps["role"] == "create") and steps["role"] != "delete"
        roles[name] = {"arn": arn, "exists": exists, "inline_policies": sorted(inline) if exists else []}
    entries = plan_entries(planned)
    return bool(entries), entries, {"before": before, "after": after}, roles


def main():
    policy_options = dict(
        name=dict(type="str", required=True),
        document=dict(type="raw"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AppAWSModule(
        argument_spec=dict(
            roles=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    state=dict(type="str", choices=["present", "absent"], default="present"),
                    assume_role_policy_document=dict(type="raw"),
                    description=dict(type="str"),
                    path=dict(type="str", default="/"),
                    managed_policies=dict(type="list", elements="str"),
                    purge_policies=dict(type="bool", default=True),
                    tags=dict(type="dict"),
                    purge_tags=dict(type="bool", default=True),
                    inline_policies=dict(type="list", elements="dict", default=[], options=policy_options),
                ),
            ),
            policies=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(role=dict(type="str", required=True), **policy_options),
            ),
        ),
        supports_check_mode=True,
    )
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    try:
        changed, planned, diff, roles = ensure(module, client)
    except IamRolesError as error:
        module.fail_json(msg=str(error))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the IAM roles")
    result = dict(changed=changed, plan=planned, roles=roles)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
