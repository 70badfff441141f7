"""A role in a play without the app role before it (no role names app as a meta dependency: README,
Playbooks) fails before any AWS call: on a variable the app role defines, or (the iam_user role, which
needs nothing else of it) on its check that the app role ran, even where the inventory sets app_name."""

from __future__ import annotations

import os

import pytest

from tests.conftest import REPO
from tests.unit.playbooks.conftest import run_playbook, writes

ALONE = """
- name: Run the ROLE role without the app role
  hosts: aws_environments
  gather_facts: false
  module_defaults:
    group/flask_react.aws.stack:
      region: us-west-1
      endpoint_url: "{{ aws_endpoint_url }}"
  roles:
    - role: flask_react.aws.ROLE
"""


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("ecr", "'ecs_enabled' is undefined"),
        ("iam_user", "flask_react.aws.iam_user needs flask_react.aws.app before it in the play"),
    ],
)
def test_a_role_without_the_app_role_fails_before_any_aws_call(recording_emulator, tmp_path, role, message):
    port, record = recording_emulator
    playbook = tmp_path / "alone.yml"
    playbook.write_text(ALONE.replace("ROLE", role))
    run, calls = run_playbook(
        port, record, tmp_path, os.path.relpath(playbook, REPO / "playbooks"), "-e", "app_name=alone"
    )
    assert run.returncode != 0
    assert message in " ".join(run.stdout.split()), run.stdout[-2000:]
    assert calls == [], writes(calls)
