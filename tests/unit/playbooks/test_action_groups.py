"""meta/runtime.yml's action groups: group/flask_react.aws.stack, which the collection's playbooks set
region, endpoint and credentials through, names every AWS module their roles and playbooks call; and
group/flask_react.aws.aws (for a user's own plays) reaches those and every other amazon.aws and
community.aws module too."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

from tests.conftest import REPO

GROUPS = yaml.safe_load((REPO / "meta" / "runtime.yml").read_text())["action_groups"]
CALLED = re.compile(r"^\s*-?\s*((?:amazon\.aws|community\.aws|flask_react\.aws)\.\w+):", re.MULTILINE)


def fqcn(name: str) -> str:
    return name if "." in name else f"flask_react.aws.{name}"


def test_the_stack_group_names_every_aws_module_its_plays_call() -> None:
    """The roles (which every play of the collection may run), and every playbook, test playbook and molecule
    scenario that sets its AWS settings through the stack group."""
    stack = {fqcn(name) for name in GROUPS["stack"]}
    files = [*REPO.glob("roles/*/tasks/*.yml"), *REPO.glob("playbooks/*.yml")]
    files += [
        path
        for path in (
            *REPO.glob("tests/unit/playbooks/*.yml"),
            *REPO.glob("extensions/molecule/*/*.yml"),
            *REPO.glob("benchmarks/*.yml"),
        )
        if "group/flask_react.aws.stack:" in path.read_text()
    ]
    called = {(name, path.name) for path in files for name in CALLED.findall(path.read_text())}
    # The one module of ours that calls no AWS API (it writes a local credentials file) takes no region.
    assert {(name, path) for name, path in called if name not in stack} == {
        ("flask_react.aws.aws_credentials_profile", "access_key.yml"),
        ("flask_react.aws.aws_credentials_profile", "absent.yml"),
    }
    ours = {f"flask_react.aws.{path.stem}" for path in (REPO / "plugins" / "modules").glob("*.py")}
    assert ours - stack == {"flask_react.aws.aws_credentials_profile"}


def test_the_aws_group_reaches_the_stacks_modules_and_every_other_stock_one(emulator_url: str, tmp_path: Path) -> None:
    # amazon.aws.ec2_vpc_net_info is none of the stack's; amazon.aws.aws_caller_info and one of ours (through the
    # aws group's extend_group) are. Without module defaults none would know a region or the emulator.
    play = tmp_path / "play.yml"
    play.write_text(
        yaml.safe_dump(
            [
                {
                    "name": f"Call the emulator through group/{group}",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "module_defaults": {
                        f"group/{group}": {
                            "region": "us-west-1",
                            "endpoint_url": emulator_url,
                            "access_key": "testing",
                            "secret_key": "testing",
                        }
                    },
                    "tasks": [{"name": f"Run {module}", module: {}} for module in modules],
                }
                for group, modules in (
                    (
                        "flask_react.aws.aws",
                        [
                            "amazon.aws.ec2_vpc_net_info",
                            "amazon.aws.aws_caller_info",
                            "flask_react.aws.ecr_login_password",
                        ],
                    ),
                    ("flask_react.aws.stack", ["amazon.aws.aws_caller_info"]),
                )
            ]
        )
    )
    completed = subprocess.run(
        [
            "ansible-playbook",
            str(play),
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter={{ ansible_playbook_python }}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1"),
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert re.search(r"localhost\s+: ok=4 ", completed.stdout), completed.stdout[-2000:]
