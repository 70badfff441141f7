"""Console passwords against the account password policy: IAM's rules, and the GetRandomPassword request."""

import string

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.iam_password import (
    IAM_SYMBOLS,
    NOT_IAM_SYMBOLS,
    password_length,
    random_password_request,
    violations,
)

CIS = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
}


def test_no_policy_accepts_anything():
    assert violations("x", {}) == [] and violations("x", None) == []


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Aa1!", "a minimum length of 14"),
        ("AAAAAAAAAAAAA1!", "at least one lowercase letter"),
        ("aaaaaaaaaaaaa1!", "at least one uppercase letter"),
        ("aaaaaaaaaaaaaA!", "at least one number"),
        # The old generator's alphabet: '-', '_', '.', '!' - '.' is not an IAM symbol.
        ("aaaaaaaaaaaaA1.", "at least one symbol"),
    ],
)
def test_each_broken_rule_is_named_in_iams_words(password, broken):
    assert violations(password, CIS) == [f"Password should have {broken}"]


def test_a_password_keeping_every_rule_passes():
    assert violations("Abcdefghijk1'm", CIS) == []


def test_punctuation_is_split_between_iam_symbols_and_the_excluded_rest():
    assert set(IAM_SYMBOLS) | set(NOT_IAM_SYMBOLS) == set(string.punctuation)
    assert not set(IAM_SYMBOLS) & set(NOT_IAM_SYMBOLS)


@pytest.mark.parametrize(("minimum", "length", "expected"), [(None, 24, 24), (14, 24, 24), (30, 24, 30)])
def test_the_length_is_raised_to_the_policys_minimum(minimum, length, expected):
    policy = {} if minimum is None else {"MinimumPasswordLength": minimum}
    assert password_length(policy, length) == expected
    request = random_password_request(policy, length)
    assert request == {
        "PasswordLength": expected,
        "ExcludeCharacters": NOT_IAM_SYMBOLS,
        "IncludeSpace": False,
        "RequireEachIncludedType": True,
    }
