"""A role in a play without the app role before it (no role names app as a meta dependency: README,
Playbooks) fails before any AWS call, naming the variable the app role would have defined."""

from __future__ import annotations

import os

from tests.conftest import REPO
from tests.unit.playbooks.conftest import run_playbook, writes

ALONE = """
- name: Run the ecr role without the app role
  hosts: aws_environments
  gather_facts: false
  roles:
    - role: flask_react.aws.ecr
"""


def test_a_role_without_the_app_role_fails_before_any_aws_call_naming_what_app_defines(recording_emulator, tmp_path):
    port, record = recording_emulator
    playbook = tmp_path / "alone.yml"
    playbook.write_text(ALONE)
    run, calls = run_playbook(port, record, tmp_path, os.path.relpath(playbook, REPO / "playbooks"))
    assert run.returncode != 0
    assert "'ecs_enabled' is undefined" in run.stdout, run.stdout[-2000:]
    assert calls == [] and writes(calls) == []
