"""Every `fyt` command the compose file and the manifests run exists, with the options given,
and every HUB_* variable they set is a setting of the hub."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import click
import pytest

from connectors import registry
from hub.cli import main
from hub.config import Settings
from tests.deploy.manifests import Process, compose_processes, k8s_processes, processes

PER_AGENCY = re.compile(
    r"HUB_("
    + "|".join(registry.get(n).env_name() for n in registry.instances())
    + r")_(DATABASE_URL|TIMEOUT)"
)


def resolve(args: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """The command path, the command, and the arguments left for it."""
    command: click.Command = main
    path: list[str] = []
    rest = list(args)
    while isinstance(command, click.Group):
        assert rest, f"`fyt {' '.join(path)}` is a group: a command must follow"
        sub = command.get_command(click.Context(command), rest[0])
        assert sub is not None, f"`fyt {' '.join([*path, rest[0]])}` is not a command"
        path.append(rest.pop(0))
        command = sub
    return path, command, rest


def test_both_files_run_fyt() -> None:
    # the lists below are not empty by accident of parsing
    where = {p.where.split()[0] for p in processes()}
    assert where == {"compose", "k8s"}
    assert len(compose_processes()) >= 9 and len(k8s_processes()) >= 7


@pytest.mark.parametrize("process", processes(), ids=lambda p: p.where)
def test_each_command_and_its_options_exist(process: Process) -> None:
    # given a container's `fyt` arguments
    path, command, rest = resolve(process.args)
    # then each option is one of the command's, and the positional arguments fit
    options = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    positional = []
    i = 0
    while i < len(rest):
        word = rest[i]
        if word.startswith("--"):
            name = word.split("=", 1)[0]
            assert name in options, f"{process.where}: `fyt {' '.join(path)}` has no {name}"
            option = next(p for p in command.params if name in getattr(p, "opts", ()))
            if "=" not in word and not getattr(option, "is_flag", False):
                i += 1  # its value
        else:
            positional.append(word)
        i += 1
    assert len(positional) == len(arguments), f"{process.where}: {rest}"
    if path == ["agency", "serve"]:
        assert positional[0] in registry.instances()


def test_each_command_answers_help() -> None:
    # given every command path the deployment uses
    paths = sorted({tuple(resolve(p.args)[0]) for p in processes()})
    assert ("serve",) in paths and ("db", "upgrade") in paths
    # when `fyt PATH --help` runs as the image runs it
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    for path in paths:
        done = subprocess.run(
            [sys.executable, "-m", "hub.cli", *path, "--help"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        # then it exists and says how it is used
        assert done.returncode == 0, (path, done.stderr)
        assert done.stdout.startswith(f"Usage: python -m hub.cli {' '.join(path)} ")


def test_every_hub_variable_is_a_setting() -> None:
    # given the HUB_* variables every container is given
    used = {name for p in processes() for name in p.env if name.startswith("HUB_")}
    assert "HUB_DATABASE_PASSWORD_FILE" in used and "HUB_JWT_JWKS_URL" in used
    # then each is read by the settings (the per-agency ones by their pattern)
    known = set(Settings.variables().values())
    unknown = sorted(n for n in used if n not in known and not PER_AGENCY.fullmatch(n))
    assert unknown == []


def hub_env(where: str) -> dict[str, str]:
    (process,) = [p for p in processes() if p.where == where]
    return process.env


def test_compose_and_kubernetes_give_the_hub_the_same_settings() -> None:
    compose_hub = hub_env("compose hub-1")
    assert compose_hub == hub_env("compose hub-2") == hub_env("compose migrate")
    k8s_hub = hub_env("k8s Deployment/hub hub")
    assert k8s_hub == hub_env("k8s Deployment/hub migrate")
    assert compose_hub == k8s_hub


def test_compose_and_kubernetes_run_the_agencies_and_the_witness_alike() -> None:
    def by_command(kind: str) -> dict[str, list[str]]:
        return {
            " ".join(p.args[:3]): p.args
            for p in processes()
            if p.where.startswith(kind) and p.args[0] in ("agency", "witness")
        }

    compose, k8s = by_command("compose"), by_command("k8s")
    # every agency and every bank (registry.instances()), and the witness
    served = {args[2] for key, args in compose.items() if key.startswith("agency serve")}
    assert served == set(registry.instances())
    assert len(compose) == len(registry.instances()) + 1
    # the witness's name is a variable in compose, with the manifests' value as its default
    assert compose == k8s
