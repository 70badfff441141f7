#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: flask_react.aws contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: aws_credentials_profile
short_description: One profile of an AWS shared credentials file, written atomically with mode 0600
version_added: 0.1.0
author: flask_react.aws developers (@flask-react)
description:
  - Writes the C(aws_access_key_id) and C(aws_secret_access_key) of one profile (the course's
    C(aws configure)), keeping the file's other profiles, comments and the profile's other keys.
    The file is replaced atomically (a temporary file in the same folder, then a rename), mode 0600,
    folder 0700.
  - V(writable) creates the folder and an empty file if missing and checks both can be written,
    so a caller can learn that before it creates a key AWS shows only once.
  - V(absent) removes the profile's section.
  - Why a module - ansible.builtin has no INI editor, and C(community.general.ini_file) would make
    community.general a dependency of this collection for one file.
  - The secret key is never returned, and is masked in the diff.
options:
  path:
    description: The credentials file.
    type: path
    required: true
  profile:
    description: The profile (INI section) name; letters, digits and C(-_.@+=,) only.
    type: str
  access_key_id:
    description: The access key ID. Required with O(state=present).
    type: str
  secret_access_key:
    description: The secret access key. Required with O(state=present).
    type: str
  state:
    description:
      - V(present) writes the profile's keys, V(absent) removes the profile.
      - V(writable) only prepares and checks the folder and the file.
    type: str
    choices: [present, absent, writable]
    default: present
"""

EXAMPLES = r"""
- name: Check the credentials file can be written before creating a key
  flask_react.aws.aws_credentials_profile:
    path: ~/.aws/credentials
    state: writable

- name: Write the key as a profile
  flask_react.aws.aws_credentials_profile:
    path: ~/.aws/credentials
    profile: flask-react-admin
    access_key_id: "{{ new_key.access_key_id }}"
    secret_access_key: "{{ new_key.secret_access_key }}"
  no_log: true
"""

RETURN = r"""
path:
  description: The credentials file.
  returned: always
  type: str
  sample: /home/me/.aws/credentials
"""

import contextlib
import fcntl
import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule

KEYS = ("aws_access_key_id", "aws_secret_access_key")
PROFILE = re.compile(r"^[A-Za-z0-9_.@+=,-]{1,128}$")
HEADER = re.compile(r"^\s*\[([^\]]*)\]\s*$")


def split_sections(text):
    """The file as [(section name or None for the lines before the first header, [lines])]."""
    sections = [(None, [])]
    for line in text.splitlines(keepends=True):
        header = HEADER.match(line)
        if header:
            sections.append((header.group(1).strip(), [line]))
        else:
            sections[-1][1].append(line)
    return sections


def render(text, profile, values):
    """``text`` with ``profile`` holding ``values`` (a dict of KEYS) in place, appended when new;
    without the profile when ``values`` is None. Other sections and keys are kept as they are."""
    out, placed = [], False
    for name, lines in split_sections(text):
        if name != profile:
            out.extend(lines)
        elif values is not None and not placed:
            others = [line for line in lines[1:] if line.split("=", 1)[0].strip() not in KEYS]
            out.extend([f"[{profile}]\n"] + [f"{key} = {values[key]}\n" for key in KEYS] + others)
            placed = True
    head = "".join(out)
    if values is None or placed:
        return head
    if head and not head.endswith("\n"):
        head += "\n"
    if head.strip() and not head.endswith("\n\n"):
        head += "\n"
    return head + f"[{profile}]\n" + "".join(f"{key} = {values[key]}\n" for key in KEYS)


def mask(text):
    # Every profile of the file is in the diff: hide each secret it may hold, not only ours.
    return re.sub(
        r"(?m)^(\s*(?:aws_secret_access_key|aws_session_token|aws_security_token)\s*=\s*).*$", r"\1<hidden>", text
    )


@contextlib.contextmanager
def folder_lock(folder):
    """Hold an exclusive lock on the folder while a file in it is read, edited and replaced.

    Two environments of one run (forks) may write profiles to the same file at once; without
    the lock one read-edit-replace would drop the other's profile, and with it a key AWS shows
    once. The folder, not the file, is locked: the file is replaced by a rename.
    """
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def ensure_writable(module, path, folder):
    """Create the folder (0700) and an empty file (0600) if missing; fail unless both can be written."""
    changed = False
    if not os.path.isdir(folder):
        changed = True
        if not module.check_mode:
            try:
                os.makedirs(folder, mode=0o700, exist_ok=True)
            except OSError as error:
                module.fail_json(msg=f"Cannot create the folder of credentials file {path}: {error}", path=path)
    if os.path.isdir(folder) and not os.access(folder, os.W_OK | os.X_OK):
        module.fail_json(msg=f"Cannot write in the folder of credentials file {path}", path=path)
    if os.path.exists(path) and (not os.path.isfile(path) or not os.access(path, os.W_OK)):
        module.fail_json(msg=f"Credentials file {path} is not a writable file", path=path)
    if not os.path.exists(path):
        changed = True
        if not module.check_mode:
            try:
                # O_EXCL: a file another writer made meanwhile is kept as it is.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
            except OSError as error:
                module.fail_json(msg=f"Cannot create credentials file {path}: {error}", path=path)
    return changed


def replace(path, folder, text):
    """Replace ``path`` with ``text`` atomically (a temporary file in the folder, then a rename), mode 0600."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".credentials-")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError:
        os.unlink(temporary)
        raise


def update(path, folder, profile, values, check_mode):
    """Set (or with ``values`` None remove) the profile under the folder's lock; returns (before, after, changed)."""
    with folder_lock(folder):
        try:
            with open(path) as stream:
                before = stream.read()
        except FileNotFoundError:
            before = ""
        after = render(before, profile, values)
        changed = after != before or (os.path.isfile(path) and (os.stat(path).st_mode & 0o777) != 0o600)
        if changed and not check_mode:
            replace(path, folder, after)
    return before, after, changed


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            profile=dict(type="str"),
            access_key_id=dict(type="str", no_log=False),
            secret_access_key=dict(type="str", no_log=True),
            state=dict(type="str", choices=["present", "absent", "writable"], default="present"),
        ),
        required_if=[
            ("state", "present", ["profile", "access_key_id", "secret_access_key"]),
            ("state", "absent", ["profile"]),
        ],
        supports_check_mode=True,
    )
    path, state, profile = module.params["path"], module.params["state"], module.params["profile"]
    folder = os.path.dirname(path) or "."
    if profile is not None and not PROFILE.match(profile):
        module.fail_json(msg=f"profile {profile!r} is invalid: 1 to 128 letters, digits and -_.@+=, only")

    if state == "writable":
        module.exit_json(changed=ensure_writable(module, path, folder), path=path)
    if state == "absent" and not os.path.isfile(path):
        module.exit_json(changed=False, path=path)

    created = ensure_writable(module, path, folder) if state == "present" else False
    values = None
    if state == "present":
        values = {
            "aws_access_key_id": module.params["access_key_id"],
            "aws_secret_access_key": module.params["secret_access_key"],
        }
    if os.path.isdir(folder):
        try:
            before, after, changed = update(path, folder, profile, values, module.check_mode)
        except OSError as error:
            module.fail_json(msg=f"Cannot write credentials file {path}: {error}", path=path)
    else:  # check mode, folder not made yet
        before, after, changed = "", render("", profile, values), True
    result = dict(changed=changed or created, path=path)
    if module._diff:
        result["diff"] = {"before": mask(before), "after": mask(after), "before_header": path, "after_header": path}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
