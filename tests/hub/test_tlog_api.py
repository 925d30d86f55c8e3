"""The audit log's tlog-tiles read API over HTTP: an outside verifier proves an entry from the
signed checkpoint and the tiles alone; only auditors read them, and every read is on record."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from connectors.base.tlog.checkpoint import open_checkpoint, vkey
from connectors.base.tlog.merkle import verify_inclusion
from connectors.base.tlog.tiles import TileTree, inclusion_tiles, tile_path, tile_width
from hub.audit.models import audit_entries, audit_leaves
from tests.conftest import Api, integrate_all
from tests.hub.queries import PERSON_FULL


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def viewed(api: Api, app: Any, demo: dict[str, Any]) -> dict[str, Any]:
    """The judge looks at a party's profile; the log is integrated. Returns the entry's leaf."""
    sample = demo["samples"]["persons"][3]
    response = await api.post(PERSON_FULL, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    assert "errors" not in response.json()
    runtime = app.state.runtime
    stmt = (
        select(audit_leaves.c.leaf_index, audit_leaves.c.leaf_hash)
        .join(audit_entries, audit_entries.c.id == audit_leaves.c.entry_id)
        .where(audit_entries.c.request_id == response.headers["X-Request-Id"])
    )
    for _ in range(200):  # the serving hub's integrator may be appending the same batch
        await integrate_all(runtime)
        async with runtime.engine.connect() as conn:
            leaf = (await conn.execute(stmt)).first()
        if leaf is not None:
            break
        await asyncio.sleep(0.05)
    assert leaf is not None
    return {"index": leaf.leaf_index, "hash": bytes(leaf.leaf_hash)}


async def test_an_outside_verifier_proves_an_entry_from_the_checkpoint_and_tiles_alone(
    api: Api, app: Any, tokens: dict[str, str], viewed: dict[str, Any]
) -> None:
    client: httpx.AsyncClient = api.client
    auditor = bearer(tokens["auditor-sun"])
    # the log's verifier key, as `fyt audit public-key` prints it
    keys = app.state.runtime.audit.keys
    verifier = vkey(keys.origin, keys.public_key)
    # given the signed checkpoint, read over HTTP and checked with the verifier key only
    response = await client.get("/audit/checkpoint", headers=auditor)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint = open_checkpoint(response.text, [verifier])
    size, index = checkpoint.size, viewed["index"]
    assert index < size
    # when the verifier fetches the tiles the proof needs, at the widths of that tree
    tree = TileTree(size)
    for level, n in sorted(inclusion_tiles(index, size)):
        width = tile_width(level, n, size)
        tile = await client.get(f"/audit/{tile_path(level, n, width)}", headers=auditor)
        assert tile.status_code == 200, tile.text
        assert tile.headers["content-type"] == "application/octet-stream"
        assert len(tile.content) == 32 * width
        if width == 256:
            assert "immutable" in tile.headers["cache-control"]
        else:
            assert "immutable" not in tile.headers["cache-control"]
        tree.add(level, n, tile.content)
    # then the proof it computes shows the judge's entry is in the signed tree
    proof = tree.inclusion_proof(index)
    assert verify_inclusion(index, size, viewed["hash"], proof, checkpoint.root)
    # and a leaf hash that is not the entry's does not verify
    forged = bytes([viewed["hash"][0] ^ 1]) + viewed["hash"][1:]
    assert not verify_inclusion(index, size, forged, proof, checkpoint.root)


@pytest.mark.parametrize(
    ("user", "org", "roles"),
    [
        ("judge-zhang", "court:370602", ("enforcement_judge",)),
        ("officer-li", "agency:real_estate", ("registry_officer",)),
        ("approver-1", "agency:market_supervision", ("approval_system",)),
    ],
)
async def test_only_auditors_read_the_log_and_refusals_are_recorded(
    api: Api, app: Any, mint: Any, viewed: dict[str, Any], user: str, org: str, roles: Any
) -> None:
    # given a caller GraphQL refuses auditCheckpoint and auditInclusionProof
    token = mint(sub=user, org=org, roles=roles)
    for path in ("/audit/checkpoint", "/audit/tile/0/000.p/1"):
        # when they read the checkpoint or a tile
        response = await api.client.get(path, headers=bearer(token))
        # then they are refused, learn nothing of the log, and the refusal is on record
        assert response.status_code == 403, response.text
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert "size" not in error["message"]
        rid = response.headers["X-Request-Id"]
        async with app.state.runtime.engine.connect() as conn:
            row = (
                await conn.execute(select(audit_entries).where(audit_entries.c.request_id == rid))
            ).one()
        assert (row.user_id, row.action, row.outcome) == (user, "ACCESS_REFUSED", "DENIED")


async def test_no_token_no_log(api: Api) -> None:
    for path in ("/audit/checkpoint", "/audit/tile/0/000", "/audit/tile/nonsense"):
        response = await api.client.get(path)
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        response = await api.client.get(path, headers={"Authorization": "Bearer not-a-jwt"})
        assert response.status_code == 401


async def test_an_auditors_reads_are_recorded(
    api: Api, app: Any, tokens: dict[str, str], viewed: dict[str, Any]
) -> None:
    response = await api.client.get("/audit/tile/0/000.p/1", headers=bearer(tokens["auditor-sun"]))
    assert response.status_code == 200
    rid = response.headers["X-Request-Id"]
    async with app.state.runtime.engine.connect() as conn:
        row = (
            await conn.execute(select(audit_entries).where(audit_entries.c.request_id == rid))
        ).one()
    assert (row.user_id, row.action, row.outcome) == ("auditor-sun", "AUDIT_QUERY", "OK")
    assert json.loads(row.content)["detail"]["path"] == "tile/0/000.p/1"


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/00/000",
        "tile/64/000",
        "tile/0/x000/001",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/01",
        "tile/0/x009/x223/x372/x036/x854/x775/808",
        "tile/0/000/",
        "tile/0/../000",
        "tile/0/%2e%2e/000",
        "tile/-1/000",
        "tile/1e3/000",
    ],
)
async def test_paths_that_name_no_tile_are_bad_input(
    api: Api, tokens: dict[str, str], viewed: dict[str, Any], path: str
) -> None:
    response = await api.client.get(f"/audit/{path}", headers=bearer(tokens["auditor-sun"]))
    assert response.status_code in (400, 404), response.text
    code = response.json()["errors"][0]["extensions"]["code"]
    assert code in ("BAD_USER_INPUT", "NOT_FOUND")


async def test_tiles_beyond_the_checkpoint_and_entry_bundles_are_not_found(
    api: Api, tokens: dict[str, str], viewed: dict[str, Any]
) -> None:
    auditor = bearer(tokens["auditor-sun"])
    for path, reason in [
        ("tile/0/x999/999", None),  # far beyond the log
        ("tile/5/000", None),  # no level 5 in a log of this size
        ("tile/entries/000", "ENTRY_BUNDLES"),
        ("tile/entries/000.p/1", "ENTRY_BUNDLES"),
    ]:
        response = await api.client.get(f"/audit/{path}", headers=auditor)
        assert response.status_code == 404, (path, response.text)
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "NOT_FOUND"
        if reason:
            assert error["extensions"]["reason"] == reason


async def test_a_tile_wider_than_the_checkpoint_holds_is_not_found(
    api: Api, app: Any, tokens: dict[str, str], viewed: dict[str, Any]
) -> None:
    auditor = bearer(tokens["auditor-sun"])
    runtime = app.state.runtime
    await integrate_all(runtime)
    text = (await api.client.get("/audit/checkpoint", headers=auditor)).text
    size = int(text.splitlines()[1])
    # the last leaf tile of the tree: held at its width, not wider, and not as a full tile
    # unless it is one (the log only grows meanwhile, so ask for what cannot exist yet)
    last = (size - 1) // 256
    width = tile_width(0, last, size)
    ok = await api.client.get(f"/audit/{tile_path(0, last, width)}", headers=auditor)
    assert ok.status_code == 200 and len(ok.content) == 32 * width
    beyond = await api.client.get(f"/audit/{tile_path(0, last + 5)}", headers=auditor)
    assert beyond.status_code == 404
    assert "holds no hashes" in beyond.json()["errors"][0]["message"]
    # a level-1 tile grows once per 256 entries: asked 50 hashes wider than it holds
    held = size >> 8
    wider = await api.client.get(f"/audit/{tile_path(1, 0, held + 50)}", headers=auditor)
    assert wider.status_code == 404
    assert wider.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_long_path_is_refused_and_recorded_cut_short(
    api: Api, app: Any, tokens: dict[str, str]
) -> None:
    path = "tile/0/" + "x001/" * 400 + "000"
    response = await api.client.get(f"/audit/{path}", headers=bearer(tokens["auditor-sun"]))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["rule"] == "TILE_PATH"
    rid = response.headers["X-Request-Id"]
    async with app.state.runtime.engine.connect() as conn:
        row = (
            await conn.execute(select(audit_entries).where(audit_entries.c.request_id == rid))
        ).one()
    assert row.outcome == "NOT_FOUND"
    assert json.loads(row.content)["detail"]["path"] == path[:200]
