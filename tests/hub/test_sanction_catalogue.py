"""The catalogue of restricted matters (hub/policies/sanction_matters.toml): what the bundled file
says, how a malformed one is refused (naming the file and the matter), and how a reload with a
bad catalogue keeps the old one serving, like a bad policy file."""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import reload_policy
from hub.config import POLICY_DIR
from hub.errors import PolicyError
from hub.sanctions.catalogue import (
    BUNDLED,
    CATALOGUE_FILE,
    LISTS,
    ROLES,
    CatalogueError,
    Department,
    Matter,
    load_catalogue,
)
from tests.conftest import Api, start_app

SOURCES = (
    "法释〔2015〕17号",
    "法释〔2017〕7号",
    "发改财金〔2016〕141号",
    "中办发〔2016〕64号",
    "公司法",
)

MATTERS = """
query {
  sanctionMatters { code name lists subjects extendsTo legalBasis }
}
"""


def header(path: Path) -> str:
    """The comment block before the first [[matter]]."""
    text = path.read_text(encoding="utf-8")
    return text[: text.index("[[matter]]")]


@pytest.fixture(scope="module")
def bundled() -> dict[str, Matter]:
    return load_catalogue(POLICY_DIR)


# --- the bundled catalogue ---------------------------------------------------------------------


def test_the_bundled_catalogue_loads(bundled: dict[str, Matter]) -> None:
    # given the catalogue shipped in the package (hub/policies/)
    assert BUNDLED == POLICY_DIR / CATALOGUE_FILE
    raw = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))["matter"]
    # then every [[matter]] is loaded, in the file's order, under its code
    assert [m["code"] for m in raw] == list(bundled)
    assert len(bundled) >= 20
    for code, matter in bundled.items():
        assert matter.code == code
        assert matter.name.strip()
        assert matter.lists and set(matter.lists) <= set(LISTS)
        assert matter.subjects and set(matter.subjects) <= {"PERSON", "ENTERPRISE"}
        assert set(matter.extends_to) <= set(ROLES)


def test_the_header_names_the_sources(bundled: dict[str, Matter]) -> None:
    text = header(BUNDLED)
    for source in SOURCES:
        assert source in text


def test_every_matter_cites_a_named_source(bundled: dict[str, Matter]) -> None:
    for matter in bundled.values():
        assert matter.legal_basis.strip(), matter.code
        assert any(source in matter.legal_basis for source in SOURCES), (
            f"{matter.code} cites none of the sources: {matter.legal_basis}"
        )


def test_codes_are_unique_and_well_formed() -> None:
    raw = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))["matter"]
    codes = [m["code"] for m in raw]
    assert len(codes) == len(set(codes))
    for code in codes:
        assert re.fullmatch(r"(XF|LH)-[A-Z]+(-[A-Z]+)*", code), code


def test_consumption_matters_bind_both_lists_and_an_enterprises_persons(
    bundled: dict[str, Matter],
) -> None:
    """法释〔2015〕17号 第一条第二款: "纳入失信被执行人名单的被执行人，人民法院应当对其采取限制消费措施";
    第三条第二款: "被执行人为单位的，被采取限制消费措施后，被执行人及其法定代表人、主要负责人、影响
    债务履行的直接责任人员、实际控制人不得实施前款规定的行为" — every item of 第一款, (一) to (九),
    子女就读高收费私立学校 (（七）) included."""
    consumption = [m for m in bundled.values() if m.code.startswith("XF-")]
    assert consumption
    for matter in consumption:
        # 限制消费 binds a person on either list
        assert set(matter.lists) == {"DISHONEST", "CONSUMPTION_RESTRICTION"}, matter.code
        assert "法释〔2015〕17号 第三条第一款" in matter.legal_basis, matter.code
        # and, through a listed enterprise, the four persons of 第三条第二款, whether or not an
        # enterprise can itself be checked for the matter (a school place is a person's)
        assert set(matter.extends_to) == {
            "LEGAL_REPRESENTATIVE",
            "PRINCIPAL",
            "DIRECTLY_RESPONSIBLE",
            "ACTUAL_CONTROLLER",
        }, matter.code
        assert matter.consumption_items, matter.code
    # all nine items are checkable
    assert {i for m in consumption for i in m.consumption_items} == set(range(1, 10))
    assert bundled["XF-SCHOOL"].consumption_items == (7,)


def test_the_catalogue_grows_toward_the_memorandum(bundled: dict[str, Matter]) -> None:
    """发改财金〔2016〕141号 and 中办发〔2016〕64号 二（一）–（七): matters across the departments that
    grant them, each cited; the demo agencies' matters are among them."""
    assert len(bundled) >= 40
    departments = {d.code for m in bundled.values() for d in m.departments}
    assert len(departments) >= 15
    categories = {m.category for m in bundled.values()}
    assert {
        "从事特定行业或项目限制",
        "政府支持或补贴限制",
        "任职资格限制",
        "准入资格限制",
        "荣誉和授信限制",
        "特殊市场交易限制",
        "限制高消费及有关消费",
    } <= categories
    granted = {
        org: sorted(m.code for m in bundled.values() if m.granted_by(org))
        for org in (
            "agency:market_supervision",
            "agency:real_estate",
            "agency:public_security",
            "agency:social_security",
        )
    }
    assert granted["agency:market_supervision"] == [
        "LH-COMPANY-OFFICER",
        "LH-FOOD-DRUG",
        "LH-LEGAL-REPRESENTATIVE",
    ]
    assert granted["agency:real_estate"] == [
        "LH-LAND",
        "LH-MINERAL-RIGHTS",
        "LH-REAL-ESTATE-TRADE",
        "XF-PROPERTY",
    ]
    assert granted["agency:public_security"] == ["XF-VEHICLE"]
    assert granted["agency:social_security"] == ["LH-PUBLIC-SERVICE", "LH-SOCIAL-SECURITY-FUNDS"]


def test_joint_sanction_matters_bind_only_the_dishonest_list(bundled: dict[str, Matter]) -> None:
    joint = [m for m in bundled.values() if m.code.startswith("LH-")]
    assert joint
    for matter in joint:
        assert matter.lists == ("DISHONEST",), matter.code
        assert matter.extends_to == (), matter.code


async def test_sanction_matters_over_graphql(
    api: Api, tokens: dict[str, str], bundled: dict[str, Matter]
) -> None:
    # when an approval system asks for the catalogue
    body = await api.query(MATTERS, token=tokens["approval-market"])
    # then it gets the bundled one, matter for matter
    assert "errors" not in body, body["errors"]
    served = body["data"]["sanctionMatters"]
    assert [m["code"] for m in served] == list(bundled)
    for row in served:
        matter = bundled[row["code"]]
        assert row == {
            "code": matter.code,
            "name": matter.name,
            "lists": list(matter.lists),
            "subjects": list(matter.subjects),
            "extendsTo": list(matter.extends_to),
            "legalBasis": matter.legal_basis,
        }


async def test_a_policy_dir_without_the_file_uses_the_bundled_one(
    app: Any, settings: Any, bundled: dict[str, Matter], tmp_path: Path
) -> None:
    # given policy directories without a catalogue (the session's own is one)
    assert not (settings.policy_dir / CATALOGUE_FILE).exists()
    # then the bundled catalogue is loaded, and the running hub serves it
    assert load_catalogue(tmp_path) == bundled
    assert app.state.runtime.sanction_matters == bundled


# --- malformed catalogues ----------------------------------------------------------------------

GOOD = """
[[department]]
code = "CIVIL_AVIATION"
name = "民航主管部门"
orgs = ["agency:civil_aviation"]

[[department]]
code = "FINANCE"
name = "财政部门"
orgs = ["agency:finance", "agency:market_supervision"]

[[matter]]
code = "XF-A"
name = "乘坐飞机"
departments = ["CIVIL_AVIATION"]
lists = ["DISHONEST", "CONSUMPTION_RESTRICTION"]
subjects = ["PERSON", "ENTERPRISE"]
consumption_items = [1]
extends_to = ["LEGAL_REPRESENTATIVE", "PRINCIPAL", "DIRECTLY_RESPONSIBLE", "ACTUAL_CONTROLLER"]
legal_basis = "法释〔2015〕17号 第三条第一款第（一）项"
"""


def matter(**fields: Any) -> str:
    """One [[matter]] table; a value of None leaves the key out."""
    values: dict[str, Any] = {
        "code": "LH-B",
        "name": "参与政府采购活动",
        "departments": ["FINANCE"],
        "lists": ["DISHONEST"],
        "subjects": ["PERSON"],
        "legal_basis": "发改财金〔2016〕141号",
        **fields,
    }
    lines = ["[[matter]]"]
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, list):
            lines.append(f"{key} = [{', '.join(repr_toml(v) for v in value)}]")
        else:
            lines.append(f"{key} = {repr_toml(value)}")
    return "\n" + "\n".join(lines) + "\n"


def repr_toml(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def write_catalogue(directory: Path, text: str | bytes) -> Path:
    path = directory / CATALOGUE_FILE
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_good_catalogue_in_the_policy_dir_is_used(tmp_path: Path) -> None:
    write_catalogue(tmp_path, GOOD + matter())
    loaded = load_catalogue(tmp_path)
    assert list(loaded) == ["XF-A", "LH-B"]
    aviation = Department("CIVIL_AVIATION", "民航主管部门", ("agency:civil_aviation",))
    assert loaded["XF-A"] == Matter(
        code="XF-A",
        name="乘坐飞机",
        lists=("DISHONEST", "CONSUMPTION_RESTRICTION"),
        subjects=("PERSON", "ENTERPRISE"),
        extends_to=(
            "LEGAL_REPRESENTATIVE",
            "PRINCIPAL",
            "DIRECTLY_RESPONSIBLE",
            "ACTUAL_CONTROLLER",
        ),
        legal_basis="法释〔2015〕17号 第三条第一款第（一）项",
        departments=(aviation,),
        consumption_items=(1,),
    )
    assert loaded["LH-B"].extends_to == ()
    # who may check what: the organisations of the departments that grant it
    assert loaded["XF-A"].granted_by("agency:civil_aviation")
    assert not loaded["XF-A"].granted_by("agency:market_supervision")
    assert loaded["LH-B"].orgs == ("agency:finance", "agency:market_supervision")


MALFORMED = {
    # id: (catalogue text, what the message must name besides the file)
    "invalid-toml": (GOOD + '\n[[matter]]\ncode = "LH-B\n', ["not valid TOML", "line"]),
    "not-utf8": (GOOD.encode("utf-8") + b"\n# \xff\xfe\n", ["not valid TOML"]),
    "missing-code": (GOOD + matter(code=None), ["matter 2", "code"]),
    "empty-code": (GOOD + matter(code="  "), ["matter 2", "code"]),
    "missing-name": (GOOD + matter(name=None), ["matter 2", "name"]),
    "missing-legal-basis": (GOOD + matter(legal_basis=None), ["matter 2", "legal_basis"]),
    "duplicate-code": (GOOD + matter(code="XF-A"), ["matter 2", "'XF-A'", "twice"]),
    "unknown-list": (GOOD + matter(lists=["BLACKLIST"]), ["matter 2", "LH-B", "lists"]),
    "list-not-an-array": (GOOD + matter(lists="DISHONEST"), ["matter 2", "LH-B", "lists"]),
    "unknown-subject-kind": (
        GOOD + matter(subjects=["PERSON", "ORGANISATION"]),
        ["matter 2", "LH-B", "subjects"],
    ),
    "unknown-extends-to-role": (
        GOOD + matter(extends_to=["SHAREHOLDER"]),
        ["matter 2", "LH-B", "extends_to"],
    ),
    "empty-lists": (GOOD + matter(lists=[]), ["matter 2", "LH-B", "must not be empty"]),
    "empty-subjects": (GOOD + matter(subjects=[]), ["matter 2", "LH-B", "must not be empty"]),
    "unknown-key": (
        GOOD + matter(legalbasis="typo"),
        ["matter 2", "unknown keys", "legalbasis"],
    ),
    "matter-not-a-table": ('matter = ["XF-A"]\n', ["matter 1", "table"]),
    "no-departments": (
        GOOD + matter(departments=[]),
        ["matter 2", "LH-B", "departments must name the departments that grant it"],
    ),
    "unknown-department": (
        GOOD + matter(departments=["NOBODY"]),
        ["matter 2", "LH-B", "'NOBODY' is not a [[department]]"],
    ),
    "department-bad-org": (
        '[[department]]\ncode = "X_Y"\nname = "某部门"\norgs = ["market_supervision"]\n' + GOOD,
        ["department 1", "X_Y", "orgs must look like agency:"],
    ),
    "duplicate-department": (
        GOOD.replace('code = "FINANCE"', 'code = "CIVIL_AVIATION"'),
        ["department 2", "'CIVIL_AVIATION'", "twice"],
    ),
    # 法释〔2015〕17号 第三条第二款 binds all four; a registered officer is none of them
    "consumption-binds-fewer": (
        GOOD
        + matter(
            code="XF-C",
            lists=["DISHONEST", "CONSUMPTION_RESTRICTION"],
            consumption_items=[7],
            extends_to=["LEGAL_REPRESENTATIVE"],
            legal_basis="法释〔2015〕17号 第三条第一款第（七）项",
        ),
        ["matter 2", "XF-C", "第三条第二款"],
    ),
    "consumption-binds-none": (
        GOOD
        + matter(
            code="XF-C",
            lists=["DISHONEST", "CONSUMPTION_RESTRICTION"],
            consumption_items=[7],
            legal_basis="法释〔2015〕17号 第三条第一款第（七）项",
        ),
        ["matter 2", "XF-C", "第三条第二款"],
    ),
    "key-personnel": (
        GOOD + matter(extends_to=["KEY_PERSONNEL"]),
        ["matter 2", "LH-B", "KEY_PERSONNEL", "第三条第二款"],
    ),
    "extends-without-consumption": (
        GOOD + matter(extends_to=["LEGAL_REPRESENTATIVE"]),
        ["matter 2", "LH-B", "consumption matters"],
    ),
    "consumption-one-list": (
        GOOD
        + matter(
            code="XF-C",
            consumption_items=[2],
            extends_to=[
                "LEGAL_REPRESENTATIVE",
                "PRINCIPAL",
                "DIRECTLY_RESPONSIBLE",
                "ACTUAL_CONTROLLER",
            ],
            legal_basis="法释〔2015〕17号 第三条第一款第（二）项",
        ),
        ["matter 2", "XF-C", "第一条第二款"],
    ),
    "consumption-item-out-of-range": (
        GOOD + matter(consumption_items=[10]),
        ["matter 2", "LH-B", "consumption_items"],
    ),
    "no-matters": ("# only comments\n", ["no [[matter]]"]),
    "misspelt-array-of-tables": (GOOD.replace("[[matter]]", "[[matters]]"), ["no [[matter]]"]),
}


@pytest.mark.parametrize(("text", "named"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_catalogue_is_refused_naming_the_file_and_the_matter(
    tmp_path: Path, text: str | bytes, named: list[str]
) -> None:
    # given a catalogue with one thing wrong in the policy directory
    path = write_catalogue(tmp_path, text)
    # when it is loaded, then it is refused as a policy error naming the file and what is wrong
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(tmp_path)
    assert isinstance(caught.value, PolicyError)
    message = str(caught.value)
    assert str(path) in message
    for part in named:
        assert part in message, (part, message)


@pytest.mark.parametrize("text", ["matter = 5\n", "matter = true\n"], ids=["integer", "boolean"])
def test_a_matter_key_that_is_not_an_array_is_refused(tmp_path: Path, text: str) -> None:
    path = write_catalogue(tmp_path, text)
    with pytest.raises(CatalogueError, match=re.escape(str(path))):
        load_catalogue(tmp_path)


def test_a_code_with_surrounding_blanks_is_refused_or_trimmed(tmp_path: Path) -> None:
    # given a catalogue whose second matter repeats the first's code with blanks around it
    write_catalogue(tmp_path, GOOD + matter(code=" XF-A "))
    # when it is loaded, then it is refused as a duplicate, or every code is the trimmed one
    try:
        loaded = load_catalogue(tmp_path)
    except CatalogueError:
        return
    assert all(code == code.strip() for code in loaded), list(loaded)


def test_an_unreadable_catalogue_is_refused(tmp_path: Path) -> None:
    # given a directory where the catalogue file should be
    (tmp_path / CATALOGUE_FILE).mkdir()
    with pytest.raises(CatalogueError, match="cannot read the catalogue"):
        load_catalogue(tmp_path)


# --- reload ------------------------------------------------------------------------------------


@pytest.fixture
async def catalogue_app(settings: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, Path]]:
    """An app of its own, reading the policy and the catalogue from a copy of hub/policies/."""
    policy_dir = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, policy_dir)
    app, lifespan = await start_app(settings.replace(policy_dir=policy_dir))
    try:
        yield app, policy_dir
    finally:
        await lifespan.__aexit__(None, None, None)


async def served_codes(app: Any, token: str) -> list[str]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        body = await Api(client, token).query(MATTERS)
    assert "errors" not in body, body["errors"]
    return [m["code"] for m in body["data"]["sanctionMatters"]]


async def test_a_reload_swaps_in_a_new_catalogue(
    catalogue_app: tuple[Any, Path], tokens: dict[str, str], bundled: dict[str, Matter]
) -> None:
    # given a hub serving the copied catalogue
    app, policy_dir = catalogue_app
    runtime = app.state.runtime
    token = tokens["approval-market"]
    assert await served_codes(app, token) == list(bundled)
    # when a matter is added to the file and the policy reloaded
    path = policy_dir / CATALOGUE_FILE
    path.write_text(
        path.read_text(encoding="utf-8") + matter(code="LH-NEW-MATTER"), encoding="utf-8"
    )
    runtime.reload_policy()
    # then the next request sees it
    assert await served_codes(app, token) == [*bundled, "LH-NEW-MATTER"]
    assert runtime.sanction_matters["LH-NEW-MATTER"].lists == ("DISHONEST",)
    # and when the file is removed, a reload falls back to the bundled catalogue
    path.unlink()
    assert reload_policy(runtime) is True
    assert runtime.sanction_matters == bundled


@pytest.mark.parametrize(
    "bad",
    [
        matter(code="XF-FLIGHT"),
        matter(lists=["BLACKLIST"]),
        '\n[[matter]]\ncode = "LH-B\n',
    ],
    ids=["duplicate-code", "unknown-list", "invalid-toml"],
)
async def test_a_reload_with_a_bad_catalogue_keeps_the_old_one(
    catalogue_app: tuple[Any, Path], tokens: dict[str, str], bad: str
) -> None:
    # given a hub that reloaded a good change (one matter added)
    app, policy_dir = catalogue_app
    runtime = app.state.runtime
    path = policy_dir / CATALOGUE_FILE
    good = path.read_text(encoding="utf-8") + matter(code="LH-GOOD")
    path.write_text(good, encoding="utf-8")
    runtime.reload_policy()
    old_policy, old_matters = runtime.policy, runtime.sanction_matters
    assert "LH-GOOD" in old_matters
    # when a bad matter is added and the policy reloaded
    path.write_text(good + bad, encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        runtime.reload_policy()
    # then the reload is refused naming the file, and both the policy and the catalogue stay
    assert str(path) in str(caught.value)
    assert runtime.policy is old_policy
    assert runtime.sanction_matters is old_matters
    assert (await served_codes(app, tokens["approval-market"]))[-1] == "LH-GOOD"
    # (as the SIGHUP handler sees it: refused, logged, nothing swapped)
    assert reload_policy(runtime) is False
    assert runtime.sanction_matters is old_matters


async def test_the_sighup_reload_refuses_a_matter_key_that_is_not_an_array(
    catalogue_app: tuple[Any, Path],
) -> None:
    # given a running hub whose catalogue file is replaced by one with `matter = 5`
    app, policy_dir = catalogue_app
    runtime = app.state.runtime
    old = runtime.sanction_matters
    write_catalogue(policy_dir, "matter = 5\n")
    # when the SIGHUP handler reloads, then it refuses (False) and the old catalogue serves
    assert reload_policy(runtime) is False
    assert runtime.sanction_matters is old
