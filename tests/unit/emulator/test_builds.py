"""The emulator runs CodeBuild builds as CodeBuild does: buildspec, source, phases, variables, logs,
the stub docker into ECR, the AWS CLI, and GitHub's webhook played back by tests/emulator/github.py."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.emulator import ctl, github
from tests.emulator.client import emulator_client

pytestmark = pytest.mark.emulator

ACCOUNT = "123456789012"
REGION = "us-west-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/codebuild"
IMAGE = "aws/codebuild/standard:7.0"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    """An emulator process of this module with a GitHub directory; returns (port, github dir)."""
    root = tmp_path_factory.mktemp("builds")
    github_dir = root / "github"
    github_dir.mkdir()
    port = free_port()
    assert ctl.start(port, github_dir=github_dir) == 0
    yield port, github_dir
    ctl.stop(port)


@pytest.fixture
def repo(emulator):
    """A fresh GitHub location for the test; returns (port, github dir, location)."""
    port, github_dir = emulator
    return port, github_dir, f"https://github.com/acme/app-{uuid.uuid4().hex[:8]}.git"


def project(port, location, *, buildspec=None, variables=(), source_version=None, webhook=None, region=REGION):
    codebuild = emulator_client(port, "codebuild", region)
    name = f"p-{uuid.uuid4().hex[:8]}"
    source = {"type": "GITHUB", "location": location}
    if buildspec:
        source["buildspec"] = buildspec
    environment = {
        "type": "LINUX_CONTAINER",
        "image": IMAGE,
        "computeType": "BUILD_GENERAL1_SMALL",
        "privilegedMode": True,
        "environmentVariables": list(variables),
    }
    extra = {"sourceVersion": source_version} if source_version else {}
    codebuild.create_project(
        name=name,
        source=source,
        artifacts={"type": "NO_ARTIFACTS"},
        environment=environment,
        serviceRole=ROLE,
        timeoutInMinutes=10,
        **extra,
    )
    if webhook is not None:
        codebuild.import_source_credentials(token="ghp_dummy", serverType="GITHUB", authType="PERSONAL_ACCESS_TOKEN")
        codebuild.create_webhook(projectName=name, filterGroups=webhook)
    return codebuild, name


def run(port, codebuild, name, region=REGION, **start):
    build = codebuild.start_build(projectName=name, **start)["build"]
    assert build["buildStatus"] == "IN_PROGRESS"
    done = github.wait_for_build(port, build["id"], region=region, timeout=120)
    return done, github.build_log(port, done, region=region)


def phases(build):
    return {phase["phaseType"]: phase.get("phaseStatus") for phase in build["phases"]}


def printed(log, name):
    """The value the build printed as ``name=value`` (``env | sort`` or an echo)."""
    match = re.search(rf"^{name}=(.*)$", log, re.MULTILINE)
    return match[1] if match else None


def inline(*commands, phase="build", **more):
    spec = {"version": 0.2, "phases": {phase: {"commands": list(commands)}}}
    spec.update(more)
    return json.dumps(spec)


def test_inline_buildspec_runs_in_the_checkout_with_codebuild_variables(repo):
    port, github_dir, location = repo
    sha = github.commit(github_dir, location, {"app.py": "print('hi')\n"})
    spec = (
        "version: 0.2\n"
        "env:\n  variables:\n    FROM_SPEC: spec\n    SHADOWED: spec\n"
        "phases:\n  build:\n    commands:\n      - test -f app.py\n      - env | sort\n"
    )
    variables = [
        {"name": "SHADOWED", "value": "project", "type": "PLAINTEXT"},
        {"name": "OVERRIDDEN", "value": "project", "type": "PLAINTEXT"},
    ]
    codebuild, name = project(port, location, buildspec=spec, variables=variables, source_version="refs/heads/main")
    build, log = run(
        port,
        codebuild,
        name,
        environmentVariablesOverride=[{"name": "OVERRIDDEN", "value": "start", "type": "PLAINTEXT"}],
    )

    assert build["buildStatus"] == "SUCCEEDED", log
    assert list(phases(build)) == [
        "SUBMITTED",
        "QUEUED",
        "PROVISIONING",
        "DOWNLOAD_SOURCE",
        "INSTALL",
        "PRE_BUILD",
        "BUILD",
        "POST_BUILD",
        "UPLOAD_ARTIFACTS",
        "FINALIZING",
        "COMPLETED",
    ]
    assert build["currentPhase"] == "COMPLETED" and build["buildComplete"] is True
    assert build["sourceVersion"] == "refs/heads/main" and build["resolvedSourceVersion"] == sha
    assert build["logs"]["groupName"] == f"/aws/codebuild/{name}"
    assert build["logs"]["streamName"] == build["id"].split(":", 1)[1]
    assert build["environment"]["image"] == IMAGE
    assert {"name": "OVERRIDDEN", "value": "start", "type": "PLAINTEXT"} in build["environment"]["environmentVariables"]
    # buildspec env < project < StartBuild override
    assert printed(log, "FROM_SPEC") == "spec"
    assert printed(log, "SHADOWED") == "project"
    assert printed(log, "OVERRIDDEN") == "start"
    assert printed(log, "CODEBUILD_RESOLVED_SOURCE_VERSION") == sha
    assert printed(log, "CODEBUILD_SOURCE_VERSION") == "refs/heads/main"
    assert printed(log, "CODEBUILD_SOURCE_REPO_URL") == location
    assert printed(log, "CODEBUILD_BUILD_ID") == build["id"]
    assert printed(log, "CODEBUILD_BUILD_ARN") == build["arn"]
    assert printed(log, "CODEBUILD_BUILD_NUMBER") == "1"
    assert printed(log, "CODEBUILD_BUILD_SUCCEEDING") == "1"
    assert printed(log, "CODEBUILD_INITIATOR") == build["initiator"]
    assert printed(log, "CODEBUILD_WEBHOOK_TRIGGER") is None, "a manual build has no webhook variables"
    assert printed(log, "AWS_REGION") == printed(log, "AWS_DEFAULT_REGION") == REGION
    assert printed(log, "AWS_ENDPOINT_URL") == f"http://127.0.0.1:{port}"
    assert printed(log, "CODEBUILD_SRC_DIR").endswith("/src")
    second, _unused = run(port, codebuild, name)
    assert second["buildNumber"] == 2
    assert codebuild.list_builds_for_project(projectName=name)["ids"] == [second["id"], build["id"]], "newest first"


def test_buildspec_from_the_source_root_a_named_file_and_a_branch(repo):
    port, github_dir, location = repo
    main = github.commit(
        github_dir,
        location,
        {
            "buildspec.yml": inline("echo ROOT_SPEC=$(git rev-parse HEAD)"),
            "ci/other.yml": inline("echo OTHER_SPEC=yes"),
        },
    )
    feature = github.commit(github_dir, location, {"buildspec.yml": inline("echo FEATURE_SPEC=yes")}, branch="feature")
    codebuild, name = project(port, location)

    build, log = run(port, codebuild, name)
    assert build["buildStatus"] == "SUCCEEDED", log
    assert printed(log, "ROOT_SPEC") == main, "no source version: the default branch"
    assert "sourceVersion" not in build

    build, log = run(port, codebuild, name, sourceVersion="feature")
    assert printed(log, "FEATURE_SPEC") == "yes" and build["resolvedSourceVersion"] == feature
    build, log = run(port, codebuild, name, sourceVersion=main)
    assert printed(log, "ROOT_SPEC") == main

    other, other_name = project(port, location, buildspec="ci/other.yml")
    build, log = run(port, other, other_name)
    assert printed(log, "OTHER_SPEC") == "yes"

    build, log = run(port, codebuild, name, buildspecOverride=inline("echo OVERRIDE_SPEC=yes"))
    assert printed(log, "OVERRIDE_SPEC") == "yes"


def test_no_buildspec_or_source_version_fails_download_source(repo):
    port, github_dir, location = repo
    github.commit(github_dir, location, {"services/api/Dockerfile.prod": "FROM python:3.13\n"})
    codebuild, name = project(port, location)

    build, log = run(port, codebuild, name)
    assert build["buildStatus"] == "FAILED"
    assert phases(build)["DOWNLOAD_SOURCE"] == "FAILED"
    assert list(phases(build))[-2:] == ["FINALIZING", "COMPLETED"] and "BUILD" not in phases(build)
    context = next(p for p in build["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")["contexts"][0]
    assert context["statusCode"] == "YAML_FILE_ERROR" and "buildspec.yml: no such file" in context["message"]

    build, _unused = run(port, codebuild, name, sourceVersion="no-such-branch")
    context = next(p for p in build["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")["contexts"][0]
    assert context["statusCode"] == "CLIENT_ERROR" and "no-such-branch" in context["message"]


def test_failed_build_phase_still_runs_finally_and_post_build(repo):
    port, github_dir, location = repo
    github.commit(github_dir, location, {"README": "x"})
    spec = {
        "version": 0.2,
        "phases": {
            "build": {
                "commands": ["echo first", "exit 3", "echo NEVER=1"],
                "finally": ["echo FINALLY=$CODEBUILD_BUILD_SUCCEEDING"],
            },
            "post_build": {"commands": ["echo POST_BUILD=$CODEBUILD_BUILD_SUCCEEDING"]},
        },
    }
    codebuild, name = project(port, location, buildspec=json.dumps(spec))
    build, log = run(port, codebuild, name)

    assert build["buildStatus"] == "FAILED"
    assert phases(build)["BUILD"] == "FAILED" and phases(build)["POST_BUILD"] == "SUCCEEDED"
    context = next(p for p in build["phases"] if p["phaseType"] == "BUILD")["contexts"][0]
    assert context == {
        "statusCode": "COMMAND_EXECUTION_ERROR",
        "message": "Error while executing command: exit 3. Reason: exit status 3",
    }
    assert printed(log, "NEVER") is None
    assert printed(log, "FINALLY") == "0"
    assert printed(log, "POST_BUILD") == "0"


def test_failed_pre_build_goes_to_finalizing(repo):
    port, github_dir, location = repo
    github.commit(github_dir, location, {"README": "x"})
    spec = {
        "version": 0.2,
        "phases": {
            "pre_build": {"commands": ["false"]},
            "build": {"commands": ["echo BUILD=ran"]},
            "post_build": {"commands": ["echo POST=ran"]},
        },
    }
    codebuild, name = project(port, location, buildspec=json.dumps(spec))
    build, log = run(port, codebuild, name)

    assert build["buildStatus"] == "FAILED"
    assert list(phases(build))[-4:] == ["INSTALL", "PRE_BUILD", "FINALIZING", "COMPLETED"]
    assert printed(log, "BUILD") is None and printed(log, "POST") is None


def test_on_failure_continue_and_abort(repo):
    port, github_dir, location = repo
    github.commit(github_dir, location, {"README": "x"})
    spec = {
        "version": 0.2,
        "phases": {
            "install": {"on-failure": "CONTINUE", "commands": ["false"]},
            "pre_build": {"commands": ["echo PRE_BUILD=$CODEBUILD_BUILD_SUCCEEDING"]},
            "build": {"on-failure": "ABORT", "commands": ["false"]},
            "post_build": {"commands": ["echo POST=ran"]},
        },
    }
    codebuild, name = project(port, location, buildspec=json.dumps(spec))
    build, log = run(port, codebuild, name)
    assert build["buildStatus"] == "FAILED"
    assert phases(build)["INSTALL"] == "FAILED" and printed(log, "PRE_BUILD") == "0", "CONTINUE: the next phase runs"
    assert "POST_BUILD" not in phases(build) and printed(log, "POST") is None, "ABORT: straight to FINALIZING"


def test_parameter_store_and_buildspec_secrets(repo):
    port, github_dir, location = repo
    github.commit(github_dir, location, {"README": "x"})
    parameter = f"/app/{uuid.uuid4().hex[:6]}"
    emulator_client(port, "ssm", REGION).put_parameter(Name=parameter, Value="from-ssm", Type="String")
    secret = f"s-{uuid.uuid4().hex[:6]}"
    emulator_client(port, "secretsmanager", REGION).create_secret(Name=secret, SecretString='{"k": "from-secret"}')
    spec = inline(
        "echo PARAM=$PARAM",
        "echo SPEC_PARAM=$SPEC_PARAM",
        "echo SPEC_SECRET=$SPEC_SECRET",
        env={"parameter-store": {"SPEC_PARAM": parameter}, "secrets-manager": {"SPEC_SECRET": f"{secret}:k"}},
    )
    variables = [{"name": "PARAM", "value": parameter, "type": "PARAMETER_STORE"}]
    codebuild, name = project(port, location, buildspec=spec, variables=variables)
    build, log = run(port, codebuild, name)
    assert build["buildStatus"] == "SUCCEEDED", log
    assert printed(log, "PARAM") == printed(log, "SPEC_PARAM") == "from-ssm"
    assert printed(log, "SPEC_SECRET") == "from-secret"


def test_webhook_push_builds_only_what_the_filters_accept(repo):
    port, github_dir, location = repo
    spec = inline("env | grep -E '^CODEBUILD_(WEBHOOK|SOURCE_VERSION|INITIATOR)' | sort")
    main_only = [[{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}]]
    codebuild, name = project(port, location, buildspec=spec, webhook=main_only)
    other_location, _unused = f"{location[:-4]}-other.git", None
    project(port, other_location, buildspec=spec, webhook=main_only)

    feature = github.commit(github_dir, location, {"a": "1"}, branch="feature")
    assert github.push(port, location, "feature", feature) == [], "a branch the HEAD_REF filter refuses"
    assert github.pull_request(github_dir, port, location, 7, feature, head_branch="feature") == [], "not a PUSH"

    before = github.head(github_dir, location, "feature")
    sha = github.commit(github_dir, location, {"b": "2"}, branch="main", message="second")
    [build_id] = github.push(port, location, "main", sha, before=before)
    assert build_id.startswith(f"{name}:")
    build = github.wait_for_build(port, build_id)
    log = github.build_log(port, build)
    assert build["buildStatus"] == "SUCCEEDED", log
    assert build["sourceVersion"] == sha and build["resolvedSourceVersion"] == sha
    assert build["initiator"].startswith("GitHub-Hookshot/")
    assert printed(log, "CODEBUILD_WEBHOOK_EVENT") == "PUSH"
    assert printed(log, "CODEBUILD_WEBHOOK_HEAD_REF") == "refs/heads/main"
    assert printed(log, "CODEBUILD_WEBHOOK_TRIGGER") == "branch/main"
    assert printed(log, "CODEBUILD_WEBHOOK_PREV_COMMIT") == before
    assert printed(log, "CODEBUILD_SOURCE_VERSION") == sha
    assert printed(log, "CODEBUILD_INITIATOR") == build["initiator"]


def test_webhook_pull_request_builds_the_pull_request(repo):
    port, github_dir, location = repo
    spec = inline("echo TRIGGER=$CODEBUILD_WEBHOOK_TRIGGER", "echo BASE=$CODEBUILD_WEBHOOK_BASE_REF")
    codebuild, name = project(
        port, location, buildspec=spec, webhook=[[{"type": "EVENT", "pattern": "PUSH, PULL_REQUEST_CREATED"}]]
    )
    github.commit(github_dir, location, {"a": "1"})
    sha = github.commit(github_dir, location, {"b": "2"}, branch="topic")
    [build_id] = github.pull_request(github_dir, port, location, 12, sha, head_branch="topic")
    build = github.wait_for_build(port, build_id)
    log = github.build_log(port, build)
    assert build["sourceVersion"] == "pr/12" and build["resolvedSourceVersion"] == sha
    assert printed(log, "TRIGGER") == "pr/12" and printed(log, "BASE") == "refs/heads/main"


IMAGE_REF = '"$REGISTRY/$REPOSITORY:$TAG"'
DOCKER_BUILDSPEC = json.dumps(
    {
        "version": 0.2,
        "phases": {
            "pre_build": {
                "commands": [
                    'aws ecr get-login-password --region "$AWS_REGION"'
                    ' | docker login --username AWS --password-stdin "$REGISTRY"'
                ]
            },
            "build": {
                "commands": [
                    f"docker build -f services/api/Dockerfile.prod -t {IMAGE_REF} --platform linux/arm64"
                    " --build-arg NODE_ENV=production services/api",
                    f"docker push {IMAGE_REF}",
                    f"if docker push {IMAGE_REF}; then echo SECOND_PUSH=accepted; else echo SECOND_PUSH=refused; fi",
                    f"docker run --rm --entrypoint sh {IMAGE_REF} -c 'echo RUN_IN=$(ls | tr \"\\\\n\" ,); touch made'",
                    "test ! -e services/api/made && echo CHECKOUT=untouched",
                    f"docker run --rm {IMAGE_REF} sh -c 'exit 4' || echo RUN_EXIT=$?",
                ]
            },
        },
    }
)


def test_docker_pushes_into_ecr_and_an_immutable_tag_refuses_a_second_push(repo):
    port, github_dir, location = repo
    ecr = emulator_client(port, "ecr", REGION)
    repository = f"r-{uuid.uuid4().hex[:8]}"
    ecr.create_repository(repositoryName=repository, imageTagMutability="IMMUTABLE")
    sha = github.commit(
        github_dir,
        location,
        {"services/api/Dockerfile.prod": "FROM python:3.13-slim\nCOPY . .\n", "services/api/app.py": "x = 1\n"},
    )
    variables = [
        {"name": "REGISTRY", "value": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com", "type": "PLAINTEXT"},
        {"name": "REPOSITORY", "value": repository, "type": "PLAINTEXT"},
        {"name": "TAG", "value": sha[:7], "type": "PLAINTEXT"},
    ]
    codebuild, name = project(port, location, buildspec=DOCKER_BUILDSPEC, variables=variables)
    build, log = run(port, codebuild, name)

    assert build["buildStatus"] == "SUCCEEDED", log
    images = ecr.describe_images(repositoryName=repository)["imageDetails"]
    assert [image["imageTags"] for image in images] == [[sha[:7]]]
    manifest = json.loads(
        ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": sha[:7]}])["images"][0]["imageManifest"]
    )
    assert manifest["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert printed(log, "SECOND_PUSH") == "refused"
    assert "tag invalid: The image tag" in log and "because the repository is immutable" in log
    assert printed(log, "RUN_IN") == "Dockerfile.prod,app.py,", "docker run runs in a copy of the image's context"
    assert printed(log, "CHECKOUT") == "untouched"
    assert printed(log, "RUN_EXIT") == "4"

    calls = [call for call in github.docker_calls(github_dir) if call["build_id"] == build["id"]]
    assert [call["command"] for call in calls] == ["login", "build", "push", "push", "run", "run"]
    login, built = calls[0], calls[1]
    assert login["registry"] == variables[0]["value"] and login["username"] == "AWS"
    assert built["platform"] == "linux/arm64" and built["build_args"] == {"NODE_ENV": "production"}
    assert built["context"].endswith("services/api") and built["from"] == ["python:3.13-slim"]
    assert calls[2]["rc"] == 0 and calls[3]["rc"] == 1
    assert manifest["config"]["digest"] == built["image_id"]
    assert "stub docker: " in log, "every docker call shows in the build log"


def test_docker_build_fails_without_a_dockerfile_or_on_run_false(repo):
    port, github_dir, location = repo
    github.commit(
        github_dir, location, {"good/Dockerfile": "FROM alpine\n", "bad/Dockerfile": "FROM alpine\nRUN false\n"}
    )
    spec = inline(
        "docker build -t x good && echo GOOD=built",
        "docker build -t y -f good/Dockerfile.prod good || echo MISSING=failed",
        "docker build -t y missing || echo NO_CONTEXT=failed",
        "docker build -t z bad || echo BAD=failed",
        "docker push x || echo PUSH_WITHOUT_LOGIN=failed",
    )
    codebuild, name = project(port, location, buildspec=spec)
    build, log = run(port, codebuild, name)
    assert build["buildStatus"] == "SUCCEEDED", log
    assert printed(log, "GOOD") == "built"
    assert printed(log, "MISSING") == "failed" and "Dockerfile.prod: no such file or directory" in log
    assert printed(log, "NO_CONTEXT") == "failed" and "unable to prepare context: path" in log
    assert printed(log, "BAD") == "failed" and "The command '/bin/sh -c false' returned a non-zero code: 1" in log
    assert printed(log, "PUSH_WITHOUT_LOGIN") == "failed"


def test_secrets_manager_variables_are_resolved(repo):
    port, github_dir, location = repo
    github.commit(github_dir, location, {"README": "x"})
    secrets = emulator_client(port, "secretsmanager", REGION)
    arn = secrets.create_secret(
        Name=f"hub-{uuid.uuid4().hex[:6]}", SecretString=json.dumps({"username": "octo", "token": "t0k"})
    )["ARN"]
    variables = [
        {"name": "HUB_USER", "value": f"{arn}:username", "type": "SECRETS_MANAGER"},
        {"name": "HUB_TOKEN", "value": f"{arn}:token", "type": "SECRETS_MANAGER"},
        {"name": "HUB_ALL", "value": arn, "type": "SECRETS_MANAGER"},
    ]
    spec = inline(
        "echo HUB_USER=$HUB_USER",
        'echo "$HUB_TOKEN" | docker login -u "$HUB_USER" --password-stdin && echo HUB_LOGIN=ok',
        "echo HUB_ALL=$HUB_ALL",
    )
    codebuild, name = project(port, location, buildspec=spec, variables=variables)
    build, log = run(port, codebuild, name)
    assert build["buildStatus"] == "SUCCEEDED", log
    assert printed(log, "HUB_USER") == "octo" and printed(log, "HUB_LOGIN") == "ok"
    assert json.loads(printed(log, "HUB_ALL")) == {"username": "octo", "token": "t0k"}
    assert {"name": "HUB_TOKEN", "value": f"{arn}:token", "type": "SECRETS_MANAGER"} in build["environment"][
        "environmentVariables"
    ], "BatchGetBuilds shows the reference, never the value"
    login = [c for c in github.docker_calls(github_dir) if c["build_id"] == build["id"] and c["command"] == "login"]
    assert login[0]["registry"] == "docker.io" and "t0k" not in json.dumps(login)

    missing = [{"name": "GONE", "value": f"{arn[:-7]}-nope-x:token", "type": "SECRETS_MANAGER"}]
    codebuild, name = project(port, location, buildspec=spec, variables=missing)
    build, _unused = run(port, codebuild, name)
    assert build["buildStatus"] == "FAILED" and phases(build)["PROVISIONING"] == "FAILED"
    assert "GONE" in build["phases"][2]["contexts"][0]["message"]


def test_the_aws_cli_reaches_the_emulator(repo):
    port, github_dir, location = repo
    ecs, ecr = emulator_client(port, "ecs", REGION), emulator_client(port, "ecr", REGION)
    name = f"c{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=name)
    ecr.create_repository(repositoryName=name)
    ecr.put_image(
        repositoryName=name,
        imageTag="v1",
        imageManifest=json.dumps(
            {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}
        ),
    )
    definition = {
        "family": name,
        "containerDefinitions": [
            {"name": "app", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{name}:v1", "memory": 128}
        ],
    }
    ecs.register_task_definition(**definition)
    ecs.create_service(cluster=name, serviceName=name, taskDefinition=name, desiredCount=0)
    github.commit(github_dir, location, {"taskdef.json": json.dumps(definition)})
    spec = inline(
        "aws ecr get-login-password | wc -c",
        f"aws ecr describe-images --repository-name {name} --image-ids imageTag=v1"
        " --query 'imageDetails[0].imageTags[0]' --output text",
        "aws ecs register-task-definition --cli-input-json file://taskdef.json --query taskDefinition.revision",
        f"aws ecs wait services-stable --cluster {name} --services {name} && echo STABLE=yes",
    )
    codebuild, project_name = project(port, location, buildspec=spec)
    started = time.monotonic()
    build, log = run(port, codebuild, project_name)
    assert build["buildStatus"] == "SUCCEEDED", log
    assert re.search(r"^v1$", log, re.MULTILINE)
    assert re.search(r"^2$", log, re.MULTILINE), "the CLI registered revision 2"
    assert printed(log, "STABLE") == "yes"
    assert time.monotonic() - started < 300  # the CLI's own waiter would take 10 minutes
    assert [r["revision"] for r in [ecs.describe_task_definition(taskDefinition=name)["taskDefinition"]]] == [2]


def test_stop_build_ends_a_running_command(repo):
    port, github_dir, location = repo
    github.commit(github_dir, location, {"README": "x"})
    codebuild, name = project(port, location, buildspec=inline("echo STARTED=yes", "sleep 60", "echo NEVER=1"))
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    # Stopped once its command runs (however slow the machine is to get there).
    deadline = time.monotonic() + 300
    while "STARTED=yes" not in _log_or_empty(port, codebuild, build_id):
        assert time.monotonic() < deadline, "the build's command never started"
        time.sleep(0.1)
    codebuild.stop_build(id=build_id)
    build = github.wait_for_build(port, build_id, timeout=30)
    assert build["buildStatus"] == "STOPPED" and phases(build)["BUILD"] == "STOPPED"


def _log_or_empty(port, codebuild, build_id):
    build = codebuild.batch_get_builds(ids=[build_id])["builds"][0]
    try:
        return github.build_log(port, build)
    except Exception:  # noqa: BLE001 - the stream may not exist yet
        return ""


def test_region_of_a_build_and_other_regions(repo):
    port, github_dir, location = repo
    github.commit(github_dir, location, {"README": "x"})
    codebuild, name = project(
        port,
        location,
        buildspec=inline("echo REGION=$AWS_REGION"),
        region="eu-west-3",
        webhook=[[{"type": "EVENT", "pattern": "PUSH"}]],
    )
    [build_id] = github.push(port, location, "main", github.head(github_dir, location))
    build = github.wait_for_build(port, build_id, region="eu-west-3")
    assert github.region_of(build["arn"]) == "eu-west-3"
    assert printed(github.build_log(port, build, region="eu-west-3"), "REGION") == "eu-west-3"


def test_without_a_github_dir_builds_fail_in_download_source(aws, monkeypatch):
    """The session's in-process emulator has no --github-dir."""
    monkeypatch.delenv("EMULATOR_GITHUB_DIR", raising=False)
    codebuild = aws("codebuild")
    name = f"p-{uuid.uuid4().hex[:8]}"
    codebuild.create_project(
        name=name,
        source={"type": "GITHUB", "location": "https://github.com/acme/nowhere.git"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": IMAGE, "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=ROLE,
    )
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    deadline = time.monotonic() + 30
    while (build := codebuild.batch_get_builds(ids=[build_id])["builds"][0])["buildStatus"] == "IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert build["buildStatus"] == "FAILED"
    context = next(p for p in build["phases"] if p["phaseType"] == "DOWNLOAD_SOURCE")["contexts"][0]
    assert context["statusCode"] == "CLIENT_ERROR" and "--github-dir" in context["message"]
    assert codebuild.batch_get_builds(ids=[f"{name}:nope"])["buildsNotFound"] == [f"{name}:nope"]


def test_a_build_past_its_timeout_is_timed_out(aws, monkeypatch, tmp_path):
    """The in-process emulator, its GitHub directory from EMULATOR_GITHUB_DIR, and 5 minutes made 0.1 s."""
    from tests.emulator.fills import codebuild_builds

    monkeypatch.setenv("EMULATOR_GITHUB_DIR", str(tmp_path))
    monkeypatch.setattr(codebuild_builds, "SECONDS_PER_MINUTE", 0.02)
    location = "https://github.com/acme/slow"
    github.commit(tmp_path, location, {"buildspec.yml": inline("sleep 300", "echo NEVER=1")})
    codebuild = aws("codebuild")
    name = f"p-{uuid.uuid4().hex[:8]}"
    codebuild.create_project(
        name=name,
        source={"type": "GITHUB", "location": location},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": IMAGE, "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=ROLE,
        timeoutInMinutes=5,
    )
    started = time.monotonic()
    build_id = codebuild.start_build(projectName=name)["build"]["id"]
    while (build := codebuild.batch_get_builds(ids=[build_id])["builds"][0])["buildStatus"] == "IN_PROGRESS":
        # A bound on a hang only (the command sleeps 300 s), not on the machine's speed.
        assert time.monotonic() - started < 200
        time.sleep(0.05)
    assert build["buildStatus"] == "TIMED_OUT" and phases(build)["BUILD"] == "TIMED_OUT"
    assert time.monotonic() - started < 200, "the sleeping command was killed"


def test_github_helper_commits_on_top_and_deletes(tmp_path: Path):
    location = "https://github.com/acme/helper"
    first = github.commit(tmp_path, location, {"a.txt": "1", "b.txt": "2"})
    second = github.commit(tmp_path, location, {"a.txt": None, "c.sh": "#!/bin/sh\n"})
    assert github.head(tmp_path, location) == second != first
    repository = github.repository_dir(tmp_path, location)
    assert repository == tmp_path / "acme" / "helper"
    listing = github._git(repository, "ls-tree", second)
    assert "b.txt" in listing and "a.txt" not in listing and "100755 blob" in listing
    feature = github.commit(tmp_path, location, {"d.txt": "4"}, branch="feature")
    assert github._git(repository, "rev-parse", f"{feature}^") == second, "a new branch forks from the default branch"
    alone = github.commit(tmp_path, location, {"e.txt": "5"}, branch="other", replace=True)
    assert github._git(repository, "ls-tree", "--name-only", alone) == "e.txt"
