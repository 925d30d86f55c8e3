"""Who checks a restricted matter, and what they report back: 《关于对失信被执行人实施联合惩戒的合作
备忘录》(发改财金〔2016〕141号) names each measure's 实施单位 — a matter is checked by the approval systems
of the departments that grant it, no other; and after a BLOCK the agency reports what it did
(自动监督, 中办发〔2016〕64号), counted in sanctionStats.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from hub.audit.models import audit_entries
from tests.conftest import Api
from tests.hub.test_sanctions import (
    audit_rows,
    free_parties,
    listed,  # noqa: F401  (fixture)
    published,
    today,
)

CHECK = """query($s: SubjectInput!, $m: String!) { sanctionCheck(subject: $s, matter: $m) {
  decision entries { entryId } } }"""
CHECKS = """query($m: String!, $ids: [String!]) { sanctionChecks(matter: $m, idNumbers: $ids) {
  subjectId decision } }"""
CHECKS_WITH_ID = """query($m: String!, $ids: [String!]) { sanctionChecks(matter: $m, idNumbers: $ids) {
  subjectId decision checkId } }"""
MATTERS = """{ sanctionMatters { code checkable departments { code name orgs } } }"""
FEEDBACK = """mutation($input: SanctionCheckFeedbackInput!) { sanctionCheckFeedback(input: $input) {
  feedback { checkId matter action reason checkDay } errors { code message field reason rule } } }"""
STATS = """query($from: Date!, $to: Date!, $g: SanctionStatsGroup!) {
  sanctionStats(from: $from, to: $to, groupBy: $g) { key checks blocked handled overridden } }"""
ORG_MARKET, ORG_REGISTRY = "agency:market_supervision", "agency:real_estate"


async def ask(
    api: Api, query: str, variables: dict[str, Any], token: str
) -> tuple[dict[str, Any], str]:
    response = await api.post(query, variables, token=token)
    assert response.status_code == 200, response.text
    return response.json(), response.headers["X-Request-Id"]


async def stats(api: Api, token: str, group: str) -> dict[str, tuple[int, int, int, int]]:
    span = {"from": (today() - timedelta(days=1)).isoformat(), "to": today().isoformat()}
    body = await api.query(STATS, {**span, "g": group}, token=token)
    assert "errors" not in body, body
    return {
        r["key"]: (r["checks"], r["blocked"], r["handled"], r["overridden"])
        for r in body["data"]["sanctionStats"]
    }


# --- a matter is checked by the departments that grant it ---------------------------------------


async def test_a_matter_checked_by_the_wrong_department_is_refused(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    listed: list[str],  # noqa: F811
) -> None:
    """发改财金〔2016〕141号 names the 实施单位 of each measure: 购买不动产 (法释〔2015〕17号 第三条第一款
    第（三）项) is refused at the real-estate registry, not by market supervision; 担任公司董事、监事、
    高级管理人员 (公司法 第一百七十八条第一款第（五）项) at the company register, not by the registry."""
    party = (await free_parties(app, "PERSON", judge="judge-zhang"))[0]
    await published(api, listed, "DISHONEST", party)
    subject = {"idNumber": party["id"]}
    for user, matter in (
        ("approval-market", "XF-PROPERTY"),
        ("approval-registry", "LH-COMPANY-OFFICER"),
        ("approval-market", "XF-FLIGHT"),
    ):
        # when an approval system checks a matter its department does not grant
        body, rid = await ask(api, CHECK, {"s": subject, "m": matter}, tokens[user])
        # then it is refused, saying who grants it, and no check is answered or counted
        assert body["data"] is None
        [error] = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["reason"]) == (
            "FORBIDDEN",
            "MATTER_NOT_GRANTED",
        ), (user, matter)
        assert matter in error["message"]
        # the attempt is on record as refused, not as a check
        rows = await audit_rows(app, rid)
        assert [(r["action"], r["outcome"]) for r in rows] == [("ACCESS_REFUSED", "DENIED")]
    # a batch is refused whole too
    body, _ = await ask(
        api, CHECKS, {"m": "XF-PROPERTY", "ids": [party["id"]]}, tokens["approval-market"]
    )
    assert body["errors"][0]["extensions"]["reason"] == "MATTER_NOT_GRANTED"
    # the departments that grant them check them
    for user, matter in (
        ("approval-registry", "XF-PROPERTY"),
        ("approval-market", "LH-COMPANY-OFFICER"),
    ):
        body, _ = await ask(api, CHECK, {"s": subject, "m": matter}, tokens[user])
        assert body["data"]["sanctionCheck"]["decision"] == "BLOCK", (user, matter)


async def test_the_catalogue_says_which_matters_the_caller_may_check(
    api: Api, tokens: dict[str, str]
) -> None:
    body = await api.query(MATTERS, token=tokens["approval-registry"])
    matters = {m["code"]: m for m in body["data"]["sanctionMatters"]}
    assert {c for c, m in matters.items() if m["checkable"]} == {
        "XF-PROPERTY",
        "LH-REAL-ESTATE-TRADE",
        "LH-LAND",
        "LH-MINERAL-RIGHTS",
    }
    assert matters["XF-PROPERTY"]["departments"] == [
        {
            "code": "NATURAL_RESOURCES",
            "name": "自然资源主管部门（不动产登记机构）",
            "orgs": [ORG_REGISTRY],
        }
    ]
    # a court reads the catalogue and checks nothing
    body = await api.query(MATTERS, token=tokens["judge-zhang"])
    assert not any(m["checkable"] for m in body["data"]["sanctionMatters"])


# --- what the agency did after a BLOCK --------------------------------------------------------------


async def test_feedback_after_a_block_is_counted_in_sanction_stats(
    api: Api,
    app: Any,
    tokens: dict[str, str],
    listed: list[str],  # noqa: F811
) -> None:
    """自动监督: after 自动比对、自动拦截 the agency reports back what it did — handled (the matter
    refused), or overridden with the reason — and the courts' reports count it (sanctionStats)."""
    parties = await free_parties(app, "PERSON", judge="judge-zhang")
    a, b, clear = parties[0], parties[1], parties[2]
    await published(api, listed, "DISHONEST", a)
    await published(api, listed, "DISHONEST", b)
    registry, market = tokens["approval-registry"], tokens["approval-market"]
    auditor = tokens["auditor-sun"]
    before = {g: await stats(api, auditor, g) for g in ("AGENCY", "MATTER", "MONTH")}
    # given the registry's approval system answered BLOCK for two and ALLOW for one
    body, _ = await ask(
        api,
        CHECKS_WITH_ID,
        {"m": "LH-REAL-ESTATE-TRADE", "ids": [a["id"], b["id"], clear["id"]]},
        registry,
    )
    answers = body["data"]["sanctionChecks"]
    assert [r["decision"] for r in answers] == ["BLOCK", "BLOCK", "ALLOW"]
    check_id = answers[0]["checkId"]
    assert {r["checkId"] for r in answers} == {check_id}

    def feedback(subject: dict[str, str], action: str, reason: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "checkId": check_id,
            "subject": {"idNumber": subject["id"]},
            "action": action,
        }
        if reason is not None:
            payload["reason"] = reason
        return {"input": payload}

    # an override needs its reason
    body, _ = await ask(api, FEEDBACK, feedback(a, "OVERRIDDEN"), registry)
    [error] = body["data"]["sanctionCheckFeedback"]["errors"]
    assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", "REASON_REQUIRED")
    # an ALLOW takes none
    body, _ = await ask(api, FEEDBACK, feedback(clear, "HANDLED"), registry)
    [error] = body["data"]["sanctionCheckFeedback"]["errors"]
    assert (error["code"], error["rule"]) == ("BAD_USER_INPUT", "NOT_A_BLOCK")
    # another agency cannot report on the registry's check
    body, _ = await ask(api, FEEDBACK, feedback(a, "HANDLED"), market)
    [error] = body["data"]["sanctionCheckFeedback"]["errors"]
    assert error["code"] == "NOT_FOUND"
    # when the registry reports one handled and the other overridden
    body, rid = await ask(api, FEEDBACK, feedback(a, "HANDLED"), registry)
    assert body["data"]["sanctionCheckFeedback"] == {
        "feedback": {
            "checkId": check_id,
            "matter": "LH-REAL-ESTATE-TRADE",
            "action": "HANDLED",
            "reason": None,
            "checkDay": today().isoformat(),
        },
        "errors": [],
    }
    body, _ = await ask(
        api, FEEDBACK, feedback(b, "OVERRIDDEN", "执行法院准许以个人财产因私消费"), registry
    )
    assert body["data"]["sanctionCheckFeedback"]["errors"] == []
    # then sanctionStats counts them with the checks, by agency, matter and month
    after = {g: await stats(api, auditor, g) for g in ("AGENCY", "MATTER", "MONTH")}
    for group, key in (
        ("AGENCY", ORG_REGISTRY),
        ("MATTER", "LH-REAL-ESTATE-TRADE"),
        ("MONTH", f"{today():%Y-%m}"),
    ):
        old = before[group].get(key, (0, 0, 0, 0))
        new = after[group][key]
        assert tuple(n - o for n, o in zip(new, old, strict=True)) == (3, 2, 1, 1), group
    # a report is made once
    body, _ = await ask(api, FEEDBACK, feedback(a, "OVERRIDDEN", "改为放行"), registry)
    assert body["data"]["sanctionCheckFeedback"]["errors"][0]["code"] == "CONFLICT"
    assert await stats(api, auditor, "AGENCY") == after["AGENCY"]
    # and each report is on record, with the subject, by the approval system
    [row] = [r for r in await audit_rows(app, rid) if r["action"] == "SANCTION_FEEDBACK"]
    keys = app.state.runtime.audit.keys
    assert (row["user_id"], row["org"], row["outcome"], row["subject_index"]) == (
        "approval-registry",
        ORG_REGISTRY,
        "OK",
        keys.blind_index(a["id"]),
    )
    assert json.loads(row["content"])["detail"] == {
        "checkId": check_id,
        "matter": "LH-REAL-ESTATE-TRADE",
        "action": "HANDLED",
        "reason": None,
    }


async def test_feedback_names_a_check_on_record(api: Api, app: Any, tokens: dict[str, str]) -> None:
    """A report about a check the log does not hold is not found; only approval systems report."""
    party = (await free_parties(app, "PERSON", judge="judge-zhang"))[0]
    variables = {
        "input": {
            "checkId": "no-such-request",
            "subject": {"idNumber": party["id"]},
            "action": "HANDLED",
        }
    }
    body, _ = await ask(api, FEEDBACK, variables, tokens["approval-registry"])
    assert body["data"]["sanctionCheckFeedback"]["errors"][0]["code"] == "NOT_FOUND"
    body, _ = await ask(api, FEEDBACK, variables, tokens["judge-zhang"])
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with app.state.runtime.engine.connect() as conn:
        reported = [
            json.loads(r.content)["detail"]["checkId"]
            for r in await conn.execute(
                select(audit_entries.c.content).where(
                    audit_entries.c.action == "SANCTION_FEEDBACK", audit_entries.c.outcome == "OK"
                )
            )
        ]
    assert "no-such-request" not in reported
