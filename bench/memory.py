"""Memory: the web app's resident size idle, and through a soak of check-in answers.

    .venv/bin/python bench/memory.py [--minutes 10] [--rate 100] [--target sqlite|postgres]

Starts the app as bench/inbound.py does (uvicorn, Telegram webhook, the fake Bot API in this process),
reads its RSS (all its processes) after start-up and a warm-up, then posts check-in updates at RATE a
second for MINUTES, sampling RSS every 30 s. Prints the samples, the growth from the first soak minute
to the last, and the least-squares slope in MB per 10 minutes (flat ≈ 0).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]

import inbound  # noqa: E402
import psutil  # noqa: E402


def rss_mb(proc: psutil.Process) -> float:
    """All the app's processes together (uvicorn's supervisor and its workers)."""
    return sum(per_process_mb(proc))


def per_process_mb(proc: psutil.Process) -> list[float]:
    out = []
    for p in [proc, *proc.children(recursive=True)]:
        try:
            if "resource_tracker" not in " ".join(p.cmdline()):
                out.append(p.memory_info().rss / 2**20)
        except psutil.NoSuchProcess:
            pass
    return out


async def soak(kind: str, minutes: float, rate: float, pg_url: str | None) -> dict:
    from support.postgres import free_port

    workdir = Path(tempfile.mkdtemp(prefix="tidtam-memory-"))
    db_url = pg_url if kind == "postgres" else f"sqlite+aiosqlite:///{workdir / 'memory.db'}"
    chats = await inbound.prepare_tidtam(db_url)
    people = [inbound.Person(c, False) for c in chats]
    port = free_port()
    gen = inbound.Generator(port, people)
    server = await asyncio.start_server(inbound.FakeBotApi(gen.on_message).serve, "127.0.0.1", 0, backlog=1024)
    api_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    proc = inbound.start_target(kind, port, api_url, db_url, workdir)
    try:
        await inbound.wait_ready(port)
        app = psutil.Process(proc.pid)
        await asyncio.sleep(3)
        idle = rss_mb(app)
        idle_each = [round(m, 1) for m in per_process_mb(app)]
        await gen.run(rate, 30)  # warm-up: every code path loaded, pools filled
        samples = [(0.0, rss_mb(app))]
        started = time.monotonic()
        done = 0
        last_each: list[float] = []
        while time.monotonic() - started < minutes * 60:
            gen.reset()
            await gen.run(rate, 30)
            done += gen.done
            samples.append((round((time.monotonic() - started) / 60, 2), round(rss_mb(app), 1)))
            last_each = [round(m, 1) for m in per_process_mb(app)]
            print(
                json.dumps(
                    {"minute": samples[-1][0], "rss_mb": samples[-1][1], "updates": gen.done, "errors": gen.errors}
                ),
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait(20)
        server.close()
    xs, ys = [s[0] for s in samples[1:]], [s[1] for s in samples[1:]]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=False)) / (
        sum((x - mean_x) ** 2 for x in xs) or 1
    )
    return {
        "target": kind,
        "idle_rss_mb": round(idle, 1),
        "idle_per_process_mb": idle_each,
        "last_per_process_mb": last_each,
        "after_warm_up_mb": round(samples[0][1], 1),
        "first_soak_sample_mb": ys[0],
        "last_mb": ys[-1],
        "max_mb": max(ys),
        "slope_mb_per_10_min": round(slope * 10, 2),
        "updates": done,
        "updates_per_s": round(done / (minutes * 60), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--target", default="sqlite", choices=("sqlite", "postgres"))
    args = ap.parse_args()
    from support.postgres import throwaway_cluster

    with ExitStack() as stack:
        pg = stack.enter_context(throwaway_cluster()) if args.target == "postgres" else None
        print(json.dumps(asyncio.run(soak(args.target, args.minutes, args.rate, pg))))


if __name__ == "__main__":
    main()
