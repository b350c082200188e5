"""The block make run prints once the API answers on /readyz: what a person needs next."""

from pathlib import Path

from infra.settings import Settings


def banner(settings: Settings, embedded: list[str], data_dir: Path, seconds: float) -> str:
    api = f"http://127.0.0.1:{settings.port}"
    user, _, password = (settings.flower_login or "").partition(":")
    login = f"{user} / {password}" if settings.wallet_env == "development" else "FLOWER_BASIC_AUTH"
    rows = [
        ("API", api + _interfaces(settings)),
        ("Docs", f"{api}/docs"),
        ("Flower", f"http://127.0.0.1:{settings.flower_port}   login {login}"),
        ("Metrics", f"{api}/metrics   (worker: port {settings.worker_metrics_port})"),
    ]
    if settings.dev_api_key:
        rows.append(("Dev key", f"{settings.dev_api_key}   (calls from this machine need none)"))
    if embedded:
        where = f"embedded {' and '.join(embedded)} in {data_dir}"
        rows.append(("Data", f"{where}   (make reset wipes and reseeds)"))
    rows.append(("Try", f"curl -s localhost:{settings.port}/api/wallet/balance/USR-001"))
    title = f"wallet is ready in {seconds:.0f} s ({settings.wallet_env} mode)"
    lines = [title, *(f"  {name:<9}{value}" for name, value in rows), "Ctrl-C stops everything."]
    rule = "─" * max(len(line) for line in lines)
    return "\n".join([rule, *lines, rule])


def _interfaces(settings: Settings) -> str:
    if settings.bind_address in ("127.0.0.1", "::1", "localhost"):
        return ""
    return f"   (listening on {settings.bind_address})"
