"""WSGI layers in front of moto: a request recorder and a fault injector."""

from __future__ import annotations

import io
import json
import random
import re
import threading
from typing import Any
from urllib.parse import parse_qs

READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Search", "Lookup", "Filter")


def is_read(action: str) -> bool:
    """True for AWS actions that only read (Describe*, List*, Get*, BatchGet*, Filter*, ...)."""
    return action.startswith(READ_PREFIXES)


def identify(environ: dict[str, Any]) -> tuple[str, str, str]:
    """Return (service, action, protocol) of a signed AWS request; rewinds the body.

    Every API this collection calls uses the query or the JSON protocol, so the
    action is the form's ``Action`` or the ``X-Amz-Target`` header's operation; but Route 53, a REST
    API, whose operation is its method and path (:func:`route53_action`).
    """
    auth = environ.get("HTTP_AUTHORIZATION", "")
    service = "unknown"
    if "Credential=" in auth:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
        if len(scope) >= 4:
            service = scope[3]
    if service == "route53":
        return service, route53_action(environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")), "rest-xml"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return service, target.rsplit(".", 1)[-1], "json"
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    form = parse_qs(body.decode("utf-8", "replace")) if body else parse_qs(environ.get("QUERY_STRING", ""))
    return service, form.get("Action", ["unknown"])[0], "query"


def route53_action(method: str, path: str) -> str:
    """The Route 53 operation of a REST request (API version 2013-04-01), by its method and path; ``unknown``
    for one the collection does not call."""
    parts = [part for part in path.split("/") if part][1:]  # without the API version
    if parts[:1] == ["hostedzonesbyname"]:
        return "ListHostedZonesByName"
    if parts[:1] == ["change"]:
        return "GetChange"
    if parts[:1] == ["hostedzone"]:
        if len(parts) >= 3 and parts[2] == "rrset":
            return "ChangeResourceRecordSets" if method == "POST" else "ListResourceRecordSets"
        if len(parts) == 1:
            return "CreateHostedZone" if method == "POST" else "ListHostedZones"
        if len(parts) == 2:
            return {"GET": "GetHostedZone", "DELETE": "DeleteHostedZone"}.get(method, "unknown")
    if parts[:1] == ["tags"]:
        return "ChangeTagsForResource" if method == "POST" else "ListTagsForResource"
    return "unknown"


# The run lock's calls (flask_react.aws.run_lock, an SSM parameter): taking and releasing it is not a
# change to the environment, so counts of a run's writes leave them out. The collection writes no other
# SSM parameter (the recorder keeps no parameter name).
LOCK_ACTIONS = frozenset({"ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter"})


def is_lock_call(call: dict[str, Any]) -> bool:
    """Whether a recorded call is the run lock's."""
    return f"{call['service']}:{call['action']}" in LOCK_ACTIONS


# SigV4's Authorization header: "AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/...".
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


class Recorder:
    """Append ``{"service", "action", "read", "status", "key"}`` as one JSON line per request (``key``: the
    access key ID that signed it, which tells two runs on one account apart), with ``"lag"``: the lags the
    request met (tests/emulator/lag.py) when it met any."""

    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self.path = path
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        service, action, _protocol = identify(environ)
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        result = self.app(environ, recording_start_response)
        entry: dict[str, Any] = {"service": service, "action": action, "read": is_read(action), "status": status[:1]}
        signed = CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        if signed:
            entry["key"] = signed.group(1)
        if environ.get("emulator.lag.met"):
            entry["lag"] = environ["emulator.lag.met"]
        line = json.dumps(entry)
        with self.lock, open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return result


class FaultInjector:
    """Answer a share of requests as AWS does when it sheds load.

    Four in five faults are throttling errors (HTTP 400, ``ThrottlingException``
    for JSON APIs, ``Throttling`` for query APIs, the codes botocore retries);
    the rest are HTTP 503 ``ServiceUnavailable``, each in its protocol's error shape.
    """

    def __init__(self, app: Any, rate: float, rng: random.Random) -> None:
        self.app = app
        self.rate = rate
        self.rng = rng
        self.lock = threading.Lock()
        self.injected = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            roll = self.rng.random()
        if roll >= self.rate:
            return self.app(environ, start_response)
        with self.lock:
            self.injected += 1
        protocol = identify(environ)[2]
        if roll < self.rate * 0.8:
            return self._error(
                start_response, protocol, "400 Bad Request", "ThrottlingException", "Throttling", "Rate exceeded"
            )
        return self._error(
            start_response,
            protocol,
            "503 Service Unavailable",
            "ServiceUnavailableException",
            "ServiceUnavailable",
            "Service is unable to handle request",
        )

    @staticmethod
    def _error(start_response: Any, protocol: str, status: str, json_code: str, query_code: str, message: str) -> Any:
        """An error body in the protocol's shape, as AWS sends it (botocore parses it before retrying)."""
        if protocol == "json":
            body = json.dumps({"__type": json_code, "message": message}).encode()
            content_type = "application/x-amz-json-1.1"
        else:
            body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{query_code}</Code>"
                f"<Message>{message}</Message></Error><RequestId>emulator-fault</RequestId></ErrorResponse>"
            ).encode()
            content_type = "text/xml"
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
