"""The IAM user role on its own (tests/unit/playbooks/iam_user.yml), each test with its own app_name
on one emulator: the access key is never lost, and the console password keeps the account policy."""

from __future__ import annotations

import configparser
import json
import stat

import pytest
from botocore.exceptions import ClientError

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes

PLAYBOOK = "../tests/unit/playbooks/iam_user.yml"
CIS = {
    "MinimumPasswordLength": 14,
    "RequireSymbols": True,
    "RequireNumbers": True,
    "RequireUppercaseCharacters": True,
    "RequireLowercaseCharacters": True,
}
IAM_SYMBOLS = "!@#$%^&*()_+-=[]{}|'"


def keeps_cis(password):
    return (
        len(password) >= 14
        and any(c.islower() for c in password)
        and any(c.isupper() for c in password)
        and any(c.isdigit() for c in password)
        and any(c in IAM_SYMBOLS for c in password)
    )


@pytest.fixture
def role(recording_emulator, tmp_path):
    """``role(app, **extra_vars)`` runs the role for app_name ``app``; returns (run, recorded calls)."""
    port, record = recording_emulator

    def run(app, **extra):
        return run_playbook(port, record, tmp_path, PLAYBOOK, "-e", json.dumps(dict(extra, app_name=app)))

    return run


@pytest.fixture
def aws(recording_emulator):
    return lambda service: emulator_client(recording_emulator[0], service)


def keys(aws, app):
    return aws("iam").list_access_keys(UserName=f"{app}-admin")["AccessKeyMetadata"]


def profile_key_id(path, app):
    parser = configparser.ConfigParser()
    parser.read(path)
    return parser[f"{app}-admin"]["aws_access_key_id"]


def test_unwritable_credentials_file_fails_before_a_key_exists_and_the_next_run_succeeds(role, aws, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    failed, calls = role("keyfile", iam_user_credentials_file=str(blocker / "credentials"))
    assert failed.returncode != 0 and "Cannot create the folder of credentials file" in failed.stdout
    assert "iam:CreateAccessKey" not in writes(calls)
    assert keys(aws, "keyfile") == [], "a key exists that nobody can read"

    done, _calls = role("keyfile")
    assert done.returncode == 0, done.stdout[-2000:]
    (key,) = keys(aws, "keyfile")
    credentials = tmp_path / ".secrets" / "credentials"
    assert profile_key_id(credentials, "keyfile") == key["AccessKeyId"]
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    # The no-op run of the default path (changed=0, no write) is tests/integration/test_noop.py's.


def test_a_key_whose_write_fails_is_deleted_in_the_same_run(role, aws):
    """The write itself failing (a profile name the role's checks would refuse, past them here):
    the rescue deletes the key, so the next run makes one the user can read."""
    aws("iam").create_user(UserName="rescue-admin")
    failed, calls = role("rescue", iam_user_tasks_from="access_key.yml", iam_user_credentials_profile="no]good")
    assert failed.returncode != 0 and "failed, so the key was deleted again" in failed.stdout
    assert writes(calls, succeeded_only=True) == ["iam:CreateAccessKey", "iam:DeleteAccessKey"]
    assert keys(aws, "rescue") == []
    assert "aws_secret_access_key" not in failed.stdout


def test_console_password_keeps_a_cis_policy_and_a_missing_login_profile_is_recreated(role, aws):
    iam, secrets = aws("iam"), aws("secretsmanager")
    iam.update_account_password_policy(**CIS)
    # What the role before this fix could leave: a stored password from letters, digits and -_.!
    # only, and a user without a login profile (CreateLoginProfile was refused).
    secret_id = "cis/iam/cis-admin/console-password"
    secrets.create_secret(Name=secret_id, SecretString="only-lowercase-letters.x")
    try:
        run, _calls = role("cis")
        assert run.returncode == 0, run.stdout[-2000:]
        assert "cannot be used (Password should have" in run.stderr
        password = secrets.get_secret_value(SecretId=secret_id)["SecretString"]
        assert keeps_cis(password) and len(password) == 24
        assert iam.get_login_profile(UserName="cis-admin")["LoginProfile"]["PasswordResetRequired"] is False
        assert password not in run.stdout + run.stderr

        # Deleted behind the playbook's back: created again, with the stored password.
        iam.delete_login_profile(UserName="cis-admin")
        run, calls = role("cis")
        assert run.returncode == 0 and writes(calls) == ["iam:CreateLoginProfile"], run.stdout[-2000:]
        assert secrets.get_secret_value(SecretId=secret_id)["SecretString"] == password

        # A policy longer than the role's length: the new password is as long as the policy asks.
        iam.update_account_password_policy(**dict(CIS, MinimumPasswordLength=30))
        iam.delete_login_profile(UserName="cis-admin")
        run, calls = role("cis")
        assert run.returncode == 0, run.stdout[-2000:]
        assert writes(calls) == ["secretsmanager:PutSecretValue", "iam:CreateLoginProfile"]
        assert len(secrets.get_secret_value(SecretId=secret_id)["SecretString"]) == 30
    finally:
        iam.delete_account_password_policy()


def test_console_access_false_removes_the_login_profile(role, aws):
    iam = aws("iam")
    iam.create_user(UserName="console-admin")
    iam.create_login_profile(UserName="console-admin", Password="made-by-hand")
    off, calls = role("console", iam_user_console_access=False)
    assert off.returncode == 0 and "iam:DeleteLoginProfile" in writes(calls), off.stdout[-2000:]
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.get_login_profile(UserName="console-admin")
    again, calls = role("console", iam_user_console_access=False)
    assert recap(again.stdout)["changed"] == 0 and writes(calls) == []


def test_a_password_secret_kept_for_recovery_is_restored_and_used(role, aws):
    """After a teardown with iam_user_secret_recovery_days, the next converge restores the secret."""
    iam, secrets = aws("iam"), aws("secretsmanager")
    iam.create_user(UserName="restore-admin")
    secret_id = "restore/iam/restore-admin/console-password"
    secrets.create_secret(Name=secret_id, SecretString="Kept-Password-1234")
    secrets.delete_secret(SecretId=secret_id, RecoveryWindowInDays=7)
    run, calls = role("restore")
    assert run.returncode == 0, run.stdout[-2000:]
    assert "secretsmanager:RestoreSecret" in writes(calls) and "secretsmanager:CreateSecret" not in writes(calls)
    assert "DeletedDate" not in secrets.describe_secret(SecretId=secret_id)
    assert secrets.get_secret_value(SecretId=secret_id)["SecretString"] == "Kept-Password-1234"
    assert iam.get_login_profile(UserName="restore-admin")["LoginProfile"]


def test_a_key_not_in_the_credentials_file_is_reported_and_not_doubled(role, aws):
    """As a run interrupted right after CreateAccessKey leaves it: the run says so, makes no second key."""
    iam = aws("iam")
    iam.create_user(UserName="lost-admin")
    key = iam.create_access_key(UserName="lost-admin")["AccessKey"]["AccessKeyId"]
    run, calls = role("lost")
    assert run.returncode == 0, run.stdout[-2000:]
    assert f"has access key {key} but profile lost-admin of" in " ".join(run.stdout.split())
    assert "iam:CreateAccessKey" not in writes(calls) and [k["AccessKeyId"] for k in keys(aws, "lost")] == [key]
