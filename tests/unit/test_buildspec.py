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
# the rotation rule's StartBuild environmentVariablesOverride; DEPLOY_POLL_SECONDS only by tests.
OPTIONAL = {"DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN", "FLASK_REACT_ACTION", "DEPLOY_POLL_SECONDS"}
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

# The stubs (about 1,100 processes a run of this file) need only the standard library: `python3 -S` skips
# the venv's site setup, a third of each start.
AWS_STUB = r'''#!/usr/bin/env -S python3 -S
"""aws: records argv, answers from the ECS state in $STUB_ECS (a JSON file it updates).

DescribeServices refuses more than 10 services and lists unknown ones under failures, as ECS does.
An updated service has a PRIMARY deployment IN_PROGRESS beside its old one; it settles at its
$STUB_STABLE_AFTER'th look (default 1): one deployment, runningCount = desiredCount, or with
$STUB_SETTLE=completed the rollout COMPLETED while the old tasks still drain, or with
$STUB_SETTLE=failed the rollout FAILED."""
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
    names = option("--services", True)
    if len(names) > 10:
        print("An error occurred (InvalidParameterException) when calling the DescribeServices operation: "
              "services can have at most 10 items.", file=sys.stderr)
        sys.exit(254)
    for name in names:
        service = state["services"].get(name, {})
        if "looks" not in service:
            continue
        service["looks"] -= 1
        if service["looks"] > 0:
            continue
        primary = dict(service["deployments"][0], rolloutState="COMPLETED")
        settle = os.environ.get("STUB_SETTLE", "")
        if settle == "failed":
            reason = "ECS deployment circuit breaker: tasks failed to start."
            primary.update(rolloutState="FAILED", rolloutStateReason=reason)
            service["deployments"][0] = primary
        elif settle == "completed":
            service["deployments"][0] = primary
            service["runningCount"] = service["desiredCount"] + 1
        else:
            service["deployments"] = [primary]
            service["runningCount"] = service["desiredCount"]
        del service["looks"]
    answer = {
        "services": [state["services"][n] for n in names if n in state["services"]],
        "failures": [{"arn": n, "reason": "MISSING"} for n in names if n not in state["services"]],
    }
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
    old = {"status": "ACTIVE", "taskDefinition": service["taskDefinition"], "rolloutState": "COMPLETED"}
    new = {"status": "PRIMARY", "taskDefinition": service["taskDefinition"], "rolloutState": "IN_PROGRESS"}
    service["deployments"] = [new, old]
    service.setdefault("runningCount", 0)
    service["looks"] = int(os.environ.get("STUB_STABLE_AFTER") or 1)
    answer = {"service": service}
json.dump(state, open(os.environ["STUB_ECS"], "w"))
print(json.dumps(answer))
'''

DOCKER_STUB = r'''#!/usr/bin/env -S python3 -S
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


# The build host's architecture as platform.machine() answers it: $STUB_MACHINE.
SITECUSTOMIZE = """import os, platform
platform.machine = lambda: os.environ.get("STUB_MACHINE", "x86_64")
"""


def spec():
    return yaml.safe_load((REPO / "buildspec.yml").read_text())


def inline_text():
    return codebuild_buildspec((REPO / "buildspec.yml").read_text(), script=(REPO / "ci/codebuild.py").read_text())


def project_variables():
    """Names the codebuild role and site.yml's ecs_build_environment put in the project's environment."""
    text = "".join(path.read_text() for path in (REPO / "roles/codebuild").glob("*/*.yml"))
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
    (tmp_path / "site").mkdir()
    (tmp_path / "site/sitecustomize.py").write_text(SITECUSTOMIZE)
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
            PYTHONPATH=str(tmp_path / "site"),
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
    runs = [c for c in docker if c.startswith("docker run --rm --entrypoint")]
    assert runs == [
        f"docker run --rm --entrypoint sh {image('web')} -c test -f index.html",
        f"docker run --rm --entrypoint sh {image('api')} -c python -m pytest -q",
        f"docker run --rm --entrypoint sh {image('api')} -c flake8 .",
    ]
    # The command is one argument, as sh -c takes it.
    tests = [r["argv"] for r in build.records if r["argv"][:3] == ["docker", "run", "--rm"]]
    assert tests[0][-1] == "test -f index.html"
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
    # binfmt's install (api is arm64, the host x86), then the first build, which fails.
    assert [c.split()[1] for c in build.calls if c.startswith("docker") and "login" not in c] == ["run", "build"]
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
    described = "aws ecs describe-services --cluster shop-cluster --services shop-web shop-api shop-worker-2"
    waited = "aws ecs describe-services --cluster shop-cluster --services shop-web shop-api"
    # One look for all three before deploying; then the wait's look and the rollback check's.
    assert [c for c in ecs if "describe-services" in c] == [f"{described} --output json"] + 2 * [
        f"{waited} --output json"
    ]
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
        "aws ecs describe-services --cluster shop-cluster --services shop-api --output json",
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


# --- the wait: polled within DEPLOY_WAIT_MINUTES, 10 services a DescribeServices call


def deploying(**env):
    """A deploy build of the deploy branch that looks every 0 s."""
    return {"CODEBUILD_WEBHOOK_TRIGGER": "branch/main", "DEPLOY_POLL_SECONDS": "0", **env}


def looks(build):
    """The wait's looks: every describe-services after the first update-service."""
    first = next(i for i, c in enumerate(build.calls) if "update-service" in c)
    return [c for c in build.calls[first:] if "describe-services" in c]


def test_a_deploy_polls_until_stable_and_says_so_at_most_once_a_minute(codebuild):
    build = codebuild(**deploying(STUB_STABLE_AFTER="4"))
    assert build.returncode == 0, build
    # Four looks until stable, then the rollback check's.
    assert len(looks(build)) == 5
    progress = [line for line in build.stdout.splitlines() if line.startswith("not stable yet")]
    assert len(progress) == 1, progress
    assert "shop-web 0/2 running, 2 deployments" in progress[0] and "shop-api 0/3 running" in progress[0]
    assert "deployed: shop-web -> " in build.stdout
    assert not [c for c in build.calls if " wait " in c], "no CLI waiter: its 10 minutes overrun the deadline"


def test_a_completed_rollout_is_stable_while_the_old_tasks_drain(codebuild):
    build = codebuild(**deploying(STUB_SETTLE="completed", STUB_STABLE_AFTER="2"))
    assert build.returncode == 0, build
    assert len(looks(build)) == 3
    assert [len(s["deployments"]) for s in build.state["services"].values()] == [2, 2]


def test_a_failed_rollout_fails_the_build_with_its_reason(codebuild):
    build = codebuild(**deploying(STUB_SETTLE="failed"))
    assert build.returncode != 0
    assert "deploy of shop-web failed: ECS deployment circuit breaker: tasks failed to start." in build.stderr
    assert "deployed:" not in build.stdout


def test_the_wait_ends_at_its_deadline_not_at_the_cli_waiters(codebuild):
    import time

    started = time.monotonic()
    build = codebuild(**deploying(STUB_STABLE_AFTER="100000", DEPLOY_WAIT_MINUTES="0.05", DEPLOY_POLL_SECONDS="1"))
    elapsed = time.monotonic() - started
    assert build.returncode != 0
    assert "services not stable after 0.05 minutes (DEPLOY_WAIT_MINUTES): shop-web 0/2 running" in build.stderr
    # Looks a second apart for three seconds (fewer on a loaded machine, never more); the CLI's
    # waiter would have looked 40 times, 15 s apart: 120 s bounds only a hang, not the machine's speed.
    assert 1 <= len(looks(build)) <= 5 and elapsed < 120, (looks(build), elapsed)
    # With no time at all: one look, then the build fails.
    build = codebuild(**deploying(STUB_STABLE_AFTER="100000", DEPLOY_WAIT_MINUTES="0"))
    assert build.returncode != 0 and len(looks(build)) == 1


def test_a_deploy_of_twelve_services_describes_them_ten_at_a_time(codebuild):
    twelve = [{"name": f"s{n}", "port": 8000 + n, "default": n == 0} for n in range(12)]
    variables = {
        item["name"]: item["value"] for item in ecs_build_environment(twelve, "shop", "acme", "shop-cluster", "main")
    }
    services = {
        f"shop-s{n}": {
            "serviceName": f"shop-s{n}",
            "status": "ACTIVE",
            "desiredCount": 1,
            "taskDefinition": TASK_DEFINITION.format(f"shop-s{n}", 1),
        }
        for n in range(12)
    }
    build = codebuild(services=services, APP_SERVICES=variables["APP_SERVICES"], **deploying(STUB_STABLE_AFTER="2"))
    assert build.returncode == 0, build
    described = [
        c.split("--services ")[1].split(" --output")[0].split() for c in build.calls if "describe-services" in c
    ]
    names = [f"shop-s{n}" for n in range(12)]
    # Before the deploy, two looks in the wait, the rollback check: each as a call of 10 and one of 2.
    assert described == 4 * [names[:10], names[10:]]
    assert len([c for c in build.calls if "update-service" in c]) == 12
    assert "deployed: shop-s0 -> " in build.stdout and "shop-s11 -> " in build.stdout


def test_redeploy_database_of_twelve_services_describes_them_ten_at_a_time(codebuild):
    twelve = [{"name": f"s{n}", "port": 8000 + n, "default": n == 0, "database": True} for n in range(12)]
    variables = {
        item["name"]: item["value"] for item in ecs_build_environment(twelve, "shop", "acme", "shop-cluster", "main")
    }
    services = {
        f"shop-s{n}": {
            "serviceName": f"shop-s{n}",
            "status": "ACTIVE",
            "desiredCount": 1,
            "taskDefinition": TASK_DEFINITION.format(f"shop-s{n}", 1),
        }
        for n in range(12)
    }
    build = codebuild(services=services, APP_SERVICES=variables["APP_SERVICES"], FLASK_REACT_ACTION="redeploy-database")
    assert build.returncode == 0, build
    described = [
        c.split("--services ")[1].split(" --output")[0].split() for c in build.calls if "describe-services" in c
    ]
    assert [len(names) for names in described] == [10, 2, 10, 2, 10, 2]
    assert len([c for c in build.calls if "--force-new-deployment" in c]) == 12


# --- foreign architectures: QEMU's binfmt handlers before the first build


def binfmt(build):
    return [c for c in build.calls if "tonistiigi/binfmt" in c]


def test_an_arm64_service_on_an_x86_host_installs_binfmt_once_before_the_first_build(codebuild):
    build = codebuild()
    assert build.returncode == 0, build
    assert binfmt(build) == ["docker run --privileged --rm tonistiigi/binfmt --install arm64"]
    docker = [c for c in build.calls if c.startswith("docker") and " login " not in c]
    assert docker[0] == binfmt(build)[0] and docker[1].startswith("docker build")


def test_amd64_services_on_an_x86_host_need_no_binfmt(codebuild):
    only_amd64 = [dict(service, cpu_architecture="X86_64") for service in THREE]
    variables = {item["name"]: item["value"] for item in ecs_build_environment(only_amd64, "shop", "acme", "c", "main")}
    for machine in ("x86_64", "AMD64"):
        build = codebuild(APP_SERVICES=variables["APP_SERVICES"], STUB_MACHINE=machine)
        assert build.returncode == 0, build
        assert not binfmt(build) and any(c.startswith("docker build") for c in build.calls)


def test_an_arm64_host_installs_binfmt_for_the_amd64_services(codebuild):
    build = codebuild(STUB_MACHINE="aarch64")
    assert build.returncode == 0, build
    assert binfmt(build) == ["docker run --privileged --rm tonistiigi/binfmt --install amd64"]


def test_redeploy_database_installs_no_binfmt(codebuild):
    assert not binfmt(codebuild(FLASK_REACT_ACTION="redeploy-database"))


def test_the_emulators_docker_records_binfmt_and_runs_no_unbuilt_image(tmp_path):
    """The emulator's stub docker (tests/emulator/builder/docker.py) as the build script calls it:
    binfmt, an image it did not build and not in ECR, is recorded and succeeds without running;
    an ECR image this build did not build is still refused, as Docker finds none to run."""
    stub = REPO / "tests/emulator/builder/docker.py"
    env = {"PATH": os.environ["PATH"], "STUB_DOCKER_STATE": str(tmp_path), "STUB_DOCKER_LOG": str(tmp_path / "log")}

    def docker(*args):
        return subprocess.run(["python3", str(stub), *args], env=env, capture_output=True, text=True, check=False)

    done = docker("run", "--privileged", "--rm", "tonistiigi/binfmt", "--install", "arm64")
    assert done.returncode == 0, done.stderr
    assert docker("run", "--rm", "--entrypoint", "sh", image("api"), "-c", "true").returncode == 1
    first, second = [json.loads(line) for line in (tmp_path / "log").read_text().splitlines()]
    assert first["argv"] == ["run", "--privileged", "--rm", "tonistiigi/binfmt", "--install", "arm64"]
    assert first["not_run"] is True and first["container_command"] == ["--install", "arm64"] and first["rc"] == 0
    assert "No such image" in second["error_message"]


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


def test_a_deploy_leaves_the_count_an_autoscaler_set(codebuild):
    """Issue #21 item 1: while a service autoscales its desiredCount is the scaler's; the deploy's
    UpdateService names only the new task definition (--desired-count only brings up a service at 0)."""
    services = {
        "shop-web": {
            "serviceName": "shop-web",
            "status": "ACTIVE",
            "desiredCount": 7,  # web's desired_count is 2: 7 is the scaler's
            "taskDefinition": TASK_DEFINITION.format("shop-web", 1),
        }
    }
    build = codebuild(services=services, CODEBUILD_WEBHOOK_TRIGGER="branch/main")
    assert build.returncode == 0, build
    assert [c for c in build.calls if "update-service" in c] == [
        f"aws ecs update-service --cluster shop-cluster --service shop-web --task-definition "
        f"{TASK_DEFINITION.format('shop-web', 2)} --output json"
    ]
    assert build.state["services"]["shop-web"]["desiredCount"] == 7
