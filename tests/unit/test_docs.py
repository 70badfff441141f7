"""tools/docs.py: the README variables tables, made from the roles' argument specs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import docs

REPO = Path(__file__).resolve().parents[2]

APP_SPEC = """\
argument_specs:
  main:
    short_description: The shared C(app) description
    options:
      aws_region: {type: str, required: true, description: The region.}
      app_name: {type: str, default: shop, description: Prefix of every name.}
      app_services:
        type: list
        elements: dict
        description: The services.
        options:
          name: {type: str, required: true, description: Service name.}
          port: {type: int, default: 80, description: Its port.}
"""

WEB_SPEC = """\
argument_specs:
  main:
    short_description: The web tier
    options:
      app_name: {type: str, required: true, description: Prefix of the web names.}
      web_state: {type: str, choices: [present, absent], default: present, description: Create or remove.}
      web_name: {type: str, default: "<app_name>-web", description: "The name; see I(web_state) and C(a|b)."}
      web_mode:
        type: str
        default: "fast when app_name is set, else slow"
        description:
          - Two paragraphs,
            folded.
          - "Matches /users* and <id>, read by web_state."
      web_ports: {type: list, elements: int, default: [80, 443], description: Ports.}
      web_tags: {type: dict, description: Tags from defaults/main.yml.}
      web_timeout: {type: int, description: Nothing written anywhere.}
      db_url: {type: str, description: The db role's fact.}
  wait:
    short_description: Wait for the web tier
    options:
      web_name: {type: str, default: "<app_name>-web", description: The name.}
      web_delay: {type: int, default: 5, description: Seconds between looks.}
"""

WEB_DEFAULTS = """\
web_state: present
web_name: "{{ app_name }}-web"
web_mode: "{{ 'fast' if app_name else 'slow' }}"
web_tags:
  team: "{{ app_name }}"
  tier: "200"
"""

README = """\
# shop

Intro.

<!-- BEGIN generated: variables -->
stale
<!-- END generated: variables -->

After.
"""

ROLE_README = f"# web\n\n## Variables\n\n{docs.BEGIN}\n{docs.END}\n\nMore.\n"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A small checkout: the app role and one role reading it."""
    files = {
        "README.md": README,
        "roles/app/meta/argument_specs.yml": APP_SPEC,
        "roles/app/README.md": ROLE_README.replace("# web", "# app"),
        "roles/web/meta/argument_specs.yml": WEB_SPEC,
        "roles/web/defaults/main.yml": WEB_DEFAULTS,
        "roles/web/README.md": ROLE_README,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def between_markers(text: str) -> list[str]:
    return text.split(docs.BEGIN + "\n", 1)[1].split(docs.END, 1)[0].splitlines()


def test_readme_groups_each_variable_under_the_role_that_owns_it(checkout: Path) -> None:
    assert docs.update(checkout) == [
        checkout / "README.md",
        checkout / "roles/app/README.md",
        checkout / "roles/web/README.md",
    ]
    text = (checkout / "README.md").read_text()
    # What stands outside the markers is kept as it was.
    assert text.startswith("# shop\n\nIntro.\n\n" + docs.BEGIN + "\n")
    assert text.endswith(docs.END + "\n\nAfter.\n")
    assert between_markers(text) == [
        docs.NOTE.format(source="roles/*/meta/argument_specs.yml"),
        "",
        "### The app description, read by every role",
        "",
        "The shared `app` description ([`roles/app`](roles/app/README.md)).",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
        "| `aws_region` | str | required | The region. |",
        "| `app_name` | str | `shop` | Prefix of every name. |",
        "| `app_services` | list of dict | unset | The services. |",
        "| `app_services[].name` | str | required | Service name. |",
        "| `app_services[].port` | int | `80` | Its port. |",
        "",
        "### Role `web`",
        "",
        "The web tier ([`roles/web`](roles/web/README.md)).",
        "",
        "| variable | type | default | meaning |",
        "|---|---|---|---|",
        "| `web_state` | str | `present` | Create or remove. One of `present`, `absent`. |",
        "| `web_name` | str | `<app_name>-web` | The name; see `web_state` and `a\\|b`. |",
        # A default in words (defaults/main.yml computes it) stays words; paragraphs are joined,
        # Markdown's active characters escaped, known variable names set as code.
        "| `web_mode` | str | fast when `app_name` is set, else slow "
        "| Two paragraphs, folded. Matches /users\\* and \\<id>, read by `web_state`. |",
        "| `web_ports` | list of int | `[80, 443]` | Ports. |",
        # No default in the spec: the value defaults/main.yml writes.
        '| `web_tags` | dict | `{team: "{{ app_name }}", tier: "200"}` | Tags from defaults/main.yml. |',
        "| `web_timeout` | int | unset | Nothing written anywhere. |",
        # Only in another entry point: still the role's.
        "| `web_delay` | int | `5` | Seconds between looks. |",
    ]


def test_role_readme_lists_what_it_owns_what_it_reads_and_its_entry_points(checkout: Path) -> None:
    docs.update(checkout)
    lines = between_markers((checkout / "roles/web/README.md").read_text())
    assert lines[0] == docs.NOTE.format(source="meta/argument_specs.yml")
    assert "| `web_delay` | int | `5` | Seconds between looks. |" in lines
    reads = lines.index("Read from the app description and other roles:")
    assert lines[reads + 2 : reads + 6] == [
        "| variable | from | required | meaning here |",
        "|---|---|---|---|",
        "| `app_name` | [`app`](../app/README.md) | yes | Prefix of the web names. |",
        # A fact of a role that does not declare it: named after its prefix, or the play.
        "| `db_url` | the play | no | The db role's fact. |",
    ]
    assert lines[-1] == "- `wait`: Wait for the web tier; reads `web_name`, `web_delay`."
    assert (checkout / "roles/web/README.md").read_text().endswith(docs.END + "\n\nMore.\n")


def test_a_second_run_writes_nothing_and_check_finds_nothing(checkout: Path) -> None:
    docs.update(checkout)
    assert docs.update(checkout) == []
    assert docs.check(checkout) == []


def test_check_shows_the_difference_a_changed_spec_makes(checkout: Path) -> None:
    docs.update(checkout)
    spec = checkout / "roles/web/meta/argument_specs.yml"
    spec.write_text(spec.read_text().replace("default: [80, 443]", "default: [8080]"))
    diffs = docs.check(checkout)
    assert len(diffs) == 2  # README.md and the role's README
    assert "-| `web_ports` | list of int | `[80, 443]` | Ports. |" in diffs[0]
    assert "+| `web_ports` | list of int | `[8080]` | Ports. |" in diffs[0]
    assert diffs[0].startswith("--- README.md (committed)\n+++ README.md (from the specs)\n")


def test_the_command_line_fails_with_a_diff_and_passes_once_written(checkout: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(REPO / "tools/docs.py"), "--root", str(checkout), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    stale = run("--check")
    assert stale.returncode == 1
    assert "+++ README.md (from the specs)" in stale.stdout
    assert "run `make docs`" in stale.stderr
    assert run().returncode == 0
    assert run("--check").returncode == 0


def test_a_new_role_gets_a_readme_and_each_variable_the_longest_role_prefix_that_declares_it(checkout: Path) -> None:
    spec = checkout / "roles/web/meta/argument_specs.yml"
    spec.write_text(
        spec.read_text().replace(
            "      db_url:", "      web_cache_ttl: {type: int, default: 60, description: TTL.}\n      db_url:"
        )
    )
    (checkout / "roles/web_cache/meta").mkdir(parents=True)
    (checkout / "roles/web_cache/meta/argument_specs.yml").write_text(
        "argument_specs:\n  main:\n    short_description: The cache\n    options:\n"
        "      web_cache_size: {type: int, default: 2, description: Entries.}\n"
        "      web_cache_ttl: {type: int, description: The web role's TTL.}\n"
    )
    assert "+++ roles/web_cache/README.md (from the specs)" in "".join(docs.check(checkout))
    assert not (checkout / "roles/web_cache/README.md").exists()  # check writes nothing
    docs.update(checkout)
    readme = (checkout / "roles/web_cache/README.md").read_text()
    assert readme.startswith(f"# flask_react.aws.web_cache\n\nThe cache\n\n## Variables\n\n{docs.BEGIN}\n")
    assert "| `web_cache_size` | int | `2` | Entries. |" in readme
    # web_cache_ttl is declared by web and web_cache: web_cache's (the longest prefix that declares it)
    assert "| `web_cache_ttl` | int | unset | The web role's TTL. |" in readme
    web = between_markers((checkout / "roles/web/README.md").read_text())
    assert "| `web_cache_ttl` | [`web_cache`](../web_cache/README.md) | no | TTL. |" in web
    assert docs.check(checkout) == []


def test_a_spec_default_that_defaults_main_yml_contradicts_fails_the_check(checkout: Path) -> None:
    docs.update(checkout)
    # Templated values are not compared: "<app_name>-web" describes "{{ app_name }}-web".
    assert docs.disagreements(checkout) == []
    defaults = checkout / "roles/web/defaults/main.yml"
    defaults.write_text(defaults.read_text().replace("web_state: present", "web_state: absent"))
    assert docs.disagreements(checkout) == [
        "roles/web: web_state defaults to absent in defaults/main.yml, but to present in meta/argument_specs.yml (main)"
    ]
    command = [sys.executable, str(REPO / "tools/docs.py"), "--root", str(checkout), "--check"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stdout == ""  # the tables are what the specs make; the defaults disagree
    assert "web_state defaults to absent in defaults/main.yml" in result.stderr


def test_a_readme_without_its_markers_is_named(checkout: Path) -> None:
    (checkout / "roles/web/README.md").write_text("# web\n")
    with pytest.raises(docs.DocsError, match=r"roles/web/README.md: needs one '<!-- BEGIN generated: variables -->'"):
        docs.check(checkout)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("", '""'),
        ("200", '"200"'),
        ("/", "/"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("a: b", '"a: b"'),
        ("{{ x }}-y", '"{{ x }}-y"'),
        (True, "true"),
        ([], "[]"),
        ({"app": "x", "n": 1}, "{app: x, n: 1}"),
        ([{"paths": ["/users*", "/ping"]}], "[{paths: [/users*, /ping]}]"),
    ],
)
def test_values_are_written_as_one_line_of_yaml_that_reads_back_the_same(value: object, written: str) -> None:
    assert docs.yaml_value(value) == written
    assert yaml.safe_load(f"k: {written}")["k"] == value


def test_the_committed_readmes_match_the_specs() -> None:
    diffs = docs.check(REPO)
    assert not diffs, "README tables differ from roles/*/meta/argument_specs.yml; run `make docs`:\n" + "".join(diffs)


@pytest.mark.parametrize(
    "readme", ["README.md", *sorted(str(p.relative_to(REPO)) for p in REPO.glob("roles/*/README.md"))]
)
def test_the_generated_tables_render_as_tables_without_stray_markup(readme: str) -> None:
    """Each row has its table's cells (pipes escaped), and no text became HTML or emphasis."""
    markdown_it = pytest.importorskip("markdown_it")  # rich's dependency, in the venv through ansible-lint
    parser = markdown_it.MarkdownIt("gfm-like", {"linkify": False}).disable("linkify")
    text = (REPO / readme).read_text()
    tokens = parser.parse(text.split(docs.BEGIN, 1)[1].split(docs.END, 1)[0])
    widths: list[list[int]] = []
    for token in tokens:
        if token.type == "table_open":
            widths.append([])
        elif token.type == "tr_open":
            widths[-1].append(0)
        elif token.type in ("th_open", "td_open"):
            widths[-1][-1] += 1
    assert widths, f"{readme}: no table between the markers"
    assert all(len(set(table)) == 1 for table in widths), f"{readme}: rows of different widths {widths}"
    inline = [child for token in tokens for child in token.children or []]
    assert [child.content for child in inline if child.type == "html_inline"] == []
    assert [child.type for child in inline if child.type in ("em_open", "strong_open")] == []
