"""iam_group_user against the emulator: the user and its group in one run. Check mode on an empty account
plans the user and group as creates and writes nothing; a run makes them (tags, policies, membership); a
second run changes nothing; drift (a policy attached elsewhere, a tag changed, the user out of the group)
is put back, leaving the user's other tags and the group's other members alone. The console password's
part: test_iam_user.py and molecule default, through the role."""

import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.plan import group_user_plan
from ansible_collections.flask_react.aws.plugins.modules.iam_group_user import ensure_group, ensure_user

from tests.unit.plugins.modules.test_ecs_app_modules import Retrying

pytestmark = pytest.mark.emulator

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


class Module:
    def __init__(self, check_mode=False, **params):
        self.check_mode = check_mode
        self.params = {"user_tags": None, "group_managed_policies": [], **params}


def run(iam, module):
    actions = {}
    user = ensure_user(module, iam, actions)
    group = ensure_group(module, iam, actions)
    return user, group, actions


@pytest.fixture
def names():
    suffix = uuid.uuid4().hex[:8]
    return {"user_name": f"admin{suffix}", "group_name": f"admins{suffix}"}


def test_check_mode_plans_the_user_and_group_and_writes_nothing(aws, names):
    iam = aws("iam")
    module = Module(check_mode=True, user_tags={"app": "x"}, group_managed_policies=[ADMIN], **names)

    user, group, actions = run(Retrying(iam), module)

    assert actions == {"user": "create", "group": "create"}
    assert user == {"user_name": names["user_name"]} and group == {"group_name": names["group_name"]}
    users = [u["UserName"] for u in iam.list_users()["Users"]]
    groups = [g["GroupName"] for g in iam.list_groups()["Groups"]]
    assert names["user_name"] not in users and names["group_name"] not in groups


def test_a_run_makes_them_and_a_second_changes_nothing(aws, names):
    iam = aws("iam")
    module = Module(user_tags={"app": "x"}, group_managed_policies=[ADMIN], **names)

    user, group, actions = run(Retrying(iam), module)

    assert actions == {"user": "create", "group": "create"}
    assert user["arn"].endswith(f":user/{names['user_name']}") and group["arn"].endswith(
        f":group/{names['group_name']}"
    )
    assert iam.list_user_tags(UserName=names["user_name"])["Tags"] == [{"Key": "app", "Value": "x"}]
    attached = iam.list_attached_group_policies(GroupName=names["group_name"])["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [ADMIN]
    members = iam.get_group(GroupName=names["group_name"])["Users"]
    assert [member["UserName"] for member in members] == [names["user_name"]]

    assert run(Retrying(iam), module)[2] == {}
    assert (
        run(Retrying(iam), Module(check_mode=True, user_tags={"app": "x"}, group_managed_policies=[ADMIN], **names))[2]
        == {}
    )


def test_drift_is_put_back_and_what_others_added_is_kept(aws, names):
    iam = aws("iam")
    module = Module(user_tags={"app": "x"}, group_managed_policies=[ADMIN], **names)
    run(Retrying(iam), module)
    other = f"other{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=other)
    iam.add_user_to_group(GroupName=names["group_name"], UserName=other)
    iam.attach_group_policy(GroupName=names["group_name"], PolicyArn=READ_ONLY)
    iam.tag_user(UserName=names["user_name"], Tags=[{"Key": "app", "Value": "y"}, {"Key": "owner", "Value": "ops"}])
    iam.remove_user_from_group(GroupName=names["group_name"], UserName=names["user_name"])

    planned = run(Retrying(iam), Module(check_mode=True, **module.params))[2]
    assert planned == {"user": "update", "group": "update"}
    assert run(Retrying(iam), module)[2] == planned

    tags = {tag["Key"]: tag["Value"] for tag in iam.list_user_tags(UserName=names["user_name"])["Tags"]}
    assert tags == {"app": "x", "owner": "ops"}
    attached = iam.list_attached_group_policies(GroupName=names["group_name"])["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [ADMIN]
    members = sorted(member["UserName"] for member in iam.get_group(GroupName=names["group_name"])["Users"])
    assert members == sorted([names["user_name"], other])
    assert run(Retrying(iam), module)[2] == {}


def test_the_plan_names_a_new_user_once_and_the_group_and_secret():
    actions = {"user": "create", "group": "create", "login_profile": "create", "secret": "create"}
    assert group_user_plan("u", "g", "s", actions) == [
        {"type": "AWS::IAM::User", "name": "u", "action": "create"},
        {"type": "AWS::IAM::Group", "name": "g", "action": "create"},
        {"type": "AWS::SecretsManager::Secret", "name": "s", "action": "create"},
    ]
    # A login profile made again for an existing user is an update of the user.
    assert group_user_plan("u", "g", "s", {"login_profile": "create"}) == [
        {"type": "AWS::IAM::User", "name": "u", "action": "update"}
    ]
    assert group_user_plan("u", "g", "s", {}) == []
