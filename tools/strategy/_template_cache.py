# Compiled Jinja templates kept between the checkout's runs: loaded by mitogen_linear.py (the leading
# underscore keeps Ansible from listing this file as a strategy).
#
# Why: Ansible compiles a template anew each time it renders one, and every task is a worker process of its
# own, so the same templates (a task's arguments, the role defaults they name) are lexed, parsed, turned into
# Python and compiled again task after task and run after run. A no-op site.yml: 967 compiles of 363 distinct
# templates, 1.7 of its workers' 4.1 CPU-s. In Ansible's environment (the only one cached: autoescape off and
# finalize fixed), the Python Jinja makes of a template depends only on its source, the environment's syntax
# settings and the calling convention of each filter and test it names; so its code object is kept in the
# process and on disk, in <ANSIBLE_HOME>/jinja-code/<fingerprint>/<hash of the source and the settings>, where
# the next worker and the next run read it (marshal). The fingerprint covers the rest: Python's bytecode magic
# number, Jinja's and Ansible's versions, Ansible's template settings, and the path, size and mtime of every
# filter and test plugin file the run can load, so an edited plugin starts a new folder (the old ones are
# removed). Whatever fails here leaves Jinja's own compile to do the work.
from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from types import CodeType

import jinja2
import jinja2.environment
from ansible import constants as C
from ansible.release import __version__ as ansible_version

ROOT = Path(C.config.get_config_value("ANSIBLE_HOME")) / "jinja-code"
# Marks jinja2.Environment.compile once wrapped: the strategy's file may be loaded more than once.
MARK = "flask_react_aws_template_cache"

_memory: dict[str, CodeType] = {}
_expression = threading.local()  # the key of the expression being compiled (compile_expression, below)
_folder: Path | None = None
_store: Callable[[Path, bytes], None] | None = None
_jinja_compile = jinja2.Environment.compile
_jinja_compile_expression: Callable | None = None
_ansible_environment: type | None = None  # Ansible's AnsibleEnvironment, once installed


def install(store: Callable[[Path, bytes], None]) -> None:
    """Wrap Jinja's compile and Ansible's compile_expression; ``store(path, data)`` writes a file whole."""
    global _folder, _store, _jinja_compile_expression, _ansible_environment
    if getattr(jinja2.Environment.compile, MARK, False):
        return
    from ansible._internal._templating import _jinja_bits

    _store = store
    _folder = ROOT / fingerprint()
    for old in ROOT.glob("*"):  # what earlier plugin files made
        if old == _folder:
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
    _ansible_environment = _jinja_bits.AnsibleEnvironment
    _jinja_compile_expression = _ansible_environment.compile_expression
    setattr(compile_cached, MARK, True)
    jinja2.Environment.compile = compile_cached
    _jinja_bits.AnsibleEnvironment.compile_expression = compile_expression_cached


def fingerprint() -> str:
    """What a template's code depends on besides its source and its environment's syntax settings."""
    from ansible._internal._templating._jinja_common import _TemplateConfig
    from ansible.plugins.loader import filter_loader, test_loader
    from ansible.utils.collection_loader._collection_config import AnsibleCollectionConfig

    parts = [
        importlib.util.MAGIC_NUMBER.hex(),
        jinja2.__version__,
        ansible_version,
        repr(
            (_TemplateConfig.allow_embedded_templates, _TemplateConfig.jinja_extensions, _TemplateConfig.sandbox_mode)
        ),
    ]
    try:
        collection_paths = AnsibleCollectionConfig.collection_paths  # where this run finds collections
    except NotImplementedError:  # no collection finder in this process: the configured ones
        collection_paths = C.config.get_config_value("COLLECTIONS_PATHS")
    # _get_paths() as Ansible calls it: the loader keeps the first list it computes (with subdirs=False, its
    # searches would leave out the configured folders' subfolders for the rest of the run).
    folders = [*filter_loader._get_paths(), *test_loader._get_paths()]  # noqa: SLF001
    for path in collection_paths:
        folders += sorted(str(found) for found in Path(path).glob("ansible_collections/*/*/plugins/filter"))
        folders += sorted(str(found) for found in Path(path).glob("ansible_collections/*/*/plugins/test"))
    for folder in folders:
        for root, _dirs, files in sorted(os.walk(folder, followlinks=True)):
            for name in sorted(file for file in files if file.endswith(".py")):
                status = os.stat(os.path.join(root, name))
                parts.append(f"{os.path.realpath(os.path.join(root, name))} {status.st_size} {status.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def template_key(environment: jinja2.Environment, kind: str, source: str, *options: object) -> str:
    """The name of a template's code: its source, how it is compiled, and the syntax settings it is lexed with."""
    from ansible._internal._templating._jinja_bits import _TEMPLATE_OVERRIDE_FIELD_NAMES, _TemplateCompileContext

    context = _TemplateCompileContext.current(optional=True)
    settings = (
        kind,
        options,
        type(environment).__module__,
        type(environment).__qualname__,
        tuple(getattr(environment, name) for name in _TEMPLATE_OVERRIDE_FIELD_NAMES),
        sorted(environment.extensions),
        environment.optimized,
        environment.is_async,
        bool(context and context.escape_backslashes),  # Ansible's lexer escapes backslashes then
    )
    return hashlib.sha256(repr(settings).encode() + b"\0" + source.encode("utf-8", "surrogatepass")).hexdigest()


def compile_cached(self, source, name=None, filename=None, raw=False, defer_init=False):
    """jinja2.Environment.compile, answered from the cache for a template's source or an expression of
    Ansible's environment (whose autoescape and finalize are fixed and whose filters and tests are the plugins
    the fingerprint covers); any other environment (a plugin's own Jinja) compiles as before."""
    key = None
    if not raw and _cacheable(self):
        if isinstance(source, str):
            key = template_key(self, "template", source, name, filename, defer_init)
        else:  # the tree compile_expression_cached made: once, for that expression
            key, _expression.key = getattr(_expression, "key", None), None
    code = _load(key)
    if code is None:
        code = _jinja_compile(self, source, name, filename, raw, defer_init)
        if key is not None:
            _keep(key, code)
    return code


def compile_expression_cached(self, source, undefined_to_none=True):
    """AnsibleEnvironment.compile_expression, from the cache without parsing when the expression was compiled before."""
    if not _cacheable(self):
        return _jinja_compile_expression(self, source, undefined_to_none)
    key = template_key(self, "expression", source, undefined_to_none)
    code = _load(key)
    if code is not None:
        template = self.template_class.from_code(self, code, self.make_globals(None), None)
        return jinja2.environment.TemplateExpression(template, undefined_to_none)
    _expression.key = key  # Jinja parses it and hands the tree to compile(): that compile stores the code
    try:
        return _jinja_compile_expression(self, source, undefined_to_none)
    finally:
        _expression.key = None


def _cacheable(environment: jinja2.Environment) -> bool:
    return (
        _ansible_environment is not None
        and isinstance(environment, _ansible_environment)
        and not environment._debuggable_template_source  # noqa: SLF001
    )


def _load(key: str | None) -> CodeType | None:
    if key is None:
        return None
    code = _memory.get(key)
    if code is None and _folder is not None:
        try:
            code = marshal.loads((_folder / key).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None  # not there yet, or unreadable: compiled and written again
        if not isinstance(code, CodeType):
            return None
        _memory[key] = code
    return code


def _keep(key: str, code: CodeType) -> None:
    _memory[key] = code
    if _folder is not None and _store is not None:
        _store(_folder / key, marshal.dumps(code))
