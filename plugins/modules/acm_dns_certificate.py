#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: acm_dns_certificate
short_description: An ACM certificate validated by DNS in a Route 53 hosted zone, requested, validated and waited for
version_added: 0.5.0
author: flask_react.aws developers (@flask-react)
description:
  - Finds the ACM certificate of O(domain_name) that carries O(tags) (issued, or still waiting for
    validation), or requests one with DNS validation (with an idempotency token and the tags); writes
    the validation CNAME ACM asks for into the public Route 53 hosted zone O(hosted_zone) (UPSERT,
    only when it differs); waits until the certificate is issued.
  - The hosted zone must exist in the account (it is never created nor deleted); a missing one fails
    naming O(hosted_zone) before any write.
  - With O(state=absent), deletes the validation record (kept while a certificate of the name that is not
    ours is issued or pending, as ACM asks them all for the same record), with O(alias_records) the alias A
    record at O(domain_name) when it points to O(load_balancer_name), then every certificate of ours for the
    name, retrying while ACM answers C(ResourceInUseException) (a listener of a load balancer being deleted
    still uses it).
  - An A record at O(domain_name) that is not an alias is never replaced - the run fails naming it.
  - With O(alias_target), points an alias A record at O(domain_name) to a load balancer; it always
    reads the record there and returns it (RV(alias_record)), so a caller can tell whether a run is needed.
  - Why not a stock module - M(community.aws.acm_certificate) only imports certificates; no module of
    amazon.aws or community.aws requests one with DNS validation, writes its record and waits. And
    M(amazon.aws.route53) for the alias - its O(amazon.aws.route53#module:region) option is a latency
    record's, so the collection's C(module_defaults) region breaks it, and it lists every record of the
    zone on each run, where this module reads one.
  - Supports check mode (nothing requested, written, waited for or deleted; the plan says what
    would be) and diff mode.
options:
  domain_name:
    description: The name the certificate covers, for example V(shop.example.com).
    type: str
    required: true
  hosted_zone:
    description:
      - The public Route 53 hosted zone O(domain_name) is in, for example V(example.com).
      - Required with O(state=present); with O(state=absent) and no zone (or a zone that is gone), only
        the certificate is deleted.
    type: str
  state:
    description: V(present) finds or requests, validates and waits; V(absent) deletes.
    type: str
    choices: [present, absent]
    default: present
  tags:
    description:
      - Tags of a new certificate. A certificate of O(domain_name) is this module's only when it has
        every one of them (how a re-run finds it, and how O(state=absent) spares someone else's).
    type: dict
    default: {}
  wait:
    description: Wait until the certificate is issued (a listener cannot use it before).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for C(ISSUED) (ACM validates within minutes once the record resolves).
    type: int
    default: 1800
  poll_interval:
    description: Seconds between two reads while waiting.
    type: int
    default: 10
  delete_timeout:
    description: Seconds O(state=absent) retries the delete while ACM says the certificate is in use.
    type: int
    default: 300
  alias_records:
    description:
      - With O(state=absent), also delete the alias A record at O(domain_name), only when it points to
        O(load_balancer_name) (an alias to anything else is left alone).
    type: bool
    default: false
  load_balancer_name:
    description:
      - The load balancer whose alias record O(alias_records) deletes (its DNS name is
        C([internal-]<name>-<id>.<region>.elb.amazonaws.com), with or without C(dualstack.)).
    type: str
  alias_target:
    description:
      - With O(state=present), the load balancer the alias A record at O(domain_name) points to (UPSERT, only when
        it differs). Left out, the record is only read (RV(alias_record)).
    type: dict
    suboptions:
      dns_name:
        description: The load balancer's DNS name (DescribeLoadBalancers' C(DNSName)).
        type: str
        required: true
      hosted_zone_id:
        description: The load balancer's canonical hosted zone ID (C(CanonicalHostedZoneId)).
        type: str
        required: true
  certificate:
    description:
      - With O(state=present), find, request, validate and wait for the certificate. V(false) manages only the alias
        record (no ACM call) - the run after the load balancer exists.
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A certificate for shop.example.com, validated in the zone example.com
  flask_react.aws.acm_dns_certificate:
    domain_name: shop.example.com
    hosted_zone: example.com
    tags: {app: shop}
  register: certificate

- name: Point shop.example.com at the load balancer (after it exists; no ACM call)
  flask_react.aws.acm_dns_certificate:
    domain_name: shop.example.com
    hosted_zone: example.com
    certificate: false
    alias_target:
      dns_name: "{{ load_balancer.dns_name }}"
      hosted_zone_id: "{{ load_balancer.canonical_hosted_zone_id }}"

- name: Delete the certificate, its validation record and the alias records
  flask_react.aws.acm_dns_certificate:
    domain_name: shop.example.com
    hosted_zone: example.com
    tags: {app: shop}
    alias_records: true
    state: absent
"""

RETURN = r"""
certificate_arn:
  description: The certificate's ARN; empty when there is none (check mode before the request, absent).
  returned: always
  type: str
  sample: arn:aws:acm:us-west-1:123456789012:certificate/0b6f0b8e-9a7d-4f3c-8d71-2f6d1c3b4a5e
status:
  description: The certificate's status (C(ISSUED), C(PENDING_VALIDATION)...); empty when there is none.
  returned: always
  type: str
  sample: ISSUED
hosted_zone_id:
  description: The hosted zone's ID; empty when it is not known.
  returned: always
  type: str
  sample: Z0123456789ABCDEFGHIJ
validation_records:
  description: The CNAME records ACM asks for.
  returned: always
  type: list
  elements: dict
  sample: [{Name: _1a2b.shop.example.com., Type: CNAME, Value: _3c4d.acm-validations.aws.}]
alias_record:
  description: The alias A record at O(domain_name) (after the run), C({dns_name, hosted_zone_id}); empty when none.
  returned: always
  type: dict
  sample: {dns_name: dom-alb-1234567890.us-west-1.elb.amazonaws.com, hosted_zone_id: Z368ELLRRE2KJ0}
plan:
  description: What changed, or would in check mode, as C({type, name, action}).
  returned: always
  type: list
  elements: dict
  sample: [{type: "AWS::CertificateManager::Certificate", name: shop.example.com, action: create}]
"""

import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.acm_dns import (
    ALL_STATUSES,
    DEAD,
    REUSABLE,
    bare,
    idempotency_token,
    in_zone,
    pick,
    record_differs,
    record_set,
    tag_list,
    tags_match,
    validation_records,
)
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.plan import entry

CERTIFICATE = "AWS::CertificateManager::Certificate"
RECORD = "AWS::Route53::RecordSet"


class Failure(Exception):
    """A message for fail_json."""


def find_zone(route53, name):
    """The ID of the public hosted zone ``name``, or None."""
    answer = route53.list_hosted_zones_by_name(aws_retry=True, DNSName=bare(name) + ".", MaxItems="10")
    for zone in answer.get("HostedZones", []):
        if bare(zone["Name"]) == bare(name) and not zone.get("Config", {}).get("PrivateZone"):
            return zone["Id"].split("/")[-1]
    return None


def find_certificate(acm, domain_name, tags, statuses):
    """The certificate of ``domain_name`` with every tag (DescribeCertificate's), or None."""
    chosen = pick(certificates(acm, domain_name, tags, statuses)[0])
    return describe(acm, chosen["CertificateArn"]) if chosen else None


def certificates(acm, domain_name, tags, statuses):
    """The certificate summaries of ``domain_name`` in ``statuses``: (those with every tag, the others)."""
    candidates, token = [], None
    while True:
        page = acm.list_certificates(
            aws_retry=True, CertificateStatuses=statuses, **({"NextToken": token} if token else {})
        )
        candidates += [
            summary
            for summary in page.get("CertificateSummaryList", [])
            if bare(summary["DomainName"]) == bare(domain_name)
        ]
        token = page.get("NextToken")
        if not token:
            break
    ours, others = [], []
    for summary in candidates:
        found = acm.list_tags_for_certificate(aws_retry=True, CertificateArn=summary["CertificateArn"]).get("Tags")
        (ours if tags_match(tags, found) else others).append(summary)
    return ours, others


def load_balancer_dns(dns_name):
    """A load balancer's DNS name as an alias compares it: bare, without Route 53's C(dualstack.) prefix."""
    name = bare(dns_name)
    return name[len("dualstack.") :] if name.startswith("dualstack.") else name


def points_to(target, load_balancer_name):
    """Whether an alias target is the load balancer named so: its DNS name is
    ``[internal-]<name>-<id>.<region>.elb.amazonaws.com`` (ELB's form)."""
    name = load_balancer_dns((target or {}).get("DNSName"))
    name = name[len("internal-") :] if name.startswith("internal-") else name
    return bool(load_balancer_name) and name.startswith(f"{load_balancer_name.lower()}-") and ".elb." in name


def describe(acm, arn):
    return acm.describe_certificate(aws_retry=True, CertificateArn=arn)["Certificate"]


def record_at(route53, zone_id, name, record_type):
    """The zone's record set of that name and type, or None."""
    answer = route53.list_resource_record_sets(
        aws_retry=True, HostedZoneId=zone_id, StartRecordName=name, StartRecordType=record_type, MaxItems="1"
    )
    for found in answer.get("ResourceRecordSets", []):
        if bare(found["Name"]) == bare(name) and found["Type"] == record_type:
            return found
    return None


def change(route53, zone_id, action, record_sets):
    route53.change_resource_record_sets(
        aws_retry=True,
        HostedZoneId=zone_id,
        ChangeBatch={
            "Comment": "flask_react.aws.acm_dns_certificate",
            "Changes": [{"Action": action, "ResourceRecordSet": item} for item in record_sets],
        },
    )


class Run:
    """One run of the module: ``module`` has params, check_mode and _diff; ``sleep``/``now`` a clock."""

    def __init__(self, module, acm, route53, sleep=time.sleep, now=time.monotonic):
        self.module, self.acm, self.route53, self.sleep, self.now = module, acm, route53, sleep, now
        self.params = module.params
        self.plan = []
        self.token = idempotency_token()

    def zone(self, required):
        zone_id = find_zone(self.route53, self.params["hosted_zone"]) if self.params.get("hosted_zone") else None
        if zone_id is None and required:
            raise Failure(
                f"hosted_zone: no public Route 53 hosted zone named {self.params.get('hosted_zone')} in this account "
                "(it is never created here: create it, and delegate the domain to its name servers)"
            )
        return zone_id

    def request(self):
        """Request the certificate; wait (bounded) for the validation record ACM adds seconds later."""
        tags = self.params["tags"] or {}
        arn = self.acm.request_certificate(
            aws_retry=True,
            DomainName=self.params["domain_name"],
            ValidationMethod="DNS",
            IdempotencyToken=self.token,
            **({"Tags": tag_list(tags)} if tags else {}),
        )["CertificateArn"]
        deadline = self.now() + self.params["wait_timeout"]
        while True:
            certificate = describe(self.acm, arn)
            if validation_records(certificate) or self.now() >= deadline:
                return certificate
            self.sleep(max(self.params["poll_interval"], 1))

    def write_records(self, zone_id, records):
        """UPSERT each validation record the zone does not hold as ACM asks."""
        stale = [
            record
            for record in records
            if record_differs(record, record_at(self.route53, zone_id, record["Name"], "CNAME"))
        ]
        self.plan += [entry(RECORD, f"{bare(record['Name'])} CNAME", "create") for record in stale]
        if stale and not self.module.check_mode:
            change(self.route53, zone_id, "UPSERT", [record_set(record) for record in stale])
        return bool(stale)

    def wait_issued(self, certificate):
        deadline = self.now() + self.params["wait_timeout"]
        while certificate["Status"] != "ISSUED":
            if certificate["Status"] in DEAD:
                raise Failure(
                    f"domain_name: the certificate of {self.params['domain_name']} is {certificate['Status']} "
                    f"({certificate.get('FailureReason', 'no reason given')}); delete it and run again"
                )
            if self.now() >= deadline:
                raise Failure(
                    f"wait_timeout: the certificate of {self.params['domain_name']} is still {certificate['Status']} "
                    f"after {self.params['wait_timeout']} s; is {self.params['hosted_zone']} the zone the domain's "
                    "registrar delegates to (its NS records)?"
                )
            self.sleep(max(self.params["poll_interval"], 1))
            certificate = describe(self.acm, certificate["CertificateArn"])
        return certificate

    def present(self):
        if not in_zone(self.params["domain_name"], self.params["hosted_zone"]):
            raise Failure(
                f"domain_name: {self.params['domain_name']} is not in the hosted zone {self.params['hosted_zone']} "
                "(it must be the zone's name or end with '.' and it)"
            )
        zone_id = self.zone(required=True)
        certificate, before = None, {}
        if self.params["certificate"]:
            certificate = find_certificate(self.acm, self.params["domain_name"], self.params["tags"], list(REUSABLE))
            before = {"certificate": bool(certificate), "status": (certificate or {}).get("Status", "")}
            if certificate is None:
                self.plan.append(entry(CERTIFICATE, self.params["domain_name"], "create"))
                if self.module.check_mode:
                    # ACM names the record only once it has the request: planned under a stand-in name.
                    self.plan.append(entry(RECORD, f"_<validation>.{bare(self.params['domain_name'])} CNAME", "create"))
                else:
                    certificate = self.request()
            if certificate is not None:
                self.write_records(zone_id, validation_records(certificate))
            if certificate is not None and self.params["wait"] and not self.module.check_mode:
                certificate = self.wait_issued(describe(self.acm, certificate["CertificateArn"]))
        alias = self.alias(zone_id)
        before["alias_record"] = alias
        return self.result(zone_id, certificate, before, self.ensure_alias(zone_id, alias))

    def alias(self, zone_id):
        """The alias A record at domain_name: ``{dns_name, hosted_zone_id}``, ``{}`` when there is none."""
        found = record_at(self.route53, zone_id, self.params["domain_name"], "A")
        target = (found or {}).get("AliasTarget")
        if found and not target and self.params["alias_target"]:
            # UPSERT would replace the address someone set: never done here, and said before any write.
            values = ", ".join(item["Value"] for item in found.get("ResourceRecords", []))
            raise Failure(
                f"domain_name: {self.params['domain_name']} already has an A record that is not an alias ({values}); "
                "it is not replaced: delete it, or choose another app_domain"
            )
        if not target:
            return {}
        return {"dns_name": load_balancer_dns(target["DNSName"]), "hosted_zone_id": target["HostedZoneId"]}

    def ensure_alias(self, zone_id, alias):
        """UPSERT the alias A record to alias_target when it differs; returns the record after."""
        wanted = self.params["alias_target"]
        if not wanted:
            return alias
        target = {"dns_name": load_balancer_dns(wanted["dns_name"]), "hosted_zone_id": wanted["hosted_zone_id"]}
        if target == alias:
            return alias
        self.plan.append(entry(RECORD, f"{bare(self.params['domain_name'])} A", "update" if alias else "create"))
        if not self.module.check_mode:
            record = {
                "Name": bare(self.params["domain_name"]) + ".",
                "Type": "A",
                # Route 53 keeps the target lower-case with a final dot: given so, a re-read compares equal.
                "AliasTarget": {
                    "HostedZoneId": target["hosted_zone_id"],
                    "DNSName": target["dns_name"] + ".",
                    "EvaluateTargetHealth": False,
                },
            }
            change(self.route53, zone_id, "UPSERT", [record])
        return target

    def absent(self):
        zone_id = self.zone(required=False)
        ours, others = certificates(self.acm, self.params["domain_name"], self.params["tags"], ALL_STATUSES)
        # Every certificate of ours for the name (a timed-out or failed one too), the one a re-run kept first.
        doomed_certificates = [describe(self.acm, summary["CertificateArn"]) for summary in ours]
        certificate = pick(doomed_certificates)
        before = {"certificate": bool(certificate), "status": (certificate or {}).get("Status", "")}
        if zone_id:
            doomed = []
            # ACM asks every certificate of a name in the account for the same validation record: it stays
            # while a certificate that is not ours (issued or pending) renews or validates with it.
            shared = any(summary.get("Status") in REUSABLE for summary in others)
            for record in [] if shared else validation_records(certificate):
                found = record_at(self.route53, zone_id, record["Name"], "CNAME")
                if found and not record_differs(record, found):
                    doomed.append(found)
            if self.params["alias_records"]:
                # Only the alias to our load balancer: one to CloudFront or another load balancer is someone's site.
                found = record_at(self.route53, zone_id, self.params["domain_name"], "A")
                if found and points_to(found.get("AliasTarget"), self.params["load_balancer_name"]):
                    doomed.append(found)
            self.plan += [entry(RECORD, f"{bare(found['Name'])} {found['Type']}", "delete") for found in doomed]
            if doomed and not self.module.check_mode:
                change(self.route53, zone_id, "DELETE", doomed)
        for doomed_certificate in doomed_certificates:
            self.plan.append(entry(CERTIFICATE, self.params["domain_name"], "delete"))
            if not self.module.check_mode:
                self.delete(doomed_certificate["CertificateArn"])
        return self.result(zone_id, None, before)

    def delete(self, arn):
        deadline = self.now() + self.params["delete_timeout"]
        while True:
            try:
                self.acm.delete_certificate(aws_retry=True, CertificateArn=arn)
                return
            except is_boto3_error_code("ResourceNotFoundException"):
                return
            except is_boto3_error_code("ResourceInUseException"):
                if self.now() >= deadline:
                    users = describe(self.acm, arn).get("InUseBy")
                    raise Failure(
                        f"delete_timeout: ACM still says the certificate of {self.params['domain_name']} ({arn}) "
                        f"is in use after {self.params['delete_timeout']} s (in use by {users})"
                    ) from None
                self.sleep(max(self.params["poll_interval"], 1))

    def result(self, zone_id, certificate, before, alias=None):
        certificate = certificate or {}
        after = {"certificate": bool(certificate), "status": certificate.get("Status", ""), "alias_record": alias or {}}
        result = dict(
            changed=bool(self.plan),
            certificate_arn=certificate.get("CertificateArn", ""),
            status=certificate.get("Status", ""),
            hosted_zone_id=zone_id or "",
            validation_records=validation_records(certificate),
            alias_record=alias or {},
            plan=self.plan,
        )
        if self.module._diff:
            result["diff"] = {"before": before, "after": after}
        return result


def main():
    argument_spec = dict(
        domain_name=dict(type="str", required=True),
        hosted_zone=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        tags=dict(type="dict", default={}),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        poll_interval=dict(type="int", default=10),
        delete_timeout=dict(type="int", default=300),
        alias_records=dict(type="bool", default=False),
        load_balancer_name=dict(type="str"),
        certificate=dict(type="bool", default=True),
        alias_target=dict(
            type="dict",
            options=dict(dns_name=dict(type="str", required=True), hosted_zone_id=dict(type="str", required=True)),
        ),
    )
    module = AppAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "present", ["hosted_zone"]), ("alias_records", True, ["load_balancer_name"])],
        supports_check_mode=True,
    )
    retry = AWSRetry.jittered_backoff(retries=10)
    run = Run(module, module.client("acm", retry_decorator=retry), module.client("route53", retry_decorator=retry))
    try:
        result = run.present() if module.params["state"] == "present" else run.absent()
    except Failure as failure:
        module.fail_json(msg=str(failure))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to manage the ACM certificate of {module.params['domain_name']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
