"""ECR: one repository per service, with the seed's settings."""

import pytest


def repositories(aws, app):
    names = [f"{app['ecr_repository_prefix']}-{service['name']}" for service in app["app_services"]]
    found = aws("ecr").describe_repositories()["repositories"]
    return names, {repo["repositoryName"]: repo for repo in found if repo["repositoryName"] in names}


def test_one_repository_per_service(aws, app):
    names, found = repositories(aws, app)
    assert sorted(found) == sorted(names) == ["test-driven-client", "test-driven-users"]
    for repo in found.values():
        assert repo["imageTagMutability"] == "MUTABLE"
        assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"


@pytest.mark.teardown
def test_no_repository_is_left(aws, app):
    assert repositories(aws, app)[1] == {}
