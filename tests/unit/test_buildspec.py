"""buildspec.yml: the course's build, with every variable one the project sets (no hard-coded region or DNS)."""

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# CodeBuild sets these in every build (AWS CodeBuild "Environment variables in build environments").
CODEBUILD_PROVIDED = {"AWS_REGION", "AWS_DEFAULT_REGION", "CODEBUILD_BUILD_ID", "CODEBUILD_RESOLVED_SOURCE_VERSION"}


def role_variables():
    """Names the codebuild role puts in the project's environment."""
    text = "".join(path.read_text() for path in (REPO / "roles/codebuild/tasks").glob("*.yml"))
    return set(re.findall(r"name: ([A-Z][A-Z0-9_]+)", text))


def commands():
    spec = yaml.safe_load((REPO / "buildspec.yml").read_text())
    return spec, [command for phase in spec["phases"].values() for command in phase["commands"]]


def test_structure_is_the_courses_build():
    spec, lines = commands()
    assert spec["version"] == 0.2
    assert list(spec["phases"]) == ["pre_build", "build", "post_build"]
    text = "\n".join(lines)
    assert "docker login --username AWS --password-stdin" in text
    assert "services/users/Dockerfile.prod" in text and "services/client/Dockerfile.prod" in text
    assert "--build-arg NODE_ENV=production" in text
    assert '--build-arg "REACT_APP_API_SERVICE_URL=${REACT_APP_API_SERVICE_URL}"' in text
    assert text.count("docker push") == 2


def test_no_region_dns_name_or_runtime_pin():
    spec, lines = commands()
    text = "\n".join(lines)
    assert not re.search(r"(us|ap|eu|sa|ca|me|af)-[a-z]+-\d", text), "no hard-coded region"
    assert "elb.amazonaws.com" not in text
    assert "variables" not in spec.get("env", {}), "values come from the project, not the file"
    assert "runtime-versions" not in yaml.safe_dump(spec), "standard images ship docker; no pin they may not offer"


def test_every_variable_is_set_by_the_project_or_codebuild():
    lines = commands()[1]
    used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", "\n".join(lines)))
    assert used - CODEBUILD_PROVIDED <= role_variables(), used - CODEBUILD_PROVIDED - role_variables()
    assert {"AWS_ACCOUNT_ID", "REACT_APP_API_SERVICE_URL", "ECR_REGISTRY"} <= used
