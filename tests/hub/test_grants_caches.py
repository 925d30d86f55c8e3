"""The caches a caller's grants carry: enforcement plans and wire visibilities, kept apart."""

from __future__ import annotations

from hub.federation.loaders import FieldVisibility
from hub.policy.table import Decision, Grants


def registry_grants() -> Grants:
    return Grants(
        roles=("registry_officer",),
        org="agency:real_estate",
        decisions={"RealEstate.address": Decision.READ, "Shareholder.name": Decision.MASK},
        requires_purpose=False,
        requires_assignment=False,
    )


def test_a_remote_lookups_wire_visibility_is_cached_apart_from_the_plans() -> None:
    # given a caller's grants
    grants = registry_grants()
    # when a remote look-up asks which fields it may request, twice
    visible = FieldVisibility.of(grants, "properties_by_owner")
    again = FieldVisibility.of(grants, "properties_by_owner")
    # then the one visibility is kept by method in its own map, and the plan cache holds only plans
    assert again is visible
    assert grants.wire == {"properties_by_owner": visible}
    assert grants.plans == {}
    # and it requests what the grants read or mask, never what they deny
    assert visible("RealEstate", "address")
    assert not visible("RealEstate", "certificateNumber")


def test_a_visibility_speaks_of_the_hubs_type_names() -> None:
    # given grants that mask a shareholder's name (the hub calls shareholders' stakes Shareholder)
    grants = registry_grants()
    # when the shareholders look-up asks about the subgraph's Equity type
    visible = FieldVisibility.of(grants, "shareholders")
    # then the decision on the hub's Shareholder type answers
    assert visible("Equity", "name")
    assert not FieldVisibility.of(grants, "stakes_by_holder")("Equity", "name")
    assert set(grants.wire) == {"shareholders", "stakes_by_holder"}


def test_public_securitys_registers_are_requested_whole_for_who_reads_the_holdings() -> None:
    # given an officer who reads a 查人 request's holdings, and a judge who does not
    officer = Grants(
        roles=("police_officer",),
        org="agency:public_security",
        decisions={"PoliceRequest.holdings": Decision.READ},
        requires_purpose=False,
        requires_assignment=False,
    )
    judge = Grants(
        roles=("enforcement_judge",),
        org="court:370602",
        decisions={"PoliceRequest.id": Decision.READ},
        requires_purpose=True,
        requires_assignment=True,
    )
    # then the registers' look-ups request every field for the officer (the hub has no type of
    # the subgraph's Accommodation, Booking, Passage) and none for the judge
    for method, typename, field in (
        ("accommodations", "Accommodation", "hotel"),
        ("bookings", "Booking", "destination"),
        ("passages", "Passage", "checkpoint"),
    ):
        assert FieldVisibility.of(officer, method)(typename, field)
        assert not FieldVisibility.of(judge, method)(typename, field)
