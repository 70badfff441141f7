# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Count the module runs of a playbook for `make bench` (benchmarks/run.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_counts
type: aggregate
short_description: Count module runs and the seconds they take, for make bench
description:
  - Writes JSON to the file named by E(BENCH_COUNTS_FILE) at the end of the run - how many
    module runs there were (each loop item counts; skipped tasks and actions that never leave
    the controller, such as set_fact, debug and assert, do not) and how long they took.
author: flask_react.aws developers (@flask-react)
requirements:
  - enable in configuration (ANSIBLE_CALLBACKS_ENABLED=bench_counts)
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

# Actions that run in the controller process only: no module is shipped or started.
CONTROLLER_ONLY = {
    "add_host",
    "assert",
    "debug",
    "fail",
    "group_by",
    "import_role",
    "import_tasks",
    "include_role",
    "include_tasks",
    "include_vars",
    "meta",
    "set_fact",
    "set_stats",
    "validate_argument_spec",
}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_counts"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.modules = 0
        self.seconds = 0.0
        self.by_action = {}
        self._started = None

    def _runs_a_module(self, task):
        return task.action.rsplit(".", 1)[-1] not in CONTROLLER_ONLY

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started = time.monotonic()

    def _count(self, result, *_args, **_kwargs):
        if self._runs_a_module(result._task):
            self.modules += 1
            self.by_action[result._task.action] = self.by_action.get(result._task.action, 0) + 1

    def _finish(self, result):
        if self._runs_a_module(result._task) and self._started is not None:
            self.seconds += time.monotonic() - self._started
        self._started = None

    def _on_result(self, result, *_args, **_kwargs):
        # A loop reports each item, then the task: count the items, time the task.
        if "results" not in result._result:
            self._count(result)
        self._finish(result)

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_unreachable = _on_result
    v2_runner_item_on_ok = v2_runner_item_on_failed = _count

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("BENCH_COUNTS_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                counts = {"modules": self.modules, "module_seconds": self.seconds, "by_action": self.by_action}
                json.dump(counts, handle)
