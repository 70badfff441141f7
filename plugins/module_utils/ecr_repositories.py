# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning of flask_react.aws.ecr_repositories: what to change on each repository, which are orphans.

No client, no module: (desired, current) data in, actions out, so every rule is unit-tested.
"""

from __future__ import annotations

import json


class EcrPlanError(ValueError):
    """A desired setting AWS cannot apply to an existing repository; the message says what to do."""


def untagged_expiry_policy(days):
    """The lifecycle policy that expires untagged images ``days`` after they were pushed (None for 0)."""
    return image_expiry_policy(days)


def image_expiry_policy(untagged_days, keep_images=0, keep_tags=()):
    """The lifecycle policy of a repository (None when it has no rule): ECR User Guide, "Lifecycle policies".

    - ``untagged_days``: untagged images (every re-push of a moving tag leaves one) expire that many
      days after push;
    - ``keep_images``: at most that many tagged images stay (the newest by push time); the older expire.
      ``tagStatus: tagged`` needs a ``tagPatternList``, and ``["*"]`` matches every tag;
    - ``keep_tags``: the moving tags in use (the course's ``prod``) are never expired by the count:
      they get their own rule of a higher priority (a lower ``rulePriority``), and ECR never lets a
      lower-priority rule expire an image that matches a higher-priority rule's tags. That rule keeps
      one image per tag, the only one a tag can name, so it expires nothing itself.
    """
    rules = []
    if keep_images:
        for tag in sorted(set(keep_tags or ())):
            rules.append(
                {
                    "description": f"Keep the image tagged {tag} (in use), whatever the count below",
                    "selection": {
                        "tagStatus": "tagged",
                        "tagPatternList": [tag],
                        "countType": "imageCountMoreThan",
                        "countNumber": 1,
                    },
                }
            )
    if untagged_days:
        rules.append(
            {
                "description": f"Expire untagged images {untagged_days} days after push",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": untagged_days,
                },
            }
        )
    if keep_images:
        rules.append(
            {
                "description": f"Keep the {keep_images} newest tagged images",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": keep_images,
                },
            }
        )
    if not rules:
        return None
    return {
        "rules": [
            dict(rule, rulePriority=priority, action={"type": "expire"}) for priority, rule in enumerate(rules, 1)
        ]
    }


def create_request(name, desired):
    """The CreateRepository body (tags included, so a new repository is tagged in the same call)."""
    request = {
        "repositoryName": name,
        "imageTagMutability": (desired["image_tag_mutability"] or "mutable").upper(),
        "imageScanningConfiguration": {"scanOnPush": bool(desired["scan_on_push"])},
        "encryptionConfiguration": {"encryptionType": desired["encryption_type"] or "AES256"},
    }
    if desired["kms_key_arn"]:
        request["encryptionConfiguration"]["kmsKey"] = desired["kms_key_arn"]
    if desired["tags"]:
        request["tags"] = [{"Key": key, "Value": str(value)} for key, value in sorted(desired["tags"].items())]
    return request


def check_encryption(name, desired, current):
    """Raise EcrPlanError when the repository's encryption differs: ECR cannot change it after creation."""
    wanted = desired["encryption_type"]
    if wanted is None:
        return
    actual = current.get("encryptionConfiguration", {})
    same_type = actual.get("encryptionType", "AES256") == wanted
    # No key asked for: any key (the AWS-managed aws/ecr one) will do.
    same_key = not desired["kms_key_arn"] or actual.get("kmsKey") == desired["kms_key_arn"]
    if not (same_type and same_key):
        have = actual.get("encryptionType", "AES256") + (f" ({actual['kmsKey']})" if actual.get("kmsKey") else "")
        want = wanted + (f" ({desired['kms_key_arn']})" if desired["kms_key_arn"] else "")
        raise EcrPlanError(
            f"repository {name} is encrypted with {have}, not {want}: ECR cannot change a repository's "
            "encryption; keep the current setting, or delete the repository (and its images) first"
        )


def tag_changes(desired_tags, current_tags, purge):
    """(tags to set, keys to remove); ``desired_tags`` None leaves the tags alone."""
    if desired_tags is None:
        return {}, []
    wanted = {key: str(value) for key, value in desired_tags.items()}
    to_set = {key: value for key, value in wanted.items() if current_tags.get(key) != value}
    to_remove = sorted(set(current_tags) - set(wanted)) if purge else []
    return to_set, to_remove


def lifecycle_change(desired_policy, current_text):
    """``put`` (with the text), ``delete``, or None. ``desired_policy`` None leaves it alone; {} removes it."""
    if desired_policy is None:
        return None
    current = json.loads(current_text) if current_text else None
    if not desired_policy:
        return ("delete", None) if current else None
    if current == desired_policy:
        return None
    return ("put", json.dumps(desired_policy, sort_keys=True))


def plan_repository(name, desired, current, current_tags, current_lifecycle_text):
    """The actions that bring one repository to ``desired``, in order; [("create", request)] when missing.

    ``desired`` keys: image_tag_mutability, scan_on_push, encryption_type, kms_key_arn (None leave alone),
    tags, purge_tags, lifecycle_policy.
    """
    if current is None:
        actions = [("create", create_request(name, desired))]
        change = lifecycle_change(desired["lifecycle_policy"], None)
        return actions + ([("lifecycle", change)] if change else [])
    check_encryption(name, desired, current)
    actions = []
    mutability = desired["image_tag_mutability"]
    if mutability is not None and current.get("imageTagMutability", "MUTABLE") != mutability.upper():
        actions.append(("mutability", mutability.upper()))
    scan = desired["scan_on_push"]
    if scan is not None and current.get("imageScanningConfiguration", {}).get("scanOnPush", False) != scan:
        actions.append(("scanning", scan))
    to_set, to_remove = tag_changes(desired["tags"], current_tags, desired["purge_tags"])
    if to_set:
        actions.append(("tag", to_set))
    if to_remove:
        actions.append(("untag", to_remove))
    change = lifecycle_change(desired["lifecycle_policy"], current_lifecycle_text)
    if change:
        actions.append(("lifecycle", change))
    return actions


def is_owned(tags, owned_by):
    """Do ``tags`` carry every key/value of ``owned_by`` (the tags that mark a repository as ours)?"""
    return bool(owned_by) and all(tags.get(key) == str(value) for key, value in owned_by.items())


def orphans(names, tags_by_repository, owned_by):
    """Repositories tagged as ours that are not among ``names`` (services dropped from the app), sorted."""
    wanted = set(names)
    return sorted(repo for repo, tags in tags_by_repository.items() if repo not in wanted and is_owned(tags, owned_by))


def summary(repo, tags, lifecycle_text):
    """The settings this module manages, of a DescribeRepositories answer, for --diff ({} when missing)."""
    if not repo:
        return {}
    return {
        "imageTagMutability": repo.get("imageTagMutability"),
        "scanOnPush": repo.get("imageScanningConfiguration", {}).get("scanOnPush", False),
        "encryption": repo.get("encryptionConfiguration", {}),
        "tags": dict(tags),
        "lifecyclePolicy": json.loads(lifecycle_text) if lifecycle_text else None,
    }


def summary_after(before, desired):
    """``before`` with the desired settings applied: what --diff shows as after."""
    after = dict(before) or {"encryption": {"encryptionType": desired["encryption_type"] or "AES256"}, "tags": {}}
    if desired["image_tag_mutability"] is not None:
        after["imageTagMutability"] = desired["image_tag_mutability"].upper()
    if desired["scan_on_push"] is not None:
        after["scanOnPush"] = desired["scan_on_push"]
    if desired["kms_key_arn"]:
        after["encryption"] = {"encryptionType": "KMS", "kmsKey": desired["kms_key_arn"]}
    if desired["tags"] is not None:
        kept = {} if desired["purge_tags"] else dict(after.get("tags", {}))
        after["tags"] = dict(kept, **{key: str(value) for key, value in desired["tags"].items()})
    if desired["lifecycle_policy"] is not None:
        after["lifecyclePolicy"] = desired["lifecycle_policy"] or None
    return after
