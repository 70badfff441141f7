"""A stub ``docker`` for the emulator's builds: records what a build asks of Docker, pushes manifests into ECR.

The emulator copies this file onto a build's PATH as ``docker`` (its first line then names
the emulator's Python, which has boto3). Commands:

- ``login [-u U] (-p P | --password-stdin) [SERVER]``: ECR registries want user ``AWS`` and a
  password; Docker Hub (no server, docker.io) any user. The password is never recorded.
- ``build [-f FILE] [-t NAME[:TAG]]... [--build-arg K[=V]]... [--platform P] CONTEXT``: fails as
  Docker does when the context or Dockerfile is missing, and when the Dockerfile has a line
  ``RUN false``; otherwise records the image (id derived from the Dockerfile, the context's
  files, platform and arguments) with a copy of its context.
- ``tag SRC DST``, ``push NAME[:TAG]`` (PutImage of a Docker v2 schema 2 manifest whose config
  digest is the image id, into the ECR named by the registry host, through AWS_ENDPOINT_URL;
  needs a login to that registry; an immutable tag refuses a second push as ECR does).
- ``run [--rm] [--privileged] [--entrypoint X] [-e K[=V]] [-w DIR] IMAGE [CMD...]``: runs the
  command in a fresh copy of the image's build context (a shell entrypoint or command runs as
  bash), exit code passed through. An image this build did not build and that is not in an ECR
  registry (``tonistiigi/binfmt``, which the build script runs to install QEMU's handlers) is
  recorded (``not_run``) and exits 0 without running anything; an unbuilt ECR image is refused.
- ``version``, ``info``, ``pull``, ``logout``, ``image inspect`` answer plausibly.

Every call appends one JSON line to $STUB_DOCKER_LOG (when set) and echoes it to stderr, so
it shows in the build's log. State (logins, images) lives in $STUB_DOCKER_STATE, one per build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")
DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/")
SHELLS = ("sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/env")
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"


class DockerError(Exception):
    """What docker prints to stderr before exiting 1."""


class State:
    def __init__(self) -> None:
        self.root = Path(os.environ.get("STUB_DOCKER_STATE") or Path(tempfile.gettempdir()) / "stub-docker")
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / "state.json"
        self.data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        self.data.setdefault("logins", {})
        self.data.setdefault("images", {})
        self.data.setdefault("tags", {})

    def save(self) -> None:
        (self.root / "state.json").write_text(json.dumps(self.data, indent=1))

    def image(self, reference: str) -> tuple[str, dict[str, Any]]:
        name = normalise(reference)
        image_id = self.data["tags"].get(name) or reference.removeprefix("sha256:")
        for known, image in self.data["images"].items():
            if known == image_id or (len(image_id) >= 12 and known.startswith(image_id)):
                return known, image
        raise DockerError(f"Error response from daemon: No such image: {reference}")


def normalise(reference: str) -> str:
    """``name`` -> ``name:latest``; a reference with a tag or digest stays as it is."""
    last = reference.rsplit("/", 1)[-1]
    return reference if ":" in last or "@" in last else f"{reference}:latest"


def registry_of(reference: str) -> str:
    first = reference.split("/", 1)[0]
    if "/" in reference and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def take(args: list[str], index: int, flag: str) -> tuple[str, int]:
    """The value of ``flag`` at ``args[index]`` (``--flag=v`` or ``--flag v``) and the next index."""
    if "=" in args[index] and args[index].startswith("--"):
        return args[index].split("=", 1)[1], index + 1
    if index + 1 >= len(args):
        raise DockerError(f'flag needs an argument: "{flag}"')
    return args[index + 1], index + 2


# ---------------------------------------------------------------- commands


def login(state: State, args: list[str], record: dict[str, Any]) -> int:
    username, password, server, i = "", None, "", 0
    while i < len(args):
        arg = args[i]
        if arg in ("-u", "--username") or arg.startswith("--username="):
            username, i = take(args, i, "--username")
        elif arg in ("-p", "--password") or arg.startswith("--password="):
            password, i = take(args, i, "--password")
        elif arg == "--password-stdin":
            password, i = sys.stdin.read().rstrip("\n"), i + 1
        elif arg.startswith("-"):
            raise DockerError(f"unknown flag: {arg}")
        else:
            server, i = arg, i + 1
    registry = "docker.io" if server in ("", *DOCKER_HUB) else server.removeprefix("https://").rstrip("/")
    record.update(registry=registry, username=username)
    if not password:
        raise DockerError("Error: Cannot perform an interactive login from a non TTY device")
    if ECR_HOST.match(registry) and username != "AWS":
        raise DockerError(
            f"Error response from daemon: login attempt to https://{registry}/v2/ failed with status: 400"
        )
    state.data["logins"][registry] = username
    print("Login Succeeded")
    return 0


def build(state: State, args: list[str], record: dict[str, Any]) -> int:
    dockerfile, tags, build_args, platform, context, i = "", [], {}, "", None, 0
    while i < len(args):
        arg = args[i]
        if arg in ("-f", "--file") or arg.startswith("--file="):
            dockerfile, i = take(args, i, "--file")
        elif arg in ("-t", "--tag") or arg.startswith("--tag="):
            tag, i = take(args, i, "--tag")
            tags.append(normalise(tag))
        elif arg == "--build-arg" or arg.startswith("--build-arg="):
            value, i = take(args, i, "--build-arg")
            key, equals, given = value.partition("=")
            build_args[key] = given if equals else os.environ.get(key, "")
        elif arg == "--platform" or arg.startswith("--platform="):
            platform, i = take(args, i, "--platform")
        elif arg in ("--label", "--target", "--progress", "--network", "--cache-from", "--iidfile") or any(
            arg.startswith(f"{flag}=") for flag in ("--label", "--target", "--progress", "--network", "--cache-from")
        ):
            _skipped, i = take(args, i, arg.split("=", 1)[0])
        elif arg in ("--pull", "--no-cache", "-q", "--quiet", "--rm", "--force-rm"):
            i += 1
        elif arg.startswith("-"):
            raise DockerError(f"unknown flag: {arg}")
        elif context is None:
            context, i = arg, i + 1
        else:
            raise DockerError('"docker build" requires exactly 1 argument.')
    if context is None:
        raise DockerError('"docker build" requires exactly 1 argument.')
    record.update(context=os.path.abspath(context), tags=tags, build_args=build_args, platform=platform)
    context_dir = Path(context)
    if not context_dir.is_dir():
        raise DockerError(f"unable to prepare context: path {context!r} not found")
    dockerfile_path = Path(dockerfile) if dockerfile else context_dir / "Dockerfile"
    record["dockerfile"] = str(dockerfile_path)
    if not dockerfile_path.is_file():
        raise DockerError(
            "unable to prepare context: unable to evaluate symlinks in Dockerfile path: "
            f"lstat {dockerfile_path.resolve()}: no such file or directory"
        )
    text = dockerfile_path.read_text()
    instructions = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    record["from"] = [
        line.split()[1] for line in instructions if line.upper().startswith("FROM ") and len(line.split()) > 1
    ]
    for step, line in enumerate(instructions, 1):
        print(f"Step {step}/{len(instructions)} : {line}")
        if re.fullmatch(r"RUN\s+false", line, re.IGNORECASE):
            raise DockerError("The command '/bin/sh -c false' returned a non-zero code: 1")
    digest = hashlib.sha256()
    for part in (text, platform, json.dumps(build_args, sort_keys=True), tree_digest(context_dir)):
        digest.update(part.encode() + b"\0")
    image_id = digest.hexdigest()
    snapshot = state.root / "images" / image_id / "context"
    if not snapshot.exists():
        shutil.copytree(context_dir, snapshot, ignore=shutil.ignore_patterns(".git"), symlinks=True)
    state.data["images"][image_id] = {
        "context": str(context_dir.resolve()),
        "snapshot": str(snapshot),
        "dockerfile": str(dockerfile_path),
        "platform": platform,
        "build_args": build_args,
        "layer": tree_digest(context_dir),
    }
    for tag in tags:
        state.data["tags"][tag] = image_id
    record["image_id"] = f"sha256:{image_id}"
    print(f"Successfully built {image_id[:12]}")
    for tag in tags:
        print(f"Successfully tagged {tag}")
    return 0


def tree_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if ".git" not in p.relative_to(directory).parts):
        if path.is_file():
            digest.update(str(path.relative_to(directory)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def tag(state: State, args: list[str], record: dict[str, Any]) -> int:
    if len(args) != 2:
        raise DockerError('"docker tag" requires exactly 2 arguments.')
    image_id, _image = state.image(args[0])
    state.data["tags"][normalise(args[1])] = image_id
    record.update(source=args[0], target=normalise(args[1]), image_id=f"sha256:{image_id}")
    return 0


def push(state: State, args: list[str], record: dict[str, Any]) -> int:
    names = [arg for arg in args if not arg.startswith("-")]
    if len(names) != 1:
        raise DockerError('"docker push" requires exactly 1 argument.')
    reference = normalise(names[0])
    image_id, image = state.image(reference)
    registry = registry_of(reference)
    repository, _colon, image_tag = reference.split("/", 1)[1].rpartition(":") if "/" in reference else ("", "", "")
    record.update(reference=reference, registry=registry, repository=repository, tag=image_tag)
    host = ECR_HOST.match(registry)
    if not host:
        raise DockerError(f"denied: the stub docker pushes only to ECR registries, not {registry}")
    if registry not in state.data["logins"]:
        raise DockerError("no basic auth credentials")
    config = json.dumps({"architecture": image["platform"], "image": image_id}).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(config),
                "digest": f"sha256:{image_id}",
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1024,
                    "digest": f"sha256:{image['layer']}",
                }
            ],
        },
        separators=(",", ":"),
    )
    digest = "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()
    record["digest"] = digest
    import boto3
    from botocore.exceptions import ClientError

    ecr = boto3.client("ecr", region_name=host["region"])
    try:
        ecr.put_image(
            registryId=host["account"],
            repositoryName=repository,
            imageManifest=manifest,
            imageManifestMediaType=MANIFEST_TYPE,
            imageTag=image_tag,
            imageDigest=digest,
        )
    except ClientError as error:
        code, message = error.response["Error"]["Code"], error.response["Error"].get("Message", "")
        record["error"] = code
        if code == "ImageAlreadyExistsException":
            pass  # the same image under the same tag: docker push has nothing to do
        elif code == "ImageTagAlreadyExistsException":
            raise DockerError(f"tag invalid: {message}") from error
        elif code == "RepositoryNotFoundException":
            raise DockerError(f"name unknown: {message}") from error
        else:
            raise DockerError(f"{code}: {message}") from error
    print(f"The push refers to repository [{reference.rpartition(':')[0]}]")
    print(f"{image_tag}: digest: {digest} size: {len(manifest)}")
    return 0


def run(state: State, args: list[str], record: dict[str, Any]) -> int:
    entrypoint, env, workdir, i = None, {}, "", 0
    while i < len(args):
        arg = args[i]
        if arg == "--entrypoint" or arg.startswith("--entrypoint="):
            entrypoint, i = take(args, i, "--entrypoint")
        elif arg in ("-e", "--env") or arg.startswith("--env="):
            value, i = take(args, i, "--env")
            key, equals, given = value.partition("=")
            env[key] = given if equals else os.environ.get(key, "")
        elif arg in ("-w", "--workdir") or arg.startswith("--workdir="):
            workdir, i = take(args, i, "--workdir")
        elif arg in ("--name", "--network", "-v", "--volume", "-p", "--platform", "--user", "-u"):
            _skipped, i = take(args, i, arg)
        elif arg in ("--rm", "-i", "-t", "-it", "--init", "--interactive", "--tty", "--privileged"):
            i += 1
        elif arg.startswith("-"):
            raise DockerError(f"unknown flag: {arg}")
        else:
            break
    if i >= len(args):
        raise DockerError('"docker run" requires at least 1 argument.')
    reference, command = args[i], args[i + 1 :]
    try:
        image_id, image = state.image(reference)
    except DockerError:
        if ECR_HOST.match(registry_of(reference)):
            raise
        # Docker would pull it; nothing here can run it, and the only such image a build runs is a
        # tool for the host (binfmt), so the call is recorded and succeeds.
        record.update(image=reference, container_command=command, not_run=True)
        print(f"stub docker: {reference} is not an image of this build; not run", file=sys.stderr)
        return 0
    argv = ([entrypoint] if entrypoint else []) + command
    record.update(image=reference, image_id=f"sha256:{image_id}", container_command=argv)
    if not argv:
        print("stub docker: no command given; the image's CMD is not run", file=sys.stderr)
        return 0
    if argv[0] in SHELLS:
        argv = ["bash", *argv[1:]] if argv[0] != "/usr/bin/env" else argv
    copy = Path(tempfile.mkdtemp(prefix="run-", dir=state.root))
    try:
        shutil.copytree(image["snapshot"], copy / "app", symlinks=True)
        cwd = copy / "app" / workdir.lstrip("/") if workdir else copy / "app"
        cwd.mkdir(parents=True, exist_ok=True)
        environment = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(copy), **env}
        try:
            done = subprocess.run(argv, cwd=cwd, env=environment, check=False)
        except FileNotFoundError:
            raise DockerError(f'exec: "{argv[0]}": executable file not found in $PATH') from None
        record["rc"] = done.returncode
        return done.returncode
    finally:
        shutil.rmtree(copy, ignore_errors=True)


def inspect(state: State, args: list[str], record: dict[str, Any]) -> int:
    answers = []
    for reference in (a for a in args if not a.startswith("-")):
        image_id, image = state.image(reference)
        answers.append({"Id": f"sha256:{image_id}", "Architecture": image["platform"].rpartition("/")[2]})
    print(json.dumps(answers, indent=4))
    return 0


def quiet(state: State, args: list[str], record: dict[str, Any]) -> int:
    return 0


def version(state: State, args: list[str], record: dict[str, Any]) -> int:
    print("Docker version 27.0.0-emulator (stub), build stub")
    return 0


COMMANDS = {
    "login": login,
    "build": build,
    "tag": tag,
    "push": push,
    "run": run,
    "inspect": inspect,
    "pull": quiet,
    "logout": quiet,
    "version": version,
    "--version": version,
    "info": version,
}


def redact(argv: list[str]) -> list[str]:
    shown, hide = [], False
    for arg in argv:
        if hide:
            shown.append("***")
            hide = False
        elif arg in ("-p", "--password"):
            shown.append(arg)
            hide = True
        elif arg.startswith("--password="):
            shown.append("--password=***")
        else:
            shown.append(arg)
    return shown


def main(argv: list[str]) -> int:
    if argv[:1] == ["image"] and argv[1:2] == ["inspect"]:
        argv = ["inspect", *argv[2:]]
    command = argv[0] if argv else "help"
    record: dict[str, Any] = {
        "time": time.time(),
        "build_id": os.environ.get("STUB_DOCKER_BUILD_ID", ""),
        "command": command,
        "argv": redact(argv),
    }
    state = State()
    try:
        if command not in COMMANDS:
            raise DockerError(f"stub docker: unsupported command {command!r} (supported: {', '.join(COMMANDS)})")
        rc = COMMANDS[command](state, argv[1:], record)
        state.save()
    except DockerError as error:
        print(error, file=sys.stderr)
        rc = 1
        record["error_message"] = str(error)
    record["rc"] = rc
    line = json.dumps(record)
    print(f"stub docker: {line}", file=sys.stderr)
    log = os.environ.get("STUB_DOCKER_LOG")
    if log:
        with open(log, "a") as handle:
            handle.write(line + "\n")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
