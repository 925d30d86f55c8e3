"""Deposits in a profile: every bank asked at once, one entry per bank, a bank's failure its own.

Expected figures come from the banks' databases read with plain SQL here (frozen = the
EFFECTIVE freezes' amounts, available = balance − frozen), never from the hub's code.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select

from connectors import registry
from connectors.banks import models as bk
from hub.config import Settings
from tests.conftest import Api, add_case, start_app
from tests.fakes import FailingSource, HangingSource, RecordingSource
from tests.hub.test_audit_recording import ask, entries

DEPOSITS = """
query Deposits($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    identity { name }
    assets {
      deposits {
        bank bankName answer
        accounts {
          accountNumber holderId kind currency balance frozenAmount availableBalance
          freezes { court caseNumber amount rank status startDate endDate }
        }
      }
    }
  }
}
"""
SLOW_TIMEOUT = 0.4  # seconds: the slow bank's timeout in the hub under test


def bank_rows(settings: Settings, holder_id: str) -> dict[str, list[dict[str, Any]]]:
    """bank -> the holder's accounts as the bank's database has them (plain SQL)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in registry.banks():
        engine: Engine = create_engine(settings.connectors[name].url)
        try:
            with engine.connect() as conn:
                accounts = []
                for a in conn.execute(
                    select(bk.accounts).where(bk.accounts.c.holder_id == holder_id)
                ):
                    freezes = conn.execute(
                        select(bk.freezes)
                        .where(bk.freezes.c.account_number == a.account_number)
                        .order_by(bk.freezes.c.rank)
                    ).all()
                    accounts.append({"account": a, "freezes": freezes})
                out[name] = sorted(accounts, key=lambda x: x["account"].account_number)
        finally:
            engine.dispose()
    return out


def respondent_with_deposits(settings: Settings, demo: dict[str, Any]) -> dict[str, str]:
    for sample in demo["samples"]["persons"]:
        if sum(len(v) for v in bank_rows(settings, sample["idNumber"]).values()) >= 1:
            return sample  # type: ignore[no-any-return]
    raise AssertionError("no demo sample holds a deposit account")


async def test_the_judge_sees_every_banks_accounts_with_their_freezes(
    api: Api, settings: Settings, demo: dict[str, Any]
) -> None:
    # given a respondent of the judge's case holding accounts
    sample = respondent_with_deposits(settings, demo)
    expected = bank_rows(settings, sample["idNumber"])
    # when the judge asks for the deposits
    body = await api.query(DEPOSITS, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    # then there is one entry per bank, in the registry's order, each answered
    assert "errors" not in body, body["errors"]
    entries_ = body["data"]["person"]["assets"]["deposits"]
    assert [e["bank"] for e in entries_] == registry.banks()
    assert {e["answer"] for e in entries_} == {"ANSWERED"}
    for entry in entries_:
        assert entry["bankName"] == registry.get(entry["bank"]).title
        want = expected[entry["bank"]]
        assert [a["accountNumber"] for a in entry["accounts"]] == [
            w["account"].account_number for w in want
        ]
        for got, w in zip(entry["accounts"], want, strict=True):
            a = w["account"]
            frozen = sum(
                (Decimal(str(f.amount)) for f in w["freezes"] if f.status == "EFFECTIVE"),
                Decimal("0"),
            )
            balance = Decimal(str(a.balance))
            assert got["holderId"] == sample["idNumber"]
            assert (got["kind"], got["currency"]) == (a.kind, a.currency)
            assert Decimal(got["balance"]) == balance
            assert Decimal(got["frozenAmount"]) == frozen
            assert Decimal(got["availableBalance"]) == balance - frozen >= 0
            assert [(f["rank"], f["status"], f["caseNumber"]) for f in got["freezes"]] == [
                (f.rank, f.status, f.case_number) for f in w["freezes"]
            ]


async def test_the_look_up_is_on_record_with_every_bank(
    api: Api, app: Any, settings: Settings, demo: dict[str, Any]
) -> None:
    sample = respondent_with_deposits(settings, demo)
    body, rid = await ask(api, DEPOSITS, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    assert "errors" not in body
    (row,) = await entries(app, rid)
    content = json.loads(row["content"])
    # the fields shown are named, and every bank asked is among the connectors called
    for coordinate in (
        "Assets.deposits",
        "BankDeposits.accounts",
        "DepositAccount.accountNumber",
        "DepositAccount.balance",
        "AccountFreeze.amount",
    ):
        assert coordinate in content["fields"]["granted"], coordinate
    assert set(registry.banks()) <= set(content["connectors"])
    # and no account number is stored in the entry
    for accounts in bank_rows(settings, sample["idNumber"]).values():
        for a in accounts:
            assert a["account"].account_number not in row["content"]


@pytest.mark.parametrize(
    "user", ["registry-wang", "market-zhao", "police-chen", "social-liu", "auditor-sun"]
)
async def test_no_agency_and_no_auditor_sees_deposits(
    api: Api, tokens: dict[str, str], demo: dict[str, Any], user: str
) -> None:
    sample = demo["samples"]["persons"][0]
    body = await api.query(
        "query($id: String!) { person(idNumber: $id) { assets { deposits { bank accounts {"
        " balance } } } } }",
        {"id": sample["idNumber"]},
        token=tokens[user],
    )
    # then nothing of deposits comes back, with FORBIDDEN
    person = (body.get("data") or {}).get("person")
    assert person is None or person["assets"] is None or person["assets"]["deposits"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert sample["idNumber"] not in json.dumps(body.get("data"))


async def test_a_bank_sees_nothing_of_the_agencies_nor_of_the_other_banks(
    api: Api, mint: Any, demo: dict[str, Any]
) -> None:
    # given a caller of a bank (banks hold no role of the hub's policy yet: anything not granted
    # is denied, and nothing is granted to a bank's org)
    token = mint(sub="icbc-officer", org="agency:bank_102", roles=("bank_officer",))
    sample = demo["samples"]["persons"][0]
    # when it asks for a person's identity, assets and deposits
    body = await api.query(
        "query($id: String!) { person(idNumber: $id) { idNumber identity { name }"
        " assets { realEstates { unitNumber } deposits { bank accounts { balance } } } } }",
        {"id": sample["idNumber"]},
        token=token,
    )
    # then it is refused, and nothing of the subject leaves
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    dump = json.dumps(body.get("data"))
    assert sample["idNumber"] not in dump and sample["name"] not in dump


async def test_a_dead_bank_and_a_slow_bank_cost_only_their_own_entries(
    settings: Settings, tokens: dict[str, str], demo: dict[str, Any]
) -> None:
    # given one bank that refuses every look-up and one that never answers
    dead, slow = "bank:105", "bank:308"
    sources: dict[str, Any] = {}
    for name in registry.banks():
        inner = registry.get(name).embedded(settings.connectors[name].url)
        wrap = {dead: FailingSource, slow: HangingSource}.get(name, RecordingSource)
        sources[name] = wrap(inner)
    connectors = dict(settings.connectors)
    connectors[slow] = connectors[slow].replace(timeout=SLOW_TIMEOUT)
    app, lifespan = await start_app(settings.replace(connectors=connectors), sources)
    sample = respondent_with_deposits(settings, demo)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as client:
            api = Api(client, tokens["judge-zhang"])
            variables = {"id": sample["idNumber"], "case": sample["caseNumber"]}
            await api.query(DEPOSITS, variables)  # warm: policy table, connections
            # when the judge asks for the deposits
            started = time.perf_counter()
            body = await api.query(DEPOSITS, variables)
            seconds = time.perf_counter() - started
    finally:
        await lifespan.__aexit__(None, None, None)
        for source in sources.values():
            source._inner.close()
    # then the answer comes within the slow bank's timeout (plus a margin for the machine)
    assert seconds < SLOW_TIMEOUT + 0.5
    deposits = body["data"]["person"]["assets"]["deposits"]
    by_bank = {e["bank"]: e for e in deposits}
    assert by_bank[dead]["answer"] == "UNAVAILABLE" and by_bank[dead]["accounts"] is None
    assert by_bank[slow]["answer"] == "TIMEOUT" and by_bank[slow]["accounts"] is None
    for name in set(registry.banks()) - {dead, slow}:
        assert by_bank[name]["answer"] == "ANSWERED"
        assert isinstance(by_bank[name]["accounts"], list)
    assert body["data"]["person"]["identity"]["name"] == sample["name"]
    # and each failure is reported at that bank's own entry
    where = {
        (e["extensions"]["code"], e["extensions"].get("connector")): e["path"]
        for e in body["errors"]
    }
    index = registry.banks().index
    assert where == {
        ("CONNECTOR_UNAVAILABLE", dead): ["person", "assets", "deposits", index(dead), "accounts"],
        ("CONNECTOR_TIMEOUT", slow): ["person", "assets", "deposits", index(slow), "accounts"],
    }
    # the banks that answered were each asked once, in one batch
    for name in set(registry.banks()) - {dead, slow}:
        assert sources[name].methods() == ["deposits", "deposits"]  # the warm-up, then this one


async def test_an_applicant_s_deposits_are_not_looked_up(
    api: Api, app: Any, settings: Settings, demo: dict[str, Any]
) -> None:
    """Deposits are the respondent's property to reach (《民事诉讼法》(2023) 第二百五十三条:
    "人民法院有权向有关单位查询被执行人的存款…… 有权根据不同情形扣押、冻结、划拨、变价被执行人的
    财产"): an applicant (申请执行人) who holds accounts is a party, but not one whose deposits the
    case may look up."""
    # given a case in which a person holding accounts is the applicant
    holder = respondent_with_deposits(settings, demo)
    other = demo["samples"]["enterprises"][0]
    case = await add_case(
        app,
        [
            ("申请执行人", "PERSON", holder["idNumber"], holder["name"]),
            ("被执行人", "ENTERPRISE", other["uscc"], other["name"]),
        ],
    )
    # when the judge asks for the applicant's deposits in that case
    body = await api.query(DEPOSITS, {"id": holder["idNumber"], "case": case})
    # then the asset section is refused (its look-ups are never made)
    assert body["data"]["person"]["identity"]["name"] == holder["name"]
    assert body["data"]["person"]["assets"] is None
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["reason"]) == (
        "FORBIDDEN",
        "NOT_A_RESPONDENT",
    )
