#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: run_lock
short_description: A lock per environment, held in the AWS account as an SSM parameter
version_added: 0.4.0
author: flask_react.aws developers (@flask-react)
description:
  - Takes (O(state=present)) or releases (O(state=absent)) a lock that two machines running playbooks on one
    environment both see, so that two runs never write at once. Ansible has no lock of its own, and AWX's
    C(allow_simultaneous=false) only queues the runs of one job template.
  - The lock is the SSM parameter O(name), created with C(PutParameter) and C(Overwrite=false) - SSM refuses a
    second create (C(ParameterAlreadyExists)), so of two runs exactly one gets it. Its value names the holder
    (O(holder), for example user, host and playbook), when it was taken, when it expires (O(ttl)) and a token
    that only the run holding it knows.
  - A run that finds the lock held waits, looking every O(poll) seconds, for up to O(timeout) seconds, then fails
    naming the holder. A lock past its expiry (a killed run) is broken and taken; O(force=true) breaks a live one.
  - A lock taken on this machine whose C(ansible-playbook) process has ended (a run stopped with Ctrl-C, when
    Ansible runs no C(always) block, so it could not release it) is broken at once (Linux controllers, where
    C(/proc) tells; elsewhere it expires).
  - Releasing deletes the parameter only when it still holds this run's O(token); a lock broken and taken by
    another run since is left to that run, with a warning.
  - In check mode nothing is written; a held lock is reported, not waited for.
  - Taking and releasing the lock report C(changed=false) - the lock is not a change to the environment, so a
    run that changes nothing else still reports C(changed=0). RV(acquired) and RV(released) say what happened;
    breaking a lock warns, naming the holder it had.
  - Why a module - no stock module creates an SSM parameter only when it does not exist
    (M(community.aws.ssm_parameter) overwrites), and waiting, expiry and a holder's token need code. An SSM
    standard parameter costs nothing; the calls are standard-throughput C(PutParameter), C(GetParameter) and
    C(DeleteParameter).
options:
  name:
    description: The SSM parameter that is the lock, for example C(/flask_react/flask-react/production/lock).
    type: str
    required: true
  state:
    description: V(present) takes the lock (waiting for it), V(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  holder:
    description:
      - Who takes the lock, stored with it and named to a run that waits for it (no secrets).
      - Empty values are left out.
    type: dict
    default: {}
  token:
    description:
      - The C(token) of the RV(lock) the run took; O(state=absent) deletes only a lock holding it.
      - Required with O(state=absent).
    type: str
  timeout:
    description: Seconds a run waits for a held lock before it fails naming the holder; 0 fails at once.
    type: int
    default: 300
  ttl:
    description: Seconds after which a lock counts as left by a killed run, and the next run breaks it.
    type: int
    default: 7200
  poll:
    description: Seconds between two looks at a held lock.
    type: int
    default: 10
  force:
    description: Break the lock even when it has not expired (its holder's run is known to be dead).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Take this environment's lock before the first write
  flask_react.aws.run_lock:
    name: /flask_react/flask-react/production/lock
    holder: {user: "{{ lookup('ansible.builtin.env', 'USER') }}", playbook: site.yml}
    timeout: 300
  register: lock

- name: Release it at the end
  flask_react.aws.run_lock:
    name: /flask_react/flask-react/production/lock
    token: "{{ lock.lock.token }}"
    state: absent
"""

RETURN = r"""
acquired:
  description: Whether this run took the lock (O(state=present), never in check mode).
  returned: always
  type: bool
  sample: true
released:
  description: Whether this run deleted its lock (O(state=absent); in check mode, whether it would).
  returned: always
  type: bool
  sample: false
lock:
  description: The lock this run holds (O(state=present)); in check mode, the lock found, if any.
  returned: always
  type: dict
  sample: {token: 3f1c0e9a4b7d4c55, holder: {user: ann, playbook: site.yml}, acquired_at: 1796522400,
           expires_at: 1796529600}
broken:
  description: The expired (or, with O(force), live) lock this run broke before taking its own.
  returned: when a lock was broken
  type: dict
waited:
  description: Seconds this run waited for the lock.
  returned: always
  type: int
"""

import json
import os
import socket
import time
import uuid

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.flask_react.aws.plugins.module_utils.aws_module import AppAWSModule


def read(ssm, name):
    """The lock's value, or None when nobody holds it (an unreadable value counts as a broken lock: expired)."""
    try:
        value = ssm.get_parameter(aws_retry=True, Name=name)["Parameter"]["Value"]
    except is_boto3_error_code("ParameterNotFound"):
        return None
    try:
        found = json.loads(value)
    except ValueError:
        return {"holder": {"unreadable": value[:100]}, "expires_at": 0}
    return found if isinstance(found, dict) else {"holder": {"unreadable": value[:100]}, "expires_at": 0}


def cmdline(pid):
    """The command line of process ``pid`` on this machine (Linux's /proc), or None when unknown or gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None


def playbook_process():
    """The PID of the ansible-playbook run this module belongs to, or None where /proc does not tell (not
    Linux). Its workers (and mitogen's) are forks that show the same command line and end with each task:
    the run is the topmost ancestor whose command line names ansible-playbook."""
    pid, found = os.getppid(), None
    while pid > 1:
        if "ansible-playbook" in (cmdline(pid) or ""):
            found = pid
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
                pid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return found


def ended_here(lock, host):
    """Whether ``lock`` was taken by a run on this machine (``host``) whose ansible-playbook process is gone
    (a Ctrl-C: Ansible runs no always: block then, so that run could not release it)."""
    pid = lock.get("pid")
    if not pid or lock.get("machine") != host or not os.path.isdir("/proc"):
        return False
    return "ansible-playbook" not in (cmdline(pid) or "")


def describe(lock):
    holder = ", ".join(f"{key} {value}" for key, value in sorted((lock.get("holder") or {}).items())) or "unknown"
    taken = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(lock.get("acquired_at", 0)))
    expires = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(lock.get("expires_at", 0)))
    return f"{holder}, since {taken} (expires {expires})"


def acquire(module, ssm, now=time.time, sleep=time.sleep):
    params = module.params
    started, result = now(), {"changed": False, "acquired": False, "released": False, "lock": {}, "waited": 0}
    host = socket.gethostname()
    while True:
        current = read(ssm, params["name"])
        ended = current is not None and ended_here(current, host)
        if current is not None and (params["force"] or ended or current.get("expires_at", 0) <= now()):
            result["broken"] = current
            if module.check_mode:
                return result
            why = f" (its ansible-playbook, PID {current['pid']} on this machine, has ended)" if ended else ""
            module.warn(f"{params['name']}: broke the lock of {describe(current)}{why}")
            try:
                ssm.delete_parameter(aws_retry=True, Name=params["name"])
            except is_boto3_error_code("ParameterNotFound"):
                pass  # another run broke it first; the create below says who has it now
            params["force"] = False  # break one lock, never the one the next run takes after us
            current = None
        if current is None:
            if module.check_mode:
                return result
            taken = int(now())
            lock = {
                "token": uuid.uuid4().hex,
                "holder": {key: value for key, value in params["holder"].items() if value not in ("", None)},
                "acquired_at": taken,
                "expires_at": taken + params["ttl"],
                # A later run on this machine breaks the lock once this process is gone (Ctrl-C).
                "machine": host,
                "pid": playbook_process(),
            }
            try:
                ssm.put_parameter(
                    aws_retry=True,
                    Name=params["name"],
                    Value=json.dumps(lock, sort_keys=True),
                    Type="String",
                    Overwrite=False,
                    Description="flask_react.aws run lock: the run that holds it writes to this environment",
                )
            except is_boto3_error_code("ParameterAlreadyExists"):
                continue  # taken between our look and our create: look again
            return dict(result, acquired=True, lock=lock, waited=int(now() - started))
        if module.check_mode:
            return dict(result, lock=current)
        if now() - started >= params["timeout"]:
            module.fail_json(
                msg=(
                    f"{params['name']}: this environment is locked by another run ({describe(current)}); waited "
                    f"{int(now() - started)} s (timeout). Run again when it ends; if that run was killed, its lock "
                    "expires by itself, or break it now with -e app_lock_force=true."
                ),
                lock=current,
            )
        # Never past the timeout: a run told to wait 2 s fails after 2 s, not after a whole poll.
        sleep(max(1, min(params["poll"], params["timeout"] - int(now() - started))))


def release(module, ssm):
    name, token = module.params["name"], module.params["token"]
    result = {"changed": False, "acquired": False, "released": False, "lock": {}, "waited": 0}
    current = read(ssm, name)
    if current is None:
        return result
    if current.get("token") != token:
        module.warn(f"{name}: the lock is no longer this run's ({describe(current)}); left to its holder")
        return dict(result, lock=current)
    if not module.check_mode:
        try:
            ssm.delete_parameter(aws_retry=True, Name=name)
        except is_boto3_error_code("ParameterNotFound"):
            pass
    return dict(result, released=True)


def main():
    module = AppAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            holder=dict(type="dict", default={}),
            token=dict(type="str", no_log=False),
            timeout=dict(type="int", default=300),
            ttl=dict(type="int", default=7200),
            poll=dict(type="int", default=10),
            force=dict(type="bool", default=False),
        ),
        required_if=[("state", "absent", ["token"])],
        supports_check_mode=True,
    )
    ssm = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff(retries=10))
    try:
        result = acquire(module, ssm) if module.params["state"] == "present" else release(module, ssm)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg=f"Failed to manage the run lock {module.params['name']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
