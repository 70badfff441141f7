# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_errors
short_description: List what is wrong with the shared app description
version_added: 0.1.0
author: flask_react.aws developers
description:
  - Checks the variables every role shares (C(app_name), C(app_services), C(aws_region),
    C(ecr_repository_prefix)) against the rules AWS applies to the names, ports and path
    patterns they become.
  - Returns one message per broken rule, each naming the variable, so a play can fail
    once, before any AWS call, with everything the user has to fix.
  - A service is named by its name, C(app_services[users].port); by its position from 0,
    C(app_services[1].name), only when its name is missing, invalid or used twice.
  - Rules - names are lowercase letters, digits and single hyphens; service names are
    unique; C(<app_name>-<service>-tg) fits ELB's 32 characters; ports are 1 to 65535;
    health check paths start with C(/); path patterns start with C(/), are at most 128
    characters of the set AWS allows and route to one service only; exactly one service
    is the default; with O(ecs_enabled), every service but the default has C(paths) (ECS attaches a
    service only to a target group a listener rule uses - CreateService answers "does not have an
    associated load balancer" otherwise).
options:
  _input:
    description: The value of C(app_services).
    type: list
    elements: dict
    required: true
  app_name:
    description: The value of C(app_name).
    type: str
    required: true
  aws_region:
    description: The value of C(aws_region).
    type: str
    required: true
  ecr_repository_prefix:
    description: The value of C(ecr_repository_prefix).
    type: str
    required: true
  ecs_enabled:
    description: The value of C(ecs_enabled); the services then run on ECS behind their target groups.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Fail once, naming every broken rule, before anything is written
  ansible.builtin.assert:
    that: _errors | length == 0
    fail_msg: "{{ _errors | join('; ') }}"
    quiet: true
  vars:
    _errors: >-
      {{ app_services | flask_react.aws.app_errors(app_name=app_name, aws_region=aws_region,
         ecr_repository_prefix=ecr_repository_prefix) }}

- name: A duplicate service name
  ansible.builtin.debug:
    msg: >-
      {{ [{'name': 'api', 'port': 80, 'default': true}, {'name': 'api', 'port': 5000}]
         | flask_react.aws.app_errors(app_name='demo', aws_region='us-west-1', ecr_repository_prefix='demo') }}
  # => ["app_services[0].name: 'api' is used by more than one service; names must be unique",
  #     "app_services[1].name: 'api' is used by more than one service; names must be unique"]

- name: A port out of range, the service named by its name
  ansible.builtin.debug:
    msg: >-
      {{ [{'name': 'client', 'port': 80, 'default': true}, {'name': 'users', 'port': 70000, 'paths': ['/users*']}]
         | flask_react.aws.app_errors(app_name='demo', aws_region='us-west-1', ecr_repository_prefix='demo') }}
  # => ["app_services[users].port: port 70000 must be a whole number from 1 to 65535"]
"""

RETURN = r"""
_value:
  description: One message per broken rule; empty when the description is valid.
  type: list
  elements: str
"""

from ansible_collections.flask_react.aws.plugins.module_utils.validation import app_errors as _app_errors
from ansible_collections.flask_react.aws.plugins.module_utils.validation import service_where


def unrouted_service_errors(app_services):
    """Why a non-default service without paths cannot run on ECS, naming it.

    Its target group is forwarded to by no listener rule, so it is associated with no load balancer,
    and ECS CreateService refuses it ("The target group ... does not have an associated load balancer").
    """
    errors = []
    for index, service in enumerate(app_services if isinstance(app_services, list) else []):
        if not isinstance(service, dict) or service.get("default") or service.get("paths"):
            continue
        errors.append(
            f"{service_where(index, service, app_services)}.paths: not the default service and has no paths; "
            "while ecs_enabled is true every non-default service needs paths (ECS runs a service only behind a "
            "target group a listener rule forwards to)"
        )
    return errors


def app_errors(app_services, app_name=None, aws_region=None, ecr_repository_prefix=None, ecs_enabled=False):
    """Messages for every rule the app description breaks; empty when it is valid."""
    errors = _app_errors(app_name, app_services, aws_region, ecr_repository_prefix)
    if ecs_enabled:
        errors += unrouted_service_errors(app_services)
    return errors


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"app_errors": app_errors}
