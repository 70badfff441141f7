# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of flask_react.aws.acm_dns_certificate: names, matching, the record change (no boto3)."""

from __future__ import annotations

import uuid

# Every status a certificate can have (ListCertificates returns only ISSUED ones... unless asked).
ALL_STATUSES = ["PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"]
# A certificate a re-run reuses: issued, or still waiting for its DNS record.
REUSABLE = ("ISSUED", "PENDING_VALIDATION")
# A certificate that will never be issued: the wait stops and says why.
DEAD = ("VALIDATION_TIMED_OUT", "FAILED", "REVOKED", "EXPIRED", "INACTIVE")
# The TTL of the validation record (the one terraform's and ACM's console examples use).
VALIDATION_TTL = 300


def bare(name):
    """A DNS name without its final dot, lower-case (Route 53 answers with the dot, users write without)."""
    return str(name or "").rstrip(".").lower()


def idempotency_token():
    """RequestCertificate's IdempotencyToken (\\w, at most 32), one per module run: the SDK's retries of the
    request (a lost answer) resend it and get the same certificate. Not derived from the name: within the
    hour a token lives, a request after a teardown must make a new certificate, not name the deleted one
    (a re-run finds a certificate it made by its tags instead)."""
    return uuid.uuid4().hex


def tag_list(tags):
    return [{"Key": str(key), "Value": str(value)} for key, value in sorted((tags or {}).items())]


def tags_match(wanted, found):
    """Whether the certificate's tags (``[{Key, Value}]``) hold every wanted tag."""
    have = {item["Key"]: item.get("Value", "") for item in found or []}
    return all(have.get(str(key)) == str(value) for key, value in (wanted or {}).items())


def pick(candidates):
    """The certificate a re-run keeps among those matching: ISSUED first, then the newest."""
    ordered = sorted(candidates, key=lambda cert: (cert.get("Status") != "ISSUED", -_epoch(cert.get("CreatedAt"))))
    return ordered[0] if ordered else None


def _epoch(value):
    if value is None:
        return 0.0
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def validation_records(certificate):
    """The CNAMEs ACM asks for (one per name; a name and its wildcard share one): ``[{Name, Type, Value}]``."""
    records, seen = [], set()
    for option in (certificate or {}).get("DomainValidationOptions") or []:
        record = option.get("ResourceRecord")
        if not record or (record["Name"], record["Value"]) in seen:
            continue
        seen.add((record["Name"], record["Value"]))
        records.append({"Name": record["Name"], "Type": record.get("Type", "CNAME"), "Value": record["Value"]})
    return records


def record_set(record):
    """The ResourceRecordSet of a validation record."""
    return {
        "Name": record["Name"],
        "Type": record["Type"],
        "TTL": VALIDATION_TTL,
        "ResourceRecords": [{"Value": record["Value"]}],
    }


def record_differs(record, existing):
    """Whether the zone's record set at that name (``existing``, or None) is not the validation record."""
    if not existing or existing.get("AliasTarget"):
        return True
    values = [bare(item["Value"]) for item in existing.get("ResourceRecords") or []]
    return values != [bare(record["Value"])]


def in_zone(name, zone):
    """Whether ``name`` is ``zone`` or under it."""
    return bare(name) == bare(zone) or bare(name).endswith("." + bare(zone))
