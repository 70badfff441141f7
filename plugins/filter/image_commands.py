# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: image_commands
short_description: The docker build and push command lines for each service
version_added: 0.1.0
author: flask_react.aws developers
description:
  - Returns, per service, the argv of
    C(docker build --platform <platform> -f <context>/<dockerfile> -t <image> [--build-arg K=V...] <context>)
    and of C(docker push <image>), with C(<image>) = C(<registry>/<prefix>-<name>:<tag>).
  - The course's build, tag and push, as argument lists (no shell), used by C(playbooks/images.yml), built
    as CodeBuild builds them - the service's C(build) (C(context), default C(services/<name>); C(dockerfile)
    in it, default C(Dockerfile.prod); C(args)), and Fargate's platform (C(linux/amd64), or C(linux/arm64)
    for C(cpu_architecture=ARM64)), so an image built on an arm64 laptop runs on Fargate.
  - The default service without C(build.args) gets C(NODE_ENV=production) and O(api_url) as both
    C(REACT_APP_API_SERVICE_URL) and C(VITE_API_SERVICE_URL).
options:
  _input:
    description: The services (C(app_services)); each needs C(name).
    type: list
    elements: dict
    required: true
  registry:
    description: The ECR registry host, as the ecr_registry filter gives it.
    type: str
    required: true
  prefix:
    description: The ECR repository prefix.
    type: str
    required: true
  tag:
    description: The image tag.
    type: str
    required: true
  context_dir:
    description: The application's source folder, holding C(services/<name>/Dockerfile.prod).
    type: str
    required: true
  build_args:
    description:
      - "Build arguments per service name that replace the service's own, for example
        C({client: {NODE_ENV: production}})."
    type: dict
  api_url:
    description: The load balancer's URL the default service's client calls; omitted, it gets no such args.
    type: str
"""

EXAMPLES = r"""
- name: The course's two images
  ansible.builtin.debug:
    msg: "{{ app_services | flask_react.aws.image_commands(registry='123456789012.dkr.ecr.us-west-1.amazonaws.com',
            prefix='test-driven', tag='prod', context_dir='.', api_url='http://flask-react-alb-1.example.com') }}"
  # => [{"service": "client", "platform": "linux/amd64", "build": ["docker", "build", "--platform", "linux/amd64",
  #      "-f", "./services/client/Dockerfile.prod", "-t", "<registry>/test-driven-client:prod",
  #      "--build-arg", "NODE_ENV=production", "--build-arg", "REACT_APP_API_SERVICE_URL=http://...", ...], ...}, ...]
"""

RETURN = r"""
_value:
  description: One entry per service with C(service), C(image), C(platform), C(build) (argv) and C(push) (argv).
  type: list
  elements: dict
"""

from ansible_collections.flask_react.aws.plugins.module_utils.images import image_commands as _image_commands


def image_commands(services, registry, prefix, tag, context_dir, build_args=None, api_url=None):
    """Per service, the docker build and push argv."""
    return _image_commands(services, registry, prefix, tag, context_dir, build_args, api_url)


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"image_commands": image_commands}
