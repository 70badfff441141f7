"""RDS DescribeOrderableDBInstanceOptions for postgres (moto answers []) and CreateDBInstance's
refusal of a combination RDS does not sell, as AWS answers them."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_orderable_options_by_class_and_version(aws):
    rds = aws("rds")
    options = rds.describe_orderable_db_instance_options(
        Engine="postgres", EngineVersion="16.9", DBInstanceClass="db.t3.micro"
    )["OrderableDBInstanceOptions"]
    assert {option["StorageType"] for option in options} == {"standard", "gp2", "gp3", "io1"}
    assert all(option["EngineVersion"] == "16.9" and option["Vpc"] for option in options)
    # db.t2 runs PostgreSQL 12 and older only.
    assert (
        rds.describe_orderable_db_instance_options(Engine="postgres", DBInstanceClass="db.t2.micro")[
            "OrderableDBInstanceOptions"
        ]
        == []
    )


def test_orderable_options_paginate(aws):
    paginator = aws("rds").get_paginator("describe_orderable_db_instance_options")
    pages = list(
        paginator.paginate(Engine="postgres", DBInstanceClass="db.t4g.micro", PaginationConfig={"PageSize": 20})
    )
    assert len(pages) > 1
    versions = {option["EngineVersion"] for page in pages for option in page["OrderableDBInstanceOptions"]}
    assert "17.5" in versions and "13.20" in versions


def test_create_refuses_a_class_rds_does_not_sell_for_the_version(aws):
    rds = aws("rds")
    with pytest.raises(ClientError) as error:
        rds.create_db_instance(
            DBInstanceIdentifier="orderable-no",
            Engine="postgres",
            EngineVersion="16.9",
            DBInstanceClass="db.t2.micro",
            AllocatedStorage=20,
            MasterUsername="webapp",
            ManageMasterUserPassword=True,
        )
    assert error.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert (
        "DBInstanceClass=db.t2.micro, Engine=postgres, EngineVersion=16.9" in error.value.response["Error"]["Message"]
    )


def test_create_without_a_version_runs_the_engine_default(aws):
    rds = aws("rds")
    instance = rds.create_db_instance(
        DBInstanceIdentifier="orderable-default",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="webapp",
        ManageMasterUserPassword=True,
    )["DBInstance"]
    (default,) = rds.describe_db_engine_versions(Engine="postgres", DefaultOnly=True)["DBEngineVersions"]
    assert instance["EngineVersion"] == default["EngineVersion"]
    rds.delete_db_instance(DBInstanceIdentifier="orderable-default", SkipFinalSnapshot=True)
