"""The live API against its own OpenAPI description: a schemathesis run finds no 5xx and no
answer that strays from the description."""

import subprocess

import requests

from harness.processes import BIN, Process
from tests.conftest import DEV_KEY

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


def test_a_schemathesis_run_against_the_live_api_is_green(api_url: str, worker: Process) -> None:
    run = subprocess.run(
        [
            str(BIN / "schemathesis"),
            "run",
            f"{api_url}/openapi.json",
            "--checks",
            CHECKS,
            "--header",
            f"Authorization: Bearer {DEV_KEY}",
            "--max-examples",
            "30",
            "--request-timeout",
            "40",
            "--suppress-health-check",
            "all",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]


def test_the_description_and_the_docs_page_are_served(api_url: str) -> None:
    spec = requests.get(f"{api_url}/openapi.json", timeout=10).json()
    assert spec["openapi"].startswith("3.")
    assert "TopupBody" in spec["components"]["schemas"]
    page = requests.get(f"{api_url}/docs", timeout=10)
    assert page.status_code == 200 and "/api/wallet/topup" in page.text
