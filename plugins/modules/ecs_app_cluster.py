#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecs_app_cluster
short_description: An ECS cluster with Fargate capacity providers and Container Insights as a setting
version_added: 0.2.0
author: flask_react.aws developers (@flask-react)
description:
  - Ensures an ECS cluster with the given capacity providers and default strategy, and its
    C(containerInsights) setting; tags are added or updated, never removed.
  - O(state=absent) deletes the cluster, retrying C(ClusterContainsServicesException) while the
    services drain (up to O(wait_timeout) seconds, with a warning saying what it waits for).
  - The first cluster of an account new to ECS is refused ("Unable to assume the service linked
    role") until ECS has made its service-linked role in the background; the create is retried
    for up to O(wait_timeout) seconds, with a warning.
  - Why not M(community.aws.ecs_cluster) - in community.aws 10 it has no option for cluster settings
    (Container Insights), and does not retry the delete while services drain.
  - Supports check mode and diff mode.
options:
  name:
    description: Name of the cluster.
    type: str
    required: true
  state:
    description: V(present) creates or updates; V(absent) deletes.
    type: str
    choices: [present, absent]
    default: present
  capacity_providers:
    description: Capacity providers of the cluster; the first one is the default strategy.
    type: list
    elements: str
    default: [FARGATE, FARGATE_SPOT]
  container_insights:
    description: Turn CloudWatch Container Insights on (billed per metric).
    type: bool
    default: false
  tags:
    description: Tags of the cluster.
    type: dict
  wait_timeout:
    description: Seconds a delete retries while the cluster still contains services, and a create while
      ECS makes its service-linked role.
    type: int
    default: 600
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Ensure the app's Fargate cluster
  flask_react.aws.ecs_app_cluster:
    name: flask-react-cluster
    container_insights: false
    tags: {app: flask-react}

- name: Delete it once its services are gone
  flask_react.aws.ecs_app_cluster:
    name: flask-react-cluster
    state: absent
"""

RETURN = r"""
cluster:
  description: The cluster as DescribeClusters returns it (keys snake_case); empty when absent.
  returned: always
  type: dict
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import tag_changes


def describe(client, name):
    found = client.describe_clusters(aws_retry=True, clusters=[name], include=["SETTINGS", "TAGS"])
    clusters = [c for c in found.get("clusters", []) if c.get("status") != "INACTIVE"]
    return clusters[0] if clusters else None


def insights(cluster):
    settings = {s["name"]: s.get("value") for s in (cluster or {}).get("settings") or []}
    return settings.get("containerInsights", "disabled")


def present(module, client):
    params, name = module.params, module.params["name"]
    cluster = describe(client, name)
    wanted_insights = "enabled" if params["container_insights"] else "disabled"
    strategy = [{"capacityProvider": params["capacity_providers"][0], "weight": 1}]
    tags = [{"key": k, "value": str(v)} for k, v in sorted((params["tags"] or {}).items())]
    changed = False
    if cluster is None:
        changed = True
        if not module.check_mode:
            create(
                module,
                client,
                clusterName=name,
                capacityProviders=params["capacity_providers"],
                defaultCapacityProviderStrategy=strategy,
                settings=[{"name": "containerInsights", "value": wanted_insights}],
                **({"tags": tags} if tags else {}),
            )
    else:
        if sorted(cluster.get("capacityProviders") or []) != sorted(params["capacity_providers"]):
            changed = True
            if not module.check_mode:
                client.put_cluster_capacity_providers(
                    aws_retry=True,
                    cluster=name,
                    capacityProviders=params["capacity_providers"],
                    defaultCapacityProviderStrategy=strategy,
                )
        if insights(cluster) != wanted_insights:
            changed = True
            if not module.check_mode:
                # UpdateCluster takes the settings too (containerInsights is the only one).
                client.update_cluster(
                    aws_retry=True, cluster=name, settings=[{"name": "containerInsights", "value": wanted_insights}]
                )
        to_tag = tag_changes(params["tags"], cluster.get("tags"))
        if to_tag:
            changed = True
            if not module.check_mode:
                client.tag_resource(aws_retry=True, resourceArn=cluster["clusterArn"], tags=to_tag)
    after = describe(client, name) if changed and not module.check_mode else cluster
    result = dict(changed=changed, cluster=camel_dict_to_snake_dict(after or {}, ignore_list=["tags"]))
    if module._diff:
        result["diff"] = dict(
            before=dict(exists=cluster is not None, container_insights=insights(cluster) if cluster else None),
            after=dict(exists=True, container_insights=wanted_insights),
        )
    return result


def create(module, client, **request):
    """CreateCluster, waiting while ECS makes its service-linked role in an account new to ECS.

    With capacity providers, the first cluster of an account fails with InvalidParameterException
    "Unable to assume the service linked role" until ECS has made AWSServiceRoleForECS in the
    background (seconds); the same call then succeeds. Retried for ``wait_timeout``, said once.
    """
    deadline = time.time() + module.params["wait_timeout"]
    warned = False
    while True:
        try:
            return client.create_cluster(aws_retry=True, **request)
        except botocore.exceptions.ClientError as error:
            message = error.response.get("Error", {}).get("Message", "")
            if "service linked role" not in message.lower() or time.time() > deadline:
                raise
            if not warned:
                module.warn("ECS is still making its service-linked role (a new account); retrying CreateCluster")
                warned = True
            time.sleep(5)


def absent(module, client):
    name = module.params["name"]
    cluster = describe(client, name)
    if cluster is None:
        return dict(changed=False, cluster={})
    if module.check_mode:
        return dict(changed=True, cluster={})
    deadline = time.time() + module.params["wait_timeout"]
    warned = False
    while True:
        try:
            client.delete_cluster(aws_retry=True, cluster=name)
            return dict(changed=True, cluster={})
        except client.exceptions.ClusterContainsServicesException:
            if time.time() > deadline:
                raise
            if not warned:
                module.warn(f"ECS cluster {name} still contains services; retrying the delete while they drain")
                warned = True
            time.sleep(5)


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        capacity_providers=dict(type="list", elements="str", default=["FARGATE", "FARGATE_SPOT"]),
        container_insights=dict(type="bool", default=False),
        tags=dict(type="dict"),
        wait_timeout=dict(type="int", default=600),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    try:
        result = present(module, client) if module.params["state"] == "present" else absent(module, client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to manage ECS cluster {module.params['name']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
