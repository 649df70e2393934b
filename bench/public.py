"""The public ITA pages served: latency of each page of a 75-item plan on SQLite, one web worker.

    .venv/bin/python bench/public.py [--items 75] [--requests 500]

The organisation's plan (75 items), its 6-month round answered, closed and published; uvicorn serves the web app
from a thread; one client asks each address in turn (sequentially, keep-alive) and the p50/p99 of each is printed,
with the same page asked again with its ETag (304). The target: the plan page in ≤ 50 ms at p99.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]


async def prepare(tmp: Path, n: int, settings) -> None:
    from answered import answered_round

    from reports.public import PublicSite, public_report, record_published, write_files, write_round_files
    from storage.db import Database
    from storage.models import RoundState
    from storage.publication import set_live

    db = Database(settings.effective_database_url, new_installation=True)
    await db.upgrade()
    async with db.session() as s:
        org, rnd = await answered_round(s, tmp, n)
        rnd.state = RoundState.CLOSED
        s.add(rnd)
        site = await set_live(s, org.id, True, "bench", "bench-org")
        report = await public_report(s, settings, org, rnd)
    await write_round_files(settings, org.id, rnd.id, report)  # as `publish round` does: laid out once, up front
    async with db.session() as s:
        await record_published(s, org, rnd, report, "bench")
        from storage.publication import live_site

        await write_files(await PublicSite(s, settings, await live_site(s, site.slug)).plan_jobs())
    await db.dispose()


def main(items: int, requests: int) -> None:
    import httpx

    from base.settings import Settings
    from bot.web.app import create_app
    from storage.db import Database
    from support.browser import Served
    from support.ports import free_port

    tmp = Path(tempfile.mkdtemp())
    settings = Settings(data_dir=tmp / "data", log_level="WARNING")
    (tmp / "data").mkdir()
    asyncio.run(prepare(tmp, items, settings))
    port = free_port()
    paths = ["/p/bench-org/2569/", "/p/bench-org/", "/p/bench-org/2569/6/", "/p/bench-org/2569/plan.pdf"]
    with (
        Served(create_app(settings, Database(settings.effective_database_url)), port) as served,
        httpx.Client(base_url=served.url) as client,
    ):
        for p in paths:
            assert client.get(p).status_code == 200, p  # warm: the plan's PDF is laid out once
        print(f"| address ({items}-item plan, SQLite, 1 worker, {requests} requests) | p50 | p99 | bytes |")
        print("|---|---|---|---|")
        for p in paths + ["/p/bench-org/2569/ (ETag → 304)"]:
            url, headers = p.split(" ")[0], {}
            if "304" in p:
                headers = {"If-None-Match": client.get(url).headers["etag"]}
            times, size = [], 0
            for _ in range(requests):
                t = time.perf_counter()
                r = client.get(url, headers=headers)
                times.append((time.perf_counter() - t) * 1000)
                size = len(r.content)
                assert r.status_code == (304 if headers else 200)
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
            print(f"| {p} | {statistics.median(times):.1f} ms | {p99:.1f} ms | {size:,} |")
        healthz(client, served.url, settings, requests)


def healthz(client, url: str, settings, requests: int) -> None:
    """/healthz while nothing else runs, while a round's public documents are laid out in a worker thread of the
    same process (as the chat's confirmation does), and while 300 public GETs of the report run beside it."""
    import asyncio
    import threading

    import httpx

    from reports.public import public_report, write_round_files
    from storage.db import Database
    from storage.models import Organisation, Round

    def probe(until) -> list[float]:
        times = []
        while not until():
            t = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            times.append((time.perf_counter() - t) * 1000)
            time.sleep(0.01)
        return sorted(times)

    def row(name: str, times: list[float]) -> None:
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"| /healthz {name} | {statistics.median(times):.1f} ms | {p99:.1f} ms | {len(times)} |")

    async def publish() -> None:
        db = Database(settings.effective_database_url)
        async with db.session(commit=False) as s:
            from sqlmodel import select

            org = (await s.exec(select(Organisation))).first()
            rnd = (await s.exec(select(Round).where(Round.months == 6))).first()
            report = await public_report(s, settings, org, rnd)
        await write_round_files(settings, org.id, rnd.id, report)
        await db.dispose()

    print("\n| probe | p50 | p99 | samples |\n|---|---|---|---|")
    count = iter(range(requests))
    row("idle", probe(lambda: next(count, None) is None))
    job = threading.Thread(target=asyncio.run, args=(publish(),))
    start = time.perf_counter()
    job.start()
    row("while a round is published", probe(lambda: not job.is_alive()))
    print(f"(publishing took {time.perf_counter() - start:.1f} s)")

    def gets() -> None:
        with httpx.Client(base_url=url) as other:
            for _ in range(300):
                assert other.get("/p/bench-org/2569/6/report.pdf").status_code == 200

    job = threading.Thread(target=gets)
    job.start()
    row("while 300 public GETs of report.pdf run", probe(lambda: not job.is_alive()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=75)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    main(args.items, args.requests)
