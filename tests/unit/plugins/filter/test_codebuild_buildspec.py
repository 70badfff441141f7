"""codebuild_buildspec: one inline buildspec, deterministic, valid YAML, well under CodeBuild's
25600 characters, whose first command writes ci/codebuild.py back byte for byte when bash runs it."""

import subprocess
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.flask_react.aws.plugins.filter.codebuild_buildspec import (
    MAX_INLINE_BUILDSPEC,
    FilterModule,
    codebuild_buildspec,
)
from hypothesis import given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[4]
BUILDSPEC = (REPO / "buildspec.yml").read_text()
SCRIPT = (REPO / "ci/codebuild.py").read_text()


def written_script(text, tmp_path):
    """What bash writes when it runs the inline buildspec's first command."""
    command = yaml.safe_load(text)["phases"]["pre_build"]["commands"][0]
    done = subprocess.run(
        ["bash", "-c", command + 'cat "$FLASK_REACT_CI"'],
        env={"PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path)},
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def test_the_collections_buildspec_and_script_fit_well_under_codebuilds_limit():
    text = codebuild_buildspec(BUILDSPEC, script=SCRIPT)
    # Room left for the script to grow by a quarter before the filter refuses it.
    assert len(text) <= 0.8 * MAX_INLINE_BUILDSPEC == 20480, len(text)
    assert MAX_INLINE_BUILDSPEC == 25600


def test_deterministic_valid_yaml_and_registered():
    text = codebuild_buildspec(BUILDSPEC, script=SCRIPT)
    assert text == codebuild_buildspec(BUILDSPEC, script=SCRIPT)
    spec = yaml.safe_load(text)
    assert spec["version"] == 0.2 and spec["env"] == {"shell": "bash"}
    assert list(spec["phases"]) == ["pre_build", "build", "post_build"]
    assert FilterModule().filters()["codebuild_buildspec"] is codebuild_buildspec
    # Nothing Jinja would act on, should the text be templated again.
    assert "{{" not in text and "{%" not in text and "{#" not in text


def test_the_commands_name_the_written_script_and_nothing_in_the_repository():
    spec = yaml.safe_load(codebuild_buildspec(BUILDSPEC, script=SCRIPT))
    commands = [c for phase in spec["phases"].values() for c in phase["commands"]]
    assert not [c for c in commands[1:] if "ci/codebuild.py" in c]
    assert spec["phases"]["build"]["commands"][-1] == 'python3 "${FLASK_REACT_CI}" build'
    assert spec["phases"]["post_build"]["commands"][-2:] == [
        'python3 "${FLASK_REACT_CI}" push',
        'python3 "${FLASK_REACT_CI}" deploy',
    ]
    # The rest of buildspec.yml is kept as it is.
    original = yaml.safe_load(BUILDSPEC)["phases"]
    assert spec["phases"]["pre_build"]["commands"][1:] == original["pre_build"]["commands"]


def test_bash_writes_the_script_back_byte_for_byte(tmp_path):
    assert written_script(codebuild_buildspec(BUILDSPEC, script=SCRIPT), tmp_path) == SCRIPT


def test_a_script_without_its_last_newline_gets_it_back(tmp_path):
    # lookup('ansible.builtin.file') strips the last newline unless rstrip=false.
    text = codebuild_buildspec(BUILDSPEC, script=SCRIPT.rstrip("\n"))
    assert text == codebuild_buildspec(BUILDSPEC, script=SCRIPT)


def test_a_line_equal_to_the_delimiter_gets_another_delimiter(tmp_path):
    script = "print('a')\nFLASK_REACT_CI_EOF\nFLASK_REACT_CI_EOF_1\n"
    text = codebuild_buildspec(BUILDSPEC, script=script)
    assert "<<'FLASK_REACT_CI_EOF_2'" in text
    assert written_script(text, tmp_path) == script


@pytest.mark.parametrize(
    "script",
    [
        "  leading spaces\n",
        "trailing spaces   \n\tand a tab\n",
        "a carriage return\r\n",
        "unicode line breaks \u2028 \u2029 \x85 and \u00e9\n",
        "$HOME `id` $(id) \\ ' \" ${X}\n",
        "\n\n\nblank lines\n\n",
    ],
)
def test_awkward_scripts_are_written_back_exactly(tmp_path, script):
    text = codebuild_buildspec(BUILDSPEC, script=script)
    assert yaml.safe_load(text)["version"] == 0.2
    assert written_script(text, tmp_path) == script


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
            | st.sampled_from("\t $`\\'\"{}"),
            max_size=40,
        ),
        min_size=1,
        max_size=8,
    ).filter(lambda lines: "".join(lines).strip())
)
def test_any_text_is_written_back_exactly(tmp_path_factory, lines):
    """Quotes, dollars, backslashes, tabs, trailing spaces, unicode: the quoted heredoc expands nothing."""
    script = "".join(line + "\n" for line in lines)
    text = codebuild_buildspec(BUILDSPEC, script=script)
    assert written_script(text, tmp_path_factory.mktemp("w")) == script


@pytest.mark.parametrize(
    ("buildspec", "message"),
    [
        ("version: 0.1\nphases:\n  build:\n    commands: [make]\n", "version: 0.2"),
        ("phases: [", "not YAML"),
        ("- a list\n", "version: 0.2"),
        ("version: 0.2\nphases: {}\n", "phases must be among"),
        ("version: 0.2\nphases:\n  compile:\n    commands: [make]\n", "phases must be among"),
    ],
)
def test_a_bad_buildspec_fails_naming_the_rule(buildspec, message):
    with pytest.raises(AnsibleFilterError, match=message):
        codebuild_buildspec(buildspec, script=SCRIPT)


@pytest.mark.parametrize("script", ["", "\n", None])
def test_no_script_fails(script):
    with pytest.raises(AnsibleFilterError, match="script"):
        codebuild_buildspec(BUILDSPEC, script=script)


def test_too_long_a_result_fails_naming_codebuilds_limit():
    with pytest.raises(AnsibleFilterError, match="more than CodeBuild's 25600"):
        codebuild_buildspec(BUILDSPEC, script="# padding\n" * 3000)


def test_the_first_phase_present_writes_the_script():
    buildspec = "version: 0.2\nphases:\n  build:\n    commands:\n      - python3 ci/codebuild.py build\n"
    spec = yaml.safe_load(codebuild_buildspec(buildspec, script="print(1)\n"))
    assert spec["phases"]["build"]["commands"][0].startswith('export FLASK_REACT_CI="$(mktemp -d)/codebuild.py"\n')
    assert spec["phases"]["build"]["commands"][1] == 'python3 "${FLASK_REACT_CI}" build'


def test_other_paths_that_merely_contain_the_name_are_left_alone():
    buildspec = (
        "version: 0.2\nphases:\n  build:\n    commands:\n"
        "      - python3 ci/codebuild.py build && cat myci/codebuild.py ci/codebuild.pyc\n"
    )
    spec = yaml.safe_load(codebuild_buildspec(buildspec, script="print(1)\n"))
    assert (
        spec["phases"]["build"]["commands"][1]
        == 'python3 "${FLASK_REACT_CI}" build && cat myci/codebuild.py ci/codebuild.pyc'
    )
