"""ECR: one repository per service, with the seed's settings, tagged, expiring untagged images."""

import json

import pytest


def repositories(aws, app):
    names = [f"{app['ecr_repository_prefix']}-{service['name']}" for service in app["app_services"]]
    found = aws("ecr").describe_repositories()["repositories"]
    return names, {repo["repositoryName"]: repo for repo in found if repo["repositoryName"] in names}


def test_one_repository_per_service(aws, app):
    names, found = repositories(aws, app)
    assert sorted(found) == sorted(names) == ["test-driven-client", "test-driven-users"]
    for repo in found.values():
        # ECS (on by default) deploys unique tags; the course alone re-pushes :prod (mutable).
        assert repo["imageTagMutability"] == ("IMMUTABLE" if app.get("ecs_enabled", True) else "MUTABLE")
        assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
        tags = aws("ecr").list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        assert {"Key": "managed-by", "Value": "flask_react.aws"} in tags
        text = aws("ecr").get_lifecycle_policy(repositoryName=repo["repositoryName"])["lifecyclePolicyText"]
        selections = [rule["selection"] for rule in json.loads(text)["rules"]]
        # :prod kept (a higher-priority rule selects it), untagged images expire after 14 days,
        # at most 30 tagged images (one per commit) are kept.
        assert selections[0]["tagPatternList"] == ["prod"] and selections[0]["countNumber"] == 1
        assert selections[1]["tagStatus"] == "untagged" and selections[1]["countNumber"] == 14
        assert selections[2]["tagPatternList"] == ["*"] and selections[2]["countNumber"] == 30


@pytest.mark.teardown
def test_no_repository_is_left(aws, app):
    assert repositories(aws, app)[1] == {}
