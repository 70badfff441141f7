# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_alarms
short_description: The app's CloudWatch alarms, for flask_react.aws.cloudwatch_alarms
version_added: 0.5.0
author: flask_react.aws developers
description:
  - From the app model and the ARNs the earlier roles found, the alarms the C(flask_react.aws.alarms) role makes,
    in the shape of M(flask_react.aws.cloudwatch_alarms)' O(flask_react.aws.cloudwatch_alarms#module:alarms).
  - The load balancer's C(<app_name>-alb-5xx) (HTTPCode_ELB_5XX_Count, Sum) and C(<app_name>-alb-response-time)
    (TargetResponseTime, the statistic asked); per service, on its target group and the load balancer (the ARNs'
    suffixes), C(<app_name>-<service>-unhealthy) (UnHealthyHostCount, Maximum) and C(<app_name>-<service>-target-5xx)
    (HTTPCode_Target_5XX_Count, Sum); with a database, C(<app_name>-db-cpu) (CPUUtilization, Average),
    C(<app_name>-db-free-storage) (FreeStorageSpace, Minimum, below the threshold) and C(<app_name>-db-connections)
    (DatabaseConnections, Maximum).
  - An ARN not known yet (a check run on an empty account) gives the dimension C(unknown).
positional: _input
options:
  _input:
    description: The app model (C(app_model)).
    type: dict
    required: true
  settings:
    description:
      - C(period), C(evaluation_periods), C(datapoints_to_alarm), C(elb_5xx_threshold), C(target_5xx_threshold),
        C(response_time_threshold) (seconds), C(response_time_statistic), C(unhealthy_threshold),
        C(db_cpu_threshold) (percent), C(db_free_storage_threshold) (bytes), C(db_connections_threshold).
    type: dict
    required: true
  load_balancer_arn:
    description: The load balancer's ARN; empty while it is not made.
    type: str
    default: ""
  target_group_arns:
    description: Target group name to ARN (C(target_groups_arns)).
    type: dict
    default: {}
  db_instance:
    description: The database's identifier; empty - no database alarms.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: The alarms of the app
  ansible.builtin.debug:
    msg: "{{ app_model | flask_react.aws.app_alarms(settings=alarms_settings, load_balancer_arn=alb_load_balancer_arn,
             target_group_arns=target_groups_arns, db_instance='flask-react-db') | map(attribute='name') }}"
  # => ["flask-react-alb-5xx", "flask-react-alb-response-time", "flask-react-client-unhealthy", ...]
"""

RETURN = r"""
_value:
  description: The alarms, each with C(name), C(description), C(namespace), C(metric_name), C(dimensions), C(statistic)
    or C(extended_statistic), C(period), C(evaluation_periods), C(datapoints_to_alarm), C(threshold),
    C(comparison_operator) and C(treat_missing_data).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.cloudwatch_alarms import AlarmError
from ansible_collections.flask_react.aws.plugins.module_utils.cloudwatch_alarms import app_alarms as _app_alarms


def app_alarms(model, settings, load_balancer_arn="", target_group_arns=None, db_instance=""):
    """The app's alarms (module_utils/cloudwatch_alarms.py's ``app_alarms``)."""
    try:
        return _app_alarms(model, dict(settings), load_balancer_arn, dict(target_group_arns or {}), db_instance)
    except AlarmError as error:
        raise AnsibleFilterError(f"app_alarms: {error}") from error


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"app_alarms": app_alarms}
