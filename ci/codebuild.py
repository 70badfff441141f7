"""Build, test, push and deploy every service of the app, as CodeBuild runs it from the buildspec.

Standard library only (CodeBuild's standard images ship python3, docker and the AWS CLI). The
CodeBuild project carries this script inline in its buildspec (filter codebuild_buildspec), so the
app's repository holds only the app. Everything comes from the project's environment, set by the
flask_react.aws roles:

  APP_SERVICES       JSON list: name, repository, service, container, context, dockerfile, args,
                     default, platform, desired_count, database, tests (filter ecs_build_environment)
  ECR_REGISTRY       <account>.dkr.ecr.<region>.amazonaws.com
  IMAGE_TAG          the moving tag (pushed only when IMAGE_TAG_MUTABLE is true)
  ECS_CLUSTER, DEPLOY_BRANCH   where and from which branch to deploy (empty: no deploy)
  REACT_APP_API_SERVICE_URL    the load balancer's URL, the default service's API URL build args
  DEPLOY_WAIT_MINUTES          how long a deploy waits for its services to be stable (default 15)
  DEPLOY_POLL_SECONDS          how often it looks (default 15, the services-stable waiter's delay)
  DOCKERHUB_USERNAME, DOCKERHUB_TOKEN   optional: log in to Docker Hub before building
  FLASK_REACT_ACTION           unset or "build"; "redeploy-database" builds nothing and forces a
                               new deployment of the services with database true
  CODEBUILD_RESOLVED_SOURCE_VERSION, CODEBUILD_SOURCE_VERSION, CODEBUILD_WEBHOOK_TRIGGER,
  CODEBUILD_WEBHOOK_HEAD_REF   (CodeBuild's)

Images are tagged with the commit: ECR repositories are immutable by default with ECS, and a
deploy must name exactly what was built. Usage: codebuild.py build | push | deploy
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
import time

ACTIONS = ("build", "redeploy-database")
# DescribeServices takes at most 10 services a call.
DESCRIBE_BATCH = 10
# platform.machine() -> the architecture Docker names (x86_64 on Linux, AMD64 on Windows, arm64 on macOS).
ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}

# RegisterTaskDefinition's inputs that DescribeTaskDefinition returns (the rest is read-only).
REGISTER_KEYS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
)


def run(*args: str, capture: bool = False, stdin: str | None = None) -> str:
    """Run a command, printing its argv first: never put a secret in argv (pass it on stdin)."""
    print("+ " + " ".join(shlex.quote(arg) for arg in args), flush=True)
    done = subprocess.run(args, check=True, text=True, input=stdin, stdout=subprocess.PIPE if capture else None)
    return done.stdout if capture else ""


def aws(*args: str) -> dict:
    return json.loads(run("aws", *args, "--output", "json", capture=True) or "{}")


def services() -> list[dict]:
    return json.loads(os.environ["APP_SERVICES"])


def action() -> str:
    wanted = os.environ.get("FLASK_REACT_ACTION") or "build"
    if wanted not in ACTIONS:
        sys.exit(f"FLASK_REACT_ACTION is {wanted!r}: it must be unset or one of {', '.join(ACTIONS)}")
    return wanted


def commit_tag() -> str:
    tag = os.environ.get("CODEBUILD_RESOLVED_SOURCE_VERSION", "")
    if not tag:
        sys.exit("CODEBUILD_RESOLVED_SOURCE_VERSION is empty: no commit to tag the images with")
    return tag


def image(service: dict, tag: str) -> str:
    return f"{os.environ['ECR_REGISTRY']}/{service['repository']}:{tag}"


def pushed(service: dict, tag: str) -> bool:
    """True when the service's repository already holds ``tag`` (describe-images fails otherwise)."""
    found = subprocess.run(
        ["aws", "ecr", "describe-images", "--repository-name", service["repository"], "--image-ids", f"imageTag={tag}"],
        text=True,
        capture_output=True,
        check=False,
    )
    return found.returncode == 0


def build_args(service: dict) -> dict:
    """The service's build args; the default service (the course's client) gets the API URL under
    both names a React app reads (Create React App's and Vite's) unless it names its own args."""
    if service.get("args") or not service.get("default"):
        return service.get("args") or {}
    url = os.environ.get("REACT_APP_API_SERVICE_URL", "")
    return {"NODE_ENV": "production", "REACT_APP_API_SERVICE_URL": url, "VITE_API_SERVICE_URL": url}


def dockerhub_login() -> None:
    """Log in to Docker Hub when both secrets are set: anonymous pulls from CodeBuild's shared
    addresses hit Docker Hub's rate limit. The token goes on stdin, never in argv or the log."""
    username, token = os.environ.get("DOCKERHUB_USERNAME", ""), os.environ.get("DOCKERHUB_TOKEN", "")
    if username and token:
        run("docker", "login", "--username", username, "--password-stdin", stdin=token)


def architecture(name: str) -> str:
    """Docker's name of an architecture: ``linux/arm64`` and ``aarch64`` -> ``arm64``."""
    name = name.split("/")[1] if "/" in name else name
    return ARCHITECTURES.get(name.lower(), name.lower())


def install_emulators() -> None:
    """Register QEMU's binfmt handlers for the services' foreign architectures, once a build.

    CodeBuild's standard images are x86: without them, ``docker build --platform linux/arm64``
    fails at the first RUN step (exec format error) and so does ``docker run`` of a test. The
    project runs privileged (docker build needs it), which the handlers' install needs too.
    """
    host = architecture(platform.machine())
    foreign = sorted({architecture(s.get("platform") or "linux/amd64") for s in services()} - {host})
    if foreign:
        run("docker", "run", "--privileged", "--rm", "tonistiigi/binfmt", "--install", ",".join(foreign))


def build() -> None:
    if action() != "build":
        print(f"FLASK_REACT_ACTION={action()}: nothing to build")
        return
    # Logged in first: the binfmt image comes from Docker Hub too.
    dockerhub_login()
    install_emulators()
    for service in services():
        pairs = sorted(build_args(service).items())
        args = [part for key, value in pairs for part in ("--build-arg", f"{key}={value}")]
        run(
            "docker",
            "build",
            "--platform",
            service.get("platform") or "linux/amd64",
            "-f",
            service["dockerfile"],
            "-t",
            image(service, commit_tag()),
            *args,
            service["context"],
        )
    # Every image is built before any test runs, and a failed test fails the build phase: post_build
    # then pushes and deploys nothing.
    for service in services():
        for command in service.get("tests") or []:
            run("docker", "run", "--rm", "--entrypoint", "sh", image(service, commit_tag()), "-c", command)


def push() -> None:
    if action() != "build":
        print(f"FLASK_REACT_ACTION={action()}: nothing to push")
        return
    moving = os.environ.get("IMAGE_TAG", "") if os.environ.get("IMAGE_TAG_MUTABLE") == "true" else ""
    for service in services():
        # Immutable repositories refuse a tag twice: a retried build of a commit already pushed
        # keeps the image it pushed then, and goes on to deploy it.
        if not moving and pushed(service, commit_tag()):
            print(f"{image(service, commit_tag())} is already in ECR; not pushed again")
            continue
        run("docker", "push", image(service, commit_tag()))
        if moving:
            run("docker", "tag", image(service, commit_tag()), image(service, moving))
            run("docker", "push", image(service, moving))


def no_deploy_reason() -> str:
    """Why this build deploys nothing; empty when it deploys.

    A webhook build deploys when it was triggered by a push to the deploy branch. A manual build
    (no webhook variables) deploys when it builds the deploy branch: no source version (the
    project's, refs/heads/<deploy branch>), the branch, or its ref. Pull requests, tags and bare
    commit ids never deploy.
    """
    cluster, wanted = os.environ.get("ECS_CLUSTER", ""), os.environ.get("DEPLOY_BRANCH", "")
    trigger, head = os.environ.get("CODEBUILD_WEBHOOK_TRIGGER", ""), os.environ.get("CODEBUILD_WEBHOOK_HEAD_REF", "")
    source = os.environ.get("CODEBUILD_SOURCE_VERSION", "")
    if not cluster or not wanted:
        return f"ECS_CLUSTER {cluster!r} and DEPLOY_BRANCH {wanted!r} must both be set"
    if trigger or head:
        if trigger.startswith("pr/"):
            return f"webhook build of pull request {trigger!r}"
        if trigger == f"branch/{wanted}" or (not trigger and head == f"refs/heads/{wanted}"):
            return ""
        return f"webhook build of {trigger or head!r}, not of the deploy branch {wanted!r}"
    if source in ("", wanted, f"refs/heads/{wanted}"):
        return ""
    return f"manual build of source version {source!r}, not of the deploy branch {wanted!r}"


def new_revision(described: dict, container: str, new_image: str, tags: list | None = None) -> dict:
    """RegisterTaskDefinition input: the running definition with the container's image replaced,
    and the definition's tags (a revision registered without them would lose them)."""
    request = {key: described[key] for key in REGISTER_KEYS if described.get(key) not in (None, [], {})}
    names = [c["name"] for c in request["containerDefinitions"]]
    if container not in names:
        sys.exit(f"task definition {described['family']} has no container {container!r} (has {names})")
    for definition in request["containerDefinitions"]:
        if definition["name"] == container:
            definition["image"] = new_image
    if tags:
        request["tags"] = tags
    return request


def describe(cluster: str, names: list[str]) -> list[dict]:
    """DescribeServices of ``names``, 10 a call; names it does not know are left out."""
    found = []
    for first in range(0, len(names), DESCRIBE_BATCH):
        batch = names[first : first + DESCRIBE_BATCH]
        found += aws("ecs", "describe-services", "--cluster", cluster, "--services", *batch)["services"]
    return found


def unstable(service: dict) -> str:
    """Why the service is not stable yet; empty when it is.

    Stable as the CLI's services-stable waiter has it (one deployment, runningCount ==
    desiredCount), or once the PRIMARY deployment's rollout is COMPLETED (old tasks may still be
    draining). A FAILED rollout, or a service that is no longer ACTIVE, ends the build.
    """
    name = service["serviceName"]
    if service["status"] != "ACTIVE":
        sys.exit(f"deploy of {name} failed: the service is {service['status']}")
    deployments = service.get("deployments") or []
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), {})
    if primary.get("rolloutState") == "FAILED":
        sys.exit(f"deploy of {name} failed: {primary.get('rolloutStateReason') or 'rollout FAILED'}")
    running, desired = service.get("runningCount", 0), service.get("desiredCount", 0)
    if primary.get("rolloutState") == "COMPLETED" or (len(deployments) == 1 and running == desired):
        return ""
    return f"{name} {running}/{desired} running, {len(deployments)} deployments"


def wait_stable(cluster: str, names: list[str]) -> None:
    """Look at the services every DEPLOY_POLL_SECONDS until all are stable or DEPLOY_WAIT_MINUTES
    have passed. Polled here rather than with ``aws ecs wait services-stable``, whose 10 minutes
    (40 looks, 15 s apart) overrun any shorter deadline: the build's timeout must cover this wait."""
    minutes = float(os.environ.get("DEPLOY_WAIT_MINUTES") or 15)
    poll = float(os.environ.get("DEPLOY_POLL_SECONDS") or 15)
    started = time.monotonic()
    said = None
    while True:
        found = describe(cluster, names)
        missing = sorted(set(names) - {s["serviceName"] for s in found})
        if missing:
            sys.exit(f"deploy failed: no service {', '.join(missing)} in cluster {cluster}")
        waiting = [why for why in map(unstable, found) if why]
        if not waiting:
            return
        now = time.monotonic()
        if now - started >= 60 * minutes:
            sys.exit(f"services not stable after {minutes:g} minutes (DEPLOY_WAIT_MINUTES): {'; '.join(waiting)}")
        # A line a minute at most: a slow rollout should not fill the build's log.
        if said is None or now - said >= 60:
            print(f"not stable yet ({int(now - started)} s): {'; '.join(waiting)}", flush=True)
            said = now
        time.sleep(max(0.0, min(poll, started + 60 * minutes - now)))


def active(cluster: str, wanted: list[dict]) -> dict[str, dict]:
    """The wanted services that exist and are ACTIVE, by name, as DescribeServices returns them."""
    found = {s["serviceName"]: s for s in describe(cluster, [s["service"] for s in wanted])}
    for service in wanted:
        if found.get(service["service"], {}).get("status") != "ACTIVE":
            print(f"no deploy of {service['service']}: the service does not exist yet (run site.yml)")
            found.pop(service["service"], None)
    return found


def settle(cluster: str, deployed: dict) -> None:
    """Wait for the deployed services; fail when the circuit breaker rolled one back."""
    if not deployed:
        return
    wait_stable(cluster, list(deployed))
    # The circuit breaker rolls a failed deployment back to the previous revision, which is stable too.
    now = describe(cluster, list(deployed))
    rolled_back = [s["serviceName"] for s in now if s["taskDefinition"] != deployed[s["serviceName"]]]
    if rolled_back:
        sys.exit(f"deployment rolled back by the circuit breaker: {', '.join(rolled_back)}")
    print("deployed: " + ", ".join(f"{name} -> {arn}" for name, arn in deployed.items()))


def redeploy_database() -> None:
    """Restart the services that read the database's password: ECS reads secrets only when a task
    starts, so a rotated password reaches them only through new tasks (same revision, same image)."""
    cluster = os.environ.get("ECS_CLUSTER", "")
    if not cluster:
        print("no redeploy: ECS_CLUSTER is empty")
        return
    deployed = {}
    for name, found in active(cluster, [s for s in services() if s.get("database")]).items():
        aws("ecs", "update-service", "--cluster", cluster, "--service", name, "--force-new-deployment")
        deployed[name] = found["taskDefinition"]
    if not deployed:
        print("no redeploy: no service with database true is running")
    settle(cluster, deployed)


def deploy() -> None:
    if action() == "redeploy-database":
        redeploy_database()
        return
    reason = no_deploy_reason()
    if reason:
        print(f"no deploy: {reason}")
        return
    cluster = os.environ["ECS_CLUSTER"]
    deployed = {}
    running = active(cluster, services())
    for service in services():
        found = running.get(service["service"])
        if not found:
            continue
        described = aws(
            "ecs", "describe-task-definition", "--task-definition", found["taskDefinition"], "--include", "TAGS"
        )
        request = new_revision(
            described["taskDefinition"], service["container"], image(service, commit_tag()), described.get("tags")
        )
        registered = aws("ecs", "register-task-definition", "--cli-input-json", json.dumps(request))
        arn = registered["taskDefinition"]["taskDefinitionArn"]
        name = service["service"]
        update = ["ecs", "update-service", "--cluster", cluster, "--service", name, "--task-definition", arn]
        # site.yml holds a service at 0 tasks until its image exists: the first deploy brings it up.
        # A non-zero count is left alone (it is Ansible's, or autoscaling's).
        if found.get("desiredCount") == 0 and int(service.get("desired_count") or 0) > 0:
            update += ["--desired-count", str(int(service["desired_count"]))]
        aws(*update)
        deployed[name] = arn
    settle(cluster, deployed)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("build", "push", "deploy"):
        sys.exit(__doc__)
    {"build": build, "push": push, "deploy": deploy}[sys.argv[1]]()
