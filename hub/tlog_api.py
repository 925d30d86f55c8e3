"""The audit log's C2SP tlog-tiles read API: the latest signed checkpoint and the hash tiles.

    GET /audit/checkpoint            the latest checkpoint note, with the witnesses' cosignature
                                     lines (text/plain; charset=utf-8)
    GET /audit/tile/<L>/<N>          a full hash tile: 256 hashes of 32 bytes, concatenated
    GET /audit/tile/<L>/<N>.p/<W>    the first W hashes of a tile (application/octet-stream)

``N`` is written as C2SP tlog-tiles writes it (1234067 is ``x001/x234/067``); anything else is
refused (400), and so is any tile the latest checkpoint's tree does not hold at that width
(404). With these a verifier computes an inclusion or consistency proof itself and checks it
against the signed checkpoint with the log's verifier key: it needs no database and no GraphQL.

Who may read them: the roles the policy grants ``Query.auditCheckpoint`` (the checkpoint) and
``Query.auditInclusionProof`` (the tiles), the auditor in the bundled policy, with the same
bearer token as GraphQL. Hash tiles carry no personal data, but the checkpoint and the tiles
tell how many entries the log holds and when it grew, which a judge or an agency cannot ask
GraphQL either; so they are not public. Each read is recorded like an auditor's GraphQL query
(``AUDIT_QUERY``, or ``ACCESS_REFUSED`` when the policy refuses it), durably before the answer
is sent. Witnesses need no read access: the hub sends them each checkpoint with its consistency
proof (C2SP tlog-witness). Entry bundles (``/audit/tile/entries/<N>``) are not served: they
would say who looked at whom; auditors read entries with ``auditEvents`` and ``fyt audit
export``, which carry their own proofs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.base.tlog.tiles import WIDTH, parse_tile_path, tile_width
from hub.audit import queries, tiles
from hub.audit.entries import AccessRecord
from hub.auth.tokens import Principal
from hub.errors import AuditUnavailable, HubError, RateLimited, Unauthenticated
from hub.graphql.view import upstream_request_id
from hub.policy.table import Decision
from hub.responses import error, error_response, header, request_id

CHECKPOINT = "Query.auditCheckpoint"
TILES = "Query.auditInclusionProof"
FULL_CACHE = "private, max-age=31536000, immutable"  # a full tile never changes
PARTIAL_CACHE = "private, no-cache"  # the checkpoint and partial tiles move on
MAX_RECORDED_PATH = 200


@dataclass
class _Outcomes:
    outcomes: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Caller:
    """What an audit entry records of a request (the fields GraphQL's context has)."""

    principal: Principal
    request_id: str
    client: str | None
    upstream_request_id: str | None
    started: float = field(default_factory=time.perf_counter)
    loaders: _Outcomes = field(default_factory=_Outcomes)


def _refusal(request: Request, status: int, exc: HubError, **headers: str) -> Response:
    return error_response(
        request.scope,
        status,
        [{"message": exc.message, "extensions": exc.extensions}],
        headers=headers,
    )


async def _admit(request: Request, coordinate: str, detail: dict[str, Any]) -> _Caller | Response:
    """The caller, once the token verifies and the policy grants ``coordinate``; otherwise the
    answer to send (a refusal of an authenticated caller is recorded first)."""
    runtime = request.app.state.runtime
    scope = request.scope
    try:
        if sum(name == b"authorization" for name, _ in scope.get("headers", ())) > 1:
            raise Unauthenticated(
                "send one Authorization header; this request has several", reason="MALFORMED"
            )
        principal = runtime.verifier.verify_header(header(scope, b"authorization"))
    except Unauthenticated as exc:
        return _refusal(request, 401, exc, **{"WWW-Authenticate": 'Bearer realm="fyt"'})
    caller = _Caller(
        principal=principal,
        request_id=request_id(scope),
        client=runtime.proxies.client(scope),
        upstream_request_id=upstream_request_id(scope, runtime.proxies),
    )
    grants = await runtime.policy.grants_off_loop(principal.roles, principal.org)
    # from the limit's check to the attempt's count nothing is awaited (probing.py)
    party = principal.enterprise is not None
    if party:  # an enterprise party refused too often this hour runs nothing here either
        try:
            runtime.probes.admit_party(principal.sub)
        except RateLimited as exc:
            limited = _refused(request, coordinate, detail, "RATE_LIMITED", exc.extra["reason"])
            try:
                await _record(request, caller, limited)
            except AuditUnavailable as unavailable:
                return _refusal(request, 503, unavailable)
            return _refusal(request, 429, exc)
    if grants.decision(coordinate) is Decision.READ:
        return caller
    if party and "path" in detail:  # a tile read names a tile: an attempt, as a refused
        # look-up is, counted before anything is awaited (probing.py)
        runtime.probes.note_party_refusals(principal.sub, 1)
    try:
        await _record(request, caller, _refused(request, coordinate, detail, "DENIED", "POLICY"))
    except AuditUnavailable as exc:
        return _refusal(request, 503, exc)
    return error_response(
        scope,
        403,
        [
            error(
                f"{grants.describe} may not read the audit log's {detail['read']}"
                f" ({coordinate} is not granted)",
                code="FORBIDDEN",
                reason="POLICY",
                coordinate=coordinate,
            )
        ],
    )


def _refused(
    request: Request, coordinate: str, detail: dict[str, Any], outcome: str, reason: str
) -> AccessRecord:
    return AccessRecord(
        action="ACCESS_REFUSED",
        subject_kind=None,
        subject_id=None,
        case_number=None,
        path=(request.url.path,),
        outcome=outcome,
        reason=reason,
        detail={"field": coordinate, **detail},
    )


async def _record(request: Request, caller: _Caller, access: AccessRecord) -> None:
    audit = request.app.state.runtime.audit
    await audit.append(audit.rows(caller, [access], None, ()))


def _query(request: Request, detail: dict[str, Any], outcome: str) -> AccessRecord:
    return AccessRecord(
        action="AUDIT_QUERY",
        subject_kind=None,
        subject_id=None,
        case_number=None,
        path=(request.url.path,),
        outcome=outcome,
        detail=detail,
    )


async def checkpoint(request: Request) -> Response:
    if request.scope["path"] != "/audit/checkpoint":  # "/audit/checkpoint\n" (see tile)
        return _not_found(request, "no such resource: the checkpoint is /audit/checkpoint")
    detail = {"query": "checkpoint", "read": "checkpoint"}
    caller = await _admit(request, CHECKPOINT, detail)
    if isinstance(caller, Response):
        return caller
    async with request.app.state.runtime.engine.connect() as conn:
        row = await queries.checkpoint_at(conn, None)
    try:
        await _record(request, caller, _query(request, detail, "OK" if row else "NOT_FOUND"))
    except AuditUnavailable as exc:
        return _refusal(request, 503, exc)
    if row is None:
        return _not_found(request, "nothing is integrated yet, so there is no checkpoint")
    return Response(
        row.note,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": PARTIAL_CACHE, "X-Request-Id": caller.request_id},
    )


def _not_found(request: Request, message: str) -> Response:
    return error_response(request.scope, 404, [error(message, code="NOT_FOUND")])


async def tile(request: Request) -> Response:
    # the path as sent, not the route's match: a route pattern ends in `$`, which also matches
    # before a final newline, and "000.p/3\n" must not be a second spelling of "000.p/3"
    path = str(request.scope["path"]).removeprefix("/audit/tile/")
    # the path as asked (cut short: it is the caller's text) goes on record
    detail = {"query": "tile", "read": "tiles", "path": f"tile/{path}"[:MAX_RECORDED_PATH]}
    caller = await _admit(request, TILES, detail)
    if isinstance(caller, Response):
        return caller
    status, answer, full = await _tile(request, path)
    try:  # a path that names no tile is a look-up that found nothing
        await _record(
            request, caller, _query(request, detail, "OK" if status == 200 else "NOT_FOUND")
        )
    except AuditUnavailable as exc:
        return _refusal(request, 503, exc)
    if isinstance(answer, bytes):
        return Response(
            answer,
            media_type="application/octet-stream",
            headers={
                "Cache-Control": FULL_CACHE if full else PARTIAL_CACHE,
                "X-Request-Id": caller.request_id,
            },
        )
    return error_response(request.scope, status, [answer])


async def _tile(request: Request, path: str) -> tuple[int, bytes | dict[str, Any], bool]:
    """(status, the tile's bytes or the error, whether it is a full tile) for the tile at
    ``path`` (what follows ``tile/``)."""
    if path == "entries" or path.startswith("entries/"):
        return (
            404,
            error(
                "entry bundles are not served: they would say who looked at whom. Auditors read"
                " entries with auditEvents, or `fyt audit export` (entries with their proofs)",
                code="NOT_FOUND",
                reason="ENTRY_BUNDLES",
            ),
            False,
        )
    try:
        level, index, width = parse_tile_path(path)
    except ValueError as exc:
        return (
            400,
            error(
                f"not a tile path: {exc} (tile/<L>/<N> or tile/<L>/<N>.p/<W>, C2SP tlog-tiles)",
                code="BAD_USER_INPUT",
                rule="TILE_PATH",
            ),
            False,
        )
    async with request.app.state.runtime.engine.connect() as conn:
        latest = await queries.checkpoint_at(conn, None)
        size = latest.tree_size if latest is not None else 0
        held = tile_width(level, index, size)
        if held < width:
            what = "no hashes" if held == 0 else f"{held} hashes (ask .p/{held})"
            return (
                404,
                error(
                    f"tile {index} of level {level} holds {what} in the latest checkpoint's tree"
                    f" (size {size})",
                    code="NOT_FOUND",
                ),
                False,
            )
        stored = (await tiles.read(conn, [(level, index)])).get((level, index), b"")
    if len(stored) < 32 * width:
        return 503, error(queries.DAMAGED, code="AUDIT_UNAVAILABLE"), False
    return 200, stored[: 32 * width], width == WIDTH


def tlog_routes() -> list[Route]:
    """The read API's routes (GET, and HEAD with it)."""
    return [
        Route("/audit/checkpoint", checkpoint, methods=["GET"]),
        Route("/audit/tile/{path:path}", tile, methods=["GET"]),
    ]
