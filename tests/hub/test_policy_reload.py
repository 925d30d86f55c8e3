"""Reloading the policy: the next request sees the new decisions, a malformed file is refused
naming its line while the old table keeps serving, and no request ever sees a mix of both."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from hub.errors import PolicyError
from hub.policy.table import Decision
from tests.conftest import start_app
from tests.fakes import RecordingSource, wrapped_sources
from tests.hub.policy_support import client, demo_token, errors_by_path

POLICE = ("police_officer",), "agency:public_security"

POLICE_VIEW = """
query PoliceView($id: String!) {
  person(idNumber: $id) {
    identity { name phone }
    assets { realEstates { unitNumber } vehicles { plate } }
  }
}
"""

# The police officer loses the phone number and gains the real-estate register.
NEW_POLICE_LINES = """
# reloaded: phone withheld, real estate granted
p, police_officer, agency:public_security, Identity.phone, read, deny
p, police_officer, agency:public_security, Assets.realEstates, read, allow
p, police_officer, agency:public_security, RealEstate.*, read, allow
"""


def copy_policy(source: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("model.conf", "policy.csv"):
        shutil.copy(source / name, target / name)
    return target


def append_line(policy_dir: Path, line: str) -> int:
    """Append one line to policy.csv; its line number."""
    path = policy_dir / "policy.csv"
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


def grant_new_police_policy(policy_dir: Path) -> None:
    with (policy_dir / "policy.csv").open("a", encoding="utf-8") as f:
        f.write(NEW_POLICE_LINES)


def flavour(body: dict[str, Any]) -> str:
    """'old' or 'new' policy for the fields that changed, else what was mixed."""
    person = body["data"]["person"]
    errors = errors_by_path(body)
    phone_clear = person["identity"]["phone"] is not None
    phone_refused = (
        person["identity"]["phone"] is None and ("person", "identity", "phone") in errors
    )
    estates_refused = (
        person["assets"]["realEstates"] is None and ("person", "assets", "realEstates") in errors
    )
    estates_listed = isinstance(person["assets"]["realEstates"], list)
    if phone_clear and estates_refused:
        return "old"
    if phone_refused and estates_listed:
        return "new"
    return f"mixed: phone {person['identity']['phone']!r}, realEstates {person['assets']['realEstates']!r}"


@pytest.fixture
async def policy_app(settings: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, Path]]:
    """An app of its own, reading the policy from a copy the test may rewrite."""
    policy_dir = copy_policy(settings.policy_dir, tmp_path / "policies")
    app, lifespan = await start_app(settings.replace(policy_dir=policy_dir))
    try:
        yield app, policy_dir
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_reload_swaps_in_the_new_decisions(policy_app: Any, demo: dict[str, Any]) -> None:
    # given the police officer's view under the shipped policy
    app, policy_dir = policy_app
    runtime = app.state.runtime
    sample = demo["samples"]["persons"][0]
    async with client(app, demo_token(demo, "police_officer")) as police:
        before = await police.query(POLICE_VIEW, {"id": sample["idNumber"]})
        assert runtime.policy.grants(*POLICE).decision("Identity.phone") == Decision.READ
        assert runtime.policy.grants(*POLICE).decision("Assets.realEstates") == Decision.DENY
        assert flavour(before) == "old"
        # when the policy file is rewritten and reloaded
        grant_new_police_policy(policy_dir)
        table = runtime.reload_policy()
        after = await police.query(POLICE_VIEW, {"id": sample["idNumber"]})
    # then the running hub serves the new table, and the next request sees it
    assert runtime.policy is table
    assert table.grants(*POLICE).decision("Identity.phone") == Decision.DENY
    assert table.grants(*POLICE).decision("RealEstate.address") == Decision.READ
    assert flavour(after) == "new"
    assert after["data"]["person"]["identity"]["name"] == sample["name"]
    assert after["data"]["person"]["assets"]["realEstates"]


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ("p, police_officer, agency:public_security, Identity.name, write, allow", "action"),
        ("p, police_officer, agency:public_security, Identiy.name, read, allow", "Identiy.name"),
        ("p, police_officer, agency:public_security, #email, mask, allow", "unknown tag #email"),
        ("p, police_officer, agency:public_security, Identity.name, read", "policy line is"),
        ("p, police_officer, agency:public_security, Identity.name, read, maybe", "effect"),
        ("p, police_officer, public_security, Identity.name, read, allow", "org pattern"),
        ("p, police_officer, agency:public_security, @purpose, read, allow", "require"),
        ("q, police_officer, agency:public_security, Identity.name, read, allow", "line type"),
        ("g, police_officer", "role line"),
    ],
    ids=[
        "unknown-action",
        "unknown-coordinate",
        "unknown-tag",
        "too-few-values",
        "unknown-effect",
        "bad-org",
        "marker-action",
        "unknown-line-type",
        "short-role-line",
    ],
)
async def test_malformed_policy_is_refused_and_the_old_table_serves(
    policy_app: Any, demo: dict[str, Any], line: str, complaint: str
) -> None:
    # given a running hub and the police officer's view under the shipped policy
    app, policy_dir = policy_app
    runtime = app.state.runtime
    old = runtime.policy
    sample = demo["samples"]["persons"][0]
    async with client(app, demo_token(demo, "police_officer")) as police:
        before = await police.query(POLICE_VIEW, {"id": sample["idNumber"]})
        # when a malformed line is added (after a good change) and the policy reloaded
        grant_new_police_policy(policy_dir)
        number = append_line(policy_dir, line)
        with pytest.raises(PolicyError) as refused:
            runtime.reload_policy()
        after = await police.query(POLICE_VIEW, {"id": sample["idNumber"]})
    # then the error names the line and what is wrong with it
    message = str(refused.value)
    assert f"line {number} ({line})" in message
    assert complaint in message
    assert len(refused.value.problems) == 1
    # and the old table keeps serving: same table, same answer, the good change not half-applied
    assert runtime.policy is old
    assert after == before
    assert flavour(after) == "old"


async def test_missing_policy_file_is_refused(policy_app: Any) -> None:
    app, policy_dir = policy_app
    old = app.state.runtime.policy
    (policy_dir / "policy.csv").unlink()
    with pytest.raises(PolicyError, match=r"policy\.csv is missing"):
        app.state.runtime.reload_policy()
    assert app.state.runtime.policy is old


class GatedIdentities(RecordingSource):
    """Public security whose identity look-ups wait for the test to open the gate."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.gate = asyncio.Event()
        self.waiting = 0
        self._reached: dict[int, asyncio.Event] = {}

    def reached(self, count: int) -> asyncio.Event:
        """Set once ``count`` look-ups are waiting at the gate."""
        event = self._reached.setdefault(count, asyncio.Event())
        if self.waiting >= count:
            event.set()
        return event

    def __getattr__(self, name: str) -> Any:
        target = super().__getattr__(name)
        if name != "identities":
            return target

        async def call(keys: Sequence[str]) -> Any:
            self.waiting += 1
            for count, event in self._reached.items():
                if self.waiting >= count:
                    event.set()
            await self.gate.wait()
            return await target(keys)

        return call


async def test_requests_in_flight_during_a_reload_never_see_a_mix(
    settings: Any, tmp_path: Path, demo: dict[str, Any]
) -> None:
    # given a hub whose identity look-ups are held, so requests stay in flight
    policy_dir = copy_policy(settings.policy_dir, tmp_path / "policies")
    sources = wrapped_sources(settings)
    gated = GatedIdentities(sources["public_security"]._inner)
    sources["public_security"] = gated
    app, lifespan = await start_app(settings.replace(policy_dir=policy_dir), sources)
    # held look-ups stay within the connector's time limit: the event loop runs on while the
    # new policy's grants are compiled (in a thread), and so do the held look-ups' timers
    app.state.runtime.guards["public_security"].timeout = 60
    ids = [p["idNumber"] for p in demo["samples"]["persons"]]
    try:
        async with client(app, demo_token(demo, "police_officer")) as police:

            def ask(i: int) -> asyncio.Task[dict[str, Any]]:
                return asyncio.create_task(police.query(POLICE_VIEW, {"id": ids[i % len(ids)]}))

            # when 25 requests are in flight, the policy is reloaded, 25 more start, all finish
            early = [ask(i) for i in range(25)]
            async with asyncio.timeout(30):
                await gated.reached(25).wait()
            grant_new_police_policy(policy_dir)
            app.state.runtime.reload_policy()
            late = [ask(i) for i in range(25)]
            async with asyncio.timeout(30):
                await gated.reached(50).wait()
            gated.gate.set()
            bodies = await asyncio.gather(*early, *late)
    finally:
        gated.gate.set()
        await lifespan.__aexit__(None, None, None)
    # then each response is wholly old or wholly new: the policy a request started with holds
    # for every one of its fields, even those resolved after the reload
    seen = [flavour(b) for b in bodies]
    assert seen == ["old"] * 25 + ["new"] * 25


async def test_a_recorded_generation_is_loaded_and_compiled_off_the_event_loop(
    policy_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`fyt policy reload` under `fyt serve --workers 2` stalled requests more than 5 s: each
    process loaded the recorded generation on its event loop (PolicyFollower). A process
    loads and compiles it in a worker thread, the loop serving meanwhile, and swaps in a table
    whose known callers are compiled already."""
    import time

    from hub.db.coordination import record_policy_generation
    from hub.policy.table import PolicyTable
    from hub.runtime import read_policy_files

    app, policy_dir = policy_app
    runtime = app.state.runtime
    runtime.policy.grants(*POLICE)  # a caller the hub has met
    # given loading a policy takes a second (a large policy, a busy machine)
    load = PolicyTable.load.__func__  # type: ignore[attr-defined]

    def slow_load(cls: type[PolicyTable], *args: Any, **kw: Any) -> PolicyTable:
        time.sleep(1.0)
        return load(cls, *args, **kw)  # type: ignore[no-any-return]

    monkeypatch.setattr(PolicyTable, "load", classmethod(slow_load))
    # when a new generation is recorded (as `fyt policy reload` does) and the process takes it
    grant_new_police_policy(policy_dir)
    generation, _ = await record_policy_generation(
        runtime.engine, read_policy_files(policy_dir), "test"
    )
    longest, last = 0.0, time.monotonic()
    deadline = last + 60  # the thread pool is shared with every app of the test process
    while runtime.policy_generation != generation:
        assert time.monotonic() < deadline, "the generation was not taken"
        await asyncio.sleep(0.02)
        now = time.monotonic()
        longest, last = max(longest, now - last), now
    # then the event loop never stalled for the loading (a tick every 20 ms, well under 1 s)
    assert longest < 0.5, f"the event loop stalled {longest:.2f} s"
    # and the new table serves, its known caller compiled before the swap
    assert runtime.policy.compiled(*POLICE)
    assert runtime.policy.grants(*POLICE).decision("Identity.phone") == Decision.DENY
