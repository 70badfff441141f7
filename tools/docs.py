"""The variables tables of README.md and roles/*/README.md, made from the roles' argument specs.

``python tools/docs.py`` (``make docs``) rewrites what stands between the marker comments

    <!-- BEGIN generated: variables -->
    <!-- END generated: variables -->

in README.md (every role's variables, grouped by the role that owns them) and in each role's
README.md (that role's variables, then what it reads from the app description and other roles,
then its entry points). ``python tools/docs.py --check`` (``make docs-check``, part of
``make lint``) writes nothing: it prints a unified diff of every table that differs from what
the specs make and exits 1.

The one source is ``roles/<role>/meta/argument_specs.yml``: type, choices, required, default and
description of every option. Where a spec gives no default, the value written in
``roles/<role>/defaults/main.yml`` is shown. A variable belongs to the ``app`` role when that role's
spec declares it (the shared app description), else to the role whose name prefixes it
(``alb_name`` to ``alb``) when that role declares it; a role's README lists the others it reads
as inputs. A role with a spec and no README gets one. Both modes also fail (exit 1) where a spec's
plain default contradicts the value defaults/main.yml writes.

README.md's order of roles is ``ROLE_ORDER`` below (keep it the order site.yml runs them).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

BEGIN = "<!-- BEGIN generated: variables -->"
END = "<!-- END generated: variables -->"
NOTE = (
    "<!-- Made by tools/docs.py from {source}: edit those, then run `make docs`. "
    "`make lint` fails while this differs. -->"
)
# The role holding the app description every role reads.
APP_ROLE = "app"
# README.md's order: the app description, then the roles as site.yml runs them; any other role
# follows in alphabetical order.
ROLE_ORDER = [
    "app",
    "iam_user",
    "ecr",
    "codebuild",
    "alb",
    "target_groups",
    "rds",
    "ecs_cluster",
    "ecs",
    "outputs",
    "plan",
]

# Ansible's documentation markup (ansible-doc's, as in DOCUMENTATION strings), one argument each.
_MARKUP = re.compile(r"\b([CVOIBMEPU])\(([^)]*)\)|\bL\(([^,)]*),\s*([^)]*)\)")
_PLACEHOLDER_DEFAULT = re.compile(r"\s")


class DocsError(Exception):
    """A README or a spec the generator cannot work with; the message says which and why."""


@dataclass
class Option:
    """One option of one entry point, as its spec declares it."""

    name: str
    spec: dict[str, Any]
    role: str
    entry_point: str


@dataclass
class Role:
    name: str
    path: Path
    specs: dict[str, dict[str, Any]]
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def short_description(self) -> str:
        return str(self.specs.get("main", {}).get("short_description", ""))

    def options(self) -> list[Option]:
        """Every option of every entry point, ``main`` first, each name once (its first declaration)."""
        seen: dict[str, Option] = {}
        for entry_point in sorted(self.specs, key=lambda ep: (ep != "main", list(self.specs).index(ep))):
            for name, spec in (self.specs[entry_point].get("options") or {}).items():
                if name not in seen:
                    seen[name] = Option(name, spec or {}, self.name, entry_point)
        return list(seen.values())

    def declares(self, name: str) -> bool:
        return any(name in (spec.get("options") or {}) for spec in self.specs.values())


def load_roles(root: Path) -> dict[str, Role]:
    roles: dict[str, Role] = {}
    for spec_file in sorted(root.glob("roles/*/meta/argument_specs.yml")):
        role_dir = spec_file.parent.parent
        data = yaml.safe_load(spec_file.read_text()) or {}
        specs = data.get("argument_specs")
        if not isinstance(specs, dict) or not specs:
            raise DocsError(f"{spec_file.relative_to(root)}: no argument_specs")
        defaults_file = role_dir / "defaults" / "main.yml"
        defaults = (yaml.safe_load(defaults_file.read_text()) or {}) if defaults_file.is_file() else {}
        roles[role_dir.name] = Role(role_dir.name, role_dir, specs, defaults)
    return roles


def ordered(roles: dict[str, Role]) -> list[Role]:
    rank = {name: index for index, name in enumerate(ROLE_ORDER)}
    return sorted(roles.values(), key=lambda role: (rank.get(role.name, len(rank)), role.name))


def prefix_role(name: str, roles: dict[str, Role]) -> str | None:
    """The role whose name prefixes the variable: the longest such name among the roles that
    declare it (``ecs_cluster_name`` is ``ecs``'s while only ``ecs`` declares it), else among all."""
    matches = [role for role in roles if role != APP_ROLE and name.startswith(role + "_")]
    declaring = [role for role in matches if roles[role].declares(name)]
    return max(declaring or matches, key=len) if matches else None


def owner(name: str, roles: dict[str, Role]) -> str | None:
    """The role that documents the variable in README.md; None for another role's facts."""
    if APP_ROLE in roles and roles[APP_ROLE].declares(name):
        return APP_ROLE
    role = prefix_role(name, roles)
    return role if role and roles[role].declares(name) else None


# --- rendering ------------------------------------------------------------------------------


def code(text: str) -> str:
    """A Markdown code span that holds any text, pipes escaped for a table cell."""
    text = text.replace("|", "\\|")
    ticks = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (ticks + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(text: str, names: frozenset[str]) -> str:
    """Text for a table cell: Markdown's active characters escaped, variable names as code."""
    text = text.replace("\\", "\\\\")
    for char in "|<*`":
        text = text.replace(char, "\\" + char)
    # Names with an underscore only, so that words such as "port" or "paths" stay words.
    return re.sub(
        r"(?<![\w.\\])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w(])",
        lambda match: code(match.group(1)) if match.group(1) in names else match.group(1),
        text,
    )


def markup(text: str, names: frozenset[str]) -> str:
    """ansible-doc markup (``C(x)``, ``I(x)``, ``L(text, url)``...) as Markdown, for one table cell."""
    out: list[str] = []
    last = 0
    for match in _MARKUP.finditer(text):
        out.append(plain(text[last : match.start()], names))
        kind, argument = match.group(1), match.group(2)
        if kind is None:
            out.append(f"[{plain(match.group(3), names)}]({match.group(4).strip()})")
        elif kind == "U":
            out.append(f"<{argument}>")
        elif kind == "B":
            out.append(f"**{plain(argument, names)}**")
        else:
            out.append(code(argument))
        last = match.end()
    out.append(plain(text[last:], names))
    return "".join(out)


def description(spec: dict[str, Any], names: frozenset[str]) -> str:
    raw = spec.get("description", "")
    paragraphs = raw if isinstance(raw, list) else [raw]
    text = " ".join(" ".join(str(paragraph).split()) for paragraph in paragraphs if paragraph)
    text = markup(text, names)
    choices = spec.get("choices")
    if choices and len(choices) > 1:
        text = f"{text} One of {', '.join(code(yaml_value(choice)) for choice in choices)}.".strip()
    return text


def yaml_value(value: Any) -> str:
    """A value as one line of YAML, the way defaults/main.yml would write it (flow style)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_value(key)}: {yaml_value(item)}" for key, item in value.items()) + "}"
    text = str(value)
    # As written, unquoted, when YAML reads it back as the same string inside a flow collection.
    try:
        unquoted = yaml.safe_load(f"[{text}]") == [text] and text.strip() == text and text != ""
    except yaml.YAMLError:
        unquoted = False
    return text if unquoted and "{{" not in text else json.dumps(text)


def type_name(spec: dict[str, Any]) -> str:
    kind = str(spec.get("type", "str"))
    if kind == "list" and spec.get("elements"):
        return f"list of {spec['elements']}"
    return kind


def default_cell(option: Option, roles: dict[str, Role], names: frozenset[str]) -> str:
    spec = option.spec
    if spec.get("required"):
        return "required"
    if "default" in spec:
        value = spec["default"]
        # Specs may describe a computed default in words ("ip when ecs_enabled, else instance"):
        # words, not a value, when defaults/main.yml computes it.
        written = roles[option.role].defaults.get(option.name) if option.role in roles else None
        if (
            isinstance(value, str)
            and _PLACEHOLDER_DEFAULT.search(value)
            and isinstance(written, str)
            and "{{" in written
            and value != written
        ):
            return plain(value, names)
        return code(yaml_value(value))
    role = roles.get(option.role)
    if role and option.name in role.defaults:
        written = role.defaults[option.name]
        # A template over several lines reads badly in a table cell: the description says what it gives.
        if isinstance(written, str) and "{{" in written and "\n" in written.strip():
            return "derived (see its description and defaults/main.yml)"
        return code(yaml_value(written))
    return "unset"


def rows(option: Option, roles: dict[str, Role], names: frozenset[str], label: str | None = None) -> list[str]:
    label = label or option.name
    lines = [
        f"| {code(label)} | {type_name(option.spec)} | {default_cell(option, roles, names)} "
        f"| {description(option.spec, names)} |"
    ]
    for name, spec in (option.spec.get("options") or {}).items():
        sub = Option(name, spec or {}, "", option.entry_point)  # suboptions take no defaults/main.yml value
        lines += rows(
            sub, roles, names, label=f"{label}[].{name}" if option.spec.get("type") == "list" else f"{label}.{name}"
        )
    return lines


HEADER = ["| variable | type | default | meaning |", "|---|---|---|---|"]


def all_names(roles: dict[str, Role]) -> frozenset[str]:
    return frozenset(option.name for role in roles.values() for option in role.options())


def readme_block(roles: dict[str, Role]) -> list[str]:
    """README.md's tables: per role, in run order, the variables it owns."""
    names = all_names(roles)
    lines = [NOTE.format(source="roles/*/meta/argument_specs.yml"), ""]
    for role in ordered(roles):
        owned = [option for option in role.options() if owner(option.name, roles) == role.name]
        if not owned:
            continue
        title = "The app description, read by every role" if role.name == APP_ROLE else f"Role `{role.name}`"
        lines += [f"### {title}", ""]
        summary = markup(" ".join(role.short_description.split()), names)
        lines += [f"{summary} ([`roles/{role.name}`](roles/{role.name}/README.md)).".lstrip(), ""]
        lines += HEADER
        for option in owned:
            lines += rows(option, roles, names)
        lines.append("")
    return lines


def role_block(role: Role, roles: dict[str, Role]) -> list[str]:
    """A role README's tables: what it owns, what it reads, and its entry points."""
    names = all_names(roles)
    options = role.options()
    lines = [NOTE.format(source="meta/argument_specs.yml"), ""]
    owned = [option for option in options if owner(option.name, roles) == role.name]
    inputs = [option for option in options if owner(option.name, roles) != role.name]
    if owned:
        lines += HEADER
        for option in owned:
            lines += rows(option, roles, names)
        lines.append("")
    if inputs:
        lines += ["Read from the app description and other roles:", ""]
        lines += ["| variable | from | required | meaning here |", "|---|---|---|---|"]
        for option in inputs:
            source = owner(option.name, roles) or prefix_role(option.name, roles)
            where = f"[`{source}`](../{source}/README.md)" if source else "the play"
            required = "yes" if option.spec.get("required") else "no"
            lines.append(f"| {code(option.name)} | {where} | {required} | {description(option.spec, names)} |")
        lines.append("")
    others = [entry_point for entry_point in role.specs if entry_point != "main"]
    if others:
        lines += ["Entry points besides `main` (`tasks_from: <entry point>.yml`):", ""]
        for entry_point in others:
            spec = role.specs[entry_point]
            taken = ", ".join(code(name) for name in (spec.get("options") or {}))
            summary = markup(" ".join(str(spec.get("short_description", "")).split()), names)
            lines.append(f"- `{entry_point}`: {summary}" + (f"; reads {taken}." if taken else "."))
        lines.append("")
    return lines


def splice(text: str, block: list[str], path: str) -> str:
    """The text with what stands between the markers replaced by the block."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise DocsError(f"{path}: needs one '{BEGIN}' line and, after it, one '{END}' line")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    body = "\n".join(block).strip("\n")
    return f"{head}{BEGIN}\n{body}\n{END}{tail}"


def render(root: Path) -> dict[Path, tuple[str, str]]:
    """Per README: (its text now, its text as the specs make it)."""
    roles = load_roles(root)
    if not roles:
        raise DocsError(f"{root}: no roles/*/meta/argument_specs.yml")
    wanted: dict[Path, list[str]] = {root / "README.md": readme_block(roles)}
    for role in roles.values():
        wanted[role.path / "README.md"] = role_block(role, roles)
    result: dict[Path, tuple[str, str]] = {}
    for path, block in wanted.items():
        if path.is_file():
            current = path.read_text()
        elif path.parent.name in roles:
            # A new role's README starts as its title, its short description and the tables.
            role = roles[path.parent.name]
            summary = markup(" ".join(role.short_description.split()), all_names(roles))
            current = f"# flask_react.aws.{role.name}\n\n{summary}\n\n## Variables\n\n{BEGIN}\n{END}\n"
            if not summary:
                current = current.replace("\n\n\n", "\n\n")
        else:
            raise DocsError(f"{path.relative_to(root)}: missing (it needs the markers '{BEGIN}' and '{END}')")
        result[path] = (current, splice(current, block, str(path.relative_to(root))))
    return result


def check(root: Path) -> list[str]:
    """A unified diff per README that differs from what the specs make; empty when all match."""
    diffs = []
    for path, (current, wanted) in render(root).items():
        if not path.is_file() or current != wanted:
            name = str(path.relative_to(root))
            diffs.append(
                "".join(
                    difflib.unified_diff(
                        current.splitlines(keepends=True) if path.is_file() else [],
                        wanted.splitlines(keepends=True),
                        fromfile=f"{name} (committed)" if path.is_file() else f"{name} (missing)",
                        tofile=f"{name} (from the specs)",
                    )
                )
            )
    return diffs


def _templated(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value or "{%" in value
    if isinstance(value, list):
        return any(_templated(item) for item in value)
    if isinstance(value, dict):
        return any(_templated(key) or _templated(item) for key, item in value.items())
    return False


def disagreements(root: Path) -> list[str]:
    """Where a spec's default and defaults/main.yml both give a plain value and the values differ:
    the table would show one and the role would use the other. Templated values are not compared
    (a spec writes ``<app_name>-alb`` where defaults/main.yml computes ``{{ app_name }}-alb``)."""
    found = []
    for role in load_roles(root).values():
        for entry_point, spec in role.specs.items():
            for name, option in (spec.get("options") or {}).items():
                option = option or {}
                if "default" not in option or name not in role.defaults:
                    continue
                written = role.defaults[name]
                if _templated(written) or written == option["default"]:
                    continue
                found.append(
                    f"roles/{role.name}: {name} defaults to {yaml_value(written)} in defaults/main.yml, "
                    f"but to {yaml_value(option['default'])} in meta/argument_specs.yml ({entry_point})"
                )
    return found


def update(root: Path) -> list[Path]:
    """Write every README whose tables differ; the paths written."""
    written = []
    for path, (current, wanted) in render(root).items():
        if not path.is_file() or current != wanted:
            path.write_text(wanted)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/docs.py", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; print a diff and exit 1 if any differs")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1], help="the checkout")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        conflicts = disagreements(root)
        for conflict in conflicts:
            print(f"tools/docs.py: {conflict}", file=sys.stderr)
        if args.check:
            diffs = check(root)
            for diff in diffs:
                sys.stdout.write(diff)
            if diffs:
                print(
                    f"\n{len(diffs)} README(s) differ from roles/*/meta/argument_specs.yml: run `make docs`",
                    file=sys.stderr,
                )
            return 1 if diffs or conflicts else 0
        for path in update(root):
            print(f"wrote {path.relative_to(root)}")
        return 1 if conflicts else 0
    except DocsError as error:
        print(f"tools/docs.py: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
