"""playbooks/images.yml stops with one clear message, before any AWS call, where no Docker engine answers,
and builds the client with the API URL the CodeBuild project has."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.emulator.client import emulator_client, github_project
from tests.unit.playbooks.conftest import writes


def test_no_docker_engine_stops_before_anything(playbook, tmp_path, monkeypatch):
    # A docker client that finds no engine, as on these machines (and whatever this one has).
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' >&2\nexit 1\n"
    )
    (fake / "docker").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    run, calls = playbook("images.yml")
    assert run.returncode != 0
    assert "No Docker engine answers on this machine (Cannot connect to the Docker daemon" in run.stdout
    assert calls == [] and writes(calls) == []


def test_ecr_login_password_module_returns_the_registry_and_a_password(recording_emulator):
    port = recording_emulator[0]
    args = f"region=us-west-1 endpoint_url=http://127.0.0.1:{port} access_key=testing secret_key=testing"
    run = subprocess.run(
        ["ansible", "localhost", "-m", "flask_react.aws.ecr_login_password", "-a", args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=dict(
            os.environ,
            ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
            # ansible.builtin's own: "json" is ansible.posix's, a collection this one does not depend on.
            ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
            ANSIBLE_CALLBACK_RESULT_FORMAT="json",
            ANSIBLE_NOCOLOR="1",
        ),
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    # minimal prints "localhost | SUCCESS => {...}".
    result = json.loads(run.stdout.split(" => ", 1)[1])
    assert result["changed"] is False
    assert result["registry"] == "123456789012.dkr.ecr.us-west-1.amazonaws.com"
    assert result["password"]


def test_no_docker_binary_at_all_gives_the_reason(playbook, monkeypatch):
    # Only the venv (ansible-playbook, python) and the system's basic tools: no docker anywhere.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin")
    run, calls = playbook("images.yml")
    assert run.returncode != 0
    assert "No Docker engine answers on this machine ()" not in run.stdout
    assert "No Docker engine answers on this machine (no docker command found on PATH" in run.stdout
    assert calls == []


def test_the_client_is_built_with_the_api_url_of_the_build_project(playbook, recording_emulator, tmp_path, monkeypatch):
    # The project as site.yml leaves it with a certificate and a domain: https://<alb_domain_name>.
    github_project(
        emulator_client(recording_emulator[0], "codebuild", "us-west-1"),
        "flask-react-build",
        "flask-react-build-role",
        "https://github.com/example/flask-react.git",
        variables=({"name": "REACT_APP_API_SERVICE_URL", "value": "https://app.example.com"},),
    )
    # A docker that answers and logs what it was asked to do.
    fake, log = tmp_path / "bin", tmp_path / "docker.log"
    fake.mkdir()
    # It reads the password from stdin as docker login does: a stub that exits unread races the write (EPIPE).
    (fake / "docker").write_text(
        f'#!/bin/sh\necho "$@" >> {log}\ncase "$*" in *--password-stdin*) cat > /dev/null ;; esac\necho 27.0.0\n'
    )
    (fake / "docker").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    run, calls = playbook("images.yml", "-e", f"images_context_dir={tmp_path}")
    assert run.returncode == 0, run.stdout[-3000:]
    builds = [line for line in log.read_text().splitlines() if line.startswith("build")]
    (client,) = [line for line in builds if "test-driven-client" in line]
    assert "--build-arg REACT_APP_API_SERVICE_URL=https://app.example.com " in client
    assert "--build-arg VITE_API_SERVICE_URL=https://app.example.com " in client, "the course's Vite client reads it"
    assert all(line.startswith("build --platform linux/amd64 ") for line in builds), "Fargate's, not this machine's"
    # ECS on: immutable repositories get a tag of this push's own (no git here: a UTC time), never :prod.
    pushes = [line for line in log.read_text().splitlines() if line.startswith("push")]
    assert pushes and all(":local-" in line and ":prod" not in line for line in pushes), pushes
    assert writes(calls) == [], "reading the project changed nothing"
