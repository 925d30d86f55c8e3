"""The demo users with fresh tokens, and sample subjects to look up with them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from hub.auth.tokens import issue_token, load_private_key
from hub.cases import service as cases_service
from hub.cases.models import users
from hub.config import Settings
from hub.db.engine import create_hub_engine

DEMO_JUDGE = "judge-zhang"
DEMO_TOKEN_TTL = timedelta(hours=8)
# The order `fyt demo info` lists users in after the demo judge: by role, as the README's table.
ROLE_ORDER = (
    "enforcement_judge",
    "registry_officer",
    "market_officer",
    "police_officer",
    "social_officer",
    "bank_officer",
    "auditor",
    "approval_system",
    "enterprise_party",
)


def listing_order(user_id: str, org: str, roles: list[str]) -> tuple[int, int, str, str]:
    """The demo judge first, then by role (:data:`ROLE_ORDER`, unknown roles last), org, id."""
    rank = min((ROLE_ORDER.index(r) for r in roles if r in ROLE_ORDER), default=len(ROLE_ORDER))
    return (user_id != DEMO_JUDGE, rank, org, user_id)


def demo_token_ttl(settings: Settings) -> timedelta:
    """How long demo tokens live: 8 hours, or HUB_MAX_TOKEN_LIFETIME if that is shorter."""
    return min(DEMO_TOKEN_TTL, settings.max_token_lifetime)


async def demo_info(settings: Settings, *, ttl: timedelta | None = None) -> dict[str, Any]:
    """The demo users with tokens of ``ttl`` (default :func:`demo_token_ttl`), the demo judge
    first (:func:`listing_order`), and samples."""
    ttl = demo_token_ttl(settings) if ttl is None else ttl
    if ttl > settings.max_token_lifetime:
        raise ValueError("demo tokens may not outlive HUB_MAX_TOKEN_LIFETIME")
    key, kid = load_private_key(settings.private_key_path)
    engine = create_hub_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            user_rows = (await conn.execute(select(users).order_by(users.c.id))).all()
            persons = await cases_service.parties_of_open_cases(
                conn, judge_id=DEMO_JUDGE, subject_kind="PERSON", limit=5
            )
            enterprises = await cases_service.parties_of_open_cases(
                conn, judge_id=DEMO_JUDGE, subject_kind="ENTERPRISE", limit=3
            )
            other_court = await cases_service.parties_of_open_cases(
                conn, court_code="370612", subject_kind="PERSON", limit=1
            )
            closed = await cases_service.parties_of_open_cases(
                conn, judge_id=DEMO_JUDGE, subject_kind="PERSON", status="CLOSED", limit=1
            )
    finally:
        await engine.dispose()
    demo_users = [
        {
            "id": u.id,
            "name": u.name,
            "title": u.title,
            "org": u.org,
            "roles": u.roles.split(),
            "token": issue_token(
                private_key=key,
                kid=kid,
                sub=u.id,
                org=u.org,
                roles=u.roles.split(),
                ttl=ttl,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
            ),
        }
        for u in sorted(user_rows, key=lambda u: listing_order(u.id, u.org, u.roles.split()))
    ]

    def sample(pairs: list[tuple[str, Any]], id_key: str) -> list[dict[str, str]]:
        return [{id_key: p.subject_id, "name": p.name, "caseNumber": case} for case, p in pairs]

    return {
        "users": demo_users,
        "samples": {
            "judge": DEMO_JUDGE,
            "persons": sample(persons, "idNumber"),
            "enterprises": sample(enterprises, "uscc"),
            "otherCourtPersons": sample(other_court, "idNumber"),
            "closedCasePersons": sample(closed, "idNumber"),
        },
    }
