"""The emulator holds login profiles to the account password policy, as IAM does."""

import string
import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

CIS = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
}


@pytest.fixture
def iam(aws):
    """A client and a fresh user, with the CIS-like policy on the account for the test only."""
    client = aws("iam")
    user = f"u-{uuid.uuid4().hex[:8]}"
    client.create_user(UserName=user)
    client.update_account_password_policy(**CIS)
    yield client, user
    client.delete_account_password_policy()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Aa1!short", "Password should have a minimum length of 14"),
        ("ALLUPPERCASE123!", "Password should have at least one lowercase letter"),
        ("alllowercase123!", "Password should have at least one uppercase letter"),
        ("NoDigitsHere!!!!", "Password should have at least one number"),
        # '.' and '~' are punctuation but not among IAM's symbols.
        ("NoSymbols123.~abc", "Password should have at least one symbol"),
    ],
)
def test_a_password_breaking_the_policy_is_refused_with_iams_error(iam, password, message):
    client, user = iam
    for call, kwargs in ((client.create_login_profile, {}), (client.update_login_profile, {})):
        with pytest.raises(ClientError) as caught:
            call(UserName=user, Password=password, **kwargs)
        error = caught.value.response
        assert error["Error"]["Code"] == "PasswordPolicyViolation"
        assert error["Error"]["Message"] == message
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError, match="NoSuchEntity"):
        client.get_login_profile(UserName=user)


def test_a_password_keeping_the_policy_is_accepted_with_its_reset_flag(iam):
    client, user = iam
    profile = client.create_login_profile(UserName=user, Password="Good-Password-1x", PasswordResetRequired=True)
    assert profile["LoginProfile"]["PasswordResetRequired"] is True
    assert client.get_login_profile(UserName=user)["LoginProfile"]["PasswordResetRequired"] is True
    # IAM's UpdateLoginProfile may change the flag alone, keeping the password.
    client.update_login_profile(UserName=user, PasswordResetRequired=False)
    assert client.get_login_profile(UserName=user)["LoginProfile"]["PasswordResetRequired"] is False
    client.update_login_profile(UserName=user, Password="Other-Password-2y")


def test_without_a_policy_any_password_is_accepted(aws):
    client = aws("iam")
    user = f"u-{uuid.uuid4().hex[:8]}"
    client.create_user(UserName=user)
    client.create_login_profile(UserName=user, Password="x")
    assert client.get_login_profile(UserName=user)["LoginProfile"]["PasswordResetRequired"] is False


def test_get_random_password_can_satisfy_the_policy_with_iams_symbols_only(aws):
    """What the iam_user role asks Secrets Manager for: every type, no punctuation IAM does not count."""
    non_iam = "\"',./:;<>?\\`~"
    password = aws("secretsmanager").get_random_password(
        PasswordLength=14, ExcludeCharacters=non_iam.replace("'", ""), RequireEachIncludedType=True
    )["RandomPassword"]
    assert len(password) == 14
    assert any(c.islower() for c in password) and any(c.isupper() for c in password)
    assert any(c.isdigit() for c in password) and any(c in "!@#$%^&*()_+-=[]{}|'" for c in password)


def test_get_random_password_places_the_required_characters_anywhere(aws):
    """moto puts them last in a fixed order (lower, upper, digit, punctuation); AWS does not."""
    client = aws("secretsmanager")
    passwords = [client.get_random_password(PasswordLength=8)["RandomPassword"] for _attempt in range(20)]
    assert all(len(password) == 8 for password in passwords)
    assert not all(password[-1] in string.punctuation and password[-2].isdigit() for password in passwords)
