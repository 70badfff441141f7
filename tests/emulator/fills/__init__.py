"""Fills for what moto lacks or allows where AWS refuses. Each module has one ``install()``."""

from tests.emulator.fills import (
    acm,
    applicationautoscaling,
    cloudwatch,
    codebuild,
    codebuild_builds,
    ec2,
    ecr,
    ecs,
    elbv2,
    events,
    iam,
    rds,
    route53,
    secretsmanager,
    sns,
)

_installed = False


def install() -> None:
    """Install every fill once per process (moto's classes are patched in place)."""
    global _installed
    if _installed:
        return
    acm.install()
    applicationautoscaling.install()
    codebuild.install()
    codebuild_builds.install()
    ec2.install()
    ecr.install()
    ecs.install()
    elbv2.install()
    events.install()
    iam.install()
    rds.install()
    route53.install()
    secretsmanager.install()
    cloudwatch.install()
    sns.install()
    _installed = True
