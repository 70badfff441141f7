"""log_lines against the emulator: the events of every stream since the window's start, paginated, oldest
first, each with its task's ID; a missing group said as such; following reads again and keeps only new events."""

import time
import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.modules.log_lines import read

pytestmark = pytest.mark.emulator


class Counting:
    """A logs client counting the FilterLogEvents pages its paginators fetch."""

    def __init__(self, client):
        self.client = client
        self.pages = 0
        client.meta.events.register("before-call.logs.FilterLogEvents", self.count)

    def count(self, **_kwargs):
        self.pages += 1

    def get_paginator(self, operation):
        return self.client.get_paginator(operation)


def params(log_group, **more):
    return dict(dict(log_group=log_group, since_minutes=10, follow_seconds=0, poll_seconds=5, max_lines=2000), **more)


def now_ms():
    return int(time.time() * 1000)


@pytest.fixture
def group(aws):
    """A service's log group with two tasks' streams (ECS's names), events interleaved in time, and one event
    older than ten minutes."""
    logs = aws("logs")
    name = f"/ecs/lg{uuid.uuid4().hex[:8]}-users"
    logs.create_log_group(logGroupName=name)
    tasks = [uuid.uuid4().hex, uuid.uuid4().hex]
    for task in tasks:
        logs.create_log_stream(logGroupName=name, logStreamName=f"ecs/users/{task}")
    start = now_ms() - 60000
    logs.put_log_events(
        logGroupName=name,
        logStreamName=f"ecs/users/{tasks[0]}",
        logEvents=[
            {"timestamp": start - 20 * 60000, "message": "too old"},
            {"timestamp": start, "message": "booting"},
            {"timestamp": start + 2000, "message": "GET /ping 200\n"},
        ],
    )
    logs.put_log_events(
        logGroupName=name,
        logStreamName=f"ecs/users/{tasks[1]}",
        logEvents=[{"timestamp": start + 1000, "message": "ready"}],
    )
    return {"logs": logs, "name": name, "tasks": tasks, "start": start}


def test_every_stream_oldest_first_with_its_task_paginated(group):
    client = Counting(group["logs"])
    result = read(client, params(group["name"]), page_size=2)
    assert client.pages == 2
    first, second = group["tasks"]
    assert [(event["task_id"], event["message"]) for event in result["events"]] == [
        (first, "booting"),
        (second, "ready"),
        (first, "GET /ping 200"),
    ]
    assert result["events"][1]["stream"] == f"ecs/users/{second}"
    assert result["lines"][0] == f"{result['events'][0]['time']} [{first}] booting"
    assert result["events"][0]["time"].endswith("Z") and (result["found"], result["truncated"]) == (True, False)


def test_since_reaches_further_back_and_max_lines_keeps_the_newest(group):
    result = read(group["logs"], params(group["name"], since_minutes=30, max_lines=2))
    assert [event["message"] for event in result["events"]] == ["ready", "GET /ping 200"]
    assert result["truncated"] is True


def test_a_missing_log_group_is_said_not_raised(aws):
    result = read(aws("logs"), params("/ecs/never-ran"))
    assert result == {
        "found": False,
        "events": [],
        "lines": ["log group /ecs/never-ran: not found (no task has logged yet)"],
        "truncated": False,
    }


def test_following_reads_again_and_adds_only_new_events(group):
    client = Counting(group["logs"])
    moment = [time.time()]

    def sleep(seconds):
        # A new line arrives while the module waits.
        moment[0] += seconds
        group["logs"].put_log_events(
            logGroupName=group["name"],
            logStreamName=f"ecs/users/{group['tasks'][1]}",
            logEvents=[{"timestamp": now_ms(), "message": f"tick {client.pages}"}],
        )

    result = read(
        client, params(group["name"], follow_seconds=10, poll_seconds=5), clock=lambda: moment[0], sleep=sleep
    )
    # Reads at 0, 5 and 10 seconds; each read's overlap with the one before adds nothing twice.
    assert client.pages == 3
    assert [event["message"] for event in result["events"]] == ["booting", "ready", "GET /ping 200", "tick 1", "tick 2"]
