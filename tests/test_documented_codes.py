"""What the hub can answer is documented: every error code it emits is in the README's list, and
every action it writes to the audit log is in the SDL's description of ``AuditEvent.action``.

The codes and actions are found in the source (its syntax tree), not asked of the code under
test: a code is a string given as ``code`` (``code = "…"``, ``code="…"``, ``{"code": "…"}``,
``extensions["code"] = "…"``), a connector error's code, or a member of a payload's
``…ErrorCode`` enum; an action is an ``ORDER_…`` or ``SANCTION_…`` string, one of two words or
more given as ``action`` (the outbox's one-word actions are not the audit log's), or
``ORDER_<event>`` of a transition the order worker records.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((ROOT / "hub").rglob("*.py")), ROOT / "connectors" / "base" / "errors.py"]
NAME = re.compile(r"[A-Z][A-Z_]*[A-Z]")
ACTION = re.compile(r"(ORDER|SANCTION)_[A-Z_]+")
# Audit actions are two words or more (PROFILE_VIEW); the outbox's actions, one (DELIVER, ANNOTATE).
AUDIT_ACTION = re.compile(r"[A-Z]+_[A-Z_]+")
# The order worker records ORDER_<event> (hub.orders.workflow.record_transitions) for what it
# does on its own: deliveries (DELIVERED), lapses (EXPIRED) and the lines it settles after them,
# where a held order takes its place (WAITING) or the next in line takes effect (EFFECTIVE).
WORKER_EVENTS = ("DELIVERED", "EXPIRED", "WAITING", "EFFECTIVE")


def _name(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if NAME.fullmatch(node.value):
            return node.value
    return None


def _target_is(target: ast.AST, wanted: str) -> bool:
    if isinstance(target, ast.Name):
        return target.id == wanted
    if isinstance(target, ast.Attribute):
        return target.attr == wanted
    if isinstance(target, ast.Subscript):
        return isinstance(target.slice, ast.Constant) and target.slice.value == wanted
    return False


def given_as(tree: ast.AST, key: str) -> Iterator[tuple[str, int]]:
    """Strings given as ``key``: assigned to it, passed as it, or under it in a dict literal."""
    for node in ast.walk(tree):
        value: ast.AST | None = None
        if isinstance(node, ast.Assign) and any(_target_is(t, key) for t in node.targets):
            value = node.value
        elif isinstance(node, ast.AnnAssign) and _target_is(node.target, key):
            value = node.value
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == key and (found := _name(kw.value)):
                    yield found, kw.value.lineno
        elif isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == key and (found := _name(v)):
                    yield found, v.lineno
        if value is not None and (found := _name(value)):
            yield found, value.lineno


def emitted_codes() -> dict[str, str]:
    """code -> where it is emitted (file:line)."""
    found: dict[str, str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT).as_posix()
        for code, line in given_as(tree, "code"):
            found.setdefault(code, f"{where}:{line}")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "ConnectorFailed"
                and node.args
                and (code := _name(node.args[0]))
            ):
                found.setdefault(code, f"{where}:{node.lineno}")
            if isinstance(node, ast.ClassDef) and node.name.endswith("ErrorCode"):
                for stmt in node.body:
                    if isinstance(stmt, ast.Assign) and (code := _name(stmt.value)):
                        found.setdefault(code, f"{where}:{stmt.lineno}")
    return found


def written_actions() -> dict[str, str]:
    """action -> where it is written (file:line)."""
    found: dict[str, str] = {}
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT).as_posix()
        for action, line in given_as(tree, "action"):
            if AUDIT_ACTION.fullmatch(action):
                found.setdefault(action, f"{where}:{line}")
        for node in ast.walk(tree):
            if (name := _name(node)) and ACTION.fullmatch(name):
                found.setdefault(name, f"{where}:{node.lineno}")  # type: ignore[attr-defined]
    for event in WORKER_EVENTS:
        found.setdefault(f"ORDER_{event}", "hub/orders/workflow.py: record_transitions")
    return found


def readme_codes() -> set[str]:
    """The codes in the first column of the table of README's "Errors" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "\n### Errors\n" in text, "README.md has no section Errors"
    start = text.index("\n### Errors\n")
    section = text[start : text.index("\n### ", start + 1)]
    table = section[section.index("| code |") :].split("\n\n")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {code for row in rows for code in re.findall(r"`([A-Z_]+)`", row.split("|")[1])}


def sdl_actions() -> set[str]:
    sdl = (ROOT / "schema" / "hub.graphql").read_text(encoding="utf-8")
    block = sdl[sdl.index("type AuditEvent {") :]
    description = re.search(r'"""\s*([^"]*?)\s*"""\s*action: String!', block)
    assert description is not None, "AuditEvent.action has no description in schema/hub.graphql"
    return {a.strip() for a in description.group(1).split(",")}


def test_the_scan_finds_codes_of_every_kind() -> None:
    # the scan itself: a class attribute, an extensions literal, a connector's, a rewritten one
    codes = emitted_codes()
    assert {"BAD_USER_INPUT", "CONNECTOR_TIMEOUT", "GRAPHQL_PARSE_FAILED", "NOT_FOUND"} <= set(
        codes
    )


def test_the_readme_names_every_code_the_hub_emits() -> None:
    documented, emitted = readme_codes(), emitted_codes()
    missing = {code: where for code, where in emitted.items() if code not in documented}
    assert missing == {}, "add these codes to README.md, section Errors"
    assert documented - set(emitted) == set(), "the README names codes the hub never emits"


def test_the_sdl_names_every_action_of_the_audit_log() -> None:
    documented, written = sdl_actions(), written_actions()
    assert {"PROFILE_VIEW", "ORDER_ACCEPT", "SANCTION_CHECK", "AUDIT_QUERY"} <= set(written)
    missing = {action: where for action, where in written.items() if action not in documented}
    assert missing == {}, "add these actions to hub.graphql.audit.ACTIONS, then fyt schema export"
