"""buildspec.yml and ci/codebuild.py: every service built from app_services, tagged with the commit,
pushed only after a successful build, deployed only from the deploy branch. docker and aws are small
stubs on PATH that record their arguments (tests/unit/playbooks/test_ecs.py deploys for real)."""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from ansible_collections.flask_react.aws.plugins.filter.ecs_build_environment import ecs_build_environment

REPO = Path(__file__).resolve().parents[2]
# CodeBuild sets these in every build (AWS CodeBuild "Environment variables in build environments").
CODEBUILD_PROVIDED = {
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "CODEBUILD_BUILD_ID",
    "CODEBUILD_RESOLVED_SOURCE_VERSION",
    "CODEBUILD_BUILD_SUCCEEDING",
    "CODEBUILD_WEBHOOK_HEAD_REF",
    "CODEBUILD_SOURCE_VERSION",
}
SHA = "0123456789abcdef0123456789abcdef01234567"
REGISTRY = "123456789012.dkr.ecr.us-west-1.amazonaws.com"
THREE = [
    {"name": "web", "port": 80, "default": True},
    {
        "name": "api",
        "port": 8000,
        "build": {"context": "backend", "dockerfile": "Dockerfile", "args": {"MODE": "prod"}},
    },
    {"name": "worker-2", "port": 9000},
]


def spec():
    return yaml.safe_load((REPO / "buildspec.yml").read_text())


def project_variables():
    """Names the codebuild role and site.yml's ecs_build_environment put in the project's environment."""
    text = "".join(path.read_text() for path in (REPO / "roles/codebuild/tasks").glob("*.yml"))
    names = set(re.findall(r"name: ([A-Z][A-Z0-9_]+)", text))
    return names | {item["name"] for item in ecs_build_environment(THREE, "a", "p", "c", "main")}


def test_structure_pushes_only_after_a_successful_build():
    phases = spec()["phases"]
    assert spec()["version"] == 0.2
    assert list(phases) == ["pre_build", "build", "post_build"]
    assert "docker login --username AWS --password-stdin" in "\n".join(phases["pre_build"]["commands"])
    assert phases["build"]["commands"][-1] == "python3 ci/codebuild.py build"
    post = phases["post_build"]["commands"]
    assert "CODEBUILD_BUILD_SUCCEEDING" in post[0] and "exit 1" in post[0]
    assert post[1:] == ["python3 ci/codebuild.py push", "python3 ci/codebuild.py deploy"]


def test_no_region_dns_name_or_runtime_pin():
    text = yaml.safe_dump(spec())
    assert not re.search(r"(us|ap|eu|sa|ca|me|af)-[a-z]+-\d", text), "no hard-coded region"
    assert "elb.amazonaws.com" not in text
    assert "variables" not in spec().get("env", {}), "values come from the project, not the file"
    assert "runtime-versions" not in text


def test_every_variable_is_set_by_the_project_or_codebuild():
    commands = "\n".join(c for phase in spec()["phases"].values() for c in phase["commands"])
    used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", commands))
    used |= set(re.findall(r"environ(?:\.get)?[\[(]\"([A-Z][A-Z0-9_]*)\"", (REPO / "ci/codebuild.py").read_text()))
    assert used - CODEBUILD_PROVIDED <= project_variables(), used - CODEBUILD_PROVIDED - project_variables()


@pytest.fixture
def build(tmp_path):
    """Run buildspec phases in bash as CodeBuild does, docker and aws recording into calls.log."""
    log = tmp_path / "calls.log"
    for tool in ("docker", "aws"):
        stub = tmp_path / "bin" / tool
        stub.parent.mkdir(exist_ok=True)
        # aws answers DescribeServices with no service (a stack not converged yet), and
        # DescribeImages with ImageNotFoundException (exit 254) unless ECR_HAS_TAG is set.
        answer = (
            'if [ "$1 $2" = "ecr describe-images" ] && [ -z "$ECR_HAS_TAG" ]; then exit 254; fi\n'
            "echo '{\"services\": []}'"
            if tool == "aws"
            else ""
        )
        stub.write_text(f'#!/bin/bash\necho "{tool} $*" >> {log}\n{answer}\n')
        stub.chmod(0o755)

    def run(phase, **env):
        variables = {
            item["name"]: item["value"] for item in ecs_build_environment(THREE, "shop", "acme", "shop-cluster", "main")
        }
        variables.update(
            ECR_REGISTRY=REGISTRY,
            IMAGE_TAG="prod",
            CODEBUILD_RESOLVED_SOURCE_VERSION=SHA,
            CODEBUILD_BUILD_SUCCEEDING="1",
            REACT_APP_API_SERVICE_URL="http://alb.example",
            CODEBUILD_WEBHOOK_HEAD_REF="refs/heads/feature",
            PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        )
        variables.update(env)
        script = "set -e\n" + "\n".join(spec()["phases"][phase]["commands"])
        done = subprocess.run(
            ["bash", "-c", script], cwd=REPO, env=variables, capture_output=True, text=True, check=False
        )
        calls = log.read_text().splitlines() if log.exists() else []
        log.write_text("")
        return done, calls

    return run


def test_every_service_builds_with_its_context_dockerfile_and_args(build):
    done, calls = build("build")
    assert done.returncode == 0, done.stderr
    assert calls == [
        f"docker build -f services/web/Dockerfile.prod -t {REGISTRY}/acme-web:{SHA} --build-arg NODE_ENV=production "
        "--build-arg REACT_APP_API_SERVICE_URL=http://alb.example services/web",
        f"docker build -f backend/Dockerfile -t {REGISTRY}/acme-api:{SHA} --build-arg MODE=prod backend",
        f"docker build -f services/worker-2/Dockerfile.prod -t {REGISTRY}/acme-worker-2:{SHA} "
        "--build-arg NODE_ENV=production --build-arg REACT_APP_API_SERVICE_URL=http://alb.example services/worker-2",
    ]


def test_post_build_pushes_commit_tags_and_deploys_nothing_off_the_deploy_branch(build):
    done, calls = build("post_build")
    assert done.returncode == 0, done.stderr
    assert [c for c in calls if c.startswith("docker")] == [
        f"docker push {REGISTRY}/acme-{name}:{SHA}" for name in ("web", "api", "worker-2")
    ]
    # Each push asks ECR first whether the commit's tag is there already (it is not).
    assert f"aws ecr describe-images --repository-name acme-web --image-ids imageTag={SHA}" in calls
    assert "no deploy: branch 'feature'" in done.stdout


def test_a_retried_build_keeps_the_commit_tag_already_in_an_immutable_repository(build):
    done, calls = build("post_build", ECR_HAS_TAG="1")
    assert done.returncode == 0, done.stderr
    assert not [c for c in calls if c.startswith("docker push")], calls
    assert f"{REGISTRY}/acme-api:{SHA} is already in ECR; not pushed again" in done.stdout


def test_the_moving_tag_is_pushed_only_to_mutable_repositories(build):
    calls = build("post_build", IMAGE_TAG_MUTABLE="true")[1]
    assert f"docker tag {REGISTRY}/acme-api:{SHA} {REGISTRY}/acme-api:prod" in calls
    assert f"docker push {REGISTRY}/acme-api:prod" in calls


def test_a_failed_build_pushes_and_deploys_nothing(build):
    done, calls = build("post_build", CODEBUILD_BUILD_SUCCEEDING="0", CODEBUILD_WEBHOOK_HEAD_REF="refs/heads/main")
    assert done.returncode != 0 and calls == []
    assert "nothing pushed or deployed" in done.stdout


def test_the_deploy_branch_deploys_through_ecs(build):
    done, calls = build("post_build", CODEBUILD_WEBHOOK_HEAD_REF="refs/heads/main")
    assert done.returncode == 0, done.stderr
    assert [c for c in calls if c.startswith("aws ecs")] == [
        f"aws ecs describe-services --cluster shop-cluster --services shop-{name} --output json"
        for name in ("web", "api", "worker-2")
    ]
    assert "no deploy of shop-web: the service does not exist yet" in done.stdout


def test_the_build_environment_describes_every_service():
    variables = {
        item["name"]: item["value"] for item in ecs_build_environment(THREE, "shop", "acme", "shop-cluster", "main")
    }
    services = json.loads(variables["APP_SERVICES"])
    assert [s["service"] for s in services] == ["shop-web", "shop-api", "shop-worker-2"]
    assert variables["ECS_CLUSTER"] == "shop-cluster" and variables["DEPLOY_BRANCH"] == "main"
    off = {item["name"]: item["value"] for item in ecs_build_environment(THREE, "shop", "acme")}
    assert off["DEPLOY_BRANCH"] == "" and off["IMAGE_TAG_MUTABLE"] == "false"


def test_a_deploy_waits_again_when_the_services_stable_waiter_gives_up(tmp_path, monkeypatch):
    """The CLI waiter stops after 10 minutes; a slow rolling update is waited for again, within a deadline."""
    import importlib.util

    spec_ = importlib.util.spec_from_file_location("codebuild_script", REPO / "ci" / "codebuild.py")
    script = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(script)
    looks = tmp_path / "looks"
    stub = tmp_path / "aws"
    # The first wait fails as the CLI does after its 40 looks; the second succeeds.
    stub.write_text(f'#!/bin/bash\necho x >> {looks}\n[ "$(wc -l < {looks})" -ge 2 ]\n')
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("DEPLOY_WAIT_MINUTES", "1")
    script.wait_stable("shop-cluster", ["shop-web"])
    assert len(looks.read_text().splitlines()) == 2

    monkeypatch.setenv("DEPLOY_WAIT_MINUTES", "0")
    looks.write_text("")
    stub.write_text("#!/bin/bash\nexit 255\n")
    with pytest.raises(subprocess.CalledProcessError):
        script.wait_stable("shop-cluster", ["shop-web"])
