"""The court table through the API (``courts``): every role may read it, by the policy like any
other field, so that court codes in orders, sanction entries and orgs are shown by name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

COURTS = "{ courts { code abbr name } }"

# The demo's courts, written out here (not read from the hub's seed).
DEMO_COURTS = [
    {"code": "370602", "abbr": "鲁0602", "name": "烟台市芝罘区人民法院"},
    {"code": "370612", "abbr": "鲁0612", "name": "烟台市牟平区人民法院"},
    {"code": "370613", "abbr": "鲁0613", "name": "烟台市莱山区人民法院"},
]

DEMO_USERS = [
    "judge-zhang",
    "registry-wang",
    "market-zhao",
    "police-chen",
    "social-liu",
    "auditor-sun",
    "approval-market",
    "approval-registry",
]


@pytest.mark.parametrize("user", DEMO_USERS)
async def test_every_role_reads_the_court_table(
    api: Api, tokens: dict[str, str], user: str
) -> None:
    # given a demo user of each role
    # when they ask for the courts
    body = await api.query(COURTS, token=tokens[user])
    # then they get the hub's court table, by code
    assert "errors" not in body, body
    assert body["data"]["courts"] == DEMO_COURTS


async def test_a_role_the_policy_does_not_name_is_refused_the_courts(api: Api, mint: Any) -> None:
    # given a caller whose role the policy does not know
    token = mint(sub="visitor", org="court:370602", roles=("visitor",))
    # when it asks for the courts
    body = await api.query(COURTS, token=token)
    # then the field is refused by the policy, like any other
    assert body["data"] == {"courts": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
