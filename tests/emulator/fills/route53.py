"""Route 53 alias records to a load balancer, which moto accepts whatever they name.

AWS (Route 53 API reference, ChangeResourceRecordSets, AliasTarget; the error terraform-provider-aws's
users meet): an alias to an Elastic Load Balancing load balancer names its DNS name (optionally
``dualstack.``-prefixed) and the load balancer's canonical hosted zone ID (DescribeLoadBalancers'
CanonicalHostedZoneId); when that zone does not hold the name, CREATE and UPSERT answer HTTP 400
InvalidChangeBatch "Tried to create an alias that targets <name>., type <type> in zone <zone>, but the
alias target name does not lie within the target zone". Here: the name must be a load balancer of the
account (any region) whose canonical hosted zone ID is the one given.
"""

from __future__ import annotations

from typing import Any

from moto.route53.exceptions import Route53ClientError
from moto.route53.models import Route53Backend


class AliasTargetNotInZone(Route53ClientError):
    def __init__(self, dns_name: str, record_type: str, zone_id: str) -> None:
        super().__init__(
            "InvalidChangeBatch",
            f"[Tried to create an alias that targets {dns_name}., type {record_type} in zone {zone_id}, "
            "but the alias target name does not lie within the target zone]",
        )


def _bare(name: str) -> str:
    name = str(name or "").rstrip(".").lower()
    return name[len("dualstack.") :] if name.startswith("dualstack.") else name


def _is_elb(name: str) -> bool:
    return ".elb." in name and (name.endswith(".amazonaws.com") or name.endswith(".amazonaws.com.cn"))


def _load_balancer_zone(account_id: str, dns_name: str) -> str | None:
    """The canonical hosted zone ID of the account's load balancer with that DNS name, or None."""
    from moto.elbv2.models import elbv2_backends

    if account_id not in elbv2_backends:
        return None
    for backend in elbv2_backends[account_id].values():
        for balancer in backend.load_balancers.values():
            if _bare(balancer.dns_name) == dns_name:
                return balancer.canonical_hosted_zone_id
    return None


def check_alias(account_id: str, record_set: dict[str, Any]) -> None:
    target = record_set.get("AliasTarget") or {}
    name = _bare(target.get("DNSName", ""))
    if not name or not _is_elb(name):
        return
    zone = str(target.get("HostedZoneId", ""))
    if _load_balancer_zone(account_id, name) != zone:
        raise AliasTargetNotInZone(str(target.get("DNSName", "")).rstrip("."), record_set.get("Type", ""), zone)


def install() -> None:
    original = Route53Backend.change_resource_record_sets

    def change_resource_record_sets(self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]) -> None:
        for change in change_list:
            if change.get("Action") in ("CREATE", "UPSERT"):
                check_alias(self.account_id, change.get("ResourceRecordSet") or {})
        original(self, zoneid, change_list)

    Route53Backend.change_resource_record_sets = change_resource_record_sets  # type: ignore[method-assign]
