"""AWS's lags, played back by the emulator: ``--aws-lag SECONDS``, ``--aws-lag-calls N``, ``--aws-lag-only``,
``--latency-ms``.

moto answers every call at once and creates nothing asynchronous; real AWS does not.
Each behaviour below is documented AWS behaviour (see /work/shared/reference/aws-lags.md
and the issue #13 table) and lasts one window. A window lasts ``--aws-lag`` seconds, or
``--aws-lag-calls`` requests that meet it, whichever is longer. A request *meets* a lag when
its answer shows the lagging state (a DB instance ``deleting``, an ALB ``provisioning``, a
lingering network interface in DescribeNetworkInterfaces) or is refused because of it (each
refusal below). Seconds are what a person sees in the demo; calls make a test certain: a client
that waits meets the lag exactly N times then gets through, however slow the machine, and a
client that does not wait meets it and fails. The recorder (``--record``) lists, per request,
the lags it met (``"lag": [...]``), so a test asserts the client waited on the calls, not on
its output or the clock.

``iam-propagation``
    CodeBuild CreateProject/UpdateProject naming a service role created less than the
    window ago: HTTP 400 ``InvalidInputException`` (IAM has not propagated the role).
``alb-eni``
    The network interfaces of a deleted ALB linger for the window.
``target-group-in-use``
    DeleteTargetGroup within the window after the rule, listener or load balancer that
    forwarded to it was deleted: ``ResourceInUse``.
``rds-delete``
    A deleted DB instance shows ``deleting`` for the window, then is gone; meanwhile
    DeleteDBSubnetGroup of its group fails (``InvalidDBSubnetGroupStateFault``), and its
    network interface lingers one more window after it is gone.
``rds-create``
    A new DB instance is ``creating`` (no ``Endpoint`` yet) for one half of the window (N calls
    with ``--aws-lag-calls N``) then ``backing-up`` for the other (N more), then ``available``;
    ModifyDBInstance before then fails (``InvalidDBInstanceState``).
``alb-provisioning``
    A new ALB is ``provisioning`` for the window, then ``active``.
``ecs-lb``
    ECS CreateService/UpdateService naming a target group whose first load balancer (a listener
    or rule forwarding to it) came less than the window ago: ``InvalidParameterException`` "does
    not have an associated load balancer" (the rule is still propagating; tests/emulator/fills/ecs.py).
``ecs-deployments``
    ECS DeleteService less than the window after the service's last CreateService/UpdateService:
    ``InvalidParameterException`` "The service cannot be stopped while deployments are active."

AWS's permanent behaviour is played back whatever the window (with 0 the lingering
resources go at once): an ALB has one network interface per subnet (description
``ELB app/<name>/<id>``) and a DB instance one (``RDSNetworkInterface``), both carrying the
resource's security groups and managed by the service; DeleteSecurityGroup of a group
any network interface uses fails with ``DependencyViolation``.

The lag travels with the request (a thread-local set by :class:`LagLayer`), so several
emulators in one process (the unit tests') each keep their own; what a request starts
(an ENI to remove later) is kept with its :class:`Window` and done by the first request after
the window ends.
Errors are moto's exceptions, which moto serialises in each protocol's AWS error shape.
"""

from __future__ import annotations

import io
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from moto.ec2.exceptions import DependencyViolationError, EC2ClientError, InvalidParameterValue
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_network_interfaces import NetworkInterface, NetworkInterfaceBackend
from moto.ec2.models.security_groups import SecurityGroupBackend
from moto.elbv2.exceptions import ResourceInUseError
from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer, FakeTargetGroup
from moto.iam.models import IAMBackend, iam_backends
from moto.rds.exceptions import RDSClientError
from moto.rds.models import DBInstance, RDSBackend

from tests.emulator.middleware import identify

BEHAVIOURS = (
    "iam-propagation",
    "alb-eni",
    "target-group-in-use",
    "rds-delete",
    "rds-create",
    "alb-provisioning",
    "ecs-lb",
    "ecs-deployments",
)

IAM_PROPAGATION_MESSAGE = (
    "CodeBuild is not authorized to perform: sts:AssumeRole on service role. Please verify that: "
    "1) The provided service role exists in your AWS account. 2) The service role has a trust "
    "relationship with CodeBuild (codebuild.amazonaws.com). 3) The service role is not being "
    "modified or deleted."
)
ALB_ENI_DESCRIPTION = "ELB app/{name}/{id}"
RDS_ENI_DESCRIPTION = "RDSNetworkInterface"


@dataclass(frozen=True)
class Lag:
    """How long each behaviour lasts for requests through one emulator: seconds, calls, or both."""

    window: float = 0.0
    only: frozenset[str] = field(default_factory=lambda: frozenset(BEHAVIOURS))
    calls: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.only) - set(BEHAVIOURS)
        if unknown:
            raise ValueError(f"unknown --aws-lag-only behaviour(s) {sorted(unknown)}; known: {', '.join(BEHAVIOURS)}")
        if self.window < 0:
            raise ValueError("--aws-lag must be 0 or more seconds")
        if self.calls < 0 or int(self.calls) != self.calls:
            raise ValueError("--aws-lag-calls must be a whole number, 0 or more")

    def of(self, behaviour: str) -> float:
        """The window of ``behaviour`` in seconds (0 when it is off)."""
        return self.window if behaviour in self.only else 0.0

    def calls_of(self, behaviour: str) -> int:
        """How many requests meet ``behaviour`` before it ends, at least (0 when it is off or timed only)."""
        return int(self.calls) if behaviour in self.only else 0

    def on(self, behaviour: str) -> bool:
        return bool(self.of(behaviour) or self.calls_of(behaviour))


def parse_only(text: str | Iterable[str] | None) -> frozenset[str]:
    """``"alb-eni,rds-delete"`` (or a list of names) -> the set; empty or None means every behaviour."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text or ()) if n.strip()]
    return frozenset(names) if names else frozenset(BEHAVIOURS)


NO_LAG = Lag()
_request = threading.local()
_request_ids = itertools.count(1)
MET_KEY = "emulator.lag.met"  # the WSGI environ key: the lags a request met, for the recorder
_meet_lock = threading.Lock()  # module-wide: a Window stays copyable (moto copies DB instances' attributes)


def current() -> Lag:
    """The lag of the emulator serving this thread's request (none outside a request)."""
    return getattr(_request, "lag", NO_LAG)


class Window:
    """One lag of one resource, from now: it holds for the emulator's seconds and for the first
    ``calls`` requests that meet it (``phases`` times the emulator's calls), whichever lasts longer."""

    def __init__(self, behaviour: str, lag: Lag, phases: int = 1) -> None:
        self.behaviour = behaviour
        self.started = time.monotonic()
        self.seconds = lag.of(behaviour)
        self.calls = lag.calls_of(behaviour) * phases
        self.met = 0
        self._last_request: int | None = None

    def holds(self) -> bool:
        """Still lagging (without meeting it)."""
        return self.met < self.calls or time.monotonic() < self.started + self.seconds

    def meet(self) -> bool:
        """This request meets the lag if it still holds: counted once per request, noted for the recorder."""
        request = getattr(_request, "id", None)
        with _meet_lock:
            if request is None or request != self._last_request:
                if not self.holds():
                    return False
                self.met += 1
                self._last_request = request
        met = getattr(_request, "met", None)
        if met is not None:
            met.add(self.behaviour)
        return True

    def in_first_half(self) -> bool:
        """Within the first half of the window (``rds-create``: ``creating`` before ``backing-up``)."""
        return (self.calls and self.met <= self.calls // 2) or time.monotonic() < self.started + self.seconds / 2


def window(behaviour: str, phases: int = 1) -> Window | None:
    """A window of ``behaviour`` from now for this request's emulator, or None when it is off."""
    lag = current()
    return Window(behaviour, lag, phases) if lag.on(behaviour) else None


def lagging(lag_window: Window | None) -> bool:
    """``lag_window`` holds for this request (and this request meets it)."""
    return lag_window is not None and lag_window.meet()


# Deferred work (an ENI removed, a DB instance gone), done by the first request after its window.
_due: list[tuple[Window, Callable[[], None]]] = []
_due_lock = threading.Lock()


def after(lag_window: Window | None, action: Callable[[], None]) -> None:
    """Run ``action`` once ``lag_window`` no longer holds (at once when it is None or over)."""
    if lag_window is None or not lag_window.holds():
        action()
        return
    with _due_lock:
        _due.append((lag_window, action))


def run_due() -> None:
    """Do every deferred action whose window is over."""
    with _due_lock:
        ready = [entry for entry in _due if not entry[0].holds()]
        _due[:] = [entry for entry in _due if entry[0].holds()]
    for _window, action in ready:
        action()


# --- WSGI layers -------------------------------------------------------------------------------


class LagLayer:
    """Sets this emulator's lag for the request, does deferred work, answers IAM propagation."""

    def __init__(self, app: Any, lag: Lag) -> None:
        self.app = app
        self.lag = lag

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        _request.lag = self.lag
        _request.id = next(_request_ids)
        _request.met = met = set()
        try:
            run_due()
            refused = self._iam_propagation(environ, start_response)
            return refused if refused is not None else self.app(environ, start_response)
        finally:
            environ[MET_KEY] = sorted(met)
            _request.lag, _request.id, _request.met = NO_LAG, None, None

    def _iam_propagation(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not self.lag.on("iam-propagation"):
            return None
        service, action, protocol = identify(environ)
        if protocol != "json" or action not in ("CreateProject", "UpdateProject"):
            return None
        if "codebuild" not in (service, environ.get("HTTP_X_AMZ_TARGET", "").lower()):
            return None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            role = json.loads(body or b"{}").get("serviceRole")
        except ValueError:
            return None
        if not lagging(role_window(role) if role else None):
            return None
        payload = json.dumps({"__type": "InvalidInputException", "message": IAM_PROPAGATION_MESSAGE}).encode()
        start_response(
            "400 Bad Request",
            [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))],
        )
        return [payload]


class Latency:
    """Answers every request ``ms`` milliseconds late, as a call from a laptop to AWS takes time."""

    def __init__(self, app: Any, ms: float) -> None:
        self.app = app
        self.seconds = ms / 1000.0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        time.sleep(self.seconds)
        return self.app(environ, start_response)


def role_window(role: str) -> Window | None:
    """The propagation window of the IAM role named by ``role`` (an ARN or a name), if it exists and has one."""
    name = role.rsplit("/", 1)[-1]
    account = role.split(":")[4] if role.startswith("arn:") else None
    for account_id, backends in list(iam_backends.items()):
        if account and account_id != account:
            continue
        for backend in backends.values():
            for candidate in list(backend.roles.values()):
                if candidate.name == name:
                    return candidate.__dict__.get("lag_propagation")
    return None


def _install_iam() -> None:
    create_role = IAMBackend.create_role

    def create_role_(self: IAMBackend, *args: Any, **kwargs: Any) -> Any:
        role = create_role(self, *args, **kwargs)
        # IAM propagates a new role to CodeBuild over the window that starts now.
        role.__dict__["lag_propagation"] = window("iam-propagation")
        return role

    IAMBackend.create_role = create_role_  # type: ignore[method-assign]


# --- Service-managed network interfaces --------------------------------------------------------


class _ServiceAttachment:
    """The attachment AWS shows on a service's ENI: no instance, owned by the service."""

    def __init__(self, eni: ManagedNetworkInterface) -> None:
        self.attach_time = eni.attach_time
        self.attachment_id = eni.attachment_id
        self.delete_on_termination = False
        self.device_index = 1
        self.network_card_index = 0
        self.instance_id = None
        self.instance_owner_id = eni.requester_id
        self.status = "attached"


class ManagedNetworkInterface(NetworkInterface):
    """An ENI a service (``amazon-elb``, ``amazon-rds``) made and owns: in use, attached, not ours to delete."""

    def __init__(self, ec2_backend: Any, subnet: Any, group_ids: list[str], description: str, owner: str) -> None:
        super().__init__(ec2_backend, subnet, private_ip_address=[], group_ids=group_ids, description=description)
        self.requester_managed = True
        self.requester_id = owner
        self.status = "in-use"
        self.attachment_id = f"ela-attach-{self.id[4:12]}" if owner == "amazon-elb" else f"eni-attach-{self.id[4:21]}"
        self.attach_time = None

    @property
    def attachment(self) -> Any:  # type: ignore[override]
        return _ServiceAttachment(self)

    def get_filter_value(self, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name == "attachment.instance-owner-id":
            return self.requester_id
        if filter_name == "requester-id":
            return self.requester_id
        if filter_name == "requester-managed":
            return "true"
        if filter_name == "status":
            return self.status
        return super().get_filter_value(filter_name, method_name)

    def set_groups(self, group_ids: Iterable[str]) -> None:
        groups = [self.ec2_backend.get_security_group_from_id(g) for g in group_ids]
        self._group_set = [g for g in groups if g is not None]


def add_eni(ec2: Any, subnet: Any, group_ids: list[str], description: str, owner: str) -> ManagedNetworkInterface:
    eni = ManagedNetworkInterface(ec2, subnet, list(group_ids), description, owner)
    ec2.enis[eni.id] = eni
    return eni


def remove_eni(ec2: Any, eni_id: str) -> None:
    ec2.enis.pop(eni_id, None)


def _delete_network_interface(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_network_interface(self: NetworkInterfaceBackend, eni_id: str) -> None:
        eni = self.enis.get(eni_id)
        if isinstance(eni, ManagedNetworkInterface):
            raise InvalidParameterValue(f"Network interface '{eni_id}' is currently in use.")
        original(self, eni_id)

    return delete_network_interface


def _detach_network_interface(original: Callable[..., Any]) -> Callable[..., Any]:
    def detach_network_interface(self: NetworkInterfaceBackend, attachment_id: str) -> None:
        for eni in list(self.enis.values()):
            if isinstance(eni, ManagedNetworkInterface) and eni.attachment_id == attachment_id:
                kind = attachment_id.rsplit("-", 1)[0]
                raise EC2ClientError("OperationNotPermitted", f"You are not allowed to manage '{kind}' attachments.")
        original(self, attachment_id)

    return detach_network_interface


def _get_all_network_interfaces(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_all_network_interfaces(self: NetworkInterfaceBackend, *args: Any, **kwargs: Any) -> Any:
        found = original(self, *args, **kwargs)
        for eni in found:
            # DescribeNetworkInterfaces showing a lingering interface meets its lag.
            lagging(getattr(eni, "leaving", None))
        return found

    return get_all_network_interfaces


def _delete_security_group(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_security_group(self: SecurityGroupBackend, name: str | None = None, group_id: str | None = None) -> None:
        group = self.get_security_group_by_name_or_id(group_id or name)  # type: ignore[arg-type]
        if group is not None:
            users = [eni for eni in list(self.enis.values()) if group in eni._group_set]  # type: ignore[attr-defined]
            if users:
                for eni in users:
                    lagging(getattr(eni, "leaving", None))
                raise DependencyViolationError(f"resource {group.id} has a dependent object")
        original(self, name=name, group_id=group_id)

    return delete_security_group


# --- ELBv2 --------------------------------------------------------------------------------------


def _alb_eni_description(lb: FakeLoadBalancer) -> str:
    # The ARN ends in app/<name>/<id>.
    _kind, name, lb_id = lb.arn.split(":loadbalancer/", 1)[1].split("/")
    return ALB_ENI_DESCRIPTION.format(name=name, id=lb_id)


def alb_enis(ec2: Any, lb: FakeLoadBalancer) -> list[ManagedNetworkInterface]:
    description = _alb_eni_description(lb)
    return [
        e for e in list(ec2.enis.values()) if isinstance(e, ManagedNetworkInterface) and e.description == description
    ]


def sync_alb_enis(backend: ELBv2Backend, lb: FakeLoadBalancer) -> None:
    """One ENI per subnet of ``lb`` with its security groups; an ENI of a subnet it left lingers, then goes."""
    if lb.type != "application":
        return
    ec2 = backend.ec2_backend
    enis = alb_enis(ec2, lb)
    by_subnet = {e.subnet.id: e for e in enis if not hasattr(e, "leaving")}
    wanted = {s.id: s for s in lb.subnets}
    for subnet_id, subnet in wanted.items():
        if subnet_id not in by_subnet:
            by_subnet[subnet_id] = add_eni(ec2, subnet, lb.security_groups, _alb_eni_description(lb), "amazon-elb")
    for subnet_id, eni in by_subnet.items():
        if subnet_id in wanted:
            eni.set_groups(lb.security_groups)
        else:
            _leave(ec2, eni, "alb-eni")


def _leave(ec2: Any, eni: ManagedNetworkInterface, behaviour: str) -> None:
    """The interface lingers over a window of ``behaviour``, then goes."""
    eni.leaving = window(behaviour)  # type: ignore[attr-defined]
    after(eni.leaving, lambda: remove_eni(ec2, eni.id))  # type: ignore[attr-defined]


def forwarded_target_groups(actions: Iterable[Any]) -> set[str]:
    arns: set[str] = set()
    for action in actions:
        data = getattr(action, "data", action) or {}
        if data.get("TargetGroupArn"):
            arns.add(data["TargetGroupArn"])
        for group in (data.get("ForwardConfig") or {}).get("TargetGroups") or []:
            arns.add(group["TargetGroupArn"])
    return arns


def _still_in_use(backend: ELBv2Backend, arns: set[str]) -> None:
    """The target groups a deleted rule/listener/ALB forwarded to stay "in use" for a window from now."""
    if not arns or not current().on("target-group-in-use"):
        return
    in_use = backend.__dict__.setdefault("lag_target_groups_in_use", {})
    for arn in arns:
        in_use[arn] = window("target-group-in-use")


def _listener_target_groups(listener: Any) -> set[str]:
    arns = forwarded_target_groups(listener.default_actions)
    for rule in listener.rules.values():
        arns |= forwarded_target_groups(rule.actions)
    return arns


class LoadBalancerArns(list):  # type: ignore[type-arg]
    """A target group's load balancers; the first one starts ECS's propagation window (``ecs-lb``)."""

    propagating: Window | None = None

    def append(self, arn: str) -> None:
        if not self:
            self.propagating = window("ecs-lb")
        super().append(arn)


def _install_elbv2() -> None:
    create, delete_lb = ELBv2Backend.create_load_balancer, ELBv2Backend.delete_load_balancer
    set_sgs, set_subnets = ELBv2Backend.set_security_groups, ELBv2Backend.set_subnets
    delete_listener, delete_rule = ELBv2Backend.delete_listener, ELBv2Backend.delete_rule
    delete_tg, activate = ELBv2Backend.delete_target_group, FakeLoadBalancer.activate
    target_group_init = FakeTargetGroup.__init__

    def init_target_group(self: FakeTargetGroup, *args: Any, **kwargs: Any) -> None:
        target_group_init(self, *args, **kwargs)
        self.load_balancer_arns = LoadBalancerArns()

    def create_load_balancer(self: ELBv2Backend, *args: Any, **kwargs: Any) -> FakeLoadBalancer:
        lb = create(self, *args, **kwargs)
        lb.lag_provisioning = window("alb-provisioning")  # type: ignore[attr-defined]
        sync_alb_enis(self, lb)
        return lb

    def delete_load_balancer(self: ELBv2Backend, arn: str) -> None:
        lb = self.load_balancers.get(arn)
        if lb is not None:
            arns: set[str] = set()
            for listener in lb.listeners.values():
                arns |= _listener_target_groups(listener)
            _still_in_use(self, arns)
            for eni in alb_enis(self.ec2_backend, lb):
                if not hasattr(eni, "leaving"):
                    _leave(self.ec2_backend, eni, "alb-eni")
        delete_lb(self, arn)

    def set_security_groups(self: ELBv2Backend, arn: str, sec_groups: list[str]) -> None:
        set_sgs(self, arn, sec_groups)
        sync_alb_enis(self, self.load_balancers[arn])

    def set_subnets_(self: ELBv2Backend, arn: str, *args: Any, **kwargs: Any) -> Any:
        zones = set_subnets(self, arn, *args, **kwargs)
        sync_alb_enis(self, self.load_balancers[arn])
        return zones

    def delete_listener_(self: ELBv2Backend, listener_arn: str) -> Any:
        listener = delete_listener(self, listener_arn)
        _still_in_use(self, _listener_target_groups(listener))
        return listener

    def delete_rule_(self: ELBv2Backend, arn: str) -> None:
        arns: set[str] = set()
        for lb in self.load_balancers.values():
            for listener in lb.listeners.values():
                rule = listener.rules.get(arn)
                if rule is not None:
                    arns = forwarded_target_groups(rule.actions)
        delete_rule(self, arn)
        _still_in_use(self, arns)

    def delete_target_group(self: ELBv2Backend, target_group_arn: str) -> Any:
        in_use = self.__dict__.get("lag_target_groups_in_use", {}).get(target_group_arn)
        if target_group_arn in self.target_groups and lagging(in_use):
            raise ResourceInUseError(
                f"The target group '{target_group_arn}' is currently in use by a listener or a rule"
            )
        return delete_tg(self, target_group_arn)

    def activate_(self: FakeLoadBalancer) -> None:
        # moto activates every load balancer a DescribeLoadBalancers looks at: each look meets the lag.
        if not lagging(getattr(self, "lag_provisioning", None)):
            activate(self)

    ELBv2Backend.create_load_balancer = create_load_balancer  # type: ignore[method-assign]
    ELBv2Backend.delete_load_balancer = delete_load_balancer  # type: ignore[method-assign]
    ELBv2Backend.set_security_groups = set_security_groups  # type: ignore[method-assign]
    ELBv2Backend.set_subnets = set_subnets_  # type: ignore[method-assign]
    ELBv2Backend.delete_listener = delete_listener_  # type: ignore[method-assign]
    ELBv2Backend.delete_rule = delete_rule_  # type: ignore[method-assign]
    ELBv2Backend.delete_target_group = delete_target_group  # type: ignore[method-assign]
    FakeLoadBalancer.activate = activate_  # type: ignore[method-assign]
    FakeTargetGroup.__init__ = init_target_group  # type: ignore[method-assign]


# --- RDS ----------------------------------------------------------------------------------------


class InvalidDBInstanceState(RDSClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidDBInstanceState", message)


class InvalidDBSubnetGroupStateFault(RDSClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidDBSubnetGroupStateFault", message)


def _db_status(self: DBInstance) -> str:
    """``creating`` for the first half of the window, ``backing-up`` for the second, then the stored status.

    Every read of a lagging status (an answer showing it, a call refused because of it) meets the lag.
    """
    status = self.__dict__.get("lag_status", "available")
    creating: Window | None = self.__dict__.get("lag_creating")
    if status == "available" and lagging(creating):
        return "creating" if creating.in_first_half() else "backing-up"  # type: ignore[union-attr]
    if status == "deleting":
        lagging(self.__dict__.get("lag_deleting"))
    return status


def _set_db_status(self: DBInstance, value: str) -> None:
    self.__dict__["lag_status"] = value


def _db_endpoint(original: Any) -> Any:
    """AWS gives a DB instance its address once it is no longer ``creating``: no Endpoint before."""

    def endpoint(self: DBInstance) -> dict[str, Any] | None:
        return None if self.status == "creating" else original.fget(self)

    return property(endpoint)


def _db_eni(backend: RDSBackend, db: DBInstance) -> None:
    """The network interface AWS gives a DB instance, in the first subnet of its subnet group."""
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    group = getattr(db, "db_subnet_group", None)
    subnets = list(getattr(group, "_subnets", None) or [])
    if not subnets:
        default_vpc = ec2.default_vpc
        subnets = [s for s in ec2.describe_subnets() if default_vpc and s.vpc_id == default_vpc.id][:1]
    if subnets:
        db.__dict__["lag_eni"] = add_eni(ec2, subnets[0], db.vpc_security_group_ids, RDS_ENI_DESCRIPTION, "amazon-rds")


def _install_rds() -> None:
    create, delete, modify = RDSBackend.create_db_instance, RDSBackend.delete_db_instance, RDSBackend.modify_db_instance
    delete_subnet_group = RDSBackend.delete_subnet_group
    DBInstance.status = property(_db_status, _set_db_status)  # type: ignore[assignment]
    DBInstance.endpoint = _db_endpoint(DBInstance.endpoint)  # type: ignore[method-assign]

    def create_db_instance(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
        db = create(self, db_kwargs)
        # N calls creating, then N backing-up (with --aws-lag-calls N); the seconds split in halves.
        db.__dict__["lag_creating"] = window("rds-create", phases=2)
        _db_eni(self, db)
        return db

    def modify_db_instance(self: RDSBackend, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> DBInstance:
        db = self.describe_db_instances(db_instance_identifier)[0]
        if db.status != "available":
            raise InvalidDBInstanceState("Database instance is not in available state.")
        db = modify(self, db_instance_identifier, db_kwargs)
        eni = db.__dict__.get("lag_eni")
        if eni is not None:
            eni.set_groups(db.vpc_security_group_ids)
        return db

    def delete_db_instance(self: RDSBackend, db_instance_identifier: str, *args: Any, **kwargs: Any) -> DBInstance:
        existing = self.databases.get(db_instance_identifier)
        if existing is not None and existing.status == "deleting":
            raise InvalidDBInstanceState(f"Instance {db_instance_identifier} is already being deleted.")
        db = delete(self, db_instance_identifier, *args, **kwargs)
        deleting = db.__dict__["lag_deleting"] = window("rds-delete")
        ec2 = ec2_backends[self.account_id][self.region_name]
        eni = db.__dict__.get("lag_eni")

        def gone() -> None:
            if self.databases.get(db_instance_identifier) is db:
                del self.databases[db_instance_identifier]
            if eni is not None:
                # The instance's network interface outlives it by one more window.
                _leave(ec2, eni, "rds-delete")

        if deleting is not None:
            # Back in the list, as "deleting", until the window ends.
            self.databases[db_instance_identifier] = db
        after(deleting, gone)
        return db

    def delete_subnet_group_(self: RDSBackend, subnet_name: str) -> Any:
        for db in list(self.databases.values()):
            group = getattr(db, "db_subnet_group", None)
            if group is not None and getattr(group, "name", None) == subnet_name:
                lagging(db.__dict__.get("lag_deleting"))
                raise InvalidDBSubnetGroupStateFault(
                    f"Cannot delete the subnet group '{subnet_name}' because at least one database instance: "
                    f"{db.db_instance_identifier} is still using it."
                )
        return delete_subnet_group(self, subnet_name)

    RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]
    RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]
    RDSBackend.delete_subnet_group = delete_subnet_group_  # type: ignore[method-assign]


_installed = False


def install() -> None:
    """Patch moto's backends once per process; what each patch does depends on the request's lag."""
    global _installed
    if _installed:
        return
    NetworkInterfaceBackend.delete_network_interface = _delete_network_interface(  # type: ignore[method-assign]
        NetworkInterfaceBackend.delete_network_interface
    )
    NetworkInterfaceBackend.detach_network_interface = _detach_network_interface(  # type: ignore[method-assign]
        NetworkInterfaceBackend.detach_network_interface
    )
    NetworkInterfaceBackend.get_all_network_interfaces = _get_all_network_interfaces(  # type: ignore[method-assign]
        NetworkInterfaceBackend.get_all_network_interfaces
    )
    SecurityGroupBackend.delete_security_group = _delete_security_group(  # type: ignore[method-assign]
        SecurityGroupBackend.delete_security_group
    )
    _install_iam()
    _install_elbv2()
    _install_rds()
    _installed = True
