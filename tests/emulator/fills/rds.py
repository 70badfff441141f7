"""RDS DescribeDBEngineVersions, which moto 5.2 lacks.

Answers from a fixed, realistic list of PostgreSQL versions (the shape of the
RDS API reference's ``DBEngineVersion``), filtered by ``Engine``,
``EngineVersion``, ``DBParameterGroupFamily`` and ``DefaultOnly``, ascending as
AWS lists them, paginated by ``MaxRecords``/``Marker``.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.rds.exceptions import RDSClientError
from moto.rds.responses import RDSResponse

# (version, is the engine's default) — the minor versions RDS offered for
# postgres in 2025, oldest first, as DescribeDBEngineVersions lists them.
POSTGRES_VERSIONS = (
    ("13.20", False),
    ("13.21", False),
    ("14.17", False),
    ("14.18", False),
    ("15.12", False),
    ("15.13", False),
    ("16.8", False),
    ("16.9", False),
    ("17.4", False),
    ("17.5", True),
)


def engine_versions() -> list[dict[str, Any]]:
    """Every version this emulator knows, in the DBEngineVersion shape."""
    versions = []
    for index, (version, _default) in enumerate(POSTGRES_VERSIONS):
        major = version.split(".", 1)[0]
        versions.append(
            {
                "Engine": "postgres",
                "EngineVersion": version,
                "MajorEngineVersion": major,
                "DBParameterGroupFamily": f"postgres{major}",
                "DBEngineDescription": "PostgreSQL",
                "DBEngineVersionDescription": f"PostgreSQL {version}-R1",
                "Status": "available",
                "SupportsReadReplica": True,
                "SupportsLogExportsToCloudwatchLogs": True,
                "ExportableLogTypes": ["postgresql", "upgrade"],
                "SupportedEngineModes": ["provisioned"],
                "ValidUpgradeTarget": [
                    {
                        "Engine": "postgres",
                        "EngineVersion": newer,
                        "AutoUpgrade": False,
                        "IsMajorVersionUpgrade": newer.split(".", 1)[0] != major,
                    }
                    for newer, _default in POSTGRES_VERSIONS[index + 1 :]
                ],
            }
        )
    return versions


def select(
    engine: str | None = None,
    version: str | None = None,
    family: str | None = None,
    default_only: bool = False,
) -> list[dict[str, Any]]:
    """Filter the list as AWS does; ``version`` may be a prefix such as ``16``."""
    defaults = {v for v, is_default in POSTGRES_VERSIONS if is_default}
    chosen = []
    for item in engine_versions():
        if engine and item["Engine"] != engine:
            continue
        if version and not (item["EngineVersion"] == version or item["EngineVersion"].startswith(version + ".")):
            continue
        if family and item["DBParameterGroupFamily"] != family:
            continue
        chosen.append(item)
    if default_only:
        # AWS answers the default of each matching major line when a version
        # prefix is given, and the engine default otherwise.
        chosen = chosen[-1:] if version else [item for item in chosen if item["EngineVersion"] in defaults]
    return chosen


def _describe_db_engine_versions(self: RDSResponse) -> ActionResult:
    max_records = int(self._get_param("MaxRecords") or 100)
    if not 20 <= max_records <= 100:
        raise RDSClientError("InvalidParameterValue", "MaxRecords must be between 20 and 100")
    default_only = str(self._get_param("DefaultOnly")).lower() == "true"
    items = select(
        self._get_param("Engine"),
        self._get_param("EngineVersion"),
        self._get_param("DBParameterGroupFamily"),
        default_only,
    )
    start = int(self._get_param("Marker") or 0)
    page = items[start : start + max_records]
    result: dict[str, Any] = {"DBEngineVersions": page}
    if start + max_records < len(items):
        result["Marker"] = str(start + max_records)
    return ActionResult(result)


def install() -> None:
    RDSResponse.describe_db_engine_versions = _describe_db_engine_versions  # type: ignore[attr-defined]
