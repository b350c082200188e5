"""Hosts as Linux network namespaces, for the cluster tier (tests/cluster/).

A ``Network`` is a bridge in a namespace of its own (``<tag>-net``); each ``Host`` is a
namespace (``<tag>-<name>``) whose ``eth0`` is one end of a veth pair, the other end a port of
the bridge. The machine's root namespace gets one veth of its own on the bridge, with the
subnet's first address, so that the test process (the clients, the checks) reaches every
host; nothing else of the root namespace is touched. Namespace names are global: ``tag`` is
``wlt<pid>``, unique per run, and ``sweep_stale`` removes what a run killed before its
teardown left behind.

Partitions drop packets silently, as a failed switch or a firewall between hosts does: no
reset, no ICMP, each side's TCP just stops hearing back and retransmits. The kernels this runs
on may have neither netfilter's command line tools nor netem, so a cut is a tc filter (clsact
+ u32, in the kernel since 4.5) on the bridge port where the packets enter, which redirects
the matching IP packets to an IFB device left down, where they are discarded. Only IP packets
match: ARP still answers, as on a real network where the fault is further up.
"""

import contextlib
import ipaddress
import json
import os
import re
import signal
import subprocess
from dataclasses import dataclass
from itertools import count

PREFIX = "wlt"
BRIDGE = "br0"
DROP_DEVICE = "cut0"  # an IFB device, never up: what is redirected to it is discarded
STALE = re.compile(rf"^{PREFIX}(\d+)(-|$)")


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=check)


def unavailable() -> str | None:
    """Why hosts cannot be made here (not root, no ``ip netns``, no veth/bridge/IFB/clsact),
    or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    probe = f"{PREFIX}{os.getpid()}-probe"
    try:
        run("ip", "netns", "add", probe)
        try:
            run("ip", "-n", probe, "link", "add", "probe-br", "type", "bridge")
            run("ip", "-n", probe, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
            run("ip", "-n", probe, "link", "add", DROP_DEVICE, "type", "ifb")
            run("ip", "netns", "exec", probe, "tc", "qdisc", "add", "dev", "v0", "clsact")
        finally:
            run("ip", "netns", "del", probe, check=False)
    except FileNotFoundError as error:
        return f"{error.filename} is missing (iproute2)"
    except subprocess.CalledProcessError as error:
        return f"{' '.join(error.cmd)} failed: {error.stderr.strip()}"
    return None


def sweep_stale() -> list[str]:
    """Remove the namespaces and root links of runs whose process is gone (a run killed before
    its teardown), with the processes left in them; return their names."""
    removed = []
    for name in run("ip", "netns", "list").stdout.split():
        match = STALE.match(name)
        if match and not _alive(int(match.group(1))):
            _kill_all_in(name)
            run("ip", "netns", "del", name, check=False)
            removed.append(name)
    for link in json.loads(run("ip", "-j", "link", "show").stdout or "[]"):
        match = STALE.match(link["ifname"])
        if match and not _alive(int(match.group(1))):
            run("ip", "link", "del", link["ifname"], check=False)
            removed.append(link["ifname"])
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_all_in(namespace: str) -> None:
    for pid in run("ip", "netns", "pids", namespace, check=False).stdout.split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)


def free_subnet(first: int = 64) -> ipaddress.IPv4Network:
    """A /24 in 10.0.0.0/8 that overlaps no route and no address of the root namespace."""
    taken = []
    for entry in json.loads(run("ip", "-j", "-4", "route", "show", "table", "all").stdout):
        if entry.get("dst", "default") != "default":
            taken.append(ipaddress.ip_network(entry["dst"], strict=False))
    for link in json.loads(run("ip", "-j", "-4", "addr", "show").stdout):
        for info in link.get("addr_info", []):
            taken.append(ipaddress.ip_network(f"{info['local']}/{info['prefixlen']}", False))
    for offset in range(250):
        third = (os.getpid() + offset) % 250
        candidate = ipaddress.IPv4Network(f"10.{first + third % 128}.{third}.0/24")
        if not any(candidate.overlaps(net) for net in taken):
            return candidate
    raise RuntimeError("no free /24 in 10.0.0.0/8 for the cluster's bridge")


@dataclass
class Host:
    """A namespace with ``eth0`` on the bridge; ``addresses[0]`` is its own, others are the
    addresses of services it runs apart (db: PostgreSQL, then Redis)."""

    name: str
    namespace: str
    addresses: list[str]

    @property
    def address(self) -> str:
        return self.addresses[0]

    def command(self, args: list[str]) -> list[str]:
        """``args`` run inside this host's network namespace."""
        return ["ip", "netns", "exec", self.namespace, *args]


@dataclass
class Cut:
    """A partition between ``host`` and some addresses of ``peer``, both ways: filters on
    the bridge's ports."""

    network: "Network"
    host: Host
    peer: Host
    addresses: list[str]
    filters: list[tuple[str, int]]  # (bridge port, preference)

    def heal(self) -> None:
        while self.filters:
            self.network.undrop(*self.filters.pop())


class Network:
    """A bridge with hosts on it. ``close()`` removes every namespace and link it made and
    kills what still runs in them; call it in a finalizer."""

    def __init__(self, subnet: ipaddress.IPv4Network | None = None) -> None:
        self.tag = f"{PREFIX}{os.getpid()}"
        self.subnet = subnet or free_subnet()
        self.prefixlen = self.subnet.prefixlen
        self._addresses = (str(a) for a in self.subnet.hosts())
        self.namespace = f"{self.tag}-net"
        self.hosts: dict[str, Host] = {}
        self.root_address = ""
        self._filters = count(1)
        self.cuts: list[Cut] = []

    def create(self) -> "Network":
        """The bridge's namespace and the root namespace's port on it."""
        run("ip", "netns", "add", self.namespace)
        self._in_net("link", "add", BRIDGE, "type", "bridge")
        self._in_net("link", "set", BRIDGE, "up")
        self._in_net("link", "add", DROP_DEVICE, "type", "ifb")
        self.root_address = next(self._addresses)
        run("ip", "link", "add", self.tag, "type", "veth", "peer", "name", "root", "netns",
            self.namespace)  # fmt: skip
        self._in_net("link", "set", "root", "master", BRIDGE, "up")
        run("ip", "addr", "add", f"{self.root_address}/{self.prefixlen}", "dev", self.tag)
        run("ip", "link", "set", self.tag, "up")
        return self

    def add_host(self, name: str, services: int = 0) -> Host:
        """A host with its own address and ``services`` more on the same interface."""
        addresses = [next(self._addresses) for _ in range(1 + services)]
        host = Host(name, f"{self.tag}-{name}", addresses)
        run("ip", "netns", "add", host.namespace)
        self.hosts[name] = host
        self._in_net("link", "add", name, "type", "veth", "peer", "name", "eth0", "netns",
                     host.namespace)  # fmt: skip
        self._in_net("link", "set", name, "master", BRIDGE, "up")
        inside = ["ip", "-n", host.namespace]
        for address in host.addresses:
            run(*inside, "addr", "add", f"{address}/{self.prefixlen}", "dev", "eth0")
        run(*inside, "link", "set", "eth0", "up")
        run(*inside, "link", "set", "lo", "up")
        self._tc("qdisc", "add", "dev", name, "clsact")
        return host

    def cut(self, host: Host, peer: Host, addresses: list[str] | None = None) -> Cut:
        """Partition ``host`` from ``peer`` (from the given addresses of it: by default all),
        silently and both ways; the others still reach both."""
        addresses = addresses or peer.addresses
        filters = []
        for address in addresses:
            filters.append((host.name, self.drop(host.name, "dst", f"{address}/32")))
            to_host = ("src", f"{address}/32", "dst", f"{host.address}/32")
            filters.append((peer.name, self.drop(peer.name, *to_host)))
        cut = Cut(self, host, peer, addresses, filters)
        self.cuts.append(cut)
        return cut

    def heal_all(self) -> None:
        """Heal every cut still open (a test that failed mid-partition)."""
        for cut in self.cuts:
            cut.heal()
        self.cuts.clear()

    def drop(self, port: str, *matches: str) -> int:
        """Discard the IP packets that enter the bridge through ``port`` (a host's name) and
        match every ``dst|src <prefix>`` pair of ``matches``; the filter's preference, for
        ``undrop``. Dropped on the bridge, past the sender's own stack: its TCP sees nothing
        fail (a drop on its own egress would be reported to it, and it would give up on the
        connection within seconds instead of retransmitting for many minutes)."""
        preference = next(self._filters)
        pairs = [("match", "ip", *matches[i : i + 2]) for i in range(0, len(matches), 2)]
        self._tc(
            *("filter", "add", "dev", port, "ingress", "protocol", "ip"),
            *("pref", str(preference), "u32", *(word for pair in pairs for word in pair)),
            *("action", "mirred", "egress", "redirect", "dev", DROP_DEVICE),
        )
        return preference

    def undrop(self, port: str, preference: int) -> None:
        self._tc("filter", "del", "dev", port, "ingress", "protocol", "ip", "pref", str(preference))

    def _tc(self, *args: str) -> None:
        run("ip", "netns", "exec", self.namespace, "tc", *args)

    def close(self) -> None:
        for namespace in [*(h.namespace for h in self.hosts.values()), self.namespace]:
            _kill_all_in(namespace)
            run("ip", "netns", "del", namespace, check=False)
        run("ip", "link", "del", self.tag, check=False)  # gone with its peer, normally

    def _in_net(self, *args: str) -> None:
        run("ip", "-n", self.namespace, *args)
