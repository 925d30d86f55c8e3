"""The console's profile documents (hub/console/static/js/profile.js) are valid against the schema.

The browser tests (tests/e2e) run them in Chromium; this checks them without a browser, so that
a field the console asks for and the schema does not have fails here too.
"""

from __future__ import annotations

import re

import pytest
from graphql import parse, validate

from hub.console import STATIC_DIR
from hub.graphql.schema import schema as hub_schema

PROFILE_JS = STATIC_DIR / "js" / "profile.js"
CONSTANT = re.compile(r'^(?:export )?const ([A-Z_]+) = (?:"([^"]*)"|`([^`]*)`);', re.M | re.S)


def documents() -> dict[str, str]:
    """The string constants of profile.js, ``${NAME}`` replaced by the constant it names."""
    found = {
        m[1]: m[2] if m[2] is not None else m[3] for m in CONSTANT.finditer(PROFILE_JS.read_text())
    }

    def expand(text: str) -> str:
        return re.sub(r"\$\{([A-Z_]+)\}", lambda m: expand(found[m[1]]), text)

    return {name: expand(text) for name, text in found.items()}


@pytest.mark.parametrize("name", ["PERSON_QUERY", "REPRESENTATIVE_QUERY", "ENTERPRISE_QUERY"])
def test_the_console_asks_only_for_fields_the_schema_has(name: str) -> None:
    document = parse(documents()[name])
    assert validate(hub_schema._schema, document) == []


def test_the_profiles_ask_every_bank_for_deposits_with_their_freezes() -> None:
    for name in ("PERSON_QUERY", "ENTERPRISE_QUERY"):
        text = documents()[name]
        assert "deposits { bank bankName answer" in text
        assert "freezes {" in text and "availableBalance" in text
