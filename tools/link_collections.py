"""Link the collections galaxy.yml depends on into one folder, the only installed collections a
checkout's runs see (ansible.cfg: collections_path, collections_scan_sys_path = false).

Why: the venv's `ansible` package carries about 90 collections, and Ansible (mitogen's planner, on
every module run) imports each one's package and parses its meta/runtime.yml: about 0.1 s a module
run, a quarter of a no-op site.yml's time. A checkout that sees only its declared dependencies also
fails, as a Galaxy install would, on a collection it uses without declaring.

Usage: python tools/link_collections.py DEST (run with the venv's Python).
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def main(dest: Path) -> int:
    bundled = Path(sysconfig.get_paths()["purelib"]) / "ansible_collections"
    dependencies = yaml.safe_load((REPO / "galaxy.yml").read_text()).get("dependencies") or {}
    root = dest / "ansible_collections"
    shutil.rmtree(root, ignore_errors=True)
    for name in sorted(dependencies):
        namespace, collection = name.split(".")
        source = bundled / namespace / collection
        if not source.is_dir():
            print(f"galaxy.yml depends on {name}, which the venv does not hold ({source})", file=sys.stderr)
            return 1
        (root / namespace).mkdir(parents=True, exist_ok=True)
        (root / namespace / collection).symlink_to(source)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
