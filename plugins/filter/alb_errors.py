# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: alb_errors
short_description: List what is wrong with the load balancer's settings
version_added: 0.2.0
author: flask_react.aws developers
description:
  - Checks the C(flask_react.aws.alb) role's variables, given as a mapping of each variable's name to
    its value, and returns one message per broken rule, naming the variable.
  - Rules - C(alb_http_cidrs) and C(alb_ssh_cidrs) are CIDR blocks; C(alb_listener_port) is 1 to 65535;
    C(alb_certificate_arn), when set, is an ACM certificate ARN in C(aws_region), and C(alb_https_port)
    is then 1 to 65535 and differs from the listener port; C(alb_domain_name) is a lower-case DNS name;
    C(alb_name) is 1 to 32 letters, digits and hyphens (AWS's load balancer name);
    C(alb_security_group_name) is 1 to 255 characters not starting with C(sg-); C(alb_subnet_ids) are
    subnet IDs; the timeouts are whole seconds.
  - Variables left out of the mapping are not checked.
options:
  _input:
    description: "The settings, as C({variable name: value})."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: A host address where a network is expected, and a port out of range
  ansible.builtin.debug:
    msg: "{{ {'alb_ssh_cidrs': ['10.0.0.1'], 'alb_listener_port': 0} | flask_react.aws.alb_errors }}"
  # => ["alb_ssh_cidrs[0]: '10.0.0.1' is not a CIDR block like 203.0.113.0/24 (no prefix length)",
  #     "alb_listener_port: 0 must be from 1 to 65535"]
"""

RETURN = r"""
_value:
  description: One message per broken rule; empty when the settings are valid.
  type: list
  elements: str
"""

from ansible_collections.flask_react.aws.plugins.module_utils.validation import alb_errors as _alb_errors


def alb_errors(settings):
    """Messages for every rule the load balancer's settings break."""
    return _alb_errors(dict(settings))


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"alb_errors": alb_errors}
