#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: log_lines
short_description: Read a service's recent log lines from CloudWatch Logs, oldest first, with their task
version_added: 0.4.0
author: flask_react.aws developers (@flask-react)
description:
  - Reads the log events of the last O(since_minutes) minutes from every stream of O(log_group)
    (C(FilterLogEvents), paginated), oldest first, each with the ID of the task whose stream holds it
    (ECS names a stream C(<prefix>/<container>/<task id>)) and its time. C(playbooks/logs.yml) prints them.
  - With O(follow_seconds), reads again every O(poll_seconds) for that long, keeping only events not seen yet;
    the lines are returned (and printed) when that time is over.
  - Why a module - no module of amazon.aws or community.aws reads log events
    (M(amazon.aws.cloudwatchlogs_log_group_info) reads the groups only).
  - Reads only; check mode runs the same reads. A missing log group (the service never ran) is reported, not an error.
options:
  log_group:
    description: The log group (the app model's C(log_group) of the service).
    type: str
    required: true
  since_minutes:
    description: How far back to read, in minutes.
    type: int
    default: 10
  follow_seconds:
    description: Keep reading new events for this many seconds; 0 reads once.
    type: int
    default: 0
  poll_seconds:
    description: Seconds between two reads while following.
    type: int
    default: 5
  max_lines:
    description: At most this many lines are returned, the newest ones (RV(truncated) says when some were left out).
    type: int
    default: 2000
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the users service's log lines of the last 30 minutes
  flask_react.aws.log_lines:
    log_group: "{{ app_model.by_name.users.log_group }}"
    since_minutes: 30
  register: logs
  # => logs.lines: ["2026-12-06T07:20:01.123Z 3f2a... GET /ping 200", ...]
"""

RETURN = r"""
found:
  description: Whether the log group exists.
  returned: always
  type: bool
events:
  description: The events, oldest first.
  returned: always
  type: list
  elements: dict
  sample: [{time: "2026-12-06T07:20:01.123Z", task_id: 3f2a9c0d1e2f4a5b8c7d6e5f4a3b2c1d,
            stream: ecs/users/3f2a9c0d1e2f4a5b8c7d6e5f4a3b2c1d, message: "GET /ping 200"}]
lines:
  description: One line per event, C(<time> [<task id>] <message>).
  returned: always
  type: list
  elements: str
truncated:
  description: Whether older lines were left out (more than O(max_lines)).
  returned: always
  type: bool
"""

import datetime
import time

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule

# While following, each read goes back this far before the newest event seen.
INGESTION_MARGIN_MS = 10000


@AWSRetry.jittered_backoff()
def filter_events(client, log_group, start_time, page_size=None):
    """Every event of the group from ``start_time`` (ms), all streams, all pages (of ``page_size`` events, AWS's
    own size when None)."""
    pages = client.get_paginator("filter_log_events").paginate(
        logGroupName=log_group, startTime=start_time, PaginationConfig={"PageSize": page_size} if page_size else {}
    )
    return pages.build_full_result().get("events", [])


def stamp(milliseconds):
    moment = datetime.datetime.fromtimestamp(milliseconds / 1000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds % 1000:03d}Z"


def event_of(event):
    stream = event.get("logStreamName", "")
    return {
        "time": stamp(event["timestamp"]),
        # ECS's awslogs streams end with the task's ID; another stream is shown whole.
        "task_id": stream.rsplit("/", 1)[-1],
        "stream": stream,
        "message": event.get("message", "").rstrip("\n"),
    }


def read(client, params, clock=time.time, sleep=time.sleep, page_size=None):
    """The module's result: the events since ``since_minutes``, then, while following, the new ones."""
    log_group = params["log_group"]
    start = int((clock() - params["since_minutes"] * 60) * 1000)
    deadline = clock() + params["follow_seconds"]
    seen, events = set(), []
    while True:
        try:
            batch = filter_events(client, log_group, start, page_size)
        except is_boto3_error_code("ResourceNotFoundException"):
            return {
                "found": False,
                "events": [],
                "lines": [f"log group {log_group}: not found (no task has logged yet)"],
                "truncated": False,
            }
        for event in batch:
            key = event.get("eventId") or (event.get("logStreamName"), event["timestamp"], event.get("message"))
            if key not in seen:
                seen.add(key)
                events.append(event)
                # The next read starts a little before the newest event seen (events arrive late, out of order):
                # what it reads again is told apart by its ID.
                start = max(start, event["timestamp"] - INGESTION_MARGIN_MS)
        if clock() + params["poll_seconds"] > deadline:
            break
        sleep(params["poll_seconds"])
    events.sort(key=lambda event: (event["timestamp"], event.get("ingestionTime", 0)))
    truncated = len(events) > params["max_lines"]
    kept = [event_of(event) for event in events[-params["max_lines"] :]] if params["max_lines"] > 0 else []
    return {
        "found": True,
        "events": kept,
        "lines": [f"{event['time']} [{event['task_id']}] {event['message']}" for event in kept],
        "truncated": truncated,
    }


def main():
    module = AppAWSModule(
        argument_spec=dict(
            log_group=dict(type="str", required=True),
            since_minutes=dict(type="int", default=10),
            follow_seconds=dict(type="int", default=0),
            poll_seconds=dict(type="int", default=5),
            max_lines=dict(type="int", default=2000),
        ),
        supports_check_mode=True,
    )
    for name in ("since_minutes", "follow_seconds", "max_lines"):
        if module.params[name] < 0:
            module.fail_json(msg=f"{name}: {module.params[name]} must be 0 or more")
    if module.params["poll_seconds"] < 1:
        module.fail_json(msg=f"poll_seconds: {module.params['poll_seconds']} must be at least 1")
    client = module.client("logs")
    try:
        result = read(client, module.params)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to read the log events of {module.params['log_group']}")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
