"""A local stand-in for GitHub, for tests of the emulator's CodeBuild builds.

The emulator started with ``--github-dir DIR`` (or env EMULATOR_GITHUB_DIR) fetches the
source ``https://github.com/<owner>/<repo>(.git)`` from the bare git repository
``DIR/<owner>/<repo>``. These helpers make such repositories, commit to them, and play back
GitHub's webhook calls::

    sha = github.commit(github_dir, LOCATION, {"services/api/Dockerfile.prod": "FROM python\\n"})
    [build_id] = github.push(port, LOCATION, "main", sha)
    build = github.wait_for_build(port, build_id, region="eu-west-3")
    assert build["buildStatus"] == "SUCCEEDED", github.build_log(port, build, region="eu-west-3")

``push`` starts a build of every project whose source location is LOCATION and whose webhook
filter groups accept the event (as CodeBuild does), with CODEBUILD_WEBHOOK_* set; it returns
their ids (in any region of the emulator). The stub docker of builds logs to
``docker_calls(github_dir)`` unless the emulator was given ``--docker-log``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.emulator.client import emulator_client, endpoint

LOCATION = re.compile(r"^https://github\.com/(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?$")
WEBHOOK_PATH = "/_emulator/codebuild/webhook"
FINAL = ("SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED")
_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Emulator Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Emulator Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def repository_dir(github_dir: str | os.PathLike[str], location: str) -> Path:
    """``DIR/<owner>/<repo>`` for ``https://github.com/<owner>/<repo>(.git)``."""
    match = LOCATION.match(location)
    if not match:
        raise ValueError(f"not a https://github.com/<owner>/<repo> location: {location!r}")
    return Path(github_dir) / match["owner"] / match["repo"]


def _git(repository: Path, *args: str, env: Mapping[str, str] | None = None, stdin: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repository,
        input=stdin,
        capture_output=True,
        check=False,
        env={**os.environ, **_GIT_IDENTITY, **(env or {})},
    )
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode().strip()


def create_repository(github_dir: str | os.PathLike[str], location: str, default_branch: str = "main") -> Path:
    """Make the (bare) repository standing for ``location``; a no-op when it exists. Returns its path."""
    path = repository_dir(github_dir, location)
    if not (path / "HEAD").exists():
        path.mkdir(parents=True, exist_ok=True)
        _git(path, "init", "--quiet", "--bare", f"--initial-branch={default_branch}")
    return path


def commit(
    github_dir: str | os.PathLike[str],
    location: str,
    files: Mapping[str, str | bytes | None],
    branch: str = "main",
    message: str = "commit",
    parent: str | None = None,
    replace: bool = False,
) -> str:
    """Commit ``files`` (path -> text; None deletes) on ``branch``, on top of its tip (or ``parent``).

    A branch that does not exist yet starts from the default branch's tip (an empty repository:
    from nothing). Makes the repository when missing. ``replace`` starts from an empty tree instead of the
    parent's files. Files ending in ``.sh`` are executable. Moves the branch; returns the commit id.
    """
    repository = create_repository(github_dir, location)
    ref = branch if branch.startswith("refs/") else f"refs/heads/{branch}"
    if parent is None:
        # A new branch forks from the default branch, as `git checkout -b` then a push does.
        for start in (ref, "HEAD"):
            try:
                parent = _git(repository, "rev-parse", "--verify", "--quiet", f"{start}^{{commit}}")
                break
            except RuntimeError:
                continue
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        if parent and not replace:
            _git(repository, "read-tree", parent, env=env)
        for path, content in files.items():
            if content is None:
                # Mode 0 removes the entry (--force-remove would want a work tree; this repository is bare).
                _git(repository, "update-index", "--index-info", env=env, stdin=f"0 {'0' * 40}\t{path}\n".encode())
                continue
            data = content.encode() if isinstance(content, str) else content
            blob = _git(repository, "hash-object", "-w", "--stdin", stdin=data)
            mode = "100755" if path.endswith(".sh") else "100644"
            _git(repository, "update-index", "--add", "--cacheinfo", f"{mode},{blob},{path}", env=env)
        tree = _git(repository, "write-tree", env=env)
    sha = _git(repository, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message)
    _git(repository, "update-ref", ref, sha)
    return sha


def head(github_dir: str | os.PathLike[str], location: str, branch: str = "main") -> str:
    """The commit id at the tip of ``branch``."""
    ref = branch if branch.startswith("refs/") else f"refs/heads/{branch}"
    return _git(repository_dir(github_dir, location), "rev-parse", f"{ref}^{{commit}}")


def _post(where: int | str, payload: dict[str, Any]) -> list[str]:
    request = urllib.request.Request(
        endpoint(where) + WEBHOOK_PATH,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())["builds"]


def push(
    where: int | str,
    location: str,
    branch: str,
    sha: str,
    event: str = "PUSH",
    before: str = "",
    actor: str = "",
) -> list[str]:
    """Play GitHub's push webhook: ``branch`` ("main", "refs/heads/main" or "refs/tags/v1") now at ``sha``.

    ``where`` is the emulator's port or URL. Returns the ids of the builds started (none when
    no project's webhook filters accept the push).
    """
    ref = branch if branch.startswith("refs/") else f"refs/heads/{branch}"
    payload = {"location": location, "ref": ref, "commit": sha, "event": event, "before": before, "actor": actor}
    return _post(where, {k: v for k, v in payload.items() if v})


def pull_request(
    github_dir: str | os.PathLike[str],
    where: int | str,
    location: str,
    number: int,
    sha: str,
    head_branch: str,
    base: str = "main",
    event: str = "PULL_REQUEST_CREATED",
) -> list[str]:
    """Open (or update) pull request ``number`` from ``head_branch`` at ``sha`` into ``base``.

    Sets ``refs/pull/<number>/head`` as GitHub does; builds get source version ``pr/<number>``
    and CODEBUILD_WEBHOOK_TRIGGER ``pr/<number>``.
    """
    _git(repository_dir(github_dir, location), "update-ref", f"refs/pull/{number}/head", sha)
    payload = {
        "location": location,
        "ref": f"refs/heads/{head_branch}",
        "base_ref": f"refs/heads/{base}",
        "commit": sha,
        "event": event,
        "pull_request": number,
    }
    return _post(where, payload)


def region_of(build_id_or_arn: str, default: str = "us-west-1") -> str:
    """The region of a build ARN; a bare build id carries none (then ``default``)."""
    parts = build_id_or_arn.split(":")
    return parts[3] if build_id_or_arn.startswith("arn:") and len(parts) > 3 else default


def wait_for_build(
    where: int | str, build_id: str, region: str = "us-west-1", timeout: float = 180.0
) -> dict[str, Any]:
    """Poll BatchGetBuilds until the build ends (or ``timeout`` seconds pass: AssertionError)."""
    codebuild = emulator_client(where, "codebuild", region)
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        builds = codebuild.batch_get_builds(ids=[build_id])["builds"]
        if not builds:
            raise AssertionError(f"no build {build_id} in {region}")
        if builds[0]["buildStatus"] in FINAL and builds[0].get("buildComplete"):
            return builds[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"build {build_id} still {builds[0]['currentPhase']} after {timeout:.0f}s")
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


def build_log(where: int | str, build: dict[str, Any], region: str = "us-west-1") -> str:
    """The build's log text from CloudWatch Logs (group and stream as BatchGetBuilds names them)."""
    logs = emulator_client(where, "logs", region)
    location = build["logs"]
    lines: list[str] = []
    kwargs: dict[str, Any] = {"logGroupName": location["groupName"], "logStreamName": location["streamName"]}
    kwargs["startFromHead"] = True
    while True:
        answer = logs.get_log_events(**kwargs)
        lines += [event["message"] for event in answer["events"]]
        if not answer["events"] or answer.get("nextForwardToken") in (None, kwargs.get("nextToken")):
            return "\n".join(lines)
        kwargs["nextToken"] = answer["nextForwardToken"]


def docker_calls(
    github_dir: str | os.PathLike[str], docker_log: str | os.PathLike[str] | None = None
) -> list[dict[str, Any]]:
    """What the stub docker of builds was asked (one dict per call), from ``DIR/../docker.jsonl``."""
    path = Path(docker_log) if docker_log else Path(github_dir).resolve().parent / "docker.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
