"""CPU cost of policy, masking and purpose checks on a full person profile: with and without.

    python bench/policy_overhead.py [--persons 100000] [--requests 4000] [--rounds 5]

Both variants run in this process over the same ASGI app code and the same data (the demo
judge, citing each person's case): "with" is the hub as shipped; "without" builds the schema
with the policy extensions replaced by pass-throughs that only validate the identifiers (a
measurement harness only — the hub has no switch to turn access control off). Requests go through the ASGI app directly (no sockets),
8 at a time, and the CPU time of the process is compared; rounds alternate to cancel drift,
each process pinned to one core (taskset) to cut scheduling noise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen import refused_only  # noqa: E402
from bench.profile_load import ensure_data, subjects  # noqa: E402
from tests.hub.queries import PERSON_FULL  # noqa: E402


def without_policy() -> None:
    """Replace the policy extensions with pass-throughs (before the schema is built)."""
    from strawberry.extensions.field_extension import FieldExtension

    import hub.graphql.query as query_module
    import hub.graphql.schema as schema_module
    import hub.graphql.subject_access as subjects_module
    from hub.identifiers import check_id_number, check_uscc, normalize_case_number

    class PassThrough(FieldExtension):
        """Input validation only (that is not access control and stays in both variants)."""

        def __init__(self, **_: Any) -> None:
            pass

        def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
            return next_(source, info, **kwargs)

        async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
            for name, check in (("id_number", check_id_number), ("uscc", check_uscc)):
                if name in kwargs:
                    kwargs[name] = check(kwargs[name])
            if kwargs.get("case_number") is not None:
                kwargs["case_number"] = normalize_case_number(kwargs["case_number"])
            return await next_(source, info, **kwargs)

    schema_module.attach_policy = lambda *a, **k: None
    for name in ("person", "persons", "enterprise", "enterprises"):
        f = next(
            f for f in query_module.Query.__strawberry_definition__.fields if f.python_name == name
        )
        f.extensions[:] = [PassThrough()]
    subjects_module.SubjectAccess = PassThrough  # type: ignore[misc]


async def measure(app: Any, bodies: list[bytes], token: str, n: int) -> float:
    """CPU ms per request over n requests sent straight to the ASGI app, 8 in flight."""
    headers = [
        (b"authorization", f"Bearer {token}".encode()),
        (b"content-type", b"application/json"),
    ]

    async def one(body: bytes) -> None:
        sent = False
        out: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                out.append(message.get("body", b""))

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("bench", 80),
            "app": app,
            "state": {},
        }
        await app(scope, receive, send)
        body = b"".join(out)
        if b'"errors"' in body and not refused_only(body):
            raise SystemExit(f"unexpected errors: {body[:300]!r}")

    cpu = time.process_time()
    for i in range(0, n, 8):
        await asyncio.gather(*(one(bodies[(i + j) % len(bodies)]) for j in range(8)))
    return (time.process_time() - cpu) * 1000 / n


async def run_variant(
    env: dict[str, str], policy: bool, token: str, pairs: list[tuple[str, str]], n: int
) -> float:
    from hub.app import create_app
    from hub.config import Settings

    app = create_app(Settings.from_env(env))
    bodies = [
        json.dumps({"query": PERSON_FULL, "variables": {"id": p, "case": c}}).encode()
        for p, c in pairs
    ]
    async with app.router.lifespan_context(app):
        await measure(app, bodies, token, 400)  # warm-up
        return await measure(app, bodies, token, n)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--variant", choices=["with", "without"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    env = {**os.environ, "HUB_DATA_DIR": str(ROOT / "bench" / ".data" / f"profile-{args.persons}")}
    env.pop("HUB_DATABASE_URL", None)
    if args.variant:  # one measurement in a fresh process
        if args.variant == "without":
            without_policy()
        token, pairs = asyncio.run(subjects(env, 500))
        print(asyncio.run(run_variant(env, args.variant == "with", token, pairs, args.requests)))
        return
    ensure_data(env, args.persons)
    import subprocess

    results: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(args.rounds):
        for variant in ("without", "with"):
            pin = ["taskset", "-c", "1"] if shutil.which("taskset") else []
            out = (
                subprocess.run(
                    [
                        *pin,
                        sys.executable,
                        __file__,
                        "--variant",
                        variant,
                        "--persons",
                        str(args.persons),
                        "--requests",
                        str(args.requests),
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            results[variant].append(float(out))
    med = {k: statistics.median(v) for k, v in results.items()}
    low = {k: min(v) for k, v in results.items()}
    print(
        json.dumps(
            {
                "cpu_ms_per_request_with_policy": round(med["with"], 3),
                "cpu_ms_per_request_without_policy": round(med["without"], 3),
                "overhead_percent_of_medians": round((med["with"] / med["without"] - 1) * 100, 1),
                "overhead_percent_of_minimums": round((low["with"] / low["without"] - 1) * 100, 1),
                "rounds": {k: [round(x, 3) for x in v] for k, v in results.items()},
                "requests_per_round": args.requests,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
