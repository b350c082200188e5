"""Client threads submitting top-ups and spends through the API hosts, each call through the
SDK (``wallet_client``): a connection error or a 503 is retried with the same key and body,
so a retry is a replay and never a second posting."""

import random
import threading
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from wallet_client import WalletClient, WalletError

from tests.fixtures.processes import DEV_KEY

SPEND_SHARE = 0.3  # of the calls; the rest are top-ups


@dataclass(frozen=True)
class Submit:
    """One call and its answer: ``status`` is the request's status as answered (queued,
    completed...), or the problem's code when the call failed (``accepted`` False)."""

    key: str
    api: str
    operation: str
    user: str
    amount: Decimal
    status: str
    accepted: bool
    started: float  # time.monotonic()
    seconds: float


class Load:
    """``threads`` clients, spread over the API hosts of ``urls`` (name -> base URL), each
    submitting a top-up or a spend for one of ``users``, then waiting ``pace`` seconds (pacing,
    not synchronization), until ``total`` calls are made or ``stop()``."""

    def __init__(
        self,
        urls: dict[str, str],
        users: list[str],
        *,
        threads: int = 8,
        pace: float = 0.0,
        total: int | None = None,
    ) -> None:
        self.urls, self.users, self.pace = urls, users, pace
        self.submits: list[Submit] = []
        self._left = total
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        names = sorted(urls)
        self._threads = [
            threading.Thread(target=self._run, args=(names[i % len(names)], i), daemon=True)
            for i in range(threads)
        ]

    def start(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Submit]:
        self._stopping.set()
        return self.join()

    def join(self) -> list[Submit]:
        for thread in self._threads:
            thread.join()
        return self.submits

    def accepted(self, api: str | None = None, after: float = 0.0) -> list[Submit]:
        return [
            s
            for s in list(self.submits)
            if s.accepted and (api is None or s.api == api) and s.started >= after
        ]

    def _take_one(self) -> bool:
        with self._lock:
            if self._stopping.is_set() or self._left == 0:
                return False
            if self._left is not None:
                self._left -= 1
            return True

    def _run(self, api: str, seed: int) -> None:
        chooser = random.Random(seed)
        with client(self.urls[api]) as wallet:
            while self._take_one():
                operation = "spend" if chooser.random() < SPEND_SHARE else "topup"
                amount = Decimal(chooser.randint(1, 3 if operation == "spend" else 5))
                user = chooser.choice(self.users)
                self.submits.append(submit(wallet, api, user, operation, amount))
                if self.pace:
                    self._stopping.wait(self.pace)


def client(url: str) -> WalletClient:
    return WalletClient(url, api_key=DEV_KEY, timeout=10, max_retry_time=60)


def submit(
    wallet: WalletClient,
    api: str,
    user: str,
    operation: str,
    amount: Decimal,
    *,
    wait: float | None = None,
) -> Submit:
    key, started = f"cluster-{uuid.uuid4()}", time.monotonic()
    try:
        if operation == "spend":
            result = wallet.spend(
                user, "GOLD_COINS", amount, description="load", idempotency_key=key, wait=wait
            )
        else:
            result = wallet.topup(user, "GOLD_COINS", amount, idempotency_key=key, wait=wait)
        status, accepted = result.status, True
    except WalletError as error:
        status, accepted = error.code, False
    seconds = time.monotonic() - started
    return Submit(key, api, operation, user, amount, status, accepted, started, seconds)
