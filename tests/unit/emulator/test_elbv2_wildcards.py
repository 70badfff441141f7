"""The emulator holds a listener rule to AWS's quota of five wildcards ('*' and '?') per rule."""

import pytest
from botocore.exceptions import ClientError

from tests.unit.emulator.test_fills import listener, path_condition  # noqa: F401  # pylint: disable=unused-import

pytestmark = pytest.mark.emulator


def test_five_wildcards_in_one_rule_are_accepted(listener):  # noqa: F811
    elb, arn, forward = listener
    rule = elb.create_rule(
        ListenerArn=arn, Priority=5, Conditions=[path_condition("/a*/b*", "/c?", "/d**")], Actions=forward
    )
    assert rule["Rules"][0]["Conditions"][0]["PathPatternConfig"]["Values"] == ["/a*/b*", "/c?", "/d**"]


def test_six_wildcards_in_one_rule_are_refused(listener):  # noqa: F811
    """Issue 14 item 10: three paths of two wildcards each in one rule."""
    elb, arn, forward = listener
    with pytest.raises(ClientError) as caught:
        elb.create_rule(
            ListenerArn=arn, Priority=6, Conditions=[path_condition("/a*/b*", "/c*/d*", "/e*/f*")], Actions=forward
        )
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert caught.value.response["Error"]["Message"] == "A rule can only have '5' wildcards"
