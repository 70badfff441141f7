#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rds_instance
short_description: An RDS DB instance whose master password RDS generates and keeps in Secrets Manager
version_added: 0.1.0
author: flask_react.aws developers (@flask-react)
description:
  - Creates, updates or deletes one RDS DB instance with C(ManageMasterUserPassword) - RDS
    generates the master password and stores it in a Secrets Manager secret it rotates, so the
    password never passes through Ansible, its output, logs or files.
  - Why not M(amazon.aws.rds_instance) - in amazon.aws 10.1.2 it has no option for an RDS-managed
    master password; it needs the password as a module argument.
  - On an existing instance only what AWS can change in place is compared and modified (class,
    storage growth, storage type such as gp2 to gp3, subnet group, backups, deletion protection,
    public access, Multi-AZ, security groups, minor engine upgrades, tags); the rest is reported as
    a warning. A different engine fails before any write.
  - An existing instance is written to (modified, tagged, deleted) only when it carries
    O(ownership_tags), which the module puts on every instance it creates, or with
    O(adopt_existing=true); otherwise the module fails before any write, so an instance someone else
    made never has its password moved to a managed secret, nor is deleted.
  - With O(wait=false) the module returns as soon as AWS accepted the request, so a play can do
    other work while the instance starts, and wait at its end.
  - An instance that is still starting (C(creating), C(backing-up), C(modifying)...) refuses
    C(ModifyDBInstance), and a final snapshot on delete, with C(InvalidDBInstanceState); when a change
    or a final snapshot is needed the module first waits for it to be C(available) (up to
    O(wait_timeout), whatever O(wait) says) and says so in a warning.
  - Supports check mode and diff mode.
options:
  db_instance_identifier:
    description: The instance identifier, for example C(flask-react-db).
    type: str
    required: true
  state:
    description: V(present) creates or updates; V(absent) deletes.
    type: str
    choices: [present, absent]
    default: present
  engine:
    description: Database engine.
    type: str
    default: postgres
  engine_version:
    description:
      - Engine version; omitted uses AWS's default.
      - V(latest) picks, when the instance is created, the newest version for which RDS sells
        O(db_instance_class) with O(storage_type) in the region (C(DescribeOrderableDBInstanceOptions));
        an existing instance is then left to RDS's minor-version upgrades.
      - A pinned version (C(16.9), or a major line such as C(16)) that RDS does not sell for
        O(db_instance_class) and O(storage_type) fails before any write; so does a change of class
        or version of an existing instance to such a combination.
      - A pinned version upgrades an existing instance within its major version only.
    type: str
  db_instance_class:
    description: Instance class, for example C(db.t3.micro) (free tier).
    type: str
    default: db.t3.micro
  allocated_storage:
    description: Storage in GiB (20 is the free tier's and gp2's minimum). It only grows.
    type: int
    default: 20
  storage_type:
    description: Storage type, set at creation.
    type: str
    default: gp2
  storage_encrypted:
    description: Encrypt storage at rest; set at creation only.
    type: bool
    default: true
  kms_key_id:
    description: KMS key for storage encryption; omitted uses the AWS-managed key.
    type: str
  master_username:
    description: Master user name.
    type: str
    default: webapp
  master_user_secret_kms_key_id:
    description: KMS key of the master password secret; omitted uses the AWS-managed key.
    type: str
  db_name:
    description: Name of a database to create at launch.
    type: str
  db_subnet_group_name:
    description: DB subnet group to launch in.
    type: str
  vpc_security_group_ids:
    description: Security groups of the instance; omitted leaves them alone on an existing instance.
    type: list
    elements: str
  publicly_accessible:
    description: Give the instance a public address.
    type: bool
    default: false
  multi_az:
    description: Keep a standby in another Availability Zone.
    type: bool
    default: false
  backup_retention_period:
    description: Days of automated backups (0 turns them off).
    type: int
    default: 7
  deletion_protection:
    description: Refuse deletion until turned off.
    type: bool
    default: false
  apply_immediately:
    description: Apply modifications now instead of in the next maintenance window.
    type: bool
    default: true
  skip_final_snapshot:
    description: With O(state=absent), delete without a final snapshot.
    type: bool
    default: false
  final_snapshot_identifier:
    description: With O(state=absent), the final snapshot's name; default C(<identifier>-final-<timestamp>).
    type: str
  tags:
    description: Tags of the instance (O(ownership_tags) are always added); omitted leaves the others alone.
    type: dict
  ownership_tags:
    description:
      - Tags that mark an instance as made by this collection. Every instance the module creates gets
        them; an existing instance without them is someone else's and is never modified or deleted
        unless O(adopt_existing=true).
    type: dict
    default: {managed-by: flask_react.aws}
  adopt_existing:
    description:
      - Manage an existing instance that lacks O(ownership_tags) - it gets them, an RDS-managed master
        password (replacing the one its users know) and every setting given here; with O(state=absent)
        it is deleted.
    type: bool
    default: false
  wait:
    description: Wait until the instance is available (present) or gone (absent).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait.
    type: int
    default: 1800
  wait_delay:
    description: Seconds between two looks at the instance while waiting.
    type: int
    default: 15
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Start the course's database without waiting for it
  flask_react.aws.rds_instance:
    db_instance_identifier: flask-react-db
    engine_version: "17.5"
    master_username: webapp
    db_subnet_group_name: flask-react-db-subnet-group
    vpc_security_group_ids: [sg-0123456789abcdef0]
    wait: false

- name: Manage an instance someone made by hand (its password moves to Secrets Manager)
  flask_react.aws.rds_instance:
    db_instance_identifier: legacy-db
    adopt_existing: true
    ownership_tags: {managed-by: flask_react.aws, app: flask-react}
    wait: false

- name: Delete it without a final snapshot
  flask_react.aws.rds_instance:
    db_instance_identifier: flask-react-db
    state: absent
    skip_final_snapshot: true
"""

RETURN = r"""
instance:
  description: The instance as DescribeDBInstances returns it (keys snake_case); empty when absent.
  returned: always
  type: dict
  contains:
    endpoint:
      description: Address and port, once AWS assigned them.
      type: dict
    master_user_secret:
      description: The Secrets Manager secret (ARN, status, KMS key) holding the master password.
      type: dict
modifications:
  description: The ModifyDBInstance arguments sent (or that would be sent in check mode).
  returned: always
  type: dict
"""

import datetime
import time

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule
from ansible_collections.flask_react.aws.plugins.module_utils.plan import single_plan
from ansible_collections.flask_react.aws.plugins.module_utils.rds import (
    PENDING_STATES,
    desired_tags,
    instance_tags,
    modifications,
    newest_orderable_version,
    orderable_error,
    refusal,
    tag_changes,
)


def describe(client, identifier):
    try:
        return client.describe_db_instances(aws_retry=True, DBInstanceIdentifier=identifier)["DBInstances"][0]
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "DBInstanceNotFound":
            return None
        raise


def wait_for(module, client, waiter_name):
    delay = max(1, module.params["wait_delay"])
    client.get_waiter(waiter_name).wait(
        DBInstanceIdentifier=module.params["db_instance_identifier"],
        WaiterConfig={"Delay": delay, "MaxAttempts": max(1, module.params["wait_timeout"] // delay)},
    )


def wait_until_available(module, client, status, action):
    """RDS refuses ModifyDBInstance, and a final snapshot, (InvalidDBInstanceState) until the instance is
    available: wait for that, and say so."""
    started = time.monotonic()
    wait_for(module, client, "db_instance_available")
    module.warn(
        f"{module.params['db_instance_identifier']} was {status}, and RDS {action} only an available instance: "
        f"waited {time.monotonic() - started:.0f}s for it to be available"
    )


def orderable_options(client, engine, instance_class):
    """DescribeOrderableDBInstanceOptions for the engine and the class, in a VPC (every page)."""
    options, marker = [], None
    while True:
        page = client.describe_orderable_db_instance_options(
            aws_retry=True,
            Engine=engine,
            DBInstanceClass=instance_class,
            Vpc=True,
            MaxRecords=1000,
            **({"Marker": marker} if marker else {}),
        )
        options += page["OrderableDBInstanceOptions"]
        marker = page.get("Marker")
        if not marker:
            return options


def check_orderable(client, engine, version, instance_class, storage_type):
    """Raise ValueError (the module fails, nothing written) unless RDS sells the combination; return the
    options read, so that ``latest`` is chosen from them."""
    options = orderable_options(client, engine, instance_class)
    error = orderable_error(engine, version, instance_class, storage_type, options)
    if error:
        raise ValueError(error)
    return options


def create(module, client):
    p = module.params
    options = check_orderable(client, p["engine"], p["engine_version"], p["db_instance_class"], p["storage_type"])
    if p["engine_version"] == "latest":
        p["engine_version"] = newest_orderable_version(options, p["storage_type"])
    request = {
        "DBInstanceIdentifier": p["db_instance_identifier"],
        "Engine": p["engine"],
        "DBInstanceClass": p["db_instance_class"],
        "AllocatedStorage": p["allocated_storage"],
        "StorageType": p["storage_type"],
        "StorageEncrypted": p["storage_encrypted"],
        "MasterUsername": p["master_username"],
        "ManageMasterUserPassword": True,
        "PubliclyAccessible": p["publicly_accessible"],
        "MultiAZ": p["multi_az"],
        "BackupRetentionPeriod": p["backup_retention_period"],
        "DeletionProtection": p["deletion_protection"],
        "Tags": [
            {"Key": key, "Value": value}
            for key, value in sorted(desired_tags(p["tags"], p["ownership_tags"], {}).items())
        ],
    }
    optional = {
        "EngineVersion": p["engine_version"],
        "KmsKeyId": p["kms_key_id"],
        "MasterUserSecretKmsKeyId": p["master_user_secret_kms_key_id"],
        "DBName": p["db_name"],
        "DBSubnetGroupName": p["db_subnet_group_name"],
        "VpcSecurityGroupIds": p["vpc_security_group_ids"],
    }
    request.update({key: value for key, value in optional.items() if value})
    if module.check_mode:
        return request
    return client.create_db_instance(aws_retry=True, **request)["DBInstance"]


def ensure_tags(module, client, instance):
    current = instance_tags(instance)
    add, remove = tag_changes(desired_tags(module.params["tags"], module.params["ownership_tags"], current), current)
    if (add or remove) and not module.check_mode:
        arn = instance["DBInstanceArn"]
        if add:
            client.add_tags_to_resource(
                aws_retry=True, ResourceName=arn, Tags=[{"Key": k, "Value": v} for k, v in add.items()]
            )
        if remove:
            client.remove_tags_from_resource(aws_retry=True, ResourceName=arn, TagKeys=remove)
    return bool(add or remove)


def delete(module, client, instance):
    p = module.params
    if instance.get("DeletionProtection"):
        module.fail_json(
            msg=f"{p['db_instance_identifier']} has deletion protection on: set rds_deletion_protection: false "
            "and run site.yml before removing it"
        )
    if instance["DBInstanceStatus"] == "deleting" or module.check_mode:
        return
    if not p["skip_final_snapshot"] and instance["DBInstanceStatus"] in PENDING_STATES:
        # "Instance is currently creating - a final snapshot cannot be taken."
        wait_until_available(module, client, instance["DBInstanceStatus"], "snapshots")
    request = {"DBInstanceIdentifier": p["db_instance_identifier"], "SkipFinalSnapshot": p["skip_final_snapshot"]}
    if not p["skip_final_snapshot"]:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d%H%M%S")
        request["FinalDBSnapshotIdentifier"] = (
            p["final_snapshot_identifier"] or f"{p['db_instance_identifier']}-final-{stamp}"
        )
    client.delete_db_instance(aws_retry=True, **request)


def main():
    argument_spec = dict(
        db_instance_identifier=dict(type="str", required=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        engine=dict(type="str", default="postgres"),
        engine_version=dict(type="str"),
        db_instance_class=dict(type="str", default="db.t3.micro"),
        allocated_storage=dict(type="int", default=20),
        storage_type=dict(type="str", default="gp2"),
        storage_encrypted=dict(type="bool", default=True),
        kms_key_id=dict(type="str"),
        master_username=dict(type="str", default="webapp"),
        master_user_secret_kms_key_id=dict(type="str"),
        db_name=dict(type="str"),
        db_subnet_group_name=dict(type="str"),
        vpc_security_group_ids=dict(type="list", elements="str"),
        publicly_accessible=dict(type="bool", default=False),
        multi_az=dict(type="bool", default=False),
        backup_retention_period=dict(type="int", default=7),
        deletion_protection=dict(type="bool", default=False),
        apply_immediately=dict(type="bool", default=True),
        skip_final_snapshot=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        tags=dict(type="dict"),
        ownership_tags=dict(type="dict", default={"managed-by": "flask_react.aws"}),
        adopt_existing=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        wait_delay=dict(type="int", default=15),
    )
    module = AppAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("rds", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    identifier = module.params["db_instance_identifier"]
    changes, changed = {}, False
    try:
        before = describe(client, identifier)
        reason = refusal(module.params, before) if before else None
        if reason:
            module.fail_json(msg=reason)
        if module.params["state"] == "absent":
            if before is not None:
                delete(module, client, before)
                changed = True
                if module.params["wait"] and not module.check_mode:
                    wait_for(module, client, "db_instance_deleted")
            module.exit_json(
                changed=changed,
                instance={},
                modifications={},
                plan=single_plan("AWS::RDS::DBInstance", identifier, changed, deleted=True),
            )
        if before is None:
            instance, changed = create(module, client), True
        else:
            if module.params["engine_version"] == "latest":
                module.params["engine_version"] = None  # chosen at creation; RDS upgrades minors
            changes, warnings = modifications(module.params, before)
            # A storage type alone is not checked: an instance on a version RDS no longer sells still
            # moves from gp2 to gp3 in place.
            if {"DBInstanceClass", "EngineVersion"} & set(changes):
                check_orderable(
                    client,
                    before["Engine"],
                    changes.get("EngineVersion", before.get("EngineVersion")),
                    changes.get("DBInstanceClass", before["DBInstanceClass"]),
                    changes.get("StorageType", before.get("StorageType")),
                )
            for warning in warnings:
                module.warn(warning)
            if changes and not module.check_mode and before["DBInstanceStatus"] in PENDING_STATES:
                wait_until_available(module, client, before["DBInstanceStatus"], "modifies")
            if changes and not module.check_mode:
                client.modify_db_instance(
                    aws_retry=True,
                    DBInstanceIdentifier=identifier,
                    ApplyImmediately=module.params["apply_immediately"],
                    **changes,
                )
            changed = ensure_tags(module, client, before) or bool(changes)
            instance = before
        if module.params["wait"] and changed and not module.check_mode:
            wait_for(module, client, "db_instance_available")
        if changed and not module.check_mode:
            instance = describe(client, identifier)
    except ValueError as error:
        module.fail_json(msg=str(error))
    # WaiterError is a BotoCoreError: catch it first.
    except botocore.exceptions.WaiterError as error:
        module.fail_json(
            msg=f"RDS instance {identifier} did not settle within {module.params['wait_timeout']}s: {error}"
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to manage RDS instance {identifier}")

    result = dict(
        changed=changed,
        instance=camel_dict_to_snake_dict(instance, ignore_list=["TagList"]),
        modifications=changes,
        plan=single_plan("AWS::RDS::DBInstance", identifier, changed, created=before is None),
    )
    if module._diff:
        result["diff"] = {
            "before": {key: (before or {}).get(key) for key in changes} if before else {},
            "after": changes or instance,
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
