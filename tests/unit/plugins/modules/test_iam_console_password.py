"""The access key listing of module_utils.iam_console (iam_console_password's and iam_group_user's) against
the emulator: the keys of a user (never a secret), none for a user still to be made (the login profile
itself: test_iam_user.py, molecule default)."""

import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.iam_console import access_keys

from tests.unit.plugins.modules.test_ecs_app_modules import Retrying

pytestmark = pytest.mark.emulator


def test_the_keys_of_a_user_are_listed_without_their_secrets(aws):
    iam = aws("iam")
    user = f"u{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    made = [iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]]
    made.append(iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"])
    iam.update_access_key(UserName=user, AccessKeyId=made[1], Status="Inactive")

    keys = access_keys(Retrying(iam), user)

    assert sorted((key["access_key_id"], key["status"]) for key in keys) == sorted(
        [(made[0], "Active"), (made[1], "Inactive")]
    )
    assert all(key["user_name"] == user and key["create_date"] for key in keys)
    assert not any("secret" in field for key in keys for field in key)


def test_a_user_still_to_be_made_has_no_keys(aws):
    assert access_keys(Retrying(aws("iam")), f"missing{uuid.uuid4().hex[:8]}") == []
