"""AppAWSModule against the emulator: the clients of every module run in one process share one botocore
loader (each data file parsed once), while each module keeps its own region and endpoint; the loader's
search paths do not grow with each client; and once one of our clients started, the stock modules'
clients of the same process (mitogen's one interpreter) share it too, the wrap made once."""

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


@pytest.fixture
def parsed(monkeypatch):
    """Once asked for, the sizes of the data files json.loads parses (not a module's 140-byte arguments)."""
    sizes = []
    original = json.loads

    def counting_loads(text, *args, **kwargs):
        if len(text) > 10_000:
            sizes.append(len(text))
        return original(text, *args, **kwargs)

    def start():
        monkeypatch.setattr(json, "loads", counting_loads)
        return sizes

    return start


def test_a_model_is_parsed_once_for_all_clients(emulator_url, parsed):
    module(emulator_url, "us-west-1").client("codebuild")  # this process's loader has read the files
    parsed = parsed()
    for region in ("us-west-1", "us-east-1", "eu-west-1"):
        module(emulator_url, region).client("codebuild")

    assert parsed == []


def test_the_search_paths_do_not_grow_with_each_client(emulator_url):
    clients = [module(emulator_url, region).client("logs") for region in ("us-west-1", "us-east-1", "eu-west-1")]
    paths = clients[0]._loader.search_paths  # noqa: SLF001

    assert len(paths) == len(set(paths))


def test_after_our_first_client_the_stock_modules_clients_share_it_parsing_nothing_again(emulator_url, parsed):
    ours = module(emulator_url, "us-west-1").client("sts")
    wrapped = botocore.session.get_session
    parsed = parsed()
    stock = module(emulator_url, "eu-west-1", cls=AnsibleAWSModule).client("sts")
    again = module(emulator_url, "us-east-1").client("sts")

    assert stock._loader is ours._loader is again._loader  # noqa: SLF001
    assert parsed == []
    # One wrap for the process, however many module runs start clients.
    assert botocore.session.get_session is wrapped
    # The stock client keeps its own arguments and works.
    assert stock.meta.region_name == "eu-west-1"
    assert stock.get_caller_identity()["Account"]
