"""The iam_user role's default policy ARNs follow the account's partition (aws-cn, aws-us-gov),
rendered by Ansible's own templar from roles/iam_user/defaults/main.yml."""

from __future__ import annotations

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from tests.conftest import REPO

DEFAULTS = yaml.safe_load((REPO / "roles/iam_user/defaults/main.yml").read_text())


def trusted(value):
    """Role defaults as Ansible loads them: every string may be a template."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, list):
        return [trusted(item) for item in value]
    return value


def group_policies(**facts):
    variables = {name: trusted(value) for name, value in DEFAULTS.items()} | {"app_name": "x"} | facts
    return Templar(loader=DataLoader(), variables=variables).template(
        trust_as_template("{{ iam_user_group_policies }}")
    )


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_policy_arns_take_the_partition_from_the_users_arn(partition):
    user = {"user": {"arn": f"arn:{partition}:iam::123456789012:user/x-admin"}}
    # The user's ARN wins over the region: it is what IAM answered.
    assert group_policies(aws_region="us-west-1", iam_user_result=user) == [
        f"arn:{partition}:iam::aws:policy/AdministratorAccess"
    ]


@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-3", "aws")]
)
def test_before_the_user_exists_the_regions_partition_is_used(region, partition):
    # iam_user in check mode on an empty account returns no user.
    check_mode = {"changed": True, "create_params": {"UserName": "x-admin"}}
    assert group_policies(aws_region=region, iam_user_result=check_mode) == [
        f"arn:{partition}:iam::aws:policy/AdministratorAccess"
    ]
