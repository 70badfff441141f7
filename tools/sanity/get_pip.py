"""Stand-in for ansible-test's pip bootstrap script, for machines without internet.

ansible-test creates each sanity virtual environment without pip, then downloads
``get-pip-<version>.py`` from ci-files.testing.ansible.com to put pip in it. That host is
not reachable here (PyPI is), so `make sanity` saves this file where ansible-test caches
that script. Like get-pip.py, it is run as ``python get_pip.py <pip install options>
pip==<version> ...`` in the new environment: it runs the pip wheel bundled with CPython
(``ensurepip``) and installs the requested packages from PyPI into that environment.
"""

import ensurepip
import os
import runpy
import sys
import tempfile
import zipfile


def bundled_pip_wheel():
    """The pip wheel that ships inside CPython's ensurepip package."""
    folder = os.path.join(os.path.dirname(ensurepip.__file__), "_bundled")
    wheels = [name for name in os.listdir(folder) if name.startswith("pip-") and name.endswith(".whl")]
    if not wheels:
        sys.exit(f"get_pip: no pip wheel bundled with {sys.executable}")
    return os.path.join(folder, wheels[0])


def main():
    # pip cannot run its own vendored certifi from inside a zip, so unpack the wheel first.
    with tempfile.TemporaryDirectory(prefix="get-pip-") as tmp:
        with zipfile.ZipFile(bundled_pip_wheel()) as wheel:
            wheel.extractall(tmp)
        sys.path.insert(0, tmp)
        sys.argv = ["pip", "install", "--no-warn-script-location"] + [
            arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")
        ]
        runpy.run_module("pip", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
