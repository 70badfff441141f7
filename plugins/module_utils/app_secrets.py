# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning of flask_react.aws.app_secrets: which generated secrets to create, restore, tag or
delete, from the names wanted and the secrets ListSecrets (and DescribeSecret) found. No client."""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.plan import entry

SECRET_TYPE = "AWS::SecretsManager::Secret"
# GetRandomPassword's bounds (Secrets Manager API reference, PasswordLength: 1 to 4096); asked for every
# included type (RequireEachIncludedType), it refuses a length below the number of types, 4 at most.
MIN_LENGTH = 4
MAX_LENGTH = 4096
# DeleteSecret's RecoveryWindowInDays: 7 to 30; 0 here means ForceDeleteWithoutRecovery.
RECOVERY_DAYS = (7, 30)


class AppSecretsError(ValueError):
    """A secret the module must not touch, or an option out of AWS's bounds."""


def tags_of(secret):
    """A ListSecrets / DescribeSecret entry's tags as a dict."""
    return {tag["Key"]: tag["Value"] for tag in secret.get("Tags") or []}


def owned(secret, owned_by):
    """Does ``secret`` carry every tag of ``owned_by`` with its exact value? (ListSecrets' tag filters
    match prefixes, and a key and a value of different tags: the exact test is made here.)"""
    tags = tags_of(secret)
    return all(tags.get(key) == str(value) for key, value in owned_by.items())


def scheduled(secret):
    """Is the secret scheduled for deletion (DeleteSecret with a recovery window)?"""
    return bool(secret.get("DeletedDate"))


def missing_tags(secret, tags):
    """The tags of ``tags`` the secret lacks or holds with another value (others are left alone)."""
    current = tags_of(secret)
    return {key: str(value) for key, value in (tags or {}).items() if current.get(key) != str(value)}


def delete_request(arn, recovery_days):
    """DeleteSecret's parameters: a recovery window of ``recovery_days``, or none when it is 0."""
    if recovery_days == 0:
        return {"SecretId": arn, "ForceDeleteWithoutRecovery": True}
    return {"SecretId": arn, "RecoveryWindowInDays": recovery_days}


def check_options(length, recovery_days):
    """Raise AppSecretsError naming the option when ``length`` or ``recovery_days`` is out of AWS's bounds."""
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise AppSecretsError(f"length: {length} must be from {MIN_LENGTH} to {MAX_LENGTH} (GetRandomPassword)")
    if recovery_days != 0 and not RECOVERY_DAYS[0] <= recovery_days <= RECOVERY_DAYS[1]:
        raise AppSecretsError(
            f"recovery_window: {recovery_days} must be 0 (delete at once) or from {RECOVERY_DAYS[0]} to "
            f"{RECOVERY_DAYS[1]} days (DeleteSecret)"
        )


def plan_secrets(names, found, owned_by, tags=None, purge=False):
    """What to do, per secret: ``{create: [name], restore: {name: arn}, tag: {name: (arn, tags)},
    keep: {name: arn}, delete: {name: arn}, unwanted: [name]}``.

    ``names``: the secrets wanted. ``found``: the secrets read (ListSecrets entries, with planned
    deletions, and DescribeSecret answers for wanted names the list lacked), by name. A wanted name
    found but not ``owned_by`` raises AppSecretsError (someone else's secret is neither used nor
    overwritten). A wanted one scheduled for deletion is restored, with its value. Owned, live secrets
    not wanted are ``unwanted``, and deleted too with ``purge``. A value is never part of a plan: an
    existing secret keeps the one it has.
    """
    result = {"create": [], "restore": {}, "tag": {}, "keep": {}, "delete": {}, "unwanted": []}
    for name in names:
        secret = found.get(name)
        if secret is None:
            result["create"].append(name)
            continue
        if not owned(secret, owned_by):
            carried = ", ".join(f"{key}={value}" for key, value in sorted(tags_of(secret).items())) or "none"
            raise AppSecretsError(
                f"Secret {name} exists but is not one this collection generated for the app (its tags: {carried}; "
                f"expected {', '.join(f'{key}={value}' for key, value in owned_by.items())}); delete it or choose "
                "another variable name"
            )
        if scheduled(secret):
            result["restore"][name] = secret["ARN"]
        else:
            result["keep"][name] = secret["ARN"]
        retag = missing_tags(secret, tags)
        if retag:
            result["tag"][name] = (secret["ARN"], retag)
    for name, secret in found.items():
        if name in names or scheduled(secret) or not owned(secret, owned_by):
            continue
        result["unwanted"].append(name)
        if purge:
            result["delete"][name] = secret["ARN"]
    return result


def actions_of(planned):
    """name -> what is done to it (create, restore, tag, delete), in the order the module does it."""
    actions = {name: "create" for name in planned["create"]}
    actions.update({name: "restore" for name in planned["restore"]})
    actions.update({name: "tag" for name in planned["tag"] if name not in actions})
    actions.update({name: "delete" for name in planned["delete"]})
    return actions


def plan_entries(actions):
    """Plan entries: a created or restored secret is a create (it is back), a retagged one an update."""
    kinds = {"create": "create", "restore": "create", "tag": "update", "delete": "delete"}
    return [entry(SECRET_TYPE, name, kinds[action]) for name, action in actions.items()]
