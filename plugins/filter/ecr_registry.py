# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: ecr_registry
short_description: The ECR registry host of an account and region
version_added: 0.1.0
author: flask_react.aws developers
description:
  - Returns C(<account>.dkr.ecr.<region>.<dns suffix>), the host C(docker login) and image URIs use,
    with the partition's DNS suffix (C(amazonaws.com.cn) in the China regions).
  - The account ID and region are validated; a bad one fails naming it and the rule.
options:
  _input:
    description: The 12-digit AWS account ID.
    type: str
    required: true
  region:
    description: The AWS region, for example C(us-west-1).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The registry CodeBuild logs in to
  ansible.builtin.debug:
    msg: "{{ '123456789012' | flask_react.aws.ecr_registry(region='cn-north-1') }}"
  # => "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"
"""

RETURN = r"""
_value:
  description: The registry host.
  type: str
  sample: 123456789012.dkr.ecr.us-west-1.amazonaws.com
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.ecr import EcrNameError, registry


def ecr_registry(account_id, region):
    """Return the ECR registry host of ``account_id`` in ``region``."""
    try:
        return registry(account_id, region)
    except EcrNameError as error:
        raise AnsibleFilterError(f"ecr_registry: {error}") from error


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"ecr_registry": ecr_registry}
