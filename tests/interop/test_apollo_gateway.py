"""Apollo Gateway composes the six agency subgraphs unchanged and answers with their data.

A real Node.js process (``interop/apollo-gateway``: ``@apollo/gateway`` with
``IntrospectAndCompose`` behind ``@apollo/server``) in front of the six agency services on
loopback, each serving its subgraph exactly as ``fyt agency serve`` does. The reference for
every answer is the agency's embedded source.

Needs ``node`` and ``npm`` on PATH (the test is skipped otherwise); installs the gateway's
``node_modules`` with ``npm ci`` when they are missing, and fails if that install fails
(``tests/interop/node.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import ObjectTypeDefinitionNode, parse, print_ast
from sqlalchemy import Column, Engine, func, select

from connectors import registry
from connectors.base.identifiers import make_id_number, validate_id_number, validate_uscc
from connectors.market_supervision import models as ms
from connectors.public_security import models as ps
from connectors.real_estate import models as re_
from connectors.social_security import models as ss
from connectors.tax import models as tx
from connectors.utilities import models as ut
from tests.interop.node import STOP_TIMEOUT, ensure_installed, node_tools
from tests.servers import Served

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_DIR = ROOT / "interop" / "apollo-gateway"
SCHEMA_DIR = ROOT / "schema" / "subgraphs"
READY_TIMEOUT = 60  # seconds for the gateway to introspect, compose and listen

# --- the gateway process ---------------------------------------------------------------------


@dataclass
class Gateway:
    """The running gateway: its URL and what it printed."""

    url: str
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "stdout:\n" + "\n".join(self.stdout) + "\nstderr:\n" + "\n".join(self.stderr)


@contextlib.asynccontextmanager
async def running_gateway(node: str, subgraphs: dict[str, str]) -> AsyncIterator[Gateway]:
    """``node gateway.mjs`` over ``subgraphs`` (name -> URL) on a port the OS picks.

    Waits for its ``ready <url>`` line; always terminates it and drains its pipes.
    """
    env = {
        **os.environ,
        "SUBGRAPHS": ",".join(f"{name}={url}" for name, url in subgraphs.items()),
        "PORT": "0",
        "NO_COLOR": "1",
        # @apollo/gateway's OpenTelemetry GCP resource detector asks the cloud metadata address
        # (169.254.169.254); where a proxy answers it (HTTP 403) it warns on stderr. We run on
        # no cloud: say so, and nothing is asked (gcp-metadata's documented switch)
        "METADATA_SERVER_DETECTION": "none",
    }
    proc = await asyncio.create_subprocess_exec(
        node,
        "gateway.mjs",
        cwd=GATEWAY_DIR,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    gateway = Gateway(url="")
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def drain(stream: asyncio.StreamReader | None, into: list[str], watch: bool) -> None:
        assert stream is not None
        async for raw in stream:
            line = raw.decode(errors="replace").rstrip("\r\n")
            into.append(line)
            if watch and line.startswith("ready ") and not ready.done():
                ready.set_result(line.removeprefix("ready ").strip())

    drains = [
        asyncio.create_task(drain(proc.stdout, gateway.stdout, True)),
        asyncio.create_task(drain(proc.stderr, gateway.stderr, False)),
    ]
    exited = asyncio.create_task(proc.wait())
    try:
        done, _ = await asyncio.wait(
            {ready, exited}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            if exited in done:
                status = f"exited with status {proc.returncode}"
                with contextlib.suppress(TimeoutError):  # the rest of what it printed
                    async with asyncio.timeout(STOP_TIMEOUT):
                        await asyncio.gather(*drains)
            else:
                status = f"was not ready in {READY_TIMEOUT} s"
            raise AssertionError(f"Apollo Gateway {status}\n{gateway.output()}")
        gateway.url = ready.result()
        yield gateway
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                async with asyncio.timeout(STOP_TIMEOUT):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await exited
        try:
            async with asyncio.timeout(STOP_TIMEOUT):
                await asyncio.gather(*drains)
        except TimeoutError:  # a child of node still holds a pipe
            for task in drains:
                task.cancel()
            await asyncio.gather(*drains, return_exceptions=True)
        if not ready.done():
            ready.cancel()


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def gateway(agency_services: dict[str, Served]) -> AsyncIterator[Gateway]:
    node, npm = node_tools()
    await ensure_installed(GATEWAY_DIR, npm)
    # the agencies: the banks serve one SDL eight times, which a federated gateway would take
    # for one field resolved by eight subgraphs (it asks one of them; the hub asks all)
    subgraphs = {
        name: f"{served.url}/graphql"
        for name, served in agency_services.items()
        if name in registry.names()
    }
    async with running_gateway(node, subgraphs) as running:
        yield running


@pytest.fixture(scope="module")
async def client(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:
        yield http


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post("/", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- the reference: the embedded sources, as GraphQL serialises them ---------------------------


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def as_graphql(value: Any) -> Any:
    """A source record as a subgraph serialises it: camelCase, ISO dates, exact decimals."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            camel(f.name): as_graphql(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, list):
        return [as_graphql(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# field of Person / Enterprise -> (agency, batch method of its source, whether it is a list)
PERSON_FIELDS: dict[str, tuple[str, str, bool]] = {
    "identity": ("public_security", "identities", False),
    "vehicles": ("public_security", "vehicles_by_owner", True),
    "realEstates": ("real_estate", "properties_by_owner", True),
    "enterpriseRoles": ("market_supervision", "roles_by_person", True),
    "equities": ("market_supervision", "stakes_by_holder", True),
    "insurance": ("social_security", "insurance", True),
    "housingFund": ("social_security", "housing_fund", False),
    "qualifications": ("social_security", "qualifications", True),
    "incomeTax": ("tax", "income_tax", True),
    "taxBusinesses": ("tax", "businesses", True),
    "utilityAccounts": ("utilities", "accounts_by_holder", True),
}
ENTERPRISE_FIELDS: dict[str, tuple[str, str, bool]] = {
    "registration": ("market_supervision", "enterprises", False),
    "shareholders": ("market_supervision", "shareholders", True),
    "equities": ("market_supervision", "stakes_by_holder", True),
    "keyPersonnel": ("market_supervision", "key_personnel", True),
    "licences": ("market_supervision", "licences", True),
    "penalties": ("market_supervision", "penalties", True),
    "credit": ("market_supervision", "credit", False),
    "vehicles": ("public_security", "vehicles_by_owner", True),
    "realEstates": ("real_estate", "properties_by_owner", True),
    "insurance": ("social_security", "enterprise_insurance", False),
    "taxRegistration": ("tax", "registrations", False),
    "taxFilings": ("tax", "filings", True),
    "taxArrears": ("tax", "arrears", True),
    "taxRefunds": ("tax", "refunds", True),
    "utilityAccounts": ("utilities", "accounts_by_holder", True),
}


async def expected(
    sources: dict[str, Any], fields: dict[str, tuple[str, str, bool]], key: str
) -> dict[str, Any]:
    """{field: what the agency's source answers for ``key``}, serialised."""
    out: dict[str, Any] = {}
    for name, (agency, method, is_list) in fields.items():
        found = (await getattr(sources[agency], method)([key])).get(key)
        out[name] = as_graphql(found if found is not None else ([] if is_list else None))
    return out


FRAGMENTS = """
fragment Vehicle on Vehicle {
  plate vin brand model vehicleType colour registeredOn status ownerKind ownerId ownerName
}
fragment Unit on RealEstate {
  unitNumber certificateNumber address usage area ownershipKind registeredOn
  owners { ownerKind ownerId ownerName share }
  mortgages { certificateNumber mortgagee securedAmount termStart termEnd registeredOn }
  seizures { court caseNumber documentNumber kind rank startDate endDate status }
}
fragment Registration on TaxRegistration {
  taxpayerId name taxpayerKind authority registeredOn status creditGrade gradedYear
}
fragment Meter on UtilityAccount {
  accountNumber provider kind address holderKind holderId holderName openedOn status arrears
  usage { period consumption amountDue amountPaid }
}
fragment Stake on Equity {
  stakeId uscc enterpriseName holderKind holderId holderName subscribedCapital ratio
  subscribedOn freezeStatus
}
"""

PERSON = (
    """
query Person($id: String!) {
  person(idNumber: $id) {
    idNumber
    identity {
      idNumber name gender birthDate ethnicity registeredAddress registrationStatus
      issuingAuthority phone
    }
    vehicles { ...Vehicle }
    realEstates { ...Unit }
    enterpriseRoles { uscc enterpriseName role position ratio }
    equities { ...Stake }
    insurance { kind employerUscc employerName contributionBase monthsPaid lastPaidMonth status }
    housingFund { accountNumber employerUscc employerName balance monthlyDeposit openedOn status }
    qualifications { certificateNumber name level issuingAuthority issuedOn }
    incomeTax { period withholderUscc withholderName incomeKind income taxWithheld }
    taxBusinesses { ...Registration }
    utilityAccounts { ...Meter }
  }
}
"""
    + FRAGMENTS
)

ENTERPRISE = (
    """
query Enterprise($uscc: String!) {
  enterprise(uscc: $uscc) {
    uscc
    registration {
      uscc name enterpriseType legalRepresentativeId legalRepresentativeName registeredCapital
      establishedOn address businessScope status registrationAuthority phone
    }
    shareholders { ...Stake }
    equities { ...Stake }
    keyPersonnel { uscc idNumber name position }
    licences { licenceNumber name issuingAuthority validFrom validTo status }
    penalties { decisionNumber violation penalty amount decidedOn authority }
    credit {
      abnormalOperations { reason listedOn authority removedOn removalReason }
      seriousViolations { reason listedOn authority removedOn }
    }
    vehicles { ...Vehicle }
    realEstates { ...Unit }
    insurance { uscc insuredEmployees arrearsAmount arrearsMonths asOf }
    taxRegistration { ...Registration }
    taxFilings { period filedOn taxPayable taxPaid }
    taxArrears { taxKind period dueOn amount lateFee asOf }
    taxRefunds { refundNumber kind amount approvedOn status }
    utilityAccounts { ...Meter }
  }
}
"""
    + FRAGMENTS
)


# --- subjects of the demo that have data --------------------------------------------------------


def column_keys(engine: Engine, column: Column[Any], *where: Any) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(column).where(*where).distinct()).scalars())


def first(keys: set[str], what: str) -> str:
    assert keys, f"the demo has no {what}"
    return min(keys)


PERSON_SUBJECTS = [
    "most data",
    "vehicles",
    "co-owned real estate",
    "stakes",
    "insurance",
    "labour-service pay and meters",
]


@pytest.fixture(scope="module")
def persons(databases: dict[str, Engine]) -> dict[str, str]:
    """Persons of the demo who own vehicles, real estate, stakes…: subject kind -> ID number."""
    police, estate = databases["public_security"], databases["real_estate"]
    market, social = databases["market_supervision"], databases["social_security"]
    v, o, sh = ps.vehicles.c, re_.owners.c, ms.shareholders.c
    with estate.connect() as conn:
        shared_units = select(o.unit_number).group_by(o.unit_number).having(func.count() > 1)
        co_owners = set(
            conn.execute(
                select(o.owner_id).where(o.owner_kind == "PERSON", o.unit_number.in_(shared_units))
            ).scalars()
        )
    has = {
        "vehicles": column_keys(police, v.owner_id, v.owner_kind == "PERSON"),
        "real estate": column_keys(estate, o.owner_id, o.owner_kind == "PERSON"),
        "stakes": column_keys(market, sh.holder_id, sh.holder_kind == "PERSON"),
        "roles": column_keys(market, ms.key_personnel.c.id_number),
        "insurance": column_keys(social, ss.insurance_records.c.id_number),
        "housing fund": column_keys(social, ss.housing_fund_accounts.c.id_number),
        "qualifications": column_keys(social, ss.qualifications.c.id_number),
        "income tax": column_keys(databases["tax"], tx.withholdings.c.id_number),
        "meters": column_keys(databases["utilities"], ut.accounts.c.holder_id),
    }
    w = tx.withholdings.c
    side_pay = column_keys(databases["tax"], w.id_number, w.income_kind == "劳务报酬")
    everyone = set().union(*has.values())
    richest = max(sorted(everyone), key=lambda p: sum(p in keys for keys in has.values()))
    chosen = {
        "most data": richest,
        "vehicles": first(has["vehicles"], "person owning a vehicle"),
        "co-owned real estate": first(co_owners, "co-owned unit"),
        "stakes": first(has["stakes"], "person holding a stake"),
        "insurance": first(has["insurance"] & has["housing fund"], "insured person"),
        "labour-service pay and meters": first(
            side_pay & has["meters"], "person paid for labour services, with meters"
        ),
    }
    for id_number in chosen.values():
        validate_id_number(id_number)
    return chosen


@pytest.fixture(scope="module")
def enterprise(databases: dict[str, Engine]) -> str:
    """The demo enterprise with the most kinds of data across agencies."""
    police, estate = databases["public_security"], databases["real_estate"]
    market, social = databases["market_supervision"], databases["social_security"]
    registered = column_keys(market, ms.enterprises.c.uscc)
    has = [
        column_keys(market, ms.shareholders.c.uscc),
        column_keys(market, ms.shareholders.c.holder_id, ms.shareholders.c.holder_kind != "PERSON"),
        column_keys(market, ms.key_personnel.c.uscc),
        column_keys(market, ms.licences.c.uscc),
        column_keys(market, ms.penalties.c.uscc),
        column_keys(police, ps.vehicles.c.owner_id, ps.vehicles.c.owner_kind == "ENTERPRISE"),
        column_keys(estate, re_.owners.c.owner_id, re_.owners.c.owner_kind == "ENTERPRISE"),
        column_keys(social, ss.enterprise_insurance.c.uscc),
        column_keys(databases["tax"], tx.filings.c.taxpayer_id),
        column_keys(databases["tax"], tx.arrears.c.taxpayer_id),
        column_keys(databases["utilities"], ut.accounts.c.holder_id),
    ]
    assert registered, "the demo has no enterprise"
    uscc = max(sorted(registered), key=lambda u: sum(u in keys for keys in has))
    return validate_uscc(uscc)


# --- composition -------------------------------------------------------------------------------

TYPE_REF = "fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"
INTROSPECTION = (
    """
{
  __schema {
    queryType { name }
    mutationType { name }
    types { kind name fields { name args { name type { ...T } } type { ...T } } }
  }
}
"""
    + TYPE_REF
)
FEDERATION_ONLY = {"_Service", "_Any", "_Entity", "_entities", "_service"}


def type_string(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return type_string(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return "[" + type_string(ref["ofType"]) + "]"
    return str(ref["name"])


def committed_sdl(name: str) -> str:
    return (SCHEMA_DIR / f"{name}.graphql").read_text(encoding="utf-8")


def sdl_objects(sdl: str) -> dict[str, dict[str, str]]:
    """Object type -> field -> ``(args): Type`` of a subgraph SDL, federation fields left out."""
    out: dict[str, dict[str, str]] = {}
    for node in parse(sdl).definitions:
        if isinstance(node, ObjectTypeDefinitionNode) and node.name.value not in FEDERATION_ONLY:
            out[node.name.value] = {
                f.name.value: "({}): {}".format(
                    ", ".join(f"{a.name.value}: {print_ast(a.type)}" for a in f.arguments or ()),
                    print_ast(f.type),
                )
                for f in node.fields or ()
                if f.name.value not in FEDERATION_ONLY
            }
    return out


async def test_gateway_composes_every_subgraph_unchanged(
    client: httpx.AsyncClient, gateway: Gateway
) -> None:
    # given every field of every object type of the committed agency subgraph SDLs
    want: dict[str, dict[str, str]] = {}
    for name in registry.names():
        for type_name, fields in sdl_objects(committed_sdl(name)).items():
            for field_name, signature in fields.items():
                assert want.setdefault(type_name, {}).setdefault(field_name, signature) == (
                    signature
                ), f"{name} disagrees on {type_name}.{field_name}"
    # when the gateway's API schema is introspected
    body = await gql(client, INTROSPECTION)
    assert "errors" not in body, body
    schema = body["data"]["__schema"]
    got = {
        t["name"]: {
            f["name"]: "({}): {}".format(
                ", ".join(f"{a['name']}: {type_string(a['type'])}" for a in f["args"]),
                type_string(f["type"]),
            )
            for f in t["fields"]
        }
        for t in schema["types"]
        if t["kind"] == "OBJECT" and not t["name"].startswith("__")
    }
    # then it has exactly those types and fields, with the same types and arguments
    assert got == want, gateway.output()
    assert schema["queryType"] == {"name": "Query"}
    assert schema["mutationType"] is None
    assert set(got["Query"]) == {"ok", "person", "enterprise"}
    assert set(got["Person"]) == {
        "idNumber",
        "identity",
        "vehicles",
        "accommodations",
        "bookings",  # public security
        "realEstates",  # real estate
        "enterpriseRoles",
        "equities",  # market supervision
        "insurance",
        "housingFund",
        "qualifications",  # social security
        "incomeTax",
        "taxBusinesses",  # tax
        "utilityAccounts",  # utilities
    }
    assert {
        "registration",
        "shareholders",
        "vehicles",
        "realEstates",
        "insurance",
        "taxRegistration",
        "taxFilings",
        "taxArrears",
        "taxRefunds",
        "utilityAccounts",
    } <= set(got["Enterprise"])
    names = {t["name"] for t in schema["types"]}
    assert {"Date", "Decimal"} <= names
    assert not names & FEDERATION_ONLY  # federation plumbing stays out of the API schema
    assert (await gql(client, "{ ok }")) == {"data": {"ok": True}}


@pytest.mark.parametrize("name", registry.names())
async def test_agency_service_serves_the_committed_sdl(
    name: str, agency_services: dict[str, Served]
) -> None:
    # when the gateway's own question is asked of the agency service
    async with httpx.AsyncClient(base_url=agency_services[name].url, timeout=30) as http:
        response = await http.post("/graphql", json={"query": "{ _service { sdl } }"})
    # then the SDL it composes is the committed file, unchanged
    assert response.status_code == 200, response.text
    assert response.json()["data"]["_service"]["sdl"].strip() == committed_sdl(name).strip()


# --- data --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PERSON_SUBJECTS)
async def test_person_through_the_gateway_is_the_agencies_data(
    kind: str,
    persons: dict[str, str],
    client: httpx.AsyncClient,
    sources: dict[str, Any],
    gateway: Gateway,
) -> None:
    # given a person of the demo with data at several agencies
    id_number = persons[kind]
    # when the gateway is asked for everything about them
    body = await gql(client, PERSON, {"id": id_number})
    # then every agency's part is exactly what its source holds, stitched under one person
    assert "errors" not in body, f"{body}\n{gateway.output()}"
    person = body["data"]["person"]
    want = await expected(sources, PERSON_FIELDS, id_number)
    assert person == {"idNumber": id_number, **want}
    identity = (await sources["public_security"].identities([id_number]))[id_number]
    assert person["identity"]["name"] == identity.name
    assert person["identity"]["birthDate"] == identity.birth_date.isoformat()
    if kind == "vehicles":
        plates = (await sources["public_security"].vehicles_by_owner([id_number]))[id_number]
        assert [v["plate"] for v in person["vehicles"]] == [v.plate for v in plates]
        assert plates
    if kind == "co-owned real estate":
        assert any(len(unit["owners"]) > 1 for unit in person["realEstates"])
        assert all(len(unit["unitNumber"]) == 28 for unit in person["realEstates"])
        assert id_number in {o["ownerId"] for u in person["realEstates"] for o in u["owners"]}
    if kind == "stakes":
        assert person["equities"]
        assert {s["holderId"] for s in person["equities"]} == {id_number}
    if kind == "insurance":
        kinds = [
            r.kind for r in (await sources["social_security"].insurance([id_number]))[id_number]
        ]
        assert [i["kind"] for i in person["insurance"]] == kinds
        assert person["housingFund"] is not None
    if kind == "most data":
        assert sum(bool(person[f]) for f in PERSON_FIELDS) >= 5, person


async def test_persons_asked_together_each_get_their_own_data(
    persons: dict[str, str], client: httpx.AsyncClient, sources: dict[str, Any]
) -> None:
    # when several persons are asked at once (one gateway request each, concurrently)
    ids = sorted(set(persons.values()))
    bodies = await asyncio.gather(*(gql(client, PERSON, {"id": i}) for i in ids))
    # then no answer is mixed up with another
    for id_number, body in zip(ids, bodies, strict=True):
        assert "errors" not in body, body
        assert body["data"]["person"] == {
            "idNumber": id_number,
            **await expected(sources, PERSON_FIELDS, id_number),
        }


async def test_enterprise_through_the_gateway_is_the_agencies_data(
    enterprise: str, client: httpx.AsyncClient, sources: dict[str, Any], gateway: Gateway
) -> None:
    # when the gateway is asked for an enterprise: registration and stakes from market
    # supervision, vehicles, units and insurance from the other agencies
    body = await gql(client, ENTERPRISE, {"uscc": enterprise})
    # then
    assert "errors" not in body, f"{body}\n{gateway.output()}"
    got = body["data"]["enterprise"]
    assert got == {"uscc": enterprise, **await expected(sources, ENTERPRISE_FIELDS, enterprise)}
    registration = (await sources["market_supervision"].enterprises([enterprise]))[enterprise]
    assert got["registration"]["name"] == registration.name
    assert got["registration"]["registeredCapital"] == str(registration.registered_capital)
    stakes = (await sources["market_supervision"].shareholders([enterprise]))[enterprise]
    assert [s["stakeId"] for s in got["shareholders"]] == [s.stake_id for s in stakes]
    assert {s["uscc"] for s in got["shareholders"]} == {enterprise}
    assert got["shareholders"] and (got["vehicles"] or got["realEstates"]), got


# --- bad input ---------------------------------------------------------------------------------

PERSON_BRIEF = "query($id: String!) { person(idNumber: $id) { idNumber identity { name } vehicles { plate } realEstates { unitNumber } insurance { kind } } }"


@pytest.mark.parametrize("bad", ["not-an-id", "", "370602195010225139X", "123456789012345678"])
async def test_invalid_id_number_answers_null(bad: str, client: httpx.AsyncClient) -> None:
    # when the gateway is asked for a person by something that is not an ID number
    body = await gql(client, PERSON_BRIEF, {"id": bad})
    # then the entry point refuses it: null, no error, nothing asked of the agencies
    assert body == {"data": {"person": None}}


async def test_id_number_with_a_wrong_check_character_answers_null(
    persons: dict[str, str], client: httpx.AsyncClient
) -> None:
    real = persons["vehicles"]
    wrong = real[:17] + ("0" if real[17] != "0" else "1")
    body = await gql(client, PERSON_BRIEF, {"id": wrong})
    assert body == {"data": {"person": None}}


async def test_invalid_uscc_answers_null(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        "query($u: String!) { enterprise(uscc: $u) { uscc registration { name } vehicles { plate } } }",
        {"u": "not-a-uscc"},
    )
    assert body == {"data": {"enterprise": None}}


async def test_unknown_person_answers_empty(
    client: httpx.AsyncClient, sources: dict[str, Any]
) -> None:
    # given a valid ID number no agency knows
    unknown = make_id_number("370602", date(1961, 2, 3), 499, male=True)
    assert not await sources["public_security"].identities([unknown])
    # when
    body = await gql(client, PERSON_BRIEF, {"id": unknown})
    # then the person is there, with nothing about them
    assert body == {
        "data": {
            "person": {
                "idNumber": unknown,
                "identity": None,
                "vehicles": [],
                "realEstates": [],
                "insurance": [],
            }
        }
    }


# --- last: what the gateway said about all this --------------------------------------------------


def test_gateway_logged_no_warnings_or_errors(gateway: Gateway) -> None:
    # after composing the agency subgraphs and answering every query above, the gateway printed
    # its ready line and nothing else: no composition warnings, no failed subgraph fetches
    assert gateway.stdout == [f"ready {gateway.url}"], gateway.output()
    assert not [line for line in gateway.stderr if line.strip()], gateway.output()
