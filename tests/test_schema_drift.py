"""The committed SDL files are the contract: they must equal what the code exports."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hub.cli import main
from hub.schema_export import SCHEMA_DIR, drift, export, render


def test_committed_schema_matches_code() -> None:
    assert drift() == [], "run `fyt schema export` and commit schema/"


def test_drift_is_detected(tmp_path: Path) -> None:
    # given an exported copy with one file changed and one missing
    export(tmp_path)
    (tmp_path / "hub.graphql").write_text("type Query { x: Int }\n")
    (tmp_path / "subgraphs" / "real_estate.graphql").unlink()
    # then both are reported
    assert sorted(drift(tmp_path)) == ["hub.graphql", "subgraphs/real_estate.graphql"]


def test_every_agency_has_a_subgraph_with_federation_keys() -> None:
    files = render()
    for name in ("public_security", "real_estate", "market_supervision", "social_security"):
        sdl = files[f"subgraphs/{name}.graphql"]
        assert 'type Person @key(fields: "idNumber")' in sdl
        assert 'type Enterprise @key(fields: "uscc")' in sdl
        assert "specs.apollo.dev/federation/v2" in sdl


def test_schema_export_check_cli() -> None:
    result = CliRunner().invoke(main, ["schema", "export", "--check"])
    assert result.exit_code == 0, result.output
    assert SCHEMA_DIR.joinpath("hub.graphql").exists()
