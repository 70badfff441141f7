# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure planning of flask_react.aws.rds_instance: what ModifyDBInstance and the tag calls must change."""

from __future__ import annotations


def version_key(version):
    """``"16.10"`` -> ``(16, 10)`` so versions sort as numbers, not text."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def modifications(params, instance):
    """ModifyDBInstance arguments that bring ``instance`` (DescribeDBInstances shape) to ``params``.

    Returns (changes, warnings). Only fields AWS can change in place are compared;
    storage only grows; the engine upgrades within its major version only.
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


def tag_changes(desired, current):
    """(tags to add or update, keys to remove) to make ``current`` equal ``desired``; None leaves tags alone."""
    if desired is None:
        return {}, []
    add = {key: str(value) for key, value in desired.items() if current.get(key) != str(value)}
    remove = sorted(key for key in current if key not in desired)
    return add, remove
