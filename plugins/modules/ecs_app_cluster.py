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
  - With O(purge_services=true), the services of the cluster that carry every tag of O(owned_by) and are
    not in O(services) (services dropped from the app) are scaled to 0, deleted and waited C(INACTIVE),
    and every revision of their task definition families deregistered and deleted. A service without
    those tags is never touched.
  - O(state=absent) deletes the services of the cluster that carry O(owned_by)'s tags or are named in
    O(services), their families' revisions, then the cluster. A cluster that still holds any other
    service fails at once, naming them, before anything is deleted (DeleteCluster would refuse it for
    as long as they exist). C(ClusterContainsServicesException) is retried while deleted services drain
    (up to O(wait_timeout) seconds, with a warning saying what it waits for).
  - A service removed here (purged or on O(state=absent)) that is an Application Auto Scaling scalable target
    is deregistered first (its scaling policies with it) - AWS keeps a target when its ECS service is deleted.
    One C(DescribeScalableTargets) for all the services removed; none when nothing is removed.
  - With O(report_usage=true), RV(in_use) names the target groups and ECR repositories the services
    left in the cluster use, so that a purge elsewhere can spare them.
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
  poll_interval:
    description: Seconds between two looks while ECS is not ready yet (a delete refused, services still draining).
    type: int
    default: 5
    version_added: 0.5.0
  wait_timeout:
    description: Seconds a delete retries while the cluster still contains services, and a create while
      ECS makes its service-linked role; also each service's drain when services are removed.
    type: int
    default: 600
  owned_by:
    description:
      - "Tags that mark a service as this app's (for example C({app: flask-react, managed-by: flask_react.aws}))."
      - Needed by O(purge_services); with O(state=absent), the services carrying them are deleted.
    type: dict
  services:
    description:
      - The names of the app's services. With O(purge_services), the owned services not named here are removed;
        with O(state=absent), these are removed too (with their families) even without the tags.
    type: list
    elements: str
  purge_services:
    description: With O(state=present), remove the services of O(owned_by) that O(services) no longer names.
    type: bool
    default: false
  report_usage:
    description:
      - Return RV(in_use) - one DescribeTaskDefinition per service left in the cluster.
    type: bool
    default: false
  log_group_prefix:
    description:
      - With O(purge_services), also delete the CloudWatch Logs log group C(<log_group_prefix><service>) of each
        service removed (for example V(/ecs/) - a log group that does not exist is nothing to do). Done here,
        not by a separate task, so that a run that removes nothing makes no further module run.
      - With O(state=absent), also delete the log group of every service O(services) names and of every
        service removed (RV(log_groups_deleted)).
    type: str
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

- name: Keep only the app's services, and say what the others use
  flask_react.aws.ecs_app_cluster:
    name: flask-react-cluster
    owned_by: {app: flask-react, managed-by: flask_react.aws}
    services: [flask-react-client, flask-react-users]
    purge_services: true
    log_group_prefix: /ecs/
    report_usage: true
"""

RETURN = r"""
cluster:
  description: The cluster as DescribeClusters returns it (keys snake_case); empty when absent.
  returned: always
  type: dict
cluster_changed:
  description: The cluster itself was (or would be) created, updated or, with O(state=absent), deleted.
  returned: always
  type: bool
services_removed:
  description:
    - The services removed (or that would be, in check mode), each with its C(name), the C(families) of its
      task definitions, the revisions C(deregistered) and, with O(log_group_prefix), the C(log_group) deleted
      (empty when there was none); for a service that was registered as an Application Auto Scaling scalable
      target, its C(scaling_policies) (the target and they are deregistered before the service is deleted).
  returned: always
  type: list
  elements: dict
  sample: [{name: flask-react-admin, families: [flask-react-admin], deregistered: ["arn:aws:ecs:...:3"]}]
log_groups_deleted:
  description: With O(state=absent) and O(log_group_prefix), the log groups deleted (or that would be, in check mode).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [/ecs/flask-react-users]
  version_added: 0.5.0
in_use:
  description:
    - With O(report_usage), C(target_groups) and C(repositories), each a mapping of a name to the services of
      the cluster that use it (the target groups of their C(loadBalancers), the ECR repositories of their
      task definition's images). Services removed by this run (or that would be) are not counted.
  returned: always
  type: dict
  sample:
    target_groups: {flask-react-users-tg: [flask-react-users]}
    repositories: {test-driven-users: [flask-react-users]}
"""

import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import (
    autoscaling_plan,
    cluster_services,
    deregister_scalable_targets,
    ecr_image_reference,
    family_of,
    is_owned,
    remove_families,
    tag_changes,
)
from ansible_collections.flask_react.aws.plugins.module_utils.ecs import (
    remove_services as drain_and_delete,
)
from ansible_collections.flask_react.aws.plugins.module_utils.plan import ecs_cluster_plan, entry


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
    live = (
        cluster_services(client, name)
        if cluster is not None and (params["purge_services"] or params["report_usage"])
        else []
    )
    removed = []
    if params["purge_services"]:
        keep = set(params["services"] or [])
        dropped = [s for s in live if is_owned(s, params["owned_by"]) and s["serviceName"] not in keep]
        removed = remove_services(module, client, name, dropped)
        live = [s for s in live if s not in dropped]
        if params["log_group_prefix"] and removed:
            remove_log_groups(module, removed)
    result = dict(
        changed=changed or bool(removed),
        cluster_changed=changed,
        cluster=camel_dict_to_snake_dict(after or {}, ignore_list=["tags"]),
        services_removed=removed,
        in_use=usage(client, live) if params["report_usage"] else {},
        plan=ecs_cluster_plan(name, ("create" if cluster is None else "update") if changed else None, removed)
        + [entry("AWS::Logs::LogGroup", gone["log_group"], "delete") for gone in removed if gone.get("log_group")]
        + autoscaling_entries(removed),
    )
    if module._diff:
        result["diff"] = dict(
            before=dict(exists=cluster is not None, container_insights=insights(cluster) if cluster else None),
            after=dict(exists=True, container_insights=wanted_insights),
        )
    return result


def remove_log_groups(module, removed):
    """Delete (or, in check mode, find) the log group of each removed service; sets its ``log_group``."""
    deleted = delete_log_groups(module, [service["name"] for service in removed])
    for service in removed:
        name = module.params["log_group_prefix"] + service["name"]
        service["log_group"] = name if name in deleted else ""


def delete_log_groups(module, services):
    """Delete (or, in check mode, find) the log group ``<log_group_prefix><service>`` of each service; returns
    those that existed (a log group that does not exist is nothing to do)."""
    logs = module.client("logs", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    deleted = []
    for service in services:
        name = module.params["log_group_prefix"] + service
        found = logs.describe_log_groups(aws_retry=True, logGroupNamePrefix=name).get("logGroups", [])
        if not any(group["logGroupName"] == name for group in found):
            continue
        deleted.append(name)
        if not module.check_mode:
            try:
                logs.delete_log_group(aws_retry=True, logGroupName=name)
            except botocore.exceptions.ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
    return deleted


def remove_services(module, client, cluster, services):
    """Remove the described services (drained together) and their families' revisions; what was (or would
    be) removed. Their Application Auto Scaling targets go first (one DescribeScalableTargets for all):
    AWS keeps a target when its service is deleted, and a scaler would fight the scale to 0."""
    scaled = {}
    if services:
        aas = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff(retries=10))
        scaled = deregister_scalable_targets(aas, cluster, [s["serviceName"] for s in services], module.check_mode)
    if services and not module.check_mode:
        try:
            drain_and_delete(
                client,
                cluster,
                services,
                module.params["wait_timeout"],
                botocore.exceptions.ClientError,
                module.warn,
                interval=module.params["poll_interval"],
            )
        except TimeoutError as error:
            module.fail_json(msg=str(error))
    removed = []
    for service in services:
        families = sorted({service["serviceName"], family_of(service.get("taskDefinition") or service["serviceName"])})
        deregistered, _deleted = remove_families(client, families, module.check_mode)
        removed.append(dict(name=service["serviceName"], families=families, deregistered=deregistered))
        if service["serviceName"] in scaled:
            removed[-1]["scaling_policies"] = scaled[service["serviceName"]]
    return removed


def autoscaling_entries(removed):
    """The plan entries of the removed services' scalable targets and policies (deregistered with them)."""
    return [
        change
        for service in removed
        if "scaling_policies" in service
        for change in autoscaling_plan(service["name"], "delete", dict.fromkeys(service["scaling_policies"], "delete"))
    ]


def usage(client, services):
    """The target groups and ECR repositories the services use: {kind: {name: [services]}}."""
    in_use = {"target_groups": {}, "repositories": {}}
    for service in services:
        name = service["serviceName"]
        for balancer in service.get("loadBalancers") or []:
            # arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>
            group = (balancer.get("targetGroupArn") or "").split(":targetgroup/")[-1].split("/")[0]
            if group:
                in_use["target_groups"].setdefault(group, []).append(name)
        if not service.get("taskDefinition"):
            continue
        definition = client.describe_task_definition(aws_retry=True, taskDefinition=service["taskDefinition"])
        for container in definition["taskDefinition"].get("containerDefinitions") or []:
            reference = ecr_image_reference(container.get("image"))
            if reference is not None:
                in_use["repositories"].setdefault(reference[1], []).append(name)
    return {kind: {key: sorted(set(value)) for key, value in found.items()} for kind, found in in_use.items()}


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
            time.sleep(module.params["poll_interval"])


def absent(module, client):
    params, name = module.params, module.params["name"]
    cluster = describe(client, name)
    live = cluster_services(client, name) if cluster is not None else []
    ours = [s for s in live if is_owned(s, params["owned_by"]) or s["serviceName"] in (params["services"] or [])]
    others = sorted(s["serviceName"] for s in live if s not in ours)
    if others:
        # DeleteCluster would refuse for as long as they exist: say so now, before deleting anything.
        module.fail_json(
            msg=f"ECS cluster {name} holds services this app did not make (no app tags): {', '.join(others)}. "
            "Nothing was deleted; delete or move them, then run again.",
            foreign_services=others,
        )
    removed = remove_services(module, client, name, ours)
    # The app's families whose service is gone already (or never started) keep no revision either.
    leftover = sorted(set(params["services"] or []) - {f for r in removed for f in r["families"]})
    _deregistered, deleted = remove_families(client, leftover, module.check_mode)
    # The log groups of the app's services and of every service removed (a dropped one too).
    log_groups = (
        delete_log_groups(module, sorted(set(params["services"] or []) | {r["name"] for r in removed}))
        if params["log_group_prefix"]
        else []
    )
    changed = bool(removed) or bool(deleted) or bool(log_groups) or cluster is not None
    planned = (
        ecs_cluster_plan(name, "delete" if cluster is not None else None, removed)
        + autoscaling_entries(removed)
        + [entry("AWS::Logs::LogGroup", group, "delete") for group in log_groups]
    )
    if cluster is None or module.check_mode:
        return dict(
            changed=changed,
            cluster={},
            cluster_changed=cluster is not None,
            services_removed=removed,
            log_groups_deleted=log_groups,
            in_use={},
            plan=planned,
        )
    deadline = time.time() + module.params["wait_timeout"]
    warned = False
    while True:
        try:
            client.delete_cluster(aws_retry=True, cluster=name)
            return dict(
                changed=True,
                cluster={},
                cluster_changed=True,
                services_removed=removed,
                log_groups_deleted=log_groups,
                in_use={},
                plan=planned,
            )
        except client.exceptions.ClusterContainsServicesException:
            if time.time() > deadline:
                raise
            if not warned:
                module.warn(f"ECS cluster {name} still contains services; retrying the delete while they drain")
                warned = True
            time.sleep(module.params["poll_interval"])


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        capacity_providers=dict(type="list", elements="str", default=["FARGATE", "FARGATE_SPOT"]),
        container_insights=dict(type="bool", default=False),
        tags=dict(type="dict"),
        wait_timeout=dict(type="int", default=600),
        poll_interval=dict(type="int", default=5),
        owned_by=dict(type="dict"),
        services=dict(type="list", elements="str"),
        purge_services=dict(type="bool", default=False),
        report_usage=dict(type="bool", default=False),
        log_group_prefix=dict(type="str"),
    )
    module = AppAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("purge_services", True, ["owned_by"])],
    )
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    try:
        result = present(module, client) if module.params["state"] == "present" else absent(module, client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to manage ECS cluster {module.params['name']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
