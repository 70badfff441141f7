#!/usr/bin/env bash
# ansible-test sanity for this collection, without Docker and without internet but PyPI.
#
# ansible-test only runs inside .../ansible_collections/<namespace>/<name>, so the files git
# knows (committed or not, minus the collections/ link back to the checkout) are copied to
# .ansible/sanity/ansible_collections/flask_react/aws, next to links to the collections galaxy.yml
# depends on, which the venv's `ansible` package carries. HOME points into .ansible/sanity
# so ansible-test's cache and per-test venvs stay in the repo and `make clean` removes them.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
work=$root/.ansible/sanity
collection=$work/ansible_collections/flask_react/aws

rm -rf "$collection"
mkdir -p "$collection"
cd "$root"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' file; do
      # Skip the link back to the checkout, and files deleted but not yet committed.
      if [[ $file != collections/* && -e $file ]]; then printf '%s\0' "$file"; fi
    done \
  | tar --null -T - -cf - | tar -xf - -C "$collection"

# The collections galaxy.yml depends on, as the checkout's runs see them (tools/link_collections.py
# linked them into .venv/collections): a new dependency needs no edit here.
for namespace in "$work"/ansible_collections/*; do
  [[ $namespace == */flask_react ]] || rm -rf "$namespace"  # a link of an earlier run: the link only
done
for dependency in "$root"/.venv/collections/ansible_collections/*/*; do
  namespace=$(basename "$(dirname "$dependency")")
  mkdir -p "$work/ansible_collections/$namespace"
  ln -sfn "$(readlink -f "$dependency")" "$work/ansible_collections/$namespace/$(basename "$dependency")"
done

# ansible-test puts pip in each venv with a get-pip script it downloads from a host this
# machine cannot reach; tools/sanity/get_pip.py does the same job from CPython's own wheel.
pip_version=$("$python" -c '
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version="3.11"))["pip"])')
uv_cache=$("$root/.venv/bin/uv" cache dir 2>/dev/null || true)  # before HOME moves: make venv's downloads
export HOME=$work/home
mkdir -p "$HOME/.ansible/test/cache"
cp tools/sanity/get_pip.py "$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
# The per-test venvs, with uv where ansible-test would use pip (tools/sanity/venvs.py says why); should
# that fail, ansible-test makes them as before.
if [[ -n ${UV_CACHE_DIR:-$uv_cache} ]]; then export UV_CACHE_DIR=${UV_CACHE_DIR:-$uv_cache}; fi
"$python" tools/sanity/venvs.py || echo "sanity venvs: not made with uv; ansible-test makes them with pip"

cd "$collection"
# The copy sits in the checkout's ignored .ansible/, where ansible-test would ask the outer
# git repository for the file list and find none: give the copy its own index.
git init --quiet && git add --all
exec ansible-test sanity --local --python 3.11 --color no "$@"
