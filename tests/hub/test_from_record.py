"""GraphQL types derived from records: the record's fields in order, nullable, with the hub's
descriptions, masks, enums and resolvers; anything the record does not have is refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

import pytest
import strawberry

from hub.graphql.from_record import from_record
from hub.policy.masking import MASK_METADATA, Mask, masked


@dataclass(slots=True)
class ThingRecord:
    code: str
    owner_name: str
    status: str
    made_on: date | None
    secret: str


@strawberry.enum
class ThingStatus(Enum):
    NEW = "NEW"


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> int:
        return 0


def sdl(cls: Any) -> str:
    return str(strawberry.Schema(query=Query, types=[cls]))


def test_a_derived_type_has_the_record_fields_with_the_hub_rules() -> None:
    # given a type declaring only what the hub adds to a record
    @from_record(
        ThingRecord, description="A thing", types={"status": ThingStatus}, omit=("secret",)
    )
    class Thing:
        code = strawberry.field(description="The code")
        owner_name = masked(Mask.NAME)

        @strawberry.field(description="Computed")
        def extra(self) -> int:
            return 1

    # when the schema is printed
    text = sdl(Thing)
    # then the fields are the record's, in its order, nullable, the resolver field last
    assert '"""A thing"""\ntype Thing {\n  """The code"""\n  code: String\n' in text
    assert "  ownerName: String\n  status: ThingStatus\n  madeOn: Date\n" in text
    assert '  """Computed"""\n  extra: Int!\n}' in text
    assert "secret" not in text
    # and the mask rule is on its field
    fields = {f.name: f for f in Thing.__strawberry_definition__.fields}
    assert fields["owner_name"].metadata[MASK_METADATA] is Mask.NAME
    assert Thing.__fyt_record__ is ThingRecord


def test_a_field_the_record_does_not_have_is_refused() -> None:
    # given a declaration for a field that is not in the record
    # when the type is derived / then it is refused
    with pytest.raises(TypeError, match=r"Thing\.colour is not a field of ThingRecord"):

        @from_record(ThingRecord, description="A thing")
        class Thing:
            colour = strawberry.field(description="no such field")


def test_an_annotated_field_is_refused() -> None:
    # given a class that declares a field of its own by annotation
    # when the type is derived / then it is refused: the record is the one place for fields
    with pytest.raises(TypeError, match="fields come from ThingRecord"):

        @from_record(ThingRecord, description="A thing")
        class Thing:
            colour: str


@pytest.mark.parametrize(
    "options", [{"types": {"colour": str}}, {"omit": ("colour",)}], ids=["types", "omit"]
)
def test_types_and_omissions_must_name_record_fields(options: dict[str, Any]) -> None:
    # given an override or omission of a field the record does not have
    # when the decorator is made / then it is refused
    with pytest.raises(TypeError, match="ThingRecord has no field colour"):
        from_record(ThingRecord, description="A thing", **options)
