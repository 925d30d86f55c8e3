"""Every agency subgraph executed in-process: committed SDL, entities from the embedded source."""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Engine, select

from connectors import registry
from connectors.base.identifiers import InvalidIdentifier, validate_id_number
from connectors.base.subgraph import SubgraphLoaders
from connectors.market_supervision import models as ms
from connectors.public_security import models as ps
from connectors.real_estate import models as re_
from connectors.social_security import models as ss
from connectors.tax import models as tx
from connectors.utilities import models as ut
from hub.config import Settings
from tests.fakes import RecordingSource

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema" / "subgraphs"

SERVICE = "{ _service { sdl } ok }"

PUBLIC_SECURITY_ENTITIES = """
query Entities($reps: [_Any!]!) {
  _entities(representations: $reps) {
    __typename
    ... on Person {
      idNumber
      identity { idNumber name gender birthDate ethnicity registeredAddress registrationStatus issuingAuthority phone }
      vehicles { ...VehicleFields }
      accommodations { idNumber checkIn checkOut hotel place }
      bookings { idNumber departure mode number origin destination }
    }
    ... on Enterprise { uscc vehicles { ...VehicleFields } }
    ... on Vehicle { ...VehicleFields }
    ... on Plate { plate passages { plate passedAt checkpoint place } }
  }
}
fragment VehicleFields on Vehicle {
  plate vin brand model vehicleType colour registeredOn status ownerKind ownerId ownerName
}
"""

REAL_ESTATE_ENTITIES = """
query Entities($reps: [_Any!]!) {
  _entities(representations: $reps) {
    __typename
    ... on Person { idNumber realEstates { ...Unit } }
    ... on Enterprise { uscc realEstates { ...Unit } }
    ... on RealEstate { ...Unit }
  }
}
fragment Unit on RealEstate {
  unitNumber certificateNumber address usage area ownershipKind registeredOn
  owners { ownerKind ownerId ownerName share }
  mortgages { certificateNumber mortgagee securedAmount termStart termEnd registeredOn }
  seizures { court caseNumber documentNumber kind rank startDate endDate status }
}
"""

MARKET_SUPERVISION_ENTITIES = """
query Entities($reps: [_Any!]!) {
  _entities(representations: $reps) {
    __typename
    ... on Person {
      idNumber
      enterpriseRoles { uscc enterpriseName role position ratio }
      equities { ...Stake }
    }
    ... on Enterprise {
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
    }
    ... on Equity { ...Stake }
  }
}
fragment Stake on Equity {
  stakeId uscc enterpriseName holderKind holderId holderName subscribedCapital ratio subscribedOn freezeStatus
}
"""

SOCIAL_SECURITY_ENTITIES = """
query Entities($reps: [_Any!]!) {
  _entities(representations: $reps) {
    __typename
    ... on Person {
      idNumber
      insurance { kind employerUscc employerName contributionBase monthsPaid lastPaidMonth status }
      housingFund { accountNumber employerUscc employerName balance monthlyDeposit openedOn status }
      qualifications { certificateNumber name level issuingAuthority issuedOn }
    }
    ... on Enterprise {
      uscc
      enterpriseInsurance: insurance { uscc insuredEmployees arrearsAmount arrearsMonths asOf }
    }
  }
}
"""

TAX_ENTITIES = """
query Entities($reps: [_Any!]!) {
  _entities(representations: $reps) {
    __typename
    ... on Person {
      idNumber
      incomeTax { period withholderUscc withholderName incomeKind income taxWithheld }
      taxBusinesses { ...Registration }
    }
    ... on Enterprise {
      uscc
      taxRegistration { ...Registration }
      taxFilings { period filedOn taxPayable taxPaid }
      taxArrears { taxKind period dueOn amount lateFee asOf }
      taxRefunds { refundNumber kind amount approvedOn status }
    }
  }
}
fragment Registration on TaxRegistration {
  taxpayerId name taxpayerKind authority registeredOn status creditGrade gradedYear
}
"""

UTILITIES_ENTITIES = """
query Entities($reps: [_Any!]!) {
  _entities(representations: $reps) {
    __typename
    ... on Person { idNumber utilityAccounts { ...Account } }
    ... on Enterprise { uscc utilityAccounts { ...Account } }
    ... on UtilityAddress { address accounts { ...Account } }
  }
}
fragment Account on UtilityAccount {
  accountNumber provider kind address holderKind holderId holderName openedOn status arrears
  usage { period consumption amountDue amountPaid }
}
"""

ENTITIES = {
    "public_security": PUBLIC_SECURITY_ENTITIES,
    "real_estate": REAL_ESTATE_ENTITIES,
    "market_supervision": MARKET_SUPERVISION_ENTITIES,
    "social_security": SOCIAL_SECURITY_ENTITIES,
    "tax": TAX_ENTITIES,
    "utilities": UTILITIES_ENTITIES,
}

# field of the subgraph's Person / Enterprise -> the source's batch method behind it
PERSON_FIELDS = {
    "public_security": {
        "identity": "identities",
        "vehicles": "vehicles_by_owner",
        "accommodations": "accommodations",
        "bookings": "bookings",
    },
    "real_estate": {"realEstates": "properties_by_owner"},
    "market_supervision": {"enterpriseRoles": "roles_by_person", "equities": "stakes_by_holder"},
    "social_security": {
        "insurance": "insurance",
        "housingFund": "housing_fund",
        "qualifications": "qualifications",
    },
    "tax": {"incomeTax": "income_tax", "taxBusinesses": "businesses"},
    "utilities": {"utilityAccounts": "accounts_by_holder"},
}
ENTERPRISE_FIELDS = {
    "public_security": {"vehicles": "vehicles_by_owner"},
    "real_estate": {"realEstates": "properties_by_owner"},
    "market_supervision": {
        "registration": "enterprises",
        "shareholders": "shareholders",
        "equities": "stakes_by_holder",
        "keyPersonnel": "key_personnel",
        "licences": "licences",
        "penalties": "penalties",
        "credit": "credit",
    },
    "social_security": {"enterpriseInsurance": "enterprise_insurance"},  # aliased in the query
    "tax": {
        "taxRegistration": "registrations",
        "taxFilings": "filings",
        "taxArrears": "arrears",
        "taxRefunds": "refunds",
    },
    "utilities": {"utilityAccounts": "accounts_by_holder"},
}
# the agency's own entity: type name, key field, column holding keys, batch method
OWN_ENTITIES: dict[str, tuple[str, str, Column[Any], str]] = {
    "public_security": ("Vehicle", "plate", ps.vehicles.c.plate, "vehicles_by_plate"),
    "real_estate": ("RealEstate", "unitNumber", re_.units.c.unit_number, "properties_by_unit"),
    "market_supervision": ("Equity", "stakeId", ms.shareholders.c.stake_id, "stakes_by_id"),
}
# an entity of the agency's that is only a key with a list field: type, key field, column, field
KEYED_ENTITIES: dict[str, tuple[str, str, Column[Any], str, str]] = {
    "public_security": ("Plate", "plate", ps.passages.c.plate, "passages", "passages"),
    "utilities": (
        "UtilityAddress",
        "address",
        ut.accounts.c.address,
        "accounts",
        "accounts_by_address",
    ),
}
# where persons and enterprises with data for the agency are found
PERSON_KEYS: dict[str, Column[Any]] = {
    "public_security": ps.vehicles.c.owner_id,
    "real_estate": re_.owners.c.owner_id,
    "market_supervision": ms.key_personnel.c.id_number,
    "social_security": ss.housing_fund_accounts.c.id_number,
    "tax": tx.withholdings.c.id_number,
    "utilities": ut.accounts.c.holder_id,
}
ENTERPRISE_KEYS: dict[str, Column[Any]] = {
    "public_security": ps.vehicles.c.owner_id,
    "real_estate": re_.owners.c.owner_id,
    "market_supervision": ms.enterprises.c.uscc,
    "social_security": ss.enterprise_insurance.c.uscc,
    "tax": tx.registrations.c.taxpayer_id,
    "utilities": ut.accounts.c.holder_id,
}
UNKNOWN = "990000000000000000"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def as_graphql(value: Any) -> Any:
    """A source record as the subgraph must serialise it (camelCase, ISO dates, exact decimals)."""
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


def many(name: str) -> frozenset[str]:
    return import_module(f"connectors.{name}.subgraph").MANY  # type: ignore[no-any-return]


async def execute(
    name: str, source: Any, query: str, reps: list[dict[str, Any]] | None = None
) -> Any:
    schema = registry.get(name).subgraph(None)
    return await schema.execute(
        query,
        variable_values={"reps": reps} if reps is not None else None,
        context_value={"loaders": SubgraphLoaders(source, many(name))},
    )


def keys_from(engine: Engine, column: Column[Any], n: int, *, like: str | None = None) -> list[str]:
    stmt = select(column).distinct().order_by(column)
    if like is not None:
        stmt = stmt.where(column.like(like))
    with engine.connect() as conn:
        keys = list(conn.execute(stmt).scalars())
    return random.Random(n).sample(keys, min(n, len(keys)))


def person_keys(engine: Engine, column: Column[Any], n: int) -> list[str]:
    """ID numbers (not USCCs) from a column that may hold both."""
    keys = []
    for key in keys_from(engine, column, 10_000):
        try:
            keys.append(validate_id_number(key))
        except InvalidIdentifier:
            continue
    return sorted(keys)[:: max(1, len(keys) // n)][:n]


async def expected_fields(
    source: Any, fields: dict[str, str], name: str, keys: list[str]
) -> dict[str, dict[str, Any]]:
    """key -> {field: serialised source answer} for the given subject keys."""
    out: dict[str, dict[str, Any]] = {k: {} for k in keys}
    for field, method in fields.items():
        found = await getattr(source, method)(keys)
        for k in keys:
            value = found.get(k)
            out[k][field] = as_graphql(
                value if value is not None else ([] if method in many(name) else None)
            )
    return out


# --- the contract: SDL -----------------------------------------------------------------------


@pytest.mark.parametrize("name", registry.names())
async def test_service_sdl_is_the_committed_file(name: str, sources: dict[str, Any]) -> None:
    # when
    result = await execute(name, sources[name], SERVICE)
    # then
    assert result.errors is None
    committed = (SCHEMA_DIR / f"{name}.graphql").read_text(encoding="utf-8")
    assert committed.endswith("\n")
    assert result.data["_service"]["sdl"] == committed.removesuffix("\n")
    assert result.data["ok"] is True


# --- entities --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", registry.names())
async def test_person_entities_carry_the_source_data(
    name: str, sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given persons the agency holds data for
    ids = person_keys(databases[name], PERSON_KEYS[name], 6)
    assert ids, name
    # when they are resolved as entities
    result = await execute(
        name, sources[name], ENTITIES[name], [{"__typename": "Person", "idNumber": k} for k in ids]
    )
    # then each carries exactly what the embedded source answers for that person
    assert result.errors is None, result.errors
    expected = await expected_fields(sources[name], PERSON_FIELDS[name], name, ids)
    entities = result.data["_entities"]
    assert [e["idNumber"] for e in entities] == ids
    for entity in entities:
        assert entity["__typename"] == "Person"
        want = expected[entity["idNumber"]]
        assert {f: entity[f] for f in want} == want
    assert any(any(v for v in want.values()) for want in expected.values()), "sample has no data"


@pytest.mark.parametrize("name", registry.names())
async def test_enterprise_entities_carry_the_source_data(
    name: str, sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given enterprises (USCCs start with 9 for enterprises in the demo data)
    usccs = keys_from(databases[name], ENTERPRISE_KEYS[name], 5, like="9%")
    assert usccs, name
    # when
    result = await execute(
        name,
        sources[name],
        ENTITIES[name],
        [{"__typename": "Enterprise", "uscc": u} for u in usccs],
    )
    # then
    assert result.errors is None, result.errors
    expected = await expected_fields(sources[name], ENTERPRISE_FIELDS[name], name, usccs)
    for entity in result.data["_entities"]:
        assert entity["__typename"] == "Enterprise"
        want = expected[entity["uscc"]]
        assert {f: entity[f] for f in want} == want


async def test_person_entity_spot_checks(
    sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given a person who owns real estate
    (pid,) = person_keys(databases["real_estate"], re_.owners.c.owner_id, 1)
    # when the real-estate and public-security subgraphs resolve them (strawberry consumes the
    # representations it is given, so each call gets its own)
    estate = await execute(
        "real_estate",
        sources["real_estate"],
        REAL_ESTATE_ENTITIES,
        [{"__typename": "Person", "idNumber": pid}],
    )
    police = await execute(
        "public_security",
        sources["public_security"],
        PUBLIC_SECURITY_ENTITIES,
        [{"__typename": "Person", "idNumber": pid}],
    )
    # then unit numbers and the name are those of the source, in the source's order
    units = (await sources["real_estate"].properties_by_owner([pid]))[pid]
    identity = (await sources["public_security"].identities([pid]))[pid]
    assert [u["unitNumber"] for u in estate.data["_entities"][0]["realEstates"]] == [
        u.unit_number for u in units
    ]
    assert all(len(u["unitNumber"]) == 28 for u in estate.data["_entities"][0]["realEstates"])
    assert police.data["_entities"][0]["identity"]["name"] == identity.name
    assert police.data["_entities"][0]["identity"]["birthDate"] == identity.birth_date.isoformat()


@pytest.mark.parametrize("name", list(OWN_ENTITIES))
async def test_own_entity_resolves_by_key(
    name: str, sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given keys of the agency's own entity, and one unknown key in the middle
    typename, field, column, method = OWN_ENTITIES[name]
    keys = keys_from(databases[name], column, 4)
    asked = [*keys[:2], "no-such-" + field, *keys[2:]]
    # when
    result = await execute(
        name, sources[name], ENTITIES[name], [{"__typename": typename, field: k} for k in asked]
    )
    # then each known key resolves to the source's record, the unknown one to null
    assert result.errors is None, result.errors
    found = await getattr(sources[name], method)(keys)
    entities = result.data["_entities"]
    assert entities[2] is None
    for key, entity in zip(asked, entities, strict=True):
        if entity is not None:
            assert entity == {"__typename": typename, **as_graphql(found[key])}
    assert sum(e is not None for e in entities) == len(keys)


@pytest.mark.parametrize("name", list(KEYED_ENTITIES))
async def test_keyed_entity_lists_what_the_source_finds(
    name: str, sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given keys the agency holds (supply addresses) and one it does not
    typename, field, column, list_field, method = KEYED_ENTITIES[name]
    keys = keys_from(databases[name], column, 4)
    asked = [*keys, "没有这个地址"]
    # when they are resolved as entities
    result = await execute(
        name, sources[name], ENTITIES[name], [{"__typename": typename, field: k} for k in asked]
    )
    # then each lists the source's records for its key, the unknown one an empty list
    assert result.errors is None, result.errors
    found = await getattr(sources[name], method)(keys)
    entities = result.data["_entities"]
    assert [e[field] for e in entities] == asked
    for key, entity in zip(asked, entities, strict=True):
        assert entity[list_field] == as_graphql(found.get(key, []))
    assert all(entity[list_field] for entity in entities[:-1])


@pytest.mark.parametrize("name", registry.names())
async def test_unknown_subjects_resolve_to_null_and_empty(
    name: str, sources: dict[str, Any]
) -> None:
    # given representations of subjects the agency does not know
    reps = [
        {"__typename": "Person", "idNumber": UNKNOWN},
        {"__typename": "Enterprise", "uscc": "91" + UNKNOWN[2:]},
    ]
    # when
    result = await execute(name, sources[name], ENTITIES[name], reps)
    # then nothing crashes: single fields are null, lists empty
    assert result.errors is None, result.errors
    person, enterprise = result.data["_entities"]
    assert person["idNumber"] == UNKNOWN
    for field, method in PERSON_FIELDS[name].items():
        assert person[field] == ([] if method in many(name) else None), field
    for field, method in ENTERPRISE_FIELDS[name].items():
        assert enterprise[field] == ([] if method in many(name) else None), field


@pytest.mark.parametrize("name", registry.names())
async def test_entities_cost_one_source_call_per_lookup(
    name: str, settings: Settings, databases: dict[str, Engine]
) -> None:
    # given a source that records its calls, and 20 persons asked at once
    inner = registry.get(name).embedded(settings.connectors[name].url)
    source = RecordingSource(inner)
    ids = person_keys(databases[name], PERSON_KEYS[name], 20)
    try:
        # when
        result = await execute(
            name, source, ENTITIES[name], [{"__typename": "Person", "idNumber": k} for k in ids]
        )
    finally:
        inner.close()
    # then each look-up behind a Person field was called once, with every key
    assert result.errors is None, result.errors
    assert sorted(source.methods()) == sorted(PERSON_FIELDS[name].values())
    for _, keys in source.calls:
        assert sorted(keys) == sorted(ids)


@pytest.mark.parametrize("name", registry.names())
async def test_representation_without_its_key_is_an_error_at_that_entity(
    name: str, sources: dict[str, Any], databases: dict[str, Engine]
) -> None:
    # given one good representation and one that lacks its key field
    (key,) = person_keys(databases[name], PERSON_KEYS[name], 1)
    reps = [{"__typename": "Person", "idNumber": key}, {"__typename": "Person"}]
    # when
    result = await execute(name, sources[name], ENTITIES[name], reps)
    # then the bad one is null with an error at its index, the good one still resolves
    entities = result.data["_entities"]
    assert entities[0]["idNumber"] == key
    assert entities[1] is None
    assert [e.path for e in result.errors] == [["_entities", 1]]


@pytest.mark.parametrize("name", registry.names())
async def test_entities_without_representations_variable_is_a_validation_error(
    name: str, sources: dict[str, Any]
) -> None:
    result = await execute(name, sources[name], ENTITIES[name], None)
    assert result.data is None
    assert result.errors and "reps" in result.errors[0].message
