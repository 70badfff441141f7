"""A boto3 client that counts the operations called through it, for the module tests' call counts."""


class Counting:
    """A boto3 client counting the operations called through it."""

    def __init__(self, client, calls):
        self.client = client
        self.calls = calls

    def __getattr__(self, name):
        attribute = getattr(self.client, name)
        if not callable(attribute) or name.startswith("_") or name in ("get_paginator", "can_paginate"):
            return attribute

        def call(*args, **kwargs):
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return call
