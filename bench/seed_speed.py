"""Benchmark of synthetic-data seeding: world, five generators and SQLite writes, timed by phase.

Usage: python bench/seed_speed.py [PERSONS] [SEED]   (defaults 100000 persons, seed 20260101)
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData

from connectors.base.seeding import write_tables
from connectors.base.world import World, build_world
from connectors.market_supervision import models as market_models
from connectors.market_supervision import synth as market_synth
from connectors.public_security import models as police_models
from connectors.public_security import synth as police_synth
from connectors.real_estate import models as estate_models
from connectors.real_estate import synth as estate_synth
from connectors.social_security import models as social_models
from connectors.social_security import synth as social_synth
from hub.cases import models as _cases_models  # noqa: F401  (registers the court tables)
from hub.db.metadata import metadata as hub_metadata
from hub.demo import court_data
from hub.sanctions import models as _sanctions_models  # noqa: F401

Generator = Callable[[World], dict[str, list[dict[str, Any]]]]
TARGETS: tuple[tuple[str, Generator, MetaData], ...] = (
    ("public_security", police_synth.generate, police_models.metadata),
    ("real_estate", estate_synth.generate, estate_models.metadata),
    ("market_supervision", market_synth.generate, market_models.metadata),
    ("social_security", social_synth.generate, social_models.metadata),
    ("hub (court)", court_data.generate, hub_metadata),
)


def main(argv: list[str]) -> None:
    persons = int(argv[1]) if len(argv) > 1 else 100_000
    seed = int(argv[2]) if len(argv) > 2 else 20_260_101
    total_started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fyt-seed-") as tmp:
        started = time.perf_counter()
        world = build_world(seed, persons)
        print(
            f"world        {time.perf_counter() - started:6.2f} s   "
            f"{len(world.persons):,} persons, {len(world.enterprises):,} enterprises"
        )
        generate_total = write_total = 0.0
        all_rows = 0
        for name, generate, metadata in TARGETS:
            started = time.perf_counter()
            rows = generate(world)
            generated = time.perf_counter() - started
            path = Path(tmp) / f"{name.split()[0]}.sqlite3"
            started = time.perf_counter()
            write_tables(f"sqlite:///{path}", metadata, rows)
            written = time.perf_counter() - started
            generate_total += generated
            write_total += written
            count = sum(len(r) for r in rows.values())
            all_rows += count
            print(
                f"{name:<20} generate {generated:6.2f} s   write {written:6.2f} s   "
                f"{count:>9,} rows"
            )
            for table, table_rows in rows.items():
                print(f"    {table:<24} {len(table_rows):>9,}")
        total = time.perf_counter() - total_started
        print(
            f"total        {total:6.2f} s   (generate {generate_total:.2f} s, "
            f"write {write_total:.2f} s, {all_rows:,} rows)"
        )


if __name__ == "__main__":
    main(sys.argv)
