"""deploy/prometheus-alerts.yml names only metrics the API or the workers export (a renamed
metric would leave its alert silent for ever), and every rule is complete."""

import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import REGISTRY

import producer_api.http.metrics
import worker.metrics

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus-alerts.yml"
METRIC = re.compile(r"\bwallet_[a-z_]+")
SUFFIXES = ("_bucket", "_count", "_sum", "_total")


def exported() -> set[str]:
    assert producer_api.http.metrics.READS and worker.metrics.POSTINGS  # both modules' metrics
    return {family.name for family in REGISTRY.collect()}  # a counter's without _total


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_alert_names_exported_metrics_and_says_what_is_wrong() -> None:
    known = exported()
    for rule in rules():
        assert rule["alert"].startswith("Wallet") and rule["annotations"]["summary"], rule
        assert rule["labels"]["severity"] in ("page", "ticket"), rule
        for name in METRIC.findall(rule["expr"]):
            base = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
            assert base in known, f"{rule['alert']}: {name} is not exported"


def test_the_replica_has_its_alerts() -> None:
    alerts = {rule["alert"] for rule in rules()}
    assert {"WalletReplicaLagHigh", "WalletReplicaDown", "WalletReplicaFallbacksHigh"} <= alerts
