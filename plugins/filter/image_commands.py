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
    C(docker build -f services/<name>/Dockerfile.prod -t <image> [--build-arg K=V...] services/<name>)
    and of C(docker push <image>), with C(<image>) = C(<registry>/<prefix>-<name>:<tag>).
  - The course's build, tag and push, as argument lists (no shell), used by C(playbooks/images.yml).
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
    description: "Build arguments per service name, for example C({client: {NODE_ENV: production}})."
    type: dict
"""

EXAMPLES = r"""
- name: The course's two images
  ansible.builtin.debug:
    msg: "{{ app_services | flask_react.aws.image_commands(registry='123456789012.dkr.ecr.us-west-1.amazonaws.com',
            prefix='test-driven', tag='prod', context_dir='.') }}"
"""

RETURN = r"""
_value:
  description: One entry per service with C(service), C(image), C(build) (argv) and C(push) (argv).
  type: list
  elements: dict
"""

from ansible_collections.flask_react.aws.plugins.module_utils.images import image_commands as _image_commands


def image_commands(services, registry, prefix, tag, context_dir, build_args=None):
    """Per service, the docker build and push argv."""
    return _image_commands(services, registry, prefix, tag, context_dir, build_args)


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"image_commands": image_commands}
