"""Build, push and deploy every service of the app, as CodeBuild runs it from buildspec.yml.

Standard library only (CodeBuild's standard images ship python3, docker and the AWS CLI).
Everything comes from the project's environment, set by the flask_react.aws roles:

  APP_SERVICES       JSON list: name, repository, service, container, context, dockerfile, args
  ECR_REGISTRY       <account>.dkr.ecr.<region>.amazonaws.com
  IMAGE_TAG          the moving tag (pushed only when IMAGE_TAG_MUTABLE is true)
  ECS_CLUSTER, DEPLOY_BRANCH   where and from which branch to deploy (empty: no deploy)
  REACT_APP_API_SERVICE_URL    the load balancer's URL, a default build arg
  DEPLOY_WAIT_MINUTES          how long a deploy waits for services-stable (default 15)
  CODEBUILD_RESOLVED_SOURCE_VERSION, CODEBUILD_WEBHOOK_HEAD_REF, CODEBUILD_SOURCE_VERSION (CodeBuild's)

Images are tagged with the commit: ECR repositories are immutable by default with ECS, and a
deploy must name exactly what was built. Usage: codebuild.py build | push | deploy
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time

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


def run(*args: str, capture: bool = False) -> str:
    print("+ " + " ".join(shlex.quote(arg) for arg in args), flush=True)
    done = subprocess.run(args, check=True, text=True, stdout=subprocess.PIPE if capture else None)
    return done.stdout if capture else ""


def aws(*args: str) -> dict:
    return json.loads(run("aws", *args, "--output", "json", capture=True) or "{}")


def services() -> list[dict]:
    return json.loads(os.environ["APP_SERVICES"])


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


def build() -> None:
    for service in services():
        # The course's client build args, unless the service names its own.
        args = service.get("args") or {
            "NODE_ENV": "production",
            "REACT_APP_API_SERVICE_URL": os.environ.get("REACT_APP_API_SERVICE_URL", ""),
        }
        build_args = [part for key, value in sorted(args.items()) for part in ("--build-arg", f"{key}={value}")]
        run(
            "docker",
            "build",
            "-f",
            service["dockerfile"],
            "-t",
            image(service, commit_tag()),
            *build_args,
            service["context"],
        )


def push() -> None:
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


def branch() -> str:
    ref = os.environ.get("CODEBUILD_WEBHOOK_HEAD_REF", "")
    return ref.removeprefix("refs/heads/") if ref else os.environ.get("CODEBUILD_SOURCE_VERSION", "")


def new_revision(described: dict, container: str, new_image: str) -> dict:
    """RegisterTaskDefinition input: the running definition with the container's image replaced."""
    request = {key: described[key] for key in REGISTER_KEYS if described.get(key) not in (None, [], {})}
    names = [c["name"] for c in request["containerDefinitions"]]
    if container not in names:
        sys.exit(f"task definition {described['family']} has no container {container!r} (has {names})")
    for definition in request["containerDefinitions"]:
        if definition["name"] == container:
            definition["image"] = new_image
    return request


def wait_stable(cluster: str, names: list[str]) -> None:
    """``aws ecs wait services-stable``, again until DEPLOY_WAIT_MINUTES have passed.

    The waiter gives up after 10 minutes (40 looks, 15 s apart); a rolling update that drains the
    old tasks (300 s by default) and a circuit breaker that needs several failed tasks can take
    longer, and a build that then fails would say nothing about what ECS did.
    """
    deadline = time.monotonic() + 60 * float(os.environ.get("DEPLOY_WAIT_MINUTES") or 15)
    while True:
        try:
            run("aws", "ecs", "wait", "services-stable", "--cluster", cluster, "--services", *names)
            return
        except subprocess.CalledProcessError:
            if time.monotonic() >= deadline:
                raise
            print("services not stable yet; waiting again", flush=True)


def deploy() -> None:
    cluster, wanted = os.environ.get("ECS_CLUSTER", ""), os.environ.get("DEPLOY_BRANCH", "")
    if not cluster or not wanted or branch() != wanted:
        print(f"no deploy: branch {branch()!r}, deploy branch {wanted!r}, cluster {cluster!r}")
        return
    deployed = {}
    for service in services():
        found = aws("ecs", "describe-services", "--cluster", cluster, "--services", service["service"])["services"]
        if not found or found[0]["status"] != "ACTIVE":
            print(f"no deploy of {service['service']}: the service does not exist yet (run site.yml)")
            continue
        described = aws("ecs", "describe-task-definition", "--task-definition", found[0]["taskDefinition"])
        request = new_revision(described["taskDefinition"], service["container"], image(service, commit_tag()))
        registered = aws("ecs", "register-task-definition", "--cli-input-json", json.dumps(request))
        arn = registered["taskDefinition"]["taskDefinitionArn"]
        aws("ecs", "update-service", "--cluster", cluster, "--service", service["service"], "--task-definition", arn)
        deployed[service["service"]] = arn
    if not deployed:
        return
    wait_stable(cluster, list(deployed))
    # The circuit breaker rolls a failed deployment back to the previous revision, which is stable too.
    now = aws("ecs", "describe-services", "--cluster", cluster, "--services", *deployed)["services"]
    rolled_back = [s["serviceName"] for s in now if s["taskDefinition"] != deployed[s["serviceName"]]]
    if rolled_back:
        sys.exit(f"deployment rolled back by the circuit breaker: {', '.join(rolled_back)}")
    print("deployed: " + ", ".join(f"{name} -> {arn}" for name, arn in deployed.items()))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ("build", "push", "deploy"):
        sys.exit(__doc__)
    {"build": build, "push": push, "deploy": deploy}[sys.argv[1]]()
