"""One benchmark script of bench/ run for two source trees alternately, in one run.

    python bench/side_by_side.py --base /path/to/other/checkout [--rounds 3] -- SCRIPT [ARGS...]

SCRIPT is a file name in bench/ (``policy_overhead.py``, ``audit_writer.py``,
``profile_load.py``, ``gateway_compare.py``, ...). Each tree runs *its own* copy of the script
(benchmarks follow the code they measure) with its own virtualenv (``.venv`` in the other tree,
this interpreter here) and its own data under its ``bench/.data/``. Rounds alternate which tree
goes first. Every numeric figure the script prints — the last JSON object of its output, or the
rows of a Markdown table — is collected per tree; the report gives each figure's median per tree
and the ratio this ÷ base per round (median, lowest, highest). The machine is noisy: compare the
ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"^-?\d[\d,]*(\.\d+)?$")


def _flatten(value: Any, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int | float):
        out[prefix.rstrip(".")] = float(value)
    return out


def _last_json(text: str) -> dict[str, Any] | None:
    """The last top-level JSON object printed (one line or indented over several)."""
    decoder = json.JSONDecoder()
    found = None
    for start in [m.start() for m in re.finditer(r"(?m)^\{", text)]:
        try:
            obj, _ = decoder.raw_decode(text[start:])
        except ValueError:
            continue
        if isinstance(obj, dict):
            found = obj
    return found


def _markdown_rows(text: str) -> dict[str, float]:
    """Numeric cells of Markdown tables, keyed ``first cell.column header``."""
    out: dict[str, float] = {}
    header: list[str] | None = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if all(set(c) <= set("-: ") for c in cells):
            continue
        for name, cell in zip(header[1:], cells[1:], strict=False):
            first = cell.split(" / ")[0].split(" ")[0].rstrip("%")
            if NUMBER.match(first):
                out[f"{cells[0]}.{name}"] = float(first.replace(",", ""))
    return out


def figures(text: str) -> dict[str, float]:
    found = _last_json(text)
    return _flatten(found) if found is not None else _markdown_rows(text)


def run(tree: Path, python: str, script: str, args: list[str]) -> dict[str, float]:
    path = tree / "bench" / script
    if not path.exists():
        raise SystemExit(f"{tree} has no bench/{script}")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("HUB_DATABASE_URL", None)
    done = subprocess.run(
        [python, str(path), *args], cwd=tree, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"bench/{script} failed in {tree} (exit {done.returncode})")
    found = figures(done.stdout)
    if not found:
        raise SystemExit(f"bench/{script} printed no figures in {tree}:\n{done.stdout[-2000:]}")
    return found


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--base", required=True, help="the other checkout (with .venv/)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="", help="regular expression: report only these figures")
    ap.add_argument("script")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    base = Path(args.base).resolve()
    trees = {
        "base": (base, str(base / ".venv" / "bin" / "python")),
        "this": (ROOT, sys.executable),
    }
    script_args = [a for a in args.args if a != "--"]
    per_tree: dict[str, list[dict[str, float]]] = {"base": [], "this": []}
    for k in range(args.rounds):
        order = ["base", "this"] if k % 2 == 0 else ["this", "base"]
        for name in order:
            tree, python = trees[name]
            per_tree[name].append(run(tree, python, args.script, script_args))
            print(f"round {k + 1} {name}: {json.dumps(per_tree[name][-1])}", flush=True)
    only = re.compile(args.only) if args.only else None
    keys = [
        key
        for key in per_tree["this"][0]
        if all(key in r for r in per_tree["this"] + per_tree["base"])
        and (only is None or only.search(key))
    ]
    lines = [
        f"bench/{args.script}, {args.rounds} rounds alternating; base {base.name} "
        f"({_commit(base)}), this {_commit(ROOT)}; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        "```sh",
        shlex.join(["python", "bench/side_by_side.py", *sys.argv[1:]]),
        "```",
        "",
        "| figure | base (median) | this (median) | this ÷ base per round: median | lowest | highest |",
        "|---|---|---|---|---|---|",
    ]
    for key in keys:
        b = [r[key] for r in per_tree["base"]]
        t = [r[key] for r in per_tree["this"]]
        ratios = [x / y for x, y in zip(t, b, strict=True) if y]
        if not ratios:
            continue
        lines.append(
            f"| {key} | {statistics.median(b):g} | {statistics.median(t):g} | "
            f"{statistics.median(ratios):.3f} | {min(ratios):.3f} | {max(ratios):.3f} |"
        )
    print("\n".join(lines))


def _commit(tree: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or "?"


if __name__ == "__main__":
    main()
