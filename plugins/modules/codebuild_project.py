#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: codebuild_project
short_description: A CodeBuild project with its build badge, GitHub webhook and source credentials
version_added: 0.1.0
author: flask_react.aws developers (@flask-react)
description:
  - Creates, updates or deletes a CodeBuild project that builds from a source repository with a
    managed image and no artifacts, and manages its webhook and the account's source credentials.
  - Why not M(community.aws.codebuild_project) - it has no option for the build badge or the
    webhook (the course's "Rebuild every time a code change is pushed"), and it sends
    C(UpdateProject) on every run because it compares its request with AWS's answer, which carries
    defaults the request never sent. This module compares only the fields it sets, on AWS's shape.
  - An option left out leaves that setting as it is on an existing project; a new project gets the
    default given below. So a later task can change one setting (an environment variable) alone.
  - Environment variables are merged by name unless O(purge_environment_variables=true), so a play
    can set C(AWS_ACCOUNT_ID) first and add C(REACT_APP_API_SERVICE_URL) once the load balancer exists.
    A variable's name, value and type are compared, so a C(PLAINTEXT) variable that becomes
    C(SECRETS_MANAGER) is an update.
  - Right after IAM created the service role, CodeBuild cannot assume it yet and C(CreateProject) or
    C(UpdateProject) fail with C(InvalidInputException) "not authorized to perform sts:AssumeRole";
    the module retries exactly that error for up to O(iam_propagation_timeout) seconds and warns
    how long it waited (M(amazon.aws.iam_role) does not wait for propagation).
  - Supports check mode and diff mode.
options:
  name:
    description: Project name.
    type: str
    required: true
  state:
    description: V(present) creates or updates; V(absent) deletes the project (with its webhook).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Project description. Left out, unchanged on update; empty on create.
    type: str
  source_type:
    description: Source provider. Left out, unchanged on update; V(GITHUB) on create.
    type: str
    choices: [GITHUB, GITHUB_ENTERPRISE, BITBUCKET, GITLAB, CODECOMMIT, S3, NO_SOURCE]
  source_location:
    description: Repository URL, for example C(https://github.com/owner/repo.git). Required to create the project.
    type: str
  report_build_status:
    description:
      - Report build start and finish to the source provider (GitHub commit statuses).
      - Left out, unchanged on update; V(true) on create.
    type: bool
  buildspec:
    description:
      - The project's buildspec (C(source.buildspec)) - an inline buildspec (YAML text) or a path in
        the repository. V("") means none - CodeBuild then reads C(buildspec.yml) at the root of the source.
      - Compared exactly as C(BatchGetProjects) returns it, so an unchanged buildspec sends no
        C(UpdateProject) and any change to its text is an update.
      - V("") on a project with a buildspec removes it (C(UpdateProject) replaces the whole source, and
        the source sent carries no buildspec).
      - CodeBuild refuses an inline buildspec longer than 25600 characters.
      - Left out, unchanged on update; none on create.
    type: str
  source_version:
    description:
      - The version a build with no override builds (C(sourceVersion)) - for GitHub a branch
        (C(refs/heads/main) or C(main)), a tag, a commit ID or C(pr/<number>). A webhook build
        builds the event's commit whatever this says; this is what C(aws codebuild start-build)
        and the console's button build.
      - V("") means none (GitHub's default branch) and removes the project's source version.
      - Left out, unchanged on update; none on create.
    type: str
  environment_type:
    description: Build environment type. Left out, unchanged on update; V(LINUX_CONTAINER) on create.
    type: str
  image:
    description: Build image. Left out, unchanged on update; V(aws/codebuild/standard:7.0) on create.
    type: str
  compute_type:
    description: Compute size. Left out, unchanged on update; V(BUILD_GENERAL1_SMALL) on create.
    type: str
  privileged_mode:
    description:
      - Run the build container privileged, which C(docker build) needs.
      - Left out, unchanged on update; V(false) on create.
    type: bool
  environment_variables:
    description: Build environment variables, merged by name into the project's (see O(purge_environment_variables)).
    type: list
    elements: dict
    suboptions:
      name:
        description: Variable name.
        type: str
        required: true
      value:
        description: Its value (for C(PARAMETER_STORE) and C(SECRETS_MANAGER), the parameter or secret name).
        type: str
        required: true
      type:
        description: Where the value comes from.
        type: str
        choices: [PLAINTEXT, PARAMETER_STORE, SECRETS_MANAGER]
        default: PLAINTEXT
  purge_environment_variables:
    description: Remove the project's variables not listed in O(environment_variables).
    type: bool
    default: false
  remove_environment_variables:
    description:
      - Names of variables to remove from the project (when it has them) - a variable a play
        no longer sets, without purging the ones other tasks set. A name also given in
        O(environment_variables) is kept.
    type: list
    elements: str
    default: []
  service_role:
    description: ARN of the service role builds run as. Required to create the project; left out, unchanged.
    type: str
  iam_propagation_timeout:
    description:
      - Seconds to keep retrying C(CreateProject)/C(UpdateProject) while CodeBuild cannot assume a
        service role IAM created moments ago (terraform-provider-aws waits 2 minutes too).
      - After that the error is reported; on AWS it then means the role is missing or its trust
        policy does not let CodeBuild (this account, this project) assume it.
    type: int
    default: 120
  poll_interval:
    description: Seconds between two tries while the service role propagates.
    type: int
    default: 5
    version_added: 0.5.0
  timeout_in_minutes:
    description: Build timeout (5 to 2160). Left out, unchanged on update; V(60) on create.
    type: int
  badge_enabled:
    description: Publish a build badge. Left out, unchanged on update; V(false) on create.
    type: bool
  cloudwatch_logs:
    description:
      - Send build logs to CloudWatch Logs (group C(/aws/codebuild/<name>)).
      - Left out, unchanged on update; V(true) on create.
    type: bool
  webhook_events:
    description:
      - Build on these webhook events, for example C([PUSH]). V([]) removes the webhook; omitted leaves it alone.
      - AWS installs the hook with the account's source credentials for the provider (see O(source_token)).
    type: list
    elements: str
  webhook_branch:
    description:
      - Build only events on this branch (a C(HEAD_REF) filter C(^refs/heads/<branch>$) beside the event filter).
      - Left out or empty, events on every branch start a build.
    type: str
  source_token:
    description:
      - A personal access token imported as the account's source credentials for the provider,
        only when the account has none. Never returned.
    type: str
  tags:
    description: Tags of the project; omitted leaves them alone.
    type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The course's build project
  flask_react.aws.codebuild_project:
    name: flask-react-build
    description: build and test docker images
    source_location: https://github.com/owner/flask-react.git
    image: aws/codebuild/standard:7.0
    privileged_mode: true
    timeout_in_minutes: 10
    badge_enabled: true
    service_role: "{{ build_role.arn }}"
    environment_variables:
      - {name: AWS_ACCOUNT_ID, value: "123456789012"}
    webhook_events: [PUSH]
    webhook_branch: main
    # A manual build (start-build with no override) builds main.
    source_version: refs/heads/main

- name: Carry the build logic inline, so the repository needs no buildspec.yml
  flask_react.aws.codebuild_project:
    name: flask-react-build
    buildspec: "{{ lookup('ansible.builtin.file', 'buildspec.yml') }}"

- name: Log in to Docker Hub with a secret's fields (the values never leave Secrets Manager)
  flask_react.aws.codebuild_project:
    name: flask-react-build
    environment_variables:
      - {name: DOCKERHUB_USERNAME, value: "{{ dockerhub_secret_arn }}:username", type: SECRETS_MANAGER}
      - {name: DOCKERHUB_TOKEN, value: "{{ dockerhub_secret_arn }}:token", type: SECRETS_MANAGER}

- name: Add the API URL once the load balancer exists (every other setting stays)
  flask_react.aws.codebuild_project:
    name: flask-react-build
    environment_variables:
      - {name: REACT_APP_API_SERVICE_URL, value: "http://{{ alb_dns_name }}"}
"""

RETURN = r"""
project:
  description: The project as AWS describes it (BatchGetProjects); in check mode, what was sent or would be.
  returned: when state is present
  type: dict
  sample: {name: flask-react-build, badge: {badgeEnabled: true, badgeRequestUrl: "https://codebuild..."}}
changed_fields:
  description: Top-level request fields that differed and were (or would be) updated.
  returned: always
  type: list
  elements: str
  sample: [environment]
webhook_action:
  description: What was done to the webhook - create, update, delete, or null.
  returned: always
  type: str
iam_propagation_wait:
  description: Seconds spent waiting for CodeBuild to be able to assume a new service role (0 when it could at once).
  returned: when state is present
  type: int
  sample: 0
source_credentials_imported:
  description: Whether the GitHub token was imported as the account's source credentials (or would be, in check mode).
  returned: when state is present
  type: bool
  sample: false
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.codebuild import (
    TOKEN_SOURCE_TYPES,
    call_while_role_propagates,
    comparable,
    create_request,
    differences,
    effective_options,
    merge_environment_variables,
    project_request,
    webhook_action,
    webhook_filter_groups,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import codebuild_project_plan


def get_project(client, name):
    projects = client.batch_get_projects(aws_retry=True, names=[name])["projects"]
    return projects[0] if projects else None


def ensure_source_credentials(module, client):
    """Import the token when the account has no credentials for the provider; True when it would."""
    server_type = module.params["source_type"] or "GITHUB"
    if not module.params["source_token"] or server_type not in TOKEN_SOURCE_TYPES:
        return False
    infos = client.list_source_credentials(aws_retry=True)["sourceCredentialsInfos"]
    if any(info["serverType"] == server_type for info in infos):
        return False
    if not module.check_mode:
        client.import_source_credentials(
            aws_retry=True,
            token=module.params["source_token"],
            serverType=server_type,
            authType="PERSONAL_ACCESS_TOKEN",
            shouldOverwrite=False,
        )
    return True


def write_project(module, client, method, request):
    """CreateProject/UpdateProject, retried while IAM propagates a new service role (warned)."""
    timeout = module.params["iam_propagation_timeout"]
    try:
        project, waited = call_while_role_propagates(
            lambda: method(aws_retry=True, **request)["project"],
            timeout,
            botocore.exceptions.ClientError,
            delay=module.params["poll_interval"],
        )
    except botocore.exceptions.ClientError as error:
        if error.response["Error"].get("Code") == "InvalidInputException":
            module.fail_json_aws(
                error,
                msg=(
                    f"CodeBuild still cannot assume the service role {request['serviceRole']} after "
                    f"{timeout} s (iam_propagation_timeout): check that it exists and that its trust policy "
                    "lets codebuild.amazonaws.com assume it for this account and project"
                ),
            )
        raise
    if waited:
        module.warn(
            f"Waited {waited} s for IAM to propagate the service role {request['serviceRole']} "
            "before CodeBuild could assume it (retried InvalidInputException 'not authorized to perform')."
        )
    return project, waited


def ensure_project(module, client, current):
    """Create or update the project.

    Returns (changed fields, project after, seconds waited for IAM, the request sent or that
    would be sent - the diff's "after" in check mode).
    """
    params = effective_options(module.params, current)
    request = project_request(params, params["service_role"])
    if current is None:
        missing = [name for name in ("source_location", "service_role") if not params[name]]
        if missing:
            module.fail_json(msg=f"{' and '.join(missing)} required to create the project {params['name']}")
        request = create_request(request)
        if module.check_mode:
            return ["created"], request, 0, request
        project, waited = write_project(module, client, client.create_project, request)
        return ["created"], project, waited, request
    request["environment"]["environmentVariables"] = merge_environment_variables(
        request["environment"]["environmentVariables"],
        current.get("environment", {}).get("environmentVariables", []),
        params["purge_environment_variables"],
        params["remove_environment_variables"],
    )
    changed = differences(request, comparable(current))
    if not changed or module.check_mode:
        return changed, current, 0, request
    project, waited = write_project(module, client, client.update_project, request)
    return changed, project, waited, request


def ensure_webhook(module, client, project):
    events, branch = module.params["webhook_events"], module.params["webhook_branch"]
    action = webhook_action(events, project.get("webhook"), branch)
    if action is None or module.check_mode:
        return action
    name = module.params["name"]
    groups = webhook_filter_groups(events, branch)
    if action == "create":
        try:
            client.create_webhook(aws_retry=True, projectName=name, filterGroups=groups)
        except is_boto3_error_code("OAuthProviderException") as error:
            # The account has no credentials for the provider (they are one per account, and another
            # project's run may be the one meant to import them): say which option brings them.
            module.fail_json_aws(
                error,
                msg=(
                    f"Failed to create the webhook of CodeBuild project {name}: the account has no"
                    f" {project['source']['type']} source credentials; give source_token once per account"
                    " (the codebuild role's codebuild_github_token), or import them first"
                ),
            )
    elif action == "update":
        client.update_webhook(aws_retry=True, projectName=name, filterGroups=groups)
    else:
        client.delete_webhook(aws_retry=True, projectName=name)
    return action


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        description=dict(type="str"),
        source_type=dict(
            type="str",
            choices=["GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB", "CODECOMMIT", "S3", "NO_SOURCE"],
        ),
        source_location=dict(type="str"),
        report_build_status=dict(type="bool"),
        buildspec=dict(type="str"),
        source_version=dict(type="str"),
        environment_type=dict(type="str"),
        image=dict(type="str"),
        compute_type=dict(type="str"),
        privileged_mode=dict(type="bool"),
        environment_variables=dict(
            type="list",
            elements="dict",
            options=dict(
                name=dict(type="str", required=True),
                value=dict(type="str", required=True, no_log=False),
                type=dict(type="str", default="PLAINTEXT", choices=["PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER"]),
            ),
        ),
        purge_environment_variables=dict(type="bool", default=False),
        remove_environment_variables=dict(type="list", elements="str", default=[]),
        service_role=dict(type="str"),
        iam_propagation_timeout=dict(type="int", default=120),
        poll_interval=dict(type="int", default=5),
        timeout_in_minutes=dict(type="int"),
        badge_enabled=dict(type="bool"),
        cloudwatch_logs=dict(type="bool"),
        webhook_events=dict(type="list", elements="str"),
        webhook_branch=dict(type="str"),
        source_token=dict(type="str", no_log=True),
        tags=dict(type="dict"),
    )
    module = AppAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    timeout_minutes = module.params["timeout_in_minutes"]
    if timeout_minutes is not None and not 5 <= timeout_minutes <= 2160:
        module.fail_json(msg=f"timeout_in_minutes: {timeout_minutes} must be from 5 to 2160")
    client = module.client("codebuild", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    name = module.params["name"]
    try:
        current = get_project(client, name)
        if module.params["state"] == "absent":
            if current is not None and not module.check_mode:
                client.delete_project(aws_retry=True, name=name)
            module.exit_json(
                changed=current is not None,
                changed_fields=[],
                webhook_action=None,
                plan=codebuild_project_plan(name, current is not None, deleted=True),
            )
        credentials_changed = ensure_source_credentials(module, client)
        changed_fields, project, waited, request = ensure_project(module, client, current)
        action = ensure_webhook(module, client, project)
        if action and not module.check_mode:
            project = get_project(client, name)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to manage CodeBuild project {name}")

    result = dict(
        changed=bool(changed_fields or action or credentials_changed),
        project=project,
        changed_fields=changed_fields,
        webhook_action=action,
        iam_propagation_wait=waited,
        source_credentials_imported=credentials_changed,
        plan=codebuild_project_plan(
            name,
            bool(changed_fields or action),
            created="created" in changed_fields,
            credentials_imported=bool(credentials_changed),
        ),
    )
    if module._diff:
        before = comparable(current) if current else {}
        if "arn" in project and not (module.check_mode and changed_fields):
            after = comparable(project)
        else:
            # Check mode: what the write would send, over what the project has now.
            after = dict(before, **request)
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
