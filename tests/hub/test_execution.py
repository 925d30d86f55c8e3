"""The shorter execution path for plain leaf fields answers exactly as graphql-core's own."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import strawberry
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from strawberry.extensions import SchemaExtension
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info

from hub.graphql import versions
from hub.graphql.execution import HubExecutionContext
from hub.policy.masking import Mask, masked


@strawberry.enum
class Colour(Enum):
    RED = "RED"
    BLUE = "BLUE"


@strawberry.type
class Item:
    name: str
    colour: Colour
    note: str | None
    tags: list[str]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Item(name="a", colour=Colour.RED, note=None, tags=["x"]),
            Item(name=None, colour=Colour.BLUE, note="n", tags=[]),  # type: ignore[arg-type]
            Item(name="c", colour="GREEN", note="m", tags=[]),  # type: ignore[arg-type]
        ]


QUERY = "{ items { name colour note tags shout alias: name __typename } }"


@pytest.mark.parametrize(
    "query",
    [QUERY, "{ items { colour note } }", "{ items { ...F } } fragment F on Item { name tags }"],
)
def test_plain_fields_answer_as_graphql_core_does(query: str) -> None:
    # given the same schema executed both ways
    plain = strawberry.Schema(query=Query)
    short = strawberry.Schema(query=Query, execution_context_class=HubExecutionContext)
    # when
    expected = plain.execute_sync(query)
    got = short.execute_sync(query)
    # then the data and the errors (a null for a non-null field, an enum value out of range)
    # are the same, at the same paths
    assert got.data == expected.data
    assert got.errors or query != QUERY
    assert [(e.message, e.path) for e in got.errors or ()] == [
        (e.message, e.path) for e in expected.errors or ()
    ]


async def test_an_empty_list_under_the_policy_answers_as_before(
    api: Any, tokens: dict[str, str]
) -> None:
    # given a batch where most subjects are on no list (their entries are empty lists)
    ids = ["110101199003074477"] * 3
    query = """query($ids: [String!]) { sanctionChecks(matter: "LH-COMPANY-OFFICER", idNumbers: $ids) {
      subjectId decision entries { entryId } } }"""
    # when the approval system checks them
    body = await api.query(query, {"ids": ids}, token=tokens["approval-market"])
    # then every answer is there, with its empty entries
    assert "errors" not in body, body
    assert [(r["decision"], r["entries"]) for r in body["data"]["sanctionChecks"]] == [
        ("ALLOW", [])
    ] * 3
    # and a caller the policy refuses still gets FORBIDDEN, not an empty list
    body = await api.query(query, {"ids": ids}, token=tokens["judge-zhang"])
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


# --- a leaf with an extension: strawberry's resolver needs its info ---------------------------


class ReadsContext(FieldExtension):
    """Reads the operation's context, as the policy's and the audit's extensions do."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        info.context["reads"].append(info.path.key)
        return next_(source, info, **kwargs)


@strawberry.type
class Labelled:
    label: str = strawberry.field(extensions=[ReadsContext()])
    note: str | None = strawberry.field(extensions=[ReadsContext()])
    plain: str


@strawberry.type
class LabelQuery:
    @strawberry.field
    def labelled(self) -> list[Labelled]:
        return [Labelled(label="a", note=None, plain="p"), Labelled(label="b", note="n", plain="q")]


def test_a_leaf_with_an_extension_that_reads_the_context_runs_with_its_info() -> None:
    # given resolver-less leaf fields whose extension reads info.context (strawberry marks their
    # resolver _is_default all the same)
    query = "{ labelled { label note plain alias: label } }"
    plain = strawberry.Schema(query=LabelQuery)
    short = strawberry.Schema(query=LabelQuery, execution_context_class=HubExecutionContext)
    expected_context: dict[str, list[Any]] = {"reads": []}
    got_context: dict[str, list[Any]] = {"reads": []}
    # when the hub's executor runs them
    expected = plain.execute_sync(query, context_value=expected_context)
    got = short.execute_sync(query, context_value=got_context)
    # then the extension ran with the info, for every field and alias, as graphql-core runs it
    assert got.errors is None, got.errors
    assert (
        got.data
        == expected.data
        == {
            "labelled": [
                {"label": "a", "note": None, "plain": "p", "alias": "a"},
                {"label": "b", "note": "n", "plain": "q", "alias": "b"},
            ]
        }
    )
    assert got_context == expected_context == {"reads": ["label", "note", "alias"] * 2}


# --- identifiers shown in clear are on record whichever path a field takes ---------------------


@strawberry.type
class Owner:
    owner_id: str | None = masked(Mask.ID_NUMBER)
    name: str


@strawberry.type
class OwnerQuery:
    @strawberry.field
    def owners(self) -> list[Owner]:
        return [
            Owner(owner_id="110101199003074477", name="a"),
            Owner(owner_id="11**************77", name="b"),  # masked: not an identifier shown
            Owner(owner_id=None, name="c"),
        ]


class Traced(SchemaExtension):
    """A schema extension that resolves fields: graphql-core then runs every field through it
    (middleware), so the hub's shortcut is not taken."""

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        return _next(root, info, *args, **kwargs)


@dataclass
class Recorded:
    shown: set[str] = field(default_factory=set)


@pytest.mark.parametrize("extensions", [[], [Traced]], ids=["shortcut", "middleware"])
def test_identifiers_released_in_clear_are_recorded_on_either_path(
    extensions: list[type[SchemaExtension]],
) -> None:
    # given the hub's executor, with or without a schema extension that resolves fields
    schema = strawberry.Schema(
        query=OwnerQuery, execution_context_class=HubExecutionContext, extensions=extensions
    )
    context = Recorded()
    # when an answer releases an identifier in clear (and a masked one, and a null)
    result = schema.execute_sync("{ owners { ownerId name } }", context_value=context)
    # then the one in clear is on the operation's record, and only it
    assert result.errors is None, result.errors
    assert context.shown == {"110101199003074477"}


# --- the versions the executor is built for ---------------------------------------------------


def test_the_supported_ranges_are_the_pins_of_pyproject() -> None:
    # pyproject.toml pins the same ranges the import check asserts
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pins = {
        Requirement(line).name: str(Requirement(line).specifier)
        for line in project["project"]["dependencies"]
    }
    for name, spec in versions.SUPPORTED.items():
        assert SpecifierSet(pins[name]) == SpecifierSet(spec), name
        assert SpecifierSet(spec).contains(version(name)), (name, version(name))
    assert versions.problems() == []


@pytest.mark.parametrize(
    ("installed", "message"),
    [
        (
            {"strawberry-graphql": "0.342.0"},
            "strawberry-graphql 0.342.0 is installed; the hub supports"
            " strawberry-graphql>=0.341,<0.342",
        ),
        (
            {"strawberry-graphql": "0.340.9"},
            "strawberry-graphql 0.340.9 is installed; the hub supports"
            " strawberry-graphql>=0.341,<0.342",
        ),
        (
            {"graphql-core": "3.4.0"},
            "graphql-core 3.4.0 is installed; the hub supports graphql-core>=3.3.2,<3.4",
        ),
        (
            {"graphql-core": "3.2.6"},
            "graphql-core 3.2.6 is installed; the hub supports graphql-core>=3.3.2,<3.4",
        ),
        ({"graphql-core": None}, "graphql-core is not installed; the hub needs graphql-core"),
    ],
)
def test_an_unsupported_version_is_refused_naming_the_range(
    installed: dict[str, str | None], message: str
) -> None:
    # given a library at a version the executor was not built for
    def lookup(name: str) -> str | None:
        return installed[name] if name in installed else version(name)

    # when the GraphQL layer checks, then it refuses, saying what is supported
    with pytest.raises(versions.UnsupportedLibrary) as refused:
        versions.require_supported(lookup)
    assert message in str(refused.value)


def test_importing_the_graphql_layer_with_an_unsupported_version_fails_clearly() -> None:
    # given a process where strawberry reports a version outside the range
    script = (
        "import importlib.metadata as m\n"
        "real = m.version\n"
        "m.version = lambda n: '0.350.0' if n == 'strawberry-graphql' else real(n)\n"
        "import hub.graphql.schema\n"
    )
    # when it imports the GraphQL layer
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    # then the import fails with the supported range named
    assert done.returncode != 0
    assert "hub.graphql.versions.UnsupportedLibrary" in done.stderr
    assert "strawberry-graphql 0.350.0 is installed" in done.stderr
    assert "strawberry-graphql>=0.341,<0.342" in done.stderr
