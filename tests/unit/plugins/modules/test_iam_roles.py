"""iam_roles against the emulator: a role with its trust policy, managed and inline policies and tags.
Check mode before the role exists plans the role and its policies as creates; apply; check and apply
again change nothing; a changed trust policy, managed policy list, tag or document is an update; a
policy on a role made elsewhere; absent deletes the role with its policies and instance profiles."""

import json
import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.module_utils.iam_roles import (
    IamRolesError,
    managed_changes,
    plan_role,
    policy_document,
    tag_changes,
)
from ansible_collections.flask_react.aws.plugins.modules.iam_roles import ensure

DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}],
}
MANAGED = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
ROLE_DEFAULTS = {
    "state": "present",
    "assume_role_policy_document": None,
    "description": None,
    "path": "/",
    "managed_policies": None,
    "purge_policies": True,
    "tags": None,
    "purge_tags": True,
    "inline_policies": [],
}


class Retrying:
    """A boto3 client that accepts the ``aws_retry`` keyword AnsibleAWSModule's clients take."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        call = getattr(self.client, name)
        return call if name == "get_paginator" else lambda aws_retry=False, **kwargs: call(**kwargs)


class Module:
    def __init__(self, roles=(), policies=(), check_mode=False):
        self.params = {
            "roles": [
                dict(
                    ROLE_DEFAULTS,
                    **dict(
                        role,
                        inline_policies=[
                            dict({"document": None, "state": "present"}, **p) for p in role.get("inline_policies", [])
                        ],
                    ),
                )
                for role in roles
            ],
            "policies": [dict({"document": None, "state": "present"}, **policy) for policy in policies],
        }
        self.check_mode = check_mode


def actions(planned):
    return [(c["type"].rsplit("::", 1)[1], c["name"], c["action"]) for c in planned]


# Pure planning


def test_policy_document_reads_json_text_url_encoded_text_and_mappings():
    assert policy_document(json.dumps(DOC)) == DOC
    assert policy_document("%7B%22Version%22%3A%222012-10-17%22%7D") == {"Version": "2012-10-17"}
    assert policy_document(DOC) is DOC
    with pytest.raises(IamRolesError, match="not JSON"):
        policy_document("{nope")


def test_managed_and_tag_changes_leave_alone_what_is_not_given():
    assert managed_changes(["a", "b"], None) == ([], [])
    assert managed_changes(["a", "b"], ["b", "c"]) == (["c"], ["a"])
    assert managed_changes(["a"], ["b"], purge=False) == (["b"], [])
    assert tag_changes({"a": "1"}, None) == ({}, [])
    assert tag_changes({"a": "1", "b": "2"}, {"a": 1, "c": "3"}) == ({"c": "3"}, ["b"])
    assert tag_changes({"b": "2"}, {}, purge=False) == ({}, [])


def test_plan_role_compares_documents_as_json_not_as_text():
    current = {
        "trust": {"Statement": [dict(TRUST["Statement"][0], Action=["sts:AssumeRole"])], "Version": "2012-10-17"},
        "description": "",
        "managed": [MANAGED],
        "tags": {},
        "inline": {"logs": json.loads(json.dumps(DOC))},
    }
    desired = dict(
        ROLE_DEFAULTS,
        name="r",
        assume_role_policy_document=json.dumps(TRUST),
        managed_policies=[MANAGED],
        tags={},
        inline_policies=[{"name": "logs", "document": json.dumps(DOC, indent=2), "state": "present"}],
    )
    steps = plan_role(desired, current)
    assert steps["role"] is None and steps["policies"] == []


def test_plan_role_needs_a_trust_policy_to_make_a_role():
    with pytest.raises(IamRolesError, match="assume_role_policy_document"):
        plan_role(dict(ROLE_DEFAULTS, name="r"), None)


# Against the emulator


@pytest.mark.emulator
def test_check_apply_check_apply_update_and_delete(aws):
    iam = Retrying(aws("iam"))
    name, other = f"role-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    role = {
        "name": name,
        "assume_role_policy_document": json.dumps(TRUST),
        "managed_policies": [MANAGED],
        "tags": {"app": "flask-react"},
        "inline_policies": [{"name": "logs", "document": json.dumps(DOC)}, {"name": "gone", "state": "absent"}],
    }
    wanted = {"roles": [role], "policies": [{"role": other, "name": "deploy", "document": DOC}]}

    changed, planned, diff, roles = ensure(Module(**wanted, check_mode=True), iam)
    assert changed and actions(planned) == [
        ("Role", name, "create"),
        ("Policy", f"{name}/logs", "create"),
        ("Policy", f"{other}/deploy", "create"),
    ]
    assert diff["after"][name]["inline_policies"] == {"logs": DOC} and diff["before"][name] == {}
    assert roles[name]["arn"] == ""
    with pytest.raises(iam.client.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)  # check mode wrote nothing
    with pytest.raises(IamRolesError, match=f"{other} does not exist"):
        ensure(Module(**wanted), iam)

    iam.create_role(RoleName=other, AssumeRolePolicyDocument=json.dumps(TRUST))
    changed, planned, _diff, roles = ensure(Module(**wanted), iam)
    assert changed and len(planned) == 3
    made = iam.get_role(RoleName=name)["Role"]
    assert roles[name] == {"arn": made["Arn"], "exists": True, "inline_policies": ["logs"]}
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]] == [MANAGED]
    assert {t["Key"]: t["Value"] for t in made.get("Tags", [])} == {"app": "flask-react"}
    assert iam.get_role_policy(RoleName=other, PolicyName="deploy")["PolicyDocument"] == DOC

    assert ensure(Module(**wanted, check_mode=True), iam)[:2] == (False, [])
    assert ensure(Module(**wanted), iam)[:2] == (False, [])

    # A changed trust policy, no managed policy, another tag and document: one role update, one policy update.
    trust = json.loads(json.dumps(TRUST))
    trust["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    changed_role = dict(
        role,
        assume_role_policy_document=trust,
        managed_policies=[],
        tags={"team": "web"},
        inline_policies=[
            {
                "name": "logs",
                "document": dict(
                    DOC,
                    Statement=[dict(DOC["Statement"][0], Resource="arn:aws:logs:us-west-1:123456789012:log-group:a")],
                ),
            }
        ],
    )
    planned = ensure(Module(roles=[changed_role], check_mode=True), iam)[1]
    assert actions(planned) == [("Role", name, "update"), ("Policy", f"{name}/logs", "update")]
    ensure(Module(roles=[changed_role]), iam)
    made = iam.get_role(RoleName=name)["Role"]
    assert made["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] == trust["Statement"][0]["Condition"]
    assert {t["Key"]: t["Value"] for t in made.get("Tags", [])} == {"team": "web"}
    assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == []
    assert ensure(Module(roles=[changed_role]), iam)[0] is False

    # Absent: the role, with its inline policies (planned as deletes), managed policies and instance profiles.
    iam.attach_role_policy(RoleName=name, PolicyArn=MANAGED)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    gone = {"roles": [{"name": name, "state": "absent"}]}
    planned = ensure(Module(**gone, check_mode=True), iam)[1]
    assert actions(planned) == [("Role", name, "delete"), ("Policy", f"{name}/logs", "delete")]
    changed, _planned, _diff, roles = ensure(Module(**gone), iam)
    assert changed and roles[name] == {"arn": "", "exists": False, "inline_policies": []}
    assert name not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert name not in [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"]]
    assert ensure(Module(**gone), iam)[:2] == (False, [])
    assert ensure(Module(**gone, check_mode=True), iam)[:2] == (False, [])
