"""tools/strategy/_template_cache.py: the checkout's strategy keeps the code Jinja makes of each template,
in the process and on disk, and a template renders the same from it; what else the code depends on (the
syntax settings, the filter and test plugin files) names another entry or another folder.

In this process, with Ansible's own Templar; each test puts Jinja's compile back as it found it.
"""

from __future__ import annotations

import importlib.util
import marshal
import os
from pathlib import Path
from types import CodeType

import jinja2
import pytest
from ansible._internal._templating import _jinja_bits
from ansible.plugins.loader import filter_loader, test_loader
from ansible.template import Templar, trust_as_template

from tests.conftest import REPO

TEMPLATE = "{{ greeting | default('hello') | upper }} {{ names | map('title') | join(', ') }}"
CONDITION = "names | length > 1 and 'ann' in names"
VARIABLES = {"names": ["ann", "bob"]}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The module, installed with its folders under tmp_path; Jinja's compile restored afterwards."""
    spec = importlib.util.spec_from_file_location(
        "template_cache_under_test", REPO / "tools" / "strategy" / "_template_cache.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(jinja2.Environment, "compile", jinja2.Environment.compile)
    monkeypatch.setattr(
        _jinja_bits.AnsibleEnvironment, "compile_expression", _jinja_bits.AnsibleEnvironment.compile_expression
    )
    monkeypatch.setattr(module, "ROOT", tmp_path / "jinja-code")

    def store(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    module.install(store)
    return module


def render() -> tuple[str, bool]:
    templar = Templar(variables=VARIABLES)
    return templar.template(trust_as_template(TEMPLATE)), templar.evaluate_conditional(trust_as_template(CONDITION))


def test_a_template_renders_the_same_from_the_code_another_process_kept(cache, monkeypatch) -> None:
    assert render() == ("HELLO Ann, Bob", True)
    entries = list(cache._folder.iterdir())  # noqa: SLF001
    assert len(entries) >= 2, "the template and the condition"
    assert all(isinstance(marshal.loads(entry.read_bytes()), CodeType) for entry in entries)

    # A new process: nothing in memory, and Jinja may not compile anything.
    cache._memory.clear()  # noqa: SLF001

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(cache, "_jinja_compile", refuse)
    assert render() == ("HELLO Ann, Bob", True)


def test_an_unreadable_entry_is_compiled_and_written_again(cache) -> None:
    render()
    for entry in cache._folder.iterdir():  # noqa: SLF001
        entry.write_bytes(b"not marshal data")
    cache._memory.clear()  # noqa: SLF001

    assert render() == ("HELLO Ann, Bob", True)
    assert all(isinstance(marshal.loads(entry.read_bytes()), CodeType) for entry in cache._folder.iterdir())  # noqa: SLF001


def test_a_plain_jinja_environment_is_left_to_jinja(cache) -> None:
    escaping, plain = jinja2.Environment(autoescape=True), jinja2.Environment()
    assert escaping.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert plain.from_string("{{ x }}").render(x="<b>") == "<b>"
    assert list(cache._folder.glob("*")) == []  # noqa: SLF001


def test_the_syntax_settings_and_backslash_escaping_name_another_entry(cache) -> None:
    environment = _jinja_bits.AnsibleEnvironment()
    key = cache.template_key(environment, "template", TEMPLATE, None, None, False)
    assert cache.template_key(_jinja_bits.AnsibleEnvironment(), "template", TEMPLATE, None, None, False) == key
    assert cache.template_key(environment, "expression", TEMPLATE, True) != key
    assert (
        cache.template_key(environment.overlay(variable_start_string="[["), "template", TEMPLATE, None, None, False)
        != key
    )
    with _jinja_bits._TemplateCompileContext(escape_backslashes=True):  # noqa: SLF001
        assert cache.template_key(environment, "template", TEMPLATE, None, None, False) != key


def test_an_edited_filter_or_test_plugin_starts_a_new_folder_and_the_old_ones_go(cache, tmp_path, monkeypatch) -> None:
    plugins = tmp_path / "filter_plugins"
    plugins.mkdir()
    plugin = plugins / "shout.py"
    plugin.write_text("class FilterModule:\n    def filters(self):\n        return {}\n")
    monkeypatch.setattr(filter_loader, "_get_paths", lambda subdirs=True: [str(plugins)])
    monkeypatch.setattr(test_loader, "_get_paths", lambda subdirs=True: [])
    before = cache.fingerprint()
    assert cache.fingerprint() == before
    os.utime(plugin, ns=(plugin.stat().st_atime_ns, plugin.stat().st_mtime_ns + 1_000_000_000))
    assert cache.fingerprint() != before

    old = cache._folder  # noqa: SLF001
    render()
    # Installed again, from Jinja's and Ansible's own functions.
    monkeypatch.setattr(jinja2.Environment, "compile", cache._jinja_compile)  # noqa: SLF001
    monkeypatch.setattr(_jinja_bits.AnsibleEnvironment, "compile_expression", cache._jinja_compile_expression)  # noqa: SLF001
    cache.install(lambda path, data: None)
    assert cache._folder != old and not old.exists()  # noqa: SLF001
