"""iam_inline_policies against the emulator: check mode before the role exists plans creates; apply, then
nothing to do; a changed document is an update; absent deletes; the role's other policies are left alone."""

import json
import uuid

import pytest
from ansible_collections.flask_react.aws.plugins.modules.iam_inline_policies import ensure

pytestmark = pytest.mark.emulator

DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}]}


class Retrying:
    """A boto3 client that accepts the ``aws_retry`` keyword AnsibleAWSModule's clients take."""

    def __init__(self, client):
        self.client = client

    def __getattr__(self, name):
        call = getattr(self.client, name)
        return call if name == "get_paginator" else lambda aws_retry=False, **kwargs: call(**kwargs)


class Module:
    def __init__(self, policies, check_mode=False):
        self.params = {"policies": [dict({"document": None, "state": "present"}, **policy) for policy in policies]}
        self.check_mode = check_mode

    def fail_json(self, msg):
        raise AssertionError(msg)


def test_check_apply_check_apply_update_delete(aws):
    iam = aws("iam")
    role = f"role-{uuid.uuid4().hex[:6]}"
    wanted = [
        {"role": role, "name": "logs", "document": json.dumps(DOC)},
        {"role": role, "name": "gone", "state": "absent"},
    ]
    changed, planned, diff, _names = ensure(Module(wanted, check_mode=True), Retrying(iam))
    assert changed and planned == [{"type": "AWS::IAM::Policy", "name": f"{role}/logs", "action": "create"}]
    assert diff["after"][f"{role}/logs"] == DOC

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "codebuild.amazonaws.com"}}
        ],
    }
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=role, PolicyName="theirs", PolicyDocument=json.dumps(DOC))
    iam.put_role_policy(RoleName=role, PolicyName="gone", PolicyDocument=json.dumps(DOC))
    changed, planned, _diff, names = ensure(Module(wanted), Retrying(iam))
    assert [(c["name"], c["action"]) for c in planned] == [(f"{role}/logs", "create"), (f"{role}/gone", "delete")]
    assert names == {role: ["logs", "theirs"]}
    assert ensure(Module(wanted, check_mode=True), Retrying(iam))[0] is False
    assert ensure(Module(wanted), Retrying(iam))[0] is False

    other = dict(DOC, Statement=[dict(DOC["Statement"][0], Action="logs:CreateLogStream")])
    changed, planned, _diff, _names = ensure(Module([dict(wanted[0], document=other)]), Retrying(iam))
    assert planned == [{"type": "AWS::IAM::Policy", "name": f"{role}/logs", "action": "update"}]
    assert sorted(iam.list_role_policies(RoleName=role)["PolicyNames"]) == ["logs", "theirs"]


def test_a_missing_role_fails_a_real_run_before_any_write(aws):
    with pytest.raises(AssertionError, match="does not exist"):
        ensure(Module([{"role": f"none-{uuid.uuid4().hex[:6]}", "name": "p", "document": DOC}]), Retrying(aws("iam")))
