"""ECR PutImage refuses an existing tag of an immutable repository with AWS's own error.

moto 5.2 refuses it, but as ``ImageAlreadyExistsException`` (the error of an identical
image and tag in any repository). AWS answers ``ImageTagAlreadyExistsException`` "The image
tag '<tag>' already exists in the '<repo>' repository and cannot be overwritten because the
repository is immutable." (ECR API reference, PutImage), even when the digest is the same
(aws/containers-roadmap#2179), and ``docker push`` shows that message as "tag invalid". A
build that tells the two apart (a retried build of the same commit) needs the right code.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import ServiceException
from moto.ecr.exceptions import ImageAlreadyExistsException
from moto.ecr.models import ECRBackend, Repository


class ImageTagAlreadyExistsException(ServiceException):
    code = "ImageTagAlreadyExistsException"

    def __init__(self, repository_name: str, image_tag: str) -> None:
        super().__init__(
            f"The image tag '{image_tag}' already exists in the '{repository_name}' repository "
            "and cannot be overwritten because the repository is immutable."
        )


def install() -> None:
    original = ECRBackend._resolve_image_tag_mutability

    def resolve(self: ECRBackend, repository: Repository, proposed_image_tag: str) -> Any:
        # Every refusal of this method is a tag that cannot move (IMMUTABLE, or a tag an
        # exclusion filter makes immutable): AWS's code for that is ImageTagAlreadyExists.
        try:
            return original(self, repository, proposed_image_tag)
        except ImageAlreadyExistsException as error:
            raise ImageTagAlreadyExistsException(repository.name, proposed_image_tag) from error

    ECRBackend._resolve_image_tag_mutability = resolve  # type: ignore[method-assign]
