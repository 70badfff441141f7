# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An IAM user's console login profile, its password kept in Secrets Manager, and the user's access keys:
shared by the modules iam_console_password and iam_group_user. Each function takes the module (its
``user_name``, ``secret_name``, ``length``, ``password_reset_required``, ``description`` and ``tags``)
and the clients; the password is never returned."""

from __future__ import annotations

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.iam_password import (
    MAX_LENGTH,
    MIN_LENGTH,
    random_password_request,
    violations,
)

# How long CreateSecret retries a name still being deleted (terraform's propagation timeout).
NAME_REUSE_SECONDS = 120

# The options of the console password and the access key listing, the same in both modules.
ARGUMENT_SPEC = dict(
    user_name=dict(type="str", required=True),
    secret_name=dict(type="str", required=True),
    length=dict(type="int", default=24, no_log=False),
    password_reset_required=dict(type="bool", default=False, no_log=False),
    description=dict(type="str", default=""),
    tags=dict(type="dict"),
    list_access_keys=dict(type="bool", default=False, no_log=False),
)


def check_length(module):
    """Fail the module when ``length`` is outside IAM's password bounds."""
    if not MIN_LENGTH <= module.params["length"] <= MAX_LENGTH:
        module.fail_json(
            msg=f"length must be {MIN_LENGTH} to {MAX_LENGTH} (IAM's password bounds), got {module.params['length']}"
        )


def iam_retry():
    """The clients' retry: a login profile just deleted or created can answer EntityTemporarilyUnmodifiable
    for a while."""
    return AWSRetry.jittered_backoff(catch_extra_error_codes=["EntityTemporarilyUnmodifiable"])


def get_login_profile(iam, user_name):
    """The user's LoginProfile, or None when it (or the user) does not exist."""
    try:
        return iam.get_login_profile(aws_retry=True, UserName=user_name)["LoginProfile"]
    except is_boto3_error_code("NoSuchEntity"):
        return None


def describe_secret(secrets, name):
    """The secret's description (with C(DeletedDate) when scheduled for deletion), or None when there is none."""
    try:
        return secrets.describe_secret(aws_retry=True, SecretId=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def create_secret(module, secrets, params):
    """CreateSecret, waiting out Secrets Manager's lag after a forced delete of the same name.

    Right after C(DeleteSecret) with no recovery window (a teardown), the name is refused for a
    few seconds with C(InvalidRequestException) "...already scheduled for deletion" (terraform
    retries it for 2 minutes); that error code alone also means other mistakes, so the message is checked.
    """
    deadline = time.monotonic() + NAME_REUSE_SECONDS
    while True:
        try:
            return secrets.create_secret(aws_retry=True, **params)["ARN"]
        except is_boto3_error_code("InvalidRequestException") as error:
            if "scheduled for deletion" not in str(error) or time.monotonic() > deadline:
                raise
            module.warn(f"Secret {params['Name']} is still being deleted; retrying CreateSecret")
            time.sleep(5)


def password_policy(iam):
    """The account password policy, or {} when the account has none."""
    try:
        return iam.get_account_password_policy(aws_retry=True)["PasswordPolicy"]
    except is_boto3_error_code("NoSuchEntity"):
        return {}


def ensure_secret_tags(module, secrets, secret):
    """Add or update the given tags on an existing secret; True when a write was (or would be) made."""
    current = {tag["Key"]: tag["Value"] for tag in secret.get("Tags") or []}
    missing = {
        key: str(value) for key, value in (module.params["tags"] or {}).items() if current.get(key) != str(value)
    }
    if not missing:
        return False
    if not module.check_mode:
        tags = [{"Key": key, "Value": value} for key, value in missing.items()]
        secrets.tag_resource(aws_retry=True, SecretId=secret["ARN"], Tags=tags)
    return True


def stored_password(secrets, secret, policy):
    """The password in the secret when it keeps the policy; else None (and the rules it breaks)."""
    password = secrets.get_secret_value(aws_retry=True, SecretId=secret["ARN"]).get("SecretString") or ""
    broken = violations(password, policy) if password else ["the secret holds no password"]
    return (None, broken) if broken else (password, [])


def store_new_password(module, secrets, secret, policy):
    """Generate a password that keeps ``policy``, store it in the secret; returns (password, ARN)."""
    request = random_password_request(policy, module.params["length"])
    if request["PasswordLength"] > MAX_LENGTH:
        module.fail_json(
            msg=f"The account policy's minimum length {request['PasswordLength']} exceeds IAM's {MAX_LENGTH}"
        )
    password = secrets.get_random_password(aws_retry=True, **request)["RandomPassword"]
    broken = violations(password, policy)
    if broken:
        module.fail_json(
            msg="Secrets Manager generated a password that breaks the account policy: " + "; ".join(broken)
        )
    if secret:
        secrets.put_secret_value(aws_retry=True, SecretId=secret["ARN"], SecretString=password)
        return password, secret["ARN"]
    params = {
        "Name": module.params["secret_name"],
        "SecretString": password,
        "Description": module.params["description"],
    }
    if module.params["tags"]:
        params["Tags"] = [{"Key": key, "Value": str(value)} for key, value in module.params["tags"].items()]
    return password, create_secret(module, secrets, params)


def ensure_login_profile(module, iam, secrets):
    """A login profile for the user, its password in the secret (stored before it is used); returns the result
    keys changed, login_profile, password_generated, actions and secret_arn."""
    user_name, secret_name = module.params["user_name"], module.params["secret_name"]
    secret = describe_secret(secrets, secret_name)
    result = {"changed": False, "login_profile": True, "password_generated": False, "actions": {}}
    if secret and secret.get("DeletedDate"):
        # Kept for recovery after a teardown: restore it, as community.aws.secretsmanager_secret does.
        result["changed"] = True
        result["actions"]["secret"] = "restore"
        if module.check_mode:
            return dict(result, secret_arn=secret["ARN"])
        secrets.restore_secret(aws_retry=True, SecretId=secret["ARN"])
    if secret:
        result["secret_arn"] = secret["ARN"]
        if ensure_secret_tags(module, secrets, secret):
            result["changed"] = True
            result["actions"].setdefault("secret", "update")
        # (A restored secret whose tags are in line is still a change.)
        result["changed"] = result["changed"] or "secret" in result["actions"]
    if get_login_profile(iam, user_name):
        if not secret:
            module.warn(
                f"User {user_name} has a login profile whose password is not in secret {secret_name}; "
                "it is left alone. "
                f"Delete the login profile (aws iam delete-login-profile --user-name {user_name}) to get a new "
                "password kept in the secret."
            )
        return result

    result["actions"]["login_profile"] = "create"
    if secret is None:
        result["actions"]["secret"] = "create"
    if module.check_mode:
        return dict(result, changed=True, password_generated=secret is None)
    policy = password_policy(iam)
    password, broken = stored_password(secrets, secret, policy) if secret else (None, [])
    if broken:
        module.warn(f"The password in {secret_name} cannot be used ({'; '.join(broken)}): a new one replaces it.")
    result.update(changed=True, password_generated=password is None)
    if password is None and secret is not None:
        result["actions"].setdefault("secret", "update")
    if password is None:
        password, result["secret_arn"] = store_new_password(module, secrets, secret, policy)
    iam.create_login_profile(
        aws_retry=True,
        UserName=user_name,
        Password=password,
        PasswordResetRequired=module.params["password_reset_required"],
    )
    return result


def access_keys(iam, user_name):
    """The user's access keys (snake_case, as iam_access_key_info returns them); none for a user still to be made."""
    try:
        pages = iam.get_paginator("list_access_keys").paginate(UserName=user_name).build_full_result()
    except is_boto3_error_code("NoSuchEntity"):
        return []
    return [
        dict(
            access_key_id=key["AccessKeyId"],
            status=key["Status"],
            user_name=key["UserName"],
            create_date=key["CreateDate"].isoformat() if hasattr(key["CreateDate"], "isoformat") else key["CreateDate"],
        )
        for key in pages.get("AccessKeyMetadata", [])
    ]


def remove_login_profile(module, iam):
    """No login profile for the user (the secret is kept)."""
    if not get_login_profile(iam, module.params["user_name"]):
        return {"changed": False, "login_profile": False, "password_generated": False, "actions": {}}
    if not module.check_mode:
        iam.delete_login_profile(aws_retry=True, UserName=module.params["user_name"])
    return {
        "changed": True,
        "login_profile": False,
        "password_generated": False,
        "actions": {"login_profile": "delete"},
    }
