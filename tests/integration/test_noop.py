"""A third site.yml run, at -vvv: changed=0, no write call to AWS, and no secret in its output."""

from __future__ import annotations

import collections
import configparser
import json
import os
import re
import subprocess

import pytest

from tests.emulator.middleware import is_lock_call, is_read
from tests.integration.conftest import REPO

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def site(*args):
    """Run site.yml once more against the scenario's recording emulator: (run, recorded calls)."""
    record = REPO / os.environ.get("EMULATOR_RECORD", ".emulator/calls.jsonl")
    if not record.exists():
        pytest.skip("the emulator is not recording (set EMULATOR_RECORD)")
    record.write_text("")
    run = subprocess.run(
        ["ansible-playbook", "playbooks/site.yml", "-i", "inventories/local", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        # molecule forces colour; the recap is read as plain text.
        env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"),
        check=False,
    )
    run.stdout = ANSI.sub("", run.stdout)
    # Kept for reading after a failure.
    (record.parent / "last-site-run.log").write_text(run.stdout + run.stderr)
    return run, [json.loads(line) for line in record.read_text().splitlines()]


@pytest.fixture(scope="module")
def noop_run():
    return site("-vvv")


def test_second_run_changes_nothing(noop_run):
    run = noop_run[0]
    assert run.returncode == 0, run.stdout[-2000:]
    changed = [line for line in run.stdout.splitlines() if line.startswith(("changed:", "local "))]
    assert re.search(r"local\s+: ok=\d+\s+changed=0\s", run.stdout), changed


def test_files_the_run_wrote_are_not_read_as_inventory(noop_run):
    run = noop_run[0]
    assert "is not a valid group definition" not in run.stdout + run.stderr
    assert "Skipping key" not in run.stdout + run.stderr


def test_second_run_sends_no_write_call(noop_run):
    calls = noop_run[1]
    # The run lock's calls are not a change to the environment.
    writes = [f"{call['service']}:{call['action']}" for call in calls if not call["read"] and not is_lock_call(call)]
    assert writes == []
    reads = collections.Counter(call["service"] for call in calls if is_read(call["action"]))
    print(f"read calls by service: {dict(reads)} (total {sum(reads.values())})")


def test_no_secret_reaches_the_output(noop_run, aws, app):
    run = noop_run[0]
    user = f"{app['app_name']}-admin"
    password = aws("secretsmanager").get_secret_value(SecretId=f"{app['app_name']}/iam/{user}/console-password")
    parser = configparser.ConfigParser()
    parser.read(REPO / "inventories/local/.secrets/credentials")
    database = aws("rds").describe_db_instances(DBInstanceIdentifier=f"{app['app_name']}-db")["DBInstances"][0]
    db_secret = json.loads(
        aws("secretsmanager").get_secret_value(SecretId=database["MasterUserSecret"]["SecretArn"])["SecretString"]
    )
    secrets = [password["SecretString"], app["codebuild_github_token"], db_secret["password"]]
    if parser.has_section(user):
        secrets.append(parser[user]["aws_secret_access_key"])
    output = run.stdout + run.stderr
    for secret in secrets:
        assert secret not in output


def test_check_diff_on_the_converged_account_reports_nothing_and_writes_nothing():
    run, calls = site("--check", "--diff")
    assert run.returncode == 0, run.stdout[-2000:]
    assert re.search(r"local\s+: ok=\d+\s+changed=0\s", run.stdout), run.stdout[-2000:]
    assert [call["action"] for call in calls if not call["read"] and not is_lock_call(call)] == []
