"""The build project's bad inputs fail site.yml before any AWS write, naming the variable and the rule
(issue 19: CodeBuild takes the HTTPS clone URL; the Docker Hub secret's ARN; the buildspec's source)."""

from __future__ import annotations

import json

import pytest

from tests.unit.playbooks.conftest import writes

# Each run is on its own, on an account nothing writes to: any worker may take it (tests/conftest.py).
pytestmark = pytest.mark.spread

HTTPS_ONLY = "must be the repository's HTTPS clone URL, https://github.com/<owner>/<repo>[.git]"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"codebuild_source_location": "git@github.com:you/flask-react.git"},
            f"codebuild_source_location: 'git@github.com:you/flask-react.git' {HTTPS_ONLY}: CodeBuild takes the HTTPS",
        ),
        (
            {"codebuild_source_location": "ssh://git@github.com/you/flask-react.git"},
            f"codebuild_source_location: 'ssh://git@github.com/you/flask-react.git' {HTTPS_ONLY}",
        ),
        (
            {"codebuild_source_location": "https://github.com/you"},
            f"codebuild_source_location: 'https://github.com/you' {HTTPS_ONLY}",
        ),
        (
            {"codebuild_dockerhub_secret_arn": "dockerhub"},
            "codebuild_dockerhub_secret_arn: 'dockerhub' must be the ARN of a Secrets Manager secret",
        ),
        (
            {"codebuild_dockerhub_secret_arn": "arn:aws:ssm:us-west-1:123456789012:parameter/dockerhub"},
            "must be the ARN of a Secrets Manager secret",
        ),
        ({"codebuild_buildspec": "s3"}, "codebuild_buildspec: 's3' must be inline"),
    ],
)
def test_bad_build_inputs_fail_before_any_write(playbook, extra, expected):
    run, calls = playbook("site.yml", "-e", json.dumps(extra))
    assert run.returncode != 0
    assert expected in run.stdout, run.stdout[-3000:]
    assert writes(calls) == []


@pytest.mark.parametrize("location", ["https://github.com/you/flask-react", "https://github.com/a-b/c_d.e.git"])
def test_https_clone_urls_pass_the_check(playbook, location):
    # A check run of the role alone: past the checks, it plans and writes nothing.
    extra = {"codebuild_source_location": location, "codebuild_github_token": "", "codebuild_webhook_events": []}
    run, calls = playbook("../tests/unit/playbooks/codebuild.yml", "--check", "-e", json.dumps(extra))
    assert run.returncode == 0, run.stdout[-3000:]
    assert writes(calls) == []
