"""codebuild_project against the emulator: a webhook in an account without the provider's source credentials
fails with a message that names the option bringing them (two environments in one account: only one imports)."""

import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.modules.codebuild_project import ensure_webhook

from tests.emulator.client import github_project

pytestmark = pytest.mark.emulator

# A region of its own: the account's source credentials are per region, and other tests import them.
REGION = "ca-central-1"


class Failed(Exception):
    pass


class Module:
    check_mode = False

    def __init__(self, name):
        self.params = {"name": name, "webhook_events": ["PUSH"], "webhook_branch": "main"}

    def fail_json_aws(self, error, msg):
        raise Failed(f"{msg}: {error}")


class Retrying:
    """A boto3 client that accepts the ``aws_retry`` keyword AnsibleAWSModule's clients take."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        return lambda aws_retry=False, **kwargs: getattr(self.client, name)(**kwargs)


def test_a_webhook_without_the_accounts_credentials_names_source_token(aws):
    client = aws("codebuild", region_name=REGION)
    name = f"p-{uuid.uuid4().hex[:8]}"
    project = github_project(client, name, "codebuild", "https://github.com/owner/repo.git")

    with pytest.raises(Failed) as failed:
        ensure_webhook(Module(name), Retrying(client), project)
    message = str(failed.value)
    assert "has no GITHUB source credentials; give source_token once per account" in message
    assert "OAuthProviderException" in message
    assert "webhook" not in client.batch_get_projects(names=[name])["projects"][0]

    # Once the account holds them (another environment's run imported them), the same call makes the hook.
    client.import_source_credentials(token="ghp_dummy", serverType="GITHUB", authType="PERSONAL_ACCESS_TOKEN")
    assert ensure_webhook(Module(name), Retrying(client), project) == "create"
    groups = client.batch_get_projects(names=[name])["projects"][0]["webhook"]["filterGroups"]
    assert {"type": "HEAD_REF", "pattern": "^refs/heads/main$"} in groups[0]
