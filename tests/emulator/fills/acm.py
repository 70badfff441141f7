"""ACM's DNS validation and in-use rule, which moto fakes with a clock.

moto issues every AMAZON_ISSUED certificate ACM_VALIDATION_WAIT seconds after its request,
whatever DNS says, gives every certificate the same validation record, and deletes a
certificate a load balancer's listener still serves. AWS (ACM User Guide, "DNS validation";
API reference, DeleteCertificate):

- a certificate requested with DNS validation stays PENDING_VALIDATION until the CNAME record
  ACM asks for (DomainValidationOptions[].ResourceRecord, a name and value unique to the
  certificate) resolves; here: until a hosted zone of the account holds that CNAME with that
  value, checked on each read (DescribeCertificate, ListCertificates), so the first read after
  the record is written sees ISSUED;
- DescribeCertificate's InUseBy lists the load balancers whose listeners use the certificate;
- DeleteCertificate on a certificate in use answers ResourceInUseException ("Certificate
  arn:... in account ... is in use.") until the listener no longer names it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from moto.acm.models import AWSCertificateManagerBackend, CertBundle, CertificateNotFound
from moto.core.exceptions import AWSError
from moto.core.utils import utcnow

# moto's one validation record for every certificate: replaced by one derived from the ARN.
_MOTO_NAME_TOKEN = "_d930b28be6c5927595552b219965053e"
_MOTO_VALUE_TOKEN = "_c9edd76ee4a0e2a74388032f3861cc50"


class ResourceInUseException(AWSError):
    TYPE = "ResourceInUseException"


def _tokens(arn: str) -> tuple[str, str]:
    digest = hashlib.sha256(arn.encode()).hexdigest()
    return "_" + digest[:32], "_" + digest[32:64]


def _bare(name: str) -> str:
    return str(name or "").rstrip(".").lower()


def validation_records(cert: CertBundle) -> list[tuple[str, str]]:
    """(name, value) of the CNAME each of the certificate's names asks for, as DescribeCertificate says."""
    name_token, value_token = _tokens(cert.arn)
    names = set(cert.sans + ([cert.common_name] if cert.common_name else []))
    return [
        (
            f"{name_token}.{name[2:] if name.startswith('*.') else name}.",
            f"{value_token}.ykybfrwcxw.acm-validations.aws.",
        )
        for name in sorted(names)
    ]


def _record_exists(account_id: str, name: str, value: str) -> bool:
    """Whether a hosted zone of the account whose name the record is under holds the CNAME with that value."""
    from moto.route53.models import route53_backends

    for partition in ("aws", "aws-cn", "aws-us-gov"):
        backend = route53_backends[account_id].get(partition) if account_id in route53_backends else None
        if backend is None:
            continue
        for zone in backend.zones.values():
            zone_name = _bare(zone.name)
            if _bare(name) != zone_name and not _bare(name).endswith("." + zone_name):
                continue
            for rrset in zone.rrsets:
                if rrset.type == "CNAME" and _bare(rrset.name) == _bare(name):
                    values = [record.get("Value") if isinstance(record, dict) else record for record in rrset.records]
                    if _bare(value) in [_bare(item) for item in values]:
                        return True
    return False


def _listeners_using(account_id: str, region: str, arn: str) -> list[str]:
    """The ARNs of the load balancers whose listeners name the certificate."""
    from moto.elbv2.models import elbv2_backends

    if account_id not in elbv2_backends or region not in elbv2_backends[account_id]:
        return []
    backend = elbv2_backends[account_id][region]
    using = []
    for balancer in backend.load_balancers.values():
        for listener in balancer.listeners.values():
            arns = [item.get("CertificateArn") if isinstance(item, dict) else item for item in listener.certificates]
            if arn in arns and balancer.arn not in using:
                using.append(balancer.arn)
    return using


def install() -> None:
    def check(self: CertBundle) -> None:
        if self._not_valid_after(self._cert) <= utcnow():
            self.status = "EXPIRED"
            return
        if self.type == "AMAZON_ISSUED" and self.status == "PENDING_VALIDATION":
            account_id = self.arn.split(":")[4]
            if all(_record_exists(account_id, name, value) for name, value in validation_records(self)):
                self.status = "ISSUED"

    CertBundle.check = check  # type: ignore[method-assign]

    describe = CertBundle.describe

    def describe_with_own_records(self: CertBundle) -> dict[str, Any]:
        result = describe(self)
        certificate = result["Certificate"]
        name_token, value_token = _tokens(self.arn)
        for option in certificate.get("DomainValidationOptions", []):
            record = option.get("ResourceRecord") or {}
            record["Name"] = record.get("Name", "").replace(_MOTO_NAME_TOKEN, name_token)
            record["Value"] = record.get("Value", "").replace(_MOTO_VALUE_TOKEN, value_token)
        parts = self.arn.split(":")
        # moto records the listener's ARN and never forgets it; AWS lists the load balancers using it now.
        certificate["InUseBy"] = _listeners_using(parts[4], parts[3], self.arn)
        return result

    CertBundle.describe = describe_with_own_records  # type: ignore[method-assign]

    def delete_certificate(self: AWSCertificateManagerBackend, arn: str) -> None:
        if arn not in self._certificates:
            raise CertificateNotFound(arn=arn, account_id=self.account_id)
        if _listeners_using(self.account_id, self.region_name, arn):
            raise ResourceInUseException(f"Certificate {arn} in account {self.account_id} is in use.")
        del self._certificates[arn]

    AWSCertificateManagerBackend.delete_certificate = delete_certificate  # type: ignore[method-assign]

    request_certificate = AWSCertificateManagerBackend.request_certificate

    def request_certificate_after_delete(self: AWSCertificateManagerBackend, *args: Any, **kwargs: Any) -> str:
        """moto answers 500 (a KeyError) when a token's certificate was deleted: forget such tokens."""
        for token, held in list(self._idempotency_tokens.items()):
            if held.get("arn") not in self._certificates:
                del self._idempotency_tokens[token]
        return request_certificate(self, *args, **kwargs)

    AWSCertificateManagerBackend.request_certificate = request_certificate_after_delete  # type: ignore[method-assign]
