"""ALB listener-rule quotas that moto does not enforce.

AWS ("Listener rules for your Application Load Balancer", Quotas for your
Application Load Balancers): a condition takes at most three comparison
strings (match evaluations) and a rule at most five across its conditions,
and at most five wildcards (``*`` and ``?``) across its values (the quota
"Wildcards per rule"; accounts made before late 2020 may still have six).
AWS answers each with HTTP 400 ``ValidationError``; the per-rule message is
AWS's own ("A rule can only have '5' condition values"), the wildcard one is
shaped like it.
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.exceptions import InvalidConditionValueError
from moto.elbv2.models import ELBv2Backend

MAX_VALUES_PER_CONDITION = 3
MAX_VALUES_PER_RULE = 5
MAX_WILDCARDS_PER_RULE = 5

_CONFIG_KEYS = (
    "HostHeaderConfig",
    "PathPatternConfig",
    "HttpHeaderConfig",
    "HttpRequestMethodConfig",
    "QueryStringConfig",
    "SourceIpConfig",
)


def condition_values(condition: dict[str, Any]) -> list[Any]:
    """The comparison strings of one condition, wherever the request put them."""
    values = list(condition.get("Values") or [])
    for key in _CONFIG_KEYS:
        values.extend((condition.get(key) or {}).get("Values") or [])
    return values


def check_quotas(conditions: list[dict[str, Any]]) -> None:
    """Raise AWS's ValidationError when a condition or the rule has too many values or wildcards."""
    total = wildcards = 0
    for condition in conditions:
        count = len(condition_values(condition))
        if count > MAX_VALUES_PER_CONDITION:
            raise InvalidConditionValueError(
                f"A condition can only have '{MAX_VALUES_PER_CONDITION}' values; "
                f"'{condition.get('Field')}' has '{count}'"
            )
        total += count
        wildcards += sum(str(value).count("*") + str(value).count("?") for value in condition_values(condition))
    if total > MAX_VALUES_PER_RULE:
        raise InvalidConditionValueError(f"A rule can only have '{MAX_VALUES_PER_RULE}' condition values")
    if wildcards > MAX_WILDCARDS_PER_RULE:
        raise InvalidConditionValueError(f"A rule can only have '{MAX_WILDCARDS_PER_RULE}' wildcards")


def install() -> None:
    original = ELBv2Backend._validate_conditions

    def _validate_conditions(self: ELBv2Backend, conditions: list[dict[str, Any]]) -> None:
        original(self, conditions)
        check_quotas(conditions)

    ELBv2Backend._validate_conditions = _validate_conditions  # type: ignore[method-assign]

    modify_listener = ELBv2Backend.modify_listener

    def modify_listener_keeping_associations(self: ELBv2Backend, arn: str, *args: Any, **kwargs: Any) -> Any:
        """A target group a listener's new default action forwards to is associated with its load
        balancer (DescribeTargetGroups' LoadBalancerArns, which ECS checks); moto records that on
        CreateListener and CreateRule but not on ModifyListener."""
        listener = modify_listener(self, arn, *args, **kwargs)
        for action in listener.default_actions:
            if action.type != "forward":
                continue
            for group_arn in self._get_target_group_arns_from(action_data=action.data):
                arns = self.target_groups[group_arn].load_balancer_arns
                if listener.load_balancer_arn not in arns:
                    arns.append(listener.load_balancer_arn)
        return listener

    ELBv2Backend.modify_listener = modify_listener_keeping_associations  # type: ignore[method-assign]
