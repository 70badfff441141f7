"""site.yml and teardown.yml hold the environment's run lock (module run_lock) around their writes, on one
emulator whose account the tests share, in order:

1. a run that matches no host of aws_environments fails, naming the group, before any AWS call;
2. a lock held by another run (the test, through boto3): site.yml waits app_lock_timeout, then fails naming
   that run, having written nothing;
3. app_lock_force breaks a live lock; that teardown, on an account no test has written to yet, changes
   nothing and sends no write that succeeds;
4. a run that fails after taking the lock (a file where its credentials folder should be) releases it;
5. two runs started together: one waits for the other's lock, then takes it; their writes do not interleave;
6. a run killed while holding the lock leaves it; once app_lock_ttl has passed the next run breaks it.

That --check takes no lock (no SSM call at all) is asserted on test_plan.py's cold plan.

The cheap real runs are teardown.yml's on a nearly empty account (the app role's reads, a few deletes).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import REPO
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import ANSI, kill_run, playbook_env, recap, run_playbook, writes

# The local inventory's app_name: the lock of app_lock_name's default.
LOCK = "/flask_react/flask-react/lock"
OTHER_RUN = {"user": "ci-other", "host": "runner-7", "playbook": "site.yml"}


@pytest.fixture(scope="module")
def ssm(recording_emulator: Any) -> Any:
    return emulator_client(recording_emulator[0], "ssm")


@pytest.fixture(autouse=True)
def no_lock_left(ssm: Any) -> Any:
    """After each test, no lock: a test that fails while a lock is held must not fail the tests after it."""
    yield
    try:
        ssm.delete_parameter(Name=LOCK)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ParameterNotFound"


def hold(ssm: Any, expires_in: int = 3600) -> dict:
    """Take the lock as another run would (run_lock's shape), expiring in ``expires_in`` seconds."""
    now = int(time.time())
    lock = {"token": "another-runs", "holder": OTHER_RUN, "acquired_at": now, "expires_at": now + expires_in}
    ssm.put_parameter(Name=LOCK, Value=json.dumps(lock), Type="String", Overwrite=False)
    return lock


def held(ssm: Any) -> dict | None:
    try:
        return json.loads(ssm.get_parameter(Name=LOCK)["Parameter"]["Value"])
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ParameterNotFound"
        return None


def recorded(record: Path) -> list[str]:
    return [f"{c['service']}:{c['action']}" for c in map(json.loads, record.read_text().splitlines())]


def start(recording_emulator: Any, state: Path, name: str, *args: str, fresh: bool = True) -> subprocess.Popen:
    """Start ``playbooks/<name>`` in the background (its own process group, so a test can kill it all);
    ``fresh`` empties the emulator's record first."""
    port, record = recording_emulator
    if fresh:
        record.write_text("")
    return subprocess.Popen(
        ["ansible-playbook", f"playbooks/{name}", "-i", "inventories/local", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=playbook_env(port, state),
        start_new_session=True,
    )


def wait_for_call(record: Path, call: str, count: int = 1, budget: float = 120) -> None:
    """Until the emulator has recorded ``call`` ``count`` times (bounded)."""
    deadline = time.monotonic() + budget
    while recorded(record).count(call) < count:
        assert time.monotonic() < deadline, f"{call} not {count} times in {budget} s: {recorded(record)}"
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("name", "inventory", "limit"),
    [
        # Another group name: the play would match no host.
        ("site.yml", {"environments": {"hosts": {"local": None}}}, None),
        # The group is there, but --limit picks a host outside it.
        (
            "teardown.yml",
            {"aws_environments": {"hosts": {"local": None}}, "other": {"hosts": {"bastion": None}}},
            "bastion",
        ),
    ],
)
def test_a_run_matching_no_environment_fails_naming_the_group(
    recording_emulator: Any, tmp_path: Path, name: str, inventory: dict, limit: str | None
) -> None:
    port, record = recording_emulator
    (tmp_path / "hosts.yml").write_text(json.dumps(inventory))
    record.write_text("")
    run = subprocess.run(
        [
            "ansible-playbook",
            f"playbooks/{name}",
            "-i",
            str(tmp_path / "hosts.yml"),
            *(["--limit", limit] if limit else []),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(playbook_env(port, tmp_path), ANSIBLE_CONNECTION="local"),
        check=False,
    )
    output = ANSI.sub("", run.stdout + run.stderr)
    assert run.returncode != 0, output[-2000:]
    assert "No host of the group aws_environments is part of this run" in output
    assert 'README, "Real AWS"' in output
    assert (f"(--limit {limit})" in output) == bool(limit)
    assert recorded(record) == [], "before any AWS call"


def test_site_waits_for_a_held_lock_then_fails_naming_its_holder_before_any_write(
    recording_emulator: Any, tmp_path: Path, ssm: Any
) -> None:
    lock = hold(ssm)
    run, calls = run_playbook(*recording_emulator, tmp_path, "site.yml", "-e", "app_lock_timeout=2")
    assert run.returncode != 0
    found = re.search(
        rf"{LOCK}: this environment is locked by another run \(host runner-7, playbook site.yml, user ci-other,"
        r" since .*\); waited (\d+) s \(timeout\).*app_lock_force=true",
        " ".join(run.stdout.split()),
    )
    assert found, run.stdout[-2000:]
    # The module counts its own wait: app_lock_timeout's 2 s (plus a read on a slow machine), not the default 300.
    assert 2 <= int(found.group(1)) < 300
    # Not one write, the lock's included: the app role only read, and the lock was never free.
    assert [f"{c['service']}:{c['action']}" for c in calls if not c["read"]] == []
    assert held(ssm) == lock
    ssm.delete_parameter(Name=LOCK)


# Before any test writes to the account: a teardown of an empty account changes nothing (was test_plan.py's, a
# teardown.yml run of its own).
def test_app_lock_force_breaks_a_live_lock_and_a_teardown_of_an_empty_account_changes_nothing(
    recording_emulator: Any, tmp_path: Path, ssm: Any
) -> None:
    hold(ssm)
    run, calls = run_playbook(*recording_emulator, tmp_path, "teardown.yml", "-e", "app_lock_force=true")
    assert run.returncode == 0, run.stdout[-3000:]
    output = " ".join((run.stdout + run.stderr).split())
    assert f"{LOCK}: broke the lock of host runner-7, playbook site.yml, user ci-other" in output
    assert held(ssm) is None
    assert recap(run.stdout)["changed"] == 0
    # amazon.aws.rds_subnet_group sends a delete without looking first; AWS answers "not found". The lock's
    # own calls are not counted (writes() leaves them out).
    assert writes(calls, succeeded_only=True) == []


def test_a_run_that_fails_after_taking_the_lock_releases_it(recording_emulator: Any, tmp_path: Path, ssm: Any) -> None:
    # A real mistake only the iam_user role meets, after other roles wrote: a file where the folder of the
    # IAM user's credentials file (LOCAL_STATE_DIR/.secrets) should be.
    (tmp_path / ".secrets").write_text("not a folder\n")
    run, calls = run_playbook(*recording_emulator, tmp_path, "site.yml")
    assert run.returncode != 0
    assert "Cannot create the folder of credentials file" in run.stdout, run.stdout[-2000:]
    sent = [f"{c['service']}:{c['action']}" for c in calls]
    assert sent.index("ssm:PutParameter") < sent.index("ecs:CreateCluster") < sent.index("ssm:DeleteParameter")
    assert "iam:CreateUser" in writes(calls), "the failure came after writes"
    assert held(ssm) is None


def test_two_runs_at_once_write_one_after_the_other(recording_emulator: Any, tmp_path: Path, ssm: Any) -> None:
    """Two teardowns started together on one environment: one takes the lock, the other waits for it and
    takes it after the first released it; their writes never interleave.

    Whatever the machine's speed: the test holds the lock (as a third run would) until each run has looked
    at it twice (it found it held, and polled: it is waiting), then releases it. The runs sign with
    different access keys (the emulator's account is the same), so the record tells their calls apart."""
    record = recording_emulator[1]
    hold(ssm)
    keys = ("testing-first", "testing-second")
    (tmp_path / "second").mkdir()
    runs = [
        start(
            recording_emulator,
            state,
            "teardown.yml",
            "-v",
            "-e",
            "app_lock_timeout=300",
            "-e",
            f"aws_access_key_id={key}",
            fresh=index == 0,
        )
        for index, (key, state) in enumerate(zip(keys, (tmp_path, tmp_path / "second"), strict=True))
    ]
    deadline = time.monotonic() + 600
    while not all(polls(record, key) >= 2 for key in keys):
        assert all(run.poll() is None for run in runs), "a run ended before the lock was released"
        assert time.monotonic() < deadline, recorded(record)
        time.sleep(0.5)
    ssm.delete_parameter(Name=LOCK)
    outputs = [ANSI.sub("", run.communicate(timeout=600)[0]) for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
    calls = list(map(json.loads, record.read_text().splitlines()))
    taken_and_released = [
        (call.get("key"), call["action"])
        for call in calls
        if call["service"] == "ssm"
        and call["action"] in ("PutParameter", "DeleteParameter")
        and call["status"][0].startswith("2")
    ]
    # The test's release, then one run's take and release, then the other's.
    assert [action for _key, action in taken_and_released] == [
        "DeleteParameter",
        *["PutParameter", "DeleteParameter"] * 2,
    ]
    first, second = taken_and_released[1][0], taken_and_released[3][0]
    assert {first, second} == set(keys)
    assert taken_and_released[2][0] == first and taken_and_released[4][0] == second
    # Each run's writes happen while it holds the lock: none of the second's before the first released it.
    released = next(
        i
        for i, c in enumerate(calls)
        if c.get("key") == first and c["action"] == "DeleteParameter" and c["service"] == "ssm"
    )
    assert not [c for c in calls[:released] if c.get("key") == second and not c["read"] and c["service"] != "ssm"]
    # Each run waited: its lock task says how long (its release, after, says 0).
    for output in outputs:
        assert max(int(found) for found in re.findall(r"^\s*waited: (\d+)$", output, re.MULTILINE)) >= 1, output[-3000:]
    assert held(ssm) is None


def polls(record: Path, key: str) -> int:
    """How many times the run signing with ``key`` has read the lock."""
    return sum(
        1
        for call in map(json.loads, record.read_text().splitlines())
        if call.get("key") == key and f"{call['service']}:{call['action']}" == "ssm:GetParameter"
    )


def test_a_killed_runs_lock_is_broken_once_its_ttl_has_passed(
    recording_emulator: Any, tmp_path: Path, ssm: Any
) -> None:
    record = recording_emulator[1]
    run = start(recording_emulator, tmp_path, "teardown.yml", "-e", "app_lock_ttl=1")
    wait_for_call(record, "ssm:PutParameter")
    kill_run(run)
    run.communicate(timeout=60)
    left = held(ssm)
    assert left is not None, "a killed run releases nothing"
    assert left["holder"]["playbook"] == "teardown.yml"
    assert set(left["holder"]) == {"user", "host", "playbook"}, "and, in AWX, awx_job"
    assert left["expires_at"] - left["acquired_at"] == 1
    time.sleep(1)
    again = run_playbook(*recording_emulator, tmp_path, "teardown.yml")[0]
    assert again.returncode == 0, again.stdout[-3000:]
    output = again.stdout + again.stderr
    assert f"{LOCK}: broke the lock of host {left['holder']['host']}, playbook teardown.yml" in " ".join(output.split())
    assert held(ssm) is None
