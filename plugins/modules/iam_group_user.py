#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_group_user
short_description: An IAM user in a group with managed policies, its console password kept in Secrets Manager
version_added: 0.5.0
author: flask_react.aws developers (@flask-react)
description:
  - Makes sure the IAM user exists, that the group exists with exactly O(group_managed_policies) attached, and
    that the user is a member of the group; then, as M(flask_react.aws.iam_console_password) does, that the user
    has a console login profile whose password is kept in a Secrets Manager secret (O(console_access=true)) or
    has none (O(console_access=false)). It can also list the user's access keys (O(list_access_keys)).
  - A new user is waited for (C(GetUser)) before its group membership and login profile are written, as
    M(amazon.aws.iam_user) does.
  - The user's tags given in O(user_tags) are added or updated; other tags are left alone. The group's other
    members are left alone; a managed policy attached to the group but not listed is detached.
  - For the console password (generated to keep the account password policy, stored before it is used, an
    existing login profile left alone), see M(flask_react.aws.iam_console_password).
  - Why a module - M(amazon.aws.iam_user), M(amazon.aws.iam_group) and M(flask_react.aws.iam_console_password)
    do this in three module runs; with Ansible's default strategy each is a new Python process that imports
    boto3 again, about a second each. This module does it in one.
  - The password is never returned.
options:
  user_tags:
    description: Tags of the user; keys given are added or updated, others are left alone.
    type: dict
  group_name:
    description: The IAM group the user is a member of.
    type: str
    required: true
  group_managed_policies:
    description: ARNs of the managed policies attached to the group; the list is authoritative.
    type: list
    elements: str
    default: []
  console_access:
    description: Whether the user has a console login profile, its password kept in O(secret_name).
    type: bool
    default: true
  secret_name:
    description: Name of the Secrets Manager secret that keeps the console password.
    type: str
    required: true
  list_access_keys:
    description: Also return the user's access keys (RV(access_keys), one C(ListAccessKeys) call).
    type: bool
    default: false
extends_documentation_fragment:
  - flask_react.aws.console_password
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the admin user in the admins group, with console access and its password in Secrets Manager
  flask_react.aws.iam_group_user:
    user_name: flask-react-admin
    user_tags: {app: flask-react}
    group_name: flask-react-admins
    group_managed_policies:
      - arn:aws:iam::aws:policy/AdministratorAccess
    secret_name: flask-react/iam/flask-react-admin/console-password
    list_access_keys: true
  register: admin

- name: The same user without console access
  flask_react.aws.iam_group_user:
    user_name: flask-react-admin
    group_name: flask-react-admins
    group_managed_policies:
      - arn:aws:iam::aws:policy/AdministratorAccess
    secret_name: flask-react/iam/flask-react-admin/console-password
    console_access: false
"""

RETURN = r"""
user:
  description: The user (in check mode, for a user still to be made, only its name).
  returned: always
  type: dict
  sample: {user_name: flask-react-admin, arn: "arn:aws:iam::123456789012:user/flask-react-admin",
           user_id: AIDA0123456789EXAMPLE, path: /}
group:
  description: The group (in check mode, for a group still to be made, only its name).
  returned: always
  type: dict
  sample: {group_name: flask-react-admins, arn: "arn:aws:iam::123456789012:group/flask-react-admins"}
secret_arn:
  description: ARN of the secret that keeps the password (when it exists).
  returned: when the secret exists or was created
  type: str
  sample: arn:aws:secretsmanager:us-west-1:123456789012:secret:flask-react/iam/flask-react-admin/console-password-AbCdEf
login_profile:
  description: Whether the user has a login profile after the run.
  returned: always
  type: bool
password_generated:
  description: Whether a new password was generated and stored in the secret in this run.
  returned: always
  type: bool
access_keys:
  description:
    - With O(list_access_keys), the user's access keys as M(amazon.aws.iam_access_key_info) returns them (no
      secret); empty when the user does not exist yet.
  returned: when O(list_access_keys=true)
  type: list
  elements: dict
  sample: [{access_key_id: AKIA0123456789EXAMPLE, status: Active, user_name: flask-react-admin,
            create_date: "2026-12-06T04:00:00+00:00"}]
actions:
  description:
    - What was done (or would be, in check mode) to the C(user) (C(create), C(update)), the C(group) (C(create),
      C(update)), the C(secret) (C(create), C(restore), C(update)) and the C(login_profile) (C(create), C(delete));
      a key is missing when nothing was done to it.
  returned: always
  type: dict
  sample: {user: create, group: create, secret: create, login_profile: create}
plan:
  description: The plan entries of what was done (or would be, in check mode), as the plan role lists them.
  returned: always
  type: list
  elements: dict
  sample: [{type: "AWS::IAM::User", name: flask-react-admin, action: create}]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.iam_console import (
    ARGUMENT_SPEC,
    access_keys,
    check_length,
    ensure_login_profile,
    iam_retry,
    remove_login_profile,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import group_user_plan


def get_user(iam, user_name):
    try:
        return iam.get_user(aws_retry=True, UserName=user_name)["User"]
    except is_boto3_error_code("NoSuchEntity"):
        return None


def get_group(iam, group_name):
    """The group and its members' names, or (None, []) when there is no group."""
    try:
        found = iam.get_paginator("get_group").paginate(GroupName=group_name).build_full_result()
    except is_boto3_error_code("NoSuchEntity"):
        return None, []
    return found["Group"], [user["UserName"] for user in found.get("Users", [])]


def user_info(user):
    return {"user_name": user["UserName"], "arn": user["Arn"], "user_id": user["UserId"], "path": user["Path"]}


def ensure_user(module, iam, actions):
    """The user, made (and waited for) or its missing tags added; returns its description."""
    user_name, tags = module.params["user_name"], module.params["user_tags"] or {}
    user = get_user(iam, user_name)
    if user is None:
        actions["user"] = "create"
        if module.check_mode:
            return {"user_name": user_name}
        params = {"UserName": user_name}
        if tags:
            params["Tags"] = [{"Key": key, "Value": str(value)} for key, value in tags.items()]
        user = iam.create_user(aws_retry=True, **params)["User"]
        # IAM is eventually consistent: the group membership and login profile need the user visible.
        iam.get_waiter("user_exists").wait(UserName=user_name, WaiterConfig={"Delay": 2, "MaxAttempts": 30})
        return user_info(user)
    current = {tag["Key"]: tag["Value"] for tag in user.get("Tags") or []}
    missing = {key: str(value) for key, value in tags.items() if current.get(key) != str(value)}
    if missing:
        actions["user"] = "update"
        if not module.check_mode:
            iam.tag_user(aws_retry=True, UserName=user_name, Tags=[{"Key": k, "Value": v} for k, v in missing.items()])
    return user_info(user)


def ensure_group(module, iam, actions):
    """The group with exactly the listed managed policies, the user among its members; returns its description."""
    group_name, user_name = module.params["group_name"], module.params["user_name"]
    wanted = module.params["group_managed_policies"]
    group, members = get_group(iam, group_name)
    if group is None:
        actions["group"] = "create"
        attached = []
        if not module.check_mode:
            group = iam.create_group(aws_retry=True, GroupName=group_name)["Group"]
    else:
        pages = iam.get_paginator("list_attached_group_policies").paginate(GroupName=group_name).build_full_result()
        attached = [policy["PolicyArn"] for policy in pages.get("AttachedPolicies", [])]
    attach = [arn for arn in wanted if arn not in attached]
    detach = [arn for arn in attached if arn not in wanted]
    join = user_name not in members
    if (attach or detach or join) and "group" not in actions:
        actions["group"] = "update"
    if not module.check_mode:
        for arn in attach:
            iam.attach_group_policy(aws_retry=True, GroupName=group_name, PolicyArn=arn)
        for arn in detach:
            iam.detach_group_policy(aws_retry=True, GroupName=group_name, PolicyArn=arn)
        if join:
            iam.add_user_to_group(aws_retry=True, GroupName=group_name, UserName=user_name)
    if group is None:
        return {"group_name": group_name}
    return {"group_name": group["GroupName"], "arn": group["Arn"]}


def main():
    module = AppAWSModule(
        argument_spec=dict(
            ARGUMENT_SPEC,
            user_tags=dict(type="dict"),
            group_name=dict(type="str", required=True),
            group_managed_policies=dict(type="list", elements="str", default=[]),
            console_access=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    check_length(module)
    retry = iam_retry()
    iam = module.client("iam", retry_decorator=retry)
    actions = {}
    try:
        user = ensure_user(module, iam, actions)
        group = ensure_group(module, iam, actions)
        if params["console_access"]:
            result = ensure_login_profile(module, iam, module.client("secretsmanager", retry_decorator=retry))
        else:
            result = remove_login_profile(module, iam)
        if params["list_access_keys"]:
            result["access_keys"] = access_keys(iam, params["user_name"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(
            error, msg=f"Failed to ensure IAM user {params['user_name']} in group {params['group_name']}"
        )
    actions.update(result.get("actions") or {})
    result.update(
        changed=result["changed"] or bool(actions),
        user=user,
        group=group,
        actions=actions,
        plan=group_user_plan(params["user_name"], params["group_name"], params["secret_name"], actions),
    )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
