"""A demo made before the banks came: `fyt serve --demo` adds their databases from its world."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, func, select

from connectors import registry
from connectors.banks import models as bk
from connectors.base.world import build_world
from hub.demo.seed import missing_databases, seed_demo, seed_missing
from tests.conftest import make_settings


async def test_missing_bank_databases_are_made_from_the_demos_own_world(tmp_path: Path) -> None:
    # given a small demo whose data directory lost two banks' databases
    settings = make_settings(tmp_path / "data", f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await seed_demo(settings, persons=60, seed=11)
    for name in ("bank:102", "bank:313"):
        os.unlink(settings.connectors[name].url.removeprefix("sqlite:///"))
    assert missing_databases(settings) == ["bank:102", "bank:313"]
    # when they are seeded again (as `fyt serve --demo` does on a demo made earlier)
    assert await seed_missing(settings) == ["bank:102", "bank:313"]
    # then they are there, with the accounts the demo's world gives them, and nothing is missing
    assert missing_databases(settings) == []
    world = build_world(11, 60)
    for name in ("bank:102", "bank:313"):
        engine = create_engine(settings.connectors[name].url)
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(bk.accounts)).scalar_one()
        engine.dispose()
        assert count == len(registry.get(name).generate(world)["accounts"]) > 0
    assert await seed_missing(settings) == []
