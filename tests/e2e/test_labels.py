"""Every page of every demo role speaks Chinese: no raw code, org, court code or "null".

The pages are filled first with what makes codes appear (orders in every state, an agency's own
measures in a line, list entries ended, refused and flagged look-ups, checks, the audit log of
all of it), then each demo user visits every page of their menu and the pages reached from
them, dialogs opened, and the visible text is scanned. Only the identifiers in ``ALLOWED`` may
hold Latin capitals. The release dialog names what it releases; an enterprise party's legal
representative opens from the enterprise's profile.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, insert

from connectors.real_estate.models import owners, seizures, units
from tests.e2e.conftest import WAIT_MS, Console, PartyWorld
from tests.e2e.test_console import respondents
from tests.hub.test_serve import Server

# What a page must not show: codes (ORDER_SUBMIT, RELEASED, PURPOSE_REQUIRED), raw agency keys
# (real_estate), raw orgs (court:370602), bare court codes, and what a missing value prints as.
CODE = re.compile(r"[A-Z][A-Z_]{2,}")
KEY = re.compile(r"[a-z]+_[a-z_]+")
ORG = re.compile(r"\b(?:court|agency|bank):")
COURT_CODE = re.compile(r"(?<![0-9A-Za-z])37\d{4}(?![0-9A-Za-z])")
MISSING = re.compile(r"\b(?:null|undefined|NaN)\b|\[object Object\]")

# The only Latin capitals a page may show: identifiers and what the log signs.
ALLOWED = [
    # ID numbers, USCCs, VINs, unit and certificate numbers (masked ones too)
    re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Z*]*[0-9])[0-9A-Z*]{15,30}(?![0-9A-Za-z])"),
    # plates: 鲁F12345, 鲁FAB123
    re.compile(r"[\u4e00-\u9fff][A-Z][0-9A-Z]{4,8}(?![0-9A-Za-z])"),
    # order, request, deduction, 查控 and police request ids: FO-2026-1A2B3C4D5E6F, SQ-…, DD-…,
    # CK-…, GA-…
    re.compile(r"(?:FO|SQ|DD|CK|GA)-\d{4}-[0-9A-F]{12}"),
    # the name of the hash an attachment is known by (诉求反映)
    re.compile(r"SHA-256"),
    # hashes, signatures and the signed note's lines (base64)
    re.compile(r"[A-Za-z0-9+/]{40,}={0,2}"),
]

ASSETS_OF = """
query A($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) { identity { name } }
}
"""
SUBMIT = """
mutation S($input: FreezeOrderSubmitInput!) {
  freezeOrderSubmit(input: $input) { order { id status } errors { code message } }
}
"""
STATUS = "query O($id: String!) { freezeOrder(id: $id) { status rank } }"
ACCEPT = """
mutation A($id: String!, $receipt: ReceiptInput!) {
  freezeOrderAccept(id: $id, receipt: $receipt) { order { status } errors { code message } }
}
"""
REJECT = """
mutation R($id: String!, $reason: String!) {
  freezeOrderReject(id: $id, reason: $reason) { order { status } errors { code message } }
}
"""
RELEASE = """
mutation R($id: String!, $input: FreezeOrderReleaseInput!) {
  freezeOrderRelease(id: $id, input: $input) { order { status } errors { code message } }
}
"""
PUBLISH = """
mutation P($input: SanctionEntryPublishInput!) {
  sanctionEntryPublish(input: $input) { entry { id } errors { code message } }
}
"""
DELETE = """
mutation D($id: String!, $input: SanctionEntryDeleteInput!) {
  sanctionEntryDelete(id: $id, input: $input) { entry { status } errors { code message } }
}
"""
CASE_PARTIES = """
{ myCases(status: OPEN, first: 100) { caseNumber parties { role subjectKind subjectId name } } }
"""
REGISTRATION = """
query E($u: String!, $case: String) {
  enterprise(uscc: $u, caseNumber: $case) {
    registration { name legalRepresentativeId legalRepresentativeName }
  }
}
"""


@dataclass
class World:
    """What the pages are filled with."""

    case: str
    person: str  # a respondent of ``case``
    name: str
    units: dict[str, str]  # the respondent's units by the state their order ends in
    orders: dict[str, str]  # order ids by state
    enterprise: tuple[str, str, str, str]  # case, USCC, representative's ID number, name
    listed: str  # a person on the dishonest list (for a blocked check)
    deposit: tuple[str, str, str, str]  # case, owner, account at bank:102, its freeze (deducted)


def _register(hub: Server, owner: str, name: str, serial: int, *, held: bool = False) -> str:
    """A unit registered to ``owner`` alone in the registry's own database; ``held``: with a
    seizure of another court in the register already, and older ones ended."""
    number = f"370602001001TS{serial:05d}F{serial:08d}"
    engine = create_engine(f"sqlite:///{hub.data_dir / 'agencies' / 'real_estate.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(delete(units).where(units.c.unit_number == number))
            conn.execute(delete(owners).where(owners.c.unit_number == number))
            conn.execute(delete(seizures).where(seizures.c.unit_number == number))
            conn.execute(
                insert(units).values(
                    unit_number=number,
                    certificate_number=f"鲁（2026）烟台市不动产权第9{serial:06d}号",
                    address="山东省烟台市芝罘区标签路1号",
                    usage="住宅",
                    area=Decimal("66.00"),
                    ownership_kind="单独所有",
                    registered_on=date(2019, 3, 1),
                )
            )
            conn.execute(
                insert(owners).values(
                    unit_number=number,
                    owner_kind="PERSON",
                    owner_id=owner,
                    owner_name=name,
                    share=Decimal("1.0000"),
                )
            )
            if held:
                for rank, (start, end, status) in enumerate(
                    [
                        (date(2020, 1, 6), date(2023, 1, 5), "EXPIRED"),
                        (date(2023, 1, 6), date(2024, 6, 30), "RELEASED"),
                        (date(2024, 7, 1), date(2027, 6, 30), "EFFECTIVE"),
                    ],
                    start=1,
                ):
                    conn.execute(
                        insert(seizures).values(
                            unit_number=number,
                            court="烟台市牟平区人民法院",
                            case_number=f"（2024）鲁0612执{serial % 1000 + rank}号",
                            document_number=f"（2024）鲁0612执{serial % 1000 + rank}号之一",
                            kind="SEIZE",
                            rank=rank,
                            start_date=start,
                            end_date=end,
                            status=status,
                        )
                    )
    finally:
        engine.dispose()
    return number


def _ok(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    payload = body["data"][field]
    assert payload["errors"] == [], payload
    return payload  # type: ignore[no-any-return]


def _delivered(graphql: Any, order_id: str) -> None:
    deadline = time.monotonic() + 30
    while graphql("judge-zhang", STATUS, {"id": order_id})["data"]["freezeOrder"]["status"] != (
        "DELIVERED"
    ):
        assert time.monotonic() < deadline, f"order {order_id} was not delivered within 30 s"
        time.sleep(0.3)


def _listed(hub: Server) -> str:
    """A person on the dishonest list now, from the hub's own database (the feed shows none)."""
    with sqlite3.connect(hub.data_dir / "hub.sqlite3") as db:
        (listed,) = db.execute(
            "SELECT subject_id FROM sanction_entries WHERE subject_kind = 'PERSON'"
            " AND status = 'ACTIVE' AND list = 'DISHONEST'"
            " AND (ends_on IS NULL OR ends_on >= date('now', '+8 hours')) ORDER BY id LIMIT 1"
        ).fetchone()
    return str(listed)


def _outside_representative(graphql: Any) -> tuple[str, str, str, str]:
    """An enterprise party of the judge's open cases whose legal representative is no party."""
    for c in graphql("judge-zhang", CASE_PARTIES)["data"]["myCases"]:
        ids = {p["subjectId"] for p in c["parties"]}
        for p in c["parties"]:
            if p["subjectKind"] != "ENTERPRISE":
                continue
            body = graphql(
                "judge-zhang", REGISTRATION, {"u": p["subjectId"], "case": c["caseNumber"]}
            )
            reg = body["data"]["enterprise"]["registration"]
            if reg["legalRepresentativeId"] not in ids:
                return (
                    c["caseNumber"],
                    p["subjectId"],
                    reg["legalRepresentativeId"],
                    reg["legalRepresentativeName"],
                )
    pytest.fail("no enterprise party of the demo judge's cases has an outside representative")


@pytest.fixture(scope="module")
def world(hub: Server, graphql: Any) -> World:
    case, person, name = respondents(graphql)[1]
    base = 50000 + int(time.time()) % 40000  # numbers no earlier run of this hub has used
    made = {
        state: _register(hub, person, name, base + i, held=state == "WAITING")
        for i, state in enumerate(("EFFECTIVE", "REJECTED", "RELEASED", "WAITING", "DELIVERED"))
    }
    orders: dict[str, str] = {}
    for state, unit in made.items():
        payload = _ok(
            graphql(
                "judge-zhang",
                SUBMIT,
                {
                    "input": {
                        "kind": "SEIZE",
                        "asset": {"type": "REAL_ESTATE", "id": unit},
                        "caseNumber": case,
                        "rulingNumber": f"（2026）鲁0602执保{base % 1000}号之{'一二三四五'[len(orders)]}",
                        "idempotencyKey": f"labels-{unit}",
                        "overSeizureReason": "端到端测试",
                    }
                },
            ),
            "freezeOrderSubmit",
        )
        orders[state] = payload["order"]["id"]
    for state, order in orders.items():
        _delivered(graphql, order)
        now = datetime.now(UTC).isoformat()
        if state in ("EFFECTIVE", "RELEASED", "WAITING"):
            receipt = {
                "documentNumber": f"烟不动产查字〔2026〕{base % 1000}号",
                "registeredAt": now,
            }
            _ok(
                graphql("registry-wang", ACCEPT, {"id": order, "receipt": receipt}),
                "freezeOrderAccept",
            )
        elif state == "REJECTED":
            _ok(
                graphql("registry-wang", REJECT, {"id": order, "reason": "该不动产单元已注销"}),
                "freezeOrderReject",
            )
    _ok(
        graphql(
            "judge-zhang",
            RELEASE,
            {
                "id": orders["RELEASED"],
                "input": {"rulingNumber": "（2026）鲁0602执保1号之二", "reason": "被执行人已履行"},
            },
        ),
        "freezeOrderRelease",
    )
    waiting = graphql("judge-zhang", STATUS, {"id": orders["WAITING"]})["data"]["freezeOrder"]
    assert waiting["status"] == "WAITING", waiting
    # a list entry put on and taken off again (解除 of a restriction, or 删除 early), on a list
    # the respondent is not on for the case yet
    for list_, ground, end_ground in (
        ("CONSUMPTION_RESTRICTION", "NOT_PERFORMED", "PERFORMED"),
        ("DISHONEST", "ASSET_REPORT", "EARLY"),
    ):
        entry = {
            "list": list_,
            "grounds": [ground],
            "subject": {"idNumber": person},
            "caseNumber": case,
            "obligation": "支付借款本金及利息",
            "publishedOn": date.today().isoformat(),
        }
        published = graphql("judge-zhang", PUBLISH, {"input": entry})["data"][
            "sanctionEntryPublish"
        ]
        if [e["code"] for e in published["errors"]] == ["CONFLICT"]:
            continue  # already listed for the case: its entry is shown instead
        assert published["errors"] == [], published
        ended = {"ground": end_ground, "reason": "已履行完毕"}
        _ok(
            graphql("judge-zhang", DELETE, {"id": published["entry"]["id"], "input": ended}),
            "sanctionEntryDelete",
        )
        break
    # refusals and checks for the log: no case, not a party, a field refused to a role
    graphql("judge-zhang", ASSETS_OF, {"id": person})
    outsider = next(p for c, p, _ in respondents(graphql) if c != case)
    graphql("judge-zhang", ASSETS_OF, {"id": outsider, "case": case})
    graphql("social-liu", "{ agencyInbox(first: 5) { nodes { id } } }")
    feed = graphql("approval-market", '{ sanctionListChanges(after: "0", first: 5) { hasMore } }')
    assert "errors" not in feed, feed
    enterprise = _outside_representative(graphql)
    return World(
        case, person, name, made, orders, enterprise, listed=_listed(hub), deposit=_deposit(graphql)
    )


DEPOSITS = """
query D($id: String!, $case: String) {
  person(idNumber: $id, caseNumber: $case) {
    assets { deposits { bank accounts { accountNumber currency availableBalance
      freezes { caseNumber } } } }
  }
}
"""
DEDUCT = """
mutation D($input: DepositDeductInput!) {
  depositDeduct(input: $input) { deduction { id } errors { code message } }
}
"""
LEDGER = "query L($case: String!) { depositLedger(caseNumber: $case) { pending deducted } }"


def _deposit(graphql: Any) -> tuple[str, str, str, str]:
    """A freeze of 10.00 on a respondent's account at 中国工商银行 (the demo bank officer's),
    3.00 of it deducted: the bank officer's orders, the judge's 扣划 and the auditor's ledger."""
    for case, owner, _ in reversed(respondents(graphql)):
        body = graphql("judge-zhang", DEPOSITS, {"id": owner, "case": case})
        for bank in body["data"]["person"]["assets"]["deposits"]:
            for a in bank["accounts"] or []:
                if (
                    bank["bank"] == "bank:102"
                    and a["currency"] == "CNY"
                    and Decimal(a["availableBalance"]) >= 10
                    and all(f["caseNumber"] != case for f in a["freezes"])
                ):
                    number = a["accountNumber"]
                    break
            else:
                continue
            break
        else:
            continue
        order = _ok(
            graphql(
                "judge-zhang",
                SUBMIT,
                {
                    "input": {
                        "kind": "FREEZE",
                        "asset": {"type": "DEPOSIT", "id": number},
                        "caseNumber": case,
                        "rulingNumber": case.replace("号", "号之一"),
                        "amount": "10.00",
                        "idempotencyKey": f"labels-{number}",
                        "overSeizureReason": "端到端测试",
                    }
                },
            ),
            "freezeOrderSubmit",
        )["order"]["id"]
        deadline = time.monotonic() + 30
        while graphql("judge-zhang", STATUS, {"id": order})["data"]["freezeOrder"]["status"] != (
            "EFFECTIVE"
        ):
            assert time.monotonic() < deadline, f"freeze {order} not in effect within 30 s"
            time.sleep(0.3)
        deduction = {
            "orderId": order,
            "amount": "3.00",
            "rulingNumber": case.replace("号", "号之二"),
            "idempotencyKey": f"labels-deduct-{number}",
        }
        _ok(graphql("judge-zhang", DEDUCT, {"input": deduction}), "depositDeduct")
        while graphql("auditor-sun", LEDGER, {"case": case})["data"]["depositLedger"][
            "pending"
        ] != ("0.00"):
            assert time.monotonic() < deadline, "the deduction was not made within 30 s"
            time.sleep(0.3)
        return case, owner, number, order
    pytest.fail("no respondent of the demo judge holds a CNY account at 中国工商银行")


# --- scanning ----------------------------------------------------------------------------------


def offences(text: str) -> list[str]:
    """The raw codes, keys, orgs, court codes and missing values in a page's visible text."""
    for allowed in ALLOWED:
        text = allowed.sub(" ", text)
    found = []
    for pattern in (CODE, KEY, ORG, COURT_CODE, MISSING):
        for m in pattern.finditer(text):
            context = text[max(0, m.start() - 20) : m.end() + 20].replace("\n", " ")
            found.append(f"{m.group(0)!r} in …{context}…")
    return found


async def scan(tab: Console, where: str, seen: dict[str, list[str]]) -> None:
    """The visible text of the page now (details opened, dialogs included)."""
    await tab.page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true })")
    text = await tab.page.evaluate("document.body.innerText")
    bad = offences(text)
    if bad:
        seen[where] = bad


async def visit(tab: Console, hash_: str, ready: str, seen: dict[str, list[str]]) -> None:
    await tab.go(hash_, ready)
    await scan(tab, hash_, seen)


async def dialog(tab: Console, opener: str, seen: dict[str, list[str]], where: str) -> str:
    """Open a dialog, scan the page with it, close it; its text."""
    await tab.page.click(opener)
    await tab.page.wait_for_selector("dialog[open]", timeout=WAIT_MS)
    await scan(tab, where, seen)
    text = await tab.text("dialog[open]")
    await tab.page.click("dialog[open] button.secondary")
    await tab.page.wait_for_selector("dialog", state="detached", timeout=WAIT_MS)
    return text


def test_the_scan_finds_what_the_issue_reported() -> None:
    """The scanner itself: each reported kind of raw text is found, the identifiers pass."""
    reported = [
        "操作 ORDER_SUBMIT 成功",
        "状态 RELEASED",
        "已送达real_estate，待其登记回执",
        "法院 / 案号 370602 （2026）鲁0602执1号",
        "单位 court:370602",
        "无记录\nnull",
        "根哈希 undefined",
    ]
    for text in reported:
        assert offences(text), text
    identifiers = (
        "370602195904021480 37**************80 91370683165403481K LVBDV08MXRW053988 "
        "鲁FX6757 鲁FAB123 370602002019GB00222F00050073 FO-2026-A1B2C3D4E5F6 CK-2026-ABCDEF012345 "
        "GA-2026-ACFC2D8E75DD "
        "（2026）鲁0602执123号 judge-zhang YOrtezZ2YKcCEHjVfgC1eAehLg3E2+qX4yeMKKSl8LY= "
        "— fyt-hub.local/audit ipuknD5o+SKGDKqjMu+r+BhazPAVc4QEsKq7ICvUqXzJ5lRJN/VQTVvnyv"
    )
    assert offences(identifiers) == []


USERS = [
    "judge-zhang",
    "judge-zhou",
    "judge-li",
    "registry-wang",
    "market-zhao",
    "police-chen",
    "social-liu",
    "auditor-sun",
    "approval-market",
    "approval-registry",
    "bank-qian",
    "party",  # the demo enterprise party (its user id is the person's ID number)
]


FILE_REQUEST = """mutation($input: PartyRequestFileInput!) {
  partyRequestFile(input: $input) { request { id } errors { code reason rule } }
}"""
ANSWER_REQUEST = """mutation($id: String!, $input: PartyRequestAnswerInput!) {
  partyRequestAnswer(id: $id, input: $input) { request { id status } errors { code reason rule } }
}"""


@pytest.fixture(scope="module")
def requests_filed(graphql: Any, party: dict[str, Any]) -> dict[str, str]:
    """Requests of the demo party on its case of judge-zhang's: one answered (已阅), one open,
    with an attachment, so the party's 我的诉求 and the judge's 诉求反映 show both states."""
    cases = graphql(party["id"], "{ myEnterprise { cases { caseNumber role } } }")
    case = next(
        c["caseNumber"] for c in cases["data"]["myEnterprise"]["cases"] if c["role"] == "申请执行人"
    )
    made = {}
    for status, which in (("NOTED", "第一次"), ("OPEN", "第二次")):
        body = graphql(
            party["id"],
            FILE_REQUEST,
            {
                "input": {
                    "caseNumber": case,
                    "kind": "PERFORMANCE",
                    "text": f"请督促被执行人履行付款义务（{which}反映）。",
                    "attachments": [{"name": "付款通知.pdf", "sha256": "ab" * 32}],
                }
            },
        )
        made[status] = _ok(body, "partyRequestFile")["request"]["id"]
    answered = graphql(
        "judge-zhang",
        ANSWER_REQUEST,
        {"id": made["NOTED"], "input": {"decision": "NOTED", "text": "已收悉，本院将依法办理。"}},
    )
    assert _ok(answered, "partyRequestAnswer")["request"]["status"] == "NOTED"
    return made


INQUIRY_FILE = """mutation($case: String!, $subjects: [String!]!) {
  depositInquiryFile(input: {caseNumber: $case, subjects: $subjects}) {
    inquiry { id } errors { code reason rule } } }"""
INQUIRY_STATUS = """query($id: String!) { depositInquiry(id: $id) { status } }"""


@pytest.fixture(scope="module")
def inquiry_filed(graphql: Any, world: World) -> str:
    """A 查控 request of judge-zhang's for the world's respondent, every bank answered, so the
    list and the request's page show banks' states and accounts."""
    made = _ok(
        graphql("judge-zhang", INQUIRY_FILE, {"case": world.case, "subjects": [world.person]}),
        "depositInquiryFile",
    )["inquiry"]["id"]
    deadline = time.monotonic() + 60
    while (
        graphql("judge-zhang", INQUIRY_STATUS, {"id": made})["data"]["depositInquiry"]["status"]
        != "DONE"
    ):
        assert time.monotonic() < deadline, "the banks did not answer within 60 s"
        time.sleep(0.5)
    return str(made)


def extra_pages(user: str, w: World, inquiry: str = "") -> list[tuple[str, str]]:
    """Pages reached from the menu (profiles, forms, filtered lists) and what says they are up."""
    case_q = f"case={w.case}"
    e_case, uscc, rep, _ = w.enterprise
    d_case, d_owner, d_account, d_order = w.deposit
    if user == "judge-zhang":
        return [
            (f"#/inquiry?id={inquiry}", "#inquiry-bank-list"),
            (f"#/inquiry/new?{case_q}", "#inquiry-subjects .subject"),
            (f"#/inquiries?{case_q}", f"tr[data-inquiry='{inquiry}']"),
            (f"#/lookup?kind=PERSON&id={w.person}&{case_q}", "#profile"),
            (f"#/lookup?kind=ENTERPRISE&id={uscc}&case={e_case}", "#profile"),
            (f"#/lookup?kind=PERSON&id={rep}&case={e_case}&via={uscc}", "#profile"),
            (f"#/lookup?kind=PERSON&id={w.person}", "#lookup-refused"),
            (
                f"#/order/new?type=REAL_ESTATE&id={w.units['WAITING']}&{case_q}",
                "#order-outstanding",
            ),
            (f"#/orders?{case_q}", f"tr[data-order='{w.orders['WAITING']}']"),
            (f"#/lookup?kind=PERSON&id={d_owner}&case={d_case}", f"[data-deduct='{d_order}']"),
            (
                f"#/order/new?type=DEPOSIT&id={d_account}&case={d_case}&available=1.00&currency=CNY",
                "#order-amount",
            ),
            ("#/orders?expiring=30", "#orders-list"),
        ]
    if user in ("registry-wang", "police-chen", "social-liu"):
        return [
            (f"#/lookup?kind=PERSON&id={w.person}", "#profile"),
            (f"#/lookup?kind=ENTERPRISE&id={uscc}", "#profile"),
        ]
    if user == "market-zhao":
        return [(f"#/lookup?kind=ENTERPRISE&id={uscc}", "#profile")]
    if user == "party":  # another role's pages, refused by the console itself
        return [("#/cases", "#route-refused"), ("#/audit", "#route-refused")]
    if user == "auditor-sun":
        return [
            (f"#/audit/history?id={w.person}", "#history-results"),
            ("#/audit?org=court%3A370602", "#audit-results"),
            ("#/audit?flag=NO_CASE", "#audit-results"),
            (f"#/audit/ledger?case={d_case}", "#ledger-summary"),
        ]
    if user == "bank-qian":
        return [("#/handled", f"tr[data-order='{d_order}']")]
    return []


@pytest.mark.parametrize("user", USERS)
async def test_no_page_of_any_role_shows_a_raw_code(
    console: Console,
    world: World,
    party: dict[str, Any],
    party_world: PartyWorld,
    requests_filed: dict[str, str],
    inquiry_filed: str,
    user: str,
) -> None:
    seen: dict[str, list[str]] = {}
    # given the sign-in page, which names every demo user's org (the party's pages with
    # measures in every state and list entries in force and ended: party_world; requests open
    # and answered, in the party's 我的诉求 and the judge's 诉求反映: requests_filed)
    user_id = party["id"] if user == "party" else user
    await console.open("#/signin")
    await console.page.wait_for_selector(f"[data-user='{user_id}']", timeout=WAIT_MS)
    await scan(console, "#/signin", seen)
    # when the user visits every page of the menu, and the pages reached from them
    await console.sign_in(user_id)
    menu = await console.page.eval_on_selector_all("#nav a", "links => links.map(a => a.hash)")
    assert menu, "no menu"
    if user == "party":
        assert menu == [
            "#/my/cases",
            "#/my/measures",
            "#/my/credit",
            "#/my/requests",
            "#/my/documents",
        ]
    for hash_ in menu:
        await visit(console, hash_, "#app[data-ready]", seen)
    for hash_, ready in extra_pages(user, world, inquiry_filed):
        await visit(console, hash_, ready, seen)
    # and opens the dialogs of the pages
    if user == "judge-zhang":
        open_request = f"[data-answer='{requests_filed['OPEN']}']"
        await console.go("#/requests?status=OPEN", open_request)
        await dialog(console, open_request, seen, "answer")
        await console.go("#/requests?status=NOTED", f"[data-request='{requests_filed['NOTED']}']")
        await scan(console, "#/requests?status=NOTED", seen)
        await console.go("#/orders", f"[data-release='{world.orders['EFFECTIVE']}']")
        await dialog(console, f"[data-release='{world.orders['EFFECTIVE']}']", seen, "release")
        await dialog(console, f"[data-renew='{world.orders['EFFECTIVE']}']", seen, "renew")
        await console.go(
            f"#/lookup?kind=PERSON&id={world.person}&case={world.case}", "#sanction-publish"
        )
        await dialog(console, "#sanction-publish", seen, "publish")
        deposit = world.deposit
        await console.go(
            f"#/lookup?kind=PERSON&id={deposit[1]}&case={deposit[0]}",
            f"[data-deduct='{deposit[3]}']",
        )
        await dialog(console, f"[data-deduct='{deposit[3]}']", seen, "deduct")
        await console.go(f"#/orders?case={deposit[0]}", f"[data-deduct='{deposit[3]}']")
        await dialog(console, f"[data-deduct='{deposit[3]}']", seen, "deduct from the orders")
        await console.go(
            f"#/lookup?kind=PERSON&id={world.person}&case={world.case}", "#sanction-publish"
        )
        revoke = console.page.locator("[data-section='legal'] [data-revoke]")
        if await revoke.count():
            await dialog(console, "[data-section='legal'] [data-revoke] >> nth=0", seen, "revoke")
    if user == "registry-wang":
        await console.go("#/inbox", f"[data-accept='{world.orders['DELIVERED']}']")
        await dialog(console, f"[data-accept='{world.orders['DELIVERED']}']", seen, "accept")
        await dialog(console, f"[data-reject='{world.orders['DELIVERED']}']", seen, "reject")
    if user.startswith("approval-"):
        # a check that blocks and one that lets through, for a matter the department grants
        for subject in (world.listed, world.person):
            await console.go("#/check", "#check-matter")
            await console.page.fill("#check-id", subject)
            await console.page.click("form:has(#check-id) button[type=submit]")
            await console.page.wait_for_selector("#check-decision", timeout=WAIT_MS)
            await scan(console, f"#/check {subject}", seen)
    if user == "auditor-sun":
        await console.go("#/audit/integrity", "#verify-now")
        await console.page.click("#verify-now")
        await console.page.wait_for_selector("#verify-status", timeout=60_000)
        await scan(console, "#/audit/integrity (verified)", seen)
    # then no page shows a code, a raw org or court code, or a missing value
    assert seen == {}, "\n".join(f"{where}: {bad}" for where, bads in seen.items() for bad in bads)


# --- what the pages say ------------------------------------------------------------------------


async def test_the_release_dialog_names_the_order_and_the_asset(
    console: Console, world: World
) -> None:
    # given the judge's order in effect on a unit
    order, unit = world.orders["EFFECTIVE"], world.units["EFFECTIVE"]
    await console.sign_in("judge-zhang")
    await console.go("#/orders", f"[data-release='{order}']")
    # when the judge opens its release
    await console.page.click(f"[data-release='{order}']")
    await console.page.wait_for_selector("dialog[open]", timeout=WAIT_MS)
    text = await console.text("dialog[open]")
    # then the dialog says which measure on which asset, which document, which case
    assert "解除查封：查封不动产" in text
    assert unit in text and order in text and world.case in text
    assert "不动产登记机构" in text
    await console.shot("judge-release-dialog")
    await console.page.click("dialog[open] button.secondary")


async def test_the_bank_officer_sees_the_freeze_of_deposits_with_its_amounts(
    console: Console, world: World, graphql: Any
) -> None:
    # given a freeze of 10.00 at the officer's bank, 3.00 of it deducted
    case, _owner, number, order = world.deposit
    answer = graphql(
        "bank-qian",
        "query O($id: String!) { freezeOrder(id: $id) { amount frozenAmount ownerId } }",
        {"id": order},
    )["data"]["freezeOrder"]
    assert (answer["amount"], answer["frozenAmount"]) == ("10.00", "7.00")
    # when the bank's officer lists the orders addressed to the bank
    await console.sign_in("bank-qian")
    await console.go("#/handled", f"tr[data-order='{order}']")
    row = await console.text(f"tr[data-order='{order}']")
    # then the freeze names the account, the court and case, what was asked and what is held
    assert "冻结银行存款" in row and number in row and case in row
    assert "冻结金额 10.00 元" in row and "银行现冻结 7.00 元" in row
    assert "烟台市芝罘区人民法院" in row


async def test_the_inbox_and_the_line_name_the_court(console: Console, world: World) -> None:
    # given an order of 烟台市芝罘区人民法院 waiting for the registry's answer
    await console.sign_in("registry-wang")
    row = f"tr[data-order='{world.orders['DELIVERED']}']"
    await console.go("#/inbox", row)
    # then the inbox names the court, not its code
    assert "烟台市芝罘区人民法院" in await console.text(row)
    await console.sign_out()
    # and the judge's waiting order names the court ahead of it, from the agency's register
    await console.sign_in("judge-zhang")
    await console.go(f"#/orders?case={world.case}", f"tr[data-order='{world.orders['WAITING']}']")
    await console.page.evaluate(
        "document.querySelectorAll('details').forEach(d => { d.open = true })"
    )
    line = await console.text(f"tr[data-order='{world.orders['WAITING']}']")
    assert "轮候中" in line and "烟台市牟平区人民法院" in line and "登记机关在册" in line


async def test_a_judge_opens_the_legal_representative_from_the_enterprise(
    console: Console, world: World
) -> None:
    """The 法定代表人 link on an enterprise's profile always failed for a judge ("该主体不是所选
    案件的当事人"): it looked the person up alone, and a representative is rarely a party."""
    case, uscc, representative, name = world.enterprise
    # given the judge on the profile of an enterprise party, whose representative is no party
    await console.sign_in("judge-zhang")
    await console.go(f"#/lookup?kind=ENTERPRISE&id={uscc}&case={case}", "#profile")
    link = console.page.locator(
        "[data-section='registration'] [data-field='legalRepresentative'] a"
    )
    assert await link.inner_text() == name
    # when the judge follows the link
    await link.click()
    await console.page.wait_for_function("() => location.hash.includes('kind=PERSON')")
    await console.ready()
    await console.page.wait_for_selector("#profile", timeout=WAIT_MS)
    # then the representative's profile opens, as the enterprise's representative
    heading = await console.text("#profile h1")
    assert name in heading and representative in heading
    assert "法定代表人" in await console.text("#representative-note")
    assert name in await console.text("[data-section='identity'] [data-field='name']")
    # and their property stays the respondent's business: the asset sections say why not
    assert "非本案被执行人" in await console.text("[data-section='assets']")
    assert await console.page.locator("#lookup-refused").count() == 0
    await console.shot("judge-legal-representative")


async def test_an_officer_with_masked_names_gets_no_representative_link(
    console: Console, world: World
) -> None:
    # given the market officer, who sees persons' names and ID numbers masked
    _, uscc, representative, name = world.enterprise
    await console.sign_in("market-zhao")
    # when the officer opens the enterprise
    await console.go(f"#/lookup?kind=ENTERPRISE&id={uscc}", "#profile")
    cell = "[data-section='registration'] [data-field='legalRepresentative']"
    # then the representative is masked and not a link (no label reveals them)
    assert await console.page.locator(f"{cell} a").count() == 0
    shown = await console.text(cell)
    assert "*" in shown and name not in shown
    assert representative not in await console.page.inner_text("main")
