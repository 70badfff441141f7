# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning of flask_react.aws.rds_instance: whether an existing instance may be touched,
and what ModifyDBInstance and the tag calls must change."""

from __future__ import annotations

# DescribeDBInstances states from which the instance becomes available by itself
# (RDS User Guide, "Viewing Amazon RDS DB instance status"); ModifyDBInstance is
# refused with InvalidDBInstanceState until then.
PENDING_STATES = frozenset(
    {
        "creating",
        "backing-up",
        "modifying",
        "rebooting",
        "starting",
        "upgrading",
        "configuring-enhanced-monitoring",
        "configuring-log-exports",
        "configuring-iam-database-auth",
        "renaming",
        "resetting-master-credentials",
        "storage-optimization",
        "maintenance",
    }
)


def version_key(version):
    """``"16.10"`` -> ``(16, 10)`` so versions sort as numbers, not text."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def instance_tags(instance):
    """The instance's TagList as a dict."""
    return {tag["Key"]: tag["Value"] for tag in instance.get("TagList", [])}


def is_owned(instance, ownership_tags):
    """True when the instance carries every ownership tag with its value (this collection made it)."""
    tags = instance_tags(instance)
    return all(tags.get(key) == str(value) for key, value in (ownership_tags or {}).items())


def refusal(params, instance):
    """Why the module must not write to the existing ``instance`` at all, or None.

    Checked before any write, present or absent: an instance of that name that this
    collection did not make (it lacks ``ownership_tags``) is someone else's until the
    user adopts it; and an engine cannot change in place.
    """
    identifier = instance["DBInstanceIdentifier"]
    if instance.get("DBInstanceStatus") == "deleting" and params.get("state", "present") == "present":
        return f"{identifier} is being deleted; run again once it is gone"
    if params.get("state", "present") == "present" and params.get("engine") not in (None, instance.get("Engine")):
        return (
            f"{identifier} runs {instance.get('Engine')}, not {params['engine']} (rds_engine): an engine cannot "
            "change in place; choose another rds_instance_identifier or migrate the data deliberately"
        )
    if params.get("adopt_existing") or is_owned(instance, params.get("ownership_tags")):
        return None
    wanted = ", ".join(f"{key}={value}" for key, value in sorted((params.get("ownership_tags") or {}).items()))
    if params.get("state") == "absent":
        return (
            f"{identifier} was not created by flask_react.aws (it lacks the tags {wanted}), so it is not deleted. "
            "Choose another rds_instance_identifier, or set rds_adopt_existing: true to delete it"
        )
    return (
        f"{identifier} exists but was not created by flask_react.aws (it lacks the tags {wanted}), so it is left "
        "untouched: its password, settings and data stay as they are. Choose another rds_instance_identifier, or "
        "set rds_adopt_existing: true to manage it (its master password then moves to an RDS-managed secret in "
        "Secrets Manager: every client using the current password must read the new one)"
    )


def modifications(params, instance):
    """ModifyDBInstance arguments that bring ``instance`` (DescribeDBInstances shape) to ``params``.

    Returns (changes, warnings). Only fields AWS can change in place are compared;
    storage only grows; the engine upgrades within its major version only. Call it
    only for an instance ``refusal`` allows (ours, or adopted).
    """
    changes, warnings = {}, []
    if params["db_instance_class"] != instance["DBInstanceClass"]:
        changes["DBInstanceClass"] = params["db_instance_class"]
    if params["allocated_storage"] > instance["AllocatedStorage"]:
        changes["AllocatedStorage"] = params["allocated_storage"]
    elif params["allocated_storage"] < instance["AllocatedStorage"]:
        warnings.append(
            f"allocated_storage {params['allocated_storage']} is below the instance's "
            f"{instance['AllocatedStorage']} GiB; RDS storage cannot shrink, left as is"
        )
    # gp2 -> gp3 (and back) is an in-place ModifyDBInstance; RDS keeps the instance up.
    if params.get("storage_type") and instance.get("StorageType") and params["storage_type"] != instance["StorageType"]:
        changes["StorageType"] = params["storage_type"]
    subnet_group = (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
    if params.get("db_subnet_group_name") and subnet_group and params["db_subnet_group_name"] != subnet_group:
        changes["DBSubnetGroupName"] = params["db_subnet_group_name"]
    if params["backup_retention_period"] != instance["BackupRetentionPeriod"]:
        changes["BackupRetentionPeriod"] = params["backup_retention_period"]
    if params["deletion_protection"] != instance.get("DeletionProtection", False):
        changes["DeletionProtection"] = params["deletion_protection"]
    if params["publicly_accessible"] != instance.get("PubliclyAccessible", False):
        changes["PubliclyAccessible"] = params["publicly_accessible"]
    if params["multi_az"] != instance.get("MultiAZ", False):
        changes["MultiAZ"] = params["multi_az"]
    current_groups = sorted(group["VpcSecurityGroupId"] for group in instance.get("VpcSecurityGroups", []))
    if params["vpc_security_group_ids"] is not None and sorted(params["vpc_security_group_ids"]) != current_groups:
        changes["VpcSecurityGroupIds"] = sorted(params["vpc_security_group_ids"])
    if not instance.get("MasterUserSecret"):
        changes["ManageMasterUserPassword"] = True
    wanted, current = params.get("engine_version"), instance.get("EngineVersion")
    if wanted and current and version_key(wanted) > version_key(current):
        if wanted.split(".")[0] == current.split(".")[0]:
            changes["EngineVersion"] = wanted
        else:
            warnings.append(
                f"engine_version {wanted} is a major upgrade from {current}; do it deliberately, left as is"
            )
    if params["storage_encrypted"] != instance.get("StorageEncrypted", False):
        warnings.append("storage_encrypted cannot change on an existing instance; restore a snapshot into a new one")
    return changes, warnings


def desired_tags(tags, ownership_tags, current):
    """The tags the instance must end with: ``tags`` plus the ownership tags; None ``tags`` keeps the others."""
    base = dict(current) if tags is None else {key: str(value) for key, value in tags.items()}
    return dict(base, **{key: str(value) for key, value in (ownership_tags or {}).items()})


def tag_changes(desired, current):
    """(tags to add or update, keys to remove) to make ``current`` equal ``desired``; None leaves tags alone."""
    if desired is None:
        return {}, []
    add = {key: str(value) for key, value in desired.items() if current.get(key) != str(value)}
    remove = sorted(key for key in current if key not in desired)
    return add, remove


def _version_matches(option_version, wanted):
    """A pinned ``wanted`` (``16.9``, or a major line such as ``16``) names ``option_version``."""
    return option_version == wanted or option_version.startswith(wanted + ".")


def orderable_versions(options, storage_type=None):
    """The engine versions of DescribeOrderableDBInstanceOptions answers that take ``storage_type``."""
    return {
        option["EngineVersion"] for option in options if not storage_type or option.get("StorageType") == storage_type
    }


def newest_orderable_version(options, storage_type=None):
    """The newest version RDS sells the class for with ``storage_type`` (None when it sells none)."""
    versions = orderable_versions(options, storage_type)
    return max(versions, key=version_key) if versions else None


def orderable_error(engine, engine_version, instance_class, storage_type, options):
    """Why RDS cannot create ``instance_class`` running ``engine_version`` on ``storage_type``, or None.

    ``options`` are DescribeOrderableDBInstanceOptions' answers for the engine and the class;
    ``engine_version`` None or ``latest`` asks whether any version is orderable. The message names
    the role's variables: the module serves the rds role.
    """
    offered = orderable_versions(options, storage_type)
    if engine_version in (None, "", "latest"):
        if offered:
            return None
        return (
            f"rds_instance_class: RDS sells no {engine} version on {instance_class} with {storage_type} storage "
            "in this region (DescribeOrderableDBInstanceOptions); choose another rds_instance_class "
            "(db.t3.micro is the free tier's) or rds_storage_type"
        )
    if any(_version_matches(version, engine_version) for version in offered):
        return None
    nearby = sorted(offered, key=version_key)[-3:]
    return (
        f"rds_engine_version {engine_version} with rds_instance_class {instance_class} ({storage_type} storage): "
        f"RDS does not sell this combination of {engine} in this region (DescribeOrderableDBInstanceOptions); "
        + (
            f"for this class it sells {', '.join(nearby)} among others"
            if nearby
            else "it sells no version for this class"
        )
        + ": change rds_engine_version or rds_instance_class"
    )
