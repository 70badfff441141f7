"""ecr_image_uri: URIs for every partition, digests, and one clear error per bad part."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.filter.ecr_image_uri import FilterModule, ecr_image_uri
from hypothesis import given
from hypothesis import strategies as st

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("region", "domain"),
    [
        ("us-west-1", "amazonaws.com"),
        ("ap-southeast-2", "amazonaws.com"),
        ("us-gov-west-1", "amazonaws.com"),
        ("cn-north-1", "amazonaws.com.cn"),
        ("cn-northwest-1", "amazonaws.com.cn"),
        ("us-iso-east-1", "c2s.ic.gov"),
        ("us-isob-east-1", "sc2s.sgov.gov"),
        ("eu-isoe-west-1", "cloud.adc-e.uk"),
        ("eusc-de-east-1", "amazonaws.eu"),
    ],
)
def test_domain_follows_the_partition(region, domain):
    uri = ecr_image_uri("test-driven-users", "123456789012", region, tag="prod")
    assert uri == f"123456789012.dkr.ecr.{region}.{domain}/test-driven-users:prod"


def test_default_tag_is_latest():
    assert ecr_image_uri("app", "123456789012", "us-west-1").endswith("/app:latest")


def test_digest_replaces_the_tag():
    uri = ecr_image_uri("team/app", "123456789012", "us-west-1", tag="ignored", digest=DIGEST)
    assert uri == f"123456789012.dkr.ecr.us-west-1.amazonaws.com/team/app@{DIGEST}"


def test_numeric_account_id_keeps_its_leading_zeros():
    assert ecr_image_uri("app", 12345678901, "us-west-1").startswith("012345678901.dkr.ecr.")


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"repository": "Users"}, "repository"),
        ({"repository": "a"}, "repository"),
        ({"repository": "app//x"}, "repository"),
        ({"account_id": "12345"}, "account_id"),
        ({"account_id": "12345678901x"}, "account_id"),
        ({"account_id": True}, "account_id"),
        ({"region": "US-WEST-1"}, "region"),
        ({"region": "uswest1"}, "region"),
        ({"tag": "-bad"}, "tag"),
        ({"tag": "x" * 129}, "tag"),
        ({"tag": "has space"}, "tag"),
        ({"digest": "sha256:abc"}, "digest"),
        ({"digest": "md5:" + "a" * 64}, "digest"),
    ],
)
def test_bad_input_names_the_argument(kwargs, named):
    args = {"repository": "test-driven-users", "account_id": "123456789012", "region": "us-west-1", "tag": "prod"}
    args.update(kwargs)
    with pytest.raises(AnsibleFilterError, match=rf"ecr_image_uri: {named} .* is invalid"):
        ecr_image_uri(**args)


def test_registered_under_its_name():
    assert FilterModule().filters()["ecr_image_uri"] is ecr_image_uri


segment = st.from_regex(r"[a-z0-9]{1,8}([._-][a-z0-9]{1,8}){0,2}", fullmatch=True)


@given(
    repository=st.lists(segment, min_size=1, max_size=3).map("/".join).filter(lambda r: len(r) >= 2),
    account=st.from_regex(r"\d{12}", fullmatch=True),
    region=st.sampled_from(["us-west-1", "eu-central-1", "cn-north-1", "us-gov-east-1", "ap-southeast-2"]),
    tag=st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}", fullmatch=True),
)
def test_valid_parts_round_trip(repository, account, region, tag):
    uri = ecr_image_uri(repository, account, region, tag=tag)
    registry, rest = uri.split("/", 1)
    assert registry.startswith(f"{account}.dkr.ecr.{region}.amazonaws.")
    assert rest.rsplit(":", 1) == [repository, tag]


def test_registry_filter_matches_the_uri_host():
    from ansible_collections.flask_react.aws.plugins.filter.ecr_registry import ecr_registry

    assert ecr_registry("123456789012", "cn-north-1") == "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"
    assert ecr_image_uri("app", "123456789012", "us-west-1").startswith(ecr_registry("123456789012", "us-west-1") + "/")
    with pytest.raises(AnsibleFilterError, match="ecr_registry: region"):
        ecr_registry("123456789012", "nowhere")
