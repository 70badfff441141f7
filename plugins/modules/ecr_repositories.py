#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecr_repositories
short_description: The ECR repositories of one app, with tags, lifecycle policy and encryption, and the ones it dropped
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Creates, updates or deletes a set of ECR repositories in one run - tag mutability, scan on push,
    encryption at rest, tags and lifecycle policy - and finds the repositories tagged as the app's
    that are no longer in the set, warning about them or deleting them (O(purge)).
  - Why not M(community.aws.ecs_ecr) - it cannot tag a repository; it fails with
    O(encryption_type=KMS) and no key; given a key alias it fails on the second run ("Cannot modify
    repository encryption type") because AWS answers with the key's ARN; and in check mode it answers
    C(skipped) instead of C(changed). This module resolves the key to its ARN (KMS C(DescribeKey))
    before comparing, and compares only what it sets.
  - Every repository is planned before the first write, so a setting ECR cannot change (the
    encryption of an existing repository) fails the run before anything is written.
  - Supports check mode and diff mode.
options:
  names:
    description: The repositories' names.
    type: list
    elements: str
    required: true
  state:
    description: V(present) creates or updates them; V(absent) deletes them.
    type: str
    choices: [present, absent]
    default: present
  image_tag_mutability:
    description: Whether a pushed tag may be pushed again. Left out, unchanged on update; V(mutable) on create.
    type: str
    choices: [mutable, immutable]
  scan_on_push:
    description: Scan every pushed image for known vulnerabilities. Left out, unchanged on update; V(false) on create.
    type: bool
  encryption_type:
    description:
      - Encryption at rest, set when a repository is created; ECR cannot change it later, so a
        difference on an existing repository fails before any write. Left out, not compared.
    type: str
    choices: [AES256, KMS]
  kms_key:
    description:
      - With O(encryption_type=KMS), the key's ID, ARN or alias (C(alias/name)); resolved to its ARN.
        Left out, AWS uses its managed key C(aws/ecr) and any key of an existing repository is accepted.
    type: str
  tags:
    description: Tags of every repository; left out, unchanged.
    type: dict
  purge_tags:
    description: Remove tags not in O(tags).
    type: bool
    default: true
  lifecycle_policy:
    description:
      - The lifecycle policy of every repository, as data; V({}) removes it; left out, unchanged.
    type: dict
  expire_untagged_days:
    description:
      - Shorthand for a O(lifecycle_policy) that expires untagged images this many days after push
        (every re-push of a tag leaves the previous image untagged); V(0) leaves that rule out.
      - With O(keep_tagged_images) too, one policy holds both rules; both V(0) removes the policy.
    type: int
  keep_tagged_images:
    description:
      - Shorthand rule of the same policy - keep at most this many tagged images (the newest by push) and
        expire the older ones (C(tagStatus=tagged), C(tagPatternList=["*"]), C(imageCountMoreThan)); V(0)
        leaves that rule out.
    type: int
  keep_tags:
    description:
      - Tags in use that the count of O(keep_tagged_images) never expires (for example the course's moving
        C(prod)) - each gets a rule of higher priority, and ECR never lets a lower-priority rule expire an
        image that a higher-priority rule's tags match.
    type: list
    elements: str
  owned_by:
    description:
      - "Tags that mark a repository as this app's (for example C({app: flask-react, managed-by: flask_react.aws}))."
      - Repositories whose name starts with O(orphan_prefix), carrying these tags and not in O(names)
        are reported in RV(orphans) with a warning, and deleted with O(purge=true).
    type: dict
  orphan_prefix:
    description: Only repositories whose name starts with this are looked at for O(owned_by) (one tag read each).
    type: str
    default: ""
  purge:
    description: Delete the orphans (with their images). Needs O(owned_by).
    type: bool
    default: false
  force_delete:
    description: With O(state=absent), also delete repositories that still hold images.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The course's repositories, tagged, expiring untagged images after 14 days
  flask_react.aws.ecr_repositories:
    names: [test-driven-client, test-driven-users]
    image_tag_mutability: mutable
    scan_on_push: true
    encryption_type: KMS
    kms_key: alias/ecr-images
    tags: {app: flask-react, managed-by: flask_react.aws}
    expire_untagged_days: 14
    keep_tagged_images: 30
    keep_tags: [prod]
    owned_by: {app: flask-react, managed-by: flask_react.aws}
    orphan_prefix: test-driven-

- name: A lifecycle policy of your own
  flask_react.aws.ecr_repositories:
    names: [test-driven-users]
    lifecycle_policy:
      rules:
        - rulePriority: 1
          selection: {tagStatus: any, countType: imageCountMoreThan, countNumber: 30}
          action: {type: expire}

- name: Delete them, images included
  flask_react.aws.ecr_repositories:
    names: [test-driven-client, test-driven-users]
    state: absent
    force_delete: true
"""

RETURN = r"""
repositories:
  description: The repositories as DescribeRepositories returns them (what would be created, in check mode).
  returned: when state is present
  type: list
  elements: dict
  sample: [{repositoryName: test-driven-users, registryId: "123456789012",
            repositoryArn: "arn:aws:ecr:us-west-1:123456789012:repository/test-driven-users"}]
actions:
  description: Per repository, the changes made (or that would be), for example C(create), C(tag), C(lifecycle).
  returned: always
  type: dict
  sample: {test-driven-users: [tag, lifecycle]}
orphans:
  description: Repositories tagged as this app's (O(owned_by)) that are not in O(names).
  returned: always
  type: list
  elements: str
  sample: [test-driven-admin]
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.ecr_repositories import (
    EcrPlanError,
    image_expiry_policy,
    orphans,
    plan_repository,
    summary,
    summary_after,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import ecr_repositories_plan


def describe(client, name):
    try:
        return client.describe_repositories(aws_retry=True, repositoryNames=[name])["repositories"][0]
    except is_boto3_error_code("RepositoryNotFoundException"):
        return None


def tags_of(client, arn):
    return {tag["Key"]: tag["Value"] for tag in client.list_tags_for_resource(aws_retry=True, resourceArn=arn)["tags"]}


def lifecycle_text(client, name):
    try:
        return client.get_lifecycle_policy(aws_retry=True, repositoryName=name)["lifecyclePolicyText"]
    except is_boto3_error_code("LifecyclePolicyNotFoundException"):
        return None


@AWSRetry.jittered_backoff()
def all_repositories(client, prefix):
    """Every repository of the registry whose name starts with ``prefix`` (paginated, retried)."""
    paginator = client.get_paginator("describe_repositories")
    found = paginator.paginate().build_full_result()["repositories"]
    return [repo for repo in found if repo["repositoryName"].startswith(prefix)]


def resolve_key(module):
    """The KMS key's ARN (aliases and IDs resolved), or None when none is given."""
    key = module.params["kms_key"]
    if not key or module.params["encryption_type"] != "KMS":
        return None
    kms = module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
    return kms.describe_key(aws_retry=True, KeyId=key)["KeyMetadata"]["Arn"]


def apply(client, name, repo, actions):
    """Send the planned actions of one repository; returns the repository after."""
    for kind, value in actions:
        if kind == "create":
            repo = client.create_repository(aws_retry=True, **value)["repository"]
        elif kind == "mutability":
            client.put_image_tag_mutability(aws_retry=True, repositoryName=name, imageTagMutability=value)
        elif kind == "scanning":
            client.put_image_scanning_configuration(
                aws_retry=True, repositoryName=name, imageScanningConfiguration={"scanOnPush": value}
            )
        elif kind == "tag":
            tags = [{"Key": key, "Value": tag} for key, tag in sorted(value.items())]
            client.tag_resource(aws_retry=True, resourceArn=repo["repositoryArn"], tags=tags)
        elif kind == "untag":
            client.untag_resource(aws_retry=True, resourceArn=repo["repositoryArn"], tagKeys=value)
        elif value[0] == "put":
            client.put_lifecycle_policy(aws_retry=True, repositoryName=name, lifecyclePolicyText=value[1])
        else:
            client.delete_lifecycle_policy(aws_retry=True, repositoryName=name)
    return describe(client, name) if actions and actions[0][0] != "create" else repo


def ensure_present(module, client):
    params = module.params
    desired = dict(
        image_tag_mutability=params["image_tag_mutability"],
        scan_on_push=params["scan_on_push"],
        encryption_type=params["encryption_type"],
        kms_key_arn=resolve_key(module),
        tags=params["tags"],
        purge_tags=params["purge_tags"],
        lifecycle_policy=params["lifecycle_policy"],
    )
    if params["expire_untagged_days"] is not None or params["keep_tagged_images"] is not None:
        desired["lifecycle_policy"] = (
            image_expiry_policy(
                params["expire_untagged_days"] or 0, params["keep_tagged_images"] or 0, params["keep_tags"] or ()
            )
            or {}
        )
    # Plan every repository first: nothing is written when one of them cannot be brought in line.
    plans, diff = [], {"before": {}, "after": {}}
    for name in params["names"]:
        current = describe(client, name)
        tags = tags_of(client, current["repositoryArn"]) if current else {}
        policy = lifecycle_text(client, name) if current and desired["lifecycle_policy"] is not None else None
        diff["before"][name] = summary(current, tags, policy)
        diff["after"][name] = summary_after(diff["before"][name], desired)
        try:
            plans.append((name, current, plan_repository(name, desired, current, tags, policy)))
        except EcrPlanError as error:
            module.fail_json(msg=str(error))
    repositories, actions = [], {}
    for name, current, planned in plans:
        actions[name] = [kind for kind, _value in planned]
        if module.check_mode:
            repositories.append(current or planned[0][1])
        else:
            repositories.append(apply(client, name, current, planned))
    return repositories, {name: kinds for name, kinds in actions.items() if kinds}, diff


def ensure_orphans(module, client):
    params = module.params
    if not params["owned_by"]:
        return [], {}
    found = all_repositories(client, params["orphan_prefix"])
    candidates = [repo for repo in found if repo["repositoryName"] not in params["names"]]
    tags = {repo["repositoryName"]: tags_of(client, repo["repositoryArn"]) for repo in candidates}
    names = orphans(params["names"], tags, params["owned_by"])
    if not names:
        return [], {}
    if not params["purge"]:
        module.warn(
            f"ECR repositories tagged as this app's are no longer among its services: {', '.join(names)}. "
            "They are kept; set ecr_purge: true (module option purge) to delete them with their images."
        )
        return names, {}
    if not module.check_mode:
        for name in names:
            client.delete_repository(aws_retry=True, repositoryName=name, force=True)
    return names, {name: ["delete"] for name in names}


def ensure_absent(module, client):
    actions = {}
    for name in module.params["names"]:
        if describe(client, name) is None:
            continue
        actions[name] = ["delete"]
        if not module.check_mode:
            try:
                client.delete_repository(aws_retry=True, repositoryName=name, force=module.params["force_delete"])
            except is_boto3_error_code("RepositoryNotEmptyException") as error:
                module.fail_json_aws(
                    error, msg=f"Repository {name} still holds images: set force_delete to delete them"
                )
    return actions


def main():
    argument_spec = dict(
        names=dict(type="list", elements="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        image_tag_mutability=dict(type="str", choices=["mutable", "immutable"]),
        scan_on_push=dict(type="bool"),
        encryption_type=dict(type="str", choices=["AES256", "KMS"]),
        kms_key=dict(type="str", no_log=False),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        lifecycle_policy=dict(type="dict"),
        expire_untagged_days=dict(type="int"),
        keep_tagged_images=dict(type="int"),
        keep_tags=dict(type="list", elements="str"),
        owned_by=dict(type="dict"),
        orphan_prefix=dict(type="str", default=""),
        purge=dict(type="bool", default=False),
        force_delete=dict(type="bool", default=False),
    )
    module = AppAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["lifecycle_policy", "expire_untagged_days"], ["lifecycle_policy", "keep_tagged_images"]],
    )
    for option in ("expire_untagged_days", "keep_tagged_images"):
        if (module.params[option] or 0) < 0:
            module.fail_json(msg=f"{option}: {module.params[option]} must be 0 or more")
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    result = dict(orphans=[])
    try:
        if module.params["state"] == "absent":
            result["actions"] = ensure_absent(module, client)
        else:
            repositories, actions, diff = ensure_present(module, client)
            orphan_names, orphan_actions = ensure_orphans(module, client)
            actions.update(orphan_actions)
            result.update(repositories=repositories, actions=actions, orphans=orphan_names)
            for name in orphan_actions:
                diff["before"][name], diff["after"][name] = {"repositoryName": name}, {}
            if module._diff:
                result["diff"] = diff
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to manage the ECR repositories")
    result["plan"] = ecr_repositories_plan(result["actions"])
    module.exit_json(changed=bool(result["actions"]), **result)


if __name__ == "__main__":
    main()
