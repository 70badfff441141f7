# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json

DOCUMENTATION = r"""
name: ecs_build_environment
short_description: The CodeBuild environment variables buildspec.yml reads to build and deploy every service
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - From C(app_services), the project's environment variables for C(ci/codebuild.py), which
    buildspec.yml runs - C(APP_SERVICES), C(ECS_CLUSTER), C(DEPLOY_BRANCH), C(IMAGE_TAG_MUTABLE)
    and C(DEPLOY_WAIT_MINUTES).
  - C(APP_SERVICES) is JSON, one object per service with the keys C(name), C(repository) (ECR),
    C(service) (ECS), C(container), C(context), C(dockerfile), C(args) (the service's
    C(build.args) verbatim, C({}) when none; the build script gives the C(default) service without
    args C(NODE_ENV=production) and the load balancer's URL as C(REACT_APP_API_SERVICE_URL) and
    C(VITE_API_SERVICE_URL)), C(default) (bool, the listener's default service), C(platform)
    (C(linux/amd64), or C(linux/arm64) when C(cpu_architecture) is C(ARM64), as the task
    definition's C(runtimePlatform)), C(desired_count) (int, what the first deploy scales a service
    held at 0 tasks to), C(database) (bool, redeployed when the database password rotates) and
    C(tests) (the service's C(test) commands as a list, run with C(sh -c) in its image before any
    push; C([]) when none).
  - A service's build defaults to the course's layout - context C(services/<name>), Dockerfile
    C(Dockerfile.prod) in it.
  - With ECS off, only C(APP_SERVICES) and C(IMAGE_TAG_MUTABLE) are set, and C(DEPLOY_BRANCH) is
    empty (the build pushes, nothing deploys).
positional: _input
options:
  _input:
    description:
      - The app model (C(app_model), filter P(flask_react.aws.app_model#filter)), or the services
        (C(app_services)) it is resolved from with O(app_name) and O(ecr_repository_prefix); the keys
        read are C(name), C(build) (C(context), C(dockerfile), C(args)), C(default), C(cpu_architecture),
        C(desired_count), C(database) and C(test) (a list of shell commands).
    type: raw
    required: true
  app_name:
    description: Prefix of the ECS service names; required with C(app_services).
    type: str
  ecr_repository_prefix:
    description: Prefix of the repositories; required with C(app_services).
    type: str
  cluster:
    description: The ECS cluster; empty when ECS is off.
    type: str
    default: ""
  deploy_branch:
    description: The branch whose builds deploy; empty deploys nothing.
    type: str
    default: ""
  mutable_tags:
    description: Whether the repositories allow a tag to move (then the moving tag is pushed too).
    type: bool
    default: false
  deploy_wait_minutes:
    description: How long a deploy waits for the services to become stable.
    type: int
    default: 15
"""

EXAMPLES = r"""
- name: The build's view of the app
  ansible.builtin.debug:
    msg: >-
      {{ app_services | flask_react.aws.ecs_build_environment(app_name='flask-react',
         ecr_repository_prefix='test-driven', cluster='flask-react-cluster', deploy_branch='main') }}
# => [{"name": "APP_SERVICES", "value": "[{\"name\": \"client\", ...}]"}, {"name": "ECS_CLUSTER", ...}, ...]

- name: The same from the app model (role flask_react.aws.app)
  ansible.builtin.debug:
    msg: "{{ app_model | flask_react.aws.ecs_build_environment(cluster=app_model.cluster, deploy_branch='main') }}"
"""

RETURN = r"""
_value:
  description: A list of C({name, value}) for C(codebuild_app_environment_variables).
  type: list
  elements: dict
"""


from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.app_model import resolve

# The keys of APP_SERVICES (ci/codebuild.py's contract), read from the app model.
KEYS = ("name", "repository", "service", "container", "default", "platform", "desired_count", "database", "tests")


def ecs_build_environment(
    app_services,
    app_name=None,
    ecr_repository_prefix=None,
    cluster="",
    deploy_branch="",
    mutable_tags=False,
    deploy_wait_minutes=15,
):
    """The build and deploy description CodeBuild reads from its environment, from the app model
    (``app_services`` is the model itself, or the services it is resolved from)."""
    if isinstance(app_services, dict):
        model = app_services
    elif app_name is None or ecr_repository_prefix is None:
        raise AnsibleFilterError(
            "ecs_build_environment: app_name and ecr_repository_prefix are required with app_services"
        )
    else:
        model = resolve(app_services, app_name, ecr_repository_prefix, cluster=cluster)
    services = [{**{key: service[key] for key in KEYS}, **service["build"]} for service in model["services"]]
    return [
        {"name": "APP_SERVICES", "value": json.dumps(services, sort_keys=True, separators=(",", ":"))},
        {"name": "ECS_CLUSTER", "value": cluster or ""},
        {"name": "DEPLOY_BRANCH", "value": deploy_branch if cluster else ""},
        {"name": "IMAGE_TAG_MUTABLE", "value": "true" if mutable_tags else "false"},
        {"name": "DEPLOY_WAIT_MINUTES", "value": str(int(deploy_wait_minutes))},
    ]


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"ecs_build_environment": ecs_build_environment}
