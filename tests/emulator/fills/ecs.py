"""ECS: what moto 5.2.5 forgets or allows where AWS refuses, shaped on the ECS API reference.

- ``CreateService`` drops ``deploymentConfiguration``, ``healthCheckGracePeriodSeconds`` and
  ``enableExecuteCommand``; this fill keeps them (``UpdateService`` already stores what it gets).
- ``CreateService``/``UpdateService`` with ``loadBalancers``: AWS answers
  ``InvalidParameterException`` when the target group does not exist, has no load balancer
  (a listener or rule forwarding to it), or is of type ``instance`` for an ``awsvpc`` task.
- Deployments: moto never opens a deployment on ``UpdateService`` and reports
  ``runningCount`` only from ``MOTO_ECS_SERVICE_RUNNING``, so ``services-stable`` never passes.
  Chosen here, simple and explicit: after every create or update the service has one PRIMARY
  deployment of its task definition; its tasks run (runningCount = desiredCount) when every
  container image can be pulled — an ECR image of this emulator that exists, or any image
  outside ECR. When an ECR image is missing, no task runs; with the deployment circuit breaker's
  rollback on and an earlier task definition, the deployment is ``FAILED`` and the service goes
  back to the earlier task definition (as ECS rolls back), its tasks running again.
- ``DeleteCluster`` of a cluster with ACTIVE or DRAINING services: AWS answers
  ``ClusterContainsServicesException``; moto deletes it.
- ``ListServices``: moto matches the cluster's name as a substring of ``<cluster>:<service>`` keys
  (``shop-cluster`` lists ``myshop-cluster``'s services) and lists INACTIVE services; AWS lists the
  cluster's own ACTIVE and DRAINING services only.
- Two of ECS's "not yet" answers, played back with ``--aws-lag`` or ``--aws-lag-calls`` (tests/emulator/lag.py):
  ``ecs-lb`` - CreateService/UpdateService naming a target group whose first load balancer came
  less than the window ago answers "does not have an associated load balancer" (a new listener
  rule propagating); ``ecs-deployments`` - DeleteService less than the window after the service's
  last CreateService/UpdateService answers "The service cannot be stopped while deployments are
  active."
"""

from __future__ import annotations

from typing import Any

from moto.ecr.models import ecr_backends
from moto.ecs.exceptions import ECSException, InvalidParameterException
from moto.ecs.models import EC2ContainerServiceBackend, Service
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import elbv2_backends
from moto.moto_api._internal import mock_random

from tests.emulator import lag

KEPT_ON_CREATE = {
    "deploymentConfiguration": "deployment_configuration",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "enableExecuteCommand": "enable_execute_command",
}


class ClusterContainsServicesException(ECSException):
    def __init__(self) -> None:
        super().__init__(
            "ClusterContainsServicesException",
            "The Cluster cannot be deleted while Services are active.",
        )


def check_load_balancers(backend: EC2ContainerServiceBackend, load_balancers: list, network_mode: str) -> None:
    """Raise AWS's InvalidParameterException for a target group ECS could not use."""
    elbv2 = elbv2_backends[backend.account_id][backend.region_name]
    for entry in load_balancers or []:
        arn = entry.get("targetGroupArn")
        if not arn:
            continue
        group = elbv2.target_groups.get(arn)
        if group is None:
            raise InvalidParameterException(f"Unable to find target group {arn}.")
        propagating = getattr(group.load_balancer_arns, "propagating", None)
        if not group.load_balancer_arns or lag.lagging(propagating):
            raise InvalidParameterException(
                f"The target group with targetGroupArn {arn} does not have an associated load balancer."
            )
        if network_mode == "awsvpc" and group.target_type != "ip":
            raise InvalidParameterException(
                f"The provided target group {arn} has target type {group.target_type}, which is incompatible "
                "with the awsvpc network mode specified in the task definition."
            )


def image_exists(backend: EC2ContainerServiceBackend, image: str) -> bool:
    """True when an ECR image of this emulator exists (by tag or digest); images outside ECR count as pullable."""
    host, rest = (image.split("/", 1) + [""])[:2]
    if ".dkr.ecr." not in host or not rest:
        return True
    account, region = host.split(".")[0], host.split(".")[3]
    if "@" in rest:
        name, digest = rest.split("@", 1)
        wanted = {"imageDigest": digest}
    else:
        name, tag = (rest.split(":", 1) + ["latest"])[:2]
        wanted = {"imageTag": tag or "latest"}
    repository = ecr_backends[account][region].repositories.get(name)
    if repository is None:
        return False
    key, value = next(iter(wanted.items()))
    for image in repository.images:
        if key == "imageTag" and value in (image.image_tags or []):
            return True
        if key == "imageDigest" and image.image_digest == value:
            return True
    return False


def settle(backend: EC2ContainerServiceBackend, service: Service, previous: str | None) -> None:
    """One PRIMARY deployment of the service's task definition, its tasks running when they can."""
    pullable = True
    if service.task_definition and service.desired_count:
        definition = backend.describe_task_definition(service.task_definition)
        pullable = all(image_exists(backend, c.get("image", "")) for c in definition.container_definitions)
    breaker = (service.__dict__.get("deployment_configuration") or {}).get("deploymentCircuitBreaker") or {}
    failed = not pullable and breaker.get("enable") and breaker.get("rollback") and previous
    if failed:
        service.task_definition = previous
    running = service.desired_count if pullable or failed else 0
    state = "COMPLETED" if running == service.desired_count else "IN_PROGRESS"
    deployment_id = f"ecs-svc/{mock_random.randint(0, 32**12)}"
    service.running_count = running
    service.pending_count = service.desired_count - running
    if service.deployments:
        service.deployments = [
            dict(
                service.deployments[0],
                id=deployment_id,
                taskDefinition=service.task_definition,
                desiredCount=service.desired_count,
                runningCount=running,
                pendingCount=service.pending_count,
                rolloutState=state,
                rolloutStateReason=(
                    f"ECS deployment {deployment_id} completed."
                    if state == "COMPLETED"
                    else f"ECS deployment {deployment_id} in progress."
                ),
                status="PRIMARY",
            )
        ]
    if failed:
        service.events.insert(
            0,
            {
                "id": deployment_id,
                "message": f"(service {service.name}) deployment failed: tasks failed to start; rolling back.",
            },
        )
        service.deployments[0]["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."


def network_mode(backend: EC2ContainerServiceBackend, task_definition: str | None) -> str:
    if not task_definition:
        return "bridge"
    return backend.describe_task_definition(task_definition).network_mode or "bridge"


def install() -> None:
    original_create = EC2ContainerServiceResponse.create_service
    original_update = EC2ContainerServiceResponse.update_service
    original_delete_cluster = EC2ContainerServiceBackend.delete_cluster
    original_delete_service = EC2ContainerServiceResponse.delete_service
    original_list_services = EC2ContainerServiceBackend.list_services

    def create_service(self: EC2ContainerServiceResponse) -> Any:
        mode = network_mode(self.ecs_backend, self._get_param("taskDefinition"))
        check_load_balancers(self.ecs_backend, self._get_param("loadBalancers"), mode)
        result = original_create(self)
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName"))
        for param, attribute in KEPT_ON_CREATE.items():
            if self._get_param(param) is not None:
                setattr(service, attribute, self._get_param(param))
        settle(self.ecs_backend, service, None)
        service.lag_deploying = lag.window("ecs-deployments")  # type: ignore[attr-defined]
        return result

    def update_service(self: EC2ContainerServiceResponse) -> Any:
        cluster, name = self._get_param("cluster", "default"), self._get_param("service")
        service = self.ecs_backend._get_service(cluster, name)
        previous = service.task_definition
        if self._get_param("loadBalancers") is not None:
            mode = network_mode(self.ecs_backend, self._get_param("taskDefinition") or previous)
            check_load_balancers(self.ecs_backend, self._get_param("loadBalancers"), mode)
        result = original_update(self)
        settle(self.ecs_backend, service, previous)
        service.lag_deploying = lag.window("ecs-deployments")  # type: ignore[attr-defined]
        return result

    def delete_service(self: EC2ContainerServiceResponse) -> Any:
        cluster, name = self._get_param("cluster", "default"), self._get_param("service")
        service = self.ecs_backend._get_service(cluster, name)
        if lag.lagging(getattr(service, "lag_deploying", None)):
            raise InvalidParameterException("The service cannot be stopped while deployments are active.")
        return original_delete_service(self)

    def list_services(self: EC2ContainerServiceBackend, cluster_str: str, *args: Any, **kwargs: Any) -> list[str]:
        cluster = self._get_cluster(cluster_str)
        own = {
            s.arn
            for key, s in self.services.items()
            if key.split(":", 1)[0] == cluster.name and s.status in ("ACTIVE", "DRAINING")
        }
        return [arn for arn in original_list_services(self, cluster_str, *args, **kwargs) if arn in own]

    def delete_cluster(self: EC2ContainerServiceBackend, cluster_str: str) -> Any:
        cluster = self._get_cluster(cluster_str)
        if any(s.cluster_name == cluster.name and s.status != "INACTIVE" for s in self.services.values()):
            raise ClusterContainsServicesException()
        return original_delete_cluster(self, cluster_str)

    EC2ContainerServiceResponse.create_service = create_service  # type: ignore[method-assign]
    EC2ContainerServiceResponse.update_service = update_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.delete_cluster = delete_cluster  # type: ignore[method-assign]
    EC2ContainerServiceResponse.delete_service = delete_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.list_services = list_services  # type: ignore[method-assign]

    # RunTask's tasks run (fills/ecs_tasks.py; imported here, as it reads image_exists from this module).
    from tests.emulator.fills import ecs_tasks

    ecs_tasks.install()
