"""The IAM user's console password and policies, read back through the AWS API (molecule verify)."""

import pytest

IAM_SYMBOLS = "!@#$%^&*()_+-=[]{}|'"


def test_console_password_has_every_character_type_iam_counts(aws, app):
    user = f"{app['app_name']}-admin"
    aws("iam").get_login_profile(UserName=user)  # the login profile exists
    secret = aws("secretsmanager").get_secret_value(SecretId=f"{app['app_name']}/iam/{user}/console-password")
    password = secret["SecretString"]
    assert len(password) == 24
    assert any(c.islower() for c in password) and any(c.isupper() for c in password)
    assert any(c.isdigit() for c in password) and any(c in IAM_SYMBOLS for c in password)


def test_group_policies_are_in_the_users_partition(aws, app):
    iam = aws("iam")
    partition = iam.get_user(UserName=f"{app['app_name']}-admin")["User"]["Arn"].split(":")[1]
    attached = iam.list_attached_group_policies(GroupName=f"{app['app_name']}-admins")["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [f"arn:{partition}:iam::aws:policy/AdministratorAccess"]


@pytest.mark.teardown
def test_no_console_password_secret_is_left(aws, app):
    names = {secret["Name"] for secret in aws("secretsmanager").list_secrets()["SecretList"]}
    assert f"{app['app_name']}/iam/{app['app_name']}-admin/console-password" not in names
