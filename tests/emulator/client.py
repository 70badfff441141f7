"""boto3 clients of the emulator: one place for its endpoint form and dummy credentials."""

from __future__ import annotations

from typing import Any

import boto3

# The emulator accepts any credentials; these never name a real account.
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def endpoint(where: int | str) -> str:
    """``4566`` or ``"http://127.0.0.1:4566"`` -> the endpoint URL."""
    return where if isinstance(where, str) else f"http://127.0.0.1:{where}"


def emulator_client(where: int | str, service: str, region: str = "us-west-1", **kwargs: Any) -> Any:
    """A boto3 client of ``service`` on the emulator at ``where`` (a port or a URL)."""
    return boto3.client(service, endpoint_url=endpoint(where), region_name=region, **DUMMY_CREDENTIALS, **kwargs)


def github_project(
    codebuild: Any,
    name: str,
    role: str,
    location: str = "https://github.com/example/none.git",
    variables: tuple[dict[str, str], ...] = (),
) -> dict[str, Any]:
    """Make a CodeBuild project with a GitHub source, no artifacts and AWS's standard image, whose
    service role is ``role`` (a name in moto's default account); returns the project."""
    environment = {
        "type": "LINUX_CONTAINER",
        "image": "aws/codebuild/standard:7.0",
        "computeType": "BUILD_GENERAL1_SMALL",
    }
    return codebuild.create_project(
        name=name,
        source={"type": "GITHUB", "location": location},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={**environment, **({"environmentVariables": list(variables)} if variables else {})},
        serviceRole=f"arn:aws:iam::123456789012:role/{role}",
    )["project"]
