"""The remote sources declare their batch methods: each agency's source Protocol, no more."""

from __future__ import annotations

import inspect

import httpx
import pytest

from connectors import registry
from connectors.base.errors import ConnectorUnavailable
from connectors.base.remote import RemoteSource
from connectors.base.subgraph import EntityLookup

PROTOCOLS = {
    "public_security": "connectors.public_security.source:PublicSecuritySource",
    "real_estate": "connectors.real_estate.source:RealEstateSource",
    "market_supervision": "connectors.market_supervision.source:MarketSupervisionSource",
    "social_security": "connectors.social_security.source:SocialSecuritySource",
    "tax": "connectors.tax.source:TaxSource",
    "utilities": "connectors.utilities.source:UtilitiesSource",
}


def protocol_methods(spec: str) -> set[str]:
    module, _, name = spec.partition(":")
    protocol = getattr(__import__(module, fromlist=[name]), name)
    return {m for m in vars(protocol) if not m.startswith("_") and callable(vars(protocol)[m])}


def unreachable_client() -> httpx.AsyncClient:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request is made")

    return httpx.AsyncClient(transport=httpx.MockTransport(refuse))


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
async def test_a_remote_source_class_declares_every_method_of_the_agency_protocol(
    name: str,
) -> None:
    # given the agency's remote source
    source = registry.get(name).remote("http://agency.invalid", client=unreachable_client())
    try:
        # then its class (not a catch-all __getattr__) has each method of the source Protocol,
        # as a coroutine function taking the keys and the caller's visibility
        wanted = protocol_methods(PROTOCOLS[name])
        assert wanted
        for method in wanted:
            declared = inspect.getattr_static(type(source), method, None)
            assert inspect.iscoroutinefunction(declared), f"{name}.{method}"
            assert list(inspect.signature(declared).parameters)[2:] == ["visible"]
        assert set(source.methods()) == wanted
        assert "__getattr__" not in vars(RemoteSource)
    finally:
        await source.aclose()


async def test_a_misspelt_method_is_an_attribute_error() -> None:
    # given a remote source
    source = registry.get("real_estate").remote(
        "http://agency.invalid", client=unreachable_client()
    )
    try:
        # then a method it does not declare does not exist, whatever its name
        assert not hasattr(source, "properties_by_owners")
        assert hasattr(source, "properties_by_owner")
    finally:
        await source.aclose()


async def test_a_source_refuses_to_open_without_a_method_for_a_served_lookup() -> None:
    # given a subgraph that serves one look-up more than the agency's remote source declares
    connector = registry.get("real_estate")
    lookups = [
        *connector.subgraph(None).fyt_lookups,
        EntityLookup("mortgages_by_bank", "Bank", "code", "mortgages", object, many=True),
    ]
    # when the remote source is opened over it
    with pytest.raises(TypeError, match="mortgages_by_bank"):
        connector.remote_source()(
            "real_estate", "http://agency.invalid", lookups, client=unreachable_client()
        )


async def test_an_agency_error_text_stays_in_the_hub_log(caplog: pytest.LogCaptureFixture) -> None:
    # given an agency that answers a look-up with an error naming its own internals
    secret = "relation person_accounts_110101 does not exist at db-internal-7"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": None, "errors": [{"message": secret}]})

    source = registry.get("real_estate").remote(
        "http://agency.invalid", client=httpx.AsyncClient(transport=httpx.MockTransport(answer))
    )
    try:
        # when the hub looks a person up there
        with caplog.at_level("WARNING", logger="connectors.base.remote"):
            with pytest.raises(ConnectorUnavailable) as raised:
                await source.properties_by_owner(["110101199003077774"], lambda t, f: True)
        # then the caller's error names the agency and says it failed, not what the agency said
        assert "real_estate" in str(raised.value)
        assert "person_accounts" not in str(raised.value)
        assert "db-internal" not in str(raised.value)
        # and the operator still finds the agency's words in the log
        assert secret in caplog.text
    finally:
        await source.aclose()
