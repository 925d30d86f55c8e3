"""The catalogue of restricted matters (``policies/sanction_matters.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from hub.errors import PolicyError

LISTS = ("DISHONEST", "CONSUMPTION_RESTRICTION")
SUBJECT_KINDS = ("PERSON", "ENTERPRISE")
ROLES = ("LEGAL_REPRESENTATIVE", "KEY_PERSONNEL")
CATALOGUE_FILE = "sanction_matters.toml"


class CatalogueError(PolicyError):
    """The catalogue file is missing or malformed; the message names the file and the matter.
    A policy error: a reload with a bad catalogue is refused like a bad policy file."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


@dataclass(frozen=True, slots=True)
class Matter:
    code: str
    name: str
    lists: tuple[str, ...]
    subjects: tuple[str, ...]
    extends_to: tuple[str, ...]
    legal_basis: str


BUNDLED = Path(__file__).resolve().parents[2] / "policies" / CATALOGUE_FILE


def load_catalogue(policy_dir: Path) -> dict[str, Matter]:
    """The catalogue in the policy directory, or the bundled one when the directory has none."""
    path = policy_dir / CATALOGUE_FILE
    if not path.exists():
        path = BUNDLED
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the catalogue ({exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: not valid TOML ({exc})") from None
    matters: dict[str, Matter] = {}
    entries = document.get("matter", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: matter must be an array of tables ([[matter]])")
    for i, raw in enumerate(entries, start=1):
        where = f"{path}: matter {i}"
        if not isinstance(raw, dict):
            raise CatalogueError(f"{where}: must be a table")
        unknown = set(raw) - {"code", "name", "lists", "subjects", "extends_to", "legal_basis"}
        if unknown:
            raise CatalogueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        for key in ("code", "name", "legal_basis"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise CatalogueError(f"{where}: {key} must be a non-empty string")
        code = raw["code"]
        if code != code.strip():
            raise CatalogueError(f"{where}: code {code!r} has blanks around it")
        if code in matters:
            raise CatalogueError(f"{where}: code {code!r} appears twice")
        for key, allowed in (("lists", LISTS), ("subjects", SUBJECT_KINDS), ("extends_to", ROLES)):
            values = raw.get(key, [])
            if not isinstance(values, list) or any(v not in allowed for v in values):
                raise CatalogueError(
                    f"{where} ({code}): {key} must list some of {', '.join(allowed)}"
                )
        if not raw.get("lists") or not raw.get("subjects"):
            raise CatalogueError(f"{where} ({code}): lists and subjects must not be empty")
        matters[code] = Matter(
            code=code,
            name=raw["name"],
            lists=tuple(raw["lists"]),
            subjects=tuple(raw["subjects"]),
            extends_to=tuple(raw.get("extends_to", [])),
            legal_basis=raw["legal_basis"],
        )
    if not matters:
        raise CatalogueError(f"{path}: no [[matter]] in the catalogue")
    return matters
