"""The committed GraphQL contracts: schema/hub.graphql and schema/subgraphs/<agency>.graphql."""

from __future__ import annotations

from pathlib import Path

from connectors import registry
from hub.graphql.schema import build_schema

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"


def render() -> dict[str, str]:
    """Relative path -> SDL text, exported from code."""
    out = {"hub.graphql": build_schema().as_str() + "\n"}
    for name in registry.instances():
        connector = registry.get(name)
        rel = f"subgraphs/{connector.sdl_name}.graphql"  # one SDL per kind: every bank's is one
        out.setdefault(rel, connector.subgraph(None).as_str() + "\n")
    return out


def export(directory: Path = SCHEMA_DIR) -> list[Path]:
    written = []
    for rel, text in render().items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drift(directory: Path = SCHEMA_DIR) -> list[str]:
    """Files whose committed text differs from the code (missing files count)."""
    bad = []
    for rel, text in render().items():
        path = directory / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            bad.append(rel)
    return bad
