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
def test_policy_arns_take_the_apps_partition(partition):
    # The app model's partition (read from the caller's ARN) wins over the region.
    assert group_policies(aws_region="us-west-1", app_model={"partition": partition}) == [
        f"arn:{partition}:iam::aws:policy/AdministratorAccess"
    ]


@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("eu-west-3", "aws")]
)
def test_without_the_apps_partition_the_regions_is_used(region, partition):
    # app_account_id named in the inventory without app_partition: the app model has none.
    assert group_policies(aws_region=region, app_model={"partition": ""}) == [
        f"arn:{partition}:iam::aws:policy/AdministratorAccess"
    ]
