"""ECS runs one-off tasks: RunTask, DescribeTasks and StopTask, shaped on the ECS developer guide
("Amazon ECS task lifecycle", "Amazon ECS stopped tasks errors") and the API reference (``Task``,
``Container``).

moto 5.2.5's RunTask records a task whose containers never run and never exit (exitCode 0, no
reason, no log). Here a task started by RunTask goes through ECS's states, one step per
DescribeTasks call that names it (counted, not timed, so a test never waits on a clock):
``PROVISIONING`` (RunTask's answer), ``PENDING``, ``RUNNING``, ``STOPPED``. When it stops:

- every container has ``exitCode``, the task ``stopCode: EssentialContainerExited`` and
  ``stoppedReason: Essential container in task exited``, as ECS reports a task whose essential
  container ended, whatever its code;
- each container with the ``awslogs`` driver has written its lines to the stream
  ``<awslogs-stream-prefix>/<container>/<task id>`` of its ``awslogs-group`` (what ECS names it).

What the container "runs" is its command (the RunTask container override's, else the task
definition's), read as follows - the emulator's only knob, so a test states its exit code in the
command itself:

- ``["sh", "-c", SCRIPT]`` (also ``/bin/sh``, ``bash``): SCRIPT's statements, split on ``;``, ``&&``
  and new lines, in order: ``echo WORDS`` logs WORDS; ``exit N`` ends the container with code N
  (nothing after it runs); ``sleep N`` keeps the task RUNNING for N more DescribeTasks calls;
  any other statement is logged as written; the code is 0 when no ``exit`` ran.
- any other command logs itself as one line (the words joined by spaces) and exits 0
  (``["python", "manage.py", "recreate_db"]`` logs ``python manage.py recreate_db``).

Where ECS cannot start the task, it stops after PENDING with no exit code, ``stopCode:
TaskFailedToStart`` and the error ECS gives: ``CannotPullContainerError`` when a container's image
is an ECR image of this emulator that does not exist (fills/ecs.py's ``image_exists``, as for
services); ``ResourceInitializationError`` when an ``awslogs`` container's log group does not exist
and ``awslogs-create-group`` is not ``true``. StopTask stops a running task at once, its containers
with exit code 137 (ECS's SIGKILL after the stop timeout) and ``stopCode: UserInitiated``.
"""

from __future__ import annotations

import datetime
import shlex
import time
from typing import Any

from moto.ecs.models import EC2ContainerServiceBackend, Task
from moto.logs.models import logs_backends

from tests.emulator.fills.ecs import image_exists

SHELLS = {"sh", "/bin/sh", "bash", "/bin/bash"}
ESSENTIAL_EXITED = "Essential container in task exited"
# ECS's code for a container killed after StopTask's SIGTERM was not heeded in time.
KILLED = 137


def run_of(command: list[str] | None) -> dict[str, Any]:
    """What a container's command does here: its log lines, exit code and extra RUNNING steps."""
    words = [str(word) for word in command or []]
    if len(words) < 3 or words[0] not in SHELLS or words[1] != "-c":
        return {"lines": [" ".join(words)] if words else [], "exit_code": 0, "sleep": 0}
    script = words[2].replace("&&", ";").replace("\n", ";")
    lines: list[str] = []
    sleep = 0
    for statement in (part.strip() for part in script.split(";")):
        parts = shlex.split(statement) if statement else []
        if not parts:
            continue
        if parts[0] == "exit":
            return {"lines": lines, "exit_code": int(parts[1]) if len(parts) > 1 else 0, "sleep": sleep}
        if parts[0] == "sleep" and len(parts) > 1 and parts[1].isdigit():
            sleep += int(parts[1])
        elif parts[0] == "echo":
            lines.append(" ".join(parts[1:]))
        else:
            lines.append(statement)
    return {"lines": lines, "exit_code": 0, "sleep": sleep}


def awslogs(definition: dict[str, Any]) -> dict[str, str] | None:
    """The container's awslogs options, None with another log driver or none."""
    config = definition.get("logConfiguration") or {}
    return config.get("options") or {} if config.get("logDriver") == "awslogs" else None


def log_group_missing(backend: EC2ContainerServiceBackend, options: dict[str, str]) -> bool:
    region = options.get("awslogs-region") or backend.region_name
    group = options.get("awslogs-group", "")
    create = str(options.get("awslogs-create-group", "false")).lower() == "true"
    return not create and group not in logs_backends[backend.account_id][region].groups


def start_error(backend: EC2ContainerServiceBackend, definitions: list[dict[str, Any]]) -> str:
    """Why ECS could not start these containers ('' when it can)."""
    for definition in definitions:
        image = definition.get("image", "")
        if not image_exists(backend, image):
            return (
                "CannotPullContainerError: pull image manifest has been retried 5 time(s): "
                f"failed to resolve ref {image}: {image}: not found"
            )
        options = awslogs(definition)
        if options is not None and log_group_missing(backend, options):
            return (
                "ResourceInitializationError: failed to validate logger args: create stream has been retried "
                "1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log "
                "group does not exist. : exit status 1"
            )
    return ""


def write_logs(backend: EC2ContainerServiceBackend, task: Task, definition: dict[str, Any], lines: list[str]) -> None:
    """The container's lines in its awslogs stream, as the awslogs driver writes them."""
    options = awslogs(definition)
    if options is None or not lines:
        return
    logs = logs_backends[backend.account_id][options.get("awslogs-region") or backend.region_name]
    group = options.get("awslogs-group", "")
    if group not in logs.groups:
        logs.create_log_group(group, {})
    stream = f"{options.get('awslogs-stream-prefix', '')}/{definition['name']}/{task.id}".lstrip("/")
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    now = int(time.time() * 1000)
    logs.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])


def prepare(backend: EC2ContainerServiceBackend, task: Task, overrides: dict[str, Any] | None) -> None:
    """Give a task RunTask just made its containers and its steps to STOPPED."""
    # The state is this fill's: moto's own transitions (RUNNING .. STOPPED on DescribeTasks) are turned off.
    task._transitions = []  # noqa: SLF001
    definitions = backend.describe_task_definition(task.task_definition_arn).container_definitions
    commands = {
        item.get("name"): item["command"]
        for item in (overrides or {}).get("containerOverrides") or []
        if item.get("command") is not None
    }
    runs = {d["name"]: run_of(commands.get(d["name"], d.get("command"))) for d in definitions}
    error = start_error(backend, definitions)
    task.containers = [
        {
            "containerArn": f"{task.task_arn.replace(':task/', ':container/')}/{d['name']}",
            "taskArn": task.task_arn,
            "name": d["name"],
            "image": d.get("image", ""),
            "lastStatus": "PENDING",
            "networkInterfaces": [],
        }
        for d in definitions
    ]
    steps = (
        ["PENDING", "STOPPED"]
        if error
        else ["PENDING", "RUNNING"]
        + ["RUNNING"] * max((run["sleep"] for run in runs.values()), default=0)
        + ["STOPPED"]
    )
    task.status = "PROVISIONING"
    task.created_at = datetime.datetime.now(datetime.UTC)
    task.run_plan = {"steps": steps, "error": error, "runs": runs, "definitions": definitions}  # type: ignore[attr-defined]


def stop(backend: EC2ContainerServiceBackend, task: Task, code: str, reason: str, exit_codes: dict[str, int]) -> None:
    now = datetime.datetime.now(datetime.UTC)
    task.status = "STOPPED"
    task.desired_status = "STOPPED"
    task.stop_code = code
    task.stopped_reason = reason
    task.stopping_at = task.stopped_at = task.execution_stopped_at = now
    for container in task.containers:
        container["lastStatus"] = "STOPPED"
        if container["name"] in exit_codes:
            container["exitCode"] = exit_codes[container["name"]]
        elif code == "TaskFailedToStart":
            container["reason"] = reason
    task.run_plan["steps"] = []  # type: ignore[attr-defined]


def advance(backend: EC2ContainerServiceBackend, task: Task) -> None:
    """One DescribeTasks step of a task RunTask started."""
    plan = getattr(task, "run_plan", None)
    if not plan or not plan["steps"]:
        return
    status = plan["steps"].pop(0)
    if status == "PENDING":
        task.status = "PENDING"
        task.pull_started_at = datetime.datetime.now(datetime.UTC)
    elif status == "RUNNING":
        if task.last_status != "RUNNING":
            task.started_at = task.pull_stopped_at = datetime.datetime.now(datetime.UTC)
            for container in task.containers:
                container["lastStatus"] = "RUNNING"
        task.status = "RUNNING"
    elif plan["error"]:
        stop(backend, task, "TaskFailedToStart", plan["error"], {})
    else:
        for definition in plan["definitions"]:
            write_logs(backend, task, definition, plan["runs"][definition["name"]]["lines"])
        codes = {name: run["exit_code"] for name, run in plan["runs"].items()}
        stop(backend, task, "EssentialContainerExited", ESSENTIAL_EXITED, codes)


def install() -> None:
    original_run_task = EC2ContainerServiceBackend.run_task
    original_describe_tasks = EC2ContainerServiceBackend.describe_tasks
    original_stop_task = EC2ContainerServiceBackend.stop_task

    def run_task(
        self: EC2ContainerServiceBackend,
        cluster_str: str,
        task_definition_str: str,
        count: int,
        overrides: dict[str, Any] | None,
        *args: Any,
        **kwargs: Any,
    ) -> list[Task]:
        tasks = original_run_task(self, cluster_str, task_definition_str, count, overrides, *args, **kwargs)
        for task in tasks:
            prepare(self, task, overrides)
        return tasks

    def describe_tasks(self: EC2ContainerServiceBackend, cluster_str: str, tasks: list[str]) -> list[Task]:
        found = original_describe_tasks(self, cluster_str, tasks)
        for task in found:
            advance(self, task)
        return found

    def stop_task(self: EC2ContainerServiceBackend, cluster_str: str, task_str: str, reason: str) -> Task:
        task = original_stop_task(self, cluster_str, task_str, reason)
        plan = getattr(task, "run_plan", None)
        if plan and plan["steps"]:
            started = task.containers and task.containers[0]["lastStatus"] == "RUNNING"
            stop(
                self,
                task,
                "UserInitiated",
                reason or "Task stopped by user",
                {c["name"]: KILLED for c in task.containers} if started else {},
            )
        return task

    EC2ContainerServiceBackend.run_task = run_task  # type: ignore[method-assign]
    EC2ContainerServiceBackend.describe_tasks = describe_tasks  # type: ignore[method-assign]
    EC2ContainerServiceBackend.stop_task = stop_task  # type: ignore[method-assign]
