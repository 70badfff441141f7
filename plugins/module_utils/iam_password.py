# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM console passwords against the account password policy: the rules, and what to ask
Secrets Manager's GetRandomPassword for so that its answer keeps them. Pure: no client."""

from __future__ import annotations

import string

# The characters IAM counts as a symbol for RequireSymbols (IAM API reference, PasswordPolicy).
IAM_SYMBOLS = "!@#$%^&*()_+-=[]{}|'"
# GetRandomPassword's punctuation is all of string.punctuation; a password whose only
# punctuation is one of these ('.', '~', ...) breaks a policy that requires symbols.
NOT_IAM_SYMBOLS = "".join(sorted(set(string.punctuation) - set(IAM_SYMBOLS)))
# IAM's bounds for a password and for the policy's MinimumPasswordLength.
MIN_LENGTH = 6
MAX_LENGTH = 128


def violations(password, policy):
    """The rules of ``policy`` (a GetAccountPasswordPolicy ``PasswordPolicy``, or ``{}``) that
    ``password`` breaks, in IAM's words; ``[]`` when it keeps them all."""
    policy = policy or {}
    minimum = policy.get("MinimumPasswordLength") or 0
    rules = (
        (len(password) >= minimum, f"a minimum length of {minimum}"),
        (
            not policy.get("RequireLowercaseCharacters") or any(c.islower() for c in password),
            "at least one lowercase letter",
        ),
        (
            not policy.get("RequireUppercaseCharacters") or any(c.isupper() for c in password),
            "at least one uppercase letter",
        ),
        (not policy.get("RequireNumbers") or any(c.isdigit() for c in password), "at least one number"),
        (not policy.get("RequireSymbols") or any(c in IAM_SYMBOLS for c in password), "at least one symbol"),
    )
    return ["Password should have " + rule for kept, rule in rules if not kept]


def password_length(policy, length):
    """The length to generate: the asked ``length``, raised to the policy's minimum."""
    return max(length, (policy or {}).get("MinimumPasswordLength") or 0)


def random_password_request(policy, length):
    """GetRandomPassword's parameters for a password that keeps ``policy``.

    Every type is always included and required (lowercase, uppercase, digit, IAM symbol), so
    the password also keeps a policy tightened later; punctuation IAM does not count as a
    symbol is excluded, so the required punctuation character is always one IAM counts.
    """
    return {
        "PasswordLength": password_length(policy, length),
        "ExcludeCharacters": NOT_IAM_SYMBOLS,
        "IncludeSpace": False,
        "RequireEachIncludedType": True,
    }
