# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker command lines of playbooks/images.yml (the course's build, tag and push), as argv lists.

Built the way CodeBuild builds them (ci/codebuild.py), from the app model (module_utils/app_model.py):
each service's ``build`` (context, dockerfile, args), Fargate's platform, and the API URL for the
default service.
"""

from __future__ import annotations

from ansible_collections.flask_react.aws.plugins.module_utils.app_model import build_args as _build_args
from ansible_collections.flask_react.aws.plugins.module_utils.app_model import (
    build_of,
    platform_of,
    repository_name,
)


def service_build_args(service, api_url=None):
    """The service's ``build.args``; the default service without any gets the API URL under both
    names a React app reads (Create React App's and Vite's), as CodeBuild's build does."""
    return _build_args(service, api_url)


def image_commands(services, registry, prefix, tag, context_dir, build_args=None, api_url=None):
    """``[{service, image, platform, build, push}]``: one docker build and one docker push argv per service.

    ``services`` are ``app_services`` entries or the app model's services. Each service builds
    ``<context_dir>/<build.context>`` (default ``services/<name>``, the course's layout) with
    ``<build.dockerfile>`` in it (default ``Dockerfile.prod``), for its Fargate platform
    (``--platform linux/amd64``, or ``linux/arm64`` with ``cpu_architecture: ARM64``), with its build
    args (``service_build_args``); ``build_args`` maps a service name to args that replace those.
    """
    commands = []
    root = context_dir.rstrip("/")
    for service in services:
        name = service["name"]
        # A model service's build is resolved already; an app_services entry's is resolved here.
        build = service["build"] if "repository" in service else build_of(service)
        image = f"{registry}/{service.get('repository') or repository_name(prefix, name)}:{tag}"
        platform = service.get("platform") or platform_of(service)
        args = (build_args or {}).get(name)
        args = service_build_args(service, api_url) if args is None else args
        command = ["docker", "build", "--platform", platform, "-f", f"{root}/{build['dockerfile']}"]
        command += ["-t", image]
        for key, value in sorted(args.items()):
            command += ["--build-arg", f"{key}={value}"]
        command.append(f"{root}/{build['context']}")
        commands.append(
            {"service": name, "image": image, "platform": platform, "build": command, "push": ["docker", "push", image]}
        )
    return commands
