"""playbooks/images.yml with ECS on (issue 19 item 4): every image is built for Fargate's platform and
as app_services[].build says, pushed under a tag of its own (local-<commit>) into the immutable
repositories, never :prod, and deployed (site.yml with ecs_image_tag); a second run of the same
commit keeps what it pushed and deploys nothing new. Docker is the emulator's stub, which pushes
manifests into the emulator's ECR (an immutable tag refuses a second, different image)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import run_playbook, writes

pytestmark = pytest.mark.emulator

APP = {
    "app_name": "shop",
    "ecr_repository_prefix": "acme",
    "app_services": [
        {"name": "web", "port": 80, "health_check_path": "/", "default": True},
        {
            "name": "api",
            "port": 5000,
            "health_check_path": "/health",
            "paths": ["/api*"],
            "cpu_architecture": "ARM64",
            "build": {"context": "backend", "dockerfile": "Dockerfile.api", "args": {"FLAVOUR": "lean"}},
        },
    ],
    "target_groups_target_type": "ip",
}
REGISTRY = "123456789012.dkr.ecr.us-west-1.amazonaws.com"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A repository holding only the app: the default layout for web, build's for api."""
    root = tmp_path_factory.mktemp("app")
    (root / "services" / "web").mkdir(parents=True)
    (root / "services" / "web" / "Dockerfile.prod").write_text("FROM nginx:stable-alpine\n")
    (root / "backend").mkdir()
    (root / "backend" / "Dockerfile.api").write_text("FROM python:3.12-slim\n")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "app"], check=True)
    sha = subprocess.run([*git, "rev-parse", "--short", "HEAD"], check=True, capture_output=True, text=True)
    return root, sha.stdout.strip()


@pytest.fixture(scope="module")
def stub_docker(recording_emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docker")
    (folder / "bin").mkdir()
    stub = folder / "bin" / "docker"
    stub.write_text(f"#!{sys.executable}\n" + (REPO / "tests/emulator/builder/docker.py").read_text())
    stub.chmod(0o755)
    return folder


@pytest.fixture
def images(recording_emulator: Any, stub_docker: Path, source: tuple[Path, str], tmp_path: Path, monkeypatch: Any):
    port = recording_emulator[0]
    monkeypatch.setenv("PATH", f"{stub_docker / 'bin'}:{Path(sys.executable).parent}:/usr/bin:/bin")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("STUB_DOCKER_STATE", str(stub_docker / "state"))
    monkeypatch.setenv("STUB_DOCKER_LOG", str(stub_docker / "docker.log"))

    def run(**extra: Any) -> tuple[Any, list]:
        settings = dict(APP, images_context_dir=str(source[0]), **extra)
        return run_playbook(*recording_emulator, tmp_path, "images.yml", "-e", json.dumps(settings))

    return run


@pytest.fixture(scope="module")
def cold(converge: Any) -> Any:
    return converge(**APP)


def docker_log(stub_docker: Path) -> list[dict]:
    return [json.loads(line) for line in (stub_docker / "docker.log").read_text().splitlines()]


def test_images_are_built_for_fargate_as_build_says_tagged_local_and_deployed(cold, images, source, stub_docker):
    root, sha = source

    run, calls = images()
    assert run.returncode == 0, run.stdout[-4000:]
    tag = f"local-{sha}"
    builds = {record["argv"][-1]: record["argv"] for record in docker_log(stub_docker) if record["command"] == "build"}
    web, api = builds[f"{root}/services/web"], builds[f"{root}/backend"]
    assert web[1:5] == ["--platform", "linux/amd64", "-f", f"{root}/services/web/Dockerfile.prod"]
    assert api[1:5] == ["--platform", "linux/arm64", "-f", f"{root}/backend/Dockerfile.api"]
    assert "FLAVOUR=lean" in api and not any("API_SERVICE_URL" in arg for arg in api)
    assert any(arg.startswith("VITE_API_SERVICE_URL=http") for arg in web)
    assert any(arg.startswith("REACT_APP_API_SERVICE_URL=http") for arg in web)
    pushes = [record["argv"][1] for record in docker_log(stub_docker) if record["command"] == "push"]
    assert sorted(pushes) == [f"{REGISTRY}/acme-api:{tag}", f"{REGISTRY}/acme-web:{tag}"], "never :prod"
    assert "ecs:RegisterTaskDefinition" in writes(calls, succeeded_only=True), "the pushed tag is deployed"


def test_the_services_run_the_pushed_tag_and_a_second_run_keeps_it(cold, images, source, recording_emulator):
    _root, sha = source
    url = f"http://127.0.0.1:{recording_emulator[0]}"
    ecs, ecr = emulator_client(url, "ecs"), emulator_client(url, "ecr")
    for name in ("web", "api"):
        (service,) = ecs.describe_services(cluster="shop-cluster", services=[f"shop-{name}"])["services"]
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        assert definition["containerDefinitions"][0]["image"] == f"{REGISTRY}/acme-{name}:local-{sha}"
        tags = [
            tag
            for image in ecr.describe_images(repositoryName=f"acme-{name}")["imageDetails"]
            for tag in image.get("imageTags", [])
        ]
        assert tags == [f"local-{sha}"]
    run, calls = images()
    assert run.returncode == 0, run.stdout[-4000:]
    assert "ecs:RegisterTaskDefinition" not in writes(calls), "the same commit deploys nothing new"
