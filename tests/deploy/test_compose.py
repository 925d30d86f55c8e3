"""deploy/compose.yaml: a valid Compose file (the compose_spec parser), whose services are
healthy in order, whose mounts exist, and whose hub reaches the agencies and banks it runs."""

from __future__ import annotations

import copy
import json
import tomllib
from typing import Any
from urllib.parse import urlsplit

import pytest
from compose_spec import PyCompose

from connectors import registry
from tests.deploy.manifests import DEPLOY, compose

BANKS = tuple(f"bank-{b.removeprefix('bank:')}" for b in registry.banks())

LONG_RUNNING = (
    "hub-1",
    "hub-2",
    *(
        f"agency-{a}"
        for a in (
            "public-security",
            "real-estate",
            "market-supervision",
            "social-security",
            "tax",
            "utilities",
        )
    ),
    *BANKS,
    "witness",
    "postgres",
)


def parse(data: dict[str, Any]) -> None:
    parsed = PyCompose.from_json(json.dumps(data))
    parsed.validate()  # every secret, network, volume and config a service names is declared
    parsed.to_spec()


def test_the_file_is_a_valid_compose_file() -> None:
    parse(compose())


@pytest.mark.parametrize(
    "mistake",
    [
        lambda d: d["services"]["hub-1"].update(helthcheck={}),
        lambda d: d["services"]["hub-1"].update(secrets=["no-such-secret"]),
        lambda d: d["services"]["hub-1"]["depends_on"].update(migrate={"condition": "done"}),
    ],
    ids=["unknown key", "undeclared secret", "unknown condition"],
)
def test_the_parser_refuses_a_broken_file(mistake: Any) -> None:
    broken = copy.deepcopy(compose())
    mistake(broken)
    with pytest.raises(ValueError):
        parse(broken)


def test_long_running_services_have_health_checks() -> None:
    services = compose()["services"]
    for name in LONG_RUNNING:
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD", name
    for name in LONG_RUNNING[:-1]:
        test = services[name]["healthcheck"]["test"]
        assert test[1:3] == ["fyt", "health"], name
        port = next(a for a in services[name]["command"] if "--port" in str(a))
        if name.startswith("hub"):
            assert test[3:] == ["--ready"]  # /readyz with the operator token
        else:
            assert test[3:] == ["--url", f"http://127.0.0.1:{str(port).split('=')[-1]}"]


def test_the_hubs_start_after_the_migration_and_the_services_they_use() -> None:
    services = compose()["services"]
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for hub in ("hub-1", "hub-2"):
        depends = services[hub]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert {n for n, d in depends.items() if d["condition"] == "service_healthy"} == set(
            LONG_RUNNING[2:-1]
        )


def test_every_mount_is_declared_or_in_the_repository_or_made_by_make_secrets() -> None:
    data = compose()
    for name, service in data["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                made = source.startswith(("./secrets/", "./backups"))
                assert made or (DEPLOY / source).exists(), (name, source)
            else:
                assert source in data["volumes"], (name, source)


def test_the_hubs_reach_the_agency_services_compose_runs() -> None:
    services = compose()["services"]
    config = tomllib.loads((DEPLOY / "k8s" / "hub.toml").read_text())
    for name, table in config["connectors"].items():
        url = urlsplit(table["url"])
        service = services[url.hostname]
        assert service["command"][:3] == ["agency", "serve", name]
        assert f"--port={url.port}" in service["command"]
        target = table["token_file"].removeprefix("/run/secrets/")
        assert target in services["hub-1"]["secrets"]


def test_compose_runs_every_bank_and_the_hubs_reach_each_remote() -> None:
    # given the hubs' connector file and the services compose runs
    services = compose()["services"]
    config = tomllib.loads((DEPLOY / "k8s" / "hub.toml").read_text())["connectors"]
    # then every connector of the registry, the eight banks with the agencies, is remote
    assert len(BANKS) == 8
    assert sorted(config) == sorted(registry.instances())
    assert {t["mode"] for t in config.values()} == {"remote"}
    for bank in registry.banks():
        code = bank.removeprefix("bank:")
        service = services[f"bank-{code}"]
        # each bank on its own volume, with its own token and witness key
        assert f"bank-{code}:/var/lib/fyt" in service["volumes"]
        assert {s["source"] for s in service["secrets"]} == {
            f"bank-{code}.token",
            f"witness-bank-{code}.pem",
        }
        assert urlsplit(config[bank]["url"]).hostname == f"bank-{code}"
    # and the trial's seed writes each bank's database onto that bank's volume
    seed = services["pilot-seed"]
    for bank in registry.banks():
        code = bank.removeprefix("bank:")
        url = seed["environment"][f"HUB_BANK_{code}_DATABASE_URL"]
        assert url == f"sqlite:////srv/bank_{code}/agencies/bank_{code}.sqlite3"
        assert f"bank-{code}:/srv/bank_{code}" in seed["volumes"]
        assert f"/srv/bank_{code}" in seed["command"][0]
