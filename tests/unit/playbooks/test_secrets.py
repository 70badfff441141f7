"""No secret in any output: a cold converge and a teardown at -vvv print no password or secret key,
and the access key is only in the one 0600 file meant for it."""

from __future__ import annotations

import configparser
import json
import stat

from tests.emulator.client import emulator_client
from tests.unit.playbooks.conftest import recap


def test_converge_and_teardown_at_vvv_print_no_secret(playbook, recording_emulator, tmp_path):
    port = recording_emulator[0]
    converge = playbook("site.yml", "-vvv")[0]
    assert converge.returncode == 0, converge.stdout[-2000:]

    secrets_manager, rds = emulator_client(port, "secretsmanager"), emulator_client(port, "rds")
    console = secrets_manager.get_secret_value(SecretId="flask-react/iam/flask-react-admin/console-password")
    database = rds.describe_db_instances(DBInstanceIdentifier="flask-react-db")["DBInstances"][0]
    db_secret = secrets_manager.get_secret_value(SecretId=database["MasterUserSecret"]["SecretArn"])
    db_password = json.loads(db_secret["SecretString"])["password"]
    credentials = tmp_path / ".secrets" / "credentials"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    parser = configparser.ConfigParser()
    parser.read(credentials)
    secret_key = parser["flask-react-admin"]["aws_secret_access_key"]
    secrets = {
        "console password": console["SecretString"],
        "DB password": db_password,
        "secret access key": secret_key,
        "GitHub token": "emulator-dummy-token",
    }

    teardown = playbook("teardown.yml", "-vvv")[0]
    assert teardown.returncode == 0 and recap(teardown.stdout)["failed"] == 0, teardown.stdout[-2000:]

    for name, value in secrets.items():
        assert value not in converge.stdout + converge.stderr, f"{name} in the converge output"
        assert value not in teardown.stdout + teardown.stderr, f"{name} in the teardown output"
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    for path in written:
        text = path.read_text(errors="replace")
        for name, value in secrets.items():
            if value in text:
                assert (path, name) == (credentials, "secret access key"), f"{name} written to {path}"
