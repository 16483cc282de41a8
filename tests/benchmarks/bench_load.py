"""N concurrent clients for T seconds against the local stack's case API, per route.

    # against a running `eis demo` (its printed tokens are read from its log):
    .venv/bin/eis demo --port 8080 --out .eis/demo > demo.log &
    .venv/bin/python tests/benchmarks/bench_load.py --url http://127.0.0.1:8080 --demo-log demo.log \\
        --clients 50 --seconds 30 --routes mixed
    # or let the script start the demo itself (and stop it at the end):
    .venv/bin/python tests/benchmarks/bench_load.py --start-demo --clients 20 --seconds 30 \\
        --routes queue officer alerts

Each client is a thread that sends one request after another (a new connection each, as the gateway
speaks HTTP/1.0) until the time is up; a route is picked at random from the chosen set for every
request. Reports throughput, p50/p95/p99 and errors per route and overall; a 429 (the gateway's
throttle) is counted apart from errors. Only 127.0.0.1 is a target: the script refuses other hosts.
Run the clients in this separate process so that they do not share the server's interpreter lock.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
TOKEN_LINE = re.compile(r"export EIS_(?P<role>[A-Z_]+)_TOKEN=(?P<token>\S+)")
SERVING_LINE = re.compile(r"Serving the case API on (?P<url>http://\S+)")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    role: str
    paths: list[str]
    body: dict[str, Any] | None = None
    weight: int = 1


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)  # connection-level failures, by exception type


def _percentile(samples: list[float], share: float) -> int | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))])


def tokens_from_log(text: str) -> dict[str, str]:
    return {m["role"].lower(): m["token"] for m in TOKEN_LINE.finditer(text)}


def _call(
    base: tuple[str, int], method: str, path: str, token: str, body: bytes | None, timeout: float
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(base[0], base[1], timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def discover(base: tuple[str, int], tokens: dict[str, str]) -> dict[str, list[str]]:
    """Ids to request: alerts, their officers, and cases, as the risk manager sees them."""
    token = tokens["risk_manager"]
    status, raw = _call(base, "GET", "/alerts?limit=100", token, None, 60)
    if status != 200:
        raise SystemExit(f"GET /alerts answered {status}: {raw[:200]!r}")
    alerts = json.loads(raw)["alerts"]
    status, raw = _call(base, "GET", "/cases?limit=100", token, None, 60)
    cases = json.loads(raw).get("cases", []) if status == 200 else []
    return {
        "alert": [a["alert_id"] for a in alerts],
        "officer": sorted({a["officer_id"] for a in alerts}),
        "case": [c["case_id"] for c in cases],
        "open_case": [c["case_id"] for c in cases if c.get("status") != "closed"],
    }


def routes_for(ids: dict[str, list[str]]) -> dict[str, Route]:
    def some(kind: str, template: str) -> list[str]:
        return [template.format(id=value) for value in ids.get(kind, [])[:50]]

    routes = [
        Route("queue", "GET", "risk_manager", ["/queue"], weight=3),
        Route("alerts", "GET", "risk_manager", ["/alerts"], weight=3),
        Route("officer", "GET", "risk_manager", some("officer", "/officers/{id}"), weight=3),
        Route("alert", "GET", "risk_manager", some("alert", "/alerts/{id}"), weight=2),
        Route("case", "GET", "risk_manager", some("case", "/cases/{id}"), weight=2),
        Route("cases", "GET", "risk_manager", ["/cases"], weight=1),
        Route("officer_search", "GET", "risk_manager", ["/officers?q=a"], weight=1),
        Route("audit", "GET", "auditor", ["/audit?limit=50"], weight=1),
        Route(
            "note",
            "POST",
            "risk_manager",
            some("open_case", "/cases/{id}/notes")[:5],
            body={"text": "Load test note."},
            weight=1,
        ),
    ]
    return {route.name: route for route in routes if route.paths}


def run_load(
    base: tuple[str, int],
    tokens: dict[str, str],
    routes: list[Route],
    *,
    clients: int,
    seconds: float,
    timeout: float,
    seed: int,
) -> tuple[dict[str, Tally], float]:
    tallies: dict[str, Tally] = defaultdict(Tally)
    lock = threading.Lock()
    weights = [route.weight for route in routes]
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        local: dict[str, Tally] = defaultdict(Tally)
        while time.monotonic() < deadline:
            route = rng.choices(routes, weights)[0]
            path = rng.choice(route.paths)
            body = json.dumps(route.body).encode() if route.body is not None else None
            started = time.perf_counter()
            try:
                status, _ = _call(base, route.method, path, tokens[route.role], body, timeout)
            except (OSError, http.client.HTTPException) as error:
                local[route.name].failures[type(error).__name__] += 1
                continue
            local[route.name].latencies.append(time.perf_counter() - started)
            local[route.name].statuses[status] += 1
        with lock:
            for name, tally in local.items():
                tallies[name].latencies += tally.latencies
                tallies[name].statuses.update(tally.statuses)
                tallies[name].failures.update(tally.failures)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 30)
    return tallies, time.monotonic() - started


def summarise(tallies: dict[str, Tally], elapsed: float) -> dict[str, Any]:
    def row(tally: Tally) -> dict[str, Any]:
        ok = sum(n for status, n in tally.statuses.items() if status < 400)
        throttled = tally.statuses.get(429, 0)
        errors = sum(n for status, n in tally.statuses.items() if status >= 400 and status != 429)
        failures = sum(tally.failures.values())
        ms = [s * 1000 for s in tally.latencies]
        return {
            "requests": len(ms) + failures,
            "ok": ok,
            "throttled_429": throttled,
            "errors": errors + failures,
            "statuses": dict(sorted(tally.statuses.items())),
            "connection_failures": dict(tally.failures),
            "per_s": round((len(ms) + failures) / elapsed, 1),
            "p50_ms": _percentile(ms, 0.50),
            "p95_ms": _percentile(ms, 0.95),
            "p99_ms": _percentile(ms, 0.99),
            "max_ms": round(max(ms)) if ms else None,
        }

    total = Tally()
    for tally in tallies.values():
        total.latencies += tally.latencies
        total.statuses.update(tally.statuses)
        total.failures.update(tally.failures)
    return {"routes": {name: row(t) for name, t in sorted(tallies.items())}, "all": row(total)}


def print_table(summary: dict[str, Any], *, clients: int, elapsed: float, load: tuple[float, ...]) -> None:
    print(f"{clients} clients for {elapsed:.1f} s; load average before/after: {load[0]:.2f} / {load[1]:.2f}")
    header = f"{'route':<16}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}"
    print(header + f"{'errors':>8}{'429':>6}  statuses")
    for name, row in [*summary["routes"].items(), ("ALL", summary["all"])]:
        print(
            f"{name:<16}{row['requests']:>9}{row['per_s']:>8}{row['p50_ms'] or '-':>8}{row['p95_ms'] or '-':>8}"
            f"{row['p99_ms'] or '-':>8}{row['max_ms'] or '-':>8}{row['errors']:>8}{row['throttled_429']:>6}"
            f"  {row['statuses']}" + (f" {row['connection_failures']}" if row["connection_failures"] else "")
        )


def _raw(base: tuple[str, int], data: bytes, timeout: float) -> int | str:
    """Send bytes as they are; the status answered, or the failure's name."""
    import socket

    try:
        with socket.create_connection(base, timeout=timeout) as sock:
            sock.sendall(data)
            answer = sock.recv(64)
        return int(answer.split(b" ", 2)[1]) if answer else "closed"
    except (OSError, ValueError, IndexError) as error:
        return type(error).__name__


def probe(base: tuple[str, int], tokens: dict[str, str], *, rounds: int, timeout: float) -> Counter[str]:
    """Malformed and oversized requests, as an attacker or a careless client sends them; answers counted."""
    token = tokens["risk_manager"]
    head = f"POST /cases/none/notes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
    big = b"x" * (9 * 1024 * 1024)
    cases: list[tuple[str, bytes]] = [
        ("9 MB body", f"{head}Content-Type: application/json\r\nContent-Length: {len(big)}\r\n\r\n".encode() + big),
        ("11 MB declared", f"{head}Content-Length: {11 * 1024 * 1024}\r\n\r\n".encode() + b"{"),
        ("Content-Length abc", f"{head}Content-Length: abc\r\n\r\n{{}}".encode()),
        ("Content-Length -5", f"{head}Content-Length: -5\r\n\r\n{{}}".encode()),
        ("no Content-Length", f"{head}\r\n{{}}".encode()),
        ("chunked", f"{head}Transfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n".encode()),
        ("OPTIONS", b"OPTIONS /alerts HTTP/1.1\r\nHost: x\r\nOrigin: https://elsewhere.example\r\n\r\n"),
        ("short body", f"{head}Content-Length: 100\r\n\r\n{{}}".encode()),
    ]
    seen: Counter[str] = Counter()
    for _ in range(rounds):
        for name, data in cases:
            seen[f"{name}: {_raw(base, data, timeout)}"] += 1
    return seen


def start_demo(port: int, out: Path, officers: int) -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    """`eis demo` serving on ``port``; waits for its "Serving" line and reads the tokens it printed."""
    log = out / "demo.log"
    out.mkdir(parents=True, exist_ok=True)
    command = [str(ROOT / ".venv" / "bin" / "eis"), "demo", "--port", str(port), "--out", str(out)]
    command += ["--officers", str(officers)]
    handle = log.open("w")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        text = log.read_text()
        serving = SERVING_LINE.search(text)
        if serving:
            return process, serving["url"], tokens_from_log(text)
        if process.poll() is not None:
            raise SystemExit(f"eis demo exited with {process.returncode}; see {log}")
        time.sleep(2)
    process.terminate()
    raise SystemExit("eis demo did not start serving within 30 minutes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--demo-log", help="the serving demo's output, to read its tokens from")
    parser.add_argument("--start-demo", action="store_true", help="start `eis demo` on --port and stop it after")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--out", default=".eis/bench-load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--routes", nargs="+", default=["mixed"], help="'mixed' or route names (see --list)")
    parser.add_argument("--list", action="store_true", help="list the route names and exit")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="also write the summary here")
    parser.add_argument("--probe-rounds", type=int, default=0, help="send malformed requests this many times instead")
    args = parser.parse_args(argv)

    process: subprocess.Popen[str] | None = None
    if args.start_demo:
        process, url, tokens = start_demo(args.port, Path(args.out), args.officers)
    else:
        url = args.url
        text = Path(args.demo_log).read_text() if args.demo_log else ""
        tokens = tokens_from_log(text)
        for role in ("risk_manager", "auditor", "supervisor"):
            tokens.setdefault(role, os.environ.get(f"EIS_{role.upper()}_TOKEN", ""))
    parts = urlsplit(url)
    if parts.hostname not in {"127.0.0.1", "localhost"}:
        raise SystemExit("only a local stack on 127.0.0.1 may be loaded")
    base = (parts.hostname, parts.port or 80)
    try:
        routes = routes_for(discover(base, tokens))
        if args.list:
            print(" ".join(routes))
            return 0
        if args.probe_rounds:
            for answer, count in sorted(probe(base, tokens, rounds=args.probe_rounds, timeout=args.timeout).items()):
                print(f"{count:>5}  {answer}")
            return 0
        chosen = list(routes.values()) if args.routes == ["mixed"] else [routes[name] for name in args.routes]
        before = os.getloadavg()[0]
        tallies, elapsed = run_load(
            base, tokens, chosen, clients=args.clients, seconds=args.seconds, timeout=args.timeout, seed=args.seed
        )
        summary = summarise(tallies, elapsed)
        print_table(summary, clients=args.clients, elapsed=elapsed, load=(before, os.getloadavg()[0]))
        if args.json:
            Path(args.json).write_text(json.dumps(summary | {"clients": args.clients, "seconds": elapsed}, indent=2))
    finally:
        if process is not None:
            process.terminate()
            process.wait(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
