"""Application Auto Scaling: what moto 5.2.5 allows where AWS refuses, or keeps where AWS deletes,
shaped on the Application Auto Scaling API reference.

- ``DeregisterScalableTarget``: "Deregistering a scalable target deletes the scaling policies and the
  scheduled actions that are associated with it" (API reference); moto keeps them, so a target
  registered again would find its old policies.
- ``PutScalingPolicy`` on a target never registered: AWS answers ``ObjectNotFoundException`` ("For any
  operation that depends on the existence of a scalable target, this exception is thrown if the
  scalable target ... does not exist"); moto stores the policy.
- ``PutScalingPolicy`` with ``ALBRequestCountPerTarget``: AWS requires ``ResourceLabel``
  (``app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>``,
  PredefinedMetricSpecification) naming a target group the load balancer routes to, and answers
  ``ValidationException`` otherwise; moto takes any label or none.
- ``DescribeScalingPolicies`` with ``ResourceId``: moto matches it as a substring (``service/c/web``
  also lists ``service/c/we``'s policies); AWS matches the one resource.
- ``RegisterScalableTarget`` for an ECS service: moto finds an INACTIVE (deleted) service too; AWS
  answers ``ValidationException`` unless it is ACTIVE.
- Deleting the ECS service leaves its scalable target registered, in AWS as in moto (nothing filled:
  terraform-provider-aws's aws_appautoscaling_target is removed by its own delete, never by the
  service's), so the collection deregisters the target itself.
"""

from __future__ import annotations

import re
from typing import Any

from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.core.exceptions import JsonRESTError
from moto.elbv2.models import elbv2_backends

LABEL = re.compile(r"^(app/[^/]+/[^/]+)/(targetgroup/[^/]+/[^/]+)$")


class ObjectNotFoundException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ObjectNotFoundException", message)


def check_label(backend: ApplicationAutoscalingBackend, body: dict[str, Any] | None) -> None:
    """Raise AWS's ValidationException for an ALBRequestCountPerTarget policy without a usable label."""
    specification = (body or {}).get("PredefinedMetricSpecification") or {}
    if specification.get("PredefinedMetricType") != "ALBRequestCountPerTarget":
        return
    label = specification.get("ResourceLabel") or ""
    match = LABEL.match(label)
    if not match:
        raise AWSValidationException(
            "ResourceLabel must be app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/"
            f"<target-group-id> for ALBRequestCountPerTarget, got: {label!r}"
        )
    elbv2 = elbv2_backends[backend.account_id][backend.region_name]
    balancers = [arn for arn in elbv2.load_balancers if arn.endswith(f":loadbalancer/{match.group(1)}")]
    groups = [group for arn, group in elbv2.target_groups.items() if arn.endswith(f":{match.group(2)}")]
    if not balancers or not groups or balancers[0] not in groups[0].load_balancer_arns:
        raise AWSValidationException(
            f"ResourceLabel {label} does not name a target group of the load balancer (ALBRequestCountPerTarget)"
        )


def install() -> None:
    original_register = ApplicationAutoscalingBackend.register_scalable_target
    original_deregister = ApplicationAutoscalingBackend.deregister_scalable_target
    original_put = ApplicationAutoscalingBackend.put_scaling_policy
    original_describe = ApplicationAutoscalingBackend.describe_scaling_policies

    def register_scalable_target(self, namespace, r_id, dimension, *args, **kwargs):
        if namespace == "ecs" and r_id.count("/") == 2:
            cluster, service = r_id.split("/")[1:]
            found = self.ecs_backend.services.get(f"{cluster}:{service}")
            if found is None or found.status != "ACTIVE":
                raise AWSValidationException(f"ECS service doesn't exist: {r_id}")
        return original_register(self, namespace, r_id, dimension, *args, **kwargs)

    def deregister_scalable_target(self, namespace, r_id, dimension):
        original_deregister(self, namespace, r_id, dimension)
        for key, policy in list(self.policies.items()):
            if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
                namespace,
                r_id,
                dimension,
            ):
                policy.delete_alarms(self.account_id, self.region_name)
                del self.policies[key]

    def put_scaling_policy(
        self, policy_name, service_namespace, resource_id, scalable_dimension, policy_body, policy_type
    ):
        if not self._scalable_target_exists(resource_id, scalable_dimension):
            raise ObjectNotFoundException(
                f"No scalable target registered for service namespace: {service_namespace}, "
                f"resource ID: {resource_id}, scalable dimension: {scalable_dimension}"
            )
        if policy_type == "TargetTrackingScaling":
            check_label(self, policy_body)
        return original_put(
            self, policy_name, service_namespace, resource_id, scalable_dimension, policy_body, policy_type
        )

    def describe_scaling_policies(self, service_namespace, resource_id, scalable_dimension, max_results, next_token):
        token, page = original_describe(
            self, service_namespace, resource_id, scalable_dimension, max_results, next_token
        )
        return token, [policy for policy in page if not resource_id or policy.resource_id == resource_id]

    ApplicationAutoscalingBackend.register_scalable_target = register_scalable_target
    ApplicationAutoscalingBackend.deregister_scalable_target = deregister_scalable_target
    ApplicationAutoscalingBackend.put_scaling_policy = put_scaling_policy
    ApplicationAutoscalingBackend.describe_scaling_policies = describe_scaling_policies
