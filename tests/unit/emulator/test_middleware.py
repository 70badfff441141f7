"""The recorder and the fault injector in front of moto."""

import json
import random
import threading

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from tests.conftest import free_port
from tests.emulator.client import emulator_client
from tests.emulator.middleware import is_read
from tests.emulator.server import make_app


@pytest.mark.parametrize(
    ("action", "read"),
    [
        ("DescribeRules", True),
        ("ListProjects", True),
        ("GetUser", True),
        ("BatchGetProjects", True),
        ("FilterLogEvents", True),
        ("CreateRule", False),
        ("ModifyRule", False),
        ("SetRulePriorities", False),
        ("PutImageScanningConfiguration", False),
    ],
)
def test_reads_and_writes_are_told_apart(action, read):
    assert is_read(action) is read


@pytest.fixture
def serve():
    servers = []

    def start(**options):
        server = make_server(
            "127.0.0.1", free_port(), make_app(**options), threaded=True, request_handler=MotoRequestHandler
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


def client(url, service, **config):
    return emulator_client(url, service, config=Config(**config))


def test_recorder_writes_one_line_per_request(serve, tmp_path):
    record = tmp_path / "calls.jsonl"
    url = serve(record=str(record))
    ecr = client(url, "ecr")
    ecr.create_repository(repositoryName="recorded-repo")
    ecr.describe_repositories(repositoryNames=["recorded-repo"])
    client(url, "elbv2").describe_load_balancers()
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(line["service"], line["action"], line["read"]) for line in lines] == [
        ("ecr", "CreateRepository", False),
        ("ecr", "DescribeRepositories", True),
        ("elasticloadbalancing", "DescribeLoadBalancers", True),
    ]
    assert all(line["status"] == ["200"] for line in lines)


def test_route53s_rest_calls_are_named_and_told_apart(serve, tmp_path):
    """Route 53 is a REST API: its operation is the method and path, not a form's Action."""
    record = tmp_path / "calls.jsonl"
    route53 = client(serve(record=str(record)), "route53")
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="recorded")["HostedZone"]["Id"]
    route53.list_hosted_zones_by_name(DNSName="example.com")
    change = {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": "a.example.com",
            "Type": "CNAME",
            "TTL": 60,
            "ResourceRecords": [{"Value": "b.example.com"}],
        },
    }
    change_id = route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [change]})
    route53.get_change(Id=change_id["ChangeInfo"]["Id"])
    route53.list_resource_record_sets(HostedZoneId=zone)
    route53.get_hosted_zone(Id=zone)
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(line["service"], line["action"], line["read"]) for line in lines] == [
        ("route53", "CreateHostedZone", False),
        ("route53", "ListHostedZonesByName", True),
        ("route53", "ChangeResourceRecordSets", False),
        ("route53", "GetChange", True),
        ("route53", "ListResourceRecordSets", True),
        ("route53", "GetHostedZone", True),
    ]


def test_fault_injector_throttles_and_botocore_recovers(serve, tmp_path):
    url = serve(throttle_rate=0.3, seed=3, record=str(tmp_path / "calls.jsonl"))
    ecr = client(url, "ecr", retries={"mode": "standard", "max_attempts": 10})
    for index in range(20):
        ecr.create_repository(repositoryName=f"throttled-{index}")
    names = {repo["repositoryName"] for repo in ecr.describe_repositories()["repositories"]}
    assert {f"throttled-{index}" for index in range(20)} <= names
    statuses = [json.loads(line)["status"][0] for line in (tmp_path / "calls.jsonl").read_text().splitlines()]
    assert statuses.count("400") > 0 and statuses.count("503") > 0


def test_fault_injector_without_retries_surfaces_awss_throttling_code(serve):
    url = serve(throttle_rate=1.0, seed=1)
    with pytest.raises(ClientError) as caught:
        client(url, "ecr", retries={"total_max_attempts": 1}).describe_repositories()
    assert caught.value.response["Error"]["Code"] in ("ThrottlingException", "ServiceUnavailableException")


def test_same_seed_same_faults():
    from tests.emulator.middleware import FaultInjector

    rolls = [[FaultInjector(None, 0.1, random.Random(5)).rng.random() for _roll in range(5)] for _run in range(2)]
    assert rolls[0] == rolls[1]
