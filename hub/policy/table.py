"""The policy compiled into decision tables: per (roles, org) a decision for every schema field.

Casbin decides once per field when a (roles, org) pair is first seen (about 0.1–0.3 s for the
whole schema); requests then look decisions up in a dict. Orgs that match the same set of the
policy's org patterns share one table. Reloading builds a new :class:`PolicyTable` and swaps it
in one assignment, so a request sees either the old policy or the new one, never a mix.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import casbin
from casbin import persist
from casbin.persist.adapter import Adapter
from casbin.util.builtin_operators import glob_match

from hub.errors import PolicyError
from hub.policy.masking import Mask

if TYPE_CHECKING:
    from graphql import FieldNode

    from hub.policy.enforce import Plan

# What a plan stands for: the parent type and the ids of every field node merged into the field.
PlanKey = tuple[str | int, ...]

ACTIONS = ("read", "mask")
MARKERS = {"@purpose": "require", "@assignment": "require"}
EFFECTS = ("allow", "deny")



# Every Casbin evaluation of the process, one at a time, whatever table it is of: Casbin's
# matcher is evaluated with simpleeval, which parses it with ``ast.parse``, and CPython 3.11's
# parser is not safe to run in two threads at once ("SystemError: AST constructor recursion
# depth mismatch", seen when two apps' grants compiled in worker threads together, and possible
# whenever a reloaded table compiles beside the old one). Compilations are rare (once per kind
# of caller and policy) and each is already off the event loop (grants_off_loop).
CASBIN = threading.Lock()

class Decision(IntEnum):
    """Ordered: a field's decision is the most restrictive of its coordinate and its tags."""

    DENY = 0
    MASK = 1
    READ = 2


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """A policy-controlled field of the schema."""

    coordinate: str  # Identity.name
    type_name: str
    graphql_name: str
    python_name: str
    mask: Mask | None = None
    kind_attr: str | None = None  # record attribute PERSON / ENTERPRISE, for party fields
    is_leaf: bool = True


@dataclass(frozen=True, slots=True)
class PolicyLine:
    number: int  # line number in the file
    text: str
    ptype: str  # p or g
    values: tuple[str, ...]


@dataclass
class Grants:
    """Everything one (roles, org) may do; looked up per request, never recomputed."""

    roles: tuple[str, ...]
    org: str
    decisions: dict[str, Decision]
    requires_purpose: bool
    requires_assignment: bool
    # Caches of what these grants decide, shared by the requests that hold them and dropped
    # with the policy they were compiled from:
    # enforcement plans by merged selection (hub.policy.enforce.plan_for), with the field nodes
    # they stand for (kept alive so their ids, part of the key, cannot be reused)
    plans: dict[PlanKey, tuple[tuple[FieldNode, ...], Plan]] = field(default_factory=dict)
    # what a remote look-up requests over the wire, by batch method
    # (hub.federation.loaders.FieldVisibility: (subgraph type, field) -> requested?)
    wire: dict[str, Callable[[str, str], bool]] = field(default_factory=dict)

    def decision(self, coordinate: str) -> Decision:
        return self.decisions.get(coordinate, Decision.DENY)

    @property
    def describe(self) -> str:
        return f"role {'+'.join(self.roles)} of {self.org}"


class _Lines(Adapter):  # type: ignore[misc]  # pycasbin has no types: Adapter is Any
    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = list(lines)

    def load_policy(self, model: Any) -> None:
        for line in self._lines:
            persist.load_policy_line(line, model)


def read_policy(path: Path) -> list[PolicyLine]:
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        values = tuple(v.strip() for v in text.split(","))
        lines.append(PolicyLine(number, text, values[0], values[1:]))
    return lines


def validate_lines(lines: list[PolicyLine], fields: Mapping[str, FieldInfo]) -> list[str]:
    """Problems with the policy against the live schema (empty when it is sound)."""
    problems = []
    tags = {m.policy_object for m in Mask}
    for line in lines:
        where = f"line {line.number} ({line.text})"
        if line.ptype == "g":
            if len(line.values) != 2 or not all(line.values):
                problems.append(f"{where}: a role line is 'g, role, inherited_role'")
            continue
        if line.ptype != "p":
            problems.append(f"{where}: unknown line type {line.ptype!r}; use p or g")
            continue
        if len(line.values) != 5:
            problems.append(f"{where}: a policy line is 'p, role, org, object, action, allow|deny'")
            continue
        _role, org, obj, act, eft = line.values
        if eft not in EFFECTS:
            problems.append(f"{where}: effect must be allow or deny, got {eft!r}")
        if ":" not in org and org != "*":
            problems.append(f"{where}: org pattern must look like court:* or agency:real_estate")
        if obj in MARKERS:
            if act != MARKERS[obj]:
                problems.append(f"{where}: {obj} takes the action {MARKERS[obj]!r}")
            continue
        if act not in ACTIONS:
            problems.append(f"{where}: action must be read or mask, got {act!r}")
        if obj.startswith("#"):
            if obj not in tags:
                problems.append(f"{where}: unknown tag {obj}; tags are {', '.join(sorted(tags))}")
            continue
        if not any(glob_match(c, obj) for c in fields):
            problems.append(f"{where}: {obj} matches no field of the schema")
    return problems


class PolicyTable:
    """A loaded policy: validated lines, and decision tables compiled on first use."""

    def __init__(
        self,
        model_path: Path,
        lines: list[PolicyLine],
        fields: Mapping[str, FieldInfo],
        *,
        source: str,
    ) -> None:
        problems = validate_lines(lines, fields)
        if problems:
            raise PolicyError(problems)
        self.model_path = model_path
        self.lines = lines
        self.fields = dict(fields)
        self.source = source
        self._patterns = sorted({ln.values[1] for ln in lines if ln.ptype == "p"})
        self._parents: dict[str, set[str]] = {}
        for ln in lines:
            if ln.ptype == "g":
                self._parents.setdefault(ln.values[0], set()).add(ln.values[1])
        self._tables: dict[tuple[tuple[str, ...], frozenset[str]], Grants] = {}
        self._by_caller: dict[tuple[tuple[str, ...], str], Grants] = {}
        self._compiling: dict[tuple[tuple[str, ...], str], asyncio.Future[Grants]] = {}
        # Compile once up front so a broken model or policy fails at load, not at a request.
        with CASBIN:
            self._enforcer(("__probe__",), frozenset())

    @classmethod
    def load(cls, directory: Path, fields: Mapping[str, FieldInfo]) -> PolicyTable:
        model = directory / "model.conf"
        policy = directory / "policy.csv"
        for path in (model, policy):
            if not path.exists():
                raise PolicyError([f"{path} is missing"])
        try:
            return cls(model, read_policy(policy), fields, source=str(policy))
        except PolicyError:
            raise
        except Exception as exc:  # casbin's own parse errors
            raise PolicyError([f"{policy}: {type(exc).__name__}: {exc}"]) from None

    # --- compiling ------------------------------------------------------------------------

    def _ancestry(self, roles: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(roles)
        while todo:
            role = todo.pop()
            if role not in seen:
                seen.add(role)
                todo.extend(self._parents.get(role, ()))
        return seen

    def _enforcer(self, roles: tuple[str, ...], patterns: frozenset[str]) -> casbin.Enforcer:
        """A Casbin enforcer over just the lines that can matter for these roles and org."""
        family = self._ancestry(roles)
        chosen = [
            ln.text
            for ln in self.lines
            if (ln.ptype == "g") or (ln.values[0] in family and ln.values[1] in patterns)
        ]
        chosen += [f"g, __caller__, {role}" for role in roles]
        return casbin.Enforcer(str(self.model_path), _Lines(chosen))

    def callers(self) -> list[tuple[tuple[str, ...], str]]:
        """The (roles, org) of every kind of caller compiled so far."""
        return list(self._by_caller)

    def compiled(self, roles: tuple[str, ...], org: str) -> bool:
        """Whether :meth:`grants` of this caller is a dict hit (no compilation)."""
        return (roles, org) in self._by_caller

    async def grants_off_loop(self, roles: tuple[str, ...], org: str) -> Grants:
        """:meth:`grants`, compiled in a worker thread when it is not yet: a compilation asks
        Casbin about every field of the schema (0.2–1 s per role), which on the event loop
        would hold every other request for that long after a start or a policy reload."""
        if self.compiled(roles, org):
            return self.grants(roles, org)
        # one compilation per caller kind, however many of its requests arrive meanwhile
        # (each would otherwise hold a thread of the default executor, waiting for the lock)
        pending = self._compiling.get((roles, org))
        if pending is None:
            pending = asyncio.ensure_future(asyncio.to_thread(self.grants, roles, org))
            self._compiling[(roles, org)] = pending
            pending.add_done_callback(lambda _: self._compiling.pop((roles, org), None))
        return await asyncio.shield(pending)

    def grants(self, roles: tuple[str, ...], org: str) -> Grants:
        """The compiled grants of a caller; a dict hit after the first request of each kind."""
        hit = self._by_caller.get((roles, org))
        if hit is not None:
            return hit
        patterns = frozenset(p for p in self._patterns if glob_match(org, p))
        key = (tuple(sorted(roles)), patterns)
        table = self._tables.get(key)
        if table is None:
            with CASBIN:
                table = self._tables.get(key) or self._compile(key[0], org, patterns)
                self._tables[key] = table
        if table.org != org:
            # the same decisions with the caller's org named, and plans of its own: a plan's
            # refusals and views name the org they were made for
            table = dataclasses.replace(table, org=org, plans={})
        if len(self._by_caller) >= 10_000:
            self._by_caller.clear()
        self._by_caller[(roles, org)] = table
        return table

    def _compile(self, roles: tuple[str, ...], org: str, patterns: frozenset[str]) -> Grants:
        e = self._enforcer(roles, patterns)

        def decide(obj: str) -> Decision:
            if e.enforce("__caller__", org, obj, "read"):
                return Decision.READ
            if e.enforce("__caller__", org, obj, "mask"):
                return Decision.MASK
            return Decision.DENY

        family = self._ancestry(roles)
        mentioned = {
            ln.values[2]
            for ln in self.lines
            if ln.ptype == "p" and ln.values[0] in family and ln.values[1] in patterns
        }
        tag_decisions: dict[Mask, Decision | None] = {}
        for mask in Mask:
            obj = mask.policy_object
            ruled = any(
                glob_match(obj, pattern) for pattern in mentioned if pattern.startswith("#")
            )
            tag_decisions[mask] = decide(obj) if ruled else None
        decisions: dict[str, Decision] = {}
        for coordinate, info in self.fields.items():
            d = decide(coordinate)
            if info.mask is not None:
                tag = tag_decisions[info.mask]
                if tag is not None:
                    d = min(d, tag) if d > Decision.DENY else d
            if d == Decision.MASK and info.is_leaf and info.mask is None:
                d = Decision.DENY  # nothing to mask with: withhold
            decisions[coordinate] = Decision(d)
        return Grants(
            roles=roles,
            org=org,
            decisions=decisions,
            requires_purpose=bool(e.enforce("__caller__", org, "@purpose", "require")),
            requires_assignment=bool(e.enforce("__caller__", org, "@assignment", "require")),
        )

    # --- explaining -------------------------------------------------------------------------

    def explain(self, role: str, org: str, coordinate: str) -> tuple[Decision, list[PolicyLine]]:
        """The decision for one coordinate and the policy lines that decided it."""
        if coordinate not in self.fields and coordinate not in MARKERS:
            raise PolicyError([f"{coordinate} is not a field of the schema"])
        grants = self.grants((role,), org)
        family = self._ancestry((role,))
        info = self.fields.get(coordinate)
        objects = {coordinate} | ({info.mask.policy_object} if info and info.mask else set())
        deciding = [
            ln
            for ln in self.lines
            if ln.ptype == "p"
            and ln.values[0] in family
            and glob_match(org, ln.values[1])
            and any(glob_match(o, ln.values[2]) for o in objects)
        ]
        if coordinate in MARKERS:
            required = (
                grants.requires_purpose if coordinate == "@purpose" else grants.requires_assignment
            )
            return (Decision.READ if required else Decision.DENY), deciding
        return grants.decision(coordinate), deciding
