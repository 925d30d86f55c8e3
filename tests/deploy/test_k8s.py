"""deploy/k8s: rendered by `kubectl kustomize` and checked offline against the Kubernetes API
schemas (kubernetes-validate, strict), with probes, restricted pods and secrets as files."""

from __future__ import annotations

import copy
import tomllib
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
from sqlalchemy.engine import make_url

from connectors import registry
from tests.deploy.manifests import K8S, k8s_documents

VERSION = "1.30.0"  # the oldest Kubernetes the manifests are for (CronJob timeZone: 1.27)


def pods() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out = []
    for doc in k8s_documents():
        spec = doc.get("spec", {})
        if doc["kind"] == "CronJob":
            spec = spec["jobTemplate"]["spec"]
        if "template" in spec:
            out.append((doc, spec["template"]["spec"]))
    return out


def test_every_object_validates_against_the_api_schema() -> None:
    docs = k8s_documents()
    kinds = sorted({d["kind"] for d in docs})
    assert kinds == [
        "ConfigMap",
        "CronJob",
        "Deployment",
        "Namespace",
        "PersistentVolumeClaim",
        "PodDisruptionBudget",
        "Service",
        "StatefulSet",
    ]
    for doc in docs:
        kubernetes_validate.validate(doc, VERSION, strict=True)


@pytest.mark.parametrize(
    "mistake",
    [
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(readinesProbe={}),
        lambda d: d["spec"].update(replicas="two"),
    ],
    ids=["misspelled field", "wrong type"],
)
def test_the_schema_check_refuses_a_broken_object(mistake: Any) -> None:
    (hub,) = [d for d in k8s_documents() if d["kind"] == "Deployment"]
    broken = copy.deepcopy(hub)
    mistake(broken)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSION, strict=True)


def test_n_hub_replicas_migrate_first_and_probe_health_and_readiness() -> None:
    (hub,) = [d for d in k8s_documents() if d["kind"] == "Deployment"]
    assert hub["spec"]["replicas"] >= 2
    pod = hub["spec"]["template"]["spec"]
    assert [c["args"] for c in pod["initContainers"]] == [["db", "upgrade"]]
    (container,) = pod["containers"]
    assert container["args"][0] == "serve"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["exec"]["command"] == ["fyt", "health", "--ready"]
    (budget,) = [d for d in k8s_documents() if d["kind"] == "PodDisruptionBudget"]
    assert budget["spec"]["minAvailable"] == 1


def test_every_long_running_container_has_both_probes() -> None:
    for doc, pod in pods():
        if doc["kind"] in ("Deployment", "StatefulSet"):
            for container in pod["containers"]:
                assert "readinessProbe" in container and "livenessProbe" in container, doc[
                    "metadata"
                ]["name"]


def test_every_pod_is_restricted() -> None:
    for doc, pod in pods():
        name = doc["metadata"]["name"]
        assert pod["automountServiceAccountToken"] is False, name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            if container["image"].startswith("fyt-hub"):
                assert context["readOnlyRootFilesystem"] is True, name


def test_secrets_are_files_never_variables() -> None:
    for doc, pod in pods():
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            for env in container.get("env", []):
                assert "valueFrom" not in env, (doc["metadata"]["name"], env["name"])
            assert all("secretRef" not in e for e in container.get("envFrom", []))
    (config,) = [d for d in k8s_documents() if d["metadata"]["name"].startswith("fyt-hub-env")]
    env = config["data"]
    (hub,) = [d for d in k8s_documents() if d["kind"] == "Deployment"]
    mounts = {
        m["mountPath"]: m["name"]
        for m in hub["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    }
    volumes = {v["name"]: v for v in hub["spec"]["template"]["spec"]["volumes"]}
    # the audit keys, the token keys, the database password and the operator token
    for name in (
        "HUB_AUDIT_KEY_FILE",
        "HUB_AUDIT_SIGNING_KEY",
        "HUB_JWT_PUBLIC_KEYS",
        "HUB_DATABASE_PASSWORD_FILE",
        "HUB_OPS_TOKEN_FILE",
    ):
        directory = env[name].rsplit("/", 1)[0]
        assert volumes[mounts[directory]]["secret"]["secretName"] == "fyt-hub", name
    assert make_url(env["HUB_DATABASE_URL"]).password is None  # it is in the file
    # the order keys, mounted where the hub's data directory keeps them
    assert volumes[mounts["/var/lib/fyt/keys/orders"]]["secret"]["secretName"] == "fyt-order-keys"


def test_the_hub_reaches_the_agency_services_the_manifests_run() -> None:
    services = {
        d["metadata"]["name"]: d["spec"]["ports"][0]["port"]
        for d in k8s_documents()
        if d["kind"] == "Service"
    }
    statefulsets = {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == "StatefulSet"}
    config = tomllib.loads((K8S / "hub.toml").read_text())
    for name, table in config["connectors"].items():
        url = urlsplit(table["url"])
        assert services[url.hostname] == url.port
        (container,) = statefulsets[url.hostname]["spec"]["template"]["spec"]["containers"]
        assert container["args"][:3] == ["agency", "serve", name]
        assert f"--port={url.port}" in container["args"]


def test_each_bank_runs_like_an_agency_with_its_own_secret_and_volume() -> None:
    # given the rendered StatefulSets
    statefulsets = {d["metadata"]["name"]: d for d in k8s_documents() if d["kind"] == "StatefulSet"}
    config = tomllib.loads((K8S / "hub.toml").read_text())["connectors"]
    assert sorted(config) == sorted(registry.instances())
    for bank in registry.banks():
        code = bank.removeprefix("bank:")
        # then bank:<code> is served by bank-<code>, probed, with its token and witness key
        pod = statefulsets[f"bank-{code}"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["args"][:3] == ["agency", "serve", bank]
        assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert "--token-file=/run/secrets/agency.token" in container["args"]
        assert "--witness-key=/run/secrets/witness.pem" in container["args"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["secrets"]["secret"]["secretName"] == f"fyt-bank-{code}"
        claims = statefulsets[f"bank-{code}"]["spec"]["volumeClaimTemplates"]
        assert [c["metadata"]["name"] for c in claims] == ["data"]
        assert config[bank]["token_file"] == f"/run/secrets/bank-{code}.token"
