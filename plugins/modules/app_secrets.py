#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: app_secrets
short_description: Secrets Manager secrets whose random value is generated once, for the app's services
version_added: 0.5.0
author: flask_react.aws developers (@flask-react)
description:
  - Makes sure each secret of O(names) exists. A missing one is created with a random value from Secrets
    Manager C(GetRandomPassword) (O(length) characters, letters and digits, punctuation unless
    O(exclude_punctuation)) and the O(tags); an existing one keeps its value for good - a later run never
    generates, compares or writes a value again, whatever O(length) says then. One scheduled for deletion
    (a teardown with a recovery window) is restored, with its value.
  - The module never returns a value, and never reads one (no C(GetSecretValue)).
  - The secrets it looks after are found with one C(ListSecrets) (planned deletions included) of the names
    starting with O(prefix) that carry every tag of O(owned_by), compared exactly (C(ListSecrets) matches
    tags by prefix). A wanted name the list lacks is asked with C(DescribeSecret) (C(ListSecrets) may lag
    behind a secret made minutes ago). A wanted name held by a secret without the O(owned_by) tags fails
    the run - someone else's secret is neither used nor overwritten.
  - The owned secrets not in O(names) are returned as RV(unwanted); with O(purge), they are deleted with a
    recovery window of O(recovery_window) days (V(0) deletes at once, no recovery). O(names=[]) with
    O(purge=true) deletes them all (a teardown).
  - Why a module - M(community.aws.secretsmanager_secret) needs the value given and compares it on every run
    (a new random value each run would overwrite the secret); it cannot generate a value once and keep it,
    nor find the app's secrets by tag.
options:
  names:
    description: The secrets wanted, by name.
    type: list
    elements: str
    required: true
  prefix:
    description: Only secrets whose name starts with this are looked at (the C(ListSecrets) name filter).
    type: str
    required: true
  owned_by:
    description:
      - The tags that mark a secret as one this module generated for the app; put on every secret it creates.
    type: dict
    required: true
  tags:
    description: More tags for the secrets; missing ones are added to existing secrets, others left alone.
    type: dict
  length:
    description:
      - The length of a generated value, 4 to 4096 (C(GetRandomPassword)'s bounds, every type required).
      - Used only on create.
    type: int
    default: 50
  exclude_punctuation:
    description: Generate values of letters and digits only (no shell or URL quoting needed).
    type: bool
    default: true
  description:
    description: Description of a secret the module creates.
    type: str
    default: Generated once by flask_react.aws.app_secrets; read by ECS into the service's environment.
  purge:
    description: Delete the owned secrets that are not in O(names) (see RV(unwanted)).
    type: bool
    default: false
  recovery_window:
    description: Days a deleted secret can be restored (7 to 30), or V(0) to delete it at once without recovery.
    type: int
    default: 7
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the users service's SECRET_KEY, generated once
  flask_react.aws.app_secrets:
    names: [flask-react/users/SECRET_KEY]
    prefix: flask-react/
    owned_by: {app: flask-react, managed-by: flask_react.aws, generated-by: flask_react.aws.app_secrets}
  register: app_secrets

- name: Delete every generated secret of the app, recoverable for 7 days
  flask_react.aws.app_secrets:
    names: []
    prefix: flask-react/
    owned_by: {app: flask-react, managed-by: flask_react.aws, generated-by: flask_react.aws.app_secrets}
    purge: true
    recovery_window: 7
"""

RETURN = r"""
secrets:
  description:
    - Per name of O(names), the secret's full ARN (with the 6-character suffix Secrets Manager adds), as ECS
      wants it in a task definition's C(valueFrom); empty for a secret still to be made in check mode.
  returned: always
  type: dict
  sample:
    flask-react/users/SECRET_KEY: >-
      arn:aws:secretsmanager:us-west-1:123456789012:secret:flask-react/users/SECRET_KEY-a1B2c3
actions:
  description: What was done (or would be in check mode), per secret - V(create), V(restore), V(tag), V(delete).
  returned: always
  type: dict
  sample: {flask-react/users/SECRET_KEY: create}
unwanted:
  description: The owned secrets (not scheduled for deletion) that are not in O(names); with O(purge), deleted.
  returned: always
  type: list
  elements: str
  sample: [flask-react/users/OLD_KEY]
plan:
  description:
    - The plan entries (type C(AWS::SecretsManager::Secret), name, action) of what the run changed or would change.
  returned: always
  type: list
  elements: dict
  sample: [{type: AWS::SecretsManager::Secret, name: flask-react/users/SECRET_KEY, action: create}]
"""

import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.app_secrets import (
    AppSecretsError,
    actions_of,
    check_options,
    delete_request,
    plan_entries,
    plan_secrets,
)
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule

# How long CreateSecret retries a name Secrets Manager still holds after a forced delete (terraform's 2 minutes).
NAME_REUSE_SECONDS = 120
DEFAULT_DESCRIPTION = "Generated once by flask_react.aws.app_secrets; read by ECS into the service's environment."


@AWSRetry.jittered_backoff()
def list_owned(client, prefix, owned_by):
    """The secrets named ``prefix...`` that carry the keys of ``owned_by``, planned deletions included, by name
    (one paginated ListSecrets; the exact tag values are compared by the planner)."""
    filters = [{"Key": "name", "Values": [prefix]}]
    if owned_by:
        filters.append({"Key": "tag-key", "Values": sorted(owned_by)})
    pages = client.get_paginator("list_secrets").paginate(Filters=filters, IncludePlannedDeletion=True)
    return {secret["Name"]: secret for secret in pages.build_full_result().get("SecretList", [])}


def describe(client, name):
    """DescribeSecret of ``name`` (with DeletedDate when scheduled for deletion), or None when there is none."""
    try:
        return client.describe_secret(aws_retry=True, SecretId=name)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def create(module, client, name, tags):
    """Generate a value and create the secret with it; returns its ARN. The value lives only in this function.

    Right after a forced delete, AWS refuses the name for a few seconds with InvalidRequestException
    "...already scheduled for deletion" (the same code means other mistakes, so the message is checked).
    """
    value = client.get_random_password(
        aws_retry=True,
        PasswordLength=module.params["length"],
        ExcludePunctuation=module.params["exclude_punctuation"],
        IncludeSpace=False,
        RequireEachIncludedType=True,
    )["RandomPassword"]
    request = {
        "Name": name,
        "SecretString": value,
        "Description": module.params["description"],
        "Tags": [{"Key": key, "Value": str(item)} for key, item in tags.items()],
    }
    deadline = time.monotonic() + NAME_REUSE_SECONDS
    while True:
        try:
            return client.create_secret(aws_retry=True, **request)["ARN"]
        except is_boto3_error_code("InvalidRequestException") as error:
            if "scheduled for deletion" not in str(error) or time.monotonic() > deadline:
                raise
            module.warn(f"Secret {name} is still being deleted; retrying CreateSecret")
            time.sleep(5)


def read(module, client):
    """The owned secrets under the prefix, and every wanted name the list lacked (DescribeSecret)."""
    params = module.params
    found = list_owned(client, params["prefix"], params["owned_by"])
    for name in params["names"]:
        if name not in found:
            secret = describe(client, name)
            if secret is not None:
                found[name] = secret
    return found


def apply(module, client, planned, tags):
    """Make the plan's writes; returns name -> ARN of the wanted secrets."""
    arns = dict(planned["keep"])
    for name, arn in planned["restore"].items():
        client.restore_secret(aws_retry=True, SecretId=arn)
        arns[name] = arn
    for arn, missing in planned["tag"].values():
        client.tag_resource(aws_retry=True, SecretId=arn, Tags=[{"Key": k, "Value": v} for k, v in missing.items()])
    for name in planned["create"]:
        arns[name] = create(module, client, name, tags)
    for arn in planned["delete"].values():
        try:
            client.delete_secret(aws_retry=True, **delete_request(arn, module.params["recovery_window"]))
        except is_boto3_error_code("InvalidRequestException") as error:
            # ListSecrets lagging behind an earlier delete: the secret is already marked deleted.
            if "marked deleted" not in str(error):
                raise
    return arns


def ensure(module, client):
    """Read, plan and (unless in check mode) apply; the module's result. Raises AppSecretsError, ClientError."""
    params = module.params
    check_options(params["length"], params["recovery_window"])
    # The ownership tags win over app_tags of the same key: they are how the next run finds the secret.
    tags = {**{key: str(value) for key, value in (params["tags"] or {}).items()}, **params["owned_by"]}
    planned = plan_secrets(params["names"], read(module, client), params["owned_by"], tags, params["purge"])
    actions = actions_of(planned)
    # Check mode: no ARN yet for a secret still to be made (the caller plans it by name).
    arns = {**planned["keep"], **planned["restore"]} if module.check_mode else apply(module, client, planned, tags)
    result = {
        "changed": bool(actions),
        "secrets": {name: arns.get(name, "") for name in params["names"]},
        "actions": actions,
        "unwanted": planned["unwanted"],
        "plan": plan_entries(actions),
    }
    if module._diff:
        result["diff"] = {
            "before": {"secrets": sorted(set(planned["keep"]) | set(planned["delete"]))},
            "after": {"secrets": sorted(set(planned["keep"]) | set(planned["restore"]) | set(planned["create"]))},
        }
    return result


def main():
    module = AppAWSModule(
        argument_spec=dict(
            names=dict(type="list", elements="str", required=True),
            prefix=dict(type="str", required=True),
            owned_by=dict(type="dict", required=True),
            tags=dict(type="dict"),
            length=dict(type="int", default=50, no_log=False),
            exclude_punctuation=dict(type="bool", default=True),
            description=dict(type="str", default=DEFAULT_DESCRIPTION),
            purge=dict(type="bool", default=False),
            recovery_window=dict(type="int", default=7),
        ),
        supports_check_mode=True,
    )
    client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
    try:
        result = ensure(module, client)
    except AppSecretsError as error:
        module.fail_json(msg=str(error))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to ensure the app's generated secrets")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
