"""aws_credentials_profile's INI edit: our profile in place, everything else kept byte for byte."""

import configparser
import multiprocessing
import stat

import pytest
from ansible_collections.flask_react.aws.plugins.modules.aws_credentials_profile import mask, render, update
from hypothesis import given
from hypothesis import strategies as st

KEYS = {"aws_access_key_id": "AKIANEW", "aws_secret_access_key": "new/secret"}
EXISTING = """# my profiles
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[app]
region = eu-west-1
aws_access_key_id = AKIAOLD
aws_secret_access_key = old-secret

[other]
aws_access_key_id = AKIAOTHER
"""


def parse(text):
    parser = configparser.RawConfigParser()  # botocore's parser: a duplicate section is an error
    parser.read_string(text)
    return parser


def test_a_new_profile_is_appended_after_one_blank_line():
    assert render("[default]\na = 1", "app", KEYS) == (
        "[default]\na = 1\n\n[app]\naws_access_key_id = AKIANEW\naws_secret_access_key = new/secret\n"
    )
    assert render("", "app", KEYS) == "[app]\naws_access_key_id = AKIANEW\naws_secret_access_key = new/secret\n"


def test_an_existing_profile_is_replaced_in_place_keeping_its_other_keys():
    after = render(EXISTING, "app", KEYS)
    assert after.index("[default]") < after.index("[app]") < after.index("[other]")
    assert dict(parse(after)["app"]) == {"region": "eu-west-1", **KEYS}
    assert after == EXISTING.replace(
        "[app]\nregion = eu-west-1\naws_access_key_id = AKIAOLD\naws_secret_access_key = old-secret\n",
        "[app]\naws_access_key_id = AKIANEW\naws_secret_access_key = new/secret\nregion = eu-west-1\n",
    )


def test_absent_removes_only_the_profile():
    after = render(EXISTING, "app", None)
    assert "[app]" not in after and parse(after).sections() == ["default", "other"]
    assert render(after, "app", None) == after


def test_the_diff_masks_secret_keys():
    assert "old-secret" not in mask(EXISTING) and "AKIAOLD" in mask(EXISTING)


names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)


@given(st.dictionaries(names, st.from_regex(r"[A-Z0-9]{4,8}", fullmatch=True), max_size=4), names)
def test_render_is_idempotent_and_keeps_every_other_profile(profiles, target):
    text = "".join(f"[{name}]\naws_access_key_id = {key}\n" for name, key in profiles.items())
    after = render(text, target, KEYS)
    assert render(after, target, KEYS) == after
    parsed = parse(after)
    assert dict(parsed[target]) == KEYS
    for name, key in profiles.items():
        if name != target:
            assert parsed[name]["aws_access_key_id"] == key


def write_many(path, profile, start, count):
    start.wait()
    for number in range(count):
        update(str(path), str(path.parent), profile, {**KEYS, "aws_access_key_id": f"AKIA{number}"}, False)


@pytest.mark.parametrize("attempt", range(3))
def test_writers_of_one_file_at_once_lose_no_update(tmp_path, attempt):
    """Environments of one run (forks) writing their profiles to one file at the same time
    (without the folder lock, about half of these runs lose an update)."""
    path, names = tmp_path / "credentials", ("alpha", "beta", "gamma")
    start = multiprocessing.Barrier(len(names))
    writers = [multiprocessing.Process(target=write_many, args=(path, name, start, 40)) for name in names]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    parsed = parse(path.read_text())
    assert sorted(parsed.sections()) == sorted(names)
    assert {parsed[name]["aws_access_key_id"] for name in names} == {"AKIA39"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [child.name for child in tmp_path.iterdir()] == ["credentials"], "a temporary file was left"


def test_the_diff_masks_every_secret_of_other_profiles_too():
    text = "[sso]\naws_access_key_id = ASIAX\naws_secret_access_key = s1\n"
    text += "aws_session_token = t1\naws_security_token = t2\n"
    masked = mask(text)
    assert not {"s1", "t1", "t2"} & set(masked.replace("=", " ").split()), masked
    assert "ASIAX" in masked
