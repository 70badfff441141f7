"""CodeBuild runs builds: StartBuild, BatchGetBuilds, StopBuild and a played-back webhook push.

moto 5.2's StartBuild records a build that runs nothing, and its BatchGetBuilds reports every
build SUCCEEDED with made-up phases. This fill runs the build as CodeBuild does (CodeBuild user
guide: "Build phase transitions", "Build specification reference", "Environment variables in
build environments", "GitHub webhook events"):

- the buildspec CodeBuild resolves: StartBuild's ``buildspecOverride``, else the project's
  ``source.buildspec`` (inline YAML, or a path in the source), else ``buildspec.yml`` at the
  source root; a missing or invalid one fails DOWNLOAD_SOURCE with YAML_FILE_ERROR;
- the source: ``https://github.com/<owner>/<repo>(.git)`` is the local git repository
  ``<github dir>/<owner>/<repo>`` (``--github-dir``, or env EMULATOR_GITHUB_DIR), fetched at the
  build's source version (StartBuild's, else the project's, else the default branch);
- phases SUBMITTED .. COMPLETED with phaseStatus and contexts: a failed INSTALL or PRE_BUILD
  goes to FINALIZING; a failed BUILD still runs POST_BUILD (CODEBUILD_BUILD_SUCCEEDING=0); a
  failed POST_BUILD goes to UPLOAD_ARTIFACTS; ``on-failure: ABORT`` goes to FINALIZING,
  ``CONTINUE`` to the next phase; ``finally`` runs after a failed command of its phase;
- each command in bash in the checkout, in one shell session as buildspec version 0.2 does
  (variables and the directory carry over from command to command);
- variables: buildspec ``env`` (variables, parameter-store, secrets-manager) < the project's
  environmentVariables (PLAINTEXT, PARAMETER_STORE, SECRETS_MANAGER ``secret-id:json-key:
  version-stage:version-id``) < StartBuild's environmentVariablesOverride, then CodeBuild's own;
- the log in CloudWatch Logs, group ``/aws/codebuild/<project>`` and stream ``<build uuid>``
  (or the project's logsConfig), and the project's timeout (TIMED_OUT) and StopBuild (STOPPED).

For the emulator only, a build also gets AWS_ENDPOINT_URL (this emulator), dummy credentials,
and a PATH with the stub ``docker`` (tests/emulator/builder/docker.py) and the AWS CLI first (the venv's,
started warm by tests/emulator/builder/warm_aws.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from moto.codebuild.exceptions import InvalidInputException, ResourceNotFoundException
from moto.codebuild.models import codebuild_backends
from moto.codebuild.responses import CodeBuildResponse
from moto.core.responses import ActionResult
from moto.core.utils import unix_time
from moto.utilities.utils import get_partition

from tests.emulator.builder import warm_aws
from tests.emulator.fills.codebuild import _project

BUILDER_DIR = Path(__file__).resolve().parents[1] / "builder"
PHASES = (
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
)
COMMAND_PHASES = {"install": "INSTALL", "pre_build": "PRE_BUILD", "build": "BUILD", "post_build": "POST_BUILD"}
# Where a failed phase goes when its buildspec says no on-failure (the phase-transitions diagram).
AFTER_FAILURE = {
    "INSTALL": "FINALIZING",
    "PRE_BUILD": "FINALIZING",
    "BUILD": "POST_BUILD",
    "POST_BUILD": "UPLOAD_ARTIFACTS",
}
GITHUB_LOCATION = re.compile(r"^https://github\.com/(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?$")
# A test of the timeout shortens the minute (tests/unit/emulator/test_builds.py).
SECONDS_PER_MINUTE = 60.0
# The build's PATH after the stub docker and the AWS CLI: the machine's tools, never the venv's.
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
# Keeps a hung command from holding the build past its project's timeout by more than this.
KILL_GRACE_SECONDS = 5

_settings: dict[str, Any] = {"github_dir": None, "docker_log": None}
_lock = threading.RLock()
_running: dict[str, Run] = {}
# The warm AWS CLI server's process and socket, once a build started it.
_warm_aws: dict[str, Any] = {}
# Its start imports the CLI and parses five service models: about a second, more on a loaded machine.
WARM_AWS_START_SECONDS = 20


def configure(
    github_dir: str | os.PathLike[str] | None = None, docker_log: str | os.PathLike[str] | None = None
) -> None:
    """Set where the emulator's GitHub repositories live and where the stub docker logs."""
    _settings["github_dir"] = Path(github_dir).resolve() if github_dir else None
    _settings["docker_log"] = Path(docker_log).resolve() if docker_log else None


def github_dir() -> Path | None:
    """``--github-dir``, else env EMULATOR_GITHUB_DIR, else None (no source can be fetched)."""
    if _settings["github_dir"]:
        return _settings["github_dir"]
    from_env = os.environ.get("EMULATOR_GITHUB_DIR")
    return Path(from_env).resolve() if from_env else None


def docker_log() -> Path | None:
    """``--docker-log``, else ``<github dir>/../docker.jsonl``."""
    if _settings["docker_log"]:
        return _settings["docker_log"]
    root = github_dir()
    return root.parent / "docker.jsonl" if root else None


def warm_aws_socket() -> str | None:
    """The socket of this emulator's warm AWS CLI (builder/warm_aws.py), started by the first build
    that needs it; None when it does not answer (the build then runs the CLI cold)."""
    with _lock:
        process = _warm_aws.get("process")
        if process is None or process.poll() is not None:
            path = Path(tempfile.gettempdir()) / f"warm-aws-{os.getpid()}.sock"
            path.unlink(missing_ok=True)
            process = subprocess.Popen(
                [sys.executable, "-I", str(BUILDER_DIR / "warm_aws.py"), str(path)], stdin=subprocess.DEVNULL
            )
            _warm_aws.update(process=process, socket=path)
    deadline = time.monotonic() + WARM_AWS_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        if _warm_aws["socket"].exists():
            return str(_warm_aws["socket"])
        time.sleep(0.02)
    return None


def repository_path(location: str) -> Path | None:
    """The local repository standing for ``https://github.com/<owner>/<repo>(.git)``, if it exists."""
    match = GITHUB_LOCATION.match(location or "")
    root = github_dir()
    if not match or not root:
        return None
    path = root / match["owner"] / match["repo"]
    return path if path.is_dir() else None


class BuildFailure(Exception):
    """A phase failed: its context's status code and message."""

    def __init__(self, status_code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def _now() -> float:
    return unix_time()


def _stamp() -> str:
    return time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime()) + f".{int(time.time() * 1e6) % 1_000_000:06d}"


# ---------------------------------------------------------------- one build


class Run:
    """One running build: its metadata (what BatchGetBuilds returns) and what it needs to run."""

    def __init__(
        self,
        backend: Any,
        project: dict[str, Any],
        metadata: dict[str, Any],
        buildspec: str | None,
        overrides: list[dict[str, Any]],
        extra_env: dict[str, str],
        endpoint: str,
        timeout_minutes: int,
    ) -> None:
        self.backend = backend
        self.project = project
        self.metadata = metadata
        self.buildspec_override = buildspec
        self.overrides = overrides
        self.extra_env = extra_env
        self.endpoint = endpoint
        self.deadline = time.monotonic() + timeout_minutes * SECONDS_PER_MINUTE
        self.stop_reason: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.failed = False
        self.work = Path(tempfile.mkdtemp(prefix="codebuild-"))
        self.src = self.work / "src"
        self.state = self.work / "shell"
        self.env: dict[str, str] = {}
        self.log_events: list[dict[str, Any]] = []

    # --- phases

    def _phase(self, name: str) -> dict[str, Any]:
        with _lock:
            phase = {"phaseType": name, "startTime": _now()}
            self.metadata["phases"].append(phase)
            self.metadata["currentPhase"] = name
        return phase

    def _end(self, phase: dict[str, Any], status: str, code: str = "", message: str = "") -> None:
        with _lock:
            phase["phaseStatus"] = status
            phase["endTime"] = _now()
            phase["durationInSeconds"] = int(phase["endTime"] - phase["startTime"])
            if code or message or phase["phaseType"] not in ("SUBMITTED", "QUEUED"):
                phase["contexts"] = [{"statusCode": code, "message": message}]
        if phase["phaseType"] not in ("SUBMITTED", "QUEUED", "PROVISIONING"):
            self.log(f"Phase complete: {phase['phaseType']} State: {status}")
            self.log(f"Phase context status code: {code} Message: {message}")

    def run(self) -> None:
        try:
            self._run()
        except Exception as error:  # noqa: BLE001 - a bug here must end the build, not hang it
            self.log(f"emulator error: {error!r}")
            self._finish("FAULT")
        finally:
            with _lock:
                _running.pop(self.metadata["id"], None)
            shutil.rmtree(self.work, ignore_errors=True)

    def _run(self) -> None:
        for name in ("SUBMITTED", "QUEUED"):
            self._end(self._phase(name), "SUCCEEDED")
        self.log("Running on CodeBuild On-demand (AWS emulator)")
        phase = self._phase("PROVISIONING")
        try:
            project_env = self._project_variables()
        except BuildFailure as failure:
            self._end(phase, "FAILED", failure.status_code, failure.message)
            self.failed = True
            return self._finalize()
        self._end(phase, "SUCCEEDED")

        phase = self._phase("DOWNLOAD_SOURCE")
        try:
            self._download_source()
            spec = self._buildspec()
            self.env = self._environment(spec, project_env)
        except BuildFailure as failure:
            self.log(f"{failure.status_code}: {failure.message}")
            self._end(phase, "FAILED", failure.status_code, failure.message)
            self.failed = True
            return self._finalize()
        self._end(phase, "SUCCEEDED")

        phases = spec.get("phases") or {}
        step = "INSTALL"
        while step in AFTER_FAILURE:
            key = next(k for k, v in COMMAND_PHASES.items() if v == step)
            outcome = self._command_phase(step, phases.get(key) or {})
            if self.stop_reason:
                return self._finish(self.stop_reason)
            order = list(AFTER_FAILURE)
            following = order[order.index(step) + 1] if step != "POST_BUILD" else "UPLOAD_ARTIFACTS"
            if outcome == "SUCCEEDED":
                step = following
                continue
            on_failure = str((phases.get(key) or {}).get("on-failure", "")).upper()
            if on_failure.startswith("CONTINUE"):
                step = following
            elif on_failure.startswith("ABORT"):
                step = "FINALIZING"
            else:
                step = AFTER_FAILURE[step]
        if step == "UPLOAD_ARTIFACTS":
            self._end(self._phase("UPLOAD_ARTIFACTS"), "SUCCEEDED")
        return self._finalize()

    def _finalize(self) -> None:
        self._end(self._phase("FINALIZING"), "SUCCEEDED")
        self._finish("FAILED" if self.failed else "SUCCEEDED")

    def _finish(self, status: str) -> None:
        with _lock:
            phases = self.metadata["phases"]
            if phases and "phaseStatus" not in phases[-1]:
                # The phase a stop or timeout cut short.
                self._end(phases[-1], status if status in ("STOPPED", "TIMED_OUT") else "FAILED")
            phases.append({"phaseType": "COMPLETED", "startTime": _now()})
            self.metadata.update(currentPhase="COMPLETED", buildStatus=status, buildComplete=True, endTime=_now())
        self.log(f"Build {status}")

    # --- source and buildspec

    def _download_source(self) -> None:
        source = self.metadata["source"]
        self.src.mkdir(parents=True)
        if source.get("type") == "NO_SOURCE":
            return
        location = source.get("location", "")
        if not GITHUB_LOCATION.match(location):
            raise BuildFailure(
                "CLIENT_ERROR", f"the emulator fetches only https://github.com/<owner>/<repo> sources, not {location!r}"
            )
        repository = repository_path(location)
        if repository is None:
            where = github_dir()
            reason = (
                "the emulator has no GitHub directory (start it with --github-dir or set EMULATOR_GITHUB_DIR)"
                if where is None
                else f"no repository at {where}/{location.split('github.com/', 1)[1].removesuffix('.git').rstrip('/')}"
            )
            raise BuildFailure("CLIENT_ERROR", f"repository not found for primary source {location}: {reason}")
        version = self.metadata.get("sourceVersion") or ""
        commit = resolve_version(repository, version)
        if commit is None:
            raise BuildFailure(
                "CLIENT_ERROR", f"reference not found for primary source and source version {version or 'HEAD'}"
            )
        for args in (
            ["init", "--quiet"],
            ["fetch", "--quiet", str(repository), commit],
            ["checkout", "--quiet", commit],
        ):
            done = _git(self.src, *args)
            if done.returncode:
                raise BuildFailure("CLIENT_ERROR", f"git {args[0]} failed: {done.stderr.strip()}")
        _git(self.src, "remote", "add", "origin", location)
        with _lock:
            self.metadata["resolvedSourceVersion"] = commit
        self.log(f"CODEBUILD_SRC_DIR={self.src}")

    def _buildspec(self) -> dict[str, Any]:
        given = self.buildspec_override or self.metadata["source"].get("buildspec") or ""
        if given and _is_inline(given):
            text, where = given, "inline"
        else:
            if given.startswith("arn:"):
                raise BuildFailure("YAML_FILE_ERROR", f"the emulator reads no buildspec from S3: {given}")
            path = self.src / (given or "buildspec.yml")
            if not path.is_file():
                raise BuildFailure("YAML_FILE_ERROR", f"stat {path}: no such file or directory")
            text, where = path.read_text(), str(path)
        self.log(f"YAML location is {where}")
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise BuildFailure("YAML_FILE_ERROR", f"invalid buildspec: {error}") from error
        return validate_buildspec(spec)

    # --- environment

    def _project_variables(self) -> dict[str, str]:
        # The build's environment holds the project's variables with StartBuild's overrides merged.
        return self._resolve(list(self.metadata["environment"].get("environmentVariables") or []))

    def _resolve(self, variables: list[dict[str, Any]]) -> dict[str, str]:
        resolved: dict[str, str] = {}
        for variable in variables:
            kind = variable.get("type", "PLAINTEXT")
            value = str(variable.get("value", ""))
            if kind == "SECRETS_MANAGER":
                value = self._secret(variable["name"], value)
            elif kind == "PARAMETER_STORE":
                value = self._parameter(variable["name"], value)
            resolved[variable["name"]] = value
        return resolved

    def _secret(self, name: str, reference: str) -> str:
        from moto.secretsmanager.models import secretsmanager_backends

        parts = reference.split(":")
        if reference.startswith("arn:"):
            secret_id, rest = ":".join(parts[:7]), parts[7:]
            account, region = parts[4], parts[3]
        else:
            secret_id, rest = parts[0], parts[1:]
            account, region = self.backend.account_id, self.backend.region_name
        json_key, stage, version = (rest + ["", "", ""])[:3]
        try:
            answer = secretsmanager_backends[account][region].get_secret_value(
                secret_id, version or None, stage or None
            )
        except Exception as error:  # noqa: BLE001 - moto raises several; CodeBuild reports each the same way
            raise BuildFailure(
                "Secrets Manager Error", f"{type(error).__name__} for secret {secret_id} (variable {name})"
            ) from error
        text = answer.get("SecretString") or ""
        if not json_key:
            return text
        try:
            return str(json.loads(text)[json_key])
        except (ValueError, KeyError, TypeError) as error:
            raise BuildFailure(
                "Secrets Manager Error", f"secret {secret_id} has no JSON key {json_key} (variable {name})"
            ) from error

    def _parameter(self, name: str, parameter: str) -> str:
        from moto.ssm.models import ssm_backends

        found = ssm_backends[self.backend.account_id][self.backend.region_name].get_parameter(parameter)
        if found is None:
            raise BuildFailure("Parameter Store Error", f"parameter does not exist: {parameter} (variable {name})")
        return str(found.value)

    def _environment(self, spec: dict[str, Any], project_env: dict[str, str]) -> dict[str, str]:
        buildspec_env = spec.get("env") or {}
        environment = dict(_base_environment(self.work))
        environment.update({k: str(v) for k, v in (buildspec_env.get("variables") or {}).items()})
        for key, reference in (buildspec_env.get("parameter-store") or {}).items():
            environment[key] = self._parameter(key, str(reference))
        for key, reference in (buildspec_env.get("secrets-manager") or {}).items():
            environment[key] = self._secret(key, str(reference))
        environment.update(project_env)
        environment.update(self._resolve(self.overrides))
        environment.update(self.codebuild_variables())
        environment.update(self._emulator_variables())
        return environment

    def codebuild_variables(self) -> dict[str, str]:
        build = self.metadata
        region = self.backend.region_name
        variables = {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "CODEBUILD_BUILD_ID": build["id"],
            "CODEBUILD_BUILD_ARN": build["arn"],
            "CODEBUILD_BUILD_NUMBER": str(build["buildNumber"]),
            "CODEBUILD_BUILD_IMAGE": build["environment"].get("image", ""),
            "CODEBUILD_INITIATOR": build["initiator"],
            "CODEBUILD_LOG_PATH": build["logs"].get("streamName", ""),
            "CODEBUILD_PROJECT_ARN": self.project["arn"],
            "CODEBUILD_RESOLVED_SOURCE_VERSION": build.get("resolvedSourceVersion", ""),
            "CODEBUILD_SOURCE_REPO_URL": build["source"].get("location", ""),
            "CODEBUILD_SOURCE_VERSION": build.get("sourceVersion", ""),
            "CODEBUILD_SRC_DIR": str(self.src),
            "CODEBUILD_START_TIME": str(int(build["startTime"] * 1000)),
            "CODEBUILD_BUILD_SUCCEEDING": "1",
        }
        variables.update(self.extra_env)
        return variables

    def _emulator_variables(self) -> dict[str, str]:
        tools = self.work / "tools"
        tools.mkdir(exist_ok=True)
        stub = tools / "docker"
        stub.write_text(f"#!{sys.executable}\n" + (BUILDER_DIR / "docker.py").read_text())
        stub.chmod(0o755)
        aws = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
        server = warm_aws_socket() if aws else None
        if server:
            (tools / "aws").write_text(warm_aws.launcher(server, aws))
            (tools / "aws").chmod(0o755)
        elif aws:
            (tools / "aws").symlink_to(aws)
        if not shutil.which("python3", path=SYSTEM_PATH):
            # CodeBuild's images ship python3; a machine without one lends the emulator's.
            (tools / "python3").symlink_to(sys.executable)
        variables = {
            "PATH": f"{tools}:{SYSTEM_PATH}",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            # A developer's own profile must never reach a build (the emulator's is the only AWS).
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "STUB_DOCKER_STATE": str(self.work / "docker"),
            "STUB_DOCKER_BUILD_ID": self.metadata["id"],
        }
        log = docker_log()
        if log:
            variables["STUB_DOCKER_LOG"] = str(log)
        return variables

    # --- commands

    def _command_phase(self, name: str, spec: dict[str, Any]) -> str:
        """Run one phase: its commands up to the first that fails, then its ``finally`` commands."""
        phase = self._phase(name)
        self.log(f"Entering phase {name}")
        failure: BuildFailure | None = None
        for block in ("commands", "finally"):
            for command in spec.get(block) or []:
                error = self._command(str(command))
                if self.stop_reason:
                    return "STOPPED"
                if error:
                    failure = failure or error
                    self.failed = True
                    break
        if failure:
            self._end(phase, "FAILED", failure.status_code, failure.message)
            return "FAILED"
        self._end(phase, "SUCCEEDED")
        return "SUCCEEDED"

    def _command(self, command: str) -> BuildFailure | None:
        if self.stop_reason:
            return BuildFailure(self.stop_reason, "")
        self.log(f"Running command {command}")
        self.state.mkdir(exist_ok=True)
        first = not (self.state / "env").exists()
        process = subprocess.Popen(
            ["bash", "-c", SHELL_SESSION, "bash", str(self.state), command, "0" if self.failed else "1"],
            cwd=self.src,
            # Later commands start from what the previous one left (SHELL_SESSION), nothing else.
            env=self.env if first else {},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        with _lock:
            self.process = process
            stopped = self.stop_reason is not None
        if stopped:
            threading.Thread(target=_kill, args=(process,), daemon=True).start()
        pump = threading.Thread(target=self._pump, args=(process,), daemon=True)
        pump.start()
        try:
            process.wait(timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop_reason = "TIMED_OUT"
            self.log("Build timed out")
            _kill(process)
        pump.join(KILL_GRACE_SECONDS)
        with _lock:
            self.process = None
        if self.stop_reason:
            return BuildFailure(self.stop_reason, "")
        if process.returncode:
            self.log(f"Command did not exit successfully {command} exit status {process.returncode}")
            return BuildFailure(
                "COMMAND_EXECUTION_ERROR",
                f"Error while executing command: {command}. Reason: exit status {process.returncode}",
            )
        return None

    def _pump(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.log(line.decode(errors="replace").rstrip("\n"), container=False)

    def stop(self) -> None:
        """StopBuild: end the running command; the build's thread then records STOPPED."""
        # Under the lock with _command's registration of its process: either this sees the process and
        # kills it, or _command sees the stop once it registered it (a stop between Popen and then).
        with _lock:
            self.stop_reason = "STOPPED"
            process = self.process
        if process is not None:
            threading.Thread(target=_kill, args=(process,), daemon=True).start()

    # --- logs

    def log(self, message: str, container: bool = True) -> None:
        text = f"[Container] {_stamp()} {message}" if container else message
        write_log(self.backend, self.metadata["logs"], text)


# One shell session across commands (buildspec 0.2): each command's bash starts from the
# variables and directory the previous one left ($1), every assignment is exported so the next
# command sees it, and CODEBUILD_BUILD_SUCCEEDING ($3) says whether the build still succeeds.
SHELL_SESSION = r"""
__state=$1; __command=$2; __succeeding=$3; shift 3
if [ -f "$__state/env" ]; then . "$__state/env"; cd "$(cat "$__state/cwd")" || exit 1; fi
export CODEBUILD_BUILD_SUCCEEDING=$__succeeding
trap '__rc=$?; export -p > "$__state/env"; pwd > "$__state/cwd"; exit $__rc' EXIT
set -a
eval "$__command"
"""


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _base_environment(work: Path) -> dict[str, str]:
    home = work / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": tempfile.gettempdir()}


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0"},
    )


def resolve_version(repository: Path, version: str) -> str | None:
    """The commit ``version`` names in ``repository``: a branch, refs/..., pr/N, a tag or a commit id.

    Empty means the repository's default branch (its HEAD), as CodeBuild does.
    """
    if not version:
        candidates = ["HEAD"]
    elif version.startswith("pr/"):
        candidates = [f"refs/pull/{version[3:]}/head"]
    elif version.startswith("refs/"):
        candidates = [version]
    else:
        candidates = [f"refs/heads/{version}", f"refs/tags/{version}", version]
    for candidate in candidates:
        done = _git(repository, "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}")
        if done.returncode == 0:
            return done.stdout.strip()
    return None


def _is_inline(buildspec: str) -> bool:
    """CodeBuild takes ``source.buildspec`` as YAML when it is one (a ``version`` key), else a path."""
    try:
        loaded = yaml.safe_load(buildspec)
    except yaml.YAMLError:
        return "\n" in buildspec
    return isinstance(loaded, dict) and "version" in loaded


def validate_buildspec(spec: Any) -> dict[str, Any]:
    """The parsed buildspec, or YAML_FILE_ERROR naming what CodeBuild would refuse."""
    if not isinstance(spec, dict):
        raise BuildFailure("YAML_FILE_ERROR", "the buildspec is not a YAML mapping")
    if str(spec.get("version")) not in ("0.1", "0.2"):
        raise BuildFailure("YAML_FILE_ERROR", f"invalid buildspec version {spec.get('version')!r}: 0.1 or 0.2")
    shell = (spec.get("env") or {}).get("shell", "bash")
    if shell not in ("bash", "/bin/bash", "sh", "/bin/sh"):
        raise BuildFailure(
            "YAML_FILE_ERROR", f"the emulator runs commands in bash; env.shell {shell!r} is not supported"
        )
    phases = spec.get("phases") or {}
    if not isinstance(phases, dict):
        raise BuildFailure("YAML_FILE_ERROR", "phases must be a mapping")
    for key, phase in phases.items():
        if key not in COMMAND_PHASES:
            raise BuildFailure("YAML_FILE_ERROR", f"unknown phase {key!r}: install, pre_build, build, post_build")
        if phase is None:
            continue
        for block in ("commands", "finally"):
            commands = phase.get(block) or []
            if not isinstance(commands, list) or any(isinstance(c, (dict, list)) for c in commands):
                raise BuildFailure("YAML_FILE_ERROR", f"phases.{key}.{block} must be a list of commands")
    return spec


# ---------------------------------------------------------------- logs


def write_log(backend: Any, logs: dict[str, Any], message: str) -> None:
    """Append one event to the build's CloudWatch Logs stream (the group made if missing, as CodeBuild does)."""
    group, stream = logs.get("groupName"), logs.get("streamName")
    if not group or not stream:
        return
    from moto.logs.models import logs_backends

    with _lock:
        logs_backend = logs_backends[backend.account_id][backend.region_name]
        if group not in logs_backend.groups:
            logs_backend.create_log_group(group, {})
        if stream not in logs_backend.groups[group].streams:
            logs_backend.create_log_stream(group, stream)
        logs_backend.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": message}])


def _log_location(project: dict[str, Any], build_uuid: str, region: str, account: str) -> dict[str, Any]:
    cloudwatch = (project.get("logsConfig") or {}).get("cloudWatchLogs") or {}
    if cloudwatch.get("status") == "DISABLED":
        return {"cloudWatchLogs": {"status": "DISABLED"}, "s3Logs": {"status": "DISABLED"}}
    group = cloudwatch.get("groupName") or f"/aws/codebuild/{project['name']}"
    stream = f"{cloudwatch['streamName']}/{build_uuid}" if cloudwatch.get("streamName") else build_uuid
    partition = get_partition(region)
    return {
        "groupName": group,
        "streamName": stream,
        "deepLink": f"https://console.aws.amazon.com/cloudwatch/home?region={region}#logEvent:group={group};stream={stream}",
        "cloudWatchLogsArn": f"arn:{partition}:logs:{region}:{account}:log-group:{group}:log-stream:{stream}",
        "cloudWatchLogs": {"status": "ENABLED", **{k: v for k, v in cloudwatch.items() if k != "status"}},
        "s3Logs": {"status": "DISABLED", "encryptionDisabled": False},
    }


# ---------------------------------------------------------------- starting builds


def start_build(
    backend: Any,
    project: dict[str, Any],
    endpoint: str,
    initiator: str,
    source_version: str | None = None,
    buildspec_override: str | None = None,
    overrides: list[dict[str, Any]] | None = None,
    timeout_minutes: int | None = None,
    webhook_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Record a build IN_PROGRESS, start running it in a thread, return its metadata."""
    name = project["name"]
    build_uuid = str(uuid.uuid4())
    build_id = f"{name}:{build_uuid}"
    region, account = backend.region_name, backend.account_id
    history = backend.build_history.setdefault(name, [])
    source = dict(project.get("source") or {})
    if buildspec_override:
        source["buildspec"] = buildspec_override
    environment = json.loads(json.dumps(project.get("environment") or {}))
    if overrides:
        names = {variable["name"] for variable in overrides}
        environment["environmentVariables"] = [
            v for v in environment.get("environmentVariables") or [] if v["name"] not in names
        ] + list(overrides)
    timeout = int(timeout_minutes or project.get("timeoutInMinutes") or 60)
    version = source_version if source_version is not None else project.get("sourceVersion")
    metadata: dict[str, Any] = {
        "id": build_id,
        "arn": f"arn:{get_partition(region)}:codebuild:{region}:{account}:build/{build_id}",
        "buildNumber": len(history) + 1,
        "startTime": _now(),
        "currentPhase": "SUBMITTED",
        "buildStatus": "IN_PROGRESS",
        "projectName": name,
        "phases": [],
        "source": source,
        "secondarySources": [],
        "secondarySourceVersions": [],
        "artifacts": {"location": ""},
        "secondaryArtifacts": [],
        "cache": project.get("cache") or {"type": "NO_CACHE"},
        "environment": environment,
        "serviceRole": project.get("serviceRole", ""),
        "logs": _log_location(project, build_uuid, region, account),
        "timeoutInMinutes": timeout,
        "queuedTimeoutInMinutes": int(project.get("queuedTimeoutInMinutes") or 480),
        "buildComplete": False,
        "initiator": initiator,
        "encryptionKey": project.get("encryptionKey", ""),
    }
    if version:
        metadata["sourceVersion"] = version
    run = Run(backend, project, metadata, buildspec_override, overrides or [], webhook_env or {}, endpoint, timeout)
    with _lock:
        history.append(build_id)
        backend.build_metadata_history[name].append(metadata)
        _running[build_id] = run
        answer = json.loads(json.dumps(metadata))
    threading.Thread(target=run.run, name=f"build {build_id}", daemon=True).start()
    return answer


def _endpoint(response: CodeBuildResponse) -> str:
    host = response.headers.get("Host") or "127.0.0.1:4566"
    return f"http://{host}"


def _caller(response: CodeBuildResponse) -> str:
    """CodeBuild's initiator of a manual build: the IAM user (or 'root') whose key signed the call."""
    match = re.search(r"Credential=([A-Z0-9a-z]+)/", response.headers.get("Authorization") or "")
    if match:
        from moto.iam.models import iam_backends

        with contextlib.suppress(Exception):
            user = iam_backends[response.current_account]["global"].get_user_from_access_key_id(match[1])
            if user is not None:
                return user.name
    return "root"


def _start_build(self: CodeBuildResponse) -> ActionResult:
    name = self._get_param("projectName")
    if not name:
        raise InvalidInputException("Project name is required")
    project = _project(self.codebuild_backend, name)
    overrides = self._get_param("environmentVariablesOverride") or []
    for variable in overrides:
        if variable.get("type", "PLAINTEXT") not in ("PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER"):
            raise InvalidInputException(f"Invalid environment variable type: {variable.get('type')}")
    timeout = self._get_param("timeoutInMinutesOverride")
    if timeout is not None and not 5 <= int(timeout) <= 2160:
        raise InvalidInputException("timeoutInMinutesOverride must be between 5 and 2160")
    build = start_build(
        self.codebuild_backend,
        project,
        _endpoint(self),
        _caller(self),
        source_version=self._get_param("sourceVersion"),
        buildspec_override=self._get_param("buildspecOverride"),
        overrides=overrides,
        timeout_minutes=timeout,
    )
    return ActionResult({"build": build})


def _batch_get_builds(self: CodeBuildResponse) -> ActionResult:
    ids = self._get_param("ids") or []
    for build_id in ids:
        if ":" not in build_id:
            raise InvalidInputException("Invalid build ID provided")
    found: dict[str, dict[str, Any]] = {}
    with _lock:
        for history in self.codebuild_backend.build_metadata_history.values():
            for build in history:
                if build["id"] in ids or build["arn"] in ids:
                    found[build["id"]] = found[build["arn"]] = json.loads(json.dumps(build))
    builds = [found[i] for i in ids if i in found]
    return ActionResult({"builds": builds, "buildsNotFound": [i for i in ids if i not in found]})


def _stop_build(self: CodeBuildResponse) -> ActionResult:
    build_id = self._get_param("id")
    with _lock:
        builds = [b for h in self.codebuild_backend.build_metadata_history.values() for b in h if b["id"] == build_id]
        if not builds:
            raise ResourceNotFoundException(f"Build {build_id} does not exist")
        run = _running.get(build_id)
        answer = json.loads(json.dumps(builds[0]))
    if run is not None:
        run.stop()
    return ActionResult({"build": answer})


# ---------------------------------------------------------------- webhook push


def webhook_variables(
    event: str, ref: str, commit: str, before: str = "", pull_request: str = "", base_ref: str = "", actor: str = ""
) -> dict[str, str]:
    """CODEBUILD_WEBHOOK_* of a GitHub event, and the build's source version (CodeBuild user guide)."""
    variables = {"CODEBUILD_WEBHOOK_EVENT": event, "CODEBUILD_WEBHOOK_HEAD_REF": ref}
    if pull_request:
        variables["CODEBUILD_WEBHOOK_TRIGGER"] = f"pr/{pull_request}"
        variables["CODEBUILD_WEBHOOK_BASE_REF"] = base_ref
    elif ref.startswith("refs/tags/"):
        variables["CODEBUILD_WEBHOOK_TRIGGER"] = "tag/" + ref.removeprefix("refs/tags/")
    else:
        variables["CODEBUILD_WEBHOOK_TRIGGER"] = "branch/" + ref.removeprefix("refs/heads/")
    if before:
        variables["CODEBUILD_WEBHOOK_PREV_COMMIT"] = before
    if actor:
        variables["CODEBUILD_WEBHOOK_ACTOR_ACCOUNT_ID"] = actor
    return variables


def filters_accept(webhook: dict[str, Any], payload: dict[str, Any], changed_files: Callable[[], list[str]]) -> bool:
    """Whether one project's webhook starts a build for this event (filter groups OR'ed, filters AND'ed)."""
    groups = webhook.get("filterGroups") or []
    event, ref = payload["event"], payload["ref"]
    if not groups:
        branch_filter = webhook.get("branchFilter") or ""
        return not branch_filter or bool(re.search(branch_filter, ref.removeprefix("refs/heads/")))
    values: dict[str, Callable[[], list[str]]] = {
        "EVENT": lambda: [event],
        "HEAD_REF": lambda: [ref],
        "BASE_REF": lambda: [payload["base_ref"]] if payload.get("base_ref") else [],
        "ACTOR_ACCOUNT_ID": lambda: [str(payload["actor"])] if payload.get("actor") else [],
        "COMMIT_MESSAGE": lambda: [payload.get("message", "")],
        "FILE_PATH": changed_files,
    }
    for group in groups:
        accepted = True
        for rule in group:
            kind, pattern = rule.get("type"), rule.get("pattern", "")
            if kind == "EVENT":
                matched = event in [p.strip() for p in pattern.split(",")]
            elif kind in values:
                matched = any(re.search(pattern, value) for value in values[kind]())
            else:
                matched = False
            if bool(rule.get("excludeMatchedPattern")) == matched:
                accepted = False
                break
        if accepted:
            return True
    return False


def _same_location(a: str, b: str) -> bool:
    first, second = GITHUB_LOCATION.match(a or ""), GITHUB_LOCATION.match(b or "")
    return bool(first and second) and (first["owner"], first["repo"]) == (second["owner"], second["repo"])


def _all_backends() -> Iterator[Any]:
    for per_region in list(dict.values(codebuild_backends)):
        yield from list(dict.values(per_region))


def webhook(payload: dict[str, Any], endpoint: str) -> list[str]:
    """Start a build for every project with a webhook on ``location`` whose filters accept the event.

    ``payload``: location, ref (refs/heads/x or refs/tags/x), commit, event (PUSH,
    PULL_REQUEST_CREATED, ...); optional before, pull_request (number), base_ref, actor, message.
    """
    for key in ("location", "ref", "commit", "event"):
        if not payload.get(key):
            raise ValueError(f"webhook payload needs {key}")
    repository = repository_path(payload["location"])
    if repository is not None and "message" not in payload:
        done = _git(repository, "log", "-1", "--format=%B", payload["commit"])
        payload["message"] = done.stdout.strip() if done.returncode == 0 else ""

    def changed_files() -> list[str]:
        if repository is None:
            return []
        base = [payload["before"]] if payload.get("before") else []
        args = (
            ["diff", "--name-only", *base, payload["commit"]]
            if base
            else ["show", "--name-only", "--format=", payload["commit"]]
        )
        return [line for line in _git(repository, *args).stdout.splitlines() if line]

    pull_request = str(payload.get("pull_request") or "")
    env = webhook_variables(
        payload["event"],
        payload["ref"],
        payload["commit"],
        payload.get("before", ""),
        pull_request,
        payload.get("base_ref", ""),
        str(payload.get("actor") or ""),
    )
    started = []
    for backend in _all_backends():
        for project in list(backend.codebuild_projects.values()):
            metadata = project.project_metadata
            hook = metadata.get("webhook")
            if hook is None or not _same_location(metadata.get("source", {}).get("location", ""), payload["location"]):
                continue
            if not filters_accept(hook, payload, changed_files):
                continue
            version = f"pr/{pull_request}" if pull_request else payload["commit"]
            hook_id = uuid.uuid5(uuid.NAMESPACE_URL, metadata["arn"]).hex[:7]
            build = start_build(
                backend, metadata, endpoint, f"GitHub-Hookshot/{hook_id}", source_version=version, webhook_env=env
            )
            started.append(build["id"])
    return started


class WebhookLayer:
    """WSGI layer answering POST /_emulator/codebuild/webhook (JSON in, {"builds": [ids]} out)."""

    PATH = "/_emulator/codebuild/webhook"

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != self.PATH:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", {"message": "POST only"})
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            payload = json.loads(environ["wsgi.input"].read(length) or b"{}")
            host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
            builds = webhook(payload, f"http://{host}")
        except (ValueError, TypeError) as error:
            return _answer(start_response, "400 Bad Request", {"message": str(error)})
        return _answer(start_response, "200 OK", {"builds": builds})


def _answer(start_response: Any, status: str, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def _list_builds_for_project(self: CodeBuildResponse) -> ActionResult:
    name = self._get_param("projectName")
    project = _project(self.codebuild_backend, name)
    with _lock:
        ids = list(self.codebuild_backend.build_history.get(project["name"], []))
    # AWS lists the newest build first unless sortOrder is ASCENDING.
    return ActionResult({"ids": ids if self._get_param("sortOrder") == "ASCENDING" else ids[::-1]})


def _list_builds(self: CodeBuildResponse) -> ActionResult:
    with _lock:
        builds = [b for h in self.codebuild_backend.build_metadata_history.values() for b in h]
    builds.sort(key=lambda build: build["startTime"], reverse=self._get_param("sortOrder") != "ASCENDING")
    return ActionResult({"ids": [build["id"] for build in builds]})


def install() -> None:
    CodeBuildResponse.list_builds_for_project = _list_builds_for_project  # type: ignore[method-assign]
    CodeBuildResponse.list_builds = _list_builds  # type: ignore[method-assign]
    CodeBuildResponse.start_build = _start_build  # type: ignore[method-assign]
    CodeBuildResponse.batch_get_builds = _batch_get_builds  # type: ignore[method-assign]
    CodeBuildResponse.stop_build = _stop_build  # type: ignore[method-assign]
