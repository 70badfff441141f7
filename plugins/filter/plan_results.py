# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: plan_results
short_description: The plan entries of the resource tasks' registered results, read through one table
version_added: 0.3.0
author: flask_react.aws developers (@flask-react)
description:
  - Reads the results the resource tasks registered, one table row per result (the table of the
    role flask_react.aws.plan, C(plan_table)), and returns the plan entries C({type, name, action})
    they say, in the table's order, ready for P(flask_react.aws.plan_summary#filter).
  - A row whose result was never registered (its role did not run) gives nothing; its other keys
    are not even evaluated. A result of this collection's modules carries its own C(plan); a stock
    module's result is read by the module's rule in C(plugins/module_utils/plan.py) (C(STOCK_MODULES)),
    never by a message's text.
  - Works with no callback plugin enabled.
options:
  _input:
    description:
      - The table rows - C(register) (the registered variable), C(module), and where the result
        alone cannot say it C(type), C(name) (a list for a looped task, in the loop's order),
        C(state) (V(absent) for a deleting task), C(created), C(skipped) (the action of a task
        skipped in check mode), C(skipped_only), C(only) (the actions kept), C(entries) (a read
        planned by a filter).
    type: list
    elements: dict
    required: true
  registered:
    description: The host's variables (C(hostvars[inventory_hostname])), where the results are.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The plan of the results the roles registered
  ansible.builtin.debug:
    msg: "{{ plan_table | flask_react.aws.plan_results(hostvars[inventory_hostname]) }}"
  # => [{"type": "AWS::IAM::Role", "name": "flask-react-build-role", "action": "create"}, ...]
"""

RETURN = r"""
_value:
  description: The plan entries, one per changed resource (not yet merged).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.plan import PlanError, results_entries


class _Row:
    """A table row read key by key, so a key is evaluated only when its result needs it."""

    def __init__(self, row, result):
        self._row, self._result = row, result

    def get(self, key, default=None):
        if key == "result":
            return self._result
        return self._row.get(key, default)

    def __getitem__(self, key):
        return self._result if key == "result" else self._row[key]

    def __contains__(self, key):
        return key == "result" or key in self._row


def plan_results(table, registered):
    found = []
    for row in table or []:
        name = row["register"]
        if name not in registered:
            continue
        try:
            found += results_entries(_Row(row, registered[name]))
        except (PlanError, KeyError, TypeError) as error:
            raise AnsibleFilterError(f"plan_results: the result {name}: {error}") from error
    return found


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"plan_results": plan_results}
