"""app_domain through the alb role's part of site.yml and teardown.yml (tests/unit/playbooks/alb_stack.yml,
a one-service app): a missing hosted zone fails before any write naming app_hosted_zone; a converge requests
the certificate, writes its validation record, waits until the emulator issues it (it does once the record is
in the zone), serves HTTPS with it (HTTP redirecting), points an alias A record at the load balancer and gives
the build https://<app_domain>; a second run changes nothing and writes nothing; teardown removes the records
and the certificate (after the listener let it go), never the zone. (What --check on an empty account plans
for a domain, test_aws_lag.py asserts on its app's plan.)"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes

STACK = "../tests/unit/playbooks/alb_stack.yml"
ZONE = f"shop{uuid.uuid4().hex[:6]}.example.com"
DOMAIN = f"www.{ZONE}"
SETTINGS = {
    "app_name": "dom",
    "app_services": [{"name": "web", "port": 80, "health_check_path": "/", "default": True}],
    "ecs_enabled": False,
    "app_domain": DOMAIN,
    "app_hosted_zone": ZONE,
    "alb_poll_interval": 1,
}


@pytest.fixture(scope="module")
def zone_id(recording_emulator: Any) -> str:
    zone = emulator_client(recording_emulator[0], "route53").create_hosted_zone(
        Name=ZONE, CallerReference=uuid.uuid4().hex
    )
    return zone["HostedZone"]["Id"].split("/")[-1]


@pytest.fixture(scope="module")
def stack(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    state: Path = tmp_path_factory.mktemp("state")

    def run(*args: str, **extra: Any) -> tuple[Any, list]:
        return run_playbook(*recording_emulator, state, STACK, *args, "-e", json.dumps(dict(SETTINGS, **extra)))

    return run


def records(port: int, zone: str) -> dict[tuple[str, str], dict[str, Any]]:
    sets = emulator_client(port, "route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {(item["Name"].rstrip("."), item["Type"]): item for item in sets if item["Type"] not in ("NS", "SOA")}


def certificates(port: int) -> list[dict[str, Any]]:
    acm = emulator_client(port, "acm")
    summaries = acm.list_certificates(CertificateStatuses=["PENDING_VALIDATION", "ISSUED"])["CertificateSummaryList"]
    return [acm.describe_certificate(CertificateArn=c["CertificateArn"])["Certificate"] for c in summaries]


def test_a_missing_hosted_zone_fails_before_any_write_naming_app_hosted_zone(stack: Any) -> None:
    done, calls = stack(app_hosted_zone="nowhere.example.org", app_domain="www.nowhere.example.org")
    assert done.returncode != 0
    shown = " ".join(done.stdout.split())
    assert "app_hosted_zone: no public Route 53 hosted zone named nowhere.example.org" in shown, done.stdout[-2000:]
    assert writes(calls) == []
    assert "acm:RequestCertificate" not in [f"{c['service']}:{c['action']}" for c in calls]


def test_a_converge_serves_https_on_the_domain_with_an_issued_certificate(
    stack: Any, zone_id: str, recording_emulator: Any
) -> None:
    done = stack()[0]
    assert done.returncode == 0, done.stdout[-3000:]
    port = recording_emulator[0]
    (certificate,) = [c for c in certificates(port) if c["DomainName"] == DOMAIN]
    assert certificate["Status"] == "ISSUED"
    found = records(port, zone_id)
    validation = certificate["DomainValidationOptions"][0]["ResourceRecord"]
    assert (validation["Name"].rstrip("."), "CNAME") in found
    elb = emulator_client(port, "elbv2")
    (balancer,) = elb.describe_load_balancers(Names=["dom-alb"])["LoadBalancers"]
    alias = found[(DOMAIN, "A")]["AliasTarget"]
    assert alias["DNSName"].rstrip(".") == balancer["DNSName"].lower()
    assert alias["HostedZoneId"] == balancer["CanonicalHostedZoneId"]
    listeners = {
        item["Port"]: item for item in elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    }
    assert listeners[443]["Certificates"] == [{"CertificateArn": certificate["CertificateArn"]}]
    assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"
    assert certificate["InUseBy"] == [balancer["LoadBalancerArn"]]
    assert re.search(rf"URL https://{re.escape(DOMAIN)}\b", done.stdout), done.stdout[-2000:]


def test_a_second_run_changes_nothing_and_writes_nothing(stack: Any) -> None:
    done, calls = stack()
    assert done.returncode == 0, done.stdout[-3000:]
    assert recap(done.stdout)["changed"] == 0, done.stdout[-3000:]
    assert writes(calls) == []
    # The certificate was found issued with its record, the alias pointing here: the app role's check run
    # alone (README: 6 reads), the alb role's runs of the module skipped.
    domain_calls = [f"{c['service']}:{c['action']}" for c in calls if c["service"] in ("acm", "route53")]
    assert sorted(domain_calls) == sorted(
        ["acm:ListCertificates", "acm:ListTagsForCertificate", "acm:DescribeCertificate"]
        + ["route53:ListHostedZonesByName"]
        + ["route53:ListResourceRecordSets"] * 2
    ), domain_calls


def test_app_domain_state_absent_goes_back_to_plain_http_and_removes_records_and_certificate(
    stack: Any, zone_id: str, recording_emulator: Any
) -> None:
    done = stack(app_domain_state="absent")[0]
    assert done.returncode == 0, done.stdout[-3000:]
    port = recording_emulator[0]
    elb = emulator_client(port, "elbv2")
    (balancer,) = elb.describe_load_balancers(Names=["dom-alb"])["LoadBalancers"]
    listeners = elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
    assert [(item["Port"], item["DefaultActions"][0]["Type"]) for item in listeners] == [(80, "forward")]
    assert records(port, zone_id) == {}
    assert [c for c in certificates(port) if c["DomainName"] == DOMAIN] == []
    assert re.search(rf"URL http://{re.escape(balancer['DNSName'])}", done.stdout), done.stdout[-2000:]
    # Back on: a new certificate, its record and the alias again (teardown below removes them).
    done = stack()[0]
    assert done.returncode == 0, done.stdout[-3000:]
    assert [c["Status"] for c in certificates(port) if c["DomainName"] == DOMAIN] == ["ISSUED"]
    assert (DOMAIN, "A") in records(port, zone_id)


def test_teardown_removes_the_records_and_the_certificate_never_the_zone(
    stack: Any, zone_id: str, recording_emulator: Any
) -> None:
    done = stack(stack_state="absent")[0]
    assert done.returncode == 0, done.stdout[-3000:]
    port = recording_emulator[0]
    assert records(port, zone_id) == {}
    assert [c for c in certificates(port) if c["DomainName"] == DOMAIN] == []
    zone = emulator_client(port, "route53").get_hosted_zone(Id=zone_id)["HostedZone"]
    assert zone["Name"].rstrip(".") == ZONE
