"""The ecr role on the emulator (issue 14, items 9 and 14): tags, lifecycle policy, KMS keys by alias
or none, encryption that cannot change, and the repositories of services dropped from app_services."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap, run_playbook, writes

PLAYBOOK = "../tests/unit/playbooks/ecr.yml"
TWO = [{"name": "client", "port": 80, "default": True}, {"name": "users", "port": 5000, "paths": ["/users*"]}]


@pytest.fixture
def play(recording_emulator: Any, tmp_path: Any) -> Any:
    def run(*args: str, **extra: Any) -> tuple[Any, list]:
        return run_playbook(*recording_emulator, tmp_path, PLAYBOOK, "-e", json.dumps(extra), *args)

    return run


@pytest.fixture
def ecr(recording_emulator: Any) -> Any:
    return emulator_client(recording_emulator[0], "ecr", "us-west-1")


def settled(run: Any, calls: list) -> bool:
    return run.returncode == 0 and recap(run.stdout)["changed"] == 0 and writes(calls) == []


def test_repositories_are_tagged_expire_untagged_images_and_converge(play, ecr):
    check, calls = play("--check", ecr_repository_prefix="tagged")
    assert check.returncode == 0 and recap(check.stdout)["changed"] == 1, "check mode says changed, not skipped"
    assert writes(calls) == []
    run, _calls = play(ecr_repository_prefix="tagged")
    assert run.returncode == 0, run.stdout[-3000:]
    for name in ("tagged-client", "tagged-users"):
        (repo,) = ecr.describe_repositories(repositoryNames=[name])["repositories"]
        assert repo["imageTagMutability"] == "IMMUTABLE", "ECS deploys unique tags (ecs_enabled defaults true)"
        tags = {
            tag["Key"]: tag["Value"] for tag in ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        }
        assert tags == {"app": "flask-react", "managed-by": "flask_react.aws"}
        keep_prod, untagged, count = json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])[
            "rules"
        ]
        # The moving tag first (a lower rule never expires what a higher one selects by tag), then
        # untagged images after 14 days, then at most ecr_keep_images (30) tagged images.
        assert (keep_prod["rulePriority"], untagged["rulePriority"], count["rulePriority"]) == (1, 2, 3)
        assert keep_prod["selection"] == {
            "tagStatus": "tagged",
            "tagPatternList": ["prod"],
            "countType": "imageCountMoreThan",
            "countNumber": 1,
        }
        assert untagged["selection"] == {
            "tagStatus": "untagged",
            "countType": "sinceImagePushed",
            "countUnit": "days",
            "countNumber": 14,
        }
        assert count["selection"] == {
            "tagStatus": "tagged",
            "tagPatternList": ["*"],
            "countType": "imageCountMoreThan",
            "countNumber": 30,
        }
    assert settled(*play(ecr_repository_prefix="tagged"))
    # (A --check --diff run here plans nothing too: the module plans the same in check mode, and
    # module_utils/test_ecr_repositories.py::test_diff_of_a_converged_repository_is_empty_and_a_change_shows
    # proves the empty diff; test_plan.py::test_converged_stack_plans_nothing proves it end to end.)


def test_ecr_keep_images_changes_the_count_once_and_zero_drops_the_rule(play, ecr):
    run, _calls = play(ecr_repository_prefix="kept", ecr_keep_images=5)
    assert run.returncode == 0, run.stdout[-3000:]
    rules = json.loads(ecr.get_lifecycle_policy(repositoryName="kept-users")["lifecyclePolicyText"])["rules"]
    assert rules[-1]["selection"]["countNumber"] == 5
    # (No settle run at 5: the policy of 30 settles in the test above, the count aside the same text.)
    run, _calls = play(ecr_repository_prefix="kept", ecr_keep_images=0)
    assert run.returncode == 0 and recap(run.stdout)["changed"] == 1, run.stdout[-3000:]
    (rule,) = json.loads(ecr.get_lifecycle_policy(repositoryName="kept-users")["lifecyclePolicyText"])["rules"]
    assert rule["selection"]["tagStatus"] == "untagged"
    assert settled(*play(ecr_repository_prefix="kept", ecr_keep_images=0))


def test_a_kms_key_by_alias_or_none_converges(play, ecr, recording_emulator):
    kms = emulator_client(recording_emulator[0], "kms", "us-west-1")
    key = kms.create_key(Description="images")["KeyMetadata"]
    kms.create_alias(AliasName="alias/images", TargetKeyId=key["KeyId"])
    for prefix, key_name in (("byalias", "alias/images"), ("nokey", "")):
        extra = {"ecr_repository_prefix": prefix, "ecr_encryption_type": "KMS", "ecr_kms_key": key_name}
        run, _calls = play(**extra)
        assert run.returncode == 0, run.stdout[-3000:]
        assert settled(*play(**extra)), f"{prefix}: the second run changes nothing"
    (repo,) = ecr.describe_repositories(repositoryNames=["byalias-users"])["repositories"]
    assert repo["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": key["Arn"]}


def test_encryption_that_ecr_cannot_change_fails_before_any_write(play):
    run, calls = play(ecr_repository_prefix="tagged", ecr_encryption_type="KMS", ecr_image_tag_mutability="mutable")
    assert run.returncode != 0
    assert "repository tagged-client is encrypted with AES256, not KMS: ECR cannot change" in run.stdout
    assert writes(calls) == [], "planned before the first write: mutability was not changed either"


def test_a_dropped_service_is_named_then_purged_on_request(play, ecr):
    users_only = [dict(TWO[1], default=True, paths=[])]
    run, calls = play(ecr_repository_prefix="tagged", app_services=users_only)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "no longer among its services: tagged-client" in run.stderr
    assert writes(calls) == [], "only a warning"
    run, calls = play(ecr_repository_prefix="tagged", app_services=users_only, ecr_purge=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert writes(calls) == ["ecr:DeleteRepository"]
    names = {repo["repositoryName"] for repo in ecr.describe_repositories()["repositories"]}
    assert "tagged-client" not in names and "tagged-users" in names
