# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker command lines of playbooks/images.yml (the course's build, tag and push), as argv lists.

Built the way CodeBuild builds them (ci/codebuild.py): each service's ``build`` (context, dockerfile,
args), Fargate's platform, and the API URL for the default service.
"""

from __future__ import annotations

# runtimePlatform.cpuArchitecture -> docker's --platform (Fargate runs linux/amd64 unless told ARM64).
PLATFORMS = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}


def platform_of(service):
    """The docker platform Fargate runs the service's image on."""
    return PLATFORMS.get(str(service.get("cpu_architecture") or "X86_64").upper(), "linux/amd64")


def service_build_args(service, api_url=None):
    """The service's ``build.args``; the default service without any gets the API URL under both
    names a React app reads (Create React App's and Vite's), as CodeBuild's build does."""
    args = dict((service.get("build") or {}).get("args") or {})
    if args or not service.get("default") or api_url is None:
        return {key: str(value) for key, value in args.items()}
    return {"NODE_ENV": "production", "REACT_APP_API_SERVICE_URL": api_url, "VITE_API_SERVICE_URL": api_url}


def image_commands(services, registry, prefix, tag, context_dir, build_args=None, api_url=None):
    """``[{service, image, platform, build, push}]``: one docker build and one docker push argv per service.

    Each service builds ``<context_dir>/<build.context>`` (default ``services/<name>``, the course's
    layout) with ``<build.dockerfile>`` in it (default ``Dockerfile.prod``), for its Fargate platform
    (``--platform linux/amd64``, or ``linux/arm64`` with ``cpu_architecture: ARM64``), with its build
    args (``service_build_args``); ``build_args`` maps a service name to args that replace those.
    """
    commands = []
    root = context_dir.rstrip("/")
    for service in services:
        name = service["name"]
        build = service.get("build") or {}
        image = f"{registry}/{prefix}-{name}:{tag}"
        context = f"{root}/{build.get('context', f'services/{name}').strip('/')}"
        platform = platform_of(service)
        args = (build_args or {}).get(name)
        args = service_build_args(service, api_url) if args is None else args
        command = [
            "docker",
            "build",
            "--platform",
            platform,
            "-f",
            f"{context}/{build.get('dockerfile', 'Dockerfile.prod')}",
        ]
        command += ["-t", image]
        for key, value in sorted(args.items()):
            command += ["--build-arg", f"{key}={value}"]
        command.append(context)
        commands.append(
            {"service": name, "image": image, "platform": platform, "build": command, "push": ["docker", "push", image]}
        )
    return commands
