"""app_secrets against the emulator, four steps: check mode plans and writes nothing, apply creates
with a generated value, check mode and apply again change nothing (one ListSecrets, no write); a value
is never changed (not even with another length), never returned; a name dropped is deleted with a
recovery window, restored (its value kept) when wanted again; someone else's secret fails the run."""

import json
import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.app_secrets import AppSecretsError
from ansible_collections.flask_react.aws.plugins.modules import app_secrets

from tests.unit.plugins.modules.counting import Counting
from tests.unit.plugins.modules.test_ecs_app_modules import Module, Retrying

pytestmark = pytest.mark.emulator

WRITES = ("create_secret", "restore_secret", "delete_secret", "tag_resource", "put_secret_value", "update_secret")


@pytest.fixture
def app():
    return f"s{uuid.uuid4().hex[:8]}"


class CountingPages(Counting):
    """Counting, a paginated read counted once per paginator (named by its operation)."""

    def get_paginator(self, operation):
        self.calls.append(operation)
        return self.client.get_paginator(operation)


@pytest.fixture
def client(aws):
    """The module's Secrets Manager client, counting its calls into ``client.calls``."""
    calls = []
    wrapped = Retrying(CountingPages(aws("secretsmanager"), calls))
    wrapped.calls = calls
    return wrapped


def params(app, names, **more):
    return dict(
        dict(
            names=[f"{app}/users/{name}" for name in names],
            prefix=f"{app}/",
            owned_by={"app": app, "managed-by": "flask_react.aws", "generated-by": "flask_react.aws.app_secrets"},
            tags={"team": "web"},
            length=50,
            exclude_punctuation=True,
            description="d",
            purge=False,
            recovery_window=7,
        ),
        **more,
    )


def run(aws, client, parameters, check_mode=False):
    client.calls.clear()
    return app_secrets.ensure(Module(aws, parameters, check_mode=check_mode), client)


def value_of(aws, name):
    return aws("secretsmanager").get_secret_value(SecretId=name)["SecretString"]


def test_a_secret_is_generated_once_and_planned_in_check_mode(aws, client, app):
    name = f"{app}/users/SECRET_KEY"
    planned = run(aws, client, params(app, ["SECRET_KEY"]), check_mode=True)
    assert planned["changed"] and planned["secrets"] == {name: ""}
    assert planned["plan"] == [{"type": "AWS::SecretsManager::Secret", "name": name, "action": "create"}]
    assert not set(client.calls) & set(WRITES)

    made = run(aws, client, params(app, ["SECRET_KEY"]))
    arn = made["secrets"][name]
    assert made["changed"] and made["actions"] == {name: "create"}
    assert arn.startswith("arn:aws:secretsmanager:us-west-1:") and arn.rsplit(":", 1)[-1].startswith(name + "-")
    value = value_of(aws, name)
    assert len(value) == 50 and value.isalnum()
    assert value not in json.dumps(made)
    tags = {tag["Key"]: tag["Value"] for tag in aws("secretsmanager").describe_secret(SecretId=name)["Tags"]}
    assert tags == {
        "app": app,
        "managed-by": "flask_react.aws",
        "generated-by": "flask_react.aws.app_secrets",
        "team": "web",
    }

    for check_mode in (True, False):
        again = run(aws, client, params(app, ["SECRET_KEY"], length=80), check_mode=check_mode)
        assert not again["changed"] and again["plan"] == [] and again["secrets"] == {name: arn}
        # One read for the whole app, no write, and never a value read.
        assert client.calls == ["list_secrets"]
    assert value_of(aws, name) == value


def test_a_dropped_name_is_unwanted_then_deleted_with_a_recovery_window_and_restored_with_its_value(aws, client, app):
    run(aws, client, params(app, ["SECRET_KEY", "OLD_KEY"]))
    old = f"{app}/users/OLD_KEY"
    value = value_of(aws, old)

    kept = run(aws, client, params(app, ["SECRET_KEY"]))
    assert not kept["changed"] and kept["unwanted"] == [old]

    planned = run(aws, client, params(app, ["SECRET_KEY"], purge=True), check_mode=True)
    assert planned["plan"] == [{"type": "AWS::SecretsManager::Secret", "name": old, "action": "delete"}]
    deleted = run(aws, client, params(app, ["SECRET_KEY"], purge=True))
    assert deleted["actions"] == {old: "delete"} and client.calls.count("delete_secret") == 1
    assert deleted["diff"] == {
        "before": {"secrets": sorted([old, f"{app}/users/SECRET_KEY"])},
        "after": {"secrets": [f"{app}/users/SECRET_KEY"]},
    }
    assert aws("secretsmanager").describe_secret(SecretId=old).get("DeletedDate")
    assert not run(aws, client, params(app, ["SECRET_KEY"], purge=True))["changed"]

    restored = run(aws, client, params(app, ["SECRET_KEY", "OLD_KEY"]))
    assert restored["actions"] == {old: "restore"} and "create_secret" not in client.calls
    assert restored["plan"] == [{"type": "AWS::SecretsManager::Secret", "name": old, "action": "create"}]
    assert value_of(aws, old) == value


def test_teardown_deletes_every_owned_secret_at_once_and_a_rerun_creates_anew(aws, client, app):
    run(aws, client, params(app, ["SECRET_KEY"]))
    name = f"{app}/users/SECRET_KEY"
    first = value_of(aws, name)
    gone = run(aws, client, params(app, [], purge=True, recovery_window=0))
    assert gone["actions"] == {name: "delete"} and gone["secrets"] == {}
    with pytest.raises(aws("secretsmanager").exceptions.ResourceNotFoundException):
        aws("secretsmanager").describe_secret(SecretId=name)
    again = run(aws, client, params(app, ["SECRET_KEY"]))
    assert again["actions"] == {name: "create"} and value_of(aws, name) != first


def test_only_the_apps_own_secrets_are_deleted(aws, client, app):
    sm = aws("secretsmanager")
    # Another app whose name starts like this one, a secret of ours without the generated-by tag (the IAM
    # user's console password), a hand-made secret under the prefix.
    sm.create_secret(Name=f"{app}/users/OTHER", SecretString="x", Tags=[{"Key": "app", "Value": app + "x"}])
    sm.create_secret(
        Name=f"{app}/iam/admin/console-password",
        SecretString="x",
        Tags=[{"Key": "app", "Value": app}, {"Key": "managed-by", "Value": "flask_react.aws"}],
    )
    sm.create_secret(Name=f"{app}/users/HANDMADE", SecretString="x")
    result = run(aws, client, params(app, [], purge=True, recovery_window=0))
    assert not result["changed"] and result["unwanted"] == []
    assert len(sm.list_secrets(Filters=[{"Key": "name", "Values": [f"{app}/"]}])["SecretList"]) == 3


def test_someone_elses_secret_of_a_wanted_name_fails_the_run_untouched(aws, client, app):
    sm = aws("secretsmanager")
    sm.create_secret(Name=f"{app}/users/SECRET_KEY", SecretString="theirs")
    with pytest.raises(AppSecretsError, match=f"Secret {app}/users/SECRET_KEY exists but is not one this collection"):
        run(aws, client, params(app, ["SECRET_KEY"]))
    assert value_of(aws, f"{app}/users/SECRET_KEY") == "theirs"
    assert not set(client.calls) & set(WRITES)


def test_a_secret_the_list_lags_behind_is_found_by_describe(aws, client, app, monkeypatch):
    run(aws, client, params(app, ["SECRET_KEY"]))
    # ListSecrets "might not reflect changes from the last five minutes" (API reference): an empty answer.
    monkeypatch.setattr(app_secrets, "list_owned", lambda *args: {})
    again = run(aws, client, params(app, ["SECRET_KEY"]))
    assert not again["changed"] and client.calls == ["describe_secret"]


def test_the_emulator_refuses_a_name_scheduled_for_deletion_as_aws_does(aws, app):
    sm = aws("secretsmanager")
    sm.create_secret(Name=f"{app}/x", SecretString="x")
    sm.delete_secret(SecretId=f"{app}/x", RecoveryWindowInDays=7)
    with pytest.raises(sm.exceptions.InvalidRequestException, match="already scheduled for deletion"):
        sm.create_secret(Name=f"{app}/x", SecretString="y")


@pytest.mark.parametrize(
    ("more", "message"),
    [
        ({"length": 3}, "length: 3 must be from 4 to 4096"),
        ({"length": 4097}, "length: 4097 must be from 4 to 4096"),
        ({"recovery_window": 3}, "recovery_window: 3 must be 0 (delete at once) or from 7 to 30 days"),
    ],
)
def test_options_out_of_awss_bounds_fail_before_any_call(aws, client, app, more, message):
    with pytest.raises(AppSecretsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(aws, client, params(app, ["SECRET_KEY"], **more))
    assert client.calls == []
