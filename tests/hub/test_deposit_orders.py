"""Freezes of deposits (FREEZE of an amount on a bank account) and deductions (扣划) through the
order machinery: validation, the bank's register answering, waiting freezes taking effect on a
release, the ledger reconciled, and money never moved twice across a worker's crash.

Every test freezes an account opened for it alone (``fresh_account``) in a case of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select, update

from connectors.banks import models as bank_tables
from hub.cli import main
from hub.orders import service
from hub.orders.models import deposit_deductions, freeze_orders
from hub.orders.worker import deliver_pending
from tests.conftest import Api, add_case
from tests.hub.assets import fresh_account, strike_off
from tests.hub.test_party_requests import fresh_person, unlisted_enterprise

SUBMIT = """mutation($input: FreezeOrderSubmitInput!) { freezeOrderSubmit(input: $input) {
  order { id status rank agency assetType assetId amount frozenAmount currency effectiveFrom
          expiresOn receiptNumber }
  errors { code message field reason rule } } }"""
RELEASE = """mutation($id: String!, $input: FreezeOrderReleaseInput!) {
  freezeOrderRelease(id: $id, input: $input) { order { id status } errors { code message } } }"""
ORDER = """query($id: String!) { freezeOrder(id: $id) { id status rank amount frozenAmount
  effectiveFrom expiresOn receiptNumber } }"""
DEDUCT = """mutation($input: DepositDeductInput!) { depositDeduct(input: $input) {
  deduction { id orderId status amount currency payee transferNumber }
  errors { code message field reason rule } } }"""
LEDGER = """query($case: String!) { depositLedger(caseNumber: $case) {
  caseNumber deducted receipted bankRecorded pending receiptsValid reconciled unmatchedTransfers
  entries { id status amount accountNumber transferNumber } } }"""
INBOX = "{ freezeOrders(first: 100) { nodes { id agency assetType ownerId } } }"
RULING = "（2026）鲁0602执1号之三"


def fyt(app: Any, *args: str) -> Result:
    """The command on the test hub's data and database (as its settings name them)."""
    settings = app.state.runtime.settings
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("HUB_")}
    env.update(HUB_DATA_DIR=str(settings.data_dir), HUB_DATABASE_URL=settings.database_url)
    return CliRunner().invoke(main, list(args), env=env)


@pytest.fixture
def account(app: Any, target_sample: dict[str, str]) -> Iterator[str]:
    """An account of 1000.00 CNY at 工商银行 (bank:102), the sample respondent's, for one test."""
    number = fresh_account(app, target_sample, balance="1000.00")
    try:
        yield number
    finally:
        strike_off(app, number)


async def case_of(app: Any, demo: dict[str, Any], owner: dict[str, str], **kw: Any) -> str:
    applicant = demo["samples"]["enterprises"][0]
    return await add_case(
        app,
        [
            ("申请执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
            ("被执行人", "PERSON", owner["idNumber"], owner["name"]),
        ],
        **kw,
    )


def freeze(case: str, account: str, amount: str | None, **over: Any) -> dict[str, Any]:
    return {
        "kind": "FREEZE",
        "asset": {"type": "DEPOSIT", "id": account},
        "caseNumber": case,
        "rulingNumber": case.replace("号", "号之一"),
        "idempotencyKey": uuid.uuid4().hex,
        **({"amount": amount} if amount is not None else {}),
        **over,
    }


async def work(app: Any, **kw: Any) -> list[Any]:
    runtime = app.state.runtime
    return await deliver_pending(
        runtime.engine, sources=runtime.sources, keys=runtime.order_keys, **kw
    )


async def frozen(api: Api, app: Any, case: str, account: str, amount: str) -> dict[str, Any]:
    body = await api.query(SUBMIT, {"input": freeze(case, account, amount)})
    payload = body["data"]["freezeOrderSubmit"]
    assert payload["errors"] == [], payload
    await work(app)
    order = (await api.query(ORDER, {"id": payload["order"]["id"]}))["data"]["freezeOrder"]
    assert order is not None
    return order  # type: ignore[no-any-return]


def register(app: Any, account: str) -> list[tuple[int, str, Decimal]]:
    with app.state.runtime.sources["bank:102"].engine.connect() as conn:
        rows = conn.execute(
            select(bank_tables.freezes.c.rank, bank_tables.freezes.c.status,
                   bank_tables.freezes.c.amount)
            .where(bank_tables.freezes.c.account_number == account)
            .order_by(bank_tables.freezes.c.rank)
        )  # fmt: skip
        return [(r[0], r[1], Decimal(r[2])) for r in rows]


def balance(app: Any, account: str) -> Decimal:
    with app.state.runtime.sources["bank:102"].engine.connect() as conn:
        return Decimal(
            conn.execute(
                select(bank_tables.accounts.c.balance).where(
                    bank_tables.accounts.c.account_number == account
                )
            ).scalar_one()
        )


async def test_freezes_take_what_is_available_wait_in_line_and_take_effect_on_release(
    api: Api, app: Any, demo: dict[str, Any], target_sample: dict[str, str], account: str
) -> None:
    # given three cases of the respondent, each freezing the account of 1000.00
    cases = [await case_of(app, demo, target_sample) for _ in range(3)]
    # when the first asks 600, the second 900 and the third 100, served in that order
    first = await frozen(api, app, cases[0], account, "600.00")
    second = await frozen(api, app, cases[1], account, "900.00")
    third = await frozen(api, app, cases[2], account, "100.00")
    # then the first holds 600 for one year from today (民诉法解释 第四百八十五条: 不得超过一年),
    # the second the 400 left, and the third waits (轮候冻结) with nothing frozen
    today = service.court_day(datetime.now(UTC))
    year_end = date(today.year + 1, today.month, today.day) - timedelta(days=1)
    assert (first["status"], first["rank"], first["frozenAmount"]) == ("EFFECTIVE", 1, "600.00")
    assert (first["effectiveFrom"], first["expiresOn"]) == (today.isoformat(), year_end.isoformat())
    assert first["receiptNumber"] == f"102-DJ-{first['id']}"
    assert (second["status"], second["rank"], second["frozenAmount"]) == ("EFFECTIVE", 2, "400.00")
    assert (third["status"], third["rank"], third["frozenAmount"]) == ("WAITING", 3, "0.00")
    # and the bank's register says the same, the hub's receipts verify with the bank's key
    assert register(app, account) == [
        (1, "EFFECTIVE", Decimal("600.00")),
        (2, "EFFECTIVE", Decimal("400.00")),
        (3, "WAITING", Decimal("100.00")),
    ]
    async with app.state.runtime.engine.connect() as conn:
        signatures = await service.verify_order(conn, first["id"], app.state.runtime.order_keys)
        receipt = json.loads(
            (
                await conn.execute(
                    select(freeze_orders.c.receipt).where(freeze_orders.c.id == second["id"])
                )
            ).scalar_one()
        )
    assert signatures == {"court": True, "receipt": True}
    assert (receipt["amountAsked"], receipt["amountFrozen"]) == ("900.00", "400.00")
    # when the first is released and the worker tells the bank
    body = await api.query(RELEASE, {"id": first["id"], "input": {"rulingNumber": RULING,
                                                                   "reason": "已履行"}})  # fmt: skip
    assert body["data"]["freezeOrderRelease"]["errors"] == [], body
    transitions = await work(app)
    # then the third takes effect for its 100 that day, in the bank and in the hub
    assert ("EFFECTIVE", third["id"]) in {(t.event, t.order_id) for t in transitions}
    now = (await api.query(ORDER, {"id": third["id"]}))["data"]["freezeOrder"]
    assert (now["status"], now["frozenAmount"], now["effectiveFrom"]) == (
        "EFFECTIVE",
        "100.00",
        today.isoformat(),
    )
    assert register(app, account) == [
        (1, "RELEASED", Decimal("600.00")),
        (2, "EFFECTIVE", Decimal("400.00")),
        (3, "EFFECTIVE", Decimal("100.00")),
    ]


@pytest.mark.parametrize(
    ("amount", "over", "rule"),
    [
        (None, {}, "AMOUNT_REQUIRED"),
        ("0", {}, "AMOUNT_POSITIVE"),
        ("-5.00", {}, "AMOUNT_POSITIVE"),
        ("1.001", {}, "AMOUNT_CENTS"),
        ("5000.01", {}, "AMOUNT_ABOVE_OUTSTANDING"),
        ("10.00", {"currency": "USD"}, "CURRENCY_OF_ACCOUNT"),
    ],
)
async def test_a_freeze_of_deposits_names_a_valid_amount(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    target_sample: dict[str, str],
    account: str,
    amount: str | None,
    over: dict[str, Any],
    rule: str,
) -> None:
    # given a case with 5000.00 outstanding (执行标的)
    case = await case_of(app, demo, target_sample, amount=Decimal("5000.00"))
    # when a freeze of the account is asked with a bad amount or currency
    body = await api.query(SUBMIT, {"input": freeze(case, account, amount, **over)})
    # then it is refused naming the rule, and no order is made
    (error,) = body["data"]["freezeOrderSubmit"]["errors"]
    assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", rule), error
    async with app.state.runtime.engine.connect() as conn:
        count = (
            await conn.execute(select(func.count()).where(freeze_orders.c.case_number == case))
        ).scalar_one()
    assert count == 0


async def test_a_deduction_moves_frozen_money_once_and_the_ledger_reconciles(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    tokens: dict[str, str],
    target_sample: dict[str, str],
    account: str,
) -> None:
    # given a freeze of 600.00 in effect on the account of 1000.00
    case = await case_of(app, demo, target_sample)
    order = await frozen(api, app, case, account, "600.00")
    key = uuid.uuid4().hex
    ask = {"orderId": order["id"], "amount": "250.00", "rulingNumber": RULING,
           "idempotencyKey": key}  # fmt: skip
    # when more than it holds is asked: then refused
    too_much = await api.query(DEDUCT, {"input": {**ask, "amount": "600.01",
                                                  "idempotencyKey": uuid.uuid4().hex}})  # fmt: skip
    assert too_much["data"]["depositDeduct"]["errors"][0]["rule"] == "AMOUNT_ABOVE_FROZEN"
    # when 250.00 is deducted by a ruling (and the same request is sent again)
    body = await api.query(DEDUCT, {"input": ask})
    again = await api.query(DEDUCT, {"input": ask})
    deduction = body["data"]["depositDeduct"]["deduction"]
    assert deduction["status"] == "PENDING" and deduction["payee"].endswith("执行款专户"), body
    assert again["data"]["depositDeduct"]["deduction"]["id"] == deduction["id"]
    # and 400.00 more is asked while it is on its way: refused (600 − 250 pending = 350 left)
    more = await api.query(DEDUCT, {"input": {**ask, "amount": "400.00",
                                              "idempotencyKey": uuid.uuid4().hex}})  # fmt: skip
    assert more["data"]["depositDeduct"]["errors"][0]["rule"] == "AMOUNT_ABOVE_FROZEN"
    transitions = await work(app)
    # then the bank moved 250.00 once, the freeze holds 350.00, the ledger has its receipt
    assert [t.event for t in transitions if t.order_id == order["id"]] == ["DEDUCTED"]
    assert balance(app, account) == Decimal("750.00")
    now = (await api.query(ORDER, {"id": order["id"]}))["data"]["freezeOrder"]
    assert now["frozenAmount"] == "350.00"
    ledger = (await api.query(LEDGER, {"case": case}, token=tokens["auditor-sun"]))["data"]
    view = ledger["depositLedger"]
    assert (view["deducted"], view["receipted"], view["bankRecorded"], view["pending"]) == (
        "250.00",
        "250.00",
        "250.00",
        "0.00",
    )
    assert view["reconciled"] is True and view["receiptsValid"] is True
    (entry,) = view["entries"]
    assert entry["status"] == "DONE" and entry["transferNumber"].startswith("102-HK-")
    # and the auditor sees the account masked (four characters at each end)
    assert entry["accountNumber"] == account[:4] + "*" * (len(account) - 8) + account[-4:]
    # and `fyt ledger show` says the same, exiting 0
    shown = await asyncio.to_thread(fyt, app, "ledger", "show", "--case", case)
    assert shown.exit_code == 0, shown.output
    assert "deducted 250.00, receipts 250.00 (signatures OK)" in shown.output
    assert shown.output.strip().endswith("reconciled")
    # when a receipt in the hub's ledger is altered (the amount raised)
    async with app.state.runtime.engine.begin() as conn:
        row = (
            await conn.execute(
                select(deposit_deductions.c.receipt).where(deposit_deductions.c.case_number == case)
            )
        ).scalar_one()
        forged = json.dumps({**json.loads(row), "amount": "260.00"}, ensure_ascii=False)
        await conn.execute(
            update(deposit_deductions)
            .where(deposit_deductions.c.case_number == case)
            .values(receipt=forged)
        )
    # then the ledger no longer reconciles, in the auditor's view and the command's
    view = (await api.query(LEDGER, {"case": case}, token=tokens["auditor-sun"]))["data"]
    assert view["depositLedger"]["reconciled"] is False
    assert view["depositLedger"]["receipted"] == "260.00"
    assert view["depositLedger"]["receiptsValid"] is False
    shown = await asyncio.to_thread(fyt, app, "ledger", "show", "--case", case)
    assert shown.exit_code == 1 and "NOT RECONCILED" in shown.output, shown.output


async def test_a_worker_that_dies_after_the_bank_moved_the_money_never_moves_it_twice(
    api: Api, app: Any, demo: dict[str, Any], target_sample: dict[str, str], account: str
) -> None:
    # given a deduction of 100.00 from a freeze of 600.00
    case = await case_of(app, demo, target_sample)
    order = await frozen(api, app, case, account, "600.00")
    body = await api.query(DEDUCT, {"input": {"orderId": order["id"], "amount": "100.00",
                                              "rulingNumber": RULING,
                                              "idempotencyKey": uuid.uuid4().hex}})  # fmt: skip
    deduction = body["data"]["depositDeduct"]["deduction"]
    runtime = app.state.runtime
    bank = runtime.sources["bank:102"]

    class CrashAfterTransfer:
        """The bank makes the transfer; the worker dies before the hub records it."""

        def __getattr__(self, name: str) -> Any:
            return getattr(bank, name)

        async def transfer(self, notice: Any) -> Any:
            await bank.transfer(notice)
            raise ConnectionResetError("worker lost its connection after the bank answered")

    # when the worker's pass dies after the bank's transfer
    await deliver_pending(
        runtime.engine,
        sources={**runtime.sources, "bank:102": CrashAfterTransfer()},
        keys=runtime.order_keys,
    )
    # then the bank moved it (balance 900.00) but the hub holds it PENDING, nothing recorded
    assert balance(app, account) == Decimal("900.00")
    async with runtime.engine.connect() as conn:
        status = (
            await conn.execute(
                select(deposit_deductions.c.status).where(
                    deposit_deductions.c.id == deduction["id"]
                )
            )
        ).scalar_one()
    assert status == "PENDING"
    # when the worker runs again (after the retry's backoff), and once more
    later = datetime.now(UTC) + timedelta(minutes=10)
    await work(app, now=later)
    await work(app, now=later)
    # then the bank read its transfer back: one transfer, the balance 900.00, the ledger DONE
    assert balance(app, account) == Decimal("900.00")
    with bank.engine.connect() as conn:
        moved = (
            conn.execute(
                select(bank_tables.transfers.c.amount).where(
                    bank_tables.transfers.c.account_number == account
                )
            )
            .scalars()
            .all()
        )
    assert [Decimal(m) for m in moved] == [Decimal("100.00")]
    now = (await api.query(ORDER, {"id": order["id"]}))["data"]["freezeOrder"]
    assert now["frozenAmount"] == "500.00"
    async with runtime.engine.connect() as conn:
        status = (
            await conn.execute(
                select(deposit_deductions.c.status).where(
                    deposit_deductions.c.id == deduction["id"]
                )
            )
        ).scalar_one()
    assert status == "DONE"


async def test_a_bank_officer_sees_the_orders_addressed_to_the_bank_and_nothing_else(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    tokens: dict[str, str],
    target_sample: dict[str, str],
    account: str,
) -> None:
    # given a freeze of the account at 工商银行 (bank:102)
    case = await case_of(app, demo, target_sample)
    order = await frozen(api, app, case, account, "10.00")
    # when the bank's officer lists the orders
    body = await api.query(INBOX, token=tokens["bank-qian"])
    nodes = body["data"]["freezeOrders"]["nodes"]
    # then only orders addressed to bank:102 are there, the owner's ID number masked
    assert order["id"] in {n["id"] for n in nodes}
    assert {n["agency"] for n in nodes} == {"bank:102"}
    mine = next(n for n in nodes if n["id"] == order["id"])
    assert mine["ownerId"] != target_sample["idNumber"] and "*" in mine["ownerId"]
    # and a profile, or the ledger, is refused
    person = await api.query(
        "query($id: String!) { person(idNumber: $id) { identity { name } } }",
        {"id": target_sample["idNumber"]},
        token=tokens["bank-qian"],
    )
    assert person["data"]["person"] is None
    assert person["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    ledger = await api.query(LEDGER, {"case": case}, token=tokens["bank-qian"])
    assert ledger["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_deductions_and_the_ledger_view_are_on_the_audit_record(
    api: Api,
    app: Any,
    demo: dict[str, Any],
    tokens: dict[str, str],
    target_sample: dict[str, str],
    account: str,
) -> None:
    from hub.audit.models import audit_entries

    # given a freeze of 50.00 in effect
    case = await case_of(app, demo, target_sample)
    order = await frozen(api, app, case, account, "50.00")

    async def actions(response: Any) -> list[tuple[str, str | None, str]]:
        rid = response.headers["X-Request-Id"]
        async with app.state.runtime.engine.connect() as conn:
            rows = await conn.execute(
                select(
                    audit_entries.c.action, audit_entries.c.case_number, audit_entries.c.outcome
                ).where(audit_entries.c.request_id == rid)
            )
            return [tuple(r) for r in rows]

    # when the judge deducts 20.00, and a judge of another court tries to deduct from it
    ask = {"orderId": order["id"], "amount": "20.00", "rulingNumber": RULING,
           "idempotencyKey": uuid.uuid4().hex}  # fmt: skip
    done = await api.post(DEDUCT, {"input": ask})
    refused = await api.post(
        DEDUCT, {"input": {**ask, "idempotencyKey": uuid.uuid4().hex}}, token=tokens["judge-li"]
    )
    await work(app)
    # and the auditor reads the ledger
    viewed = await api.post(LEDGER, {"case": case}, token=tokens["auditor-sun"])
    # then each is on record: the deduction, the other court's refusal, the view of the ledger
    assert await actions(done) == [("DEPOSIT_DEDUCT", case, "OK")]
    assert [(a, o) for a, _, o in await actions(refused)] == [("DEPOSIT_DEDUCT", "DENIED")]
    assert [(a, c) for a, c, _ in await actions(viewed)] == [("DEPOSIT_LEDGER_VIEW", None)]


async def test_no_deduction_is_made_in_a_closed_case_nor_from_a_waiting_freeze(
    api: Api, app: Any, demo: dict[str, Any], target_sample: dict[str, str], account: str
) -> None:
    from hub.cases.models import cases

    # given a freeze holding the whole 1000.00 and another case's freeze waiting behind it
    case, other = await case_of(app, demo, target_sample), await case_of(app, demo, target_sample)
    held = await frozen(api, app, case, account, "1000.00")
    waiting = await frozen(api, app, other, account, "10.00")
    assert waiting["status"] == "WAITING"
    ask = {"amount": "1.00", "rulingNumber": RULING}
    # when money is asked from the waiting freeze: then CONFLICT, nothing frozen to draw from
    body = await api.query(
        DEDUCT, {"input": {**ask, "orderId": waiting["id"], "idempotencyKey": uuid.uuid4().hex}}
    )
    (error,) = body["data"]["depositDeduct"]["errors"]
    assert (error["code"], error["reason"]) == ("CONFLICT", "FREEZE_NOT_EFFECTIVE")
    # when the first case is closed and money is asked from its freeze: then refused
    async with app.state.runtime.engine.begin() as conn:
        await conn.execute(update(cases).where(cases.c.case_number == case).values(status="CLOSED"))
    body = await api.query(
        DEDUCT, {"input": {**ask, "orderId": held["id"], "idempotencyKey": uuid.uuid4().hex}}
    )
    (error,) = body["data"]["depositDeduct"]["errors"]
    assert (error["code"], error["reason"]) == ("FORBIDDEN", "CASE_CLOSED")
    # and nothing was asked of the bank
    async with app.state.runtime.engine.connect() as conn:
        count = (
            await conn.execute(
                select(func.count()).where(deposit_deductions.c.account_number == account)
            )
        ).scalar_one()
    assert count == 0 and balance(app, account) == Decimal("1000.00")


MY_MONEY = """{ myEnterprise {
  cases { caseNumber role deducted }
  measures { id assetType assetId status amount frozenAmount currency deducted } } }"""


async def test_the_party_sees_the_amounts_frozen_and_deducted_in_its_cases(
    api: Api, app: Any, mint: Any, demo: dict[str, Any]
) -> None:
    # given an enterprise that is 被执行人 of a case, with an account of 1000.00 frozen for 600.00
    enterprise = await unlisted_enterprise(app)
    owner = {"uscc": enterprise.uscc, "name": enterprise.name}
    number = fresh_account(app, owner, balance="1000.00")
    try:
        applicant = demo["samples"]["enterprises"][0]
        case = await add_case(
            app,
            [
                ("申请执行人", "ENTERPRISE", applicant["uscc"], applicant["name"]),
                ("被执行人", "ENTERPRISE", enterprise.uscc, enterprise.name),
            ],
        )
        order = await frozen(api, app, case, number, "600.00")
        # and 250.00 deducted from it by a ruling
        ask = {"orderId": order["id"], "amount": "250.00", "rulingNumber": RULING,
               "idempotencyKey": uuid.uuid4().hex}  # fmt: skip
        body = await api.query(DEDUCT, {"input": ask})
        assert body["data"]["depositDeduct"]["errors"] == [], body
        await work(app)
        # when its authorised person reads the enterprise's zone
        token = mint(sub=fresh_person(), org=f"enterprise:{enterprise.uscc}",
                     roles=("enterprise_party",))  # fmt: skip
        mine = await api.query(MY_MONEY, token=token)
        assert "errors" not in mine, mine
        zone = mine["data"]["myEnterprise"]
        # then the freeze shows what was asked, what the bank holds now and what was deducted
        (measure,) = [m for m in zone["measures"] if m["id"] == order["id"]]
        assert (measure["assetType"], measure["assetId"], measure["status"]) == (
            "DEPOSIT", number, "EFFECTIVE"
        )
        assert (measure["amount"], measure["frozenAmount"], measure["currency"]) == (
            "600.00", "350.00", "CNY"
        )
        assert measure["deducted"] == "250.00"
        # and the case says how much was deducted in it
        assert [c["deducted"] for c in zone["cases"] if c["caseNumber"] == case] == ["250.00"]
        # and the applicant's zone says the same of the case, in its role
        for_applicant = mint(sub=fresh_person(), org=f"enterprise:{applicant['uscc']}",
                             roles=("enterprise_party",))  # fmt: skip
        theirs = (await api.query(MY_MONEY, token=for_applicant))["data"]["myEnterprise"]
        assert [(c["role"], c["deducted"]) for c in theirs["cases"] if c["caseNumber"] == case] == [
            ("申请执行人", "250.00")
        ]
        # and a measure on another asset carries no amounts
        others = [m for m in theirs["measures"] + zone["measures"] if m["assetType"] != "DEPOSIT"]
        assert all(
            (m["amount"], m["frozenAmount"], m["currency"], m["deducted"]) == (None,) * 4
            for m in others
        )
    finally:
        strike_off(app, number)
