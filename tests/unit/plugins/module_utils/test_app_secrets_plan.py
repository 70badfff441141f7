"""The generated secrets' planner: wanted names are kept, restored or created, never anyone else's used;
only owned, live, unwanted secrets are deleted, and only with purge."""

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.app_secrets import (
    AppSecretsError,
    actions_of,
    check_options,
    delete_request,
    plan_entries,
    plan_secrets,
)
from hypothesis import given
from hypothesis import strategies as st

OURS = {"app": "shop", "managed-by": "flask_react.aws", "generated-by": "flask_react.aws.app_secrets"}


def secret(name, tags=None, deleted=False):
    tags = OURS if tags is None else tags
    found = {"Name": name, "ARN": f"arn:{name}-AbCdEf", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
    return dict(found, DeletedDate="2026-12-06") if deleted else found


def test_each_wanted_name_is_kept_restored_or_created_and_the_rest_unwanted():
    found = {
        s["Name"]: s for s in (secret("a"), secret("b", deleted=True), secret("old"), secret("gone", deleted=True))
    }
    planned = plan_secrets(["a", "b", "c"], found, OURS, dict(OURS, team="web"), purge=True)
    assert planned["keep"] == {"a": "arn:a-AbCdEf"} and planned["restore"] == {"b": "arn:b-AbCdEf"}
    assert (
        planned["create"] == ["c"] and planned["unwanted"] == ["old"] and planned["delete"] == {"old": "arn:old-AbCdEf"}
    )
    assert planned["tag"] == {"a": ("arn:a-AbCdEf", {"team": "web"}), "b": ("arn:b-AbCdEf", {"team": "web"})}
    assert actions_of(planned) == {"c": "create", "b": "restore", "a": "tag", "old": "delete"}
    assert plan_entries(actions_of(planned)) == [
        {"type": "AWS::SecretsManager::Secret", "name": "c", "action": "create"},
        {"type": "AWS::SecretsManager::Secret", "name": "b", "action": "create"},
        {"type": "AWS::SecretsManager::Secret", "name": "a", "action": "update"},
        {"type": "AWS::SecretsManager::Secret", "name": "old", "action": "delete"},
    ]


def test_without_purge_nothing_is_deleted():
    planned = plan_secrets([], {"old": secret("old")}, OURS)
    assert planned["unwanted"] == ["old"] and planned["delete"] == {} and actions_of(planned) == {}


def test_a_wanted_name_of_someone_elses_secret_fails_naming_it():
    with pytest.raises(AppSecretsError, match="Secret a exists but is not one this collection generated"):
        plan_secrets(["a"], {"a": secret("a", tags={"app": "shop"})}, OURS)


def test_a_delete_has_a_recovery_window_or_none():
    assert delete_request("arn", 7) == {"SecretId": "arn", "RecoveryWindowInDays": 7}
    assert delete_request("arn", 0) == {"SecretId": "arn", "ForceDeleteWithoutRecovery": True}


@pytest.mark.parametrize(("length", "days"), [(0, 7), (4097, 7), (50, 6), (50, 31)])
def test_options_out_of_bounds_are_refused(length, days):
    with pytest.raises(AppSecretsError):
        check_options(length, days)


names = st.lists(st.sampled_from(["A", "B", "C", "D", "E"]), unique=True)


@given(
    wanted=names,
    found=st.dictionaries(
        st.sampled_from(["A", "B", "C", "D", "E"]),
        st.tuples(st.booleans(), st.booleans()),  # (ours, scheduled for deletion)
    ),
    purge=st.booleans(),
)
def test_the_plan_covers_every_wanted_name_and_deletes_only_owned_live_unwanted(wanted, found, purge):
    secrets = {
        name: secret(name, OURS if ours else {"app": "other"}, deleted) for name, (ours, deleted) in found.items()
    }
    if any(name in secrets and not found[name][0] for name in wanted):
        with pytest.raises(AppSecretsError):
            plan_secrets(wanted, secrets, OURS, purge=purge)
        return
    planned = plan_secrets(wanted, secrets, OURS, purge=purge)
    assert sorted(planned["create"] + list(planned["restore"]) + list(planned["keep"])) == sorted(wanted)
    for name in planned["delete"]:
        ours, deleted = found[name]
        assert purge and ours and not deleted and name not in wanted
    assert bool(planned["delete"]) == (purge and bool(planned["unwanted"]))
