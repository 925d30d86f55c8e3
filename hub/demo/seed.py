"""Generating the demo dataset into the data directory (agencies) and the hub database."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text

from connectors import registry
from connectors.base.seeding import write_tables
from connectors.base.world import AS_OF, World, build_world
from hub.audit import models as _audit_models  # noqa: F401  (registers its tables)
from hub.audit.keys import generate_audit_keys
from hub.auth.tokens import generate_signing_key
from hub.cases import models as _case_models  # noqa: F401  (registers its tables)
from hub.config import Settings
from hub.db.engine import create_hub_engine, upgrade
from hub.db.metadata import metadata
from hub.demo import court_data
from hub.inquiries import models as _inquiry_models  # noqa: F401  (registers its tables)
from hub.orders import models as _order_models  # noqa: F401  (registers its tables)
from hub.orders.terms import court_day
from hub.parties import models as _party_models  # noqa: F401  (registers its tables)
from hub.police import models as _police_models  # noqa: F401  (registers its tables)
from hub.progress import SILENT, Progress
from hub.sanctions import models as _sanction_models  # noqa: F401  (registers its tables)

DEFAULT_PERSONS = 10_000
DEFAULT_SEED = 20_260_101
MARKER = "demo.json"
# Insertion order respects foreign keys; deletion goes the other way.
HUB_TABLES = (
    "courts",
    "users",
    "cases",
    "case_judges",
    "case_parties",
    "sanction_entries",
    "sanction_entry_persons",
    "sanction_changes",
    "party_requests",
    "case_documents",
    "police_requests",
    "police_request_events",
)


@dataclass(frozen=True, slots=True)
class SeedReport:
    persons: int
    enterprises: int
    seed: int
    seconds: float
    rows: dict[str, int]


def ensure_keys(settings: Settings) -> None:
    """Create the development keys on first run (never overwrites): JWT signing, audit log."""
    if settings.jwt_public_keys is None and not settings.private_key_path.exists():
        generate_signing_key(settings.private_key_path, settings.public_keys_path, development=True)
    generate_audit_keys(settings.audit_key_path, settings.audit_signing_path)


def demo_marker(settings: Settings) -> dict[str, Any] | None:
    path = settings.data_dir / MARKER
    return json.loads(path.read_text()) if path.exists() else None


async def seed_hub(settings: Settings, world: World, progress: Progress = SILENT) -> dict[str, int]:
    rows = court_data.generate(world)
    progress.start("hub: courts, cases, sanctions", sum(len(r) for r in rows.values()))
    engine = create_hub_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            for name in reversed(HUB_TABLES):
                await conn.execute(delete(metadata.tables[name]))
            for name in HUB_TABLES:
                batch = rows.get(name) or []
                for i in range(0, len(batch), 5000):
                    await conn.execute(metadata.tables[name].insert(), batch[i : i + 5000])
                    progress.advance(len(batch[i : i + 5000]))
            if conn.dialect.name == "postgresql":
                # Rows came with their ids: move the sequences past them for later inserts.
                for table, column in (
                    ("sanction_changes", "seq"),
                    ("cases", "id"),
                    ("case_parties", "id"),
                ):
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                            f" COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"
                        )
                    )
    finally:
        await engine.dispose()
    return {name: len(rows.get(name) or []) for name in HUB_TABLES}


async def lapse_registers(settings: Settings, today: date, only: list[str] | None = None) -> int:
    """The registers as of the court's ``today``: the generators write them as of the synthetic
    data's day (``AS_OF``); measures whose term ended since lapse now, as the agencies' own
    lapse job would (the order worker runs it every minute too). Returns the assets changed."""
    changed = 0
    for name in only if only is not None else registry.instances():
        connector = registry.get(name)
        if not (connector.register or connector.kind == "bank"):
            continue
        source = connector.embedded(settings.connectors[name].url)
        try:
            lapse = getattr(source, "lapse", None)  # the sources of agencies with a register
            if lapse is not None:
                changed += len(await lapse(today))
        finally:
            source.close()
    return changed


def seed_agencies(
    settings: Settings,
    world: World,
    log: Callable[[str], None],
    progress: Progress = SILENT,
    only: list[str] | None = None,
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in only if only is not None else registry.instances():
        connector = registry.get(name)
        url = settings.connectors[name].url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        rows = connector.generate(world)
        progress.start(f"{name}: rows", sum(len(r) for r in rows.values()))
        write_tables(url, connector.metadata, rows, on_rows=progress.advance)
        for table, table_rows in rows.items():
            counts[f"{name}.{table}"] = len(table_rows)
        log(
            f"  {name}: {sum(len(r) for r in rows.values()):,} rows in {time.perf_counter() - started:.1f} s"
        )
    return counts


def missing_databases(settings: Settings) -> list[str]:
    """Connectors whose SQLite database under the data directory is not there: a demo made by
    an earlier version, before the banks came (or a file removed by hand)."""
    out = []
    for name in registry.instances():
        url = settings.connectors[name].url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            out.append(name)
    return out


async def seed_missing(
    settings: Settings, log: Callable[[str], None] = lambda _: None
) -> list[str]:
    """Generate the databases :func:`missing_databases` names from the demo's own world (its
    seed and size, from the marker), so they agree with the rest of it; returns their names."""
    marker = demo_marker(settings)
    names = missing_databases(settings)
    if marker is None or not names:
        return []
    world = build_world(int(marker["seed"]), int(marker["persons"]))
    log(f"adding {', '.join(names)} to the demo data (seed {marker['seed']})")
    seed_agencies(settings, world, log, only=names)
    await lapse_registers(settings, court_day(datetime.now(UTC)), only=names)
    return names


async def seed_demo(
    settings: Settings,
    *,
    persons: int = DEFAULT_PERSONS,
    seed: int = DEFAULT_SEED,
    log: Callable[[str], None] = lambda _: None,
    progress: Progress = SILENT,
) -> SeedReport:
    """(Re)generate every demo database; deterministic for (seed, persons). ``progress`` is
    told of the rows written, per database."""
    if persons < 50:
        raise ValueError("the demo needs at least 50 persons")
    started = time.perf_counter()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    ensure_keys(settings)
    world = build_world(seed, persons)
    log(f"generating {persons:,} persons and {len(world.enterprises):,} enterprises (seed {seed})")
    counts = seed_agencies(settings, world, log, progress)
    lapsed = await lapse_registers(settings, court_day(datetime.now(UTC)))
    if lapsed:
        log(f"  registers: measures lapsed since {AS_OF.isoformat()} on {lapsed:,} assets")
    hub_counts = await seed_hub(settings, world, progress)
    counts.update({f"hub.{k}": v for k, v in hub_counts.items()})
    seconds = time.perf_counter() - started
    report = SeedReport(persons, len(world.enterprises), seed, seconds, counts)
    (settings.data_dir / MARKER).write_text(
        json.dumps(
            {"persons": persons, "enterprises": len(world.enterprises), "seed": seed}, indent=2
        )
        + "\n"
    )
    log(f"done in {seconds:.1f} s")
    return report
