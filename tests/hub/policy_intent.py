"""Expands the statement of intent (tests/policy_intent.md) into the matrix (tests/policy_matrix.csv).

The source of every expected decision is the intent file, never the compiled policy: the hub is
asked only for the list of controlled coordinates (``schema_fields``), not for a decision.

    python -m tests.hub.policy_intent          # rewrite tests/policy_matrix.csv, list changes
    python -m tests.hub.policy_intent --check  # exit 1 if the CSV is not what the intent says

Format (see the file's "How the matrix is made"): a ``groups`` block names groups of types, every
type of the schema in exactly one; an ``intent role=R org=O`` block per caller holds rules
``read|mask|deny TARGET…`` where a target is a coordinate, a ``Type.*`` pattern, ``*`` or
``@group``; the last rule matching a coordinate decides it, and a coordinate no rule matches is an
error (each block starts with ``deny *`` to make the default explicit).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
INTENT_FILE = TESTS / "policy_intent.md"
MATRIX_FILE = TESTS / "policy_matrix.csv"
COLUMNS = ["role", "org", "coordinate", "expected"]
DECISIONS = ("read", "mask", "deny")

_BLOCK = re.compile(r"^```(groups|intent)([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


class IntentError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    line: str
    decision: str
    targets: tuple[str, ...]  # coordinate globs, groups already expanded


@dataclass(frozen=True)
class Caller:
    role: str
    org: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Intent:
    groups: dict[str, tuple[str, ...]]  # @group -> type names
    callers: tuple[Caller, ...]


def parse(text: str) -> Intent:
    groups: dict[str, tuple[str, ...]] = {}
    raw_callers: list[tuple[str, str, list[str]]] = []
    for kind, header, body in _BLOCK.findall(text):
        lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
        if kind == "groups":
            for ln in lines:
                name, *types = ln.split()
                if not name.startswith("@") or not types:
                    raise IntentError(f"groups: {ln!r} is not '@name Type …'")
                groups[name] = tuple(types)
            continue
        attrs = dict(a.split("=", 1) for a in header.split())
        if set(attrs) != {"role", "org"}:
            raise IntentError(f"intent block header {header!r}: needs role=… org=…")
        raw_callers.append((attrs["role"], attrs["org"], lines))
    callers = []
    for role, org, lines in raw_callers:
        rules = []
        for ln in lines:
            decision, *targets = ln.split()
            if decision not in DECISIONS or not targets:
                raise IntentError(f"{role}@{org}: {ln!r} is not 'read|mask|deny TARGET …'")
            expanded: list[str] = []
            for t in targets:
                if t.startswith("@"):
                    if t not in groups:
                        raise IntentError(f"{role}@{org}: unknown group {t} in {ln!r}")
                    expanded += [f"{type_name}.*" for type_name in groups[t]]
                else:
                    expanded.append(t)
            rules.append(Rule(ln, decision, tuple(expanded)))
        callers.append(Caller(role, org, tuple(rules)))
    if not groups or not callers:
        raise IntentError("the intent file needs a groups block and intent blocks")
    return Intent(groups, tuple(callers))


def load(path: Path = INTENT_FILE) -> Intent:
    return parse(path.read_text(encoding="utf-8"))


def check_groups(intent: Intent, coordinates: Iterable[str]) -> list[str]:
    """Every type of the schema in exactly one group, and no group naming a type that is gone."""
    types = list(dict.fromkeys(c.split(".", 1)[0] for c in coordinates))
    placed: dict[str, list[str]] = {}
    for name, members in intent.groups.items():
        for t in members:
            placed.setdefault(t, []).append(name)
    problems = [
        f"type {t} is in no group: place it in {INTENT_FILE.name}" for t in types if t not in placed
    ]
    problems += [f"type {t} is in several groups: {g}" for t, g in placed.items() if len(g) > 1]
    problems += [f"group member {t} is not a type of the schema" for t in placed if t not in types]
    return problems


def decide(caller: Caller, coordinate: str) -> str:
    decision = None
    for rule in caller.rules:
        if any(fnmatchcase(coordinate, t) for t in rule.targets):
            decision = rule.decision
    if decision is None:
        raise IntentError(f"{caller.role}@{caller.org}: no rule decides {coordinate}")
    return decision


def expand(intent: Intent, coordinates: Iterable[str]) -> list[dict[str, str]]:
    coordinates = list(coordinates)
    problems = check_groups(intent, coordinates)
    for caller in intent.callers:
        for rule in caller.rules:
            for t in rule.targets:
                if not any(fnmatchcase(c, t) for c in coordinates):
                    problems.append(
                        f"{caller.role}@{caller.org}: {t} in {rule.line!r} matches no field"
                    )
    if problems:
        raise IntentError("; ".join(problems))
    return [
        {"role": c.role, "org": c.org, "coordinate": coord, "expected": decide(c, coord)}
        for c in intent.callers
        for coord in coordinates
    ]


def render(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def live_coordinates() -> list[str]:
    """The controlled coordinates of the live schema, in schema order (no decisions)."""
    from hub.graphql.schema import schema
    from hub.policy.fields import schema_fields

    return list(schema_fields(schema))


def main(argv: list[str]) -> int:
    rows = expand(load(), live_coordinates())
    text = render(rows)
    old = MATRIX_FILE.read_text(encoding="utf-8") if MATRIX_FILE.exists() else ""
    before = {tuple(r[:3]): r[3] for r in csv.reader(io.StringIO(old)) if len(r) == 4}
    after = {(r["role"], r["org"], r["coordinate"]): r["expected"] for r in rows}
    changed = [
        f"{'+' if k not in before else '~'} {','.join(k)}: {before.get(k, '-')} -> {v}"
        for k, v in after.items()
        if before.get(k) != v
    ] + [f"- {','.join(k)}" for k in before if k not in after and k[0] != "role"]
    for line in changed:
        print(line)
    if "--check" in argv:
        return 1 if text != old else 0
    MATRIX_FILE.write_text(text, encoding="utf-8")
    print(f"{MATRIX_FILE.name}: {len(rows)} rows, {len(changed)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
