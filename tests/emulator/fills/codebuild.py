"""CodeBuild operations moto 5.2 lacks: UpdateProject, webhooks, source credentials.

Shaped on the CodeBuild API reference: request fields, the ``project`` /
``webhook`` / ``sourceCredentialsInfos`` responses and the error codes
(ResourceNotFoundException, ResourceAlreadyExistsException,
InvalidInputException, OAuthProviderException). moto's CreateProject also drops
``badgeEnabled``; the fill keeps it, as AWS does, with a badge URL.
"""

from __future__ import annotations

import hashlib
from typing import Any

from moto.codebuild.exceptions import InvalidInputException, ResourceNotFoundException
from moto.codebuild.models import CodeBuildBackend
from moto.codebuild.responses import CodeBuildResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import unix_time
from moto.utilities.utils import get_partition

# UpdateProject replaces each top-level field it is given and leaves the others.
UPDATABLE_FIELDS = (
    "description",
    "source",
    "secondarySources",
    "sourceVersion",
    "secondarySourceVersions",
    "artifacts",
    "secondaryArtifacts",
    "cache",
    "environment",
    "serviceRole",
    "timeoutInMinutes",
    "queuedTimeoutInMinutes",
    "encryptionKey",
    "tags",
    "vpcConfig",
    "logsConfig",
    "fileSystemLocations",
    "buildBatchConfig",
    "concurrentBuildLimit",
    "autoRetryLimit",
)
WEBHOOK_SOURCE_TYPES = ("GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB")
SERVER_TYPES = ("GITHUB", "BITBUCKET", "GITHUB_ENTERPRISE", "GITLAB", "GITLAB_SELF_MANAGED")
MAX_BUILDSPEC_LENGTH = 25600
AUTH_TYPES = ("OAUTH", "BASIC_AUTH", "PERSONAL_ACCESS_TOKEN", "CODECONNECTIONS", "SECRETS_MANAGER")


class ResourceAlreadyExistsException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("ResourceAlreadyExistsException", message)


class OAuthProviderException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("OAuthProviderException", message)


def _credentials(backend: CodeBuildBackend) -> dict[str, dict[str, Any]]:
    """Source credentials of one account and region, keyed by server type (AWS keeps one per type)."""
    if not hasattr(backend, "source_credentials"):
        backend.source_credentials = {}  # type: ignore[attr-defined]
    return backend.source_credentials  # type: ignore[attr-defined]


def _project(backend: CodeBuildBackend, name: str | None) -> dict[str, Any]:
    if not name:
        raise InvalidInputException("Project name is required")
    for project in backend.codebuild_projects.values():
        if name in (project.project_metadata["name"], project.arn):
            return project.project_metadata
    raise ResourceNotFoundException(
        f"Project cannot be found: arn:{get_partition(backend.region_name)}:codebuild:"
        f"{backend.region_name}:{backend.account_id}:project/{name}"
    )


def _badge(backend: CodeBuildBackend, metadata: dict[str, Any], enabled: bool) -> dict[str, Any]:
    if not enabled:
        return {"badgeEnabled": False}
    uuid = hashlib.sha256(metadata["arn"].encode()).hexdigest()[:40]
    return {
        "badgeEnabled": True,
        "badgeRequestUrl": f"https://codebuild.{backend.region_name}.amazonaws.com/badges?uuid={uuid}&branch=main",
    }


def _check_buildspec(source: dict[str, Any] | None) -> None:
    """AWS refuses an inline buildspec longer than 25,600 characters (the API reference gives no
    bound; CodeBuild answers this, as aws-cdk#14974 and #30326 record)."""
    if len((source or {}).get("buildspec") or "") > MAX_BUILDSPEC_LENGTH:
        raise InvalidInputException(f"Max buildspec length is {MAX_BUILDSPEC_LENGTH}")


def _create_project(self: CodeBuildResponse) -> ActionResult:
    _check_buildspec(self._get_param("source"))
    result = _original_create_project(self)
    metadata = _project(self.codebuild_backend, self._get_param("name"))
    metadata["badge"] = _badge(self.codebuild_backend, metadata, bool(self._get_param("badgeEnabled")))
    return result


def _update_project(self: CodeBuildResponse) -> ActionResult:
    backend = self.codebuild_backend
    _check_buildspec(self._get_param("source"))
    metadata = _project(backend, self._get_param("name"))
    for field in UPDATABLE_FIELDS:
        value = self._get_param(field)
        if value is not None:
            metadata[field] = value
    if self._get_param("badgeEnabled") is not None:
        metadata["badge"] = _badge(backend, metadata, bool(self._get_param("badgeEnabled")))
    metadata["lastModifiedDate"] = unix_time()
    return ActionResult({"project": metadata})


def _webhook_project(self: CodeBuildResponse) -> dict[str, Any]:
    metadata = _project(self.codebuild_backend, self._get_param("projectName"))
    source_type = metadata.get("source", {}).get("type")
    if source_type not in WEBHOOK_SOURCE_TYPES:
        raise InvalidInputException(f"Project source type {source_type} does not support webhooks")
    return metadata


def _create_webhook(self: CodeBuildResponse) -> ActionResult:
    backend = self.codebuild_backend
    metadata = _webhook_project(self)
    if "webhook" in metadata:
        raise ResourceAlreadyExistsException(f"Webhook already exists for project {metadata['name']}")
    source = metadata["source"]
    server_type = source["type"]
    # AWS calls the provider with the account's stored token (or the project's
    # source auth) to install the hook; without one the call fails.
    if server_type not in _credentials(backend) and not source.get("auth"):
        raise OAuthProviderException(
            f"Access token not found in CodeBuild project for server type {server_type.lower()}"
        )
    repo_path = source.get("location", "").split("github.com/", 1)[-1].removesuffix(".git")
    hook_id = int(hashlib.sha256(metadata["arn"].encode()).hexdigest()[:8], 16)
    webhook = {
        "url": f"https://api.github.com/repos/{repo_path}/hooks/{hook_id}",
        "payloadUrl": f"https://codebuild.{backend.region_name}.amazonaws.com/webhooks?t={hook_id}&v=1",
        "branchFilter": self._get_param("branchFilter") or "",
        "filterGroups": self._get_param("filterGroups") or [],
        "buildType": self._get_param("buildType") or "BUILD",
        "manualCreation": bool(self._get_param("manualCreation")),
        "lastModifiedSecret": unix_time(),
    }
    metadata["webhook"] = webhook
    return ActionResult({"webhook": webhook})


def _update_webhook(self: CodeBuildResponse) -> ActionResult:
    metadata = _webhook_project(self)
    webhook = metadata.get("webhook")
    if webhook is None:
        raise ResourceNotFoundException(f"Webhook does not exist for project {metadata['name']}")
    for field in ("branchFilter", "filterGroups", "buildType"):
        if self._get_param(field) is not None:
            webhook[field] = self._get_param(field)
    if self._get_param("rotateSecret"):
        webhook["lastModifiedSecret"] = unix_time()
    return ActionResult({"webhook": webhook})


def _delete_webhook(self: CodeBuildResponse) -> EmptyResult:
    metadata = _webhook_project(self)
    if metadata.pop("webhook", None) is None:
        raise ResourceNotFoundException(f"Webhook does not exist for project {metadata['name']}")
    return EmptyResult()


def _import_source_credentials(self: CodeBuildResponse) -> ActionResult:
    backend = self.codebuild_backend
    server_type = self._get_param("serverType")
    auth_type = self._get_param("authType")
    token = self._get_param("token")
    if server_type not in SERVER_TYPES:
        raise InvalidInputException(f"Invalid server type: {server_type}")
    if auth_type not in AUTH_TYPES:
        raise InvalidInputException(f"Invalid auth type: {auth_type}")
    if not token:
        raise InvalidInputException("Token is required")
    stored = _credentials(backend)
    if server_type in stored and self._get_param("shouldOverwrite") is False:
        raise ResourceAlreadyExistsException(f"Source credential already exists for server type {server_type}")
    arn = (
        f"arn:{get_partition(backend.region_name)}:codebuild:{backend.region_name}:"
        f"{backend.account_id}:token/{server_type.lower()}"
    )
    # The token is kept only to mirror AWS; no response ever returns it.
    stored[server_type] = {"arn": arn, "serverType": server_type, "authType": auth_type, "_token": token}
    return ActionResult({"arn": arn})


def _list_source_credentials(self: CodeBuildResponse) -> ActionResult:
    infos = [
        {key: value for key, value in info.items() if not key.startswith("_")}
        for info in _credentials(self.codebuild_backend).values()
    ]
    return ActionResult({"sourceCredentialsInfos": infos})


def _delete_source_credentials(self: CodeBuildResponse) -> ActionResult:
    arn = self._get_param("arn")
    stored = _credentials(self.codebuild_backend)
    for server_type, info in list(stored.items()):
        if info["arn"] == arn:
            del stored[server_type]
            return ActionResult({"arn": arn})
    raise ResourceNotFoundException(f"Source credential not found: {arn}")


_original_create_project = CodeBuildResponse.create_project


def install() -> None:
    CodeBuildResponse.create_project = _create_project  # type: ignore[method-assign]
    CodeBuildResponse.update_project = _update_project  # type: ignore[attr-defined]
    CodeBuildResponse.create_webhook = _create_webhook  # type: ignore[attr-defined]
    CodeBuildResponse.update_webhook = _update_webhook  # type: ignore[attr-defined]
    CodeBuildResponse.delete_webhook = _delete_webhook  # type: ignore[attr-defined]
    CodeBuildResponse.import_source_credentials = _import_source_credentials  # type: ignore[attr-defined]
    CodeBuildResponse.list_source_credentials = _list_source_credentials  # type: ignore[attr-defined]
    CodeBuildResponse.delete_source_credentials = _delete_source_credentials  # type: ignore[attr-defined]
