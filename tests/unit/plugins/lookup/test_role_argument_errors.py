"""role_argument_errors: every role's argument spec checked at once, as Ansible's own validation words it.

That the roles' defaults fit their own specs is shown by every site.yml and teardown.yml run of the
suite: the app role's settings check calls this lookup with every role of the play.
"""

from __future__ import annotations

import pytest
import yaml
from ansible import constants as C
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
from ansible_collections.flask_react.aws.plugins.lookup import role_argument_errors as plugin

NAME = "flask_react.aws.role_argument_errors"
ALL_ROLES = tuple(f"flask_react.aws.{path.name}" for path in sorted(plugin.ROLES.iterdir()))
# What the specs require, and the two options whose documented default is a sentence, not a value
# (the roles' defaults/main.yml always give them one).
BASE = {
    "ecr_image_tag_mutability": "immutable",
    "target_groups_target_type": "ip",
    "aws_region": "us-west-1",
    "app_name": "flask-react",
    "app_services": [{"name": "users", "port": 5000, "health_check_path": "/ping", "default": True}],
    "ecr_repository_prefix": "test-driven",
}
PORT_ERROR = (
    "alb role: argument 'alb_listener_port' is of type str and we were unable to convert to int: "
    "\"'eighty'\" cannot be converted to an int"
)


def check(extra: dict, roles: tuple[str, ...] | list[str] = ALL_ROLES, base: dict | None = None, **kwargs) -> list[str]:
    """The lookup's answer, made as Ansible's plugin loader makes it (its options registered under its name)."""
    variables = {**(BASE if base is None else base), **extra}
    options = yaml.safe_load(plugin.DOCUMENTATION)["options"]
    C.config.initialize_plugin_configuration_definitions("lookup", NAME, options)
    loader = DataLoader()
    lookup = plugin.LookupModule(loader=loader, templar=Templar(loader=loader, variables=variables))
    lookup._load_name = NAME
    return lookup.run(roles, variables=variables, **kwargs)


def test_values_that_fit_pass():
    assert check({"alb_listener_port": 80, "rds_multi_az": "yes", "ecr_state": "absent"}) == []


def test_every_broken_option_of_every_role_is_named_at_once_in_role_order():
    errors = check({"alb_listener_port": "eighty", "rds_multi_az": "sometimes", "ecr_state": "sideways"})
    assert errors[:2] == [PORT_ERROR, "ecr role: value of ecr_state must be one of: present, absent, got: sideways"]
    assert errors[2].startswith("rds role: argument 'rds_multi_az' is of type str and we were unable to convert")
    assert len(errors) == 3


def test_a_missing_required_variable_is_named_for_each_role_that_needs_it():
    base = {key: value for key, value in BASE.items() if key != "aws_region"}
    errors = check({}, roles=["flask_react.aws.codebuild", "flask_react.aws.ecr"], base=base)
    assert errors == [
        "codebuild role: missing required arguments: aws_region",
        "ecr role: missing required arguments: aws_region",
    ]


def test_values_are_checked_after_templating():
    assert check({"alb_listener_port": trust_as_template("{{ 80 + 8 }}")}) == []
    templated = {"port_text": "eighty", "alb_listener_port": trust_as_template("{{ port_text }}")}
    assert check(templated) == [PORT_ERROR]


def test_a_value_derived_from_what_the_run_has_not_read_yet_is_left_out():
    derived = {"alb_listener_port": trust_as_template("{{ app_account_id | int }}"), "ecr_state": "sideways"}
    assert check(derived) == ["ecr role: value of ecr_state must be one of: present, absent, got: sideways"]


@pytest.mark.parametrize(
    ("roles", "skip"),
    [
        (["flask_react.aws.app"], ["app"]),  # Ansible checks the role it runs
        (["community.general.foo", "geerlingguy.docker"], []),  # not this collection's
        (["flask_react.aws.no_such_role"], []),  # no spec
    ],
    ids=["skipped", "another collection's", "no spec"],
)
def test_skipped_other_and_unknown_roles_are_not_checked(roles, skip):
    assert check({"app_name": ["not", "a", "name"], "ecr_state": "sideways"}, roles=roles, skip=skip) == []


def test_the_same_role_named_twice_is_checked_once():
    errors = check({"ecr_state": "sideways"}, roles=["flask_react.aws.ecr", "ecr", "flask_react.aws.ecr"])
    assert errors == ["ecr role: value of ecr_state must be one of: present, absent, got: sideways"]
