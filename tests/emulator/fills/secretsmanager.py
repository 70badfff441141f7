"""Secrets Manager as AWS answers where moto 5.2 differs.

GetRandomPassword: moto honours ExcludeCharacters, the Exclude* switches and RequireEachIncludedType
(what the iam_user role and flask_react.aws.app_secrets ask of it); but it puts the required
characters last, always in the order lowercase, uppercase, digit, punctuation, so every password
ends in a predictable pattern. AWS places them anywhere. The fill shuffles moto's answer (same
characters, same length).

CreateSecret on a name whose secret is scheduled for deletion (DeleteSecret with a recovery window):
AWS answers ``InvalidRequestException`` "You can't create this secret because a secret with this
name is already scheduled for deletion." (Secrets Manager API reference, CreateSecret's errors;
terraform-provider-aws retries on that message after a forced delete, and its secret resource's
recovery docs tell users to RestoreSecret). moto answers ``ResourceExistsException``, the error of a
live secret, so code that handles the name reuse as AWS says it would never meet it here.

ListSecrets' ``tag-key`` and ``tag-value`` filters (prefix match, case-sensitive, each filter on
its own: a key and a value need not belong to the same tag) and ``IncludePlannedDeletion`` are moto's
as AWS documents them; nothing to fill.
"""

from __future__ import annotations

import random
from typing import Any

from moto.secretsmanager import models
from moto.secretsmanager.exceptions import InvalidRequestException

_system_random = random.SystemRandom()

SCHEDULED_FOR_DELETION = (
    "You can't create this secret because a secret with this name is already scheduled for deletion."
)


def install() -> None:
    original = models.random_password

    def random_password(*args: Any, **kwargs: Any) -> str:
        characters = list(original(*args, **kwargs))
        _system_random.shuffle(characters)
        return "".join(characters)

    models.random_password = random_password

    create_secret = models.SecretsManagerBackend.create_secret

    def create_secret_refusing_a_deleted_name(self: Any, *args: Any, **kwargs: Any) -> str:
        existing = self.secrets.get(kwargs["name"] if "name" in kwargs else args[0])
        if existing is not None and existing.is_deleted():
            raise InvalidRequestException(SCHEDULED_FOR_DELETION)
        return create_secret(self, *args, **kwargs)

    models.SecretsManagerBackend.create_secret = create_secret_refusing_a_deleted_name
