"""The deploy chain as AWS runs it, on the emulator: site.yml, then pushes to a repository that holds
only the app (services/<name>/Dockerfile.prod), each built by the CodeBuild project site.yml made
(its inline buildspec), tested, pushed to ECR and deployed to ECS; site.yml again keeps the deploys.

Three services with other names than the course's, in eu-west-1 (chain_inventory). The steps share
one emulator and depend on each other, so they run in order in one test module.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.emulator import ctl, github
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import run_playbook, writes

INVENTORY = Path(__file__).parent / "chain_inventory"
REGION = "eu-west-1"
LOCATION = "https://github.com/example/shop.git"
SERVICES = ("storefront", "api", "admin")
# Everything the app's repository holds: no buildspec.yml, no ci/ folder.
APP = {
    "services/storefront/Dockerfile.prod": "FROM nginx:alpine\nCOPY index.html /usr/share/nginx/html/\n",
    "services/storefront/index.html": "<h1>shop</h1>\n",
    "services/api/Dockerfile.prod": 'FROM python:3.12-slim\nCOPY app.py .\nCMD ["python", "app.py"]\n',
    "services/api/app.py": "print('api')\n",
    "services/admin/Dockerfile.prod": 'FROM python:3.12-slim\nCMD ["python", "-m", "http.server", "8000"]\n',
}


class Chain:
    """One emulator with a local GitHub, and the steps' shared state."""

    def __init__(self, root: Path) -> None:
        self.github_dir = root / "github"
        self.record = root / "calls.jsonl"
        self.state = root / "state"
        self.state.mkdir()
        self.port = free_port()
        assert ctl.start(self.port, record=str(self.record), github_dir=self.github_dir, forked=True) == 0

    def client(self, service: str) -> Any:
        return emulator_client(self.port, service, REGION)

    def site(self, *args: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
        return run_playbook(
            self.port, self.record, self.state, "site.yml", "-i", str(INVENTORY), "--limit", "chain", *args
        )

    def build(self, build_id: str) -> dict:
        build = github.wait_for_build(self.port, build_id, region=REGION, timeout=240)
        build["log"] = github.build_log(self.port, build, region=REGION)
        return build

    def push(self, files: dict, branch: str = "main") -> tuple[str, list[dict]]:
        sha = github.commit(self.github_dir, LOCATION, files, branch=branch)
        return sha, [self.build(build_id) for build_id in github.push(self.port, LOCATION, branch, sha)]

    def images(self) -> dict[str, set[str]]:
        ecr = self.client("ecr")
        return {
            name: {
                tag
                for image in ecr.describe_images(repositoryName=f"shop-{name}")["imageDetails"]
                for tag in image.get("imageTags", [])
            }
            for name in SERVICES
        }

    def services(self) -> dict[str, dict]:
        found = self.client("ecs").describe_services(
            cluster="shop-cluster", services=[f"shop-{name}" for name in SERVICES]
        )["services"]
        return {service["serviceName"].removeprefix("shop-"): service for service in found}

    def running_images(self) -> dict[str, str]:
        ecs = self.client("ecs")
        return {
            name: ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"][
                "containerDefinitions"
            ][0]["image"]
            for name, service in self.services().items()
        }


def recap(stdout: str) -> dict[str, int]:
    match = re.search(r"^chain\s+:(.*)$", stdout, re.MULTILINE)
    assert match, stdout[-3000:]
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Any:
    chain = Chain(tmp_path_factory.mktemp("chain"))
    yield chain
    ctl.stop(chain.port)


def test_site_makes_a_project_that_needs_nothing_in_the_app_repository(chain):
    run, _calls = chain.site()
    assert run.returncode == 0, run.stdout[-4000:]
    project = chain.client("codebuild").batch_get_projects(names=["shop-build"])["projects"][0]
    # The build logic is the project's: the app's repository holds no buildspec.yml and no script.
    assert project["source"]["buildspec"].startswith("version: 0.2")
    assert project["sourceVersion"] == "main"
    # Before the first build there is no image: every service waits at 0 tasks.
    assert {name: s["desiredCount"] for name, s in chain.services().items()} == dict.fromkeys(SERVICES, 0)


def test_a_push_builds_tests_pushes_and_deploys_every_service(chain):
    sha, builds = chain.push(APP)
    assert len(builds) == 1, "one project, one build per push"
    build = builds[0]
    assert build["buildStatus"] == "SUCCEEDED", build["log"][-4000:]
    assert build["resolvedSourceVersion"] == sha
    assert all(sha in tags for tags in chain.images().values()), chain.images()

    docker = [call for call in github.docker_calls(chain.github_dir) if call["command"] == "build"]
    platforms = {call["tags"][0].split("/")[-1].split(":")[0]: call["platform"] for call in docker}
    assert platforms == {"shop-storefront": "linux/amd64", "shop-api": "linux/amd64", "shop-admin": "linux/arm64"}
    dns = chain.client("elbv2").describe_load_balancers(Names=["shop-alb"])["LoadBalancers"][0]["DNSName"]
    storefront_args = next(call["build_args"] for call in docker if "shop-storefront" in call["tags"][0])
    assert storefront_args["VITE_API_SERVICE_URL"] == f"http://{dns}"
    assert storefront_args["REACT_APP_API_SERVICE_URL"] == f"http://{dns}"
    assert "VITE_API_SERVICE_URL" not in next(call["build_args"] for call in docker if "shop-api" in call["tags"][0])

    # The first deploy brings each service from 0 tasks to its desired count.
    services = chain.services()
    assert {name: (s["desiredCount"], s["runningCount"]) for name, s in services.items()} == dict.fromkeys(
        SERVICES, (1, 1)
    )
    assert all(s["deployments"][0]["rolloutState"] == "COMPLETED" for s in services.values())
    assert all(image.endswith(f":{sha}") for image in chain.running_images().values())
    # The revision the build registered keeps the task definition's tags and the ARM64 platform.
    admin = chain.client("ecs").describe_task_definition(
        taskDefinition=services["admin"]["taskDefinition"], include=["TAGS"]
    )
    assert {"key": "managed-by", "value": "flask_react.aws"} in admin["tags"]
    assert admin["taskDefinition"]["runtimePlatform"]["cpuArchitecture"] == "ARM64"


def test_site_again_is_a_no_op_that_keeps_the_deployed_images(chain):
    deployed = chain.running_images()
    run, calls = chain.site()
    assert run.returncode == 0, run.stdout[-4000:]
    assert recap(run.stdout)["changed"] == 0, run.stdout[-4000:]
    assert writes(calls) == []
    assert chain.running_images() == deployed


def test_a_push_whose_image_fails_to_build_pushes_and_deploys_nothing(chain):
    deployed = chain.running_images()
    sha, [build] = chain.push({"services/api/Dockerfile.prod": "FROM python:3.12-slim\nRUN false\n"})
    assert build["buildStatus"] == "FAILED"
    assert not any(sha in tags for tags in chain.images().values())
    assert chain.running_images() == deployed


def test_a_push_whose_tests_fail_pushes_and_deploys_nothing(chain):
    deployed = chain.running_images()
    fixed = {"services/api/Dockerfile.prod": APP["services/api/Dockerfile.prod"], "services/api/app.py": None}
    sha, [build] = chain.push(fixed)
    assert build["buildStatus"] == "FAILED"
    assert "test -f app.py" in build["log"]
    assert not any(sha in tags for tags in chain.images().values())
    assert chain.running_images() == deployed


def test_a_second_good_push_deploys_the_second_commit(chain):
    sha, [build] = chain.push({"services/api/app.py": "print('api v2')\n"})
    assert build["buildStatus"] == "SUCCEEDED", build["log"][-4000:]
    assert all(image.endswith(f":{sha}") for image in chain.running_images().values())


def test_other_branches_never_build_from_the_webhook_nor_deploy_by_hand(chain):
    deployed = chain.running_images()
    sha, builds = chain.push({"services/api/app.py": "print('feature')\n"}, branch="feature")
    assert builds == [], "the webhook builds pushes to main only"
    started = chain.client("codebuild").start_build(projectName="shop-build", sourceVersion="refs/heads/feature")
    build = chain.build(started["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", build["log"][-4000:]
    assert "no deploy" in build["log"]
    assert chain.running_images() == deployed


def test_a_manual_build_of_the_deploy_branch_deploys(chain):
    # A commit on main that no webhook announced: the console's "Start build" with no override.
    sha = github.commit(chain.github_dir, LOCATION, {"services/storefront/index.html": "<h1>shop v3</h1>\n"})
    started = chain.client("codebuild").start_build(projectName="shop-build")
    build = chain.build(started["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", build["log"][-4000:]
    assert build["resolvedSourceVersion"] == sha
    assert all(image.endswith(f":{sha}") for image in chain.running_images().values())


def test_a_rotated_database_password_redeploys_the_services_that_use_it(chain):
    before = {name: s["deployments"][0]["id"] for name, s in chain.services().items()}
    images = chain.running_images()
    # What the rotation rule's target starts (roles/codebuild/tasks/rotation.yml): a redeploy-only build.
    target = chain.client("events").list_targets_by_rule(Rule="shop-db-rotated")["Targets"][0]
    overrides = json.loads(target["Input"])["environmentVariablesOverride"]
    started = chain.client("codebuild").start_build(projectName="shop-build", environmentVariablesOverride=overrides)
    build = chain.build(started["build"]["id"])
    assert build["buildStatus"] == "SUCCEEDED", build["log"][-4000:]
    after = {name: s["deployments"][0]["id"] for name, s in chain.services().items()}
    assert after["api"] != before["api"], "api has database: true"
    assert after["storefront"] == before["storefront"] and after["admin"] == before["admin"]
    assert chain.running_images() == images
    assert not [
        call
        for call in github.docker_calls(chain.github_dir)
        if call["command"] in ("build", "push") and call["build_id"] == build["id"]
    ]
