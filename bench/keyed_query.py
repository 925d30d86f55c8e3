"""KeyedQuery in-process: rendering the SQL for every key count, and warm look-ups.

    python bench/keyed_query.py --data-dir DIR [--rounds 5]

Runs the real-estate registry's owner look-up (``connectors.real_estate.source._OWNER``) of the
tree in the working directory on a seeded demo (``fyt demo seed``, or a data directory that
bench/compare_revisions.py made): the CPU time to render the statement for each key count from
1 to 900 (once per query, driver and count in a process), then the CPU time per look-up of 1,
10, 100 and 900 random owners, the median of ``--rounds``. Prints one JSON line. To compare two
trees, run it from each (``cd OTHER && python /path/to/bench/keyed_query.py ...``), alternately.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from typing import Any

sys.path.insert(0, os.getcwd())  # the tree this runs for (its connectors package)

from sqlalchemy import create_engine, select

from connectors.base.source import KeyedQuery
from connectors.real_estate import source
from connectors.real_estate.models import owners

SIZES = ((1, 20_000), (10, 5_000), (100, 1_000), (900, 150))  # keys per look-up, look-ups


def run(data_dir: str, rounds: int) -> dict[str, Any]:
    engine = create_engine(f"sqlite:///{data_dir}/agencies/real_estate.sqlite3")
    rng = random.Random(1)
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(owners.c.owner_id).distinct())]
        query = KeyedQuery(source._OWNER.base, source._OWNER.key)
        started = time.process_time()
        for n in range(1, 901):
            query._sql(conn.dialect, n)
        out["render_1_to_900_ms"] = round((time.process_time() - started) * 1000, 1)
        for n, repeats in SIZES:
            times = []
            for _ in range(rounds):
                batches = [rng.sample(ids, n) for _ in range(repeats)]
                started = time.process_time()
                for keys in batches:
                    query.rows(conn, keys)
                times.append((time.process_time() - started) / repeats * 1e6)
            out[f"rows_{n}_us"] = round(statistics.median(times), 1)
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    print(json.dumps(run(args.data_dir, args.rounds)))


if __name__ == "__main__":
    main()
