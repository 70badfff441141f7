# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: app_model
short_description: The app model - every name derived from app_services, resolved once
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Turns the app description (C(app_services), C(app_name), C(ecr_repository_prefix)) and the
    environment (region, account, partition, image tag, ECS cluster) into one model that every role,
    C(playbooks/images.yml) and the build environment read, so no name is derived twice.
  - Per service, in C(app_services)' order - C(target_group) C(<app_name>-<name>-tg), C(repository)
    C(<ecr_repository_prefix>-<name>), C(image_uri) C(<account>.dkr.ecr.<region>.<dns suffix>/<repository>:<image_tag>)
    (the partition's domain, C(amazonaws.com.cn) in China; empty while the account is not known),
    C(family) and C(service) C(<app_name>-<name>), C(container) C(<name>), C(log_group)
    C(/ecs/<app_name>-<name>), C(build) (C(context), default C(services/<name>); C(dockerfile), the
    path from the source root, default C(<context>/Dockerfile.prod); C(args), the service's
    C(build.args) as strings), C(cpu_architecture) and C(platform) (C(linux/amd64), or C(linux/arm64)
    for C(ARM64)), C(desired_count), C(database), C(tests) and C(rules) (C([{paths, target_group}])
    when the service routes paths).
  - C(generated_secrets) - per service, each of its C(generated_secrets) variables with its secret's name
    C(<app_name>/<service>/<VARIABLE>); in the model, the list of every service's secret names.
  - The default service without C(build.args) is built with C(NODE_ENV=production) and the load
    balancer's URL as C(REACT_APP_API_SERVICE_URL) and C(VITE_API_SERVICE_URL), by C(playbooks/images.yml)
    and by CodeBuild alike; the model keeps C(args) as the service gives them.
  - The role C(flask_react.aws.app) sets the fact C(app_model) with it once per run (C(tasks/main.yml)).
  - With an account, a bad account ID, region, repository name or image tag fails naming the part and its rule.
positional: _input
options:
  _input:
    description: The services (C(app_services)); each needs C(name).
    type: list
    elements: dict
    required: true
  app_name:
    description: The value of C(app_name), the prefix of the target group, ECS and log group names.
    type: str
    required: true
  ecr_repository_prefix:
    description: The value of C(ecr_repository_prefix), the prefix of the repositories.
    type: str
    required: true
  region:
    description: The AWS region (C(aws_region)); picks the registry's DNS suffix.
    type: str
    default: ""
  account_id:
    description: The 12-digit account ID; empty leaves C(registry) and every C(image_uri) empty.
    type: str
    default: ""
  partition:
    description: The account's partition (C(aws), C(aws-cn), C(aws-us-gov)...), for ARNs; empty is the region's.
    type: str
    default: ""
  image_tag:
    description: The tag in each C(image_uri).
    type: str
    default: prod
  cluster:
    description: The ECS cluster's name; empty gives C(<app_name>-cluster).
    type: str
    default: ""
  alarms:
    description:
      - Whether alarms are on (C(app_alarm_email) or C(app_alarm_topic_arn) set); each service's C(alarms) then
        names its target group's alarms (C(<app_name>-<name>-unhealthy), C(<app_name>-<name>-target-5xx)),
        else it is empty.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: The course's app in us-west-1
  ansible.builtin.set_fact:
    app_model: >-
      {{ app_services | flask_react.aws.app_model(app_name='flask-react', ecr_repository_prefix='test-driven',
         region='us-west-1', account_id='123456789012') }}
  # app_model.by_name.users =>
  #   {"name": "users", "target_group": "flask-react-users-tg", "repository": "test-driven-users",
  #    "image_uri": "123456789012.dkr.ecr.us-west-1.amazonaws.com/test-driven-users:prod",
  #    "family": "flask-react-users", "service": "flask-react-users", "container": "users",
  #    "log_group": "/ecs/flask-react-users",
  #    "build": {"context": "services/users", "dockerfile": "services/users/Dockerfile.prod", "args": {}},
  #    "platform": "linux/amd64", "rules": [{"paths": ["/users*", ...], "target_group": "flask-react-users-tg"}], ...}

- name: Every target group name
  ansible.builtin.debug:
    msg: "{{ app_model.target_groups }}"
"""

RETURN = r"""
_value:
  description:
    - The model - C(app_name), C(region), C(account_id), C(partition), C(registry) (empty without an
      account), C(cluster), C(image_tag), C(default_service) (its name), C(services) (one dict per
      service, keys as described above), C(by_name) (the same dicts by service name), and the lists
      C(target_groups), C(repositories), C(families), C(log_groups) and C(rules) (every service's, in order),
      C(repository_prefix) (C(<ecr_repository_prefix>-)) and C(log_group_prefix) (C(/ecs/)), what every
      repository and log group of the app starts with (dropped services' too).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.module_utils.app_model import resolve
from ansible_collections.flask_react.aws.plugins.module_utils.ecr import EcrNameError


def app_model(
    app_services,
    app_name,
    ecr_repository_prefix,
    region="",
    account_id="",
    partition="",
    image_tag="prod",
    cluster="",
    alarms=False,
):
    """The app model of ``app_services`` (module_utils/app_model.py's ``resolve``)."""
    try:
        return resolve(
            app_services, app_name, ecr_repository_prefix, region, account_id, partition, image_tag, cluster, alarms
        )
    except EcrNameError as error:
        raise AnsibleFilterError(f"app_model: {error}") from error


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"app_model": app_model}
