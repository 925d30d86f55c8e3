"""Exporting audit entries with inclusion proofs, and verifying an export offline.

The export proves itself: it carries the signed checkpoint (with the witnesses' cosignature
lines appended: with a quorum set, the newest checkpoint that has it), and each entry carries its header,
its contents and salt (unless redacted), its leaf hash and its RFC 9162 inclusion proof in the
checkpoint's tree. ``verify_export`` needs only the file and the log's public key (signed-note
verifier key, ``fyt audit public-key``), and the witnesses' keys when it must count cosignatures.

An export covers one contiguous range of leaves: from the first to the last leaf recorded in
the chosen days (an entry recorded out of order inside that range is included, so the range has
no holes). It states the range, and the offline check holds the lines against it: every leaf
index from ``firstLeaf`` to ``lastLeaf`` exactly once, in order, ``count`` in all; a missing or
repeated line is named by its leaf index. (The statement is not signed: lines cut from either
end together with an edited range go unnoticed; compare the range with what you asked for.)
Exports written before ranges existed still verify, with a warning that they cannot show a
deleted line.

JSON Lines: the first line ``{"type": "checkpoint", "note": ..., "treeSize": ..., "rootHash":
..., "firstLeaf": ..., "lastLeaf": ..., "count": ...}``, then one ``{"type": "entry",
"leafIndex", "leafHash", "proof", "entry": {...}}`` per entry, in leaf order (hashes base64;
``entry.content_hash`` hex; ``entry.salt`` base64; times UTC). An entry of many subjects (a
batch sanction check) has ``entry.subjects_hash`` (hex) and its subject rows in ``subjects``
(position order; ``content_hash`` hex, ``salt`` base64), which the offline check holds against
that hash. CSV: one row per entry with the same fields flattened (``proof`` space-separated,
``subjects`` as JSON, the checkpoint note base64 in ``checkpoint`` and the range in
``firstLeaf``, ``lastLeaf``, ``count`` on every row).
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.base.tlog.checkpoint import open_checkpoint, split_note
from connectors.base.tlog.cosignature import open_cosignatures
from connectors.base.tlog.merkle import leaf_hash, verify_inclusion
from connectors.base.tlog.tiles import TileTree, inclusion_tiles, root_tiles
from hub.audit import tiles
from hub.audit.entries import HEADER, content_hash, leaf_data, subjects_hash, utc_text
from hub.audit.models import audit_entries, audit_leaves, audit_subjects
from hub.audit.snapshot import snapshot
from hub.audit.witness import WitnessPolicy, cosigned_note, witnessed_checkpoint
from hub.progress import SILENT, Progress

FIELDS = (*HEADER, "subjects_hash", "content", "salt", "redacted_at")
NULLABLE = frozenset(
    {
        "case_number",
        "subject_kind",
        "subject_index",
        "subjects_hash",
        "content",
        "salt",
        "redacted_at",
    }
)
SUBJECT_FIELDS = (
    "position",
    "subject_kind",
    "subject_index",
    "outcome",
    "content_hash",
    "content",
    "salt",
    "redacted_at",
)
CSV_COLUMNS = (
    "leafIndex",
    "leafHash",
    "proof",
    "treeSize",
    *FIELDS,
    "subjects",
    "checkpoint",
    "firstLeaf",
    "lastLeaf",
    "count",
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _entry_json(row: dict[str, Any], fields: tuple[str, ...] = FIELDS) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        value = row[name]
        if isinstance(value, datetime):
            value = utc_text(value)
        elif name in ("content_hash", "subjects_hash") and value is not None:
            value = bytes(value).hex()
        elif name == "salt" and value is not None:
            value = _b64(bytes(value))
        out[name] = value
    return out


async def export_entries(
    engine: AsyncEngine,
    since: datetime,
    until: datetime,
    witnesses: WitnessPolicy | None = None,
    *,
    progress: Progress = SILENT,
) -> tuple[str, list[dict[str, Any]]]:
    """(signed note, records): the leaves from the first to the last integrated entry with
    since <= occurred_at < until, every one of them, in leaf order, in the tree of the newest
    checkpoint with the witness quorum (the latest when none is required). ``progress`` is told
    of the entries proved."""
    policy = witnesses or WitnessPolicy()
    async with snapshot(engine) as conn:
        checkpoint = await witnessed_checkpoint(conn, policy)
        if checkpoint is None and policy.quorum:
            raise ValueError(
                f"no checkpoint has the {policy.quorum} cosignature(s) HUB_AUDIT_WITNESS_QUORUM"
                " requires yet (see `fyt audit witnesses`)"
            )
        if checkpoint is None:
            raise ValueError("nothing is integrated yet: run `fyt audit integrate` first")
        note = await cosigned_note(conn, checkpoint)
        first, last = (
            await conn.execute(
                select(func.min(audit_leaves.c.leaf_index), func.max(audit_leaves.c.leaf_index))
                .join(audit_entries, audit_leaves.c.entry_id == audit_entries.c.id)
                .where(
                    audit_entries.c.occurred_at >= since,
                    audit_entries.c.occurred_at < until,
                    audit_leaves.c.leaf_index < checkpoint.tree_size,
                )
            )
        ).one()
        rows: list[dict[str, Any]] = []
        if first is not None:
            stmt = (
                select(audit_entries, audit_leaves.c.leaf_index, audit_leaves.c.leaf_hash)
                .join(audit_leaves, audit_leaves.c.entry_id == audit_entries.c.id)
                .where(audit_leaves.c.leaf_index >= first, audit_leaves.c.leaf_index <= last)
                .order_by(audit_leaves.c.leaf_index)
            )
            rows = [dict(r._mapping) for r in await conn.execute(stmt)]
        subjects: dict[int, list[dict[str, Any]]] = {}
        batch_ids = [r["id"] for r in rows if r["subjects_hash"] is not None]
        for k in range(0, len(batch_ids), 500):
            for s in await conn.execute(
                select(audit_subjects)
                .where(audit_subjects.c.entry_id.in_(batch_ids[k : k + 500]))
                .order_by(audit_subjects.c.entry_id, audit_subjects.c.position)
            ):
                subjects.setdefault(s.entry_id, []).append(
                    _entry_json(dict(s._mapping), SUBJECT_FIELDS)
                )
        progress.start("entries proved", len(rows))
        records = []
        tree = TileTree(checkpoint.tree_size)
        for k in range(0, len(rows), PROOF_CHUNK):
            chunk = rows[k : k + PROOF_CHUNK]
            try:
                if k == 0:  # the tiles lead to the signed root (verify-export checks each proof)
                    await tiles.load(conn, tree, root_tiles(checkpoint.tree_size))
                    if tree.root() != bytes(checkpoint.root):
                        raise tiles.TilesMissing("they do not lead to its signed root")
                await tiles.load(conn, tree, _tiles_for(chunk, checkpoint.tree_size))
            except tiles.TilesMissing as exc:
                raise ValueError(
                    f"the stored tiles of the tree of size {checkpoint.tree_size} cannot prove"
                    f" its entries ({exc}); run `fyt audit verify` and tell the operator"
                ) from None
            for r in chunk:
                records.append(
                    {
                        "type": "entry",
                        "leafIndex": r["leaf_index"],
                        "leafHash": _b64(bytes(r["leaf_hash"])),
                        "treeSize": checkpoint.tree_size,
                        "proof": [_b64(h) for h in tree.inclusion_proof(r["leaf_index"])],
                        "entry": _entry_json(r),
                        **(
                            {"subjects": subjects.get(r["id"], [])}
                            if r["subjects_hash"] is not None
                            else {}
                        ),
                    }
                )
                progress.advance()
    return note, records


PROOF_CHUNK = 4_096  # entries whose tiles are read in one query


def _tiles_for(rows: list[dict[str, Any]], size: int) -> set[tuple[int, int]]:
    """The tiles the inclusion proofs of ``rows`` read. Leaves of one leaf tile (256) share
    every sibling above their tile, and their siblings below it are in that tile: one plan per
    leaf tile is enough."""
    needed: set[tuple[int, int]] = set()
    for block in sorted({r["leaf_index"] >> 8 for r in rows}):
        needed.add((0, block))
        needed |= inclusion_tiles(max(block << 8, rows[0]["leaf_index"]), size)
    return needed


async def recorded_between(engine: AsyncEngine, since: datetime, until: datetime) -> int:
    """How many entries were recorded with since <= occurred_at < until, integrated or not
    (what an export that came out empty could not yet show)."""
    async with engine.connect() as conn:
        stmt = select(func.count()).where(
            audit_entries.c.occurred_at >= since, audit_entries.c.occurred_at < until
        )
        return int((await conn.execute(stmt)).scalar_one())


def leaf_range(records: list[dict[str, Any]]) -> dict[str, int | None]:
    """What an export states it covers: its first and last leaf index and how many lines."""
    return {
        "firstLeaf": records[0]["leafIndex"] if records else None,
        "lastLeaf": records[-1]["leafIndex"] if records else None,
        "count": len(records),
    }


def write_jsonl(out: TextIO, note: str, records: list[dict[str, Any]]) -> None:
    body, _ = split_note(note)
    lines = body.splitlines()
    out.write(
        json.dumps(
            {
                "type": "checkpoint",
                "note": note,
                "origin": lines[0],
                "treeSize": int(lines[1]),
                "rootHash": lines[2],
                **leaf_range(records),
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def write_csv(out: TextIO, note: str, records: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    encoded = _b64(note.encode())
    stated = leaf_range(records)
    for record in records:
        writer.writerow(
            {
                "leafIndex": record["leafIndex"],
                "leafHash": record["leafHash"],
                "proof": " ".join(record["proof"]),
                "treeSize": record["treeSize"],
                **{k: ("" if v is None else v) for k, v in record["entry"].items()},
                "subjects": json.dumps(record["subjects"], ensure_ascii=False)
                if "subjects" in record
                else "",
                "checkpoint": encoded,
                **stated,
            }
        )


@dataclass
class ExportReport:
    entries: int = 0
    redacted: int = 0
    tree_size: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first_leaf: int | None = None
    last_leaf: int | None = None
    cosigned: dict[str, int] = field(default_factory=dict)  # witness -> time, those that verify
    empty: bool = False  # it states no leaves and holds none: no entry in the days it covers

    @property
    def ok(self) -> bool:
        return not self.problems and (self.entries > 0 or self.empty)


RANGE_KEYS = ("firstLeaf", "lastLeaf", "count")


def _stated(source: dict[str, Any]) -> tuple[int, int, int] | None:
    """The range an export states, or None for one written before ranges (no such fields)."""
    if not any(k in source for k in RANGE_KEYS):
        return None
    values = []
    for k in RANGE_KEYS:
        value = source.get(k)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if value in (None, "") and k != "count":
            value = -1  # an empty export
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"the export's {k} is not a number: {value!r}")
        values.append(value)
    return values[0], values[1], values[2]


def _read(text: str) -> tuple[str, tuple[int, int, int] | None, Iterator[dict[str, Any]]]:
    if text.lstrip().startswith("{"):
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        if not lines or lines[0].get("type") != "checkpoint":
            raise ValueError("the first line of a JSON Lines export must be the checkpoint")
        return lines[0]["note"], _stated(lines[0]), iter(lines[1:])
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise ValueError("the CSV export holds no entries")
    note = base64.b64decode(rows[0]["checkpoint"]).decode()
    stated = _stated(rows[0])

    def records() -> Iterator[dict[str, Any]]:
        for row in rows:
            if base64.b64decode(row["checkpoint"]).decode() != note:
                raise ValueError(
                    f"leaf {row['leafIndex']}: a different checkpoint than the first row"
                )
            if _stated(row) != stated:
                raise ValueError(f"leaf {row['leafIndex']}: a different range than the first row")
            entry: dict[str, Any] = {
                k: (None if row[k] == "" and k in NULLABLE else row[k]) for k in FIELDS
            }
            entry["id"] = int(entry["id"])
            yield {
                "leafIndex": int(row["leafIndex"]),
                "leafHash": row["leafHash"],
                "treeSize": int(row["treeSize"]),
                "proof": row["proof"].split(),
                "entry": entry,
                **({"subjects": json.loads(row["subjects"])} if row.get("subjects") else {}),
            }

    return note, stated, records()


class _RangeCheck:
    """Holds an export's lines against the range it states: each leaf index from the first to
    the last exactly once, in order."""

    def __init__(self, report: ExportReport, stated: tuple[int, int, int]) -> None:
        self.report = report
        self.first, self.last, self.count = stated
        self.indexes: list[Any] = []

    def line(self, index: Any) -> None:
        self.indexes.append(index)

    def end(self) -> None:
        problems = self.report.problems
        first, last = self.first, self.last
        if first < 0 and last < 0:  # an empty export states no leaves
            if self.indexes:
                problems.append(f"the export states no leaves, it holds {len(self.indexes)}")
            return
        if not 0 <= first <= last:
            problems.append(f"the export states leaves {first} to {last}, which is no range")
            return
        if self.count != last - first + 1:
            problems.append(f"the export states {self.count} lines for leaves {first} to {last}")
        seen: set[int] = set()
        previous = None
        for index in self.indexes:
            if not isinstance(index, int) or isinstance(index, bool):
                problems.append(f"a line's leaf index is not a number: {index!r}")
                continue
            if index in seen:
                problems.append(f"leaf {index} appears more than once")
                continue
            seen.add(index)
            if not first <= index <= last:
                problems.append(
                    f"leaf {index} is outside the range the export states ({first} to {last})"
                )
            elif previous is not None and index < previous:
                problems.append(f"leaf {index} is out of order (after leaf {previous})")
            previous = index if previous is None else max(previous, index)
        missing = [i for i in range(first, last + 1) if i not in seen]
        for start, end in _runs(missing):
            if start == end:
                problems.append(f"leaf {start} is missing (its line was deleted)")
            else:
                problems.append(f"leaves {start} to {end} are missing (their lines were deleted)")


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted indexes, as (first, last) pairs."""
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _sound(row: dict[str, Any]) -> bool:
    """Unredacted contents match their hash (exported form: salt base64, hash hex)."""
    return (
        row.get("content") is not None
        and row.get("salt") is not None
        and content_hash(base64.b64decode(row["salt"]), row["content"]).hex() == row["content_hash"]
    )


def _check_subjects(
    report: ExportReport, where: str, entry: dict[str, Any], subjects: list[dict[str, Any]]
) -> None:
    if entry.get("subjects_hash") is None:
        report.problems.append(f"{where} holds subject rows it does not commit to")
        return
    if [s["position"] for s in subjects] != list(range(len(subjects))) or subjects_hash(
        subjects
    ).hex() != entry["subjects_hash"]:
        report.problems.append(f"{where}: its subjects were altered")
        return
    for s in subjects:
        if not s.get("redacted_at") and not _sound(s):
            report.problems.append(f"{where}, subject {s['position']}: its contents were altered")


def verify_export(
    text: str,
    verifier_keys: list[str],
    witnesses: WitnessPolicy | None = None,
    *,
    now: float | None = None,
) -> ExportReport:
    """Check every entry of an export against its signed checkpoint, offline; with witnesses,
    the checkpoint must carry ``witnesses.quorum`` valid cosignatures of theirs."""
    report = ExportReport()
    try:
        note, stated, records = _read(text)
        checkpoint = open_checkpoint(note, verifier_keys)
    except (ValueError, KeyError) as exc:
        report.problems.append(f"the export's checkpoint does not verify: {exc}")
        return report
    report.tree_size = checkpoint.size
    if witnesses is not None and witnesses.witnesses:
        found = open_cosignatures(note, witnesses.keys, now=now)
        report.cosigned = found.valid
        report.problems.extend(f"the export's checkpoint: {p}" for p in found.problems)
        if len(found.valid) < witnesses.quorum:
            missing = ", ".join(w.name for w in witnesses.witnesses if w.name not in found.valid)
            report.problems.append(
                f"the export's checkpoint (size {checkpoint.size}) has {len(found.valid)} of the"
                f" {witnesses.quorum} cosignature(s) required: none from {missing}"
            )
    ranges = None
    if stated is None:
        report.warnings.append(
            "this export states no leaf range (it was written before exports did): a deleted"
            " line cannot be detected"
        )
    else:
        report.first_leaf, report.last_leaf = stated[0], stated[1]
        ranges = _RangeCheck(report, stated)
    try:
        for record in records:
            report.entries += 1
            if ranges is not None:
                ranges.line(record.get("leafIndex"))
            entry = record["entry"]
            where = f"entry {entry['id']} (leaf {record['leafIndex']})"
            computed = leaf_hash(leaf_data(entry))
            if base64.b64encode(computed).decode() != record["leafHash"]:
                report.problems.append(f"{where} was altered")
                continue
            if record["treeSize"] != checkpoint.size or not verify_inclusion(
                record["leafIndex"],
                checkpoint.size,
                computed,
                [base64.b64decode(h) for h in record["proof"]],
                checkpoint.root,
            ):
                report.problems.append(
                    f"{where} is not in the signed tree of size {checkpoint.size}"
                )
                continue
            if entry.get("redacted_at"):
                report.redacted += 1
            elif not _sound(entry):
                report.problems.append(f"{where}: its contents were altered")
            if entry.get("subjects_hash") is not None or record.get("subjects"):
                _check_subjects(report, where, entry, record.get("subjects") or [])
        if ranges is not None:
            ranges.end()
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"the export is malformed: {exc}")
    if report.entries == 0 and not report.problems:
        if stated is not None and stated[2] == 0:
            report.empty = True  # what it states, and what it holds: nothing
        else:
            report.problems.append("the export holds no entries")
    return report
