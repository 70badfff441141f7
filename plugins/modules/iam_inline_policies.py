#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_inline_policies
short_description: Several inline policies of IAM roles, in one module run, with check mode before the role exists
version_added: 0.3.0
author: flask_react.aws developers (@flask-react)
description:
  - Puts or deletes the inline policies O(policies) names, each on its role, and leaves every other
    inline policy of those roles alone. A policy whose document already says the same (compared as
    M(amazon.aws.iam_policy) compares them) is not written again.
  - Why not M(amazon.aws.iam_policy) - it takes one policy per module run, and in check mode it fails
    for a role that does not exist yet (C(NoSuchEntity)), so a check run of a new stack had to skip it.
    Here, in check mode, a policy of a role still to be made is planned as a create; in a real run the
    role must exist (a policy to delete from a missing role is nothing to do).
  - Returns C(plan), one C(AWS::IAM::Policy) entry C(<role>/<policy>) per policy it creates, updates or
    deletes, and with C(--diff) the documents before and after.
  - Supports check mode.
options:
  policies:
    description: The inline policies.
    type: list
    elements: dict
    required: true
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
- name: Let the build role write its logs, and remove its Docker Hub policy
  flask_react.aws.iam_inline_policies:
    policies:
      - role: flask-react-build-role
        name: flask-react-build-logs
        document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: logs:PutLogEvents, Resource: "*"}]}
      - role: flask-react-build-role
        name: flask-react-build-dockerhub
        state: absent
"""

RETURN = r"""
plan:
  description: One entry per policy created, updated or deleted.
  returned: always
  type: list
  elements: dict
  sample: [{"type": "AWS::IAM::Policy", "name": "flask-react-build-role/flask-react-build-logs", "action": "create"}]
policies:
  description: Per role, its inline policies' names after the run (none for a role still to be made).
  returned: always
  type: dict
  sample: {"flask-react-build-role": ["flask-react-build-ecr", "flask-react-build-logs"]}
"""

import json

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.plan import entry


@AWSRetry.jittered_backoff()
def list_policies(client, role):
    """The role's inline policy names; None when the role does not exist."""
    try:
        paginator = client.get_paginator("list_role_policies")
        return paginator.paginate(RoleName=role).build_full_result()["PolicyNames"]
    except is_boto3_error_code("NoSuchEntity"):
        return None


def document_of(value):
    return json.loads(value) if isinstance(value, str) else value


def ensure(module, client):
    """Returns (changed, plan, diff, policies-by-role)."""
    planned, before, after, names = [], {}, {}, {}
    for policy in module.params["policies"]:
        role, name, state = policy["role"], policy["name"], policy["state"]
        key = f"{role}/{name}"
        if role not in names:
            names[role] = list_policies(client, role)
        existing = names[role]
        if state == "absent":
            if existing and name in existing:
                before[key], after[key] = {"exists": True}, {}
                planned.append(entry("AWS::IAM::Policy", key, "delete"))
                if not module.check_mode:
                    client.delete_role_policy(aws_retry=True, RoleName=role, PolicyName=name)
                existing.remove(name)
            continue
        if policy["document"] is None:
            module.fail_json(msg=f"policies: {key} needs a document (state present)")
        desired = document_of(policy["document"])
        if existing is None and not module.check_mode:
            module.fail_json(msg=f"IAM role {role} does not exist: make it before its inline policy {name}")
        current = None
        if existing and name in existing:
            current = client.get_role_policy(aws_retry=True, RoleName=role, PolicyName=name)["PolicyDocument"]
            if not compare_policies(current, desired):
                continue
        planned.append(entry("AWS::IAM::Policy", key, "update" if current is not None else "create"))
        before[key], after[key] = current or {}, desired
        if not module.check_mode:
            client.put_role_policy(
                aws_retry=True, RoleName=role, PolicyName=name, PolicyDocument=json.dumps(desired, sort_keys=True)
            )
        if existing is not None and name not in existing:
            existing.append(name)
    return bool(planned), planned, {"before": before, "after": after}, {r: sorted(n or []) for r, n in names.items()}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            policies=dict(
                type="list",
                elements="dict",
                required=True,
                options=dict(
                    role=dict(type="str", required=True),
                    name=dict(type="str", required=True),
                    document=dict(type="raw"),
                    state=dict(type="str", choices=["present", "absent"], default="present"),
                ),
            )
        ),
        supports_check_mode=True,
    )
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    try:
        changed, planned, diff, policies = ensure(module, client)
    except (ValueError, TypeError) as error:
        module.fail_json(msg=f"policies: a document is not a JSON policy ({error})")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the roles' inline policies")
    result = dict(changed=changed, plan=planned, policies=policies)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
