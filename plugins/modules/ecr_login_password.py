#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ecr_login_password
short_description: The password for docker login to Amazon ECR
version_added: 0.1.0
author: flask_react.aws developers (@flask-react)
description:
  - Returns what C(aws ecr get-login-password) prints, the course's step before C(docker login),
    from ECR's C(GetAuthorizationToken), without the AWS CLI. Use it with C(no_log).
  - Why a module - neither amazon.aws nor community.aws returns an ECR authorization token.
  - Reads only; never reports a change.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Get the ECR login password
  flask_react.aws.ecr_login_password:
  register: ecr_login
  no_log: true
"""

RETURN = r"""
password:
  description: The docker login password (user C(AWS)), valid for 12 hours.
  returned: success
  type: str
registry:
  description: The registry host the password is for.
  returned: success
  type: str
  sample: 123456789012.dkr.ecr.us-west-1.amazonaws.com
expires_at:
  description: When the password expires (ISO 8601).
  returned: success
  type: str
"""

import base64

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule


def main():
    module = AppAWSModule(argument_spec={}, supports_check_mode=True)
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    try:
        data = client.get_authorization_token(aws_retry=True)["authorizationData"][0]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg="Failed to get an ECR authorization token")
    user, _colon, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    registry = data["proxyEndpoint"].split("://", 1)[-1]
    module.exit_json(
        changed=False,
        password=password,
        registry=registry,
        expires_at=data["expiresAt"].isoformat() if hasattr(data["expiresAt"], "isoformat") else str(data["expiresAt"]),
    )


if __name__ == "__main__":
    main()
