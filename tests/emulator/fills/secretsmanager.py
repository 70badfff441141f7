"""Secrets Manager GetRandomPassword as AWS generates it.

moto 5.2 honours ExcludeCharacters, the Exclude* switches and RequireEachIncludedType, which is
all the iam_user role asks of it; but it puts the required characters last, always in the order
lowercase, uppercase, digit, punctuation, so every password ends in a predictable pattern. AWS
places them anywhere. The fill shuffles moto's answer (same characters, same length).
"""

from __future__ import annotations

import random
from typing import Any

from moto.secretsmanager import models

_system_random = random.SystemRandom()


def install() -> None:
    original = models.random_password

    def random_password(*args: Any, **kwargs: Any) -> str:
        characters = list(original(*args, **kwargs))
        _system_random.shuffle(characters)
        return "".join(characters)

    models.random_password = random_password
