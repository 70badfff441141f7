"""EventBridge checks moto 5.2 skips, and TestEventPattern, which it lacks.

PutTargets (EventBridge API reference, PutTargets; what AWS answers):

- A target EventBridge can only call with a role (a CodeBuild project, a CodePipeline
  pipeline, a Step Functions state machine, a Batch job queue, an ECS cluster) and no
  ``RoleArn``: AWS refuses the whole request with HTTP 400 ``ValidationException``
  "RoleArn is required for target <arn>." (the answer CloudFormation and Terraform users
  quote, e.g. awsdocs/aws-cloudformation-user-guide#1178 for a CodeBuild project). It is
  not one of PutTargets' ``FailedEntries``: those carry per-target failures of a valid
  request (``ConcurrentModificationException``...), which the fill has no cause to make.
- An ``Input`` that is not JSON text: ``ValidationException`` "JSON syntax error in input
  for target <id>: ..." (community.aws#201 quotes it). moto stores either unchecked, so a
  rule that AWS refuses would pass every test.

TestEventPattern: ``{"Result": bool}`` from moto's own matcher (``EventPattern``, the one
moto uses to route PutEvents), so a test asks the emulator rather than importing moto.
The pattern is parsed as PutRule parses it (``InvalidEventPatternException``); the event
must be JSON holding the fields the reference names mandatory, else ``ValidationException``.
"""

from __future__ import annotations

import json
from typing import Any

from moto.events.exceptions import ValidationException
from moto.events.models import EventPattern, EventsBackend
from moto.events.responses import EventsHandler

# ARN service:resource-type prefixes of targets AWS refuses without a RoleArn.
ROLE_REQUIRED = ("codebuild:project/", "codepipeline:", "states:stateMachine:", "batch:job-queue/", "ecs:cluster/")
# TestEventPattern's Event: "the following fields are mandatory" (API reference).
EVENT_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")


def needs_role(arn: str) -> bool:
    """Does EventBridge need a RoleArn to call the target ``arn`` (arn:partition:service:region:account:resource)?"""
    parts = arn.split(":", 5)
    return len(parts) == 6 and any(f"{parts[2]}:{parts[5]}".startswith(prefix) for prefix in ROLE_REQUIRED)


def check_targets(targets: list[dict[str, Any]]) -> None:
    """Raise AWS's ValidationException for the first target that AWS would refuse."""
    for target in targets:
        if target.get("Input") is not None:
            try:
                json.loads(target["Input"])
            except ValueError as error:
                raise ValidationException(
                    f"JSON syntax error in input for target {target.get('Id')}: {error}"
                ) from None
        if needs_role(target.get("Arn", "")) and not target.get("RoleArn"):
            raise ValidationException(f"RoleArn is required for target {target['Arn']}.")


def test_event_pattern(pattern: str | None, event: str | None) -> bool:
    """TestEventPattern: does the event (JSON text) match the pattern (JSON text)?"""
    matcher = EventPattern.load(pattern)  # InvalidEventPatternException, as PutRule
    try:
        data = json.loads(event or "")
    except ValueError:
        data = None
    if not isinstance(data, dict) or any(field not in data for field in EVENT_FIELDS):
        raise ValidationException("Parameter Event is not valid.")
    return matcher.matches_event(data)


test_event_pattern.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported


def install() -> None:
    original_put_targets = EventsBackend.put_targets

    def put_targets(self: EventsBackend, name: str, event_bus_arn: str | None, targets: list[dict[str, Any]]) -> None:
        check_targets(targets)
        original_put_targets(self, name, event_bus_arn, targets)

    def handle_test_event_pattern(self: EventsHandler) -> tuple[str, dict[str, Any]]:
        result = test_event_pattern(self._get_param("EventPattern"), self._get_param("Event"))
        return json.dumps({"Result": result}), self.response_headers

    EventsBackend.put_targets = put_targets  # type: ignore[method-assign]
    EventsHandler.test_event_pattern = handle_test_event_pattern  # type: ignore[method-assign,assignment]
