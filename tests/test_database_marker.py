"""The marker ``hub_database`` the PostgreSQL pass of .ci/run selects on: set on collection for the
tests that run on the hub database, and on no other (README, Tests)."""

from __future__ import annotations

from typing import Any

import pytest


def test_a_test_on_the_hub_database_is_marked(
    request: pytest.FixtureRequest, hub_database_url: str
) -> None:
    assert request.node.get_closest_marker("hub_database") is not None


def test_a_test_through_a_fixture_of_the_database_is_marked(
    request: pytest.FixtureRequest, api: Any
) -> None:
    # the api fixture serves the demo app on the hub database: marked, though the test does
    # not name hub_database_url
    assert request.node.get_closest_marker("hub_database") is not None


@pytest.mark.postgres
def test_a_postgres_test_is_marked(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("hub_database") is not None


def test_a_test_without_the_database_is_not_marked(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("hub_database") is None
