# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: alarms_errors
short_description: List what is wrong with the alarms' settings
version_added: 0.5.0
author: flask_react.aws developers
description:
  - Checks C(app_alarm_email), C(app_alarm_topic_arn) and the C(flask_react.aws.alarms) role's variables, given
    as a mapping of each variable's name to its value, and returns one message per broken rule, naming the variable.
  - Rules - C(app_alarm_email) is an email address; C(app_alarm_topic_arn) a standard SNS topic's ARN; not both;
    C(alarms_period) 10, 20, 30 or a multiple of 60; C(alarms_evaluation_periods) 1 or more;
    C(alarms_datapoints_to_alarm) from 1 to it; C(alarms_response_time_statistic) a CloudWatch statistic or a
    percentile (C(p95)); every C(alarms_*_threshold) a number, 0 or more.
  - Variables left out of the mapping are not checked.
options:
  _input:
    description: "The settings, as C({variable name: value})."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Both ways of notifying at once
  ansible.builtin.debug:
    msg: "{{ {'app_alarm_email': 'ops@example.com', 'app_alarm_topic_arn': 'arn:aws:sns:us-west-1:123456789012:ops'}
             | flask_react.aws.alarms_errors }}"
  # => ["app_alarm_email, app_alarm_topic_arn: set one (our topic mailing you, or your topic), not both"]
"""

RETURN = r"""
_value:
  description: One message per broken rule; empty when the settings are valid.
  type: list
  elements: str
"""

from ansible_collections.flask_react.aws.plugins.module_utils.validation import alarms_errors as _alarms_errors


def alarms_errors(settings):
    """Messages for every rule the alarms' settings break."""
    return _alarms_errors(dict(settings))


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"alarms_errors": alarms_errors}
