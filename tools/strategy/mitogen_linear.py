# The checkout's strategy (ansible.cfg, the molecule scenarios): mitogen's mitogen_linear, without the
# CPU pinning mitogen applies to every run, and with the modules it serves kept on disk between runs.
#
# Why no pinning: mitogen pins each process of a run to one CPU (ansible_mitogen/affinity.py,
# FixedPolicy). On a machine with 2 or 3 CPUs it keeps CPU 0 for its connection multiplexer and pins the
# controller, every worker and the interpreter that runs the modules to CPU 1, so two runs at once (the
# test suite runs several, and so does anyone converging two environments side by side) all queue on
# CPU 1 while CPU 0 idles: `make test` on 2 CPUs spent a third of its second half idle with 8
# processes waiting to run. The base Policy pins nothing.
#
# Why a module cache: the interpreter that runs the modules imports ansible.* and ansible_collections.*
# from the controller, and for each of those modules (about 110 in a run of site.yml) mitogen's
# ModuleResponder scans the source for the modules it imports, minifies it and compresses it at zlib's
# level 9: 0.8 CPU-s of every run, the same work each time. _build_tuple below keeps that answer in
# <ANSIBLE_HOME>/mitogen-modules, named by a hash of the module's name, path and source (and mitogen's
# and Ansible's versions), so an edited module is a new entry and a stale one is never read; a package's
# list of submodules is read anew each time.
#
# Why the worker tweaks: Ansible forks a worker for each task (a skipped one too), and the worker loads
# what the controller has not: the Jinja filter and test plugins a template names (the builtin ones as
# a whole, each of this checkout's from source), the action and connection plugins, the env lookup the
# inventory reads. In a run of site.yml 36 of 50 workers loaded the builtin filters and 7 compiled this
# collection's 20 filter files (and the 8 module_utils they import), each time. The controller loads
# them once, before the run's first fork, so every worker starts with them. And Python's garbage
# collector in a worker would walk the objects the worker inherited, copying the controller's memory
# page by page: the worker freezes them first thing (in the worker: the controller's own collections
# stay as Ansible's). A no-op site.yml, 6 runs each way in turn: its workers' CPU 4.40 -> 3.44 s, the
# whole run's 10.14 -> 8.96 s.
#
# Why a template cache: each worker compiles every template its task names, the same ones task after
# task and run after run; _template_cache.py (beside this file, which says how) keeps the code Jinja
# makes of each. A no-op site.yml, 6 runs each way in turn: workers 3.81 -> 2.33 CPU-s, the run
# 9.50 -> 7.75.
# Everything else is mitogen's own mitogen_linear.
from __future__ import annotations

import gc
import hashlib
import importlib
import importlib.util
import os
import tempfile
from pathlib import Path

import ansible_mitogen.affinity
import ansible_mitogen.loaders
import ansible_mitogen.strategy
import mitogen
import mitogen.core
import mitogen.master
from ansible import constants as C
from ansible.executor.process.worker import WorkerProcess
from ansible.plugins.loader import action_loader, connection_loader, filter_loader, lookup_loader, test_loader
from ansible.release import __version__ as ansible_version
from ansible.utils.display import Display

ansible_mitogen.affinity.policy = ansible_mitogen.affinity.Policy()

MODULE_CACHE = Path(C.config.get_config_value("ANSIBLE_HOME")) / "mitogen-modules"
_SALT = f"mitogen {mitogen.__version__} ansible-core {ansible_version}".encode()
_build_tuple = mitogen.master.ModuleResponder._build_tuple


def _cached_build_tuple(self, fullname):
    """ModuleResponder._build_tuple, answered from MODULE_CACHE when the same source was served before."""
    if fullname in self._cache:
        return self._cache[fullname]
    self.policy.denied_raise(fullname)  # as mitogen does first: a module it refuses is refused, cached or not
    path, source, is_pkg = self._finder.get_module_source(fullname)
    if not path or source is None or fullname == "__main__" or mitogen.master.is_stdlib_path(path):
        return _build_tuple(self, fullname)
    entry = MODULE_CACHE / hashlib.sha256(b"\0".join((_SALT, fullname.encode(), path.encode(), source))).hexdigest()
    try:
        related, compressed = entry.read_bytes().split(b"\0", 1)
    except (OSError, ValueError):
        tup = _build_tuple(self, fullname)
        _store(entry, "\n".join(tup[4]).encode() + b"\0" + bytes(tup[3]))
        return tup
    pkg_present = mitogen.master.get_child_modules(path, fullname) if is_pkg else None
    names = related.decode().split("\n") if related else []
    # mitogen's own tuple: 0 name, 1 submodules of a package, 2 path, 3 compressed source, 4 related names.
    text = mitogen.core.to_text
    tup = (text(fullname), pkg_present, text(path), mitogen.core.Blob(compressed), names)
    self._cache[fullname] = tup
    return tup


def _store(entry: Path, data: bytes) -> None:
    """Write one entry whole or not at all: runs side by side may write the same one."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=entry.parent)
    except OSError:
        return  # a cache that cannot be written only costs the next run the same work
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


mitogen.master.ModuleResponder._build_tuple = _cached_build_tuple


def install_template_cache() -> None:
    """Keep compiled Jinja templates between workers and runs (_template_cache.py, beside this file). Only a
    saving: whatever fails here (a later ansible-core, an unreadable folder) leaves Jinja's compile as it was."""
    try:
        spec = importlib.util.spec_from_file_location(
            "flask_react_aws_template_cache", Path(__file__).with_name("_template_cache.py")
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.install(_store)
    except Exception as error:  # noqa: BLE001
        Display().vvv(f"mitogen_linear: no template cache: {error}")


install_template_cache()

Base = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


# What most workers load, loaded once before they fork (see the top): the module that decodes a module's
# result, and this checkout's collection's filters (one name loads them all).
PRELOAD_MODULES = ("ansible.module_utils._internal._json._profiles._module_legacy_m2c",)
PRELOAD_FILTERS = ("flask_react.aws.app_model",)


def preload_plugins() -> None:
    """Load, in the controller, the plugins and modules most tasks' workers would each load again. Only a
    saving: whatever fails here (a later ansible-core, a renamed filter) leaves the workers the old work."""
    try:
        filter_loader._ensure_non_collection_wrappers()  # noqa: SLF001 (what each template's first lookup does)
        test_loader._ensure_non_collection_wrappers()  # noqa: SLF001
        action_loader.get("ansible.legacy.normal", class_only=True)
        connection_loader.get("mitogen_local", class_only=True)
        lookup_loader.get("ansible.builtin.env", class_only=True)
        for name in PRELOAD_MODULES:
            importlib.import_module(name)
        for name in PRELOAD_FILTERS:
            filter_loader.get(name)
    except Exception as error:  # noqa: BLE001
        Display().vvv(f"mitogen_linear: plugins not preloaded: {error}")


def _run_frozen(self):
    """WorkerProcess._run, in the forked worker: first freeze what it inherited, so its collections skip it."""
    gc.freeze()
    return _worker_run(self)


_worker_run = WorkerProcess._run
WorkerProcess._run = _run_frozen


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, Base):  # type: ignore[misc,valid-type]
    """mitogen_linear: no process is pinned to a CPU; the modules served to the interpreter and the compiled
    templates are cached; a worker starts with the plugins most workers load, and its garbage collector
    leaves what it inherited."""

    _preloaded = False

    def _queue_task(self, host, task, task_vars, play_context):
        if not StrategyModule._preloaded:  # here, not in run(): mitogen's loader wrappers are in place now
            StrategyModule._preloaded = True
            preload_plugins()
        return super()._queue_task(host, task, task_vars, play_context)
