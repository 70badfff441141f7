"""IAM ListServiceSpecificCredentials, which moto 5.2 lacks and amazon.aws.iam_user calls before deleting a user.

moto cannot create service-specific credentials (CodeCommit/Keyspaces passwords), so a
user never has any: the answer is the empty list, or NoSuchEntity for an unknown user,
as the IAM API reference shapes it.
"""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse


def _list_service_specific_credentials(self: IamResponse) -> ActionResult:
    user_name = self._get_param("UserName")
    if user_name:
        self.backend.get_user(user_name)  # raises NoSuchEntity as AWS does
    return ActionResult({"ServiceSpecificCredentials": []})


def install() -> None:
    IamResponse.list_service_specific_credentials = _list_service_specific_credentials  # type: ignore[attr-defined]
