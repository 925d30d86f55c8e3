"""The catalogue of restricted matters (``sanction_matters.toml`` of the policy directory): the
departments that grant them, which approval systems act for each department, and the rules a
matter's entry must keep to be loaded."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.errors import PolicyError
from hub.resources import POLICY_DIR

LISTS = ("DISHONEST", "CONSUMPTION_RESTRICTION")
SUBJECT_KINDS = ("PERSON", "ENTERPRISE")
# The persons a listed enterprise binds for the acts of 第三条第一款: 《最高人民法院关于限制被执行人
# 高消费及有关消费的若干规定》(法释〔2010〕8号, 法释〔2015〕17号修正) 第三条第二款 "被执行人为单位的，被采取
# 限制消费措施后，被执行人及其法定代表人、主要负责人、影响债务履行的直接责任人员、实际控制人不得实施前款
# 规定的行为" — and nobody else (not every registered director or supervisor).
ROLES = ("LEGAL_REPRESENTATIVE", "PRINCIPAL", "DIRECTLY_RESPONSIBLE", "ACTUAL_CONTROLLER")
# Stored before the court named bound persons: an officer taken from the register. Binds nobody.
LEGACY_ROLE = "KEY_PERSONNEL"
# 第三条第一款 (一)–(九): the consumption a restricted person may not make.
CONSUMPTION_ITEMS = range(1, 10)
CATALOGUE_FILE = "sanction_matters.toml"
CONSUMPTION_SOURCE = "法释〔2015〕17号 第三条"
_NUMERALS = "〇一二三四五六七八九"
_DEPARTMENT_CODE = re.compile(r"[A-Z][A-Z_]{1,39}")
_ORG = re.compile(r"agency:[a-z][a-z0-9_]{1,39}")
_MATTER_KEYS = {
    "code",
    "name",
    "category",
    "departments",
    "lists",
    "subjects",
    "consumption_items",
    "extends_to",
    "legal_basis",
}


class CatalogueError(PolicyError):
    """The catalogue file is missing or malformed; the message names the file and the matter.
    A policy error: a reload with a bad catalogue is refused like a bad policy file."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


@dataclass(frozen=True, slots=True)
class Department:
    """A department that grants restricted matters, and the hub organisations (a token's
    ``org``) whose approval systems act for it; none where no approval system is connected."""

    code: str
    name: str
    orgs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Matter:
    code: str
    name: str
    lists: tuple[str, ...]
    subjects: tuple[str, ...]
    extends_to: tuple[str, ...]
    legal_basis: str
    departments: tuple[Department, ...] = ()
    consumption_items: tuple[int, ...] = ()  # 第三条第一款 items; empty for joint sanctions
    category: str | None = None

    @property
    def orgs(self) -> tuple[str, ...]:
        """The organisations whose approval systems may check this matter."""
        return tuple(dict.fromkeys(o for d in self.departments for o in d.orgs))

    def granted_by(self, org: str) -> bool:
        return org in self.orgs

    @property
    def bound_basis(self) -> str:
        """What a match through a listed enterprise cites: 第三条第二款, for the acts of the
        first paragraph's items (a bound person is not the 被执行人 of 第一款)."""
        items = "、".join(f"（{_NUMERALS[i]}）" for i in self.consumption_items)
        return f"法释〔2015〕17号 第三条第二款（第一款第{items}项所列行为）"


BUNDLED = POLICY_DIR / CATALOGUE_FILE


def _strings(raw: dict[str, Any], key: str, where: str) -> list[str]:
    values = raw.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise CatalogueError(f"{where}: {key} must be an array of strings")
    return values


def _departments(path: Path, document: dict[str, Any]) -> dict[str, Department]:
    entries = document.get("department", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: department must be an array of tables ([[department]])")
    departments: dict[str, Department] = {}
    for i, raw in enumerate(entries, start=1):
        where = f"{path}: department {i}"
        if not isinstance(raw, dict):
            raise CatalogueError(f"{where}: must be a table")
        unknown = set(raw) - {"code", "name", "orgs"}
        if unknown:
            raise CatalogueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        code, name = raw.get("code"), raw.get("name")
        if not isinstance(code, str) or not _DEPARTMENT_CODE.fullmatch(code):
            raise CatalogueError(f"{where}: code must be upper-case letters and _ (e.g. CUSTOMS)")
        if code in departments:
            raise CatalogueError(f"{where}: code {code!r} appears twice")
        if not isinstance(name, str) or not name.strip():
            raise CatalogueError(f"{where} ({code}): name must be a non-empty string")
        orgs = _strings(raw, "orgs", f"{where} ({code})")
        bad = [o for o in orgs if not _ORG.fullmatch(o)]
        if bad:
            raise CatalogueError(
                f"{where} ({code}): orgs must look like agency:market_supervision, got {bad[0]!r}"
            )
        departments[code] = Department(code=code, name=name, orgs=tuple(dict.fromkeys(orgs)))
    return departments


def _matter(raw: Any, where: str, departments: dict[str, Department]) -> Matter:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: must be a table")
    unknown = set(raw) - _MATTER_KEYS
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    for key in ("code", "name", "legal_basis"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CatalogueError(f"{where}: {key} must be a non-empty string")
    code = raw["code"]
    if code != code.strip():
        raise CatalogueError(f"{where}: code {code!r} has blanks around it")
    where = f"{where} ({code})"
    for key, allowed in (("lists", LISTS), ("subjects", SUBJECT_KINDS)):
        values = raw.get(key, [])
        if not isinstance(values, list) or any(v not in allowed for v in values):
            raise CatalogueError(f"{where}: {key} must list some of {', '.join(allowed)}")
    if not raw.get("lists") or not raw.get("subjects"):
        raise CatalogueError(f"{where}: lists and subjects must not be empty")
    extends_to = raw.get("extends_to", [])
    if not isinstance(extends_to, list) or any(v not in ROLES for v in extends_to):
        legacy = isinstance(extends_to, list) and LEGACY_ROLE in extends_to
        raise CatalogueError(
            f"{where}: extends_to must list some of {', '.join(ROLES)}"
            + (
                f" ({LEGACY_ROLE}: a registered officer is not a person 法释〔2015〕17号"
                " 第三条第二款 binds)"
                if legacy
                else ""
            )
        )
    names = _strings(raw, "departments", where)
    if not names:
        raise CatalogueError(f"{where}: departments must name the departments that grant it")
    missing = [n for n in names if n not in departments]
    if missing:
        raise CatalogueError(f"{where}: department {missing[0]!r} is not a [[department]] here")
    items = raw.get("consumption_items", [])
    if (
        not isinstance(items, list)
        or any(type(i) is not int or i not in CONSUMPTION_ITEMS for i in items)
        or len(set(items)) != len(items)
    ):
        raise CatalogueError(f"{where}: consumption_items must list distinct items 1 to 9")
    category = raw.get("category")
    if category is not None and (not isinstance(category, str) or not category.strip()):
        raise CatalogueError(f"{where}: category must be a non-empty string")
    if items:
        # 第一条第二款: a person on the dishonest list is restricted too; 第三条第二款: the
        # enterprise's persons may not do what 第一款 forbids — all four of them.
        if set(raw["lists"]) != set(LISTS):
            raise CatalogueError(
                f"{where}: a consumption matter is restricted by both lists"
                " (法释〔2015〕17号 第一条第二款)"
            )
        if set(extends_to) != set(ROLES):
            raise CatalogueError(
                f"{where}: a consumption matter binds a listed enterprise's"
                f" {', '.join(ROLES)} (法释〔2015〕17号 第三条第二款)"
            )
        if CONSUMPTION_SOURCE not in raw["legal_basis"]:
            raise CatalogueError(f"{where}: legal_basis must cite {CONSUMPTION_SOURCE}")
    elif extends_to:
        raise CatalogueError(
            f"{where}: extends_to is for consumption matters (consumption_items): 第三条第二款"
            " binds persons for the acts of 第一款 only"
        )
    return Matter(
        code=code,
        name=raw["name"],
        lists=tuple(raw["lists"]),
        subjects=tuple(raw["subjects"]),
        extends_to=tuple(extends_to),
        legal_basis=raw["legal_basis"],
        departments=tuple(departments[n] for n in dict.fromkeys(names)),
        consumption_items=tuple(sorted(items)),
        category=category,
    )


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
    departments = _departments(path, document)
    matters: dict[str, Matter] = {}
    entries = document.get("matter", [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: matter must be an array of tables ([[matter]])")
    for i, raw in enumerate(entries, start=1):
        matter = _matter(raw, f"{path}: matter {i}", departments)
        if matter.code in matters:
            raise CatalogueError(f"{path}: matter {i}: code {matter.code!r} appears twice")
        matters[matter.code] = matter
    if not matters:
        raise CatalogueError(f"{path}: no [[matter]] in the catalogue")
    return matters
