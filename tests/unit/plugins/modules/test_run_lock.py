"""run_lock against the emulator: one holder at a time, a held lock waited for then refused naming its holder,
an expired lock (a killed run) broken, force, a release that deletes only this run's lock, check mode writes
nothing, and no call reports changed (the lock is not a change to the environment). Time is a fake clock: no
test waits."""

import json
import socket
import subprocess
import sys
import threading
import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.modules import run_lock

from tests.unit.plugins.modules.test_ecs_app_modules import Module, Retrying

pytestmark = pytest.mark.emulator


class Clock:
    """now() and sleep() of a run: sleeping moves the clock, and may let another run act meanwhile."""

    def __init__(self, start=1_800_000_000.0, during_sleep=None):
        self.time, self.slept, self.during_sleep = start, 0, during_sleep

    def now(self):
        return self.time

    def sleep(self, seconds):
        self.time += seconds
        self.slept += seconds
        if self.during_sleep:
            self.during_sleep(self)


def params(name, **changes):
    return dict(
        dict(
            name=name,
            state="present",
            holder={"user": "ann", "playbook": "site.yml"},
            token=None,
            timeout=300,
            ttl=7200,
            poll=10,
            force=False,
        ),
        **changes,
    )


@pytest.fixture
def lock_name():
    return f"/flask_react/test/{uuid.uuid4().hex[:8]}/lock"


def take(aws, name, clock=None, check_mode=False, **changes):
    clock = clock or Clock()
    return run_lock.acquire(
        Module(aws, params(name, **changes), check_mode), Retrying(aws("ssm")), clock.now, clock.sleep
    )


def stored(aws, name):
    return json.loads(aws("ssm").get_parameter(Name=name)["Parameter"]["Value"])


def test_the_first_run_takes_the_lock_naming_itself(aws, lock_name):
    taken = take(aws, lock_name)
    assert taken["acquired"] and not taken["changed"] and taken["waited"] == 0
    assert stored(aws, lock_name) == taken["lock"]
    assert taken["lock"]["holder"] == {"user": "ann", "playbook": "site.yml"}
    assert taken["lock"]["expires_at"] - taken["lock"]["acquired_at"] == 7200


def test_a_second_run_waits_then_fails_naming_the_holder(aws, lock_name):
    first = take(aws, lock_name)
    clock = Clock()
    with pytest.raises(AssertionError, match=r"locked by another run \(playbook site.yml, user ann, since .*timeout"):
        take(aws, lock_name, clock, holder={"user": "bob"}, timeout=60, poll=10)
    assert clock.slept == 60
    assert stored(aws, lock_name) == first["lock"]


def test_a_run_waiting_gets_the_lock_once_the_holder_releases_it(aws, lock_name):
    first = take(aws, lock_name)
    ssm = Retrying(aws("ssm"))

    def holder_finishes(clock):
        if clock.slept >= 30:
            run_lock.release(Module(aws, params(lock_name, state="absent", token=first["lock"]["token"])), ssm)

    second = take(aws, lock_name, Clock(during_sleep=holder_finishes), holder={"user": "bob"})
    assert second["acquired"] and second["waited"] == 30 and "broken" not in second
    assert stored(aws, lock_name)["holder"] == {"user": "bob"}


def test_a_lock_left_by_a_killed_run_is_broken_once_expired(aws, lock_name):
    killed = take(aws, lock_name, ttl=60)
    later = Clock(start=killed["lock"]["expires_at"] + 1)
    module = Module(aws, params(lock_name, holder={"user": "bob"}))
    taken = run_lock.acquire(module, Retrying(aws("ssm")), later.now, later.sleep)
    assert taken["broken"] == killed["lock"] and taken["waited"] == 0 and not taken["changed"]
    assert module.warnings == [f"{lock_name}: broke the lock of {run_lock.describe(killed['lock'])}"]
    assert stored(aws, lock_name)["holder"] == {"user": "bob"}


def left_by(aws, name, pid, machine=None):
    """A lock as a run on ``machine`` (this one by default) whose ansible-playbook is ``pid`` takes it."""
    lock = {"token": "ctrl-c", "holder": {"user": "ann"}, "acquired_at": 1_800_000_000, "expires_at": 1_800_007_200}
    lock.update(machine=machine or socket.gethostname(), pid=pid)
    aws("ssm").put_parameter(Name=name, Value=json.dumps(lock), Type="String")
    return lock


def test_a_lock_whose_run_ended_on_this_machine_is_broken_at_once(aws, lock_name):
    """A Ctrl-C: Ansible runs no always: block, so the run could not release its lock; its process is gone."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    left = left_by(aws, lock_name, process.pid)
    module = Module(aws, params(lock_name, holder={"user": "bob"}))
    taken = run_lock.acquire(module, Retrying(aws("ssm")), Clock().now, Clock().sleep)
    assert taken["acquired"] and taken["broken"] == left and taken["waited"] == 0
    assert module.warnings[0].endswith(f"(its ansible-playbook, PID {process.pid} on this machine, has ended)")


def test_a_lock_whose_run_still_runs_or_ran_elsewhere_is_waited_for(aws, lock_name):
    # A process whose command line names ansible-playbook, still running: the run is alive.
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "ansible-playbook"])
    try:
        left_by(aws, lock_name, alive.pid)
        with pytest.raises(AssertionError, match="locked by another run"):
            take(aws, lock_name, holder={"user": "bob"}, timeout=20, poll=10)
    finally:
        alive.kill()
        alive.wait()
    # Taken on another machine: its PID says nothing here, the lock is waited for (or expires).
    other = f"{lock_name}-other"
    left_by(aws, other, alive.pid, machine="runner-7")
    with pytest.raises(AssertionError, match="locked by another run"):
        take(aws, other, holder={"user": "bob"}, timeout=20, poll=10)


def test_the_run_is_the_topmost_ansible_playbook_process():
    """Ansible's workers (and mitogen's) are forks with the same command line, gone after each task."""
    script = (
        "import sys; sys.path[:0] = " + repr(sys.path) + "; "
        "from ansible_collections.flask_react.aws.plugins.modules import run_lock; "
        "print(run_lock.playbook_process())"
    )
    # outer "ansible-playbook" (prints its PID) -> inner "ansible-playbook" (a worker) -> the module's process.
    inner = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {script!r}], check=True)"
    outer = (
        "import os, subprocess, sys; print(os.getpid(), flush=True); "
        f"subprocess.run([sys.executable, '-c', {inner!r}, 'ansible-playbook'], check=True)"
    )
    done = subprocess.run([sys.executable, "-c", outer, "ansible-playbook"], capture_output=True, text=True, check=True)
    outer_pid, found = done.stdout.split()
    assert found == outer_pid


def test_force_breaks_a_live_lock(aws, lock_name):
    live = take(aws, lock_name)
    taken = take(aws, lock_name, holder={"user": "bob"}, force=True)
    assert taken["broken"] == live["lock"]
    assert stored(aws, lock_name)["token"] == taken["lock"]["token"]


def test_a_release_deletes_only_this_runs_lock(aws, lock_name):
    first = take(aws, lock_name)
    module = Module(aws, params(lock_name, state="absent", token="not-this-runs"))
    kept = run_lock.release(module, Retrying(aws("ssm")))
    assert not kept["released"] and not kept["changed"] and "no longer this run's" in module.warnings[0]
    assert stored(aws, lock_name) == first["lock"]
    gone = run_lock.release(
        Module(aws, params(lock_name, state="absent", token=first["lock"]["token"])), Retrying(aws("ssm"))
    )
    assert gone["released"] and not gone["changed"]
    assert aws("ssm").get_parameters(Names=[lock_name])["Parameters"] == []
    again = run_lock.release(
        Module(aws, params(lock_name, state="absent", token=first["lock"]["token"])), Retrying(aws("ssm"))
    )
    assert not again["released"] and not again["changed"]


def test_check_mode_writes_nothing_and_reports_a_held_lock(aws, lock_name):
    would = take(aws, lock_name, check_mode=True)
    assert not would["acquired"] and not would["changed"]
    assert aws("ssm").get_parameters(Names=[lock_name])["Parameters"] == []
    held = take(aws, lock_name)
    clock = Clock()
    seen = take(aws, lock_name, clock, check_mode=True)
    assert seen["lock"] == held["lock"] and not seen["changed"] and clock.slept == 0


def test_of_two_runs_at_once_exactly_one_holds_the_lock(aws, lock_name):
    results, errors = [], []

    def run(user):
        try:
            results.append(take(aws, lock_name, holder={"user": user}, timeout=0))
        except AssertionError as error:
            errors.append(str(error))

    runs = [threading.Thread(target=run, args=(user,)) for user in ("ann", "bob")]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert len(results) == 1 and len(errors) == 1
    assert stored(aws, lock_name)["holder"] == results[0]["lock"]["holder"]
