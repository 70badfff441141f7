"""RDS DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions, which moto 5.2 lacks
(its orderable options answer only aurora-postgresql and neptune; [] for postgres).

Answers from a fixed, realistic list of PostgreSQL versions (the shape of the
RDS API reference's ``DBEngineVersion``), filtered by ``Engine``,
``EngineVersion``, ``DBParameterGroupFamily`` and ``DefaultOnly``, ascending as
AWS lists them, paginated by ``MaxRecords``/``Marker``.

The orderable options (``OrderableDBInstanceOption``) cross those versions with a small table of
instance classes and storage types, after the RDS User Guide's "Supported DB engines for DB
instance classes": the burstable db.t3/db.t4g and the current m/r classes run every version
listed; db.t2 runs PostgreSQL 12 and older only, so no version here (AWS answers none for it).
CreateDBInstance refuses a postgres combination that is not orderable, with AWS's
InvalidParameterCombination, as AWS does.
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


# Instance class -> storage types (StorageType of the options). Burstable classes take no io2.
BURSTABLE_STORAGE = ("standard", "gp2", "gp3", "io1")
CURRENT_STORAGE = ("standard", "gp2", "gp3", "io1", "io2")
POSTGRES_CLASSES = {
    **{f"db.t3.{size}": BURSTABLE_STORAGE for size in ("micro", "small", "medium", "large", "xlarge", "2xlarge")},
    **{f"db.t4g.{size}": BURSTABLE_STORAGE for size in ("micro", "small", "medium", "large", "xlarge", "2xlarge")},
    **{
        f"db.{family}.{size}": CURRENT_STORAGE
        for family in ("m5", "m6g", "m6i", "m7g", "r5", "r6g", "r6i", "r7g")
        for size in ("large", "xlarge", "2xlarge")
    },
}
# Minimum and maximum storage in GiB per storage type (RDS User Guide, "Amazon RDS DB instance storage").
STORAGE_LIMITS = {
    "standard": (5, 3072),
    "gp2": (20, 65536),
    "gp3": (20, 65536),
    "io1": (100, 65536),
    "io2": (100, 65536),
}


def orderable_options(region: str = "us-east-1") -> list[dict[str, Any]]:
    """Every postgres OrderableDBInstanceOption, by version, then class, then storage type."""
    zones = [{"Name": f"{region}{letter}"} for letter in "abc"]
    options = []
    for version, _default in POSTGRES_VERSIONS:
        for instance_class, storage_types in POSTGRES_CLASSES.items():
            for storage in storage_types:
                low, high = STORAGE_LIMITS[storage]
                options.append(
                    {
                        "Engine": "postgres",
                        "EngineVersion": version,
                        "DBInstanceClass": instance_class,
                        "LicenseModel": "postgresql-license",
                        "AvailabilityZoneGroup": region,
                        "AvailabilityZones": zones,
                        "MultiAZCapable": True,
                        "ReadReplicaCapable": True,
                        "Vpc": True,
                        "SupportsStorageEncryption": True,
                        "StorageType": storage,
                        "SupportsIops": storage in ("io1", "io2", "gp3"),
                        "SupportsStorageThroughput": storage == "gp3",
                        "SupportsEnhancedMonitoring": True,
                        "SupportsIAMDatabaseAuthentication": True,
                        "SupportsPerformanceInsights": True,
                        "MinStorageSize": low,
                        "MaxStorageSize": high,
                        "SupportedEngineModes": ["provisioned"],
                        "SupportsStorageAutoscaling": storage != "standard",
                        "SupportsKerberosAuthentication": True,
                        "OutpostCapable": False,
                        "SupportsGlobalDatabases": False,
                        "SupportsClusters": False,
                        "SupportedNetworkTypes": ["IPV4", "DUAL"],
                    }
                )
    return options


def _matches_version(option_version: str, wanted: str | None) -> bool:
    return not wanted or option_version == wanted or option_version.startswith(wanted + ".")


def select_orderable(
    region: str,
    engine: str,
    version: str | None = None,
    instance_class: str | None = None,
    license_model: str | None = None,
    vpc: bool | None = None,
) -> list[dict[str, Any]]:
    return [
        option
        for option in orderable_options(region)
        if option["Engine"] == engine
        and _matches_version(option["EngineVersion"], version)
        and (not instance_class or option["DBInstanceClass"] == instance_class)
        and (not license_model or option["LicenseModel"] == license_model)
        and (vpc is None or option["Vpc"] == vpc)
    ]


_moto_orderable = RDSResponse.describe_orderable_db_instance_options
_moto_create_db_instance = RDSResponse.create_db_instance


def _describe_orderable_db_instance_options(self: RDSResponse) -> ActionResult:
    engine = self._get_param("Engine")
    if engine != "postgres":
        return _moto_orderable(self)  # aurora-postgresql and neptune: moto's own data
    max_records = int(self._get_param("MaxRecords") or 100)
    if not 20 <= max_records <= 1000:
        raise RDSClientError("InvalidParameterValue", "MaxRecords must be between 20 and 1000")
    vpc = self._get_param("Vpc")
    items = select_orderable(
        self.region,
        engine,
        self._get_param("EngineVersion"),
        self._get_param("DBInstanceClass"),
        self._get_param("LicenseModel"),
        None if vpc is None else str(vpc).lower() == "true",
    )
    start = int(self._get_param("Marker") or 0)
    result: dict[str, Any] = {"OrderableDBInstanceOptions": items[start : start + max_records]}
    if start + max_records < len(items):
        result["Marker"] = str(start + max_records)
    return ActionResult(result)


def _create_db_instance(self: RDSResponse) -> ActionResult:
    engine, instance_class = self._get_param("Engine"), self._get_param("DBInstanceClass")
    if engine == "postgres" and not self._get_param("DBClusterIdentifier"):
        version = self._get_param("EngineVersion")
        if not version:
            # AWS creates the engine's default version (moto would say 9.3.3, which RDS no longer sells).
            version = self.params["EngineVersion"] = next(v for v, default in POSTGRES_VERSIONS if default)
        storage = self._get_param("StorageType") or "gp2"
        offered = [
            option
            for option in select_orderable(self.region, engine, version, instance_class)
            if option["StorageType"] == storage
        ]
        if not offered:
            raise RDSClientError(
                "InvalidParameterCombination",
                "RDS does not support creating a DB instance with the following combination: "
                f"DBInstanceClass={instance_class}, Engine={engine}, EngineVersion={version}, "
                "LicenseModel=postgresql-license. For supported combinations of instance class and database "
                "engine version, see the documentation.",
            )
    return _moto_create_db_instance(self)


def install() -> None:
    RDSResponse.describe_db_engine_versions = _describe_db_engine_versions  # type: ignore[attr-defined]
    RDSResponse.describe_orderable_db_instance_options = _describe_orderable_db_instance_options  # type: ignore[method-assign]
    RDSResponse.create_db_instance = _create_db_instance  # type: ignore[method-assign]
