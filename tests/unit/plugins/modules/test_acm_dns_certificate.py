"""acm_dns_certificate against the emulator (its ACM fill issues a certificate only once the validation
CNAME is in a hosted zone of the account, and refuses to delete one a listener uses): a missing zone fails
before any write, a certificate is requested once and found again by domain and tags, its record written
once, the wait ends at ISSUED, check mode writes nothing and plans everything, absent spares the zone and
someone else's certificate. Time is a fake clock: no test waits."""

import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.modules.acm_dns_certificate import Failure, Run

from tests.unit.plugins.modules.test_ecs_app_modules import Module

pytestmark = pytest.mark.emulator

WRITES = ("request_certificate", "change_resource_record_sets", "delete_certificate", "add_tags_to_certificate")


class Counting:
    """A client taking AnsibleAWSModule's ``aws_retry`` keyword, counting the operations called."""

    def __init__(self, client, calls):
        self.client, self.calls, self.exceptions = client, calls, client.exceptions

    def __getattr__(self, name):
        call = getattr(self.client, name)

        def counted(*args, aws_retry=False, **kwargs):
            self.calls.append(name)
            return call(*args, **kwargs)

        return counted


class Clock:
    def __init__(self):
        self.time = 1000.0

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.time += seconds


@pytest.fixture
def zone(aws):
    """A public hosted zone <random>.example.com; yields (zone name, zone id)."""
    name = f"z{uuid.uuid4().hex[:8]}.example.com"
    answer = aws("route53").create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)
    return name, answer["HostedZone"]["Id"].split("/")[-1]


def params(domain, zone_name, **changes):
    values = {
        "domain_name": domain,
        "hosted_zone": zone_name,
        "state": "present",
        "tags": {"app": "shop", "managed-by": "flask_react.aws"},
        "wait": True,
        "wait_timeout": 600,
        "poll_interval": 10,
        "delete_timeout": 60,
        "alias_records": False,
        "load_balancer_name": None,
        "certificate": True,
        "alias_target": None,
    }
    values.update(changes)
    return values


def run(aws, module_params, check_mode=False, clock=None):
    calls, clock = [], clock or Clock()
    module = Module(aws, module_params, check_mode=check_mode)
    runner = Run(module, Counting(aws("acm"), calls), Counting(aws("route53"), calls), clock.sleep, clock.now)
    result = runner.present() if module_params["state"] == "present" else runner.absent()
    return result, calls


def records(aws, zone_id):
    sets = aws("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(item["Name"].rstrip("."), item["Type"]) for item in sets if item["Type"] not in ("NS", "SOA")}


def test_missing_zone_fails_naming_hosted_zone_before_any_write(aws):
    with pytest.raises(Failure, match=r"^hosted_zone: no public Route 53 hosted zone named nowhere-\w+\.example\.com"):
        zone_name = f"nowhere-{uuid.uuid4().hex[:6]}.example.com"
        run(aws, params(f"shop.{zone_name}", zone_name))


def test_requests_validates_and_waits_then_a_second_run_writes_nothing(aws, zone):
    zone_name, zone_id = zone
    domain = f"shop.{zone_name}"

    result, calls = run(aws, params(domain, zone_name))

    assert result["changed"] and result["status"] == "ISSUED"
    assert result["hosted_zone_id"] == zone_id
    assert [entry["type"] for entry in result["plan"]] == [
        "AWS::CertificateManager::Certificate",
        "AWS::Route53::RecordSet",
    ]
    assert calls.count("request_certificate") == 1 and calls.count("change_resource_record_sets") == 1
    record = result["validation_records"][0]
    assert (record["Name"].rstrip("."), "CNAME") in records(aws, zone_id)
    described = aws("acm").describe_certificate(CertificateArn=result["certificate_arn"])["Certificate"]
    assert described["DomainName"] == domain and described["Status"] == "ISSUED"
    tags = aws("acm").list_tags_for_certificate(CertificateArn=result["certificate_arn"])["Tags"]
    assert {"Key": "app", "Value": "shop"} in tags

    again, calls = run(aws, params(domain, zone_name))

    assert not again["changed"] and again["plan"] == []
    assert again["certificate_arn"] == result["certificate_arn"]
    assert not set(calls) & set(WRITES), calls


def test_emulator_keeps_a_certificate_pending_until_its_record_exists_and_the_wait_is_bounded(aws, zone):
    zone_name, zone_id = zone
    acm = aws("acm")
    arn = acm.request_certificate(DomainName=f"api.{zone_name}", ValidationMethod="DNS")["CertificateArn"]
    for _attempt in range(3):
        certificate = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        assert certificate["Status"] == "PENDING_VALIDATION"
    record = certificate["DomainValidationOptions"][0]["ResourceRecord"]
    assert record["Name"].startswith("_") and record["Name"].endswith(f".api.{zone_name}.")

    clock = Clock()
    runner = Run(Module(aws, params(f"api.{zone_name}", zone_name)), Counting(acm, []), None, clock.sleep, clock.now)
    with pytest.raises(
        Failure, match=r"^wait_timeout: the certificate of api\.\S+ is still PENDING_VALIDATION after 600"
    ):
        runner.wait_issued(certificate)
    assert clock.time == 1600

    aws("route53").change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": record["Name"],
                        "Type": "CNAME",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": record["Value"]}],
                    },
                }
            ]
        },
    )
    assert acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"] == "ISSUED"


def test_a_domain_outside_the_zone_fails_before_any_write(aws, zone):
    zone_name = zone[0]
    calls = []
    with pytest.raises(Failure, match=r"^domain_name: shop\.elsewhere\.org is not in the hosted zone"):
        run(aws, params("shop.elsewhere.org", zone_name))
    assert not set(calls) & set(WRITES)


def test_a_pending_certificate_is_found_again_never_requested_twice(aws, zone):
    zone_name, zone_id = zone
    domain = f"www.{zone_name}"
    first = run(aws, params(domain, zone_name, wait=False))[0]
    assert first["status"] == "PENDING_VALIDATION"

    # The record is gone (a run killed before writing it): the re-run finds the certificate and writes it.
    record = first["validation_records"][0]
    aws("route53").change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "DELETE",
                    "ResourceRecordSet": {
                        "Name": record["Name"],
                        "Type": "CNAME",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": record["Value"]}],
                    },
                }
            ]
        },
    )
    second, calls = run(aws, params(domain, zone_name))

    assert second["certificate_arn"] == first["certificate_arn"] and second["status"] == "ISSUED"
    assert "request_certificate" not in calls and calls.count("change_resource_record_sets") == 1
    assert [entry["type"] for entry in second["plan"]] == ["AWS::Route53::RecordSet"]


def test_check_mode_plans_the_certificate_and_writes_nothing(aws, zone):
    zone_name, zone_id = zone
    domain = f"shop.{zone_name}"

    result, calls = run(aws, params(domain, zone_name), check_mode=True)

    assert result["changed"] and result["certificate_arn"] == ""
    assert result["plan"] == [
        {"type": "AWS::CertificateManager::Certificate", "name": domain, "action": "create"},
        {"type": "AWS::Route53::RecordSet", "name": f"_<validation>.{domain} CNAME", "action": "create"},
    ]
    assert not set(calls) & set(WRITES)
    assert records(aws, zone_id) == set()


def test_absent_waits_for_the_listener_then_deletes_records_and_certificate_never_the_zone(aws, zone):
    zone_name, zone_id = zone
    domain = f"shop.{zone_name}"
    made = run(aws, params(domain, zone_name))[0]
    record_name = made["validation_records"][0]["Name"]
    # Someone else's certificate for the same name (other tags) stays.
    theirs = aws("acm").request_certificate(
        DomainName=domain, ValidationMethod="DNS", Tags=[{"Key": "app", "Value": "x"}]
    )
    # A load balancer serving the certificate, and the alias record to it.
    ec2, elb = aws("ec2"), aws("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    balancer = elb.create_load_balancer(Name=f"lb{uuid.uuid4().hex[:8]}", Subnets=subnets[:2])["LoadBalancers"][0]
    group = elb.create_target_group(Name=f"tg{uuid.uuid4().hex[:8]}", Protocol="HTTP", Port=80, VpcId=vpc)
    listener = elb.create_listener(
        LoadBalancerArn=balancer["LoadBalancerArn"],
        Protocol="HTTPS",
        Port=443,
        Certificates=[{"CertificateArn": made["certificate_arn"]}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroups"][0]["TargetGroupArn"]}],
    )["Listeners"][0]
    aws("route53").change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": domain,
                        "Type": "A",
                        "AliasTarget": {
                            "HostedZoneId": balancer["CanonicalHostedZoneId"],
                            "DNSName": balancer["DNSName"],
                            "EvaluateTargetHealth": False,
                        },
                    },
                }
            ]
        },
    )
    described = aws("acm").describe_certificate(CertificateArn=made["certificate_arn"])["Certificate"]
    assert described["InUseBy"] == [balancer["LoadBalancerArn"]]

    absent = params(
        domain, zone_name, state="absent", alias_records=True, load_balancer_name=balancer["LoadBalancerName"]
    )
    planned, calls = run(aws, absent, check_mode=True)
    # The alias to our load balancer and our certificate; the validation record stays while their
    # certificate of the name, pending, needs it (ACM asks every certificate of a name for the same one).
    assert sorted((entry["name"], entry["action"]) for entry in planned["plan"]) == [
        (domain, "delete"),
        (f"{domain} A", "delete"),
    ]
    assert not set(calls) & set(WRITES) and len(records(aws, zone_id)) == 2

    clock = Clock()
    with pytest.raises(Failure, match=r"^delete_timeout: ACM still says the certificate of shop\.\S+ .* is in use"):
        run(aws, absent, clock=clock)
    assert clock.time >= 1060
    # The records went first (a killed run leaves the certificate, found again by its tags; a record
    # whose certificate is gone could not be named again); theirs keeps its validation record.
    assert records(aws, zone_id) == {(record_name.rstrip("."), "CNAME")}

    elb.delete_listener(ListenerArn=listener["ListenerArn"])
    result = run(aws, absent)[0]

    assert result["plan"] == [{"type": "AWS::CertificateManager::Certificate", "name": domain, "action": "delete"}]
    arns = [
        c["CertificateArn"]
        for c in aws("acm").list_certificates(CertificateStatuses=["PENDING_VALIDATION", "ISSUED"])[
            "CertificateSummaryList"
        ]
    ]
    assert made["certificate_arn"] not in arns and theirs["CertificateArn"] in arns
    assert aws("route53").get_hosted_zone(Id=zone_id)["HostedZone"]["Name"].rstrip(".") == zone_name

    again, calls = run(aws, absent)
    assert not again["changed"] and not set(calls) & set(WRITES)


def test_emulator_refuses_an_alias_whose_zone_is_not_the_load_balancers(aws, zone):
    """Route 53's fill: an alias to a load balancer names it with its canonical hosted zone ID."""
    zone_name, zone_id = zone
    ec2, elb = aws("ec2"), aws("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    balancer = elb.create_load_balancer(Name=f"lb{uuid.uuid4().hex[:8]}", Subnets=subnets[:2])["LoadBalancers"][0]

    def alias(zone_of_target, dns_name=balancer["DNSName"]):
        target = {"HostedZoneId": zone_of_target, "DNSName": dns_name, "EvaluateTargetHealth": False}
        return {
            "Changes": [
                {"Action": "UPSERT", "ResourceRecordSet": {"Name": zone_name, "Type": "A", "AliasTarget": target}}
            ]
        }

    route53 = aws("route53")
    for wrong in (alias(zone_id), alias(balancer["CanonicalHostedZoneId"], "gone-1.us-west-1.elb.amazonaws.com")):
        with pytest.raises(route53.exceptions.ClientError, match="does not lie within the target zone"):
            route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch=wrong)
    route53.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch=alias(balancer["CanonicalHostedZoneId"], "dualstack." + balancer["DNSName"])
    )
    assert (zone_name, "A") in records(aws, zone_id)


def test_the_alias_record_is_written_once_and_moved_with_the_load_balancer(aws, zone):
    zone_name, zone_id = zone
    ec2, elb = aws("ec2"), aws("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    first, second = (
        elb.create_load_balancer(Name=f"lb{uuid.uuid4().hex[:8]}", Subnets=subnets[:2])["LoadBalancers"][0]
        for _attempt in range(2)
    )

    def target(balancer):
        return {"dns_name": balancer["DNSName"], "hosted_zone_id": balancer["CanonicalHostedZoneId"]}

    domain = f"shop.{zone_name}"
    made, calls = run(aws, params(domain, zone_name, certificate=False, alias_target=target(first)))
    assert made["plan"] == [{"type": "AWS::Route53::RecordSet", "name": f"{domain} A", "action": "create"}]
    assert not [call for call in calls if call in ("list_certificates", "request_certificate")]
    assert made["alias_record"] == {
        "dns_name": first["DNSName"].lower(),
        "hosted_zone_id": first["CanonicalHostedZoneId"],
    }

    # What the app role's check run reads: the record, to skip the alias run when it already points here.
    checked, calls = run(aws, params(domain, zone_name), check_mode=True)
    assert checked["alias_record"] == made["alias_record"]

    again, calls = run(aws, params(domain, zone_name, certificate=False, alias_target=target(first)))
    assert not again["changed"] and "change_resource_record_sets" not in calls

    moved = run(aws, params(domain, zone_name, certificate=False, alias_target=target(second)))[0]
    assert moved["plan"] == [{"type": "AWS::Route53::RecordSet", "name": f"{domain} A", "action": "update"}]
    alias = records_full(aws, zone_id)[(domain, "A")]["AliasTarget"]
    assert alias["DNSName"].rstrip(".") == second["DNSName"].lower()


def test_an_address_or_another_alias_at_the_name_is_never_replaced_nor_deleted(aws, zone):
    """An A record someone set (an address) fails the run before any write; an alias to something else
    (CloudFront, another load balancer) is not ours to delete on teardown."""
    zone_name, zone_id = zone
    ec2, elb = aws("ec2"), aws("elbv2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    ours, theirs = (
        elb.create_load_balancer(Name=f"lb{uuid.uuid4().hex[:8]}", Subnets=subnets[:2])["LoadBalancers"][0]
        for _attempt in range(2)
    )
    address, alias = f"www.{zone_name}", f"shop.{zone_name}"
    upsert = [
        {"Name": address, "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.10"}]},
        {
            "Name": alias,
            "Type": "A",
            "AliasTarget": {
                "HostedZoneId": theirs["CanonicalHostedZoneId"],
                "DNSName": "dualstack." + theirs["DNSName"],
                "EvaluateTargetHealth": False,
            },
        },
    ]
    aws("route53").change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": r} for r in upsert]}
    )
    target = {"dns_name": ours["DNSName"], "hosted_zone_id": ours["CanonicalHostedZoneId"]}
    with pytest.raises(Failure, match=r"already has an A record that is not an alias \(192\.0\.2\.10\)"):
        run(aws, params(address, zone_name, certificate=False, alias_target=target))
    assert records_full(aws, zone_id)[(address, "A")]["ResourceRecords"] == [{"Value": "192.0.2.10"}]

    # Route 53's dualstack. prefix is the same target: their alias compared equal, not rewritten each run.
    same = {"dns_name": theirs["DNSName"], "hosted_zone_id": theirs["CanonicalHostedZoneId"]}
    kept, calls = run(aws, params(alias, zone_name, certificate=False, alias_target=same))
    assert not kept["changed"] and "change_resource_record_sets" not in calls
    gone, calls = run(
        aws,
        params(
            alias,
            zone_name,
            state="absent",
            certificate=False,
            alias_records=True,
            load_balancer_name=ours["LoadBalancerName"],
        ),
    )
    assert "change_resource_record_sets" not in calls and (alias, "A") in records_full(aws, zone_id)


def records_full(aws, zone_id):
    sets = aws("route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(item["Name"].rstrip("."), item["Type"]): item for item in sets}
