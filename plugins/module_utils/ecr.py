# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECR registry hosts and image URIs, with the naming rules of each part (shared by the filters)."""

from __future__ import annotations

import re

ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
REPOSITORY = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")

# Region prefix -> DNS suffix of that partition; the first match wins.
DNS_SUFFIXES = (
    ("cn-", "amazonaws.com.cn"),
    ("us-isob-", "sc2s.sgov.gov"),
    ("us-isof-", "csp.hci.ic.gov"),
    ("us-iso-", "c2s.ic.gov"),
    ("eu-isoe-", "cloud.adc-e.uk"),
    ("eusc-", "amazonaws.eu"),
)
DEFAULT_DNS_SUFFIX = "amazonaws.com"


class EcrNameError(ValueError):
    """A part of an ECR name breaks its rule; the message names the part and the rule."""


def dns_suffix(region):
    """The DNS suffix of the partition that ``region`` belongs to."""
    for prefix, suffix in DNS_SUFFIXES:
        if region.startswith(prefix):
            return suffix
    return DEFAULT_DNS_SUFFIX


def _check(name, value, pattern, rule):
    if not isinstance(value, str) or not pattern.match(value):
        raise EcrNameError(f"{name} {value!r} is invalid: {rule}")


def registry(account_id, region):
    """``<account>.dkr.ecr.<region>.<partition domain>``."""
    if isinstance(account_id, int) and not isinstance(account_id, bool):
        # YAML reads an unquoted account ID as a number and drops its leading zeros.
        account_id = str(account_id).zfill(12)
    _check("account_id", account_id, ACCOUNT_ID, "it must be 12 digits")
    _check("region", region, REGION, "it must look like 'us-west-1'")
    return f"{account_id}.dkr.ecr.{region}.{dns_suffix(region)}"


def image_uri(repository, account_id, region, tag="latest", digest=None):
    """``<registry>/<repository>:<tag>``, or ``@<digest>`` when a digest is given."""
    _check("repository", repository, REPOSITORY, "lowercase letters and digits separated by '.', '_', '-' or '/'")
    if not 2 <= len(repository) <= 256:
        raise EcrNameError(f"repository {repository!r} is invalid: it must be 2 to 256 characters")
    host = registry(account_id, region)
    if digest is not None:
        _check("digest", digest, DIGEST, "it must be 'sha256:' and 64 lowercase hex digits")
        return f"{host}/{repository}@{digest}"
    _check("tag", tag, TAG, "letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'")
    return f"{host}/{repository}:{tag}"
