"""Step 8 regressions: ways around the field policy and the audit log that were closed."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.hub.policy_support import codes, demo_token, errors_by_path

# The same named fragment spread in two places with different siblings: the enforcement plan
# of ``identity`` must stand for each place's whole merged selection.
FRAGMENT_TWICE = """
query($id: String!) {
  a: person(idNumber: $id) { ...P identity { name } }
  b: person(idNumber: $id) { ...P identity { idNumber birthDate phone registeredAddress } }
}
fragment P on Person { identity { name } }
"""


async def test_a_fragment_spread_twice_cannot_borrow_the_first_places_plan(
    api: Api, demo: dict[str, Any]
) -> None:
    # given a registry officer, who sees identity masked and birth date, phone, address denied
    sample = demo["samples"]["persons"][0]
    officer = demo_token(demo, "registry_officer")
    for attempt in range(2):  # the second time the parsed document and its plans are cached
        # when the fragment is spread once beside `name` and once beside the denied fields
        body = (await api.post(FRAGMENT_TWICE, {"id": sample["idNumber"]}, token=officer)).json()
        # then the second place is judged on its own selection
        b = body["data"]["b"]["identity"]
        assert b["idNumber"] != sample["idNumber"], attempt
        assert b["idNumber"][:6] + "********" + b["idNumber"][-4:] == b["idNumber"]
        assert b["birthDate"] is None and b["phone"] is None and b["registeredAddress"] is None
        denied = errors_by_path(body)
        for leaf in ("birthDate", "phone", "registeredAddress"):
            assert denied[("b", "identity", leaf)]["extensions"]["code"] == "FORBIDDEN"
        assert set(codes(body)) == {"FORBIDDEN"}
