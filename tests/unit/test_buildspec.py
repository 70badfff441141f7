"""buildspec.yml and ci/codebuild.py, and the inline buildspec the project carries: every service
built for its platform from app_services, tested in its image before anything is pushed, tagged with
the commit, pushed only after a successful build, deployed only by builds of the deploy branch, a
first deploy bringing a service up from 0 tasks, revisions keeping their tags, a Docker Hub login
with the token on stdin only, and a redeploy-only build for a rotated database password.

The phases run in one bash, as CodeBuild runs a version 0.2 buildspec (one shell for every command
of every phase; a failed build phase still runs post_build with CODEBUILD_BUILD_SUCCEEDING=0).
docker and aws are stubs on PATH that record their arguments and stdin; aws answers from a small ECS
state kept in a file (tests/unit/playbooks/test_ecs.py deploys against the emulator)."""

import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from ansible_collections.flask_react.aws.plugins.filter.codebuild_buildspec import codebuild_buildspec
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
    "CODEBUILD_WEBHOOK_TRIGGER",
    "CODEBUILD_SOURCE_VERSION",
}
# Set only in some builds: the Docker Hub secret (codebuild role, codebuild_dockerhub_secret_arn) and
# the rotation rule's StartBuild environmentVariablesOverride.
OPTIONAL = {"DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN", "FLASK_REACT_ACTION"}
SHA = "0123456789abcdef0123456789abcdef01234567"
REGISTRY = "123456789012.dkr.ecr.us-west-1.amazonaws.com"
TASK_DEFINITION = "arn:aws:ecs:us-west-1:123456789012:task-definition/{}:{}"
TAGS = [{"key": "app", "value": "shop"}, {"key": "owner", "value": "team-a"}]
THREE = [
    {"name": "web", "port": 80, "default": True, "desired_count": 2, "test": ["test -f index.html"]},
    {
        "name": "api",
        "port": 8000,
        "build": {"context": "backend", "dockerfile": "Dockerfile", "args": {"MODE": "prod"}},
        "cpu_architecture": "ARM64",
        "database": True,
        "test": ["python -m pytest -q", "flake8 ."],
    },
    {"name": "worker-2", "port": 9000, "desired_count": 0},
]

AWS_STUB = r'''#!/usr/bin/env python3
"""aws: records argv, answers from the ECS state in $STUB_ECS (a JSON file it updates)."""
import json, os, sys

args = sys.argv[1:]
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps({"argv": ["aws", *args], "stdin": None}) + "\n")


def option(name, many=False):
    at = args.index(name) + 1
    if not many:
        return args[at]
    values = []
    while at < len(args) and not args[at].startswith("--"):
        values.append(args[at])
        at += 1
    return values


state = json.load(open(os.environ["STUB_ECS"]))
answer = {}
command = " ".join(args[:2])
if command == "ecr describe-images" and not os.environ.get("ECR_HAS_TAG"):
    print("ImageNotFoundException", file=sys.stderr)
    sys.exit(254)
elif command == "ecr get-login-password":
    print("ecr-password")
    sys.exit(0)
elif command == "ecs describe-services":
    answer = {"services": [state["services"][n] for n in option("--services", True) if n in state["services"]]}
elif command == "ecs describe-task-definition":
    arn = option("--task-definition")
    family = arn.rsplit("/", 1)[1].split(":")[0]
    container = family.split("-", 1)[1]
    answer = {
        "taskDefinition": {
            "taskDefinitionArn": arn, "family": family, "revision": 1, "status": "ACTIVE",
            "networkMode": "awsvpc", "cpu": "256", "memory": "512", "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [{"name": container, "image": "old:image", "essential": True}],
        },
    }
    if "--include" in args and option("--include") == "TAGS":
        answer["tags"] = state["tags"]
elif command == "ecs register-task-definition":
    request = json.loads(option("--cli-input-json"))
    state["registered"].append(request)
    revision = 1 + sum(r["family"] == request["family"] for r in state["registered"])
    arn = "arn:aws:ecs:us-west-1:123456789012:task-definition/%s:%d" % (request["family"], revision)
    answer = {"taskDefinition": {"taskDefinitionArn": arn}}
elif command == "ecs update-service":
    service = state["services"][option("--service")]
    if "--task-definition" in args and not os.environ.get("STUB_ROLLBACK"):
        service["taskDefinition"] = option("--task-definition")
    if "--desired-count" in args:
        service["desiredCount"] = int(option("--desired-count"))
    answer = {"service": service}
json.dump(state, open(os.environ["STUB_ECS"], "w"))
print(json.dumps(answer))
'''

DOCKER_STUB = r'''#!/usr/bin/env python3
"""docker: records argv and stdin; `docker run` fails when its command contains $STUB_FAILING_TEST."""
import json, os, sys

stdin = sys.stdin.read() if "--password-stdin" in sys.argv else None
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(json.dumps({"argv": ["docker", *sys.argv[1:]], "stdin": stdin}) + "\n")
failing = os.environ.get("STUB_FAILING_TEST")
if sys.argv[1] == "run" and failing and failing in sys.argv[-1]:
    print("test failed: " + sys.argv[-1], file=sys.stderr)
    sys.exit(1)
'''


def spec():
    return yaml.safe_load((REPO / "buildspec.yml").read_text())


def inline_text():
    return codebuild_buildspec((REPO / "buildspec.yml").read_text(), script=(REPO / "ci/codebuild.py").read_text())


def project_variables():
    """Names the codebuild role and site.yml's ecs_build_environment put in the project's environment."""
    text = "".join(path.read_text() for path in (REPO / "roles/codebuild/tasks").glob("*.yml"))
    names = set(re.findall(r"name: ([A-Z][A-Z0-9_]+)", text))
    return names | {item["name"] for item in ecs_build_environment(THREE, "a", "p", "c", "main")}


def environment(**overrides):
    """The project's variables as site.yml sets them for THREE, and CodeBuild's for a push."""
    variables = {
        item["name"]: item["value"] for item in ecs_build_environment(THREE, "shop", "acme", "shop-cluster", "main")
    }
    variables.update(
        ECR_REGISTRY=REGISTRY,
        AWS_ACCOUNT_ID="123456789012",
        AWS_REGION="us-west-1",
        IMAGE_TAG="prod",
        CODEBUILD_RESOLVED_SOURCE_VERSION=SHA,
        CODEBUILD_SOURCE_VERSION=SHA,
        REACT_APP_API_SERVICE_URL="http://alb.example",
        CODEBUILD_WEBHOOK_TRIGGER="branch/feature",
        CODEBUILD_WEBHOOK_HEAD_REF="refs/heads/feature",
    )
    variables.update(overrides)
    return {key: value for key, value in variables.items() if value is not None}


def phases_script(buildspec_text):
    """bash that runs the buildspec's phases as CodeBuild runs version 0.2: one shell; a command that
    fails ends its phase; a failed pre_build ends the build; a failed build still runs post_build."""
    phases = yaml.safe_load(buildspec_text)["phases"]
    lines = ["export CODEBUILD_BUILD_SUCCEEDING=1"]
    for name in ("install", "pre_build", "build", "post_build"):
        lines.append(f"phase_{name}() {{")
        for command in (phases.get(name) or {}).get("commands", []):
            lines += [command.rstrip("\n"), "[ $? -eq 0 ] || return 1"]
        lines.append(":\n}")
    lines.append("phase_install && phase_pre_build || exit 1")
    lines.append("phase_build || export CODEBUILD_BUILD_SUCCEEDING=0")
    lines.append('phase_post_build || exit 1\n[ "$CODEBUILD_BUILD_SUCCEEDING" = 1 ]')
    return "\n".join(lines) + "\n"


class Build:
    def __init__(self, completed, calls, state):
        self.returncode, self.stdout, self.stderr = completed.returncode, completed.stdout, completed.stderr
        self.records = calls
        self.calls = [" ".join(call["argv"]) for call in calls]
        self.state = state

    def __repr__(self):
        return f"Build(rc={self.returncode}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


@pytest.fixture
def codebuild(tmp_path):
    """Run a buildspec (buildspec.yml by default) in bash with stub docker and aws; returns a Build."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("aws", AWS_STUB), ("docker", DOCKER_STUB)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    # The repository mode: the app's repository holds buildspec.yml and ci/codebuild.py.
    checkout = tmp_path / "checkout"
    (checkout / "ci").mkdir(parents=True)
    shutil.copy(REPO / "ci/codebuild.py", checkout / "ci/codebuild.py")

    def run(buildspec_text=None, cwd=None, services=None, **env):
        state = {
            "services": services
            if services is not None
            else {
                "shop-web": {
                    "serviceName": "shop-web",
                    "status": "ACTIVE",
                    "desiredCount": 0,
                    "taskDefinition": TASK_DEFINITION.format("shop-web", 1),
                },
                "shop-api": {
                    "serviceName": "shop-api",
                    "status": "ACTIVE",
                    "desiredCount": 3,
                    "taskDefinition": TASK_DEFINITION.format("shop-api", 1),
                },
            },
            "tags": TAGS,
            "registered": [],
        }
        state_file, log = tmp_path / "ecs.json", tmp_path / "calls.jsonl"
        state_file.write_text(json.dumps(state))
        log.write_text("")
        variables = environment(**env)
        variables.update(
            PATH=f"{bin_dir}:{os.environ['PATH']}",
            STUB_ECS=str(state_file),
            STUB_LOG=str(log),
            HOME=str(tmp_path),
            TMPDIR=str(tmp_path),
        )
        completed = subprocess.run(
            ["bash", "-c", phases_script(buildspec_text or (REPO / "buildspec.yml").read_text())],
            cwd=cwd or checkout,
            env=variables,
            capture_output=True,
            text=True,
            check=False,
        )
        calls = [json.loads(line) for line in log.read_text().splitlines()]
        return Build(completed, calls, json.loads(state_file.read_text()))

    return run


def image(name, tag=SHA):
    return f"{REGISTRY}/acme-{name}:{tag}"


# --- the buildspec's shape and inputs


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
    unknown = used - CODEBUILD_PROVIDED - OPTIONAL - project_variables()
    assert not unknown, unknown


# --- build: platform, args, tests before any push


def test_every_service_builds_for_its_platform_with_its_context_dockerfile_and_args(codebuild):
    build = codebuild()
    assert build.returncode == 0, build
    assert [c for c in build.calls if c.startswith("docker build")] == [
        f"docker build --platform linux/amd64 -f services/web/Dockerfile.prod -t {image('web')} "
        "--build-arg NODE_ENV=production --build-arg REACT_APP_API_SERVICE_URL=http://alb.example "
        "--build-arg VITE_API_SERVICE_URL=http://alb.example services/web",
        f"docker build --platform linux/arm64 -f backend/Dockerfile -t {image('api')} --build-arg MODE=prod backend",
        # Neither default nor given args: no build args (it used to get the client's).
        f"docker build --platform linux/amd64 -f services/worker-2/Dockerfile.prod -t {image('worker-2')} "
        "services/worker-2",
    ]


def test_the_default_service_with_args_of_its_own_gets_exactly_those(codebuild):
    services = [dict(THREE[0], build={"args": {"API": "https://api.example"}}), *THREE[1:]]
    variables = {i["name"]: i["value"] for i in ecs_build_environment(services, "shop", "acme", "shop-cluster", "main")}
    build = codebuild(APP_SERVICES=variables["APP_SERVICES"])
    assert [c for c in build.calls if c.startswith("docker build")][0] == (
        f"docker build --platform linux/amd64 -f services/web/Dockerfile.prod -t {image('web')} "
        "--build-arg API=https://api.example services/web"
    )
    assert not any("REACT_APP_API_SERVICE_URL" in c or "NODE_ENV" in c for c in build.calls)


def test_tests_run_in_each_image_after_every_build_and_before_any_push(codebuild):
    build = codebuild()
    assert build.returncode == 0, build
    docker = [c for c in build.calls if c.startswith("docker") and not c.startswith("docker login")]
    runs = [c for c in docker if c.startswith("docker run")]
    assert runs == [
        f"docker run --rm --entrypoint sh {image('web')} -c test -f index.html",
        f"docker run --rm --entrypoint sh {image('api')} -c python -m pytest -q",
        f"docker run --rm --entrypoint sh {image('api')} -c flake8 .",
    ]
    # The command is one argument, as sh -c takes it.
    assert [r["argv"][-1] for r in build.records if r["argv"][:2] == ["docker", "run"]][0] == "test -f index.html"
    last_build = max(i for i, c in enumerate(docker) if c.startswith("docker build"))
    first_push = min(i for i, c in enumerate(docker) if c.startswith("docker push"))
    assert last_build < docker.index(runs[0]) and docker.index(runs[-1]) < first_push


def test_a_failing_test_pushes_and_deploys_nothing(codebuild):
    build = codebuild(STUB_FAILING_TEST="flake8", CODEBUILD_WEBHOOK_TRIGGER="branch/main")
    assert build.returncode != 0
    assert "the build failed: nothing pushed or deployed" in build.stdout
    assert not [c for c in build.calls if c.startswith(("docker push", "docker tag", "aws ecs"))], build.calls


def test_a_failed_docker_build_runs_no_test_and_pushes_nothing(codebuild, tmp_path):
    # A docker that fails every build, as the course's Dockerfile with a typo would.
    stub = tmp_path / "bin" / "docker"
    stub.write_text(DOCKER_STUB + '\nif sys.argv[1] == "build":\n    sys.exit(1)\n')
    build = codebuild(CODEBUILD_WEBHOOK_TRIGGER="branch/main")
    assert build.returncode != 0
    assert [c.split()[1] for c in build.calls if c.startswith("docker") and "login" not in c] == ["build"]
    assert not [c for c in build.calls if c.startswith("aws ecs")]


# --- push


def test_post_build_pushes_commit_tags_and_deploys_nothing_off_the_deploy_branch(codebuild):
    build = codebuild()
    assert build.returncode == 0, build
    assert [c for c in build.calls if c.startswith("docker push")] == [
        f"docker push {image(name)}" for name in ("web", "api", "worker-2")
    ]
    # Each push asks ECR first whether the commit's tag is there already (it is not).
    assert f"aws ecr describe-images --repository-name acme-web --image-ids imageTag={SHA}" in build.calls
    assert "no deploy: webhook build of 'branch/feature', not of the deploy branch 'main'" in build.stdout
    assert not [c for c in build.calls if c.startswith("aws ecs")]


def test_a_retried_build_keeps_the_commit_tag_already_in_an_immutable_repository(codebuild):
    build = codebuild(ECR_HAS_TAG="1")
    assert build.returncode == 0, build
    assert not [c for c in build.calls if c.startswith("docker push")], build.calls
    assert f"{image('api')} is already in ECR; not pushed again" in build.stdout


def test_the_moving_tag_is_pushed_only_to_mutable_repositories(codebuild):
    calls = codebuild(IMAGE_TAG_MUTABLE="true").calls
    assert f"docker tag {image('api')} {image('api', 'prod')}" in calls
    assert f"docker push {image('api', 'prod')}" in calls
    assert not [c for c in codebuild().calls if c.startswith("docker tag")]


# --- Docker Hub


def test_docker_hub_login_gets_the_token_on_stdin_only(codebuild):
    token = "dckr_pat_s3cr3t-token"
    build = codebuild(DOCKERHUB_USERNAME="acme-bot", DOCKERHUB_TOKEN=token)
    assert build.returncode == 0, build
    logins = [r for r in build.records if r["argv"][:2] == ["docker", "login"]]
    assert logins[0]["argv"] == ["docker", "login", "--username", "AWS", "--password-stdin", REGISTRY]
    assert logins[1] == {"argv": ["docker", "login", "--username", "acme-bot", "--password-stdin"], "stdin": token}
    # Before the first build, and the token in no argv and nowhere in the log.
    first_build = next(i for i, r in enumerate(build.records) if r["argv"][:2] == ["docker", "build"])
    assert build.records.index(logins[1]) < first_build
    assert not [r for r in build.records if token in " ".join(r["argv"])]
    assert token not in build.stdout + build.stderr


@pytest.mark.parametrize(("username", "token"), [("", ""), ("acme-bot", ""), ("", "tok")])
def test_no_docker_hub_login_without_both_secrets(codebuild, username, token):
    build = codebuild(DOCKERHUB_USERNAME=username, DOCKERHUB_TOKEN=token)
    assert build.returncode == 0, build
    assert [r["argv"][3] for r in build.records if r["argv"][:2] == ["docker", "login"]] == ["AWS"]


# --- which builds deploy


@pytest.mark.parametrize(
    ("variables", "deploys", "why"),
    [
        ({"CODEBUILD_WEBHOOK_TRIGGER": "branch/main", "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/main"}, True, ""),
        ({"CODEBUILD_WEBHOOK_TRIGGER": None, "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/main"}, True, ""),
        (
            {"CODEBUILD_WEBHOOK_TRIGGER": "branch/feature", "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/feature"},
            False,
            "webhook build of 'branch/feature', not of the deploy branch 'main'",
        ),
        # A pull request whose head is a branch called main (a fork's, say) never deploys.
        (
            {"CODEBUILD_WEBHOOK_TRIGGER": "pr/7", "CODEBUILD_WEBHOOK_HEAD_REF": "refs/heads/main"},
            False,
            "webhook build of pull request 'pr/7'",
        ),
        (
            {"CODEBUILD_WEBHOOK_TRIGGER": "tag/v1.0", "CODEBUILD_WEBHOOK_HEAD_REF": "refs/tags/v1.0"},
            False,
            "webhook build of 'tag/v1.0'",
        ),
        # Manual builds: start-build with no source version builds the project's, refs/heads/main.
        (
            {"CODEBUILD_WEBHOOK_TRIGGER": None, "CODEBUILD_WEBHOOK_HEAD_REF": None, "CODEBUILD_SOURCE_VERSION": ""},
            True,
            "",
        ),
        (
            {"CODEBUILD_WEBHOOK_TRIGGER": "", "CODEBUILD_WEBHOOK_HEAD_REF": "", "CODEBUILD_SOURCE_VERSION": "main"},
            True,
            "",
        ),
        (
            {
                "CODEBUILD_WEBHOOK_TRIGGER": None,
                "CODEBUILD_WEBHOOK_HEAD_REF": None,
                "CODEBUILD_SOURCE_VERSION": "refs/heads/main",
            },
            True,
            "",
        ),
        (
            {
                "CODEBUILD_WEBHOOK_TRIGGER": None,
                "CODEBUILD_WEBHOOK_HEAD_REF": None,
                "CODEBUILD_SOURCE_VERSION": "feature",
            },
            False,
            "manual build of source version 'feature'",
        ),
        (
            {"CODEBUILD_WEBHOOK_TRIGGER": None, "CODEBUILD_WEBHOOK_HEAD_REF": None, "CODEBUILD_SOURCE_VERSION": SHA},
            False,
            f"manual build of source version '{SHA}'",
        ),
        (
            {"CODEBUILD_WEBHOOK_TRIGGER": None, "CODEBUILD_WEBHOOK_HEAD_REF": None, "CODEBUILD_SOURCE_VERSION": "pr/7"},
            False,
            "manual build of source version 'pr/7'",
        ),
        # ECS off: DEPLOY_BRANCH is empty.
        (
            {"CODEBUILD_WEBHOOK_TRIGGER": "branch/main", "DEPLOY_BRANCH": "", "ECS_CLUSTER": ""},
            False,
            "ECS_CLUSTER '' and DEPLOY_BRANCH '' must both be set",
        ),
    ],
)
def test_which_builds_deploy(codebuild, variables, deploys, why):
    build = codebuild(**variables)
    assert build.returncode == 0, build
    updates = [c for c in build.calls if c.startswith("aws ecs update-service")]
    assert bool(updates) is deploys, build.calls
    if not deploys:
        assert f"no deploy: {why}" in build.stdout
        assert not [c for c in build.calls if c.startswith("aws ecs")]


# --- deploy


def test_a_deploy_registers_tagged_revisions_and_brings_a_service_up_from_zero(codebuild):
    build = codebuild(CODEBUILD_WEBHOOK_TRIGGER="branch/main", CODEBUILD_WEBHOOK_HEAD_REF="refs/heads/main")
    assert build.returncode == 0, build
    ecs = [c for c in build.calls if c.startswith("aws ecs")]
    described = f"aws ecs describe-task-definition --task-definition {TASK_DEFINITION.format('shop-web', 1)} "
    assert described + "--include TAGS --output json" in ecs
    registered = {request["family"]: request for request in build.state["registered"]}
    assert set(registered) == {"shop-web", "shop-api"}
    for name in ("web", "api"):
        assert registered[f"shop-{name}"]["tags"] == TAGS
        assert registered[f"shop-{name}"]["containerDefinitions"][0]["image"] == image(name)
    # web was held at 0 for want of an image: it gets its desired_count; api keeps the 3 it runs.
    updates = [c for c in ecs if c.startswith("aws ecs update-service")]
    assert updates == [
        f"aws ecs update-service --cluster shop-cluster --service shop-web --task-definition "
        f"{TASK_DEFINITION.format('shop-web', 2)} --desired-count 2 --output json",
        f"aws ecs update-service --cluster shop-cluster --service shop-api --task-definition "
        f"{TASK_DEFINITION.format('shop-api', 2)} --output json",
    ]
    assert {name: s["desiredCount"] for name, s in build.state["services"].items()} == {"shop-web": 2, "shop-api": 3}
    assert "no deploy of shop-worker-2: the service does not exist yet" in build.stdout
    assert "aws ecs wait services-stable --cluster shop-cluster --services shop-web shop-api" in ecs
    assert "deployed: shop-web -> " in build.stdout


def test_a_service_whose_desired_count_is_zero_stays_at_zero(codebuild):
    services = {
        "shop-worker-2": {
            "serviceName": "shop-worker-2",
            "status": "ACTIVE",
            "desiredCount": 0,
            "taskDefinition": TASK_DEFINITION.format("shop-worker-2", 1),
        }
    }
    build = codebuild(services=services, CODEBUILD_WEBHOOK_TRIGGER="branch/main")
    assert build.returncode == 0, build
    assert [c for c in build.calls if "update-service" in c] == [
        f"aws ecs update-service --cluster shop-cluster --service shop-worker-2 --task-definition "
        f"{TASK_DEFINITION.format('shop-worker-2', 2)} --output json"
    ]


def test_a_deploy_the_circuit_breaker_rolls_back_fails_the_build(codebuild):
    build = codebuild(CODEBUILD_WEBHOOK_TRIGGER="branch/main", STUB_ROLLBACK="1")
    assert build.returncode != 0
    assert "deployment rolled back by the circuit breaker: shop-web, shop-api" in build.stderr


def test_a_service_that_is_not_active_is_not_deployed(codebuild):
    services = {
        "shop-web": {
            "serviceName": "shop-web",
            "status": "DRAINING",
            "desiredCount": 0,
            "taskDefinition": TASK_DEFINITION.format("shop-web", 1),
        }
    }
    build = codebuild(services=services, CODEBUILD_WEBHOOK_TRIGGER="branch/main")
    assert build.returncode == 0, build
    assert not [c for c in build.calls if "update-service" in c or "register" in c]


# --- redeploy for a rotated database password


def test_redeploy_database_builds_nothing_and_restarts_only_the_database_services(codebuild):
    build = codebuild(FLASK_REACT_ACTION="redeploy-database", CODEBUILD_WEBHOOK_TRIGGER=None)
    assert build.returncode == 0, build
    assert not [c for c in build.calls if c.startswith("docker")], "no login, build, test or push"
    assert not [c for c in build.calls if c.startswith("aws ecr")]
    ecs = [c for c in build.calls if c.startswith("aws ecs")]
    assert ecs == [
        "aws ecs describe-services --cluster shop-cluster --services shop-api --output json",
        "aws ecs update-service --cluster shop-cluster --service shop-api --force-new-deployment --output json",
        "aws ecs wait services-stable --cluster shop-cluster --services shop-api",
        "aws ecs describe-services --cluster shop-cluster --services shop-api --output json",
    ]
    assert build.state["registered"] == [] and build.state["services"]["shop-web"]["desiredCount"] == 0


def test_redeploy_database_with_no_running_database_service_does_nothing(codebuild):
    build = codebuild(services={}, FLASK_REACT_ACTION="redeploy-database")
    assert build.returncode == 0, build
    assert "no redeploy: no service with database true is running" in build.stdout
    assert not [c for c in build.calls if "update-service" in c or c.startswith("docker")]


def test_an_unknown_action_fails_the_build_and_pushes_nothing(codebuild):
    build = codebuild(FLASK_REACT_ACTION="rebuild", CODEBUILD_WEBHOOK_TRIGGER="branch/main")
    assert build.returncode != 0
    assert "FLASK_REACT_ACTION is 'rebuild'" in build.stderr
    assert not [c for c in build.calls if c.startswith(("docker push", "aws ecs"))]


# --- the inline buildspec behaves as buildspec.yml with ci/codebuild.py in the repository


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"CODEBUILD_WEBHOOK_TRIGGER": "branch/main", "DOCKERHUB_USERNAME": "bot", "DOCKERHUB_TOKEN": "tok"},
        {"CODEBUILD_WEBHOOK_TRIGGER": "branch/main", "STUB_FAILING_TEST": "pytest"},
        {"CODEBUILD_WEBHOOK_TRIGGER": None, "CODEBUILD_WEBHOOK_HEAD_REF": None, "CODEBUILD_SOURCE_VERSION": ""},
        {"FLASK_REACT_ACTION": "redeploy-database"},
    ],
)
def test_the_inline_buildspec_behaves_like_the_repository_files(codebuild, tmp_path, variables):
    app_only = tmp_path / "app"  # the app's repository: no buildspec.yml, no ci/
    (app_only / "services/web").mkdir(parents=True)
    (app_only / "services/web/Dockerfile.prod").write_text("FROM nginx\n")
    inline = codebuild(inline_text(), cwd=app_only, **variables)
    files = codebuild(**variables)
    assert (inline.returncode, inline.records, inline.state) == (files.returncode, files.records, files.state)
    assert inline.stdout == files.stdout
    assert sorted(p.name for p in app_only.iterdir()) == ["services"], "the build writes nothing into the checkout"


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


def test_the_phases_runner_keeps_one_shell_as_codebuild_0_2_does(codebuild, tmp_path):
    """The runner itself: a variable exported in pre_build reaches post_build."""
    text = textwrap.dedent(
        """\
        version: 0.2
        phases:
          pre_build:
            commands:
              - export SEEN=yes
          post_build:
            commands:
              - '[ "$SEEN" = yes ] && echo "kept"'
        """
    )
    assert "kept" in codebuild(text).stdout
