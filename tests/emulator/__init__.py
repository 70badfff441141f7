"""The local AWS emulator: moto in server mode plus faithful fills.

moto answers most of the API this collection calls. Where it lacks an operation
(CodeBuild UpdateProject and webhooks, RDS DescribeDBEngineVersions) or is more
lenient than AWS on a rule the collection depends on (ALB listener-rule quotas),
the modules in this package add the operation or the rule, shaped on the AWS API
reference. Production code never knows: the only difference is the endpoint URL.

Start it with ``python -m tests.emulator --port 4566`` or ``make emulator-start``.
"""

from tests.emulator.server import DEFAULT_PORT, make_app, serve

__all__ = ["DEFAULT_PORT", "make_app", "serve"]
