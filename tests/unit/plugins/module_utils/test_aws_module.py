"""AppAWSModule against the emulator: the clients of every module run in one process share one botocore
loader (each data file parsed once), while each module keeps its own region and endpoint; the loader's
search paths do not grow with each client; and nothing outside ``client()`` sees the shared loader."""

import json

import botocore.session
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule

pytestmark = pytest.mark.emulator


def module(emulator_url, region, cls=AppAWSModule):
    args = dict(endpoint_url=emulator_url, region=region, access_key="testing", secret_key="testing")
    with patch_module_args(args):
        return cls(argument_spec={})


def test_clients_of_two_module_runs_share_the_loader_and_keep_their_own_region(emulator_url):
    first = module(emulator_url, "us-west-1").client("ecs")
    second = module(emulator_url, "eu-west-1").client("ecs")

    assert first._loader is second._loader  # noqa: SLF001 (the loader is what is shared)
    assert (first.meta.region_name, second.meta.region_name) == ("us-west-1", "eu-west-1")
    assert first.meta.endpoint_url == second.meta.endpoint_url == emulator_url
    # Both work: the emulator keeps regions apart.
    first.create_cluster(clusterName="shared-loader-test")
    assert [c["clusterName"] for c in first.describe_clusters(clusters=["shared-loader-test"])["clusters"]] == [
        "shared-loader-test"
    ]
    assert second.describe_clusters(clusters=["shared-loader-test"])["failures"]


def test_a_model_is_parsed_once_for_all_clients(emulator_url, monkeypatch):
    parsed = []
    original = json.loads

    def counting_loads(text, *args, **kwargs):
        if len(text) > 10_000:  # a data file, not the module's 140-byte arguments
            parsed.append(len(text))
        return original(text, *args, **kwargs)

    module(emulator_url, "us-west-1").client("codebuild")  # this process's loader has read the files
    monkeypatch.setattr(json, "loads", counting_loads)
    for region in ("us-west-1", "us-east-1", "eu-west-1"):
        module(emulator_url, region).client("codebuild")

    assert parsed == []


def test_the_search_paths_do_not_grow_with_each_client(emulator_url):
    clients = [module(emulator_url, region).client("logs") for region in ("us-west-1", "us-east-1", "eu-west-1")]
    paths = clients[0]._loader.search_paths  # noqa: SLF001

    assert len(paths) == len(set(paths))


def test_only_client_sees_the_shared_loader(emulator_url):
    original = botocore.session.get_session
    ours = module(emulator_url, "us-west-1").client("sts")
    stock = module(emulator_url, "us-west-1", cls=AnsibleAWSModule).client("sts")

    assert botocore.session.get_session is original
    assert stock._loader is not ours._loader  # noqa: SLF001
