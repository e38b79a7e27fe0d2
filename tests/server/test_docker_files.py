"""docker/ without Docker: the compose file, the Dockerfile and the revad configurations name only
files that exist, options that `meshcollab serve` accepts, and hosts, ports and secrets that agree
with each other. Nothing is built or run here (see docker/README.md, "Verified here")."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml  # PyYAML comes with jupyter_server (jupyter_events)
from jupyter_server.serverapp import ServerApp

from meshcollab.app import MeshCollab
from meshcollab.cs3 import CS3Config

DOCKER = Path(__file__).resolve().parents[2] / "docker"
REVAD_CONFIG_DIR = "/etc/revad"  # where compose.yaml mounts docker/revad
# The classes whose traits a command line may set (`--Class.trait=value`, passed through to Jupyter).
CONFIGURABLES = {cls.__name__: cls for cls in (ServerApp, MeshCollab, CS3Config)}
ADDRESS = re.compile(r"^(?:https?://)?([A-Za-z][\w.-]*):(\d+)(?:/|$)")
LISTENING_ANYWHERE = {"localhost", "0.0.0.0"}


def _services() -> dict[str, dict]:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())["services"]


def _in_docker_revad(container_path: str) -> Path:
    """The file of docker/revad that a revad container sees at /etc/revad/..."""
    return DOCKER / "revad" / Path(container_path).relative_to(REVAD_CONFIG_DIR)


def _revad_services() -> dict[str, Path]:
    """Compose service → the revad configuration file it runs (`-c /etc/revad/<file>`)."""
    configs = {}
    for name, service in _services().items():
        command = service.get("command", [])
        if "-c" in command:
            configs[name] = _in_docker_revad(command[command.index("-c") + 1])
    return configs


def _toml(path: Path) -> dict:
    return tomllib.loads(path.read_text())


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _dockerfile_instructions(name: str) -> list[str]:
    return [
        line.split(None, 1)[1]
        for line in (DOCKER / "Dockerfile").read_text().splitlines()
        if line.startswith(name + " ")
    ]


def test_compose_mounts_and_builds_only_files_in_the_repository():
    for name, service in _services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):  # a bind mount; other sources are named volumes
                assert (DOCKER / source).exists(), f"{name} mounts {source}, which is not in the repository"
        if "build" in service:
            context = DOCKER / service["build"]["context"]
            assert context.is_dir(), f"{name} builds from {context}"
            assert (context / service["build"]["dockerfile"]).is_file(), (
                f"{name} builds {service['build']['dockerfile']}"
            )
    assert set(_revad_services()) == {"gateway", "storage-home", "storage-users", "storage-public"}
    for name, config in _revad_services().items():
        assert config.is_file(), f"{name} runs {config}, which is not in docker/revad"


def test_the_dockerfile_copies_only_files_that_exist_and_that_the_dockerignore_lets_in():
    context = DOCKER.parent
    allowed = {
        line[1:]
        for line in (DOCKER / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copies = [arguments.split() for arguments in _dockerfile_instructions("COPY")]
    sources = [
        path for arguments in copies if not arguments[0].startswith("--from") for path in arguments[:-1]
    ]
    assert "pyproject.toml" in sources and "meshcollab/" in sources
    for source in sources:
        assert (context / source).exists(), f"the Dockerfile copies {source}, which is not in the repository"
        assert Path(source).parts[0] in allowed, (
            f"docker/Dockerfile.dockerignore leaves {source} out of the context"
        )


def test_the_image_and_compose_give_meshcollab_serve_only_options_it_accepts():
    help_text = subprocess.run(
        [sys.executable, "-m", "meshcollab", "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    serve_options = set(re.findall(r"(--[a-z][a-z-]*)", help_text))
    [entrypoint] = _dockerfile_instructions("ENTRYPOINT")
    entrypoint = json.loads(entrypoint)
    assert entrypoint[:2] == ["meshcollab", "serve"]
    arguments = entrypoint[2:] + _services()["meshcollab"]["command"]
    assert "--gateway" in arguments
    for argument in (argument for argument in arguments if argument.startswith("--")):
        option = argument.split("=", 1)[0]
        if "." in option:  # a trait, passed through to JupyterLab
            class_name, trait = option[2:].split(".", 1)
            assert class_name in CONFIGURABLES, f"{option}: add its class to CONFIGURABLES if it is real"
            assert trait in CONFIGURABLES[class_name].class_traits(config=True), f"{option} is not a trait"
        else:
            assert option in serve_options, f"meshcollab serve does not accept {option}"


def test_the_revad_configurations_parse_and_name_only_files_in_docker_revad():
    configs = sorted((DOCKER / "revad").glob("*.toml"))
    assert {config.name for config in configs} == {config.name for config in _revad_services().values()}
    for config in configs:
        for value in _strings(_toml(config)):
            if value.startswith(REVAD_CONFIG_DIR + "/"):
                assert _in_docker_revad(value).is_file(), f"{config.name} names {value}, not in docker/revad"
    users = json.loads((DOCKER / "revad" / "users.json").read_text())
    assert {user["username"]: user["secret"] for user in users} == {
        "einstein": "relativity",
        "marie": "radioactivity",
        "richard": "superfluidity",
    }


def test_every_address_in_the_configurations_is_a_port_that_compose_service_listens_on():
    listening: dict[str, set[str]] = {}
    for name, config in _revad_services().items():
        settings = _toml(config)
        listening[name] = {
            settings[server]["address"].rsplit(":", 1)[1] for server in ("grpc", "http") if server in settings
        }
    command = _services()["meshcollab"]["command"]
    references = [("meshcollab", command[command.index("--gateway") + 1])]
    references += [
        (config.name, value) for config in _revad_services().values() for value in _strings(_toml(config))
    ]
    checked = 0
    for source, value in references:
        match = ADDRESS.match(value)
        if match is None or match[1] in LISTENING_ANYWHERE:
            continue
        host, port = match[1], match[2]
        assert host in listening, f"{source}: {value} names {host}, which is no revad service of compose.yaml"
        assert port in listening[host], f"{source}: {value}, but {host} listens on {sorted(listening[host])}"
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("key", ["jwt_secret", "gatewaysvc"])
def test_all_revad_processes_share_the_token_secret_and_the_gateway(key):
    values = {config.name: _toml(config)["shared"][key] for config in _revad_services().values()}
    assert len(set(values.values())) == 1, f"[shared] {key} differs: {values}"


def test_the_gateway_and_its_data_gateway_sign_and_check_transfers_with_one_secret():
    gateway = _toml(_revad_services()["gateway"])
    assert (
        gateway["grpc"]["services"]["gateway"]["transfer_shared_secret"]
        == (gateway["http"]["services"]["datagateway"]["transfer_shared_secret"])
    )
    prefix = gateway["http"]["services"]["datagateway"]["prefix"]
    assert gateway["grpc"]["services"]["gateway"]["datagateway"].endswith(f"/{prefix}")
