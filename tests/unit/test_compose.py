"""The compose files, as docker-compose itself reads them (``config``; no Docker daemon):
with no variable, development published on 127.0.0.1 only; a .env sets ports and the Flower
login; production refuses to start without its secrets and publishes on every interface; the
rabbitmq profile adds the optional broker; workers scale (``--scale worker=N``), beat does not."""

import ipaddress
import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.processes import ROOT

PRODUCTION = ["-f", "docker-compose.yml", "-f", "docker-compose.prod.yml"]
SECRETS = {"POSTGRES_PASSWORD": "pg-secret", "WALLET_SECRET_KEY": "k" * 32}
SECRETS["FLOWER_BASIC_AUTH"] = "ops:flower-secret"


@pytest.fixture(scope="module")
def compose() -> str:
    found = shutil.which("docker-compose") or _install()
    if not found:
        pytest.skip("docker-compose is missing and could not be installed (apt-get, as root)")
    return found


def _install() -> str | None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "docker-compose"]
    if subprocess.run(install, env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(install, env=env, capture_output=True)
    return shutil.which("docker-compose")


def config(
    compose: str, tmp_path: Path, dotenv: dict[str, str], *files: str, quiet: bool = False
) -> subprocess.CompletedProcess[str]:
    """``docker-compose config`` in the project directory, its variables from ``dotenv``
    only (none from the shell, nor from a developer's own .env)."""
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in dotenv.items()))
    args = [compose, "--env-file", str(env_file), *files, "config"] + (["-q"] if quiet else [])
    return subprocess.run(
        args, cwd=ROOT, env={"PATH": os.environ["PATH"]}, capture_output=True, text=True
    )


def services(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert run.returncode == 0, run.stderr
    found: dict[str, Any] = yaml.safe_load(run.stdout)["services"]
    return found


def published(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host address, host port, container port) of each published port, whichever syntax."""
    ports = []
    for port in service.get("ports", []):
        if isinstance(port, str):
            *host, target = port.split("/")[0].rsplit(":", 1)
            address, _, number = host[0].rpartition(":")
            ports.append((address, number, target))
        else:
            ports.append((port.get("host_ip", ""), str(port["published"]), str(port["target"])))
    return ports


def test_with_no_variable_it_is_development_on_loopback_only(compose: str, tmp_path: Path) -> None:
    assert config(compose, tmp_path, {}, quiet=True).returncode == 0
    found = services(config(compose, tmp_path, {}))
    assert published(found["api"]) == [("127.0.0.1", "3000", "3000")]
    assert published(found["flower"]) == [("127.0.0.1", "5555", "5555")]
    assert all(published(s) == [] for n, s in found.items() if n not in ("api", "flower"))
    assert found["api"]["environment"]["WALLET_ENV"] == "development"
    login = found["flower"]["environment"]["FLOWER_BASIC_AUTH"]
    assert f"`{login}`" in (ROOT / "README.md").read_text()  # the README gives it


def test_a_dotenv_sets_the_ports_and_the_flower_login(compose: str, tmp_path: Path) -> None:
    dotenv = {"PORT": "3999", "FLOWER_PORT": "5999", "FLOWER_BASIC_AUTH": "ops:pw"}
    found = services(config(compose, tmp_path, {**dotenv, "LOG_FORMAT": "json"}))
    assert published(found["api"]) == [("127.0.0.1", "3999", "3000")]
    assert published(found["flower"]) == [("127.0.0.1", "5999", "5555")]
    assert found["flower"]["environment"]["FLOWER_BASIC_AUTH"] == "ops:pw"
    assert found["worker"]["environment"]["LOG_FORMAT"] == "json"


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_production_refuses_to_start_without_each_secret(
    compose: str, tmp_path: Path, missing: str
) -> None:
    dotenv = {k: v for k, v in SECRETS.items() if k != missing}
    run = config(compose, tmp_path, dotenv, *PRODUCTION, quiet=True)
    assert run.returncode != 0
    assert f"set {missing}" in run.stderr


def test_production_with_its_secrets_publishes_everywhere(compose: str, tmp_path: Path) -> None:
    assert config(compose, tmp_path, SECRETS, *PRODUCTION, quiet=True).returncode == 0
    found = services(config(compose, tmp_path, SECRETS, *PRODUCTION))
    assert published(found["api"]) == [("", "3000", "3000")]
    assert published(found["flower"]) == [("", "5555", "5555")]
    for name in ("migrate", "api", "worker", "webhooks", "beat", "flower"):
        environment = found[name]["environment"]
        assert environment["WALLET_ENV"] == "production"
        assert environment["WALLET_SECRET_KEY"] == SECRETS["WALLET_SECRET_KEY"]
        assert ":pg-secret@" in environment["DATABASE_URL"]


def test_the_rabbitmq_profile_adds_a_broker_the_services_reach_by_celery_broker_url(
    compose: str, tmp_path: Path
) -> None:
    dotenv = {"CELERY_BROKER_URL": "amqp://wallet:wallet-dev@rabbitmq:5672/"}
    profile = ["--profile", "rabbitmq"]
    assert config(compose, tmp_path, dotenv, *profile, quiet=True).returncode == 0
    found = services(config(compose, tmp_path, dotenv, *profile))
    assert found["rabbitmq"]["profiles"] == ["rabbitmq"]  # not started without the profile
    assert published(found["rabbitmq"]) == []
    for name in ("api", "worker", "webhooks", "beat", "flower"):
        assert found[name]["environment"]["CELERY_BROKER_URL"] == dotenv["CELERY_BROKER_URL"]
        assert "rabbitmq" not in found[name].get("depends_on", {})  # the default runs alone


@pytest.mark.parametrize("files", [[], PRODUCTION], ids=["development", "production"])
def test_workers_scale_with_no_fixed_name_or_port_and_beat_stays_single(
    compose: str, tmp_path: Path, files: list[str]
) -> None:
    found = services(config(compose, tmp_path, SECRETS, *files))
    assert "container_name" not in found["worker"]
    assert published(found["worker"]) == []
    assert found["worker"].get("deploy", {}).get("replicas", 1) == 1  # --scale decides
    assert found["beat"].get("deploy", {}).get("replicas", 1) == 1
    worker_command = " ".join(found["worker"]["command"])
    assert "--beat" not in worker_command and " -B" not in worker_command
    assert not any("container_name" in service for service in found.values())


def dockerfile_env() -> dict[str, str]:
    """The variables the Dockerfile's ENV instructions set, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "ENV":
            found.update(pair.partition("=")[::2] for pair in shlex.split(arguments))
    return found


def test_the_image_started_as_it_is_built_is_production() -> None:
    """The image listens on every interface: as development it was an open admin API to
    whoever reached it (issue 22). Production refuses to start without its secrets."""
    env = dockerfile_env()
    assert env["LISTEN_ADDRESS"] == "0.0.0.0"
    assert env["WALLET_ENV"] == "production"


def test_development_trusts_the_compose_gateway_and_loopback_only(
    compose: str, tmp_path: Path
) -> None:
    """It trusted every private network (10/8, 172.16/12, 192.168/16) as the keyless
    development client: any container or neighbour reaching the API was admin (issue 22)."""
    run = config(compose, tmp_path, {})
    assert run.returncode == 0, run.stderr
    document = yaml.safe_load(run.stdout)
    (pool,) = document["networks"]["default"]["ipam"]["config"]
    spelled = document["services"]["api"]["environment"]["WALLET_DEV_TRUSTED_NETWORKS"]
    trusted = {ipaddress.ip_network(network) for network in spelled.split(",")}
    gateway = ipaddress.IPv4Network(f"{pool['gateway']}/32")
    assert trusted == {
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
        gateway,
    }
    assert gateway.subnet_of(ipaddress.IPv4Network(pool["subnet"]))
    moved = {"WALLET_DEV_SUBNET": "10.99.7.0/24", "WALLET_DEV_GATEWAY": "10.99.7.1"}
    environment = services(config(compose, tmp_path, moved))["api"]["environment"]
    assert "10.99.7.1/32" in environment["WALLET_DEV_TRUSTED_NETWORKS"]


def test_webhook_deliveries_have_a_service_of_their_own(compose: str, tmp_path: Path) -> None:
    """Postings and deliveries on separate workers (worker/serve.py): a slow receiver holds
    a delivery thread, never the posting worker (issue 22)."""
    found = services(config(compose, tmp_path, {}))
    assert "-m worker.serve postings " in " ".join(found["worker"]["command"])
    assert "-m worker.serve webhooks " in " ".join(found["webhooks"]["command"])
    assert found["webhooks"]["depends_on"].keys() == found["worker"]["depends_on"].keys()
