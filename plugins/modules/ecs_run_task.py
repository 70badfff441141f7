#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_run_task
short_description: Run a one-off command in a task of an ECS service, wait for it to stop, return its exit code and logs
version_added: 0.5.0
author: flask_react.aws developers (@flask-react)
description:
  - Reads the ECS service O(service) of O(cluster) (C(DescribeServices)) for its current task definition and its
    network configuration (subnets, security groups, public IP), then runs ONE task of that task definition
    (C(RunTask), launch type C(FARGATE)) with O(command) as the command of its container O(container) and the
    service's tags; the service itself is not touched. C(playbooks/run_task.yml) runs it for database
    migrations and seeding.
  - Waits until the task is C(STOPPED) (C(DescribeTasks) every O(poll_seconds)), then reads the container's log
    lines from its C(awslogs) stream C(<awslogs-stream-prefix>/<container>/<task id>) (C(GetLogEvents)), once
    more after O(poll_seconds) when none showed yet (CloudWatch Logs shows events seconds after they were sent).
  - Fails, with the log lines in the result, when the container's exit code is not 0 or missing (the task could
    not start - RV(stopped_reason) says why, for example C(CannotPullContainerError)). After O(timeout) seconds
    it stops the task (C(StopTask)) and fails.
  - The service not found (not created yet, or ECS off) fails before any write, naming the service and cluster.
  - Why a module - M(community.aws.ecs_task) can start a task, but it needs the task definition and the network
    configuration spelled out (it cannot read the service's), does not wait for the task to stop, and returns
    neither the container's exit code nor its logs; this does all of it in one run.
  - Check mode runs the reads only and reports in RV(plan) the task it would run; it runs nothing.
options:
  cluster:
    description: The ECS cluster (the app model's C(cluster)).
    type: str
    required: true
  service:
    description: The ECS service whose task definition and network configuration the task gets (the app model's
      C(service) of the service).
    type: str
    required: true
  container:
    description: The container whose command is overridden (the app model's C(container) of the service).
    type: str
    required: true
  command:
    description: The command, one list item per word (as the task definition's C(command)).
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds to wait for the task to stop; then it is stopped (C(StopTask)) and the module fails.
    type: int
    default: 600
  poll_seconds:
    description: Seconds between two C(DescribeTasks) calls while waiting.
    type: int
    default: 6
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Recreate the users service's database tables
  flask_react.aws.ecs_run_task:
    cluster: "{{ app_model.cluster }}"
    service: "{{ app_model.by_name.users.service }}"
    container: "{{ app_model.by_name.users.container }}"
    command: [python, manage.py, recreate_db]
  register: run
  # => run.exit_code: 0, run.lines: ["2026-12-06T09:50:26.352Z python manage.py recreate_db"]
"""

RETURN = r"""
task_arn:
  description: The task's ARN (empty in check mode).
  returned: always
  type: str
task_id:
  description: The task's ID, the end of its log stream's name (empty in check mode).
  returned: always
  type: str
task_definition:
  description: The task definition the task ran (the service's current one).
  returned: always
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/flask-react-users:4
network_configuration:
  description: The service's network configuration the task ran with.
  returned: always
  type: dict
  sample: {awsvpcConfiguration: {subnets: [subnet-0a1b2c3d], securityGroups: [sg-0a1b2c3d], assignPublicIp: ENABLED}}
exit_code:
  description: The container's exit code; null when it did not run (see RV(stopped_reason)) or in check mode.
  returned: always
  type: int
stopped_reason:
  description: Why the task stopped (C(Essential container in task exited) when the command ended).
  returned: always
  type: str
stop_code:
  description: ECS's stop code (C(EssentialContainerExited), C(TaskFailedToStart), C(UserInitiated)...).
  returned: always
  type: str
container_reason:
  description: The container's own reason, when ECS gives one (for example C(CannotPullContainerError ...)).
  returned: always
  type: str
log_stream:
  description: The container's log group and stream (empty without the awslogs driver).
  returned: always
  type: str
  sample: /ecs/flask-react-users ecs/users/3f2a9c0d1e2f4a5b8c7d6e5f4a3b2c1d
lines:
  description: The container's log lines, oldest first, each C(<time> <message>).
  returned: always
  type: list
  elements: str
timed_out:
  description: Whether the task was still running after O(timeout) seconds (and was stopped).
  returned: always
  type: bool
plan:
  description: The task to run, as a check-mode plan entry; empty when not in check mode.
  returned: always
  type: list
  elements: dict
  sample: [{type: AWS::ECS::Task, name: flask-react-users, action: create}]
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
from ansible_collections.flask_react.aws.plugins.module_utils.plan import entry

STARTED_BY = "flask_react.aws.ecs_run_task"


class RunTaskError(Exception):
    """A failure to report as the module's message, with the result so far."""

    def __init__(self, msg, result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


def stamp(milliseconds):
    moment = datetime.datetime.fromtimestamp(milliseconds / 1000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds % 1000:03d}Z"


def empty_result(task_definition="", network=None):
    return {
        "task_arn": "",
        "task_id": "",
        "task_definition": task_definition,
        "network_configuration": network or {},
        "exit_code": None,
        "stopped_reason": "",
        "stop_code": "",
        "container_reason": "",
        "log_stream": "",
        "lines": [],
        "timed_out": False,
        "plan": [],
    }


def read_service(ecs, cluster, service):
    """The service's (task definition, network configuration, tags); RunTaskError when it is not there."""
    missing = f"service {service}: not found in cluster {cluster} (run playbooks/site.yml to create it)"
    try:
        found = ecs.describe_services(cluster=cluster, services=[service], include=["TAGS"], aws_retry=True)
    except is_boto3_error_code("ClusterNotFoundException"):
        raise RunTaskError(
            f"cluster {cluster}: not found (run playbooks/site.yml with ecs_enabled)", empty_result()
        ) from None
    active = [item for item in found.get("services", []) if item.get("status") in ("ACTIVE", "DRAINING")]
    if not active:
        raise RunTaskError(missing, empty_result())
    task_definition = active[0].get("taskDefinition", "")
    network = active[0].get("networkConfiguration") or {}
    if not network.get("awsvpcConfiguration"):
        raise RunTaskError(
            f"service {service}: has no awsvpc network configuration; a FARGATE task needs one",
            empty_result(task_definition),
        )
    return task_definition, network, active[0].get("tags") or []


def log_stream_of(definition, container, task_id):
    """(group, stream, region) of the container's awslogs stream; None without the awslogs driver."""
    config = definition.get("logConfiguration") or {}
    if config.get("logDriver") != "awslogs":
        return None
    options = config.get("options") or {}
    stream = f"{options.get('awslogs-stream-prefix', '')}/{container}/{task_id}".lstrip("/")
    return options.get("awslogs-group", ""), stream, options.get("awslogs-region")


# 10,000 events (or 1 MB) a page: a one-off task's log is read to its end well within this.
MAX_LOG_PAGES = 100


def read_lines(logs, group, stream):
    """Every event of the stream, oldest first, as ``<time> <message>``; [] when the stream does not exist."""
    lines, token = [], None
    # GetLogEvents "can return empty results while there are more log events available through the token":
    # the end is the forward token coming back unchanged; the cap bounds a stream that keeps growing.
    for _page in range(MAX_LOG_PAGES):
        kwargs = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
        if token:
            kwargs["nextToken"] = token
        try:
            page = logs.get_log_events(aws_retry=True, **kwargs)
        except is_boto3_error_code("ResourceNotFoundException"):
            return lines
        lines += [
            f"{stamp(event['timestamp'])} {event.get('message', '').rstrip()}" for event in page.get("events", [])
        ]
        if page.get("nextForwardToken") in (None, token):
            return lines
        token = page["nextForwardToken"]
    return lines


def wait_stopped(ecs, cluster, task_arn, params, clock, sleep):
    """The task once STOPPED, or None after the timeout."""
    deadline = clock() + params["timeout"]
    while True:
        tasks = ecs.describe_tasks(cluster=cluster, tasks=[task_arn], aws_retry=True).get("tasks", [])
        if tasks and tasks[0].get("lastStatus") == "STOPPED":
            return tasks[0]
        if clock() + params["poll_seconds"] > deadline:
            return None
        sleep(params["poll_seconds"])


def run(clients, params, check_mode=False, clock=time.time, sleep=time.sleep):
    """The module's result; RunTaskError (with the result so far) for a failure."""
    ecs = clients("ecs")
    cluster, service, container = params["cluster"], params["service"], params["container"]
    task_definition, network, tags = read_service(ecs, cluster, service)
    result = empty_result(task_definition, network)
    definition = ecs.describe_task_definition(taskDefinition=task_definition, aws_retry=True)["taskDefinition"]
    containers = {item["name"]: item for item in definition.get("containerDefinitions", [])}
    if container not in containers:
        raise RunTaskError(
            f"container: {container} is not a container of {task_definition} (it has {', '.join(containers)})", result
        )
    if check_mode:
        result["plan"] = [entry("AWS::ECS::Task", service, "create")]
        return result
    started = ecs.run_task(
        cluster=cluster,
        taskDefinition=task_definition,
        count=1,
        launchType="FARGATE",
        networkConfiguration=network,
        overrides={"containerOverrides": [{"name": container, "command": params["command"]}]},
        startedBy=STARTED_BY,
        # The service's tags (the app's), so the task counts in the app's costs; RunTask refuses an empty list.
        **({"tags": tags} if tags else {}),
        aws_retry=True,
    )
    if not started.get("tasks"):
        reasons = "; ".join(f"{item.get('arn', '')} {item.get('reason', '')}".strip() for item in started["failures"])
        raise RunTaskError(f"service {service}: ECS did not start the task: {reasons}", result)
    task_arn = started["tasks"][0]["taskArn"]
    result.update(task_arn=task_arn, task_id=task_arn.rsplit("/", 1)[-1])
    task = wait_stopped(ecs, cluster, task_arn, params, clock, sleep)
    if task is None:
        result["timed_out"] = True
        reason = f"{STARTED_BY}: still running after the timeout of {params['timeout']} seconds"
        task = ecs.stop_task(cluster=cluster, task=task_arn, reason=reason, aws_retry=True)["task"]
    state = next((item for item in task.get("containers", []) if item.get("name") == container), {})
    result.update(
        exit_code=state.get("exitCode"),
        stopped_reason=task.get("stoppedReason", ""),
        stop_code=task.get("stopCode", ""),
        container_reason=state.get("reason", ""),
    )
    where = log_stream_of(containers[container], container, result["task_id"])
    if where:
        group, stream, region = where
        result["log_stream"] = f"{group} {stream}"
        logs = clients("logs", region)
        result["lines"] = read_lines(logs, group, stream)
        if not result["lines"] and result["exit_code"] is not None:
            # CloudWatch Logs shows events a few seconds after the driver sent them: one more read.
            sleep(params["poll_seconds"])
            result["lines"] = read_lines(logs, group, stream)
    if result["timed_out"]:
        raise RunTaskError(
            f"task {result['task_id']}: still running after timeout={params['timeout']} seconds; stopped it (StopTask)",
            result,
        )
    if result["exit_code"] != 0:
        code = "no exit code" if result["exit_code"] is None else f"exit code {result['exit_code']}"
        why = result["container_reason"] or result["stopped_reason"]
        raise RunTaskError(f"container {container} of task {result['task_id']}: {code} ({why})", result)
    return result


def main():
    module = AppAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", required=True),
            service=dict(type="str", required=True),
            container=dict(type="str", required=True),
            command=dict(type="list", elements="str", required=True),
            timeout=dict(type="int", default=600),
            poll_seconds=dict(type="int", default=6),
        ),
        supports_check_mode=True,
    )
    if not module.params["command"]:
        module.fail_json(msg="command: must list at least one word, for example [python, manage.py, recreate_db]")
    for name in ("timeout", "poll_seconds"):
        if module.params[name] < 1:
            module.fail_json(msg=f"{name}: {module.params[name]} must be at least 1")

    def clients(name, region=None):
        return module.client(name, retry_decorator=AWSRetry.jittered_backoff(), region=region or module.region)

    try:
        result = run(clients, module.params, check_mode=module.check_mode)
    except RunTaskError as error:
        module.fail_json(msg=error.msg, changed=bool(error.result["task_arn"]), **error.result)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to run a task of service {module.params['service']}")
    # Check mode: the plan says what would run; nothing ran.
    module.exit_json(changed=True, **result)


if __name__ == "__main__":
    main()
