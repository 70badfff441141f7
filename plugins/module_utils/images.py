# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker command lines of playbooks/images.yml (the course's build, tag and push), as argv lists."""

from __future__ import annotations


def image_commands(services, registry, prefix, tag, context_dir, build_args=None):
    """``[{service, image, build, push}]``: one docker build and one docker push argv per service.

    Each service builds ``<context_dir>/services/<name>`` with its ``Dockerfile.prod`` (the
    course's layout); ``build_args`` maps a service name to its ``--build-arg`` values.
    """
    commands = []
    for service in services:
        name = service["name"]
        image = f"{registry}/{prefix}-{name}:{tag}"
        context = f"{context_dir.rstrip('/')}/services/{name}"
        build = ["docker", "build", "-f", f"{context}/Dockerfile.prod", "-t", image]
        for key, value in sorted(((build_args or {}).get(name) or {}).items()):
            build += ["--build-arg", f"{key}={value}"]
        build.append(context)
        commands.append({"service": name, "image": image, "build": build, "push": ["docker", "push", image]})
    return commands
