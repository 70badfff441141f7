"""Build and run the emulator's WSGI application."""

from __future__ import annotations

import os
import random
import signal
import sys
from collections.abc import Iterable
from typing import Any

# moto reads these at import time: AWS-managed IAM policies (AdministratorAccess,
# AmazonEC2ContainerRegistryPowerUser, ...) must exist as they do on AWS.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server  # noqa: E402

from tests.emulator import fills, lag  # noqa: E402
from tests.emulator.fills import codebuild_builds  # noqa: E402
from tests.emulator.middleware import FaultInjector, Recorder  # noqa: E402

DEFAULT_PORT = 4566


def make_app(
    record: str | None = None,
    throttle_rate: float = 0.0,
    seed: int | None = None,
    aws_lag: float = 0.0,
    aws_lag_only: str | Iterable[str] | None = None,
    latency_ms: float = 0,
    github_dir: str | None = None,
    docker_log: str | None = None,
    aws_lag_calls: int = 0,
) -> Any:
    """Return moto's application with the fills installed and the optional layers around it.

    ``aws_lag`` plays back AWS's lags for that many seconds each, ``aws_lag_calls`` for that many
    requests meeting each (whichever is longer; ``aws_lag_only`` picks some, see
    tests/emulator/lag.py); ``latency_ms`` delays every answer. ``github_dir`` holds
    the git repositories CodeBuild builds fetch (``<github_dir>/<owner>/<repo>`` stands for
    https://github.com/<owner>/<repo>; env EMULATOR_GITHUB_DIR when not given); the stub docker
    of builds logs to ``docker_log`` (default ``<github_dir>/../docker.jsonl``).
    """
    fills.install()
    codebuild_builds.configure(github_dir, docker_log)
    lag.install()
    app: Any = lag.LagLayer(
        DomainDispatcherApplication(create_backend_app), lag.Lag(aws_lag, lag.parse_only(aws_lag_only), aws_lag_calls)
    )
    if throttle_rate:
        app = FaultInjector(app, throttle_rate, random.Random(seed))
    if latency_ms:
        app = lag.Latency(app, latency_ms)
    if record:
        # Outside the faults, so the recording shows every request a client sent, throttled or not.
        app = Recorder(app, record)
    # Outermost: a played-back GitHub webhook is no AWS request (never recorded, throttled or lagged).
    return codebuild_builds.WebhookLayer(app)


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    record: str | None = None,
    throttle_rate: float = 0.0,
    seed: int | None = None,
    aws_lag: float = 0.0,
    aws_lag_only: str | Iterable[str] | None = None,
    latency_ms: float = 0,
    github_dir: str | None = None,
    docker_log: str | None = None,
    aws_lag_calls: int = 0,
) -> None:
    """Serve until SIGTERM or SIGINT."""
    server = make_server(
        host,
        port,
        make_app(
            record,
            throttle_rate,
            seed,
            aws_lag,
            aws_lag_only,
            latency_ms,
            github_dir,
            docker_log,
            aws_lag_calls=aws_lag_calls,
        ),
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"AWS emulator listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
