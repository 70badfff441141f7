# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: role_argument_errors
short_description: Check the variables of several of this collection's roles against their argument specs at once
version_added: 0.5.0
author: flask_react.aws developers (@flask-react)
description:
  - Reads each named role's C(meta/argument_specs.yml) (its C(main) entry point) and checks the variables the
    run gives that role's options, as Ansible's own role argument validation does, and returns one message per
    broken option, each naming the role and the variable.
  - Why a lookup and not Ansible's check - Ansible checks a role's spec in a task of its own at the start of
    that role, after the earlier roles have written to AWS, and stops at the first role that fails.
    C(site.yml) and C(teardown.yml) import the roles with C(rolespec_validate=false) and the app role checks
    them all with this lookup in its settings check, before any AWS call, reporting every broken rule of the
    run at once (and the run has ten tasks fewer).
  - Names outside C(flask_react.aws), and roles without an argument spec, are skipped, so
    C(ansible_role_names) can be passed as it is.
  - A value that cannot be templated yet, because it derives from what the run reads after the check (the
    account, the app model), is left out; the role that uses it fails naming what is missing.
options:
  _terms:
    description: Role names, C(flask_react.aws.<role>) or C(<role>).
    type: list
    elements: str
    required: true
  skip:
    description: Roles not to check (their spec is checked elsewhere), by short name.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Check every role of the play, but the app role that Ansible already checked
  ansible.builtin.assert:
    that: errors | length == 0
    fail_msg: "{{ errors | join('; ') }}"
  vars:
    errors: "{{ query('flask_react.aws.role_argument_errors', *ansible_role_names, skip=['app']) }}"
"""

RETURN = r"""
_raw:
  description:
    - "One message per broken option, C(<role> role: <what is wrong>); empty when every value fits."
    - Use C(query), or C(lookup) with C(wantlist=true), to get the list.
  type: list
  elements: str
"""

from pathlib import Path

import yaml
from ansible.errors import AnsibleUndefinedVariable
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase

# libyaml's loader when PyYAML has it: the twelve specs take 7 ms instead of 80 ms, once per run.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PREFIX = "flask_react.aws."
# plugins/lookup/<this file> -> the collection's root, the same in a checkout and an installed collection.
ROLES = Path(__file__).resolve().parents[2] / "roles"


def role_options(role: str) -> dict | None:
    """The ``main`` entry point's options of a role of this collection, or None when it has no spec."""
    path = ROLES / role / "meta" / "argument_specs.yml"
    if not path.is_file():
        return None
    specs = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader) or {}  # noqa: S506 - a safe loader
    return ((specs.get("argument_specs") or {}).get("main") or {}).get("options") or None


def argument_errors(role: str, options: dict, values: dict) -> list[str]:
    """Messages for the values that break ``options``, as Ansible's role validation words them."""
    result = ArgumentSpecValidator(options).validate(values, validate_role_argument_spec=True)
    return [f"{role} role: {message}" for message in result.error_messages]


class LookupModule(LookupBase):
    """One list of every broken option of the named roles."""

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        skip = set(self.get_option("skip"))
        variables = variables or {}
        errors = []
        # Sorted: ansible_role_names comes from a set, and the message should read the same every run.
        roles = sorted({term[len(PREFIX) :] if term.startswith(PREFIX) else term for term in terms})
        for role in roles:
            if "." in role or role in skip:
                continue
            options = role_options(role)
            if not options:
                continue
            values = {}
            for name in options:
                if name not in variables:
                    continue
                try:
                    values[name] = self._templar.template(variables[name])
                except AnsibleUndefinedVariable:
                    # Derived from what the run reads after this check (the account, the app model): not
                    # the user's input; the role that reads it fails naming what is missing.
                    continue
            errors.extend(argument_errors(role, options, values))
        return errors
