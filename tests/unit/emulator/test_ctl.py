"""`make emulator-start/stop`: start returns once it answers; stop ends only what start launched."""

import boto3

from tests.conftest import free_port
from tests.emulator import ctl


def test_start_answers_then_stop_ends_it(emulator_url):
    port = free_port()
    try:
        assert ctl.start(port) == 0
        pid = ctl.running_pid(port)
        assert pid and ctl.answers(port)
        codebuild = boto3.client(
            "codebuild",
            endpoint_url=f"http://127.0.0.1:{port}",
            region_name="us-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        assert codebuild.list_projects()["projects"] == []
        assert ctl.start(port) == 0, "a second start is a no-op"
        assert ctl.running_pid(port) == pid
    finally:
        assert ctl.stop(port) == 0
    assert ctl.running_pid(port) is None and not ctl.answers(port)


def test_start_refuses_a_port_someone_else_answers(emulator_url):
    port = int(emulator_url.rsplit(":", 1)[1])
    assert ctl.start(port) == 1


def test_stop_without_start_touches_nothing(emulator_url):
    port = int(emulator_url.rsplit(":", 1)[1])
    assert ctl.stop(port) == 0
    assert ctl.answers(port), "the in-process emulator this tool did not start is still up"
