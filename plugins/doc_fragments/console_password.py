# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """The console password's options that iam_console_password and iam_group_user word alike: five of
    module_utils/iam_console.py's ARGUMENT_SPEC (each module words secret_name and list_access_keys itself)."""

    DOCUMENTATION = r"""
options:
  user_name:
    description: The IAM user.
    type: str
    required: true
  length:
    description: Length of a generated password, raised to the account policy's minimum (IAM allows 6 to 128).
    type: int
    default: 24
  password_reset_required:
    description: Whether a newly created login profile makes the user choose a new password at first sign-in.
    type: bool
    default: false
  description:
    description: Description of the secret when the module creates it.
    type: str
    default: ""
  tags:
    description: Tags of the secret; keys given are added or updated, others are left alone.
    type: dict
"""
