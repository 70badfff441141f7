"""site.yml converges to the same state with 10 % of AWS requests throttled or refused (HTTP 503)."""

from __future__ import annotations

import pytest
from botocore.config import Config

from tests.emulator import ctl
from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, start_emulator


@pytest.fixture(scope="module")
def throttled(tmp_path_factory):
    work = tmp_path_factory.mktemp("throttled")
    record = work / "calls.jsonl"
    port = start_emulator(record, throttle_rate=0.1)
    run, calls = run_playbook(port, record, work, "site.yml")
    yield run, calls, port
    ctl.stop(port)


def test_converges_despite_throttling(throttled):
    run, calls = throttled[:2]
    assert run.returncode == 0, run.stdout[-3000:]
    assert recap(run.stdout)["failed"] == 0
    refused = [call for call in calls if call["status"][0] in ("400", "503")]
    throttles = [call for call in refused if call["status"][0] == "503"]
    assert len(refused) >= 10 and throttles, "the emulator did throttle a share of the requests"


def test_the_stack_is_the_same_as_without_throttling(throttled):
    port = throttled[2]
    # Reads from the test itself may be throttled too: let botocore retry them.
    config = Config(retries={"mode": "standard", "max_attempts": 10})
    elb = emulator_client(port, "elbv2", config=config)
    listener = elb.describe_listeners(
        LoadBalancerArn=elb.describe_load_balancers(Names=["flask-react-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    )["Listeners"][0]
    rules = [rule for rule in elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not rule["IsDefault"]]
    paths = sorted(path for rule in rules for path in rule["Conditions"][0]["PathPatternConfig"]["Values"])
    assert paths == sorted(["/users*", "/ping", "/auth*", "/doc", "/swagger*"]) and len(rules) == 2
    iam = emulator_client(port, "iam", config=config)
    assert len(iam.list_access_keys(UserName="flask-react-admin")["AccessKeyMetadata"]) == 1
    codebuild = emulator_client(port, "codebuild", config=config)
    assert codebuild.batch_get_projects(names=["flask-react-build"])["projects"][0]["webhook"]
    rds = emulator_client(port, "rds", config=config)
    assert rds.describe_db_instances(DBInstanceIdentifier="flask-react-db")["DBInstances"][0]["MasterUserSecret"]
