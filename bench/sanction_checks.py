"""A batch sanction check of 10,000 subjects against a list of 100,000 entries, over HTTP.

    python bench/sanction_checks.py [--entries 100000] [--batch 10000] [--rounds 10]
    HUB_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/fyt_bench python bench/sanction_checks.py

Seeds a small demo under bench/.data/sanctions-ENTRIES/ (courts, users, keys), adds ENTRIES
synthetic active entries (a quarter of them enterprises, each binding its legal representative,
a principal person in charge and an actual controller; a tenth of the dishonest entries with a
two-year term that has ended, which restrict nothing), starts `fyt serve`, and sends
`sanctionChecks` as the approval system of a department that grants the matter: a share
`--listed` of the batch is restricted (half listed persons, half legal representatives of listed
enterprises), the rest is on no list; the matter (default XF-PROPERTY, the registry's) is a
consumption matter, so entries and the persons they bind are both searched. Reports the wall time of each round
as the client sees it, with the audit entry written (one per check, with a row per subject) and
the counts updated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.profile_load import free_port  # noqa: E402

QUERY = """query($s: [String!]!, $m: String!) {
  sanctionChecks(idNumbers: $s, matter: $m) { subjectId decision entries { entryId list role } }
}"""


def person_ids(rng: random.Random, n: int, region: str) -> list[str]:
    from connectors.base.identifiers import make_id_number

    out: set[str] = set()
    while len(out) < n:
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        out.add(make_id_number(region, birth, rng.randrange(0, 500), male=rng.random() < 0.5))
    return sorted(out)


def usccs(n: int) -> list[str]:
    from connectors.base.identifiers import make_uscc

    return [make_uscc("370602", 900_000 + i) for i in range(n)]


async def add_entries(env: dict[str, str], entries: int) -> dict[str, list[str]]:
    """ENTRIES active entries straight into the hub database; the subjects to check."""
    from sqlalchemy import delete, insert, text

    from hub.config import Settings
    from hub.db.engine import create_hub_engine
    from hub.sanctions.models import sanction_changes, sanction_entries, sanction_entry_persons

    rng = random.Random(7)
    today = datetime.now(UTC).date()
    enterprises = entries // 4
    persons = person_ids(rng, entries - enterprises + enterprises * 3 + entries // 3, "110101")
    listed_persons = persons[: entries - enterprises]
    rest = persons[entries - enterprises :]
    officers = rest[: enterprises * 3]
    unlisted = rest[enterprises * 3 :]
    companies = usccs(enterprises)
    now = datetime.now(UTC)
    rows, people = [], []
    for i, subject in enumerate(listed_persons + companies):
        kind = "PERSON" if i < len(listed_persons) else "ENTERPRISE"
        entry_id = f"XF-370602-2025-{i:06d}B"
        list_ = "CONSUMPTION_RESTRICTION" if i % 2 else "DISHONEST"
        ended = list_ == "DISHONEST" and i % 20 == 0  # a term of two years, over
        rows.append(
            {
                "id": entry_id,
                "list": list_,
                "subject_kind": kind,
                "subject_id": subject,
                "name": "某某",
                "court_code": "370602",
                "case_number": f"（2025）鲁0602执{i % 90000 + 1}号",
                "obligation": "支付人民币10000元",
                "published_on": date(2025, 6, 1),
                "legal_basis": "法释〔2015〕17号 第一条",
                "status": "ACTIVE",
                "revoked_on": None,
                "revoke_reason": None,
                "published_by": "bench",
                "revoked_by": None,
                "grounds": (
                    "NOT_PERFORMED"
                    if list_ == "CONSUMPTION_RESTRICTION"
                    else "ASSET_REPORT"
                    if ended
                    else "ABLE_NOT_PERFORMING"
                ),
                "term_years": 2 if ended else None,
                "ends_on": today - timedelta(days=30) if ended else None,
            }
        )
        if kind == "ENTERPRISE":
            j = (i - len(listed_persons)) * 3
            people += [
                {
                    "entry_id": entry_id,
                    "id_number": officers[j],
                    "name": "某",
                    "role": "LEGAL_REPRESENTATIVE",
                    "named_by": "REGISTER",
                },
                {
                    "entry_id": entry_id,
                    "id_number": officers[j + 1],
                    "name": "某",
                    "role": "PRINCIPAL",
                    "named_by": "REGISTER",
                },
                {
                    "entry_id": entry_id,
                    "id_number": officers[j + 2],
                    "name": "某",
                    "role": "ACTUAL_CONTROLLER",
                    "named_by": "COURT",
                },
            ]
    engine = create_hub_engine(Settings.from_env(env).database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                delete(sanction_changes).where(sanction_changes.c.entry_id.like("%B"))
            )
            await conn.execute(
                delete(sanction_entry_persons).where(sanction_entry_persons.c.entry_id.like("%B"))
            )
            await conn.execute(delete(sanction_entries).where(sanction_entries.c.id.like("%B")))
            for k in range(0, len(rows), 5000):
                await conn.execute(insert(sanction_entries), rows[k : k + 5000])
            for k in range(0, len(people), 5000):
                await conn.execute(insert(sanction_entry_persons), people[k : k + 5000])
            await conn.execute(
                insert(sanction_changes),
                [{"entry_id": r["id"], "change": "PUBLISHED", "at": now} for r in rows],
            )
        async with engine.connect() as conn:  # planner statistics, as autovacuum would keep
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    finally:
        await engine.dispose()
    return {
        "listed": listed_persons,
        "representatives": officers[0::3],
        "unlisted": unlisted,
    }


def batch_of(
    subjects: dict[str, list[str]], size: int, listed: float, rng: random.Random
) -> list[str]:
    """``listed`` of the batch restricted: half listed persons, half representatives of listed
    enterprises; the rest on no list."""
    hits = round(size * listed)
    ids = (
        rng.sample(subjects["listed"], hits // 2)
        + rng.sample(subjects["representatives"], hits - hits // 2)
        + rng.sample(subjects["unlisted"], size - hits)
    )
    rng.shuffle(ids)
    return ids


def calibrate() -> float:
    """Seconds for a fixed pure-Python loop: this VM's speed drifts by up to 50 % from one
    minute to the next, so results are read against it (0.39 s when it is at its fastest)."""
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--matter", default="XF-PROPERTY")
    ap.add_argument(
        "--listed", type=float, default=0.1, help="share of the batch that is restricted (0-1)"
    )
    ap.add_argument(
        "--pause",
        type=float,
        default=3.0,
        help="seconds between rounds, for the background work of the last batch (audit"
        " integration, on SQLite the WAL checkpoint) to finish (0: back to back, that work"
        " overlapping the next round)",
    )
    args = ap.parse_args()

    pg = os.environ.get("HUB_DATABASE_URL", "").startswith("postgres")
    data_dir = ROOT / "bench" / ".data" / f"sanctions-{args.entries}{'-pg' if pg else ''}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENCY_") and k != "HUB_CONFIG"}
    env["HUB_DATA_DIR"] = str(data_dir)
    if not (data_dir / "demo.json").exists():
        subprocess.run(
            [sys.executable, "-m", "hub.cli", "demo", "seed", "--persons", "2000"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    started = time.perf_counter()
    subjects = asyncio.run(add_entries(env, args.entries))
    print(f"{args.entries:,} entries in place in {time.perf_counter() - started:.1f} s")

    from hub.config import POLICY_DIR, Settings
    from hub.demo.info import demo_info
    from hub.sanctions.catalogue import load_catalogue

    # an approval system of a department that grants the matter (others are refused)
    orgs = load_catalogue(POLICY_DIR)[args.matter].orgs
    info = asyncio.run(demo_info(Settings.from_env(env)))
    approvers = [u for u in info["users"] if "approval_system" in u["roles"] and u["org"] in orgs]
    if not approvers:
        raise SystemExit(f"no demo approval system may check {args.matter} (granted by {orgs})")
    token = approvers[0]["token"]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    timings, blocked = [], []
    calibration = [calibrate()]
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rng = random.Random(11)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            for round_ in range(args.rounds + 1):  # the first round warms up
                time.sleep(args.pause if round_ else 0)
                body = {
                    "query": QUERY,
                    "variables": {
                        "s": batch_of(subjects, args.batch, args.listed, rng),
                        "m": args.matter,
                    },
                }
                t0 = time.perf_counter()
                response = client.post("/graphql", json=body)
                elapsed = time.perf_counter() - t0
                data = response.json()
                if response.status_code != 200 or data.get("errors"):
                    raise SystemExit(f"check failed: {str(data)[:500]}")
                results = data["data"]["sanctionChecks"]
                assert len(results) == args.batch
                if round_:
                    timings.append(elapsed)
                    blocked.append(sum(r["decision"] == "BLOCK" for r in results))
    finally:
        server.terminate()
        server.wait(timeout=20)
    calibration.append(calibrate())
    timings.sort()
    report = {
        "entries": args.entries,
        "batch": args.batch,
        "matter": args.matter,
        "rounds": args.rounds,
        "p50_s": round(timings[len(timings) // 2], 3),
        "max_s": round(timings[-1], 3),
        "min_s": round(timings[0], 3),
        "blocked_per_batch": blocked[0],
        "pause_s": args.pause,
        "calibration_s": [round(c, 3) for c in calibration],
        "database": Settings.from_env(env).database_url.split(":", 1)[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
