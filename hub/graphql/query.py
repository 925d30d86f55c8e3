"""The root Query: subjects by identifier (validated before any look-up), the caller, their cases."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from hub.errors import BadUserInput, ConnectorFailed
from hub.federation import lookups as L
from hub.graphql.context import ctx
from hub.graphql.court import Case, Me, resolve_me, resolve_my_cases
from hub.graphql.enums import CaseStatus
from hub.graphql.subjects import Enterprise, Person
from hub.identifiers import check_id_number, check_uscc, normalize_case_number


def _purpose(info: Info[Any, Any], case_number: str | None) -> str | None:
    return normalize_case_number(case_number) if case_number is not None else None


async def _exist(info: Info[Any, Any], lookup: L.Lookup, keys: list[str]) -> list[bool]:
    """Which subjects the authoritative agency knows. If it cannot answer, every subject is
    returned and the agency's own fields carry the error (the rest of the profile still loads)."""
    try:
        found = await ctx(info).loaders.load_many(lookup, keys)
    except ConnectorFailed:
        return [True] * len(keys)
    return [rec is not None for rec in found]


def _batch(info: Info[Any, Any], values: list[str], argument: str) -> None:
    limit = ctx(info).runtime.settings.max_batch_subjects
    if not values:
        raise BadUserInput(
            f"{argument} must name at least one subject", argument=argument, rule="BATCH_EMPTY"
        )
    if len(values) > limit:
        raise BadUserInput(
            f"{argument} names {len(values)} subjects; at most {limit} per call — split the batch",
            argument=argument,
            rule="BATCH_SIZE",
        )


@strawberry.type
class Query:
    @strawberry.field(description="The authenticated caller")
    async def me(self, info: Info) -> Me:
        return await resolve_me(info)

    @strawberry.field(
        description="A person's full profile; null if public security does not know them"
    )
    async def person(
        self, info: Info, id_number: str, case_number: str | None = None
    ) -> Person | None:
        key = check_id_number(id_number)
        _purpose(info, case_number)
        return Person(id_number=key) if (await _exist(info, L.IDENTITIES, [key]))[0] else None

    @strawberry.field(
        description="Up to 1,000 persons at once, in the order asked; null where unknown"
    )
    async def persons(
        self, info: Info, id_numbers: list[str], case_number: str | None = None
    ) -> list[Person | None]:
        _batch(info, id_numbers, "idNumbers")
        keys = [check_id_number(v, argument=f"idNumbers[{i}]") for i, v in enumerate(id_numbers)]
        _purpose(info, case_number)
        found = await _exist(info, L.IDENTITIES, keys)
        return [Person(id_number=k) if ok else None for k, ok in zip(keys, found, strict=True)]

    @strawberry.field(
        description="An enterprise's full profile; null if market supervision does not know it"
    )
    async def enterprise(
        self, info: Info, uscc: str, case_number: str | None = None
    ) -> Enterprise | None:
        key = check_uscc(uscc)
        _purpose(info, case_number)
        return Enterprise(uscc=key) if (await _exist(info, L.ENTERPRISES, [key]))[0] else None

    @strawberry.field(
        description="Up to 1,000 enterprises at once, in the order asked; null where unknown"
    )
    async def enterprises(
        self, info: Info, usccs: list[str], case_number: str | None = None
    ) -> list[Enterprise | None]:
        _batch(info, usccs, "usccs")
        keys = [check_uscc(v, argument=f"usccs[{i}]") for i, v in enumerate(usccs)]
        _purpose(info, case_number)
        found = await _exist(info, L.ENTERPRISES, keys)
        return [Enterprise(uscc=k) if ok else None for k, ok in zip(keys, found, strict=True)]

    @strawberry.field(description="Cases the caller is assigned to, newest first")
    async def my_cases(
        self, info: Info, status: CaseStatus | None = None, first: int = 50, offset: int = 0
    ) -> list[Case]:
        return await resolve_my_cases(info, status, first, offset)
