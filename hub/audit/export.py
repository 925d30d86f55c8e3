"""Exporting audit entries with inclusion proofs, and verifying an export offline.

The export proves itself: it carries the signed checkpoint, and each entry carries its header,
its contents and salt (unless redacted), its leaf hash and its RFC 9162 inclusion proof in the
checkpoint's tree. ``verify_export`` needs only the file and the log's public key (signed-note
verifier key, ``fyt audit public-key``).

JSON Lines: the first line ``{"type": "checkpoint", "note": ..., "treeSize": ..., "rootHash":
...}``, then one ``{"type": "entry", "leafIndex", "leafHash", "proof", "entry": {...}}`` per
entry (hashes base64; ``entry.content_hash`` hex; ``entry.salt`` base64; times UTC). CSV: one row
per entry with the same fields flattened (``proof`` space-separated, the checkpoint note base64 in
``checkpoint`` on every row).
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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.checkpoint import open_checkpoint, split_note
from hub.audit.entries import HEADER, content_hash, leaf_data, utc_text
from hub.audit.integrator import latest_checkpoint
from hub.audit.merkle import inclusion_proof, leaf_hash, verify_inclusion
from hub.audit.models import audit_entries, audit_leaves
from hub.audit.queries import leaf_hashes

FIELDS = (*HEADER, "content", "salt", "redacted_at")
NULLABLE = frozenset(
    {"case_number", "subject_kind", "subject_index", "content", "salt", "redacted_at"}
)
CSV_COLUMNS = ("leafIndex", "leafHash", "proof", "treeSize", *FIELDS, "checkpoint")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _entry_json(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = row[name]
        if isinstance(value, datetime):
            value = utc_text(value)
        elif name == "content_hash":
            value = bytes(value).hex()
        elif name == "salt" and value is not None:
            value = _b64(bytes(value))
        out[name] = value
    return out


async def export_entries(
    engine: AsyncEngine, since: datetime, until: datetime
) -> tuple[str, list[dict[str, Any]]]:
    """(signed note, records) for integrated entries with since <= occurred_at < until."""
    async with engine.connect() as conn:
        checkpoint = await latest_checkpoint(conn)
        if checkpoint is None:
            raise ValueError("nothing is integrated yet: run `fyt audit integrate` first")
        leaves = await leaf_hashes(conn, checkpoint.tree_size)
        stmt = (
            select(audit_entries, audit_leaves.c.leaf_index, audit_leaves.c.leaf_hash)
            .join(audit_leaves, audit_leaves.c.entry_id == audit_entries.c.id)
            .where(
                audit_entries.c.occurred_at >= since,
                audit_entries.c.occurred_at < until,
                audit_leaves.c.leaf_index < checkpoint.tree_size,
            )
            .order_by(audit_leaves.c.leaf_index)
        )
        rows = [dict(r._mapping) for r in await conn.execute(stmt)]
    records = [
        {
            "type": "entry",
            "leafIndex": r["leaf_index"],
            "leafHash": _b64(bytes(r["leaf_hash"])),
            "treeSize": checkpoint.tree_size,
            "proof": [_b64(h) for h in inclusion_proof(r["leaf_index"], leaves)],
            "entry": _entry_json(r),
        }
        for r in rows
    ]
    return checkpoint.note, records


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
    for record in records:
        writer.writerow(
            {
                "leafIndex": record["leafIndex"],
                "leafHash": record["leafHash"],
                "proof": " ".join(record["proof"]),
                "treeSize": record["treeSize"],
                **{k: ("" if v is None else v) for k, v in record["entry"].items()},
                "checkpoint": encoded,
            }
        )


@dataclass
class ExportReport:
    entries: int = 0
    redacted: int = 0
    tree_size: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.entries > 0


def _read(text: str) -> tuple[str, Iterator[dict[str, Any]]]:
    if text.lstrip().startswith("{"):
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        if not lines or lines[0].get("type") != "checkpoint":
            raise ValueError("the first line of a JSON Lines export must be the checkpoint")
        return lines[0]["note"], iter(lines[1:])
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise ValueError("the CSV export holds no entries")
    note = base64.b64decode(rows[0]["checkpoint"]).decode()

    def records() -> Iterator[dict[str, Any]]:
        for row in rows:
            if base64.b64decode(row["checkpoint"]).decode() != note:
                raise ValueError(
                    f"leaf {row['leafIndex']}: a different checkpoint than the first row"
                )
            entry = {k: (None if row[k] == "" and k in NULLABLE else row[k]) for k in FIELDS}
            entry["id"] = int(entry["id"])
            yield {
                "leafIndex": int(row["leafIndex"]),
                "leafHash": row["leafHash"],
                "treeSize": int(row["treeSize"]),
                "proof": row["proof"].split(),
                "entry": entry,
            }

    return note, records()


def verify_export(text: str, verifier_keys: list[str]) -> ExportReport:
    """Check every entry of an export against its signed checkpoint, offline."""
    report = ExportReport()
    try:
        note, records = _read(text)
        checkpoint = open_checkpoint(note, verifier_keys)
    except (ValueError, KeyError) as exc:
        report.problems.append(f"the export's checkpoint does not verify: {exc}")
        return report
    report.tree_size = checkpoint.size
    try:
        for record in records:
            report.entries += 1
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
            elif (
                entry.get("content") is None
                or entry.get("salt") is None
                or content_hash(base64.b64decode(entry["salt"]), entry["content"]).hex()
                != entry["content_hash"]
            ):
                report.problems.append(f"{where}: its contents were altered")
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"the export is malformed: {exc}")
    if report.entries == 0 and not report.problems:
        report.problems.append("the export holds no entries")
    return report
