"""The built collection installs offline and provisions two environments at once, each only its own.

One run does both: `ansible-galaxy collection build`, install the tarball into a fresh collections
path, then `ansible-playbook flask_react.aws.site` from another folder with an inventory of two
emulator-backed environments in different regions with different names. The second names its account
(app_account_id) and signs with an access key of its own, so its calls tell apart: it never asks STS
for the account, and its ARNs and image URIs still name it.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter

import pytest
import yaml

from tests.conftest import REPO
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import ANSI, recap, recorded

# The emulator's account (moto's default).
ACCOUNT = "123456789012"
ENVIRONMENTS = {
    "alpha": {"aws_region": "us-west-1", "app_name": "alpha", "ecr_repository_prefix": "alpha-repo"},
    "beta": {
        "aws_region": "eu-west-1",
        "app_name": "beta",
        "ecr_repository_prefix": "beta-repo",
        "app_account_id": ACCOUNT,
        "aws_access_key_id": "testing-beta",
    },
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory, recording_emulator):
    port = recording_emulator[0]
    work = tmp_path_factory.mktemp("installed")
    # Outside the repo, so its ansible.cfg (which resolves the checkout itself) is not read.
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    subprocess.run(
        ["ansible-galaxy", "collection", "build", str(REPO), "--output-path", str(work)],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    (tarball,) = work.glob("flask_react-aws-*.tar.gz")
    collections = work / "collections"
    # Offline: amazon.aws and community.aws come with the ansible package already. --force: a copy
    # elsewhere (molecule installs one in ~/.ansible) must not count as "already installed".
    subprocess.run(
        ["ansible-galaxy", "collection", "install", str(tarball), "-p", str(collections), "--no-deps", "--force"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    common = {
        "ansible_connection": "local",
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
        "aws_endpoint_url": f"http://127.0.0.1:{port}",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "codebuild_source_location": "https://github.com/example/flask-react.git",
        "codebuild_github_token": "emulator-dummy-token",
        "rds_skip_final_snapshot": True,
        "iam_user_credentials_file": str(work / "credentials"),
        "outputs_dir": str(work / "outputs"),
    }
    hosts = {name: dict(common, **values) for name, values in ENVIRONMENTS.items()}
    inventory = work / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"aws_environments": {"hosts": hosts}}))
    run = subprocess.run(
        ["ansible-playbook", "flask_react.aws.site", "-i", str(inventory)],
        cwd=work,
        capture_output=True,
        text=True,
        env=dict(
            env,
            ANSIBLE_COLLECTIONS_PATH=str(collections),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_LOCAL_TEMP=str(work / "tmp"),
            ANSIBLE_DEPRECATION_WARNINGS="0",
        ),
        check=False,
    )
    run.stdout = ANSI.sub("", run.stdout)
    # The run's calls, read before any test adds its own.
    calls = recorded(recording_emulator[1])
    return run, port, work, calls


def test_installed_collection_runs_from_another_folder(installed):
    run, _port, work, _calls = installed
    assert run.returncode == 0, run.stdout[-3000:]
    assert (work / "collections/ansible_collections/flask_react/aws/playbooks/site.yml").is_file()
    for host in ENVIRONMENTS:
        assert (work / "outputs" / f"{host}.json").exists()


@pytest.mark.parametrize("name", sorted(ENVIRONMENTS))
def test_each_environment_has_only_its_own_resources(installed, name):
    _run, port, _work, _calls = installed
    mine = ENVIRONMENTS[name]
    other = next(values for key, values in ENVIRONMENTS.items() if key != name)

    def client(service):
        return emulator_client(port, service, mine["aws_region"])

    repositories = {repo["repositoryName"] for repo in client("ecr").describe_repositories()["repositories"]}
    assert repositories == {f"{mine['ecr_repository_prefix']}-client", f"{mine['ecr_repository_prefix']}-users"}
    balancers = {lb["LoadBalancerName"] for lb in client("elbv2").describe_load_balancers()["LoadBalancers"]}
    assert balancers == {f"{mine['app_name']}-alb"}
    assert client("codebuild").list_projects()["projects"] == [f"{mine['app_name']}-build"]
    databases = [db["DBInstanceIdentifier"] for db in client("rds").describe_db_instances()["DBInstances"]]
    assert databases == [f"{mine['app_name']}-db"]
    project = client("codebuild").batch_get_projects(names=[f"{mine['app_name']}-build"])["projects"][0]
    variables = {var["name"]: var["value"] for var in project["environment"]["environmentVariables"]}
    assert variables["ECR_REPOSITORY_PREFIX"] == mine["ecr_repository_prefix"]
    assert other["app_name"] not in variables["REACT_APP_API_SERVICE_URL"]
    assert variables["ECR_REGISTRY"] == f"{ACCOUNT}.dkr.ecr.{mine['aws_region']}.amazonaws.com"


def test_both_environments_ran_in_one_play(installed):
    run, _port, _work, _calls = installed
    for host in ENVIRONMENTS:
        counters = recap(run.stdout.replace(f"\n{host} ", "\nlocal "))
        assert counters["failed"] == 0 and counters["changed"] > 0


def test_the_environment_that_names_its_account_never_asks_sts_for_it(installed):
    """alpha reads its account (app_network_info's sts:GetCallerIdentity, once a run); beta names it. Their
    other tasks are the same, and ask STS alike (amazon.aws.ec2_security_group reads the caller too)."""
    _run, _port, _work, calls = installed
    asked = Counter(call.get("key") for call in calls if call["action"] == "GetCallerIdentity")
    assert asked["testing"] - asked["testing-beta"] == 1, asked
