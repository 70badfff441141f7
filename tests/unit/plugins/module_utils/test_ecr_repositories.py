"""ecr_repositories' planning: AWS's shape never reads as a change; each real difference does."""

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.ecr_repositories import (
    EcrPlanError,
    orphans,
    plan_repository,
    summary,
    summary_after,
    tag_changes,
    untagged_expiry_policy,
)

KEY = "arn:aws:kms:us-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DESIRED = {
    "image_tag_mutability": "immutable",
    "scan_on_push": True,
    "encryption_type": "AES256",
    "kms_key_arn": None,
    "tags": {"app": "flask-react", "managed-by": "flask_react.aws"},
    "purge_tags": True,
    "lifecycle_policy": untagged_expiry_policy(14),
}
CURRENT = {
    "repositoryArn": "arn:aws:ecr:us-west-1:123456789012:repository/test-driven-users",
    "repositoryName": "test-driven-users",
    "imageTagMutability": "IMMUTABLE",
    "imageScanningConfiguration": {"scanOnPush": True},
    "encryptionConfiguration": {"encryptionType": "AES256"},
}
TAGS = {"app": "flask-react", "managed-by": "flask_react.aws"}
# AWS answers the policy as text, keys in its own order.
POLICY_TEXT = (
    '{"rules":[{"action":{"type":"expire"},"selection":{"countType":"sinceImagePushed","countUnit":"days",'
    '"countNumber":14,"tagStatus":"untagged"},"description":"Expire untagged images 14 days after push",'
    '"rulePriority":1}]}'
)


def test_a_converged_repository_plans_nothing():
    assert plan_repository("test-driven-users", DESIRED, CURRENT, TAGS, POLICY_TEXT) == []


def test_a_missing_repository_is_created_tagged_then_gets_its_policy():
    (create, lifecycle) = plan_repository("r", DESIRED, None, {}, None)
    assert create[0] == "create" and create[1]["tags"] == [
        {"Key": "app", "Value": "flask-react"},
        {"Key": "managed-by", "Value": "flask_react.aws"},
    ]
    assert create[1]["imageTagMutability"] == "IMMUTABLE"
    assert lifecycle[0] == "lifecycle" and lifecycle[1][0] == "put"


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"image_tag_mutability": "mutable"}, "mutability"),
        ({"scan_on_push": False}, "scanning"),
        ({"tags": dict(TAGS, team="web")}, "tag"),
        ({"tags": {"app": "flask-react"}}, "untag"),
        ({"lifecycle_policy": untagged_expiry_policy(7)}, "lifecycle"),
        ({"lifecycle_policy": {}}, "lifecycle"),
    ],
)
def test_each_difference_is_one_action(change, kind):
    assert [action[0] for action in plan_repository("r", dict(DESIRED, **change), CURRENT, TAGS, POLICY_TEXT)] == [kind]


def test_left_out_settings_are_not_compared():
    left_out = dict(DESIRED, image_tag_mutability=None, scan_on_push=None, encryption_type=None, tags=None)
    other = dict(CURRENT, imageTagMutability="MUTABLE", encryptionConfiguration={"encryptionType": "KMS"})
    assert plan_repository("r", dict(left_out, lifecycle_policy=None), other, {"x": "y"}, None) == []


def test_tags_kept_unless_purged():
    assert tag_changes({"a": 1}, {"a": "1", "b": "2"}, purge=False) == ({}, [])
    assert tag_changes({"a": 1}, {"a": "1", "b": "2"}, purge=True) == ({}, ["b"])


@pytest.mark.parametrize(
    ("desired", "current", "fails"),
    [
        ({"encryption_type": "KMS"}, {"encryptionType": "AES256"}, True),
        ({"encryption_type": "AES256"}, {"encryptionType": "KMS", "kmsKey": KEY}, True),
        ({"encryption_type": "KMS", "kms_key_arn": KEY}, {"encryptionType": "KMS", "kmsKey": KEY}, False),
        ({"encryption_type": "KMS", "kms_key_arn": KEY}, {"encryptionType": "KMS", "kmsKey": KEY + "0"}, True),
        # No key asked for: AWS's managed key, answered as its ARN, is the same setting.
        ({"encryption_type": "KMS"}, {"encryptionType": "KMS", "kmsKey": KEY}, False),
    ],
)
def test_encryption_cannot_change_and_is_compared_on_the_keys_arn(desired, current, fails):
    wanted = {**DESIRED, "kms_key_arn": None, **desired}
    repo = dict(CURRENT, encryptionConfiguration=current)
    if fails:
        with pytest.raises(EcrPlanError, match="ECR cannot change a repository's encryption"):
            plan_repository("r", wanted, repo, TAGS, POLICY_TEXT)
    else:
        assert plan_repository("r", wanted, repo, TAGS, POLICY_TEXT) == []


def test_orphans_are_ours_and_no_longer_wanted():
    tags = {
        "p-users": TAGS,
        "p-admin": TAGS,
        "p-other-app": {"app": "other", "managed-by": "flask_react.aws"},
        "p-hand-made": {},
    }
    assert orphans(["p-users"], tags, TAGS) == ["p-admin"]
    assert orphans(["p-users"], tags, {}) == [], "without owner tags nothing is ours"


def test_zero_days_means_no_policy():
    assert untagged_expiry_policy(0) is None


def test_diff_of_a_converged_repository_is_empty_and_a_change_shows():
    before = summary(CURRENT, TAGS, POLICY_TEXT)
    assert summary_after(before, DESIRED) == before
    after = summary_after(before, dict(DESIRED, image_tag_mutability="mutable", tags={"app": "x"}))
    assert after["imageTagMutability"] == "MUTABLE" and after["tags"] == {"app": "x"}
    assert summary_after({}, DESIRED)["lifecyclePolicy"] == untagged_expiry_policy(14), "what a create would make"


def test_the_policy_keeps_the_moving_tag_first_then_expires_untagged_then_counts_tagged():
    from ansible_collections.flask_react.aws.plugins.module_utils.ecr_repositories import image_expiry_policy

    policy = image_expiry_policy(14, 30, ["prod"])
    rules = policy["rules"]
    assert [rule["rulePriority"] for rule in rules] == [1, 2, 3]
    assert rules[0]["selection"] == {
        "tagStatus": "tagged",
        "tagPatternList": ["prod"],
        "countType": "imageCountMoreThan",
        "countNumber": 1,
    }
    assert rules[1]["selection"]["tagStatus"] == "untagged" and rules[1]["selection"]["countNumber"] == 14
    assert rules[2]["selection"] == {
        "tagStatus": "tagged",
        "tagPatternList": ["*"],
        "countType": "imageCountMoreThan",
        "countNumber": 30,
    }
    assert all(rule["action"] == {"type": "expire"} for rule in rules)
    # tagStatus tagged always names its tags (ECR refuses it otherwise); untagged never does.
    for rule in rules:
        selection = rule["selection"]
        assert ("tagPatternList" in selection) == (selection["tagStatus"] == "tagged")


def test_without_a_count_the_policy_is_the_untagged_rule_alone_and_zero_is_no_policy():
    from ansible_collections.flask_react.aws.plugins.module_utils.ecr_repositories import image_expiry_policy

    assert image_expiry_policy(14, 0, ["prod"]) == untagged_expiry_policy(14)
    assert image_expiry_policy(0, 0, ["prod"]) is None
    assert [rule["selection"]["tagPatternList"] for rule in image_expiry_policy(0, 5, ["prod"])["rules"]] == [
        ["prod"],
        ["*"],
    ]
