"""The emulator's fills, driven through boto3 as the collection's modules drive them."""

import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

ROLE = "arn:aws:iam::123456789012:role/service-role/codebuild"
ENVIRONMENT = {"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:4.0", "computeType": "BUILD_GENERAL1_SMALL"}


def error_code(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"]


@pytest.fixture
def project(aws):
    client = aws("codebuild")
    name = f"p-{uuid.uuid4().hex[:8]}"
    client.create_project(
        name=name,
        source={"type": "GITHUB", "location": "https://github.com/owner/repo.git"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment=ENVIRONMENT,
        serviceRole=ROLE,
        badgeEnabled=True,
    )
    return client, name


def test_create_project_keeps_the_badge(project):
    client, name = project
    badge = client.batch_get_projects(names=[name])["projects"][0]["badge"]
    assert badge["badgeEnabled"] is True
    assert badge["badgeRequestUrl"].startswith("https://codebuild.us-west-1.amazonaws.com/badges?uuid=")


def test_update_project_replaces_only_given_fields(project):
    client, name = project
    environment = dict(
        ENVIRONMENT, privilegedMode=True, environmentVariables=[{"name": "A", "value": "1", "type": "PLAINTEXT"}]
    )
    updated = client.update_project(name=name, timeoutInMinutes=10, environment=environment)["project"]
    assert updated["timeoutInMinutes"] == 10
    stored = client.batch_get_projects(names=[name])["projects"][0]
    assert stored["environment"]["privilegedMode"] is True
    assert stored["environment"]["environmentVariables"] == [{"name": "A", "value": "1", "type": "PLAINTEXT"}]
    assert stored["source"]["location"] == "https://github.com/owner/repo.git"


def test_an_inline_buildspec_longer_than_aws_takes_is_refused(project):
    client, project = project
    source = {"type": "GITHUB", "location": "https://github.com/owner/repo.git"}
    client.update_project(name=project, source=dict(source, buildspec="version: 0.2\n" + "#" * 25587))
    too_long = dict(source, buildspec="version: 0.2\n" + "#" * 25588)
    assert error_code(client.update_project, name=project, source=too_long) == "InvalidInputException"
    assert (
        error_code(
            client.create_project,
            name=f"{project}-2",
            source=too_long,
            artifacts={"type": "NO_ARTIFACTS"},
            environment=ENVIRONMENT,
            serviceRole=ROLE,
        )
        == "InvalidInputException"
    )


def test_update_project_of_a_missing_project_is_not_found(aws):
    assert error_code(aws("codebuild").update_project, name="missing-project") == "ResourceNotFoundException"


def test_webhook_needs_source_credentials_then_shows_in_the_project(project, aws):
    client, name = project
    assert error_code(client.create_webhook, projectName=name) == "OAuthProviderException"
    arn = client.import_source_credentials(token="ghp_dummy", serverType="GITHUB", authType="PERSONAL_ACCESS_TOKEN")[
        "arn"
    ]
    assert arn == "arn:aws:codebuild:us-west-1:123456789012:token/github"
    infos = client.list_source_credentials()["sourceCredentialsInfos"]
    assert {"arn": arn, "serverType": "GITHUB", "authType": "PERSONAL_ACCESS_TOKEN"} in infos
    assert "ghp_dummy" not in str(infos)

    groups = [[{"type": "EVENT", "pattern": "PUSH"}]]
    webhook = client.create_webhook(projectName=name, filterGroups=groups)["webhook"]
    assert webhook["url"].startswith("https://api.github.com/repos/owner/repo/hooks/")
    assert client.batch_get_projects(names=[name])["projects"][0]["webhook"]["filterGroups"] == groups
    assert error_code(client.create_webhook, projectName=name) == "ResourceAlreadyExistsException"

    push_or_pr = [[{"type": "EVENT", "pattern": "PUSH, PULL_REQUEST_CREATED"}]]
    client.update_webhook(projectName=name, filterGroups=push_or_pr)
    assert client.batch_get_projects(names=[name])["projects"][0]["webhook"]["filterGroups"] == push_or_pr

    client.delete_webhook(projectName=name)
    assert "webhook" not in client.batch_get_projects(names=[name])["projects"][0]
    assert error_code(client.delete_webhook, projectName=name) == "ResourceNotFoundException"

    assert client.delete_source_credentials(arn=arn)["arn"] == arn
    assert error_code(client.delete_source_credentials, arn=arn) == "ResourceNotFoundException"


def test_source_credentials_refuse_bad_types(aws):
    client = aws("codebuild")
    assert (
        error_code(client.import_source_credentials, token="t", serverType="SVN", authType="OAUTH")
        == "InvalidInputException"
    )


def test_engine_versions_ascending_with_default(aws):
    rds = aws("rds")
    versions = [v["EngineVersion"] for v in rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"]]
    as_tuples = [tuple(int(part) for part in version.split(".")) for version in versions]
    assert as_tuples == sorted(as_tuples) and len(versions) >= 5
    default = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"]
    assert [v["EngineVersion"] for v in default] == [versions[-1]]
    sixteen = rds.describe_db_engine_versions(Engine="postgres", EngineVersion="16")["DBEngineVersions"]
    assert sixteen and all(v["DBParameterGroupFamily"] == "postgres16" for v in sixteen)
    assert rds.describe_db_engine_versions(Engine="mysql")["DBEngineVersions"] == []


def test_engine_versions_paginate(aws):
    paginator = aws("rds").get_paginator("describe_db_engine_versions")
    pages = list(paginator.paginate(Engine="postgres", PaginationConfig={"PageSize": 20}))
    assert sum(len(page["DBEngineVersions"]) for page in pages) >= 5


@pytest.fixture
def listener(aws):
    ec2, elb = aws("ec2"), aws("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-west-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]
    suffix = uuid.uuid4().hex[:6]
    lb = elb.create_load_balancer(Name=f"lb-{suffix}", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name=f"tg-{suffix}", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    forward = [{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}]
    arn = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward)["Listeners"][0][
        "ListenerArn"
    ]
    return elb, arn, forward


def path_condition(*paths):
    return {"Field": "path-pattern", "PathPatternConfig": {"Values": list(paths)}}


def test_three_paths_in_one_condition_are_accepted(listener):
    elb, arn, forward = listener
    rule = elb.create_rule(ListenerArn=arn, Priority=1, Conditions=[path_condition("/a", "/b", "/c")], Actions=forward)
    assert rule["Rules"][0]["Conditions"][0]["PathPatternConfig"]["Values"] == ["/a", "/b", "/c"]


def test_four_paths_in_one_condition_are_refused(listener):
    elb, arn, forward = listener
    code = error_code(
        elb.create_rule,
        ListenerArn=arn,
        Priority=2,
        Conditions=[path_condition("/a", "/b", "/c", "/d")],
        Actions=forward,
    )
    assert code == "ValidationError"


def test_six_values_in_one_rule_are_refused_with_awss_message(listener):
    elb, arn, forward = listener
    conditions = [
        path_condition("/a", "/b", "/c"),
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["a.example.com", "b.example.com", "c.example.com"]}},
    ]
    with pytest.raises(ClientError) as caught:
        elb.create_rule(ListenerArn=arn, Priority=3, Conditions=conditions, Actions=forward)
    assert caught.value.response["Error"]["Message"] == "A rule can only have '5' condition values"


def test_modify_rule_is_held_to_the_same_quota(listener):
    elb, arn, forward = listener
    rule = elb.create_rule(ListenerArn=arn, Priority=4, Conditions=[path_condition("/a")], Actions=forward)["Rules"][0]
    code = error_code(elb.modify_rule, RuleArn=rule["RuleArn"], Conditions=[path_condition("/a", "/b", "/c", "/d")])
    assert code == "ValidationError"


def test_aws_managed_policies_are_loaded(aws):
    policy = aws("iam").get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser")["Policy"]
    assert policy["PolicyName"] == "AmazonEC2ContainerRegistryPowerUser"


def test_a_group_a_modified_listener_forwards_to_is_associated_with_its_load_balancer(listener):
    """ECS's CreateService asks for a group with a load balancer: ModifyListener must associate it, as on AWS."""
    elb, arn, _forward = listener
    lb = elb.describe_listeners(ListenerArns=[arn])["Listeners"][0]["LoadBalancerArn"]
    vpc = elb.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"][0]["VpcId"]
    group = elb.create_target_group(Name=f"n-{uuid.uuid4().hex[:6]}", Protocol="HTTP", Port=80, VpcId=vpc)
    group = group["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_listener(ListenerArn=arn, DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    elb.modify_listener(ListenerArn=arn, DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    assert elb.describe_target_groups(TargetGroupArns=[group])["TargetGroups"][0]["LoadBalancerArns"] == [lb]


MANIFEST = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "x": %d}'


def test_an_immutable_tag_refuses_a_second_put_image_as_ecr_does(aws):
    ecr = aws("ecr")
    name = f"r-{uuid.uuid4().hex[:8]}"
    ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    ecr.put_image(repositoryName=name, imageManifest=MANIFEST % 1, imageTag="v1")
    for manifest in (MANIFEST % 2, MANIFEST % 1):  # another image, then the same one again: both refused
        with pytest.raises(ClientError) as caught:
            ecr.put_image(repositoryName=name, imageManifest=manifest, imageTag="v1")
        assert caught.value.response["Error"] == {
            "Code": "ImageTagAlreadyExistsException",
            "Message": f"The image tag 'v1' already exists in the '{name}' repository and cannot be overwritten "
            "because the repository is immutable.",
        }
    ecr.put_image(repositoryName=name, imageManifest=MANIFEST % 2, imageTag="v2")


def test_a_mutable_tag_moves_and_the_same_image_twice_is_already_there(aws):
    ecr = aws("ecr")
    name = f"r-{uuid.uuid4().hex[:8]}"
    ecr.create_repository(repositoryName=name)
    ecr.put_image(repositoryName=name, imageManifest=MANIFEST % 1, imageTag="prod")
    ecr.put_image(repositoryName=name, imageManifest=MANIFEST % 2, imageTag="prod")
    assert error_code(ecr.put_image, repositoryName=name, imageManifest=MANIFEST % 2, imageTag="prod") == (
        "ImageAlreadyExistsException"
    )
