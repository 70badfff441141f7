# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: codebuild_errors
short_description: List what is wrong with the build project's settings
version_added: 0.5.0
author: flask_react.aws developers
description:
  - Checks the C(flask_react.aws.codebuild) role's variables, given as a mapping of each variable's name to its
    value, and returns one message per broken rule, naming the variable.
  - Rules - C(codebuild_source_location) is required and is a GitHub repository's HTTPS clone URL
    (C(https://github.com/<owner>/<repo>[.git]); CodeBuild does not take C(git@...) or C(ssh://...));
    C(codebuild_webhook_branch) a branch name, not a C(refs/...) reference;
    C(codebuild_iam_propagation_timeout) 0 or more seconds; C(codebuild_dockerhub_secret_arn) empty or a
    Secrets Manager secret's ARN; C(codebuild_buildspec) C(inline) or C(repository).
options:
  _input:
    description: "The settings, as C({variable name: value})."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: An SSH clone URL
  ansible.builtin.debug:
    msg: "{{ {'codebuild_source_location': 'git@github.com:you/app.git', 'codebuild_webhook_branch': 'main',
             'codebuild_iam_propagation_timeout': 120, 'codebuild_buildspec': 'inline'}
             | flask_react.aws.codebuild_errors }}"
  # => ["codebuild_source_location: 'git@github.com:you/app.git' must be the repository's HTTPS clone URL, ..."]
"""

RETURN = r"""
_value:
  description: One message per broken rule; empty when the settings are valid.
  type: list
  elements: str
"""

from ansible_collections.flask_react.aws.plugins.module_utils.validation import codebuild_errors as _codebuild_errors


def codebuild_errors(settings):
    """Messages for every rule the build project's settings break."""
    return _codebuild_errors(dict(settings))


class FilterModule:
    """flask_react.aws filters."""

    def filters(self):
        return {"codebuild_errors": codebuild_errors}
