"""The plan table's rows for a new cluster's autoscaling services (roles/plan/vars/main.yml), rendered
by Ansible's own templar: in check mode on an empty account ecs_app_service does not run, so these rows
plan each autoscaling service's scalable target and the policies its autoscaling asks for."""

from __future__ import annotations

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
from ansible_collections.flask_react.aws.plugins.filter.ecs_service_specs import ecs_service_specs
from ansible_collections.flask_react.aws.plugins.filter.plan_results import plan_results
from ansible_collections.flask_react.aws.plugins.module_utils.app_model import resolve

from tests.conftest import REPO

TABLE = yaml.safe_load((REPO / "roles/plan/vars/main.yml").read_text())["plan_table"]
SERVICES = [
    {"name": "web", "port": 80, "default": True, "autoscaling": {"min": 1, "max": 3, "requests_per_target": 100}},
    {"name": "api", "port": 5000, "paths": ["/api*"], "autoscaling": {"min": 1, "max": 2, "cpu_percent": 50}},
    {"name": "admin", "port": 8080, "paths": ["/admin*"]},
]


def rows(**variables):
    templar = Templar(loader=DataLoader(), variables=variables)
    return [
        dict(row, name=templar.template(trust_as_template(row["name"])))
        for row in TABLE
        if "ApplicationAutoScaling" in str(row.get("type"))
    ]


def test_a_new_cluster_plans_the_autoscaling_services_targets_and_policies():
    variables = dict(app_model=resolve(SERVICES, "shop", "shop"), ecs_services=ecs_service_specs(SERVICES, "shop"))
    planned = plan_results(rows(**variables), {"ecs_cluster": {"changed": True, "cluster": {}}})
    assert [(change["type"], change["name"], change["action"]) for change in planned] == [
        ("AWS::ApplicationAutoScaling::ScalableTarget", "shop-web", "create"),
        ("AWS::ApplicationAutoScaling::ScalableTarget", "shop-api", "create"),
        ("AWS::ApplicationAutoScaling::ScalingPolicy", "shop-web-requests", "create"),
        ("AWS::ApplicationAutoScaling::ScalingPolicy", "shop-api-cpu", "create"),
    ]


def test_an_existing_cluster_leaves_it_to_the_service_module():
    variables = dict(app_model=resolve(SERVICES, "shop", "shop"), ecs_services=ecs_service_specs(SERVICES, "shop"))
    assert plan_results(rows(**variables), {"ecs_cluster": {"changed": False, "cluster": {"cluster_name": "x"}}}) == []
