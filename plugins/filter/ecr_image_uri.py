# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ecr_image_uri
short_description: Build the URI of an image in Amazon ECR
version_added: 0.1.0
author: flask_react.aws developers
description:
  - Returns C(<account>.dkr.ecr.<region>.<dns suffix>/<repository>:<tag>), or
    C(...<repository>@sha256:<hex>) when O(digest) is given.
  - The DNS suffix follows the region's partition, for example C(amazonaws.com.cn)
    in the China regions and C(amazonaws.com) in the commercial and GovCloud ones.
  - Every part is validated first; a bad one fails with a message that names it and the rule.
options:
  _input:
    description:
      - The repository name, for example C(test-driven-users) or C(team/app).
      - Lowercase letters, digits and C(. _ - /) separators, 2 to 256 characters (ECR's rule).
    type: str
    required: true
  account_id:
    description: The 12-digit AWS account ID that owns the registry.
    type: str
    required: true
  region:
    description: The AWS region of the registry, for example C(us-west-1).
    type: str
    required: true
  tag:
    description:
      - The image tag. Ignored when O(digest) is given.
      - Letters, digits, C(_ . -), at most 128 characters, not starting with C(.) or C(-).
    type: str
    default: latest
  digest:
    description: An image digest, C(sha256:) followed by 64 lowercase hex digits.
    type: str
"""

EXAMPLES = r"""
- name: Show the URI CodeBuild pushes the users image to
  ansible.builtin.debug:
    msg: >-
      {{ 'test-driven-users' | flask_react.aws.ecr_image_uri(account_id='123456789012',
         region='us-west-1', tag='prod') }}
  # => "123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-users:prod"

- name: Pin an image by digest in the China (Beijing) region
  ansible.builtin.debug:
    msg: >-
      {{ 'test-driven-client' | flask_react.aws.ecr_image_uri(account_id='123456789012', region='cn-north-1',
         digest='sha256:' ~ ('a' * 64)) }}
  # => "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/test-driven-client@sha256:aaaa...aaaa"
"""

RETURN = r"""
_value:
  description: The image URI.
  type: str
  sample: 123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-users:prod
"""

import re

from ansible.errors import AnsibleFilterError

ACCOUNT_ID = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
REPOSITORY = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")

# Region prefix -> DNS suffix of that partition; longest prefix wins.
DNS_SUFFIXES = (
    ("cn-", "amazonaws.com.cn"),
    ("us-isob-", "sc2s.sgov.gov"),
    ("us-isof-", "csp.hci.ic.gov"),
    ("us-iso-", "c2s.ic.gov"),
    ("eu-isoe-", "cloud.adc-e.uk"),
    ("eusc-", "amazonaws.eu"),
)
DEFAULT_DNS_SUFFIX = "amazonaws.com"


def dns_suffix(region):
    """The DNS suffix of the partition that ``region`` belongs to."""
    for prefix, suffix in DNS_SUFFIXES:
        if region.startswith(prefix):
            return suffix
    return DEFAULT_DNS_SUFFIX


def _check(name, value, pattern, rule):
    if not isinstance(value, str) or not pattern.match(value):
        raise AnsibleFilterError(f"ecr_image_uri: {name} {value!r} is invalid: {rule}")


def ecr_image_uri(repository, account_id, region, tag="latest", digest=None):
    """Return the ECR image URI for ``repository`` in ``account_id``/``region``."""
    _check("repository", repository, REPOSITORY, "lowercase letters and digits separated by '.', '_', '-' or '/'")
    if not 2 <= len(repository) <= 256:
        raise AnsibleFilterError(f"ecr_image_uri: repository {repository!r} is invalid: it must be 2 to 256 characters")
    if isinstance(account_id, int) and not isinstance(account_id, bool):
        # YAML reads an unquoted account ID as a number and drops its leading zeros.
        account_id = str(account_id).zfill(12)
    _check("account_id", account_id, ACCOUNT_ID, "it must be 12 digits")
    _check("region", region, REGION, "it must look like 'us-west-1'")
    registry = f"{account_id}.dkr.ecr.{region}.{dns_suffix(region)}"
    if digest is not None:
        _check("digest", digest, DIGEST, "it must be 'sha256:' and 64 lowercase hex digits")
        return f"{registry}/{repository}@{digest}"
    _check("tag", tag, TAG, "letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'")
    return f"{registry}/{repository}:{tag}"


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"ecr_image_uri": ecr_image_uri}
