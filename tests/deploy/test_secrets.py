"""deploy/make-secrets.sh makes every file the deployment mounts, and the hub, the agencies and
the witness accept what it made with the deployment's own settings."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from connectors import registry
from connectors.base.tlog.checkpoint import vkey
from connectors.base.witness import load_witness_key
from hub.audit.keys import AuditKeys
from hub.audit.witness import WitnessPolicy
from hub.auth.tokens import load_private_key, load_public_keys
from hub.config import Settings
from hub.orders.signing import OrderKeys
from tests.deploy.manifests import DEPLOY, compose, k8s_documents, processes

# The Secrets and the ConfigMap docs/deploy.md has the operator create, from make-secrets' output.
OUT_OF_BAND = {
    "fyt-hub": "hub",
    "fyt-order-keys": "orders",
    "fyt-postgres": "postgres",
    "fyt-witness": "witness",
    "fyt-public": "public",
    **{
        f"fyt-agency-{a.replace('_', '-')}": f"agency-{a}"
        for a in (
            "public_security",
            "real_estate",
            "market_supervision",
            "social_security",
            "tax",
            "utilities",
        )
    },
    **{
        f"fyt-bank-{b.removeprefix('bank:')}": f"bank-{b.removeprefix('bank:')}"
        for b in registry.banks()
    },
}


def service_secrets(name: str) -> str:
    """The directory of make-secrets' output an agency's or a bank's service is given."""
    return f"bank-{name.removeprefix('bank:')}" if name.startswith("bank:") else f"agency-{name}"


def make_secrets(out: Path) -> str:
    openssl = shutil.which("openssl")
    assert openssl, "openssl is needed by deploy/make-secrets.sh"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["sh", str(DEPLOY / "make-secrets.sh"), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def secrets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deploy") / "secrets"
    make_secrets(out)
    return out


def test_every_secret_compose_mounts_is_made(secrets: Path) -> None:
    files = [s["file"] for s in compose()["secrets"].values()]
    assert len(files) >= 15
    for file in files:
        assert file.startswith("./secrets/")
        made = secrets / file.removeprefix("./secrets/")
        assert made.is_file() and made.stat().st_size > 0, file
        assert made.stat().st_mode & 0o077 == 0, f"{file} is readable by others"


def test_every_secret_and_config_map_the_manifests_mount_is_made(secrets: Path) -> None:
    # given every Secret and ConfigMap volume of the manifests (generated ones aside)
    docs = k8s_documents()
    generated = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    used: set[str] = set()
    for doc in docs:
        spec = doc.get("spec", {})
        if doc["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        for volume in spec.get("template", {}).get("spec", {}).get("volumes", []):
            if "secret" in volume:
                used.add(volume["secret"]["secretName"])
            elif "configMap" in volume and volume["configMap"]["name"] not in generated:
                used.add(volume["configMap"]["name"])
    # then each is one the operator makes from a directory of make-secrets' output
    assert used == set(OUT_OF_BAND)
    for name, directory in OUT_OF_BAND.items():
        assert any((secrets / directory).iterdir()), name


def container_files(process_env: dict[str, str], secrets: Path) -> dict[str, str]:
    """The deployment's settings with the container's paths replaced by make-secrets' files."""
    places = {
        "/run/secrets/": secrets / "hub",
        "/etc/fyt/public/": secrets / "public",
        "/etc/fyt/config/": DEPLOY / "k8s",
    }
    out = {}
    for name, value in process_env.items():
        for prefix, directory in places.items():
            if value.startswith(prefix):
                value = str(directory / value.removeprefix(prefix))
        out[name] = value
    return out


def test_the_hub_starts_with_the_deployments_settings_and_secrets(
    secrets: Path, tmp_path: Path
) -> None:
    # given the hub's environment of the manifests, its files where make-secrets put them
    (hub,) = [p for p in processes() if p.where == "k8s Deployment/hub hub"]
    env = container_files(hub.env, secrets)
    env["HUB_DATA_DIR"] = str(tmp_path)
    config = tmp_path / "hub.toml"
    text = (DEPLOY / "k8s" / "hub.toml").read_text(encoding="utf-8")
    config.write_text(text.replace("/run/secrets/", f"{secrets / 'hub'}/"), encoding="utf-8")
    env["HUB_CONFIG"] = str(config)
    # when the settings and keys are loaded as `fyt serve` loads them
    settings = Settings.from_env(env)
    keys = AuditKeys.load(
        settings.audit_key_path, settings.audit_signing_path, settings.audit_origin
    )
    witnesses = WitnessPolicy.from_settings(settings)
    # then it is production, with the database password, the operator token and the remote
    # agencies with their tokens
    assert settings.production and settings.ops_token is not None
    assert settings.database_url.startswith("postgresql+asyncpg://fyt:")
    assert (secrets / "hub" / "db-password").read_text().strip() in settings.database_url
    # (every agency and every bank)
    assert len(registry.instances()) == 14
    for name in registry.instances():
        connector = settings.connectors[name]
        assert connector.mode == "remote" and connector.token, name
        service_token = secrets / service_secrets(name) / "agency.token"
        assert connector.token == service_token.read_text().strip(), name
    # and the audit log's verifier key is the one the witnesses are given
    assert (secrets / "public" / "audit.vkey").read_text().strip() == vkey(
        keys.origin, keys.public_key
    )
    assert len(witnesses.witnesses) == 15 and settings.audit_witness_quorum <= 15
    assert load_public_keys(settings.public_keys_path)
    # the orders' keys of the demo courts and of every agency load
    orders = OrderKeys(secrets / "orders", create=False)
    for party in ("court:370602", "court:370612", "agency:real_estate", "agency:public_security"):
        assert orders.public(party) is not None
    for bank in registry.banks():  # a bank's receipts are signed with agency:bank:<code>'s key
        assert orders.public(f"agency:{bank}") is not None


def test_the_witnesses_file_names_the_services_and_their_keys(secrets: Path) -> None:
    document = tomllib.loads((secrets / "public" / "witnesses.toml").read_text())
    services = {urlsplit(w["url"]).hostname: urlsplit(w["url"]).port for w in document["witness"]}
    k8s_ports = {
        d["metadata"]["name"]: d["spec"]["ports"][0]["port"]
        for d in k8s_documents()
        if d["kind"] == "Service"
    }
    assert services == {name: k8s_ports[name] for name in services}
    assert set(services) <= set(compose()["services"])
    # each witness's key is the one its service is given
    for witness in document["witness"]:
        host = urlsplit(witness["url"]).hostname
        if host == "witness":
            key_file = secrets / "witness" / "witness.pem"
        elif host.startswith("bank-"):
            key_file = secrets / host / "witness.pem"
        else:
            key_file = (
                secrets / f"agency-{host.removeprefix('agency-').replace('-', '_')}" / "witness.pem"
            )
        assert load_witness_key(key_file, create=False) is not None
        name = witness["vkey"].split("+")[0]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "hub.cli",
                "witness",
                "public-key",
                "--name",
                name,
                "--key",
                str(key_file),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.stdout.strip() == witness["vkey"]


def test_the_trial_token_key_signs_what_the_hub_trusts(secrets: Path) -> None:
    key, kid = load_private_key(secrets / "tools" / "jwt-signing-key.pem")
    trusted = load_public_keys(secrets / "hub" / "jwks.json")
    assert kid is not None and not kid.startswith("dev-")
    assert trusted[kid].public_bytes_raw() == key.public_key().public_bytes_raw()


def test_running_it_again_keeps_every_secret(secrets: Path, tmp_path: Path) -> None:
    # given a copy of what it made
    copy = tmp_path / "secrets"
    shutil.copytree(secrets, copy)
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    # when it runs again over it
    make_secrets(copy)
    # then nothing changed (a second run must not rotate a key in use)
    after = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert after == before
