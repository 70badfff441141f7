"""The warm AWS CLI of the emulator's builds (tests/emulator/builder/warm_aws.py) answers as the CLI started
cold does: output, status, standard input, folder and environment are the call's, and nothing outlives it."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.emulator.builder import warm_aws

pytestmark = pytest.mark.emulator

REAL_AWS = shutil.which("aws", path=str(Path(sys.executable).parent))
# A build's environment (fills/codebuild_builds.py) without the emulator.
BUILD_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-west-1",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}


def start_server(path: Path) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-I", str(REPO / "tests/emulator/builder/warm_aws.py"), str(path)])
    deadline = time.monotonic() + 30
    while not path.exists():
        assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    return server


@pytest.fixture(scope="module")
def launcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The build's ``aws`` script, its server running."""
    assert REAL_AWS, "the venv has the AWS CLI"
    folder = tmp_path_factory.mktemp("warm-aws")
    server = start_server(folder / "aws.sock")
    script = folder / "aws"
    script.write_text(warm_aws.launcher(str(folder / "aws.sock"), REAL_AWS))
    script.chmod(0o755)
    yield script
    server.terminate()
    server.wait(10)


def both(launcher: Path, *args: str, env: dict[str, str] | None = None, **kwargs) -> tuple:
    """The same call through the launcher and through the CLI started cold."""
    env = dict(BUILD_ENV, **(env or {}))
    warm = subprocess.run([str(launcher), *args], env=env, capture_output=True, text=True, check=False, **kwargs)
    cold = subprocess.run([REAL_AWS, *args], env=env, capture_output=True, text=True, check=False, **kwargs)
    return warm, cold


def test_a_call_against_the_emulator_prints_and_exits_as_the_cold_cli(launcher: Path, emulator_url: str) -> None:
    warm, cold = both(launcher, "sts", "get-caller-identity", "--endpoint-url", emulator_url, "--output", "json")
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout) == (0, cold.stdout)
    assert '"Account": "123456789012"' in warm.stdout
    # A failed call: the status and the message of the CLI.
    warm, cold = both(launcher, "ecr", "describe-images", "--repository-name", "none", "--endpoint-url", emulator_url)
    assert warm.returncode == cold.returncode == 255
    assert warm.stderr == cold.stderr and "RepositoryNotFoundException" in warm.stderr


def test_the_folder_and_a_profile_are_the_calls(launcher: Path, tmp_path: Path) -> None:
    # A config file named relative to the call's folder and a profile: the call makes its own driver.
    (tmp_path / "config").write_text("[profile build]\nregion = eu-west-3\n")
    warm, cold = both(
        launcher, "configure", "get", "region", cwd=tmp_path, env={"AWS_CONFIG_FILE": "config", "AWS_PROFILE": "build"}
    )
    assert warm.returncode == cold.returncode == 0
    assert warm.stdout == cold.stdout == "eu-west-3\n"


def test_standard_input_reaches_the_call(launcher: Path, emulator_url: str) -> None:
    def run(command: str, *args: str, data: str | None = None) -> subprocess.CompletedProcess:
        argv = [command, *args, "--endpoint-url", emulator_url]
        return subprocess.run(argv, env=BUILD_ENV, input=data, capture_output=True, text=True, check=True)

    run(str(launcher), "s3", "mb", "s3://warm-stdin")
    run(str(launcher), "s3", "cp", "-", "s3://warm-stdin/object", data="from the standard input\n")
    assert run(REAL_AWS, "s3", "cp", "s3://warm-stdin/object", "-").stdout == "from the standard input\n"


def test_without_its_server_the_launcher_runs_the_cli_cold(tmp_path: Path) -> None:
    script = tmp_path / "aws"
    script.write_text(warm_aws.launcher(str(tmp_path / "none.sock"), REAL_AWS))
    script.chmod(0o755)
    done = subprocess.run([str(script), "--version"], env=BUILD_ENV, capture_output=True, text=True, check=True)
    assert (done.stdout + done.stderr).startswith("aws-cli/")


def test_a_terminated_call_stops_and_the_server_ends_with_its_parent(tmp_path: Path) -> None:
    # An endpoint that accepts and never answers: the call hangs until the launcher is terminated.
    with socket.socket() as endpoint:
        endpoint.bind(("127.0.0.1", 0))
        endpoint.listen(1)
        endpoint.settimeout(20)
        path = tmp_path / "aws.sock"
        # The server's parent is a shell that is killed below.
        parent = subprocess.Popen(
            ["sh", "-c", f'"{sys.executable}" -I "{REPO}/tests/emulator/builder/warm_aws.py" "{path}" & wait'],
        )
        deadline = time.monotonic() + 30
        while not path.exists():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        script = tmp_path / "aws"
        script.write_text(warm_aws.launcher(str(path), REAL_AWS))
        script.chmod(0o755)
        url = f"http://127.0.0.1:{endpoint.getsockname()[1]}"
        call = subprocess.Popen([str(script), "sts", "get-caller-identity", "--endpoint-url", url], env=BUILD_ENV)
        connection, _address = endpoint.accept()
        call.send_signal(signal.SIGTERM)
        assert call.wait(20) == 128 + signal.SIGTERM
        connection.settimeout(20)
        assert connection.recv(65536) is not None  # the request
        while connection.recv(65536):
            pass  # until the forked call is gone and its connection closed
        connection.close()
        parent.kill()  # the shell alone: the server sees its parent gone
        parent.wait()
        deadline = time.monotonic() + 10
        while path.exists():
            assert time.monotonic() < deadline, "the server outlived its parent"
            time.sleep(0.1)
