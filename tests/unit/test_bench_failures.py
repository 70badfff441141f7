"""benchmarks/run.py's failures(): each failed task with its message, whatever the verbosity (test_plan.py
names a failed run's task and message with it, and make bench's table says what broke)."""

from benchmarks.run import failures

YAML_CALLBACK = """
TASK [flask_react.aws.ecr : Ensure the repositories] ***************************
fatal: [local]: FAILED! =>
    changed: false
    msg: 'Failed to create repository x: AccessDenied'

TASK [Next] ********************************************************************
ok: [local]
"""

# At -vvv the module's arguments come first: the message is dozens of lines under "FAILED!".
VERBOSE = (
    "TASK [flask_react.aws.codebuild : Ensure the build project] ***\n"
    "fatal: [three]: FAILED! => {\n"
    '    "changed": false,\n'
    '    "invocation": {\n'
    '        "module_args": {\n' + "".join(f'            "option_{n}": null,\n' for n in range(40)) + "        }\n"
    "    },\n"
    '    "msg": "Failed to create the webhook of CodeBuild project shop-build: the account has no GITHUB source '
    'credentials"\n'
    "}\n"
    "ok: [local]\n"
)


def test_the_message_under_the_failure_line_is_named_with_its_task():
    assert failures(YAML_CALLBACK) == [
        "flask_react.aws.ecr : Ensure the repositories: 'Failed to create repository x: AccessDenied'"
    ]


def test_a_verbose_failures_message_far_under_it_is_found():
    (found,) = failures(VERBOSE)
    assert found.startswith("flask_react.aws.codebuild : Ensure the build project: Failed to create the webhook")
    assert "option_" not in found


def test_a_failure_without_a_message_keeps_its_line_and_does_not_read_the_next_ones():
    output = 'TASK [One] ***\nfatal: [a]: UNREACHABLE!\nfatal: [b]: FAILED! => {"msg": "second"}\n'
    assert failures(output) == ["One: fatal: [a]: UNREACHABLE!", "One: second"]
