"""The deployment's files read as data: the compose file (interpolated as compose does), the
Kubernetes manifests (rendered by `kubectl kustomize`), and the `fyt` commands both run.

:func:`processes` lists every container that runs `fyt` — its arguments, its environment and the
files it is given — for the tests here and for any test that runs the same commands on hosts of
its own (real processes instead of containers)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"

# ${NAME}, ${NAME:-default}, ${NAME-default} and $$ (a literal $), as compose interpolates them.
_VARIABLE = re.compile(r"\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\})")


def interpolate(text: str, env: dict[str, str] | None = None) -> str:
    """Compose's interpolation of ``text`` with ``env`` (unset names take their default)."""
    env = env or {}

    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1)) or m.group(2) or ""

    return _VARIABLE.sub(one, text)


@cache
def compose() -> dict[str, Any]:
    """deploy/compose.yaml as compose reads it with no variables set."""
    return dict(yaml.safe_load(interpolate(COMPOSE.read_text(encoding="utf-8"))))


@cache
def kustomize_output() -> str:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with its kustomize) is needed to render deploy/k8s"
    done = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def k8s_documents() -> list[dict[str, Any]]:
    """The rendered manifests, one dict per object."""
    return [d for d in yaml.safe_load_all(kustomize_output()) if d]


@dataclass
class Process:
    """A container that runs ``fyt``: where it is declared, its arguments after ``fyt``, its
    environment, and what is mounted where (path in the container → kind and name: ``("secret",
    "fyt-hub")``, ``("configMap", "fyt-public")``, ``("volume", "./k8s/hub.toml")``, …)."""

    where: str
    args: list[str]
    env: dict[str, str]
    files: dict[str, tuple[str, str]] = field(default_factory=dict)


def _fyt_args(command: list[str], entrypoint: list[str] | None) -> list[list[str]]:
    """The ``fyt`` invocations a container runs: the image's entrypoint is ``fyt``, or a shell
    script whose commands start with ``fyt``."""
    if entrypoint is None:
        return [list(command)]
    if entrypoint[:2] == ["/bin/sh", "-c"]:
        script = " ".join(command)
        found = []
        for part in re.split(r"&&|;|\|\|", script):
            words = shlex.split(part)
            if words and words[0] == "fyt":
                found.append(words[1:])
        return found
    if entrypoint[0] == "fyt":
        return [[*entrypoint[1:], *command]]
    return []


def compose_processes() -> list[Process]:
    data = compose()
    out = []
    for name, service in data["services"].items():
        if "fyt-hub" not in str(service.get("image", "")):
            continue
        env = {k: str(v) for k, v in (service.get("environment") or {}).items()}
        files = {}
        for secret in service.get("secrets") or []:
            source = secret if isinstance(secret, str) else secret["source"]
            target = secret if isinstance(secret, str) else secret.get("target", source)
            target = target if target.startswith("/") else f"/run/secrets/{target}"
            files[target] = ("secret", data["secrets"][source]["file"])
        for volume in service.get("volumes") or []:
            source, _, rest = str(volume).partition(":")
            files[rest.split(":")[0]] = ("volume", source)
        for args in _fyt_args(service.get("command") or [], service.get("entrypoint")):
            out.append(Process(f"compose {name}", args, env, files))
    return out


def _containers(doc: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    pod = spec.get("template", {}).get("spec", {})
    return [(pod, c) for c in [*pod.get("initContainers", []), *pod.get("containers", [])]]


def k8s_processes() -> list[Process]:
    docs = k8s_documents()
    config_maps = {
        d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"
    }
    out = []
    for doc in docs:
        for pod, container in _containers(doc):
            if not container["image"].startswith("fyt-hub"):
                continue
            env = {}
            for source in container.get("envFrom", []):
                env.update(config_maps[source["configMapRef"]["name"]])
            env.update({e["name"]: e["value"] for e in container.get("env", [])})
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            files = {}
            for mount in container.get("volumeMounts", []):
                volume = volumes.get(mount["name"], {"volumeClaimTemplate": {}})
                kind = next(k for k in volume if k != "name")
                spec = volume[kind] or {}
                name = (
                    spec.get("secretName")
                    or spec.get("name")
                    or spec.get("claimName")
                    or mount["name"]
                )
                files[mount["mountPath"]] = (kind, name)
            where = f"k8s {doc['kind']}/{doc['metadata']['name']} {container['name']}"
            args = [*container.get("command", [])[1:], *container.get("args", [])]
            out.append(Process(where, args, env, files))
    return out


def processes() -> list[Process]:
    """Every `fyt` command the compose file and the Kubernetes manifests run."""
    return [*compose_processes(), *k8s_processes()]
