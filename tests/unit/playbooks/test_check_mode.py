"""Plan: --check on an empty account succeeds, reports what it would create and writes nothing."""

from tests.unit.playbooks.conftest import recap, writes


def test_check_on_an_empty_account_writes_nothing(playbook):
    run, calls = playbook("site.yml", "--check", "--diff")
    assert run.returncode == 0, run.stdout[-3000:]
    assert recap(run.stdout)["changed"] >= 10, "every resource it would create is reported"
    assert "would create load balancer flask-react-alb" in run.stdout
    assert writes(calls) == []


def test_teardown_on_an_empty_account_succeeds_and_changes_nothing(playbook):
    run, calls = playbook("teardown.yml")
    assert run.returncode == 0, run.stdout[-3000:]
    assert recap(run.stdout)["changed"] == 0
    # amazon.aws.rds_subnet_group sends a delete without looking first; AWS answers "not found".
    assert writes(calls, succeeded_only=True) == []
