"""The synthetic generators' output, pinned: a digest of every table for fixed seeds and sizes.

The digests were computed once from the generators as they were before they were split into one
function per table (commit 9165cec), so a refactoring that changes a single value, the order of
rows or the type of a value (a float for a Decimal, a string for a date) fails here. A deliberate
change of the synthetic data updates these constants in the same commit and says so.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pytest

from connectors.base.world import World, build_world
from connectors.market_supervision import synth as market_synth
from connectors.public_security import synth as police_synth
from connectors.real_estate import synth as estate_synth
from connectors.social_security import synth as social_synth
from connectors.tax import synth as tax_synth
from connectors.utilities import synth as utilities_synth

GENERATORS = {
    "public_security": police_synth.generate,
    "real_estate": estate_synth.generate,
    "market_supervision": market_synth.generate,
    "social_security": social_synth.generate,
    "tax": tax_synth.generate,
    "utilities": utilities_synth.generate,
}

# (seed, persons) -> "agency.table" -> (rows, SHA-256 of the canonical JSON of the rows)
EXPECTED: dict[tuple[int, int], dict[str, tuple[int, str]]] = {
    (31, 400): {
        "world.persons": (400, "c6ed4e8e4188f97c2ffa7c3ab6c7e5bccb905f450f4c96c54f4c525bdc3d87c6"),
        "world.enterprises": (40, "d475aca0b2f62efd6948eed8eab424603e6f1a75e432ed6a77b6e04bac2bd454"),
        "public_security.residents": (400, "3d1a737207d408a52af3698b8d5cc9ef5256b5d046f1357e978c85262835d0d3"),
        "public_security.vehicles": (290, "41b5a82b5a1f21993f0928323f50b8c845e99a00cace6c55f855b922c3a3c708"),
        "public_security.vehicle_seizures": (2, "50cf4725e7fcb7126cbca235e21245cdbd8cd8ae77721cd0230d0a27548a7bcd"),
        "public_security.accommodations": (415, "6d489dd21805e64069eb4fc06d9f0e6fe2aaa72b36f1c10588c50bf4d619b1cc"),
        "public_security.bookings": (600, "13e20493654b175e5388dd63822d1d21a7dbffbf372983c552a468f3d097ec40"),
        "public_security.passages": (1124, "66f84a7c901cdc05c370f1784697bf635c39b38afc3cab31d4a7f8e9bfcd370f"),
        "real_estate.units": (425, "a756f0ae57485dfe0d2e2ff9aba936b6be1d697080eb6a3cf04b48454a9937be"),
        "real_estate.owners": (517, "7100cfde59e4ee551f30a22381fe47a7da6eeb52970e00a051cd0737c75cac7a"),
        "real_estate.mortgages": (151, "6b8744ab2ba43911324678eab4739a68b1a8e54a7096ce404e38c9d97a0f02ff"),
        "real_estate.seizures": (19, "b6ca2078976feddd1878101652e3ccd739703481b551e8efa16a3ea58ec24c5a"),
        "market_supervision.enterprises": (40, "68d5f97bc7f68bdfba2828abcf8db03856c10add47b8e71e503ca6dfc57600bd"),
        "market_supervision.shareholders": (88, "f5e021bba1a387ac8684cb7c96b79d5696cc1eacb1d415c7369f895564a42dd9"),
        "market_supervision.key_personnel": (117, "1fba90c09d76de329d8f24aa63e722399bd1e1adeebb80732f823b1ed1fd819b"),
        "market_supervision.licences": (37, "9c86419dcb5b6716ff7847f696fe9f276300cd88f1872b74cf0f01c8637f9129"),
        "market_supervision.penalties": (3, "b2a250fb643869344ad84220eaaf6965af9dda8558ab95d07ea26e9229d7f54e"),
        "market_supervision.abnormal_operations": (2, "636ee201e371e93c4329c3df9f231963a368b5ef09ed1f4672a68310b1186825"),
        "market_supervision.serious_violations": (3, "ab3c6b1dc729c3b7f912a5c7d4a469861f58ed6f1479900c90fe03b329b26f78"),
        "market_supervision.equity_freezes": (1, "ac4d987f5fdfc1bcb8efc15cc825a75add4bc56c9bb2bc2586a0c0bc2acf96fe"),
        "social_security.insurance_records": (1065, "c416afe1d9c1f2bcdb5b867c0dfe6a0c3f59513e240841862aa63bbff3631819"),
        "social_security.housing_fund_accounts": (144, "e04d95dc7f3e62ce6b3d828b2330f20fe90993ba6b9f47fac67a128c587153c4"),
        "social_security.qualifications": (197, "c186be96c1029ea9b316fb2588609352f7437112e5d06757973d45323365462c"),
        "social_security.enterprise_insurance": (40, "1e9bafbcb6c1ad951801356e94edfa9cd9f640ff716c068a7e3f451c9d00173a"),
        "tax.tax_registrations": (46, "7e83d412fd73fb5f2b8c272592e914ceaf47ad977882e305b971fb7efa3405d6"),
        "tax.tax_filings": (432, "eac3d6a6fe5f5678370fa403c036aeecbf4b3d5a98cf8c9e006caf7298bc3ae3"),
        "tax.tax_arrears": (15, "263eddea983d1a5275b976027461719a354d36797124e205005a6c1d68b541ef"),
        "tax.tax_refunds": (4, "4c39c827c134f2438e81dcaa53fa4442faf46128fd8a93062e16d38f51a277e2"),
        "tax.income_tax_withholdings": (2637, "ec138654ae8b886794b41f6f6a79eea302ff188fec80d5da3c7914b86d709bae"),
        "utilities.utility_accounts": (826, "65f3600baffe2caaac0ba27ba285f7f0337503ca75ec1334b5ef0f3792c62905"),
        "utilities.utility_usage": (9912, "1cd9a99023bb4abf7d93476f3121ff084e763a169a11f403905fb01ae820ef08"),
    },
    (20_260_101, 1500): {
        "world.persons": (1500, "ce48ef50e4fbe89f84f9eb2ed0d056bbb1fc0abdaec3389d6383916e3fc4ea4e"),
        "world.enterprises": (150, "1061bb25bd621e9e25247354497a990ee666f6eb6de6d614a558231ff1e204b0"),
        "public_security.residents": (1500, "693b9b140cb387ce2858fb5aa6cf53fac3e9a1ee43e883f93aa1b23da05f6e8c"),
        "public_security.vehicles": (1135, "28446615611cfe3b6bb1fcb1ff74a1c0f626ed5a17cc2dcfc5036570fb840297"),
        "public_security.vehicle_seizures": (22, "4870b26820571e6983624e07420773debec5289a5bf9ee907fb187b9528e954e"),
        "public_security.accommodations": (1638, "01a5b1832588ec70df9c329eb7e9ce95767956cbda0efca39a6e3a6bbe7cafbc"),
        "public_security.bookings": (2417, "b1ac3ec9c350b40e28e970b7f77ff6fe09673e3ac4eed789bd3f1145ce013076"),
        "public_security.passages": (4288, "1da8e76a2238c10a3e3be0c8451bdcd60371781673e7d16026a99ce34841df71"),
        "real_estate.units": (1530, "206dea51c9a592bf5cfc9e71cc82522024943217d3e78aba1e57901cd4a11aec"),
        "real_estate.owners": (1811, "f5a2900cf150224cc333d8c17e6d79e27b1135ef84148a1035c1d647c7fd046b"),
        "real_estate.mortgages": (529, "b77b9a3fd5c11a9b696f84faec18d5c0e7702d9c666a4c69a63b971cdd37469c"),
        "real_estate.seizures": (32, "54e11bdd43998a7637012957f8fb4f520c46cf06e6611724ffa2af00ea1dbda5"),
        "market_supervision.enterprises": (150, "c37a69134d528147d34e402af3a29ba85a8b2911dcb38c2d2322689f7736056a"),
        "market_supervision.shareholders": (320, "1d94e42852268b19c56883a32a8fbf7a9cfa4ae0df5fa811a9caabf34693e068"),
        "market_supervision.key_personnel": (424, "61372ceddd5a151b508d4ba1aed46f06cbeedbf6cee08cb7bb0c0baf56c50fa7"),
        "market_supervision.licences": (154, "e8b29473073d9186cd1ee24de28c4a9c75a70d2851893e0aba6cb444cc746901"),
        "market_supervision.penalties": (18, "53537041f553751c1170fde3c7110ce2c7ae0acec36c7fae10f1fcb387bd5433"),
        "market_supervision.abnormal_operations": (10, "17e41634d1c1c57afe03f46f7b26c12655ca338023e2556c38358eb495d87718"),
        "market_supervision.serious_violations": (7, "924fb1a015ce2e105bbaff8814fc53360e0b631c61ba1e0417d513b8c411c73b"),
        "market_supervision.equity_freezes": (6, "afcbacc47c5c4f21fbe78955e9edff1822b054333b7c2e88d183b6628f30e653"),
        "social_security.insurance_records": (3845, "128f4623f906d0cb969f403884228dd07c468b2f80375364317e5f9bbe708654"),
        "social_security.housing_fund_accounts": (508, "3d97c6fa6ba7fca435d95600a8754460fcf732bd88f744de1fe0829087facf65"),
        "social_security.qualifications": (700, "3549aaa9d7b885920307960967754fa1c70cb97aaf0cdf4a0db9e7bc1d87ccf2"),
        "social_security.enterprise_insurance": (150, "a7eaf476fc7858f86e37232835d5637cbb74aef198ffab4b053dcf7ecbed0b02"),
        "tax.tax_registrations": (160, "b12c4ddb57bc980b5d429d75510029840849d05f63b9bdef05b053a6ce276a1a"),
        "tax.tax_filings": (1694, "77ca7df2fce20539bf9b5dc8e8b6cf304b67049565371097c4d021415f931af7"),
        "tax.tax_arrears": (27, "afc1f6ede5712eaac204012e14d9a6d71b55eb9e8b96be8239732ebc3f940c9d"),
        "tax.tax_refunds": (19, "1c219f80c54dd77a06de80395a9a07f288de599fb2345140883622a7b668198c"),
        "tax.income_tax_withholdings": (9614, "7e53ae2a5c31ebef7d7f7b3eaf83067a3c03cd47588fd99664c6e0c758946d29"),
        "utilities.utility_accounts": (3397, "4c82f5238751ea8eb07bde187a1e7aec2b7ac724b0d597a21afd19032aa058e7"),
        "utilities.utility_usage": (40764, "5e8c3cb3b65b30eae94896fe13331895393849caf152f3ee3be1a4bd583aea41"),
    },
}  # fmt: skip


def _typed(value: Any) -> str:
    """Dates, Decimals and the like as ``type:str(value)``: 1.0000 stays 1.0000, not 1."""
    return f"{type(value).__name__}:{value}"


def digest(rows: list[dict[str, Any]]) -> str:
    text = json.dumps(
        rows, sort_keys=True, ensure_ascii=False, default=_typed, separators=(",", ":")
    )
    return hashlib.sha256(text.encode()).hexdigest()


def tables(world: World) -> dict[str, tuple[int, str]]:
    out = {
        "world.persons": [dataclasses.asdict(p) for p in world.persons],
        "world.enterprises": [dataclasses.asdict(e) for e in world.enterprises],
    }
    for agency, generate in GENERATORS.items():
        for table, rows in generate(world).items():
            out[f"{agency}.{table}"] = rows
    return {name: (len(rows), digest(rows)) for name, rows in out.items()}


@pytest.mark.parametrize(("seed", "persons"), list(EXPECTED))
def test_every_generated_table_is_what_it_was(seed: int, persons: int) -> None:
    # given the world of a fixed seed and size
    world = build_world(seed, persons)
    # when every agency generates its tables from it
    found = tables(world)
    # then every table has the rows it had, value for value and in the same order
    assert found == EXPECTED[(seed, persons)]
