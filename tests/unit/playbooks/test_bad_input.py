"""Bad input fails site.yml before any AWS write, with a message naming the variable and the rule."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import pytest
from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import make_server

from tests.conftest import REPO, free_port
from tests.emulator.server import make_app

SEED = [
    {"name": "client", "port": 80, "health_check_path": "/", "default": True},
    {"name": "users", "port": 5000, "health_check_path": "/ping", "paths": ["/users*", "/ping"]},
]


@pytest.fixture(scope="module")
def recording_emulator(tmp_path_factory):
    record = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    server = make_server(
        "127.0.0.1", free_port(), make_app(record=str(record)), threaded=True, request_handler=MotoRequestHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port, record
    server.shutdown()


def services(index, **changes):
    changed = [dict(service) for service in SEED]
    changed[index].update(changes)
    return changed


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"app_services": services(1, name="client")},
            "app_services[1].name: 'client' is used by more than one service",
        ),
        ({"app_services": services(1, default=True)}, "exactly one service must have 'default: true'"),
        (
            {"app_services": services(1, port=70000)},
            "app_services[1].port: port 70000 must be a whole number from 1 to 65535",
        ),
        (
            {"app_services": services(1, health_check_path="ping")},
            "app_services[1].health_check_path: 'ping' must start with '/'",
        ),
        (
            {"app_services": services(1, paths=["users*"])},
            "app_services[1].paths[0]: path pattern 'users*' must start with '/'",
        ),
        ({"app_name": "Flask_React"}, "app_name: 'Flask_React'"),
        ({"aws_region": "mars-north-1x"}, "aws_region: 'mars-north-1x'"),
        ({"alb_ssh_cidrs": ["10.0.0.1/8"]}, "alb_ssh_cidrs[0]: '10.0.0.1/8' is not a CIDR block"),
        ({"alb_listener_port": 0}, "alb_listener_port: 0 must be from 1 to 65535"),
    ],
)
def test_bad_input_fails_before_any_write(recording_emulator, extra, expected):
    port, record = recording_emulator
    record.write_text("")
    run = subprocess.run(
        ["ansible-playbook", "playbooks/site.yml", "-e", json.dumps(extra)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(os.environ, EMULATOR_PORT=str(port), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1"),
        check=False,
    )
    assert run.returncode != 0
    assert expected in run.stdout, run.stdout[-3000:]
    writes = [json.loads(line) for line in Path(record).read_text().splitlines() if not json.loads(line)["read"]]
    assert writes == []
