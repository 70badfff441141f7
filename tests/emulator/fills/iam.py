"""IAM as AWS answers it where moto 5.2 does not.

- ListServiceSpecificCredentials, which moto lacks and amazon.aws.iam_user calls before deleting
  a user. moto cannot create service-specific credentials (CodeCommit/Keyspaces passwords), so a
  user never has any: the answer is the empty list, or NoSuchEntity for an unknown user, as the
  IAM API reference shapes it.
- The account password policy on CreateLoginProfile and UpdateLoginProfile. moto stores the
  policy but never applies it ("This does not currently deal with PasswordPolicyViolation");
  IAM refuses such a password with HTTP 400 ``PasswordPolicyViolation`` and a message naming the
  rule ("Password should have at least one symbol"). Of several broken rules, the first in the
  policy's order is named.
- PasswordResetRequired on CreateLoginProfile, which moto ignores; and UpdateLoginProfile without
  a Password, which IAM allows (it changes only the reset flag) and moto turns into "no password".
"""

from __future__ import annotations

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.exceptions import IAMException
from moto.iam.models import AccountPasswordPolicy, IAMBackend, User
from moto.iam.responses import IamResponse

# The characters that count as a symbol for RequireSymbols (IAM API reference, PasswordPolicy).
IAM_SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")


class PasswordPolicyViolation(IAMException):
    code = "PasswordPolicyViolation"


def policy_violation(password: str, policy: AccountPasswordPolicy | None) -> str | None:
    """IAM's message for the first rule of ``policy`` that ``password`` breaks, else None."""
    if policy is None:
        return None
    rules = (
        (
            len(password) >= (policy.minimum_password_length or 0),
            f"a minimum length of {policy.minimum_password_length}",
        ),
        (
            not policy.require_lowercase_characters or any(c.islower() for c in password),
            "at least one lowercase letter",
        ),
        (
            not policy.require_uppercase_characters or any(c.isupper() for c in password),
            "at least one uppercase letter",
        ),
        (not policy.require_numbers or any(c.isdigit() for c in password), "at least one number"),
        (not policy.require_symbols or any(c in IAM_SYMBOLS for c in password), "at least one symbol"),
    )
    for kept, rule in rules:
        if not kept:
            return f"Password should have {rule}"
    return None


def _check(backend: IAMBackend, password: str | None) -> None:
    if password is not None:
        message = policy_violation(password, backend.account_password_policy)
        if message:
            raise PasswordPolicyViolation(message)


def _list_service_specific_credentials(self: IamResponse) -> ActionResult:
    user_name = self._get_param("UserName")
    if user_name:
        self.backend.get_user(user_name)  # raises NoSuchEntity as AWS does
    return ActionResult({"ServiceSpecificCredentials": []})


def install() -> None:
    IamResponse.list_service_specific_credentials = _list_service_specific_credentials  # type: ignore[attr-defined]

    original_create = IamResponse.create_login_profile

    def create_login_profile(self: IamResponse) -> ActionResult:
        _check(self.backend, self._get_param("Password"))
        result = original_create(self)
        if self._get_bool_param("PasswordResetRequired", False):
            self.backend.get_user(self._get_param("UserName")).password_reset_required = True
            result = ActionResult({"LoginProfile": dict(result.result["LoginProfile"], PasswordResetRequired=True)})
        return result

    def update_login_profile(self: IamResponse) -> ActionResult:
        password = self._get_param("Password")
        _check(self.backend, password)
        user: User = self.backend.get_login_profile(self._get_param("UserName"))  # NoSuchEntity as AWS
        user.password = password or user.password
        user.password_reset_required = self._get_bool_param("PasswordResetRequired", user.password_reset_required)
        return EmptyResult()

    IamResponse.create_login_profile = create_login_profile  # type: ignore[method-assign]
    IamResponse.update_login_profile = update_login_profile  # type: ignore[method-assign]
