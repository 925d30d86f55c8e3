"""Denied data is never requested: a refused field's look-up is not made, nor any look-up at all
when nothing requested may be seen."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.hub.policy_support import (
    calls,
    client,
    codes,
    demo_token,
    errors_by_path,
    forget_calls,
    recorded_app,
)
from tests.hub.queries import ENTERPRISE_FULL, PERSON_FULL

ALL_DENIED_FOR_POLICE = """
query AllDenied($id: String!) {
  person(idNumber: $id) { insurance { records { kind } } legal { cases { caseNumber } } }
}
"""

IDENTITY_LEAVES_DENIED = """
query IdentityLeavesDenied($id: String!) {
  person(idNumber: $id) { assets { realEstates { unitNumber } } identity { gender birthDate } }
}
"""

ASSETS_ONLY = """
query AssetsOnly($id: String!) { person(idNumber: $id) { assets { realEstates { unitNumber } } } }
"""

# A role that may look persons up for their real estate but never sees their identity.
ASSETS_ONLY_ROLE = """
# tests only: real estate without identity
p, estate_clerk, agency:real_estate, Query.person, read, allow
p, estate_clerk, agency:real_estate, Person.assets, read, allow
p, estate_clerk, agency:real_estate, Assets.realEstates, read, allow
p, estate_clerk, agency:real_estate, RealEstate.*, read, allow
"""


@pytest.fixture(scope="module")
async def recorded(settings: Any) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
    async with recorded_app(settings) as (app, sources):
        yield app, sources


def methods(sources: dict[str, Any]) -> dict[str, list[str]]:
    return {name: [m for m, _ in c] for name, c in calls(sources).items()}


async def ask(recorded: Any, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    app, sources = recorded
    forget_calls(sources)
    async with client(app, token) as api:
        return await api.query(query, variables)


async def test_police_profile_calls_only_public_security(
    recorded: Any, demo: dict[str, Any]
) -> None:
    # given the police officer, who may see identity and vehicles only
    sample = demo["samples"]["persons"][0]
    # when they ask for the full person profile
    body = await ask(
        recorded, demo_token(demo, "police_officer"), PERSON_FULL, {"id": sample["idNumber"]}
    )
    # then identity and vehicles are there, everything else is refused at its group
    person = body["data"]["person"]
    assert person["identity"]["name"] == sample["name"]
    assert person["assets"]["vehicles"]
    assert set(codes(body)) == {"FORBIDDEN"}
    assert set(errors_by_path(body)) == {
        ("person", "assets", "realEstates"),
        ("person", "assets", "equities"),
        ("person", "qualifications"),
        ("person", "insurance"),
        ("person", "enterpriseRoles"),
        ("person", "legal"),
    }
    # and only public security was asked; the other agencies and the court were not
    made = methods(recorded[1])
    assert sorted(made.pop("public_security")) == ["identities", "vehicles_by_owner"]
    assert made == {
        "real_estate": [],
        "market_supervision": [],
        "social_security": [],
        "tax": [],
        "utilities": [],
        "court": [],
    }


async def test_registry_profile_does_not_call_social_security(
    recorded: Any, demo: dict[str, Any]
) -> None:
    # given the registry officer: identity masked, real estate
    sample = demo["samples"]["persons"][0]
    # when they ask for the full person profile
    body = await ask(
        recorded, demo_token(demo, "registry_officer"), PERSON_FULL, {"id": sample["idNumber"]}
    )
    # then their real estate loads, and neither social security nor market supervision, nor
    # the vehicle register, nor the court was asked
    assert body["data"]["person"]["assets"]["realEstates"]
    made = methods(recorded[1])
    assert made["real_estate"] == ["properties_by_owner"]
    assert made["social_security"] == []
    assert made["market_supervision"] == []
    assert made["court"] == []
    assert "vehicles_by_owner" not in made["public_security"]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (PERSON_FULL, lambda demo: {"id": demo["samples"]["persons"][0]["idNumber"]}),
        (ENTERPRISE_FULL, lambda demo: {"uscc": demo["samples"]["enterprises"][0]["uscc"]}),
    ],
    ids=["person", "enterprise"],
)
async def test_auditor_query_calls_nothing(
    recorded: Any, demo: dict[str, Any], query: str, variables: Any
) -> None:
    # given the auditor, who may see no subject data at all
    # when they ask for a full profile
    body = await ask(recorded, demo_token(demo, "auditor"), query, variables(demo))
    # then the answer says so plainly, at the root field
    assert body["data"] in ({"person": None}, {"enterprise": None})
    assert codes(body) == ["FORBIDDEN"]
    message = body["errors"][0]["message"]
    assert "may not look up" in message and "auditor" in message
    # and no source was called, the court included
    assert calls(recorded[1]) == {name: [] for name in recorded[1]}


async def test_every_requested_field_denied_calls_nothing(
    recorded: Any, demo: dict[str, Any]
) -> None:
    # given the police officer asking only for what they may not see
    sample = demo["samples"]["persons"][0]
    # when
    body = await ask(
        recorded,
        demo_token(demo, "police_officer"),
        ALL_DENIED_FOR_POLICE,
        {"id": sample["idNumber"]},
    )
    # then one FORBIDDEN at the root says none of it may be seen, and nothing was asked
    assert body["data"] == {"person": None}
    assert codes(body) == ["FORBIDDEN"]
    assert "none of" in body["errors"][0]["message"]
    assert calls(recorded[1]) == {name: [] for name in recorded[1]}


async def test_group_with_every_leaf_denied_is_refused_at_the_group(
    recorded: Any, demo: dict[str, Any]
) -> None:
    # given the registry officer, who may not see gender or birth date
    sample = demo["samples"]["persons"][0]
    # when they ask for those beside their real estate
    body = await ask(
        recorded,
        demo_token(demo, "registry_officer"),
        IDENTITY_LEAVES_DENIED,
        {"id": sample["idNumber"]},
    )
    # then identity is refused as a whole, the real estate loads
    person = body["data"]["person"]
    assert person["identity"] is None
    assert person["assets"]["realEstates"]
    assert list(errors_by_path(body)) == [("person", "identity")]
    assert codes(body) == ["FORBIDDEN"]
    assert "none of the fields requested under Person.identity" in body["errors"][0]["message"]


@pytest.mark.parametrize("query", [IDENTITY_LEAVES_DENIED, ASSETS_ONLY], ids=["refused", "absent"])
async def test_identity_record_is_not_fetched_unless_released(
    recorded: Any, demo: dict[str, Any], query: str
) -> None:
    # given the registry officer asking for real estate, and identity refused or not asked
    sample = demo["samples"]["persons"][0]
    # when
    body = await ask(
        recorded, demo_token(demo, "registry_officer"), query, {"id": sample["idNumber"]}
    )
    # then existence is asked of public security, not the identity record
    assert body["data"]["person"]["assets"]["realEstates"]
    assert methods(recorded[1])["public_security"] == ["registered"]


@pytest.fixture(scope="module")
async def estate_clerk_app(
    settings: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
    policy_dir: Path = tmp_path_factory.mktemp("estate-clerk-policy")
    for name in ("model.conf", "policy.csv"):
        shutil.copy(settings.policy_dir / name, policy_dir / name)
    with (policy_dir / "policy.csv").open("a", encoding="utf-8") as f:
        f.write(ASSETS_ONLY_ROLE)
    async with recorded_app(settings.replace(policy_dir=policy_dir)) as found:
        yield found


async def test_existence_is_asked_when_identity_is_denied(
    estate_clerk_app: Any, demo: dict[str, Any], mint: Any
) -> None:
    # given a role that may not see Person.identity at all
    app, sources = estate_clerk_app
    token = mint(sub="clerk-1", org="agency:real_estate", roles=("estate_clerk",))
    forget_calls(sources)
    sample = demo["samples"]["persons"][0]
    # when it asks for a person's real estate
    async with client(app, token) as api:
        body = await api.query(ASSETS_ONLY, {"id": sample["idNumber"]})
    # then the person exists (asked with `registered`), the identity record was never fetched
    assert "errors" not in body, body["errors"]
    assert body["data"]["person"]["assets"]["realEstates"]
    made = methods(sources)
    assert made["public_security"] == ["registered"]
    assert made["real_estate"] == ["properties_by_owner"]
    assert made["market_supervision"] == made["social_security"] == made["court"] == []
