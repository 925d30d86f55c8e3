"""Differential test of the field policy: no document shape gets around it.

For each caller (role and org of tests/policy_matrix.csv), hypothesis writes GraphQL documents
over the real schema, starting at the root fields the caller may call (``person`` /
``persons`` / ``enterprise`` / ``enterprises`` with subjects and, for the judge, a case it may
cite; ``myCases``, ``assignedCases``, ``freezeOrders``, ``agencyInbox``, ``sanctionMatters``,
``sanctionListChanges``, ``sanctionStats``, ``sanctionCheck(s)``, ``auditEvents``,
``auditActivity``, the enterprise party's ``myEnterprise``, police assistance's ``policeRequests``,
``policeRequest`` and ``policeInbox``, the 查控 requests' ``depositInquiries`` and
``depositInquiry``; now and then one it may not call),
with random selections of leaves and nested objects, the same field under several aliases with
different sub-selections, inline fragments, named fragments spread several times in different
places with different siblings,
``@include`` / ``@skip`` with literal and variable conditions, variables with default values,
and references (``Equity.enterprise``, ``Shareholder.holder``,
``EnterpriseRegistration.legalRepresentative``, ``KeyPerson.person``,
``EnterpriseRole.enterprise``). It sends them one per HTTP request, several in one batched
request, over the websocket (graphql-transport-ws ``subscribe`` with a query), or the same
document twice in a row (the parser cache hands the second request the first one's AST).

Every value of every answer is then checked against the compiled decision table of the caller
(``Grants.decisions``): READ — the raw value; MASK — the masked form of the raw value by the
field's declared rule (an enterprise's name or USCC, and a null, unchanged); DENY — null with
``FORBIDDEN`` at its path. An object field the caller may not see, or whose every requested leaf
is denied, is null with ``FORBIDDEN`` at its path; for the judge a reference to someone who is
not a party of the cited case (nor the legal representative of an enterprise that is) is null
with ``FORBIDDEN`` / ``NOT_A_PARTY``. Every error must be
one of those. Then the audit entries the request wrote (found by id, not by request id, so
every transport is held to the same rule) must be exactly one per subject looked up and per
reference followed, with the right outcome, plus the auditor's, case-list and sanction-check
entries; and every leaf of subject data the answer shows is listed in the entries as granted,
masked or denied accordingly.

**The oracle** of raw values is independent of the hub's GraphQL layer where it matters most:

- *subject data* (the profile subtrees and everything reached through references) comes
  straight from the agencies' embedded sources (``connectors/*/source.py``, the same databases
  the hub reads, opened here as separate source objects) and the court's records through
  :class:`~hub.federation.court.CourtSource`; the mapping from a GraphQL field to the record or
  look-up behind it is written out below (``RESOLVE``, ``REFERENCES``) from the README's
  description of each group, not taken from the hub's resolvers. No plan, view, mask, cache or
  executor of the hub is on that path, so no defect in them can make the oracle agree with a
  leak;
- *the hub's own records* (orders, cases, the lists' feed, checks, the audit log, statistics)
  are scoped to the caller's org and user, so their oracle is a second query of the same root
  with the same arguments by the tests-only ``test_reader`` role (reads every field) with the
  caller's user and org (and, for a role marked ``@assignment``, the tests-only
  ``test_assigned``, so that it lists the orders of the cases the user is assigned to, as the
  caller does), in a minimal document (every field, no alias, fragment or directive),
  made before the checked request. Those roots are queried with fixed arguments that keep their
  answers stable (the audit log before the test began, a past statistics window, …).

The documents are kept small (≤ 4 root fields, nesting ≤ 5, ≤ 3 subjects deep, ~40 fields) so hypothesis can
shrink a failure to a readable document; the failing documents, variables and transport are
printed with the problems found. Profiles: ``CI`` set → ``ci`` (derandomized, fixed examples);
otherwise ``dev`` (random); ``HYPOTHESIS_PROFILE=long`` for a long exploratory run,
``HYPOTHESIS_PROFILE=raw`` (``HYPOTHESIS_MAX_EXAMPLES``) for failures as found, unshrunk. A failing
test shrinks for at most ``HUB_DIFF_SHRINK_SECONDS`` (20).

Two tests per caller: ``test_no_document_shape_gets_around_the_policy__…`` (one HTTP request, or
the same document twice) and ``test_no_transport_gets_around_the_policy__…`` (2–3 operations in
one batched request or on one websocket connection), so that a defect of one kind does not hide
the other.

**Police assistance and 查控 requests** (docs/police.md, docs/banks.md): the module files
requests in every state through the API as the demo judges and police officer (``Seeded``:
answered, refused, an exit ban in force, a watch handed over, open; another judge's and another
court's). A request by id the caller may not know of must be ``NOT_FOUND`` (the oracle says
which, from who filed it, not from the hub), and no page may list one. Besides the generated
documents, three tests per caller: every field of each of those roots
(``test_every_police_and_inquiry_field_as_the_policy_says``), each mutation once with every
field of its payload (``test_police_and_inquiry_mutations_as_the_policy_says``: refused by the
policy and on record with the request unchanged, ``NOT_FOUND`` for another court's or judge's
request, or every leaf as the table says against the request read afterwards), and the
subscriptions ``policeRequestEvents`` / ``depositInquiryProgress`` against the reader's own
(``test_police_and_inquiry_subscriptions_as_the_policy_says``).

``HUB_DIFF_POLICY_DIR`` holds the answers to a decision table compiled from another policy
directory instead of the hub's own: with a copy that grants less than the hub's policy (or a hub
whose policy grants more), the tests must fail where the hub releases the difference.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSkipDirective,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    is_leaf_type,
    parse,
    print_ast,
    validate,
)
from graphql.execution.values import get_argument_values, get_directive_values, get_variable_values
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.internal.conjecture import engine as hypothesis_engine
from sqlalchemy import delete, func, select, update
from stdnum.cn import uscc as stdnum_uscc

from connectors import registry
from hub.audit.models import audit_entries, audit_leaves
from hub.cases.models import case_parties, cases
from hub.cases.service import parties_of_open_cases
from hub.config import POLICY_DIR
from hub.db.engine import create_hub_engine
from hub.federation.court import CourtSource
from hub.graphql.schema import schema as hub_schema
from hub.inquiries import workflow as inquiry_workflow
from hub.orders.models import freeze_orders
from hub.orders.service import court_day, waiting_line
from hub.police import workflow as police_workflow
from hub.policy.table import Decision, PolicyTable
from hub.sanctions.catalogue import load_catalogue
from tests.conftest import add_case
from tests.hub.test_police import fresh_person, seized_vehicle
from tests.hub.test_policy_matrix import CALLERS
from tests.hub.transports import (
    Entry,
    audit_mark,
    audit_since,
    batch,
    over_websocket,
    single,
    subscription,
)

# --- hypothesis profiles ------------------------------------------------------------------------

_HEALTH = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.function_scoped_fixture,
]
settings.register_profile(
    "ci",
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=_HEALTH,
)
settings.register_profile("dev", settings.get_profile("ci"), derandomize=False)
settings.register_profile("long", settings.get_profile("dev"), max_examples=500)
# no shrinking: the first failure as found (quick look while working on the test)
settings.register_profile(
    "raw",
    settings.get_profile("dev"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "30")),
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
# Every example is a few requests to the hub; hypothesis shrinks a failure for up to five
# minutes before it gives up, per test. A failing test here shrinks for at most SHRINK_SECONDS
# (hypothesis has no setting for it: its engine's constant, when the version has it).
SHRINK_SECONDS = int(os.environ.get("HUB_DIFF_SHRINK_SECONDS", "20"))
if hasattr(hypothesis_engine, "MAX_SHRINKING_SECONDS"):
    hypothesis_engine.MAX_SHRINKING_SECONDS = SHRINK_SECONDS

# --- the schema, read through graphql-core only ----------------------------------------------------

S = hub_schema._schema
QUERY = S.query_type
MUTATION = S.mutation_type
SUBSCRIPTION = S.subscription_type
SUBJECT_TYPES = ("Person", "Enterprise")
SUBJECT_ROOTS = {
    "person": ("PERSON", "idNumber", False),
    "persons": ("PERSON", "idNumbers", True),
    "enterprise": ("ENTERPRISE", "uscc", False),
    "enterprises": ("ENTERPRISE", "usccs", True),
}
AUDIT_ROOTS = {"auditEvents", "auditActivity"}
# Leaves whose value is the answering operation's own (a check's reference on the audit log):
# read, they are compared in form, not with the reader's answer to another operation.
OPERATION_BOUND = {"SanctionCheckResult.checkId"}
MAX_DEPTH = 5  # object nesting below a root field
MAX_SUBJECTS = 3  # subjects nested through references, the root's included (the hub's limit)
SIZE = 40  # fields per document, roughly: beyond it nothing optional is added
MAX_ALIASES = 20  # the hub refuses more than 50 per document
# A matter of policies/sanction_matters.toml that applies to persons and that the caller's
# organisation grants (an approval system checks only its own departments' matters); callers
# the policy refuses the checks get the same refusal whichever matter they name.
CATALOGUE = load_catalogue(POLICY_DIR)
DEFAULT_MATTER = "XF-FLIGHT"


def matter_of(org: str) -> str:
    return next(
        (m.code for m in CATALOGUE.values() if m.granted_by(org) and "PERSON" in m.subjects),
        DEFAULT_MATTER,
    )


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def object_type(name: str) -> Any:
    return S.get_type(name)


def is_reference(type_name: str, field_name: str) -> bool:
    named = get_named_type(object_type(type_name).fields[field_name].type)
    return named.name in (*SUBJECT_TYPES, "Subject")


def concrete(named: Any) -> list[GraphQLObjectType]:
    if isinstance(named, GraphQLUnionType):
        return list(named.types)
    return [named] if isinstance(named, GraphQLObjectType) else []


def full_selection(type_name: str, depth: int = 0) -> str:
    """Every field of a type of the hub's own records (no references there), for the oracle."""
    t = object_type(type_name)
    parts = []
    for name, f in t.fields.items():
        named = get_named_type(f.type)
        if is_leaf_type(named):
            parts.append(name)
        elif depth < 4 and isinstance(named, GraphQLObjectType):
            parts.append(f"{name} {full_selection(named.name, depth + 1)}")
    return "{ " + " ".join(parts) + " }"


# --- the oracle: raw values, independent of the hub's GraphQL layer ----------------------------------


class Raw:
    """A raw object at some place of an answer: its leaves serialized as GraphQL would."""

    type_name: str

    async def leaf(self, name: str) -> Any:
        raise NotImplementedError

    async def child(self, name: str) -> Any:
        """A Raw, a list of Raw, or None."""
        raise NotImplementedError

    def kind(self, attr: str) -> str | None:
        raise NotImplementedError

    def key_of(self, attr: str) -> Any:
        raise NotImplementedError


def serialize(type_name: str, field_name: str, value: Any) -> Any:
    if value is None:
        return None
    named = get_named_type(object_type(type_name).fields[field_name].type)
    if isinstance(value, list | tuple):
        return [named.serialize(v) for v in value]
    return named.serialize(value)


@dataclass
class RecordRaw(Raw):
    """An agency or court record (or a group of look-ups keyed by a subject)."""

    type_name: str
    record: Any
    oracle: Oracle
    key: str | None = None  # the subject id for Person, Enterprise and their groups
    # for a purpose-bound caller, a Person's or Enterprise's asset sections: "show" (a
    # respondent of the cited case), "refuse" (NOT_A_RESPONDENT) or "either" (a respondent of a
    # case cited elsewhere in the same context: root fields run concurrently)
    assets: str = "show"

    async def leaf(self, name: str) -> Any:
        if (self.type_name, name) in (("Person", "idNumber"), ("Enterprise", "uscc")):
            return self.key
        derived = DERIVED.get((self.type_name, name))
        if derived is not None:
            return await derived(self)
        return serialize(self.type_name, name, getattr(self.record, snake(name)))

    async def child(self, name: str) -> Any:
        special = RESOLVE.get((self.type_name, name))
        child_type = get_named_type(object_type(self.type_name).fields[name].type).name
        if special is not None:
            return await special(self, child_type)
        value = getattr(self.record, snake(name))
        if value is None:
            return None
        if isinstance(value, list):
            return [RecordRaw(child_type, v, self.oracle) for v in value]
        return RecordRaw(child_type, value, self.oracle)

    def kind(self, attr: str) -> str | None:
        value = getattr(self.record, attr, None)
        return None if value is None else str(getattr(value, "value", value))

    def key_of(self, attr: str) -> Any:
        return getattr(self.record, attr)


@dataclass
class JsonRaw(Raw):
    """A value of the reader's answer to a minimal document (the hub's own records)."""

    type_name: str
    obj: dict[str, Any]

    async def leaf(self, name: str) -> Any:
        return self.obj[name]

    async def child(self, name: str) -> Any:
        value = self.obj[name]
        child_type = get_named_type(object_type(self.type_name).fields[name].type).name
        if value is None:
            return None
        if isinstance(value, list):
            return [None if v is None else JsonRaw(child_type, v) for v in value]
        return JsonRaw(child_type, value)

    def kind(self, attr: str) -> str | None:
        if attr == "user_kind":
            # an audit entry's user: an enterprise party's (org enterprise:<USCC>) is a person's
            # ID number; any other is a staff id (docs/parties.md, "Audit")
            org = self.obj.get("org")
            return "PERSON" if isinstance(org, str) and org.startswith("enterprise:") else "STAFF"
        if attr == "owner_kind" and "ownerKind" not in self.obj:
            # an order's owner (not a field of its own): an enterprise's USCC or a person's ID
            # number, told apart by GB 32100 (python-stdnum, not the hub's validator)
            owner = self.obj.get("ownerId")
            if owner is None:
                return None
            return "ENTERPRISE" if stdnum_uscc.is_valid(owner) else "PERSON"
        camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), attr)
        return self.obj.get(camel)

    def key_of(self, attr: str) -> Any:
        raise AssertionError("the hub's own records hold no references")


class Oracle:
    """The agencies' embedded sources and the court's records, asked directly (memoized: the
    data does not change while the test runs)."""

    def __init__(self, sources: dict[str, Any]) -> None:
        self.sources = sources
        self._memo: dict[tuple[str, str, str], Any] = {}

    async def look(self, connector: str, method: str, key: str) -> Any:
        memo = (connector, method, key)
        if memo not in self._memo:
            found = await getattr(self.sources[connector], method)([key])
            self._memo[memo] = found.get(key)
        return self._memo[memo]

    async def subject(self, kind: str, key: str) -> RecordRaw | None:
        """A person if public security knows them, an enterprise if market supervision does."""
        if kind == "PERSON":
            found = await self.look("public_security", "identities", key)
            return RecordRaw("Person", None, self, key) if found is not None else None
        found = await self.look("market_supervision", "enterprises", key)
        return RecordRaw("Enterprise", None, self, key) if found is not None else None


Resolver = Callable[[RecordRaw, str], Awaitable[Any]]


def _one(connector: str, method: str, key: Callable[[RecordRaw], str] | None = None) -> Resolver:
    async def resolve(raw: RecordRaw, child_type: str) -> Any:
        k = key(raw) if key else raw.key
        record = await raw.oracle.look(connector, method, k)  # type: ignore[arg-type]
        return None if record is None else RecordRaw(child_type, record, raw.oracle)

    return resolve


def _many(connector: str, method: str, key: Callable[[RecordRaw], str] | None = None) -> Resolver:
    async def resolve(raw: RecordRaw, child_type: str) -> Any:
        k = key(raw) if key else raw.key
        records = await raw.oracle.look(connector, method, k)  # type: ignore[arg-type]
        return [RecordRaw(child_type, r, raw.oracle) for r in records or []]

    return resolve


def _line(asset_type: str, agency: str, key: Callable[[RecordRaw], str]) -> Resolver:
    """An asset's waiting line: the hub's orders put in line with the agency's register."""

    async def resolve(raw: RecordRaw, child_type: str) -> Any:
        k = key(raw)
        orders = await raw.oracle.look("court", "orders_by_asset", f"{asset_type}:{k}")
        register = await raw.oracle.look(agency, "measures", k)
        line = waiting_line(orders or [], register or [], today=court_day(datetime.now(UTC)))
        return [RecordRaw(child_type, r, raw.oracle) for r in line]

    return resolve


def _group(raw: RecordRaw, child_type: str) -> Awaitable[Any]:
    async def make() -> Any:
        return RecordRaw(child_type, None, raw.oracle, raw.key)

    return make()


async def _deposits(raw: RecordRaw, child_type: str) -> Any:
    """One entry per bank, in the registry's order, each with the subject's accounts there
    (README "Deposits": every bank is asked; all of them answer in this test)."""
    out = []
    for name in registry.banks():
        records = await raw.oracle.look(name, "deposits", raw.key)  # type: ignore[arg-type]
        entry = SimpleNamespace(
            bank=name,
            bank_name=registry.get(name).title,
            answer="ANSWERED",
            accounts=list(records or []),
        )
        out.append(RecordRaw(child_type, entry, raw.oracle))
    return out


# Where each group of a profile comes from (README "The API" and "How a profile is assembled").
RESOLVE: dict[tuple[str, str], Resolver] = {
    ("Person", "identity"): _one("public_security", "identities"),
    ("Person", "assets"): _group,
    ("Person", "qualifications"): _many("social_security", "qualifications"),
    ("Person", "insurance"): _group,
    ("Person", "enterpriseRoles"): _many("market_supervision", "roles_by_person"),
    ("Person", "legal"): _group,
    ("Enterprise", "registration"): _one("market_supervision", "enterprises"),
    ("Enterprise", "licences"): _many("market_supervision", "licences"),
    ("Enterprise", "shareholders"): _many("market_supervision", "shareholders"),
    ("Enterprise", "insurance"): _one("social_security", "enterprise_insurance"),
    ("Enterprise", "penalties"): _many("market_supervision", "penalties"),
    ("Enterprise", "credit"): _one("market_supervision", "credit"),
    ("Enterprise", "assets"): _group,
    ("Enterprise", "legal"): _group,
    ("Assets", "realEstates"): _many("real_estate", "properties_by_owner"),
    ("Assets", "vehicles"): _many("public_security", "vehicles_by_owner"),
    ("Assets", "equities"): _many("market_supervision", "stakes_by_holder"),
    ("Assets", "deposits"): _deposits,
    ("PersonInsurance", "records"): _many("social_security", "insurance"),
    ("Person", "tax"): _group,
    ("Person", "utilities"): _group,
    ("Enterprise", "tax"): _group,
    ("Enterprise", "utilities"): _group,
    ("PersonTax", "incomeTax"): _many("tax", "income_tax"),
    ("PersonTax", "businesses"): _many("tax", "businesses"),
    ("PersonUtilities", "accounts"): _many("utilities", "accounts_by_holder"),
    ("EnterpriseTax", "registration"): _one("tax", "registrations"),
    ("EnterpriseTax", "filings"): _many("tax", "filings"),
    ("EnterpriseTax", "arrears"): _many("tax", "arrears"),
    ("EnterpriseTax", "refunds"): _many("tax", "refunds"),
    ("EnterpriseUtilities", "accounts"): _many("utilities", "accounts_by_holder"),
    ("PersonInsurance", "housingFund"): _one("social_security", "housing_fund"),
    ("Legal", "cases"): _many("court", "cases_by_party"),
    ("Legal", "sanctions"): _many("court", "sanctions_by_subject"),
    ("RealEstate", "waitingLine"): _line(
        "REAL_ESTATE", "real_estate", lambda r: r.record.unit_number
    ),
    ("Vehicle", "waitingLine"): _line("VEHICLE", "public_security", lambda r: r.record.plate),
    ("Equity", "waitingLine"): _line("EQUITY", "market_supervision", lambda r: r.record.stake_id),
    ("EnterpriseRegistration", "keyPersonnel"): _many(
        "market_supervision", "key_personnel", lambda r: r.record.uscc
    ),
}

# The derived signals, restated from docs/tax_utilities.md ("Derived signals") over the records:
# a meter is in use when the mean of its last three months is above 30 kWh (电) or 1 m³ (水, 气).
_IN_USE = {"电": Decimal(30), "水": Decimal(1), "气": Decimal(1)}


def _metered(account: Any) -> bool:
    last = sorted(account.usage, key=lambda u: u.period)[-3:]
    return bool(last) and sum(u.consumption for u in last) / len(last) > _IN_USE[account.kind]


async def _in_arrears(raw: RecordRaw) -> Any:
    owed = await raw.oracle.look("tax", "arrears", raw.key)  # type: ignore[arg-type]
    return any(a.amount > 0 for a in owed or [])


async def _operating(raw: RecordRaw) -> Any:
    held = await raw.oracle.look("utilities", "accounts_by_holder", raw.key)  # type: ignore[arg-type]
    return None if not held else any(_metered(a) for a in held)


async def _lives_at(raw: RecordRaw) -> Any:
    identity = await raw.oracle.look("public_security", "identities", raw.key)  # type: ignore[arg-type]
    home = identity.registered_address if identity is not None else None
    if not home:
        return None
    there = await raw.oracle.look("utilities", "accounts_by_address", home) or []
    held = await raw.oracle.look("utilities", "accounts_by_holder", raw.key) or []  # type: ignore[arg-type]
    if any(_metered(a) for a in there):
        return True
    return False if there or any(a.address != home for a in held) else None


DERIVED: dict[tuple[str, str], Callable[[RecordRaw], Awaitable[Any]]] = {
    ("EnterpriseTax", "inArrears"): _in_arrears,
    ("EnterpriseUtilities", "operating"): _operating,
    ("PersonUtilities", "livesAtRegisteredAddress"): _lives_at,
}

# The sections of a profile that are a respondent's only (README "Access control", purpose
# binding: property measures and what they reach are for the 被执行人 of the cited case).
ASSET_SECTIONS = {
    ("Person", "assets"),
    ("Person", "insurance"),
    ("Person", "tax"),
    ("Person", "utilities"),
    ("Enterprise", "assets"),
}

# References to full profiles: (subject kind or the record attribute holding it, key attribute).
REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("Equity", "enterprise"): ("ENTERPRISE", "uscc"),
    ("EnterpriseRole", "enterprise"): ("ENTERPRISE", "uscc"),
    ("EnterpriseRegistration", "legalRepresentative"): ("PERSON", "legal_representative_id"),
    ("KeyPerson", "person"): ("PERSON", "id_number"),
    ("Shareholder", "holder"): ("holder_kind", "holder_id"),
}


# --- generating documents --------------------------------------------------------------------------


@dataclass
class Sel:
    """One selection: a field (``name``), an inline fragment (``on``/``inline``) or a spread."""

    name: str | None = None
    alias: str | None = None
    args: str = ""
    directive: str = ""
    sub: list[Sel] | None = None
    inline: bool = False
    on: str | None = None
    spread: str | None = None

    def render(self, indent: int) -> str:
        pad = "  " * indent
        d = f" {self.directive}" if self.directive else ""
        if self.spread:
            return f"{pad}...{self.spread}{d}"
        if self.inline:
            on = f" on {self.on}" if self.on else ""
            return f"{pad}...{on}{d} {render_set(self.sub or [], indent)}"
        alias = f"{self.alias}: " if self.alias else ""
        body = f" {render_set(self.sub, indent)}" if self.sub is not None else ""
        return f"{pad}{alias}{self.name}{self.args}{d}{body}"


def render_set(sels: list[Sel], indent: int) -> str:
    inner = "\n".join(s.render(indent + 1) for s in sels)
    return "{\n" + inner + "\n" + "  " * indent + "}"


@dataclass
class Fragment:
    name: str
    on: str
    sub: list[Sel]
    height: int  # object nesting inside
    subjects: int  # subjects nested inside through references


@dataclass
class Variable:
    name: str
    type: str
    default: str | None  # GraphQL literal
    value: Any
    sent: bool  # False: omitted from the variables, the default applies


@dataclass
class Pool:
    """Subjects to look up: the parties of a few of the judge's open cases."""

    cases: dict[str, dict[str, list[str]]]  # case -> {"PERSON": [...], "ENTERPRISE": [...]}
    persons: list[str]
    enterprises: list[str]
    outsiders: dict[str, str]  # a person and an enterprise who are no party of those cases


# Subjects and moments are written as placeholders and resolved when the test runs (the demo
# data is only known then): ⟦PERSON:c:k⟧ the k-th person party of case slot c (⟦…:*:k⟧ the k-th
# person of the pool), ⟦OUT:PERSON⟧ someone who is no party of those cases, ⟦CASE:c⟧; T0 below.
CASE_SLOTS = 3
PARTY_SLOTS = 4
POOL_SLOTS = 8
PLACEHOLDER = re.compile(r"⟦([^⟧]*)⟧")
T0 = "2001-02-03T04:05:06+00:00"  # a DateTime literal, replaced by the moment the test began


@dataclass(frozen=True)
class Focus:
    """What a caller's documents lean towards, from the statement of intent (the matrix): the
    roots it may call, and the places where its decisions are mixed (a leaf masked, or some read
    and some denied) — where a plan built for one place and used for another shows."""

    roots: tuple[str, ...]
    purpose: bool
    mixed: frozenset[str]  # types with mixed decisions, or leading to one within a few fields
    guarded: dict[str, tuple[str, ...]]  # type -> its leaves the caller may not read in clear
    matter: str = DEFAULT_MATTER  # the restricted matter its checks name


def focus_of(role: str, org: str) -> Focus:
    from tests.hub.test_policy_matrix import expectations

    mine = expectations(role, org)
    guarded: dict[str, tuple[str, ...]] = {}
    mixed: set[str] = set()
    for name, t in S.type_map.items():
        if not isinstance(t, GraphQLObjectType) or name.startswith("__"):
            continue
        leaves = [f for f, d in t.fields.items() if is_leaf_type(get_named_type(d.type))]
        decisions = {mine.get(f"{name}.{f}", "read") for f in leaves}
        guarded[name] = tuple(f for f in leaves if mine.get(f"{name}.{f}", "read") != "read")
        if "mask" in decisions or {"read", "deny"} <= decisions:
            mixed.add(name)
    for _ in range(3):  # types whose object fields lead to a mixed one
        for name in list(guarded):
            t = S.get_type(name)
            for f, d in t.fields.items():
                child = get_named_type(d.type)
                if mine.get(f"{name}.{f}") != "deny" and any(
                    c.name in mixed for c in concrete(child)
                ):
                    mixed.add(name)
    roots = tuple(r for r in SUPPORTED_ROOTS if mine.get(f"Query.{r}") != "deny")
    return Focus(roots, role in PURPOSE_ROLES, frozenset(mixed), guarded, matter_of(org))


class Writer:
    """Draws one operation for a caller, step by step (hypothesis shrinks every choice)."""

    def __init__(self, draw: Any, focus: Focus, prefix: str) -> None:
        self.draw = draw
        self.focus = focus
        self.roots = list(focus.roots)
        self.judge = focus.purpose  # the caller must cite a case its subjects are parties of
        self.prefix = prefix  # keeps fragment and variable names apart between documents
        self.fragments: list[Fragment] = []
        self.variables: list[Variable] = []
        self.count = 0
        self.size = 0  # fields written so far: past SIZE nothing optional is added
        self.aliases = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.prefix}{self.count}"

    def alias(self, name: str, p: float) -> str | None:
        """An alias for a field, with probability ``p`` while the document has few."""
        if self.aliases >= MAX_ALIASES or not self.chance(p):
            return None
        self.aliases += 1
        return self.fresh(name)

    def chance(self, p: float) -> bool:
        """True with probability ``p``; shrinks to False (the simpler document)."""
        trues = round(20 * p)
        return bool(self.draw(st.sampled_from([False] * (20 - trues) + [True] * trues)))

    # -- directives and variables

    def condition(self) -> str:
        kind = self.draw(st.sampled_from(["true", "false", "var", "var"]))
        if kind != "var":
            return kind
        name = self.fresh("b")
        value = self.draw(st.booleans())
        style = self.draw(st.sampled_from(["required", "default-sent", "default-omitted"]))
        if style == "required":
            self.variables.append(Variable(name, "Boolean!", None, value, True))
        else:
            default = self.draw(st.booleans())
            sent = style == "default-sent"
            self.variables.append(
                Variable(name, "Boolean", str(default).lower(), value if sent else default, sent)
            )
        return f"${name}"

    def directive(self, p: float = 0.15) -> str:
        if not self.chance(p):
            return ""
        which = self.draw(st.sampled_from(["include", "skip"]))
        return f"@{which}(if: {self.condition()})"

    # -- selections

    def selection(
        self, type_name: str, depth: int, subjects: int, *, fragment: bool = False
    ) -> tuple[list[Sel], int, int]:
        """(selections, object nesting used, subjects nested used) for an object or union; a
        fragment's body asks for an object field whenever it can (that is what gets shared)."""
        named = S.get_type(type_name)
        if isinstance(named, GraphQLUnionType):
            return self.union_selection(named, depth, subjects)
        t = named
        names = list(t.fields)
        leaves = [n for n in names if is_leaf_type(get_named_type(t.fields[n].type))]
        objects = [
            n
            for n in names
            if n not in leaves
            and depth < MAX_DEPTH
            and (not is_reference(type_name, n) or subjects < MAX_SUBJECTS)
        ]
        out: list[Sel] = []
        height, nested = 0, 0
        if leaves:
            guarded = [n for n in leaves if n in self.focus.guarded.get(type_name, ())]
            chosen = self.draw(  # leaves the caller may not read in clear, twice as likely
                st.lists(st.sampled_from(leaves + guarded), min_size=1, max_size=3, unique=True)
            )
            for name in chosen:
                self.size += 1
                out.append(Sel(name, alias=self.alias(name, 0.15), directive=self.directive()))
                second = self.alias(name, 0.1)  # the same leaf under a second alias
                if second:
                    out.append(Sel(name, alias=second))
        # object fields: fewer the deeper (a type without leaves needs one)
        wanted = 0
        while (
            objects
            and self.size < SIZE
            and wanted < min(2, len(objects))
            and (
                ((not leaves or fragment) and wanted == 0)
                or self.chance(0.7 * 0.7**depth / (1 + 2 * wanted))
            )
        ):
            wanted += 1
        leaning = [  # object fields leading to mixed decisions, three times as likely
            n
            for n in objects
            if any(c.name in self.focus.mixed for c in concrete(get_named_type(t.fields[n].type)))
        ]
        # a fragment asks most likely for a field that leads to mixed decisions
        weighted = leaning if fragment and leaning and self.chance(0.8) else objects + leaning * 3
        for name in self.draw(
            st.lists(
                st.sampled_from(weighted),
                min_size=min(wanted, len(set(weighted))),
                max_size=min(wanted, len(set(weighted))),
                unique=True,
            )
            if objects
            else st.just([])
        ):
            out_child, h, n = self.child(type_name, name, depth, subjects)
            out += out_child
            height, nested = max(height, h), max(nested, n)
        if not out:
            out.append(Sel("__typename"))
        # a named fragment, most likely one already spread elsewhere, most likely first (its
        # nodes then come first for the fields it shares with this place's own selections)
        top = depth <= 1
        if self.size < SIZE and self.chance(
            0.8 if top else 0.7 if self.usable(type_name, depth, subjects) else 0.3
        ):
            spread, h, n = self.fragment_spread(type_name, depth, subjects)
            first = self.chance(0.9 if top else 0.8)
            overlap = self.chance(0.9 if top else 0.7)
            siblings = self.overlap(type_name, spread, depth, subjects) if overlap else []
            out = [spread, *siblings, *out] if first else [*out, *siblings, spread]
            height, nested = max(height, h), max(nested, n)
        if self.chance(0.2) and out:
            k = self.draw(st.integers(1, len(out)))
            on = type_name if self.chance(0.6) else None
            directive = self.directive(0.5 if on is None else 0.2)
            out = [*out[:-k], Sel(inline=True, on=on, directive=directive, sub=out[-k:])]
        return out, height, nested

    def child(
        self, type_name: str, name: str, depth: int, subjects: int
    ) -> tuple[list[Sel], int, int]:
        """An object field, now and then twice under two aliases with different selections."""
        named = get_named_type(object_type(type_name).fields[name].type).name
        ref = 1 if is_reference(type_name, name) else 0
        out = []
        height, nested = 0, 0
        for n in range(2 if self.aliases < MAX_ALIASES and self.chance(0.2) else 1):
            self.size += 1
            sub, h, s = self.selection(named, depth + 1, subjects + ref)
            alias = self.alias(name, 1.0 if n else 0.15)
            out.append(Sel(name, alias=alias, directive=self.directive(), sub=sub))
            height, nested = max(height, h + 1), max(nested, s + ref)
        return out, height, nested

    def union_selection(
        self, union: GraphQLUnionType, depth: int, subjects: int
    ) -> tuple[list[Sel], int, int]:
        out: list[Sel] = []
        height, nested = 0, 0
        if self.chance(0.5):
            out.append(Sel("__typename"))
        for member in union.types:
            if not self.chance(0.7):
                continue
            if self.chance(0.3):
                spread, h, n = self.fragment_spread(member.name, depth, subjects)
                out.append(spread)
            else:
                sub, h, n = self.selection(member.name, depth, subjects)
                out.append(Sel(inline=True, on=member.name, directive=self.directive(), sub=sub))
            height, nested = max(height, h), max(nested, n)
        return out or [Sel("__typename")], height, nested

    def usable(self, type_name: str, depth: int, subjects: int) -> list[Fragment]:
        """The fragments on this type that fit here (nesting and subject limits)."""
        return [
            f
            for f in self.fragments
            if f.on == type_name
            and depth + f.height <= MAX_DEPTH
            and subjects + f.subjects <= MAX_SUBJECTS
        ]

    def fragment_spread(self, type_name: str, depth: int, subjects: int) -> tuple[Sel, int, int]:
        usable = self.usable(type_name, depth, subjects)
        if usable and self.chance(0.8):
            frag = self.draw(st.sampled_from(usable))
        else:
            sub, h, n = self.selection(type_name, depth, subjects, fragment=True)
            frag = Fragment(self.fresh("F"), type_name, sub, h, n)
            self.fragments.append(frag)
        return Sel(spread=frag.name, directive=self.directive(0.1)), frag.height, frag.subjects

    def overlap(self, type_name: str, spread: Sel, depth: int, subjects: int) -> list[Sel]:
        """Siblings asking again for object fields the fragment asks for (directly, or through
        inline fragments and the fragments it spreads), with other leaves: the same field then
        has nodes from the fragment and from this place."""
        names: list[str] = []

        def walk(selections: list[Sel], seen: frozenset[str]) -> None:
            for sel in selections:
                if sel.spread and sel.spread not in seen:
                    frag = next(f for f in self.fragments if f.name == sel.spread)
                    walk(frag.sub, seen | {sel.spread})
                elif sel.inline and sel.on in (None, type_name):
                    walk(sel.sub or [], seen)
                elif sel.name and sel.sub is not None and not sel.alias and sel.name not in names:
                    names.append(sel.name)

        walk([spread], frozenset())
        out = []
        for name in names:
            if self.chance(0.9):
                named = get_named_type(object_type(type_name).fields[name].type).name
                ref = 1 if is_reference(type_name, name) else 0
                if depth + 1 > MAX_DEPTH or subjects + ref > MAX_SUBJECTS:
                    continue
                sub, _, _ = self.selection(named, depth + 1, subjects + ref)
                out.append(Sel(name, sub=sub))
        return out

    # -- roots

    def subject_args(self, root: str) -> str:
        kind, argument, many = SUBJECT_ROOTS[root]
        if self.judge:
            slot = self.draw(st.integers(0, CASE_SLOTS - 1))
            case: str | None = f"⟦CASE:{slot}⟧"
            choices = [f"⟦{kind}:{slot}:{k}⟧" for k in range(PARTY_SLOTS)]
            if self.chance(0.1):  # someone who is no party of the case
                choices.append(f"⟦OUT:{kind}⟧")
        else:
            case = None
            choices = [f"⟦{kind}:*:{k}⟧" for k in range(POOL_SLOTS)]
        keys = self.draw(
            st.lists(st.sampled_from(choices), min_size=1, max_size=2 if many else 1, unique=True)
        )
        value = keys if many else keys[0]
        literal = "[" + ", ".join(f'"{k}"' for k in keys) + "]" if many else f'"{keys[0]}"'
        if self.chance(0.5):
            name = self.fresh("s")
            gql_type = "[String!]!" if many else "String!"
            if self.chance(0.4):  # a default value, sent or not
                sent = self.chance(0.5)
                self.variables.append(Variable(name, gql_type[:-1], literal, value, sent))
            else:
                self.variables.append(Variable(name, gql_type, None, value, True))
            subject = f"${name}"
        else:
            subject = literal
        args = [f"{argument}: {subject}"]
        if case is not None:
            if self.chance(0.5):
                name = self.fresh("c")
                sent = self.chance(0.6)
                self.variables.append(Variable(name, "String", f'"{case}"', case, sent))
                args.append(f"caseNumber: ${name}")
            else:
                args.append(f'caseNumber: "{case}"')
        return f"({', '.join(args)})"

    def root_args(self, root: str) -> str:
        """The arguments of a root field of the hub's own records: fixed, so its answer is
        stable while the test runs (the audit log before the test began, a past window, …)."""
        if root in ("policeRequest", "depositInquiry"):
            # one of the requests the module filed: the caller's, another judge's of the same
            # court, another court's (NOT_FOUND for a judge, docs/police.md and docs/banks.md)
            kind, count = BY_ID[root]
            return f'(id: "⟦{kind}:{self.draw(st.integers(0, count - 1))}⟧")'
        if root in LIST_ARGS:
            return self.draw(st.sampled_from(LIST_ARGS[root]))
        if root in ("sanctionCheck", "sanctionChecks"):
            person = f"⟦PERSON:*:{self.draw(st.integers(0, POOL_SLOTS - 1))}⟧"
            matter = self.focus.matter
            if root == "sanctionCheck":
                return f'(subject: {{idNumber: "{person}"}}, matter: "{matter}")'
            return f'(matter: "{matter}", idNumbers: ["{person}"])'
        return {
            "myCases": "(first: 2)",
            "assignedCases": "(first: 2)",
            "freezeOrders": "(first: 2)",
            "agencyInbox": "(first: 2)",
            "sanctionMatters": "",
            "sanctionListChanges": '(after: "0", first: 2)',
            "sanctionStats": '(from: "2024-01-01", to: "2030-12-31", groupBy: MATTER)',
            "auditEvents": f'(filter: {{to: "{T0}", userId: "judge-zhang"}}, first: 2)',
            "auditActivity": '(from: "2020-01-01", to: "2020-01-03")',
            "myEnterprise": "",
        }[root]

    def echo(self, sels: list[Sel], type_name: str, *, sharpen: bool = False) -> list[Sel]:
        """A copy of a selection with one more leaf in some of its object fields: the same
        fragments spread first and the same siblings, asking for a little more. ``sharpen``:
        the first object field that has leaves the caller may not read in clear asks for one."""
        copy = deepcopy(sels)
        targets: list[tuple[Sel, str]] = []

        def walk(selections: list[Sel], tname: str) -> None:
            for sel in selections:
                if sel.spread:
                    continue
                if sel.inline:
                    walk(sel.sub or [], sel.on or tname)
                elif sel.sub is not None:
                    named = get_named_type(object_type(tname).fields[sel.name].type)  # type: ignore[index]
                    if isinstance(named, GraphQLObjectType):
                        targets.append((sel, named.name))
                        walk(sel.sub, named.name)

        walk(copy, type_name)
        sharp = next((t for t in targets if self.focus.guarded.get(t[1])), None)
        for sel, tname in targets:
            fields = object_type(tname).fields
            leaves = [n for n, f in fields.items() if is_leaf_type(get_named_type(f.type))]
            guarded = list(self.focus.guarded.get(tname, ()))
            if sharpen and (sel, tname) == sharp:
                sel.sub.append(Sel(self.draw(st.sampled_from(guarded))))  # type: ignore[union-attr]
            elif leaves and self.chance(0.7):
                extra = self.draw(st.sampled_from(leaves + guarded * 3))
                sel.sub.append(Sel(extra))  # type: ignore[union-attr]
        return copy

    def operation(self) -> tuple[str, dict[str, Any]]:
        subject_roots = [r for r in self.roots if r in SUBJECT_ROOTS]
        roots = [
            self.draw(
                st.sampled_from(subject_roots if subject_roots and self.chance(0.7) else self.roots)
            )
            for _ in range(self.draw(st.integers(1, 2)))
        ]
        strangers = [r for r in STRANGERS if r not in self.roots]
        if strangers and self.chance(0.1):  # a root the caller may not call
            roots.append(self.draw(st.sampled_from(strangers)))
        # the first root again under another alias: asked afresh, as an echo of the first (the
        # same and a little more), or both as twins (one fragment first, then siblings asking
        # again for the fields the fragment asks for, the second place's asking a little more)
        mode = "single"
        if self.chance(0.6):
            roots.append(roots[0])
            mode = self.draw(st.sampled_from(["fresh", "echo", "twin", "twin"]))
        body: list[Sel] = []
        twin: Fragment | None = None
        for n, root in enumerate(roots):
            named = get_named_type(QUERY.fields[root].type).name
            subjects = 1 if root in SUBJECT_ROOTS else 0
            if root in SUBJECT_ROOTS:
                args = self.subject_args(root)
            else:
                args = self.root_args(root)
            last = n == len(roots) - 1
            if mode == "twin" and (n == 0 or last):
                if twin is None:
                    body_sels, h, k = self.selection(named, 1, subjects, fragment=True)
                    twin = Fragment(self.fresh("F"), named, body_sels, h, k)
                    self.fragments.append(twin)
                spread = Sel(spread=twin.name)
                if n == 0:
                    sub = [spread, *self.overlap(named, spread, 1, subjects)]
                else:  # the same fragment first, then the first place's siblings and a bit more
                    sub = [spread, *self.echo(body[0].sub[1:], named, sharpen=True)]  # type: ignore[index]
            elif mode == "echo" and last:
                sub = self.echo(body[0].sub or [], named)
            else:
                sub, _, _ = self.selection(named, 1, subjects)
            alias = f"r{n}" if len(roots) > 1 or self.chance(0.3) else None
            body.append(Sel(root, alias=alias, args=args, directive=self.directive(0.1), sub=sub))
        if self.chance(0.15) and len(body) > 1:
            body = [Sel(inline=True, on=None, directive=self.directive(1.0), sub=body)]
        definitions = ", ".join(
            f"${v.name}: {v.type}" + (f" = {v.default}" if v.default is not None else "")
            for v in self.variables
        )
        head = f"query Q{self.prefix}({definitions}) " if definitions else f"query Q{self.prefix} "
        text = head + render_set(body, 0)
        for frag in self.fragments:
            text += f"\nfragment {frag.name} on {frag.on} " + render_set(frag.sub, 0)
        variables = {v.name: v.value for v in self.variables if v.sent}
        return text, variables


# --- checking one answer ------------------------------------------------------------------------


class PolicyViolation(AssertionError):
    """An answer showed, masked or refused a value otherwise than the decision table says."""


class AuditViolation(AssertionError):
    """The audit entries of a request do not record what it looked up and showed."""


class HubFailed(AssertionError):
    """The hub raised instead of answering (the request would end in a 500)."""


@dataclass
class Expected:
    """What a request should leave in the audit log, and what its answers showed."""

    entries: list[tuple[str, str | None, str]] = field(default_factory=list)
    loose: bool = False  # an answer was nulled whole: only the entries expected are compared
    shown: dict[str, set[str]] = field(
        default_factory=lambda: {"granted": set(), "masked": set(), "denied": set()}
    )


@dataclass
class Caller:
    role: str
    org: str
    sub: str
    token: str
    reader: str  # test_reader with the caller's user and org (the oracle of the hub's records)
    grants: Any


class Checker:
    """Walks one operation's answer alongside its document (fields collected by the GraphQL
    rules: aliases, fragments, directives) and the raw values."""

    def __init__(
        self,
        world: World,
        caller: Caller,
        document: str,
        variables: dict[str, Any],
        body: dict[str, Any],
        expected: Expected,
        context_cases: frozenset[str] = frozenset(),
    ) -> None:
        self.world = world
        self.caller = caller
        self.grants = caller.grants
        self.fields = world.fields
        ast = parse(document)
        self.operation = next(d for d in ast.definitions if isinstance(d, OperationDefinitionNode))
        self.fragments = {
            d.name.value: d for d in ast.definitions if isinstance(d, FragmentDefinitionNode)
        }
        coerced = get_variable_values(S, self.operation.variable_definitions or [], variables)
        assert not isinstance(coerced, list), coerced  # a list of errors
        self.variables = coerced
        self.body = body
        self.errors: dict[tuple[Any, ...], dict[str, Any]] = {}
        self.problems: list[str] = []
        # A document over the hub's limits is refused before it runs: nothing to check, and
        # nothing to audit (the generator keeps such documents rare).
        self.too_complex = body.get("data") is None and any(
            e.get("extensions", {}).get("code") == "QUERY_TOO_COMPLEX"
            for e in body.get("errors") or []
        )
        for e in body.get("errors") or []:
            if e.get("path"):
                self.errors[tuple(e["path"])] = e
            elif not self.too_complex:
                self.problems.append(f"error without a path: {e}")
        self.explained: set[tuple[Any, ...]] = set()
        self.expected = expected
        self.root_case: str | None = None  # the case the subject look-up being walked cites
        # the cases cited by any look-up sharing this request's context
        self.context_cases: set[str] = set(context_cases)

    # -- the GraphQL rules the checker needs

    def include(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip and skip["if"]:
            return False
        inc = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (inc and not inc["if"])

    def applies(self, condition: str | None, type_name: str) -> bool:
        if condition is None or condition == type_name:
            return True
        cond = S.get_type(condition)
        return isinstance(cond, GraphQLUnionType) and any(t.name == type_name for t in cond.types)

    def collect(
        self, selection_sets: list[Any], type_name: str, directives: bool = True
    ) -> dict[str, list[FieldNode]]:
        out: dict[str, list[FieldNode]] = {}

        def visit(selection_set: Any, seen: frozenset[str]) -> None:
            for sel in selection_set.selections:
                if directives and not self.include(sel):
                    continue
                if isinstance(sel, FieldNode):
                    key = sel.alias.value if sel.alias else sel.name.value
                    out.setdefault(key, []).append(sel)
                elif isinstance(sel, InlineFragmentNode):
                    cond = sel.type_condition.name.value if sel.type_condition else None
                    if self.applies(cond, type_name):
                        visit(sel.selection_set, seen)
                elif isinstance(sel, FragmentSpreadNode):
                    name = sel.name.value
                    frag = self.fragments[name]
                    if name not in seen and self.applies(frag.type_condition.name.value, type_name):
                        visit(frag.selection_set, seen | {name})

        for s in selection_sets:
            if s is not None:
                visit(s, frozenset())
        return out

    def decision(self, coordinate: str) -> Decision:
        return self.grants.decision(coordinate)

    def all_denied(self, nodes: list[FieldNode], named: Any, directives: bool) -> bool:
        """Every leaf requested below these nodes is denied (``__typename`` aside)."""
        saw = False
        for t in concrete(named):
            requested = self.collect([n.selection_set for n in nodes], t.name, directives)
            for key, sub in requested.items():
                name = sub[0].name.value
                if name.startswith("__"):
                    continue
                saw = True
                d = self.decision(f"{t.name}.{name}")
                if d == Decision.DENY:
                    continue
                child = get_named_type(t.fields[name].type)
                if is_leaf_type(child) or not self.all_denied(sub, child, directives):
                    return False
                del key
        return saw

    # -- errors

    def problem(self, path: tuple[Any, ...], coordinate: str, text: str) -> None:
        self.problems.append(f"{'.'.join(map(str, path))} ({coordinate}): {text}")

    def listed_ids(
        self, nodes: list[FieldNode], value: dict[str, Any], type_name: str
    ) -> list[tuple[tuple[Any, ...], Any]]:
        """The ids a page's answer shows, under whatever aliases the document asked them."""
        out = []
        page = self.collect([n.selection_set for n in nodes], type_name)
        item = get_named_type(object_type(type_name).fields["nodes"].type).name
        for key, fnodes in page.items():
            if fnodes[0].name.value != "nodes" or not isinstance(value.get(key), list):
                continue
            inner = self.collect([n.selection_set for n in fnodes], item)
            id_keys = [k for k, f in inner.items() if f[0].name.value == "id"]
            for i, node in enumerate(value[key]):
                out += [((key, i, k), node[k]) for k in id_keys if node and k in node]
        return out

    def not_found(self, path: tuple[Any, ...]) -> bool:
        error = self.errors.get(path)
        if error is None or error.get("extensions", {}).get("code") != "NOT_FOUND":
            return False
        self.explained.add(path)
        return True

    def refused(self, path: tuple[Any, ...], reason: str | None = None) -> bool:
        error = self.errors.get(path)
        if error is None or error.get("extensions", {}).get("code") != "FORBIDDEN":
            return False
        if reason is not None and error["extensions"].get("reason") != reason:
            return False
        self.explained.add(path)
        return True

    def explain_below(self, path: tuple[Any, ...]) -> bool:
        """A null explained by an error further down whose null reached here (non-null
        fields in between): the error must be a FORBIDDEN the table calls for."""
        below = [p for p in self.errors if len(p) > len(path) and p[: len(path)] == path]
        for p in below:
            if self.errors[p]["extensions"].get("code") == "FORBIDDEN":
                self.explained.add(p)
        return bool(below) and all(
            self.errors[p]["extensions"].get("code") == "FORBIDDEN" for p in below
        )

    # -- walking

    async def run(self) -> None:
        if self.too_complex:
            return
        data = self.body.get("data")
        roots = self.collect([self.operation.selection_set], "Query")
        if data is None:
            # A refused non-null root nulls the whole answer: nothing is released. The refused
            # look-ups must be on record; what else the hub recorded is not compared.
            if not self.explain_below(()):
                self.problems.append(f"no data and no refusal explains it: {self.body}")
            self.expected.loose = True
            for key, nodes in roots.items():
                if nodes[0].name.value in SUBJECT_ROOTS and (key,) in self.errors:
                    await self.subject_root(key, nodes, None)
            return
        if set(data) != set(roots):
            self.problems.append(f"root keys {sorted(data)} != requested {sorted(roots)}")
            return
        for key, nodes in roots.items():
            name = nodes[0].name.value
            if name in SUBJECT_ROOTS:
                await self.subject_root(key, nodes, data[key])
            else:
                await self.record_root(key, nodes, data[key])
        for path in self.errors:
            if path not in self.explained:
                self.problems.append(
                    f"unexpected error at {'.'.join(map(str, path))}: {self.errors[path]}"
                )

    async def subject_root(self, key: str, nodes: list[FieldNode], value: Any) -> None:
        name = nodes[0].name.value
        kind, argument, many = SUBJECT_ROOTS[name]
        coordinate = f"Query.{name}"
        args = get_argument_values(QUERY.fields[name], nodes[0], self.variables)
        keys = args[argument] if many else [args[argument]]
        case = args.get("caseNumber")
        path = (key,)
        d = self.decision(coordinate)
        named = get_named_type(QUERY.fields[name].type)
        refusable = (
            d == Decision.DENY
            or self.all_denied(nodes, named, True)
            or self.all_denied(nodes, named, False)
        )
        purpose_ok = not self.grants.requires_purpose or case is not None
        if value is None and self.refused(path):
            if not (refusable or not purpose_ok or (not many and self.not_party(case, keys[0]))):
                self.problem(path, coordinate, f"refused: {self.errors[path]['message']}")
            outcome = "PURPOSE_REQUIRED" if not purpose_ok else "DENIED"
            self.expected.entries += [("PROFILE_VIEW", k, outcome) for k in keys]
            return
        if d == Decision.DENY or (
            self.all_denied(nodes, named, True) and self.all_denied(nodes, named, False)
        ):
            self.problem(path, coordinate, f"should be refused, got {value!r}")
            return
        if not purpose_ok:
            self.problem(path, coordinate, "answered without the case the role must cite")
            return
        self.root_case = case
        items = value if many else [value]
        if many and (not isinstance(value, list) or len(value) != len(keys)):
            self.problem(path, coordinate, f"expected {len(keys)} subjects, got {value!r}")
            return
        for i, (subject, item) in enumerate(zip(keys, items, strict=True)):
            here = (*path, i) if many else path
            if self.grants.requires_purpose and self.not_party(case, subject):
                if item is not None or not self.refused(here, "NOT_A_PARTY"):
                    self.problem(here, coordinate, f"{subject} is no party of {case}: {item!r}")
                self.expected.entries.append(("PROFILE_VIEW", subject, "DENIED"))
                continue
            raw = await self.world.oracle.subject(kind, subject)
            if raw is None:
                if item is not None:
                    self.problem(here, coordinate, f"unknown subject answered: {item!r}")
                self.expected.entries.append(("PROFILE_VIEW", subject, "NOT_FOUND"))
                continue
            if item is None:
                self.problem(here, coordinate, "a known subject is null")
                self.expected.entries.append(("PROFILE_VIEW", subject, "?"))
                continue
            self.expected.entries.append(("PROFILE_VIEW", subject, "OK"))
            if self.grants.requires_purpose and not self.respondent(case, subject):
                raw.assets = "refuse"
            await self.object(object_type(raw.type_name), item, raw, nodes, here, True)

    def cited(self) -> set[str]:
        """The cases the document's subject look-ups cite (as they will run)."""
        out = set()
        for nodes in self.collect([self.operation.selection_set], "Query").values():
            name = nodes[0].name.value
            if name in SUBJECT_ROOTS:
                args = get_argument_values(QUERY.fields[name], nodes[0], self.variables)
                if args.get("caseNumber"):
                    out.add(args["caseNumber"])
        return out

    async def prefetch(self) -> None:
        """Ask the oracle of the hub's own records for every such root of the document now, so
        the reader's own audit entries come before the checked request's."""
        for nodes in self.collect([self.operation.selection_set], "Query", False).values():
            name = nodes[0].name.value
            if name in SUBJECT_ROOTS or self.decision(f"Query.{name}") == Decision.DENY:
                continue
            args = ", ".join(print_ast(a) for a in nodes[0].arguments or ())
            named = get_named_type(QUERY.fields[name].type)
            await self.world.reader_answer(
                self.caller, name, f"({args})" if args else "", named.name
            )

    def respondent(self, case: str | None, subject: str) -> bool:
        return case is not None and subject in self.world.respondents.get(case, frozenset())

    def not_party(self, case: str | None, subject: str) -> bool:
        return case is None or subject not in self.world.parties.get(case, frozenset())

    async def record_root(self, key: str, nodes: list[FieldNode], value: Any) -> None:
        name = nodes[0].name.value
        coordinate = f"Query.{name}"
        fdef = QUERY.fields[name]
        named = get_named_type(fdef.type)
        path = (key,)
        d = self.decision(coordinate)
        refusable = (
            d == Decision.DENY
            or self.all_denied(nodes, named, True)
            or self.all_denied(nodes, named, False)
        )
        hidden = None  # a request by id the caller may not know of: NOT_FOUND, as if none
        if name in BY_ID:
            ident = get_argument_values(fdef, nodes[0], self.variables)["id"]
            hidden = not self.world.seeded.visible(self.caller, name, ident)
        if value is None:
            if self.refused(path) and refusable:
                # an attempt at a field the role may not call is on record, without a subject
                self.expected.entries.append(("ACCESS_REFUSED", None, "DENIED"))
                return
            if hidden and d != Decision.DENY and self.not_found(path):
                # asked of one the caller may not know of: answered as none, but on record
                # (README, Audit log): the read's entry, naming the id alone
                view = "POLICE_REQUEST_VIEW" if name == "policeRequest" else "DEPOSIT_INQUIRY_VIEW"
                self.expected.entries.append((view, None, "NOT_FOUND"))
                return
            self.problem(path, coordinate, f"null: {self.errors.get(path)}")
            return
        if d == Decision.DENY or (
            self.all_denied(nodes, named, True) and self.all_denied(nodes, named, False)
        ):
            self.problem(path, coordinate, f"should be refused, got {value!r}")
            return
        if hidden:
            self.problem(path, coordinate, f"LEAK: not the caller's to know of, got {value!r}")
            return
        if name in LIST_ARGS:
            # a page lists none of the module's requests the caller may not know of (the reader
            # lists through the same scope: this is the check that does not)
            kind = "POLICE" if name.startswith("police") else "INQUIRY"
            hidden_ids = self.world.seeded.hidden(self.caller, kind)
            for where, ident in self.listed_ids(nodes, value, named.name):
                if ident in hidden_ids:
                    self.problem((*path, *where), coordinate, f"LEAK: lists {ident}")
        if name in AUDIT_ROOTS:
            self.expected.entries.append(("AUDIT_QUERY", None, "*"))
        elif name in ("myCases", "assignedCases"):
            self.expected.entries.append(("CASE_LIST", None, "*"))
        elif name in ("sanctionCheck", "sanctionChecks"):
            self.expected.entries.append(("SANCTION_CHECK", None, "*"))
        elif name in ("freezeOrders", "agencyInbox") and (value.get("nodes") or []):
            # a page of orders names their owners: one entry with a row per order
            self.expected.entries.append(("ORDER_LIST", None, "*"))
        elif name == "sanctionListChanges" and (value.get("nodes") or []):
            self.expected.entries.append(("SANCTION_FEED", None, "*"))
        elif name in ("policeRequests", "policeInbox") and (value.get("nodes") or []):
            # a page of requests names their respondents: one entry with a row per request
            self.expected.entries.append(("POLICE_REQUEST_LIST", None, "*"))
        elif name == "depositInquiries" and (value.get("nodes") or []):
            self.expected.entries.append(("DEPOSIT_INQUIRY_LIST", None, "*"))
        elif name == "policeRequest":
            self.expected.entries.append(("POLICE_REQUEST_VIEW", None, "*"))
        elif name == "depositInquiry":
            self.expected.entries.append(("DEPOSIT_INQUIRY_VIEW", None, "*"))
        elif name == "myEnterprise":
            # an enterprise party's own zone: one entry, its own enterprise the subject
            self.expected.entries.append(("PARTY_VIEW", self.caller.org.split(":", 1)[1], "OK"))
        args = ", ".join(print_ast(a) for a in nodes[0].arguments or ())
        raw_value = await self.world.reader_answer(
            self.caller, name, f"({args})" if args else "", named.name
        )
        await self.value(fdef.type, value, raw_value, nodes, path, coordinate, False)

    async def value(
        self,
        gql_type: Any,
        value: Any,
        raw: Any,
        nodes: list[FieldNode],
        path: tuple[Any, ...],
        coordinate: str,
        subject_data: bool,
    ) -> None:
        """A non-null object or list value (its field's own checks are done)."""
        if raw is None:
            self.problem(path, coordinate, f"the source holds nothing here, answered {value!r}")
            return
        inner = gql_type.of_type if isinstance(gql_type, GraphQLNonNull) else gql_type
        if isinstance(inner, GraphQLList):
            if not isinstance(value, list) or len(value) != len(raw):
                self.problem(path, coordinate, f"{len(raw)} items in the source, got {value!r}")
                return
            for i, (v, r) in enumerate(zip(value, raw, strict=True)):
                if v is None:
                    if r is not None and not self.explain_below((*path, i)):
                        self.problem((*path, i), coordinate, "an item is null")
                    continue
                await self.value(inner.of_type, v, r, nodes, (*path, i), coordinate, subject_data)
            return
        await self.object(object_type(raw.type_name), value, raw, nodes, path, subject_data)

    async def object(
        self,
        t: GraphQLObjectType,
        actual: dict[str, Any],
        raw: Raw,
        nodes: list[FieldNode],
        path: tuple[Any, ...],
        subject_data: bool,
    ) -> None:
        requested = self.collect([n.selection_set for n in nodes], t.name)
        if set(actual) != set(requested):
            self.problem(path, t.name, f"keys {sorted(actual)} != requested {sorted(requested)}")
            return
        for key, fnodes in requested.items():
            name = fnodes[0].name.value
            here = (*path, key)
            value = actual[key]
            if name == "__typename":
                if value != t.name:
                    self.problem(here, f"{t.name}.__typename", f"{value!r}")
                continue
            fdef = t.fields[name]
            coordinate = f"{t.name}.{name}"
            if is_leaf_type(get_named_type(fdef.type)):
                await self.leaf(t, name, value, raw, here, subject_data)
            else:
                await self.object_field(t, name, fnodes, value, raw, here, subject_data)
            del coordinate

    async def leaf(
        self,
        t: GraphQLObjectType,
        name: str,
        value: Any,
        raw: Raw,
        here: tuple[Any, ...],
        subject_data: bool,
    ) -> None:
        coordinate = f"{t.name}.{name}"
        d = self.decision(coordinate)
        shown = self.expected.shown
        if d == Decision.DENY:
            if value is not None:
                self.problem(here, coordinate, f"LEAK: denied, released {value!r}")
                if subject_data:
                    shown["granted"].add(coordinate)
            elif not self.refused(here):
                self.problem(here, coordinate, "denied: null without FORBIDDEN at its path")
            elif subject_data:
                shown["denied"].add(coordinate)
            return
        clear = await raw.leaf(name)
        if here in self.errors:
            self.problem(here, coordinate, f"unexpected error {self.errors[here]['message']}")
            self.explained.add(here)
            return
        if d == Decision.READ:
            if coordinate in OPERATION_BOUND:
                # the operation's own reference: the reader's answer is another operation's
                if not (isinstance(value, str) and value):
                    self.problem(here, coordinate, f"read: {value!r} is not a reference")
            elif value != clear:
                self.problem(here, coordinate, f"read: {value!r} != source {clear!r}")
            if subject_data:
                shown["granted"].add(coordinate)
            return
        info = self.fields[coordinate]
        # enterprises' names and USCCs are public register data, staff ids no one's
        enterprise = info.kind_attr is not None and raw.kind(info.kind_attr) in (
            "ENTERPRISE",
            "STAFF",
        )
        masked = clear if clear is None or enterprise else info.mask.fn(str(clear))
        if value != masked:
            leak = "LEAK: " if value == clear else ""
            self.problem(
                here, coordinate, f"{leak}mask: {value!r} != {masked!r} (source {clear!r})"
            )
        if subject_data:
            shown["granted" if value == clear and clear != masked else "masked"].add(coordinate)

    async def object_field(
        self,
        t: GraphQLObjectType,
        name: str,
        nodes: list[FieldNode],
        value: Any,
        raw: Raw,
        here: tuple[Any, ...],
        subject_data: bool,
    ) -> None:
        coordinate = f"{t.name}.{name}"
        fdef = t.fields[name]
        named = get_named_type(fdef.type)
        d = self.decision(coordinate)
        refused_spec = self.all_denied(nodes, named, True)
        refused_hub = self.all_denied(nodes, named, False)  # the plan looks past directives
        reference = REFERENCES.get((t.name, name))
        if d == Decision.DENY:
            if value is not None or not self.refused(here):
                self.problem(here, coordinate, f"denied: {value!r} without FORBIDDEN")
            return
        if value is None and self.refused(here, "POLICY"):
            if not (refused_spec or refused_hub):
                self.problem(here, coordinate, f"refused: {self.errors[here]['message']}")
            return
        if refused_spec and refused_hub:
            self.problem(here, coordinate, f"every leaf asked is denied, yet answered {value!r}")
            return
        if reference is not None:
            await self.reference(t, name, nodes, value, raw, here, reference)
            return
        if (t.name, name) in ASSET_SECTIONS and isinstance(raw, RecordRaw):
            withheld = value is None and self.refused(here, "NOT_A_RESPONDENT")
            if raw.assets == "refuse" and not withheld:
                self.problem(here, coordinate, f"not a respondent's, answered {value!r}")
                return
            if withheld:
                if raw.assets == "show":
                    self.problem(here, coordinate, "a respondent's, refused NOT_A_RESPONDENT")
                return
        child = await raw.child(name)
        if value is None:
            if child is not None and not self.explain_below(here):
                self.problem(here, coordinate, "null where the source has data")
            return
        if coordinate == "PoliceRequest.holdings":
            # a 查人 request's only (docs/police.md); each read of them is on record, the
            # respondent the subject ("Audit"): one entry per field answered, even an empty list
            if await raw.leaf("kind") != "LOCATE":
                self.problem(here, coordinate, f"not a 查人 request's, answered {value!r}")
                return
            self.expected.entries.append(("POLICE_HOLDINGS_VIEW", None, "OK"))
        await self.value(fdef.type, value, child, nodes, here, coordinate, subject_data)

    async def reference(
        self,
        t: GraphQLObjectType,
        name: str,
        nodes: list[FieldNode],
        value: Any,
        raw: Raw,
        here: tuple[Any, ...],
        reference: tuple[str, str],
    ) -> None:
        coordinate = f"{t.name}.{name}"
        kind_from, key_attr = reference
        key = raw.key_of(key_attr)
        kind = kind_from if kind_from in ("PERSON", "ENTERPRISE") else raw.kind(kind_from)
        if not key:
            if value is not None:
                self.problem(here, coordinate, f"no key in the source, answered {value!r}")
            return
        if self.grants.requires_purpose:
            # A party of the case this look-up cites may be followed to; a party of a case cited
            # elsewhere in the same request (batch, websocket connection) may or may not — the
            # hub decides by the cases verified so far, and root fields run concurrently; anyone
            # else may not. An enterprise's legal representative may be followed to when the
            # enterprise is such a party: it acts through them (民事诉讼法 第五十一条第二款).
            represents = (
                raw.key_of("uscc")
                if (t.name, name) == ("EnterpriseRegistration", "legalRepresentative")
                else None
            )

            def reachable(case: str) -> bool:
                parties = self.world.parties.get(case, frozenset())
                return key in parties or (represents is not None and represents in parties)

            mine = reachable(self.root_case or "")
            elsewhere = any(reachable(c) for c in self.context_cases)
            if not mine and (value is None or not elsewhere):
                if value is not None or not self.refused(here, "NOT_A_PARTY"):
                    self.problem(here, coordinate, f"{key} is no party of a cited case: {value!r}")
                self.expected.entries.append(("REFERENCE_VIEW", key, "DENIED"))
                return
        subject = await self.world.oracle.subject(kind, key)  # type: ignore[arg-type]
        if subject is None:
            if value is not None:
                self.problem(here, coordinate, f"unknown subject answered: {value!r}")
            self.expected.entries.append(("REFERENCE_VIEW", key, "NOT_FOUND"))
            return
        if value is None:
            self.problem(here, coordinate, f"known subject {key} is null")
            return
        self.expected.entries.append(("REFERENCE_VIEW", key, "OK"))
        if self.grants.requires_purpose and not self.respondent(self.root_case, key):
            # a respondent of another case of the context may be reached through it, or not
            elsewhere = any(
                self.respondent(c, key) and key in self.world.parties.get(c, frozenset())
                for c in self.context_cases
            )
            subject.assets = "either" if elsewhere else "refuse"
        await self.object(object_type(subject.type_name), value, subject, nodes, here, True)


# Entries about the hub's own records, or lists of subjects (one entry with a row per subject):
# their outcome is not compared, only that they are there.
RECORD_ACTIONS = (
    "AUDIT_QUERY",
    "CASE_LIST",
    "SANCTION_CHECK",
    "ORDER_LIST",
    "SANCTION_FEED",
    "POLICE_REQUEST_LIST",
    "POLICE_REQUEST_VIEW",
    "DEPOSIT_INQUIRY_LIST",
    "DEPOSIT_INQUIRY_VIEW",
)
# Identifiers an answer shows in clear beyond the subjects it looked up (co-owners, key
# personnel, …) get one SUBJECTS_SHOWN entry; whether there are any depends on the data, so it
# is not compared here (tests/hub/test_trust.py checks it).
OPTIONAL_ACTIONS = ("SUBJECTS_SHOWN",)
LIST_ACTIONS = ("ORDER_LIST", "SANCTION_FEED", "POLICE_REQUEST_LIST", "DEPOSIT_INQUIRY_LIST")


def check_audit(caller: Caller, expected: Expected, entries: list[Entry]) -> list[str]:
    """The request's entries against what its answers looked up and showed."""
    problems = []

    def label(action: str, subject: str | None, outcome: str) -> str:
        return f"{action} {subject or '-'} {'*' if action in RECORD_ACTIONS else outcome}"

    want = Counter(label(*e) for e in expected.entries)
    # A page of orders or list changes is on record when it served rows, whether or not the
    # document selected them: required when the answer shows rows, tolerated otherwise.
    listed_actions = {a for a, _, _ in expected.entries if a in LIST_ACTIONS}
    got = Counter(
        label(e.action, e.subject, e.outcome)
        for e in entries
        if e.action not in OPTIONAL_ACTIONS
        and (e.action not in LIST_ACTIONS or e.action in listed_actions)
    )
    for key in list(got):  # (a page whose rows the document did not select may add one more)
        if key.split()[0] in LIST_ACTIONS:
            got[key] = min(got[key], want[key]) if want[key] else got[key]
    if (want - got) or (got - want and not expected.loose):
        problems.append(
            f"audit entries: missing {sorted((want - got).elements())},"
            f" unexpected {sorted((got - want).elements())}"
        )
    listed: dict[str, set[str]] = {"granted": set(), "masked": set(), "denied": set()}
    decisions = {"granted": Decision.READ, "masked": Decision.MASK, "denied": Decision.DENY}
    for e in entries:
        for category, coordinates in (
            ("granted", e.granted),
            ("masked", e.masked),
            ("denied", e.denied),
        ):
            listed[category] |= set(coordinates)
            wrong = [c for c in coordinates if caller.grants.decision(c) != decisions[category]]
            if wrong:
                problems.append(f"entry {e.id} lists as {category}: {wrong}")
    for category, coordinates in expected.shown.items():
        missing_fields = sorted(coordinates - listed[category])
        if missing_fields:
            problems.append(f"shown {category} but not recorded so: {missing_fields}")
    return problems


# --- the world: callers, subjects, oracles ----------------------------------------------------------


class World:
    """The running hub, the callers, the subjects, the oracles (one per test module; a plain
    class, so hypothesis prints it by its short repr)."""

    def __init__(
        self,
        *,
        app: Any,
        client: Any,
        fields: dict[str, Any],
        oracle: Oracle,
        parties: dict[str, frozenset[str]],
        respondents: dict[str, frozenset[str]],
        pool: Pool,
        t0: str,
        callers: dict[tuple[str, str], Caller],
        seeded: Seeded,
    ) -> None:
        self.app = app
        self.client = client
        self.fields = fields
        self.oracle = oracle
        self.parties = parties
        self.respondents = respondents
        self.pool = pool
        self.t0 = t0
        self.callers = callers
        self.seeded = seeded
        self._answers: dict[tuple[str, str], Any] = {}

    def __repr__(self) -> str:
        return f"World({len(self.pool.cases)} cases, {len(self.callers)} callers)"

    def placeholder(self, token: str) -> str:
        kind, *rest = token.split(":")
        cases = sorted(self.pool.cases)
        if kind == "CASE":
            return cases[int(rest[0]) % len(cases)]
        if kind == "OUT":
            return self.pool.outsiders[rest[0]]
        if kind in ("POLICE", "INQUIRY", "PCASE", "ICASE"):
            return self.seeded.placeholder(kind, rest)
        slot, k = rest
        if slot == "*":
            subjects = self.pool.persons if kind == "PERSON" else self.pool.enterprises
        else:
            parties = self.pool.cases[cases[int(slot) % len(cases)]]
            subjects = parties[kind] or [self.pool.outsiders[kind]]
        return subjects[int(k) % len(subjects)]

    def resolve(self, document: str, variables: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        def sub(value: Any) -> Any:
            if isinstance(value, str):
                value = value.replace(T0, self.t0)
                return PLACEHOLDER.sub(lambda m: self.placeholder(m.group(1)), value)
            if isinstance(value, list):
                return [sub(v) for v in value]
            return value

        return sub(document), {k: sub(v) for k, v in variables.items()}

    def forget(self, roots: set[str]) -> None:
        for memo in [m for m in self._answers if any(m[1].startswith(f"{{ {r}(") for r in roots)]:
            del self._answers[memo]

    async def reader_answer(self, caller: Caller, root: str, args: str, type_name: str) -> Any:
        """The reader's answer (caller's user and org) to a minimal document of one root."""
        document = f"{{ {root}{args} {full_selection(type_name)} }}"
        memo = (caller.sub + caller.org, document)
        if memo not in self._answers:
            body = await single(self.client, caller.reader, document, {})
            # a request by id the reader (the caller's user and org) may not know of either
            unknown = root in BY_ID and [e["extensions"]["code"] for e in body.get("errors", [])]
            assert "errors" not in body or unknown == ["NOT_FOUND"], (document, body)
            self._answers[memo] = body["data"][root]
        value = self._answers[memo]
        if isinstance(value, list):
            return [None if v is None else JsonRaw(type_name, v) for v in value]
        return None if value is None else JsonRaw(type_name, value)


# The roots a caller's documents start from: those it may call (per the matrix), and now and
# then one it may not (nullable ones only: a refused non-null root would null the whole answer).
SUPPORTED_ROOTS = [
    "person",
    "persons",
    "enterprise",
    "enterprises",
    "myCases",
    "assignedCases",
    "freezeOrders",
    "agencyInbox",
    "sanctionMatters",
    "sanctionListChanges",
    "sanctionStats",
    "sanctionCheck",
    "sanctionChecks",
    "auditEvents",
    "auditActivity",
    "myEnterprise",
    "policeRequests",
    "policeRequest",
    "policeInbox",
    "depositInquiries",
    "depositInquiry",
]
# Police assistance and 查控 requests by id: (placeholder kind, how many the module files).
BY_ID = {"policeRequest": ("POLICE", 7), "depositInquiry": ("INQUIRY", 3)}
LIST_ARGS = {
    "policeRequests": [
        "(first: 3)",
        '(filter: {caseNumber: "⟦PCASE⟧"}, first: 5)',
        "(filter: {status: IN_FORCE}, first: 2)",
    ],
    "policeInbox": [
        "(first: 3)",
        "(filter: {status: HANDED_OVER}, first: 2)",
        "(filter: {kind: LOCATE, status: ANSWERED}, first: 2)",
    ],
    "depositInquiries": [
        "(first: 2)",
        "(filter: {status: DONE}, first: 3)",
        '(filter: {caseNumber: "⟦ICASE⟧"}, first: 2)',
    ],
}
# Roots whose records the module's mutation tests change: the reader is asked afresh each time.
FRESH_ROOTS = {*BY_ID, *LIST_ARGS}
STRANGERS = [
    "policeInbox",
    "policeRequest",
    "depositInquiries",
    "person",
    "enterprise",
    "assignedCases",
    "freezeOrders",
    "agencyInbox",
    "auditEvents",
    "myEnterprise",
]
PURPOSE_ROLES = {"enforcement_judge"}  # the intent: judges cite a case for every look-up


async def _pool(app: Any, oracle: Oracle) -> tuple[Pool, dict[str, frozenset[str]]]:
    """A few of the judge's open cases whose parties have the most to show, and all parties."""
    async with app.state.runtime.engine.connect() as conn:
        pairs = []
        for role in ("被执行人", "申请执行人"):
            pairs += await parties_of_open_cases(conn, judge_id="judge-zhang", role=role, limit=400)
    by_case: dict[str, dict[str, list[str]]] = {}
    for case, party in pairs:
        entry = by_case.setdefault(case, {"PERSON": [], "ENTERPRISE": []})
        entry[party.subject_kind].append(party.subject_id)

    async def richness(subjects: dict[str, list[str]]) -> int:
        score = 0
        for p in subjects["PERSON"]:
            for method, connector in (
                ("properties_by_owner", "real_estate"),
                ("vehicles_by_owner", "public_security"),
                ("stakes_by_holder", "market_supervision"),
                ("roles_by_person", "market_supervision"),
                ("sanctions_by_subject", "court"),
            ):
                score += bool(await oracle.look(connector, method, p))
        for e in subjects["ENTERPRISE"]:
            for method, connector in (
                ("shareholders", "market_supervision"),
                ("key_personnel", "market_supervision"),
                ("properties_by_owner", "real_estate"),
            ):
                score += bool(await oracle.look(connector, method, e))
            score += 2
        if subjects["PERSON"] and subjects["ENTERPRISE"]:
            score += 5  # the judge's documents then look up both kinds in one case
        return score

    scored = []
    for case in list(by_case)[:60]:
        scored.append((await richness(by_case[case]), case))
    chosen = [case for _, case in sorted(scored, key=lambda s: (-s[0], s[1]))[:3]]
    cases = {c: by_case[c] for c in chosen}
    purposes = await oracle.sources["court"].purposes(list(by_case))
    parties = {c: frozenset(r.parties) for c, r in purposes.items()}
    persons = sorted({p for c in cases.values() for p in c["PERSON"]})
    enterprises = sorted({e for c in cases.values() for e in c["ENTERPRISE"]})
    outsiders = {
        kind: next(s for c, subjects in by_case.items() if c not in cases for s in subjects[kind])
        for kind in ("PERSON", "ENTERPRISE")
    }
    assert persons and enterprises, "the demo judge's cases name no person or no enterprise"
    return Pool(
        cases, [*persons, outsiders["PERSON"]], [*enterprises, outsiders["ENTERPRISE"]], outsiders
    ), parties


async def _respondents(engine: Any, case_numbers: list[str]) -> dict[str, frozenset[str]]:
    """The 被执行人 of each case, read from the court's tables (the demo's cases are all
    enforcement cases, 执), not through the hub's purpose records."""
    out: dict[str, set[str]] = {c: set() for c in case_numbers}
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(cases.c.case_number, case_parties.c.subject_id)
            .join(cases, cases.c.id == case_parties.c.case_id)
            .where(cases.c.case_number.in_(case_numbers), case_parties.c.role == "被执行人")
        )
        for number, subject in rows:
            out[number].add(subject)
    return {c: frozenset(s) for c, s in out.items()}


async def _integrated_before(app: Any) -> str:
    """A moment before which every audit entry is in the tree (leaf indexes stop changing)."""
    t0 = datetime.now(UTC) - timedelta(seconds=1)
    async with asyncio.timeout(20):
        while True:
            async with app.state.runtime.engine.connect() as conn:
                pending = (
                    await conn.execute(
                        select(func.count())
                        .select_from(audit_entries)
                        .where(
                            audit_entries.c.occurred_at < t0,
                            audit_entries.c.id.not_in(select(audit_leaves.c.entry_id)),
                        )
                    )
                ).scalar()
            if not pending:
                return t0.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            await asyncio.sleep(0.2)


@pytest.fixture(scope="module")
async def world(app: Any, api: Any, demo: dict[str, Any], mint: Any, settings: Any) -> Any:
    sources: dict[str, Any] = {
        name: registry.get(name).embedded(settings.connectors[name].url)
        for name in registry.instances()
    }
    court_engine = create_hub_engine(settings.database_url)
    sources["court"] = CourtSource(court_engine)
    oracle = Oracle(sources)
    try:
        pool, parties = await _pool(app, oracle)
        respondents = await _respondents(court_engine, list(parties))
        callers = {}
        # the decision table the answers are held to: the hub's own, or one compiled from
        # HUB_DIFF_POLICY_DIR (a check of the check: a copy of the policy that grants less than
        # the hub's must make the tests fail where the hub releases the difference)
        table = app.state.runtime.policy
        if os.environ.get("HUB_DIFF_POLICY_DIR"):
            table = PolicyTable.load(
                Path(os.environ["HUB_DIFF_POLICY_DIR"]), app.state.runtime.policy_fields
            )
        for role, org in CALLERS:
            user = next(u for u in demo["users"] if role in u["roles"] and u["org"] == org)
            if role == "enforcement_judge":
                user = next(u for u in demo["users"] if u["id"] == "judge-zhang")
            grants = table.grants((role,), org)
            # the reader lists the rows the caller lists: for an @assignment role, those of the
            # cases the user is assigned to (a scope of the caller, not a decision on a field)
            scope = ("test_assigned",) if grants.requires_assignment else ()
            callers[(role, org)] = Caller(
                role=role,
                org=org,
                sub=user["id"],
                token=user["token"],
                reader=mint(sub=user["id"], org=org, roles=("test_reader", *scope)),
                grants=grants,
            )
        inquired = next(c for c in sorted(pool.cases) if respondents.get(c))
        seeded = await seed_requests(
            app, api.client, demo, (inquired, sorted(respondents[inquired])[:2])
        )
        yield World(
            app=app,
            client=api.client,
            fields=app.state.runtime.policy_fields,
            oracle=oracle,
            parties=parties,
            respondents=respondents,
            pool=pool,
            t0=await _integrated_before(app),
            callers=callers,
            seeded=seeded,
        )
        # the module's cases end with it (other tests look for an open case's respondent), its
        # 查控 requests are answered and its watches end now, not at another test's sweep
        runtime = app.state.runtime
        while await inquiry_workflow.run_round(
            runtime.engine, runtime.audit, inquiry_workflow.asker(runtime.sources)
        ):
            pass
        async with runtime.engine.begin() as conn:
            await conn.execute(
                update(freeze_orders)
                .where(freeze_orders.c.id.in_(seeded.orders))
                .values(status="RELEASED")
            )
        await police_workflow.sweep(runtime.engine, runtime.audit)
        async with app.state.runtime.engine.begin() as conn:
            await conn.execute(
                update(cases).where(cases.c.case_number.in_(seeded.cases)).values(status="CLOSED")
            )
            await conn.execute(delete(freeze_orders).where(freeze_orders.c.id.in_(seeded.orders)))
    finally:
        for source in sources.values():
            source.close()
        await court_engine.dispose()


# --- police assistance and 查控 requests the module files -----------------------------------------

POLICE_FILE = """mutation($input: PoliceRequestFileInput!) {
  policeRequestFile(input: $input) { request { id status } errors { code reason rule } }
}"""
POLICE_ACT = {
    "answer": """mutation($id: String!) { policeRequestAnswer(id: $id, input: {note: "已查明",
      findings: [{category: ACCOMMODATION, at: "2026-03-01T20:15:00+08:00", place: "烟台市芝罘区某宾馆",
      detail: "入住两晚"}, {category: CHECKPOINT, at: "2026-03-02T08:00:00+08:00",
      place: "G18荣乌高速烟台收费站"}]}) { request { status } errors { code reason } } }""",
    "refuse": """mutation($id: String!) { policeRequestRefuse(id: $id, reason: "信息不足")
      { request { status } errors { code reason } } }""",
    "confirm": """mutation($id: String!) { policeRequestConfirm(id: $id, receiptNumber: "GA-R-1")
      { request { status } errors { code reason } } }""",
    "sighting": """mutation($id: String!) { policeSightingRecord(id: $id, input: {checkpoint: "K1",
      place: "烟台市福山区卡口", at: "2026-03-03T09:30:00+08:00"}) { event { id } errors { code } } }""",
    "stop": """mutation($id: String!) { policeVehicleStop(id: $id, reason: "请予查扣")
      { request { status } errors { code reason } } }""",
    "handOver": """mutation($id: String!) { policeVehicleHandOver(id: $id, input: {receiptNumber:
      "GA-H-1", place: "烟台市公安局莱山分局", at: "2026-03-04T10:00:00+08:00"})
      { request { status } errors { code reason } } }""",
    "lift": """mutation($id: String!) { policeExitBanLift(id: $id, reason: "已履行")
      { request { status } errors { code reason } } }""",
    "cancel": """mutation($id: String!) { policeRequestCancel(id: $id, reason: "撤回")
      { request { status } errors { code reason } } }""",
}
INQUIRY_FILE = """mutation($case: String!, $subjects: [String!]!) {
  depositInquiryFile(input: {caseNumber: $case, subjects: $subjects})
    { inquiry { id status } errors { code reason rule } }
}"""


def _later(**kw: Any) -> str:
    return (datetime.now(UTC) + timedelta(**kw)).isoformat()


@dataclass
class Seeded:
    """The requests the module filed, and who may know of them (docs/police.md, "API": another
    court's judge or an unassigned judge reads NOT_FOUND; public security reads every request;
    docs/banks.md: a 查控 request is its court's, for a judge the cases the judge is assigned to)."""

    police: list[str]  # 0 ANSWERED, 1 REFUSED, 2 IN_FORCE, 3 HANDED_OVER, 4 OPEN: judge-zhang's;
    # 5 OPEN: judge-zhou's (same court); 6 OPEN: judge-li's (another court)
    inquiries: list[str]  # 0 judge-zhang's, 1 judge-zhou's, 2 judge-li's; all DONE
    police_case: str  # judge-zhang's case of requests 0–4
    respondent: str  # its respondent (被执行人)
    inquiry_case: str  # judge-zhang's case of inquiry 0
    inquiry_subjects: list[str]  # its subjects (respondents of that case)
    tokens: dict[str, str]  # the demo users who filed and answered them
    cases: list[str]  # the cases the module opened (closed when it ends)
    orders: list[str] = field(default_factory=list)  # the vehicle orders it wrote

    def placeholder(self, kind: str, rest: list[str]) -> str:
        if kind == "PCASE":
            return self.police_case
        if kind == "ICASE":
            return self.inquiry_case
        return (self.police if kind == "POLICE" else self.inquiries)[int(rest[0])]

    def hidden(self, caller: Caller, kind: str) -> set[str]:
        """The module's requests of ``kind`` (POLICE, INQUIRY) the caller may not know of."""
        root = "policeRequest" if kind == "POLICE" else "depositInquiry"
        ids = self.police if kind == "POLICE" else self.inquiries
        return {i for i in ids if not self.visible(caller, root, i)}

    def visible(self, caller: Caller, root: str, ident: str) -> bool:
        if root == "policeRequest":
            if caller.org == "agency:public_security":
                return True
            return caller.sub == "judge-zhang" and ident in self.police[:5]
        return caller.sub == "judge-zhang" and ident == self.inquiries[0]


async def _gql(client: Any, token: str, document: str, variables: dict[str, Any]) -> Any:
    body = await single(client, token, document, variables)
    assert "errors" not in body, body
    payload = next(iter(body["data"].values()))
    assert payload["errors"] == [], payload
    return payload


async def _new_case(app: Any, judge: str, court: tuple[str, str]) -> tuple[str, str]:
    """A new open case of ``judge`` whose respondent is a person no agency knows."""
    respondent = fresh_person()
    number = await add_case(
        app, [("被执行人", "PERSON", respondent, "测试被执行人")], judges=(judge,), court=court
    )
    return number, respondent


async def seed_requests(app: Any, client: Any, demo: dict[str, Any], world_cases: Any) -> Seeded:
    """Police-assistance requests in every state the API shows, and 查控 requests answered by
    every bank, filed through the API by the demo users (the hub's own records the roots read)."""
    tokens = {u["id"]: u["token"] for u in demo["users"]}
    here, li_court = ("370602", "鲁0602"), ("370612", "鲁0612")
    zhang, respondent = await _new_case(app, "judge-zhang", here)
    zhou, zhou_respondent = await _new_case(app, "judge-zhou", here)
    li, li_respondent = await _new_case(app, "judge-li", li_court)
    judge, police = tokens["judge-zhang"], tokens["police-chen"]

    def request(case: str, subject: str, kind: str = "LOCATE", **extra: Any) -> dict[str, Any]:
        out = {
            "kind": kind,
            "caseNumber": case,
            "subject": subject,
            "rulingNumber": "（2026）鲁0602执1号之一",
            "reason": "被执行人下落不明",
            **extra,
        }
        if kind == "LOCATE":
            out["validUntil"] = _later(days=30)
        return out

    async def file(token: str, fields: dict[str, Any]) -> str:
        payload = await _gql(client, token, POLICE_FILE, {"input": fields})
        return str(payload["request"]["id"])

    async def act(token: str, verb: str, ident: str) -> None:
        await _gql(client, token, POLICE_ACT[verb], {"id": ident})

    ids = [await file(judge, request(zhang, respondent)) for _ in range(2)]
    await act(police, "answer", ids[0])
    await act(police, "refuse", ids[1])
    term = (datetime.now(UTC) + timedelta(days=180)).date().isoformat()
    ids.append(
        await file(judge, request(zhang, respondent, "EXIT_BAN", termEnd=term, basis="APPLICATION"))
    )
    await act(police, "confirm", ids[2])
    order = await seized_vehicle(app, {"caseNumber": zhang, "respondent": respondent})
    orders = [order]
    ids.append(await file(judge, request(zhang, respondent, "VEHICLE_WATCH", orderId=order)))
    for token, verb in (
        (police, "confirm"),
        (police, "sighting"),
        (judge, "stop"),
        (police, "handOver"),
    ):
        await act(token, verb, ids[3])
    ids.append(await file(judge, request(zhang, respondent)))
    ids.append(await file(tokens["judge-zhou"], request(zhou, zhou_respondent)))
    ids.append(await file(tokens["judge-li"], request(li, li_respondent)))

    # 查控: the respondents of one of the judge's pool cases, and the other judges' cases
    pcase, subjects = world_cases
    inquiries = []
    for token, case, who in (
        (judge, pcase, subjects),
        (tokens["judge-zhou"], zhou, [zhou_respondent]),
        (tokens["judge-li"], li, [li_respondent]),
    ):
        payload = await _gql(client, token, INQUIRY_FILE, {"case": case, "subjects": who})
        inquiries.append(str(payload["inquiry"]["id"]))
    runtime = app.state.runtime
    for _ in range(10):  # every bank answers (the embedded banks do, at once)
        progress = await inquiry_workflow.run_round(
            runtime.engine, runtime.audit, inquiry_workflow.asker(runtime.sources)
        )
        if not progress:
            break
    return Seeded(
        ids, inquiries, zhang, respondent, pcase, list(subjects), tokens, [zhang, zhou, li], orders
    )


# --- the property ---------------------------------------------------------------------------------

# Two tests per caller: the documents, one per HTTP request and the same one twice in a row;
# and the transports that carry several operations in one context, a batched request and a
# websocket connection (kept apart so that a defect of one kind does not hide the other: a test
# stops at its first failure).
DOCUMENTS = ("http", "twice")
CONTEXTS = ("batch", "websocket")
EXAMPLES = {DOCUMENTS: 40, CONTEXTS: 15}  # per caller, in the ci and dev profiles


class Scenario:
    """Documents (with placeholders) and how they are sent."""

    def __init__(self, transport: str, operations: list[tuple[str, dict[str, Any]]]) -> None:
        self.transport = transport
        self.operations = operations

    def __repr__(self) -> str:
        docs = "\n".join(f"{d}\nvariables: {v}" for d, v in self.operations)
        return f"Scenario({self.transport}, {len(self.operations)} operation(s)):\n{docs}"


@st.composite
def scenarios(draw: Any, focus: Focus, transports: tuple[str, ...]) -> Scenario:
    """Drawn before the test's coroutine runs (hypothesis stops an example that draws too much
    by raising inside the draw, which must not happen inside the event loop)."""
    transport = draw(st.sampled_from(transports))
    count = draw(st.integers(2, 3)) if transport in ("batch", "websocket") else 1
    operations = []
    for n in range(count):
        document, variables = Writer(draw, focus, f"_{n}_").operation()
        invalid = validate(S, parse(document))
        assert not invalid, f"the generator wrote an invalid document: {invalid}\n{document}"
        operations.append((document, variables))
    return Scenario(transport, operations)


def _raise(kind: type[AssertionError], problems: list[str], sent: list[str]) -> None:
    raise kind("\n".join(problems[:25]) + "\n--- sent ---\n" + "\n".join(sent))


async def _check(
    world: World,
    caller: Caller,
    operations: list[tuple[str, dict[str, Any]]],
    bodies: list[dict[str, Any]],
    entries: list[Entry],
    sent: list[str],
) -> None:
    expected = Expected()
    problems: list[str] = []
    cited: set[str] = set()  # the operations of one batch or connection share one context
    for document, variables in operations:
        cited |= Checker(world, caller, document, variables, {"data": None}, expected).cited()
    for (document, variables), body in zip(operations, bodies, strict=True):
        checker = Checker(world, caller, document, variables, body, expected, frozenset(cited))
        await checker.run()
        problems += checker.problems
    if problems:
        _raise(PolicyViolation, problems, sent)
    audit_problems = check_audit(caller, expected, entries)
    if audit_problems:
        _raise(AuditViolation, audit_problems, sent)


async def run_scenario(world: World, caller: Caller, scenario: Scenario) -> None:
    operations = [world.resolve(d, v) for d, v in scenario.operations]
    sent = [f"# {scenario.transport} as {caller.role}@{caller.org}"] + [
        f"{document}\nvariables: {variables}" for document, variables in operations
    ]
    with contextlib.suppress(InvalidArgument):  # outside hypothesis (an explicit scenario)
        note("\n".join(sent))
    # the oracle of the hub's own records is asked first (its own audit entries come before);
    # the records the mutation tests change are asked afresh for every scenario
    world.forget(FRESH_ROOTS)
    for document, variables in operations:
        await Checker(world, caller, document, variables, {"data": None}, Expected()).prefetch()
    if scenario.transport == "twice":
        document, variables = operations[0]
        for _ in range(2):
            mark = await audit_mark(world.app)
            body = await single(world.client, caller.token, document, variables)
            entries = await audit_since(world.app, mark, caller.sub)
            await _check(world, caller, operations, [body], entries, sent)
    else:
        mark = await audit_mark(world.app)
        try:
            if scenario.transport == "http":
                bodies = [await single(world.client, caller.token, *operations[0])]
            elif scenario.transport == "batch":
                bodies = await batch(world.client, caller.token, operations)
            else:
                bodies = await over_websocket(world.app, caller.token, operations)
        except Exception as exc:
            raise HubFailed(
                f"{type(exc).__name__}: {exc}\n--- sent ---\n" + "\n".join(sent)
            ) from exc
        entries = await audit_since(world.app, mark, caller.sub)
        await _check(world, caller, operations, bodies, entries, sent)


def _differential_test(role: str, org: str, transports: tuple[str, ...]) -> tuple[str, Any]:
    profile = settings.get_profile(PROFILE)
    examples = EXAMPLES[transports] if PROFILE in ("ci", "dev") else profile.max_examples

    @settings(profile, max_examples=examples)
    @given(scenario=scenarios(focus_of(role, org), transports))
    async def test(world: World, scenario: Scenario) -> None:
        await run_scenario(world, world.callers[(role, org)], scenario)

    what = "no_document_shape" if transports == DOCUMENTS else "no_transport"
    name = f"test_{what}_gets_around_the_policy__{role}__{org.split(':')[1]}"
    test.__name__ = test.__qualname__ = name
    test.__doc__ = (
        f"Generated documents as {role}@{org}, sent {' or '.join(transports)}"
        " (see the module's docstring)."
    )
    return name, test


# Two tests per caller (each with its own strategy: the roots the caller may call).
for _role, _org in CALLERS:
    for _transports in (DOCUMENTS, CONTEXTS):
        _name, _test = _differential_test(_role, _org, _transports)
        globals()[_name] = _test


# --- police assistance and 查控 requests, every field for every caller --------------------------------
#
# The generated documents reach these roots now and then; here every caller asks each of them once
# with every field (the reader's own document: fragments and aliases are the generator's part), for
# every request the module filed (its own, another judge's, another court's) and every listing.


def _complete_reads() -> list[str]:
    documents = []
    for root, (kind, count) in BY_ID.items():
        named = get_named_type(QUERY.fields[root].type).name
        documents += [
            f'query {{ {root}(id: "⟦{kind}:{k}⟧") {full_selection(named)} }}' for k in range(count)
        ]
    for root, variants in LIST_ARGS.items():
        named = get_named_type(QUERY.fields[root].type).name
        documents += [f"query {{ {root}{args} {full_selection(named)} }}" for args in variants]
    return documents


COMPLETE_READS = _complete_reads()


@pytest.mark.parametrize(("role", "org"), CALLERS, ids=[f"{r}@{o}" for r, o in CALLERS])
async def test_every_police_and_inquiry_field_as_the_policy_says(
    world: World, role: str, org: str
) -> None:
    caller = world.callers[(role, org)]
    for document in COMPLETE_READS:
        await run_scenario(world, caller, Scenario("http", [(document, {})]))


# --- the mutations and subscriptions of police assistance and 查控 requests --------------------------
#
# Each caller calls each mutation once, on a request in the state the mutation acts on (filed and
# brought there by the demo judge and police officer), asking every field of the payload. Where the
# policy refuses the mutation: null, FORBIDDEN at its path, the attempt on record, and the request
# unchanged. Where it grants it: every leaf of the payload as the caller's decision table says,
# against the request as the reader (the caller's user and org) reads it afterwards; a request of
# another court's or another judge's case is NOT_FOUND in the payload, and unchanged.

PAYLOAD_FIELDS = {
    "PoliceRequestPayload": "request",
    "PoliceSightingPayload": "event",
    "DepositInquiryPayload": "inquiry",
}
MUTATION_ARGS = {
    "policeRequestFile": ("$input: PoliceRequestFileInput!", "input: $input"),
    "policeRequestCancel": ("$id: String!", 'id: $id, reason: "撤回协助请求"'),
    "policeVehicleStop": ("$id: String!", 'id: $id, reason: "请予查扣"'),
    "policeExitBanLift": ("$id: String!", 'id: $id, reason: "被执行人已履行"'),
    "policeRequestAnswer": (
        "$id: String!",
        'id: $id, input: {note: "已查明", findings: [{category: TRANSPORT,'
        ' at: "2026-03-05T07:40:00+08:00", place: "烟台南站", detail: "G452次"}]}',
    ),
    "policeRequestRefuse": ("$id: String!", 'id: $id, reason: "请求信息不全"'),
    "policeRequestConfirm": ("$id: String!", 'id: $id, receiptNumber: "GA-R-9"'),
    "policeSightingRecord": (
        "$id: String!",
        'id: $id, input: {checkpoint: "K7", place: "烟台市莱山区卡口",'
        ' at: "2026-03-06T11:00:00+08:00"}',
    ),
    "policeVehicleHandOver": (
        "$id: String!",
        'id: $id, input: {receiptNumber: "GA-H-9", place: "烟台市公安局芝罘分局",'
        ' at: "2026-03-07T15:00:00+08:00"}',
    ),
    "depositInquiryFile": (
        "$case: String!, $subjects: [String!]!",
        "input: {caseNumber: $case, subjects: $subjects}",
    ),
}
# The state each police mutation acts on: the steps from a new request of that kind.
PREPARE = {
    "policeRequestCancel": ("LOCATE", []),
    "policeVehicleStop": ("VEHICLE_WATCH", [("police", "confirm")]),
    "policeExitBanLift": ("EXIT_BAN", [("police", "confirm")]),
    "policeRequestAnswer": ("LOCATE", []),
    "policeRequestRefuse": ("LOCATE", []),
    "policeRequestConfirm": ("EXIT_BAN", []),
    "policeSightingRecord": ("VEHICLE_WATCH", [("police", "confirm")]),
    "policeVehicleHandOver": ("VEHICLE_WATCH", [("police", "confirm"), ("judge", "stop")]),
}
REQUEST_VIEW = f"query($id: String!) {{ policeRequest(id: $id) {full_selection('PoliceRequest')} }}"
INQUIRY_VIEW = (
    f"query($id: String!) {{ depositInquiry(id: $id) {full_selection('DepositInquiry')} }}"
)


async def _prepared(world: World, mutation: str) -> str:
    """A new request of the judge's case, brought to the state ``mutation`` acts on."""
    seeded = world.seeded
    kind, steps = PREPARE[mutation]
    fields: dict[str, Any] = {
        "kind": kind,
        "caseNumber": seeded.police_case,
        "subject": seeded.respondent,
        "rulingNumber": "（2026）鲁0602执1号之二",
        "reason": "被执行人下落不明",
    }
    if kind == "LOCATE":
        fields["validUntil"] = _later(days=30)
    elif kind == "EXIT_BAN":
        fields |= {"termEnd": (datetime.now(UTC) + timedelta(days=90)).date().isoformat()}
        fields["basis"] = "EX_OFFICIO"
    else:
        order = await seized_vehicle(
            world.app, {"caseNumber": seeded.police_case, "respondent": seeded.respondent}
        )
        seeded.orders.append(order)
        fields["orderId"] = order
    judge, police = seeded.tokens["judge-zhang"], seeded.tokens["police-chen"]
    payload = await _gql(world.client, judge, POLICE_FILE, {"input": fields})
    ident = str(payload["request"]["id"])
    for who, verb in steps:
        await _gql(
            world.client, judge if who == "judge" else police, POLICE_ACT[verb], {"id": ident}
        )
    return ident


async def _snapshot(world: World, document: str, ident: str) -> Any:
    """A request as public security or the court reads it (the reader of the demo judge)."""
    reader = world.callers[("enforcement_judge", "court:370602")].reader
    body = await single(world.client, reader, document, {"id": ident})
    return body.get("data")


async def _mutation_cases(world: World, caller: Caller) -> list[tuple[str, dict[str, Any], str]]:
    """(mutation, variables, what it should do: ok / forbidden / not_found) for a caller."""
    seeded = world.seeded
    out: list[tuple[str, dict[str, Any], str]] = []
    for mutation in MUTATION_ARGS:
        granted = caller.grants.decision(f"Mutation.{mutation}") != Decision.DENY
        if mutation == "policeRequestFile":
            fields = {
                "kind": "LOCATE",
                "caseNumber": seeded.police_case,
                "subject": seeded.respondent,
                "rulingNumber": "（2026）鲁0602执1号之三",
                "reason": "被执行人下落不明",
                "validUntil": _later(days=10),
            }
            out.append((mutation, {"input": fields}, "ok" if granted else "forbidden"))
        elif mutation == "depositInquiryFile":
            variables = {"case": seeded.inquiry_case, "subjects": seeded.inquiry_subjects}
            out.append((mutation, variables, "ok" if granted else "forbidden"))
        elif granted:
            out.append((mutation, {"id": await _prepared(world, mutation)}, "ok"))
            if caller.org.startswith("court:"):
                # another judge's case of the court, and another court's: as if none
                out += [(mutation, {"id": i}, "not_found") for i in seeded.police[5:7]]
        else:
            out.append((mutation, {"id": seeded.police[4]}, "forbidden"))
    return out


async def _check_mutation(
    world: World, caller: Caller, mutation: str, variables: dict[str, Any], outcome: str
) -> list[str]:
    fdef = MUTATION.fields[mutation]
    payload_type = get_named_type(fdef.type).name
    definitions, args = MUTATION_ARGS[mutation]
    document = f"mutation M({definitions}) {{ {mutation}({args}) {full_selection(payload_type)} }}"
    ident = variables.get("id")
    before = await _snapshot(world, REQUEST_VIEW, ident) if ident else None
    mark = await audit_mark(world.app)
    body = await single(world.client, caller.token, document, variables)
    entries = await audit_since(world.app, mark, caller.sub)
    sent = f"# {caller.role}@{caller.org}: {outcome}\n{document}\nvariables: {variables}"
    checker = Checker(world, caller, document, variables, body, Expected())
    nodes = checker.collect([checker.operation.selection_set], "Mutation")[mutation]
    value = (body.get("data") or {}).get(mutation)
    path = (mutation,)
    problems = []
    if outcome == "forbidden":
        if value is not None or not checker.refused(path, "POLICY"):
            problems.append(f"refused by the policy, answered {body}")
        if "ACCESS_REFUSED" not in [e.action for e in entries]:
            problems.append(f"the refused attempt is not on record: {entries}")
    elif outcome == "not_found":
        codes = [e.get("code") for e in (value or {}).get("errors") or []]
        if codes != ["NOT_FOUND"] or (value or {}).get(PAYLOAD_FIELDS[payload_type]):
            problems.append(f"another court's or judge's request: NOT_FOUND, got {body}")
    else:
        if value is None or value.get("errors"):
            problems.append(f"the caller's mutation failed: {body}")
        else:
            name = PAYLOAD_FIELDS[payload_type]
            oracle = await _payload_oracle(world, caller, mutation, value[name])
            await checker.value(
                fdef.type,
                value,
                JsonRaw(payload_type, {name: oracle, "errors": []}),
                nodes,
                path,
                f"Mutation.{mutation}",
                False,
            )
        problems += checker.problems
        # a field the caller's policy denies (the judge's PoliceRequest.holdings) is FORBIDDEN
        # at its path, as the walk expects; any other error is not
        problems += [
            f"unexpected error at {'.'.join(map(str, p))}: {e}"
            for p, e in checker.errors.items()
            if p not in checker.explained
        ]
    if ident and outcome != "ok" and await _snapshot(world, REQUEST_VIEW, ident) != before:
        problems.append(f"the request changed: {before}")
    return [f"{p}\n--- sent ---\n{sent}" for p in problems]


async def _payload_oracle(world: World, caller: Caller, mutation: str, shown: Any) -> Any:
    """What the payload should hold, read afterwards by the caller's reader: the request with
    its events as it holds them (docs/police.md: the ``request`` of every payload, from the
    filing's ``FILED`` on), the sighting recorded (the request's newest event), or the 查控
    request filed."""
    if not isinstance(shown, dict) or not shown.get("id"):
        return None
    if mutation == "depositInquiryFile":
        return (await single(world.client, caller.reader, INQUIRY_VIEW, {"id": shown["id"]}))[
            "data"
        ]["depositInquiry"]
    ident = shown["requestId"] if mutation == "policeSightingRecord" else shown["id"]
    read = (await single(world.client, caller.reader, REQUEST_VIEW, {"id": ident}))["data"]
    request = read["policeRequest"]
    if mutation == "policeSightingRecord":
        return request["events"][-1]
    return request


@pytest.mark.parametrize(("role", "org"), CALLERS, ids=[f"{r}@{o}" for r, o in CALLERS])
async def test_police_and_inquiry_mutations_as_the_policy_says(
    world: World, role: str, org: str
) -> None:
    caller = world.callers[(role, org)]
    problems: list[str] = []
    for mutation, variables, outcome in await _mutation_cases(world, caller):
        problems += await _check_mutation(world, caller, mutation, variables, outcome)
    assert not problems, "\n".join(problems[:10])


SUBSCRIPTIONS = {
    # a request that has ended (its events, then the end) and one of another court
    "policeRequestEvents": ("POLICE", (3, 6)),
    "depositInquiryProgress": ("INQUIRY", (0, 2)),
}


@pytest.mark.parametrize(("role", "org"), CALLERS, ids=[f"{r}@{o}" for r, o in CALLERS])
async def test_police_and_inquiry_subscriptions_as_the_policy_says(
    world: World, role: str, org: str
) -> None:
    caller = world.callers[(role, org)]
    problems: list[str] = []
    for root, (kind, slots) in SUBSCRIPTIONS.items():
        named = get_named_type(SUBSCRIPTION.fields[root].type).name
        document = f"subscription S($id: String!) {{ {root}(id: $id) {full_selection(named)} }}"
        for slot in slots:
            ident = world.seeded.placeholder(kind, [str(slot)])
            got = await subscription(world.app, caller.token, document, {"id": ident})
            sent = f"# {role}@{org}\n{document}\nvariables: {{'id': {ident!r}}}"
            decision = caller.grants.decision(f"Subscription.{root}")
            lookup = "policeRequest" if kind == "POLICE" else "depositInquiry"
            codes = [
                e.get("extensions", {}).get("code") for p in got for e in p.get("errors") or []
            ]
            if decision == Decision.DENY:
                if codes != ["FORBIDDEN"] or any((p.get("data") or {}).get(root) for p in got):
                    problems.append(f"refused by the policy, got {got}\n{sent}")
                continue
            if not world.seeded.visible(caller, lookup, ident):
                if codes != ["NOT_FOUND"] or any((p.get("data") or {}).get(root) for p in got):
                    problems.append(f"not the caller's: NOT_FOUND, got {got}\n{sent}")
                continue
            want = await subscription(world.app, caller.reader, document, {"id": ident})
            if not want or len(got) != len(want):
                problems.append(f"{len(want)} events for the reader, got {got}\n{sent}")
                continue
            for body, oracle in zip(got, want, strict=True):
                checker = Checker(world, caller, document, {"id": ident}, body, Expected())
                nodes = checker.collect([checker.operation.selection_set], "Subscription")[root]
                fdef = SUBSCRIPTION.fields[root]
                await checker.value(
                    fdef.type,
                    body["data"][root],
                    JsonRaw(named, oracle["data"][root]),
                    nodes,
                    (root,),
                    f"Subscription.{root}",
                    False,
                )
                problems += [f"{p}\n{sent}" for p in checker.problems]
    assert not problems, "\n".join(problems[:10])
