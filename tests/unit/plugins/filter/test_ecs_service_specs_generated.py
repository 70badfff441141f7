"""ecs_service_specs with generated secrets: each variable read from its secret's full ARN once the secret
exists, from its ARN without suffix before (check mode on an empty account); the execution role granted
the same resource in both cases, so a plan on a converged account changes no policy."""

from ansible_collections.flask_react.aws.plugins.filter.ecs_service_specs import ecs_service_specs

PREFIX = "arn:aws:secretsmanager:us-west-1:123456789012:secret:"
SERVICES = [
    {"name": "web", "port": 80},
    {"name": "api", "port": 5000, "generated_secrets": ["SECRET_KEY"], "secrets": {"TOKEN": PREFIX + "token"}},
]


def test_a_generated_secret_is_read_by_its_full_arn_and_granted_with_any_suffix():
    made = {"shop/api/SECRET_KEY": PREFIX + "shop/api/SECRET_KEY-AbC123"}
    web, api = ecs_service_specs(SERVICES, "shop", generated_secrets=made, secret_arn_prefix=PREFIX)
    assert web["secrets"] == {} and web["secret_resources"] == []
    assert api["secrets"] == {"TOKEN": PREFIX + "token", "SECRET_KEY": PREFIX + "shop/api/SECRET_KEY-AbC123"}
    assert api["secret_resources"] == [PREFIX + "shop/api/SECRET_KEY-??????", PREFIX + "token-??????"]


def test_a_secret_still_to_be_made_is_named_without_suffix_and_granted_the_same():
    (planned,) = ecs_service_specs(SERVICES[1:], "shop", generated_secrets={}, secret_arn_prefix=PREFIX)
    (made,) = ecs_service_specs(
        SERVICES[1:], "shop", generated_secrets={"shop/api/SECRET_KEY": PREFIX + "shop/api/SECRET_KEY-x1Y2z3"}
    )
    assert planned["secrets"]["SECRET_KEY"] == PREFIX + "shop/api/SECRET_KEY"
    assert planned["secret_resources"] == made["secret_resources"]


def test_without_generated_secrets_nothing_changes():
    (spec,) = ecs_service_specs([{"name": "api", "port": 5000}], "shop")
    assert spec["secrets"] == {} and spec["secret_resources"] == []
