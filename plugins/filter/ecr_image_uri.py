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

from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.ecr import EcrNameError, image_uri


def ecr_image_uri(repository, account_id, region, tag="latest", digest=None):
    """Return the ECR image URI for ``repository`` in ``account_id``/``region``."""
    try:
        return image_uri(repository, account_id, region, tag, digest)
    except EcrNameError as error:
        raise AnsibleFilterError(f"ecr_image_uri: {error}") from error


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"ecr_image_uri": ecr_image_uri}
