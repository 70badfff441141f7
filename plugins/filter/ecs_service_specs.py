# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import re

DOCUMENTATION = r"""
name: ecs_service_specs
short_description: What ECS runs for each service of app_services
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Turns the shared app description into one entry per service with the names, sizes,
    environment and secrets the ecs role passes to M(flask_react.aws.ecs_app_service).
  - A service whose C(database) key is true gets C(DATABASE_HOST), C(DATABASE_PORT), C(DATABASE_NAME)
    and C(DATABASE_USER) as environment, and C(DATABASE_PASSWORD) as a secret read by ECS from the
    C(password) key of the RDS-managed secret, so the password never passes through Ansible.
  - C(secret_resources) are what the execution role must be allowed to read - a Secrets Manager
    ARN given without its 6-character random suffix (C(arn:...:secret:name)) is granted as
    C(arn:...:secret:name-??????), the form IAM matches it by (a literal partial ARN matches
    nothing, and the task fails with AccessDenied when it starts); a full ARN is granted as is;
    a JSON key, version stage or version id after the ARN (C(...:secret:name-AbCdEf:password::))
    is left out; an SSM parameter ARN is granted as is.
  - A service's C(generated_secrets) (variable names) become secrets too, each read from its generated secret
    C(<app_name>/<service>/<VARIABLE>) made by M(flask_react.aws.app_secrets) - the full ARN of O(generated_secrets)
    when the secret exists, else (a secret still to be made in check mode) its ARN without the suffix,
    C(<secret_arn_prefix><name>). The execution role is granted each as C(<ARN without suffix>-??????),
    the same before and after the secret is made.
  - C(cpu_architecture) is the task definition's C(runtimePlatform.cpuArchitecture) (V(X86_64)
    unless the service says V(ARM64)) and C(platform) the docker platform its image is built for.
positional: _input
options:
  _input:
    description: The services (C(app_services)).
    type: list
    elements: dict
    required: true
  app_name:
    description: Prefix of every name.
    type: str
    required: true
  database:
    description: C(host), C(port), C(name), C(user) and C(secret_arn) of the database; empty values give no wiring.
    type: dict
    default: {}
  generated_secrets:
    description: The generated secrets' full ARNs by secret name (M(flask_react.aws.app_secrets)'s C(secrets)).
    type: dict
    default: {}
    version_added: 0.5.0
  secret_arn_prefix:
    description:
      - C(arn:<partition>:secretsmanager:<region>:<account>:secret:), for a generated secret O(generated_secrets)
        has no ARN for yet.
    type: str
    default: ""
    version_added: 0.5.0
"""

EXAMPLES = r"""
- name: The task settings of each service
  ansible.builtin.debug:
    msg: "{{ app_services | flask_react.aws.ecs_service_specs(app_name='flask-react', database=db) }}"
  vars:
    db:
      {host: db.example, port: 5432, name: postgres, user: webapp,
       secret_arn: "arn:aws:secretsmanager:us-west-1:123456789012:secret:rds!db-1"}
# => [{"name": "client", "family": "flask-react-client", "log_group": "/ecs/flask-react-client", "cpu": 256, ...}, ...]
"""

RETURN = r"""
_value:
  description:
    - One entry per service, keys name, family, log_group, container, target_group, port, cpu, memory,
      desired_count, environment, secrets (generated ones too), command, cpu_architecture, platform,
      secret_resources (what the execution role must read), autoscaling (the service's C(autoscaling), or None).
  type: list
  elements: dict
"""

from ansible_collections.flask_react.aws.plugins.module_utils.app_model import (
    cpu_architecture,
    ecs_name,
    generated_secrets_of,
    log_group_name,
    platform_of,
    target_group_name,
)


def ecs_service_specs(app_services, app_name, database=None, generated_secrets=None, secret_arn_prefix=""):
    """One entry per service: what the ecs role asks ECS to run."""
    database = database or {}
    generated_secrets = generated_secrets or {}
    specs = []
    for service in app_services:
        environment = {key: str(value) for key, value in (service.get("environment") or {}).items()}
        secrets = dict(service.get("secrets") or {})
        if service.get("database") and database.get("secret_arn"):
            environment.update(
                DATABASE_HOST=str(database.get("host") or ""),
                DATABASE_PORT=str(database.get("port") or 5432),
                DATABASE_NAME=str(database.get("name") or "postgres"),
                DATABASE_USER=str(database.get("user") or ""),
            )
            # ECS reads the JSON key "password" of the secret when it starts a task (valueFrom ARN:key::).
            secrets["DATABASE_PASSWORD"] = f"{database['secret_arn']}:password::"
        generated = {
            variable: generated_secrets.get(name) or f"{secret_arn_prefix}{name}"
            for variable, name in generated_secrets_of(service, app_name).items()
        }
        specs.append(
            {
                "name": service["name"],
                "family": ecs_name(app_name, service["name"]),
                "log_group": log_group_name(app_name, service["name"]),
                "container": service["name"],
                "target_group": target_group_name(app_name, service["name"]),
                "port": service["port"],
                "cpu": service.get("cpu", 256),
                "memory": service.get("memory", 512),
                "desired_count": service.get("desired_count", 1),
                "environment": environment,
                "secrets": {**secrets, **generated},
                "command": service.get("command"),
                "cpu_architecture": cpu_architecture(service),
                "platform": platform_of(service),
                "secret_resources": sorted(
                    set(secret_resources(secrets))
                    | {f"{SECRET_SUFFIX.sub('', arn)}-??????" for arn in generated.values()}
                ),
                # min, max, cpu_percent, requests_per_target (None: the service does not autoscale).
                "autoscaling": service.get("autoscaling") or None,
            }
        )
    return specs


# Secrets Manager appends a hyphen and 6 random characters to a secret's name in its ARN.
SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


def secret_resources(secrets):
    """IAM resources of valueFrom ARNs: a secret's ARN without the JSON key part, with ``-??????`` for the
    random suffix (and as given too when it may already end in one), an SSM parameter as is."""
    resources = set()
    for value_from in secrets.values():
        parts = value_from.split(":")
        if len(parts) > 2 and parts[2] == "ssm":
            resources.add(value_from)
            continue
        # arn:<partition>:secretsmanager:<region>:<account>:secret:<name>[:json-key:version-stage:version-id]
        arn = ":".join(parts[:7])
        resources.add(arn + "-??????")
        # A name that ends like a suffix (my-docker) may be a partial ARN all the same: IAM compares
        # the full ARN, so both forms are granted (the Secrets Manager guide's advice).
        if SECRET_SUFFIX.search(parts[6] if len(parts) > 6 else ""):
            resources.add(arn)
    return sorted(resources)


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"ecs_service_specs": ecs_service_specs}
