# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: cidr_errors
short_description: List the entries of a CIDR list that are not CIDR blocks
version_added: 0.1.0
author: flask_react.aws developers
description:
  - Returns one message per entry that is not an IPv4 or IPv6 network in CIDR notation with its
    host bits zero (for example C(203.0.113.0/24)), naming the variable and the index.
options:
  _input:
    description: The list of CIDR blocks.
    type: list
    elements: str
    required: true
  variable:
    description: The variable's name, used in the messages.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Reject a host address where a network is expected
  ansible.builtin.debug:
    msg: "{{ ['10.0.0.1'] | flask_react.aws.cidr_errors('alb_ssh_cidrs') }}"
  # => ["alb_ssh_cidrs[0]: '10.0.0.1' is not a CIDR block like 203.0.113.0/24 (no prefix length)"]
"""

RETURN = r"""
_value:
  description: One message per bad entry; empty when all are valid.
  type: list
  elements: str
"""

from ansible_collections.flask_react.aws.plugins.module_utils.validation import cidr_errors as _cidr_errors


def cidr_errors(cidrs, variable):
    """Messages for the entries of ``cidrs`` that are not CIDR blocks."""
    return _cidr_errors(variable, cidrs)


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"cidr_errors": cidr_errors}
