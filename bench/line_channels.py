"""Many organisations' own LINE channels in one process: the memory the channel registry holds and the cost
of finding an organisation's channel, first from the database and then from memory.

    .venv/bin/python bench/line_channels.py [--channels 500]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

# the channels' secrets are sealed (storage/sealed.py); a bench's own key, not a secret
os.environ.setdefault("SECRETS_KEY", "rpmo-5qhmusWnAdDRNZZijZZwaMD1NiTMQKoLqlDYCc=")


async def main(count: int) -> None:
    from base.settings import Settings
    from bot.adapters.line_channels import LineChannels
    from storage.db import Database
    from storage.line_channels import set_channel
    from storage.models import OrgKind
    from storage.repo import create_organisation
    from storage.sealed import sealer

    tmp = Path(tempfile.mkdtemp(prefix="tidtam-channels-"))
    db = Database(f"sqlite+aiosqlite:///{tmp / 'channels.db'}")
    await db.upgrade()
    orgs = []
    async with db.session() as s:
        for i in range(count):
            org = await create_organisation(
                s, name=f"org {i}", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569
            )
            await set_channel(
                s,
                org.id,
                f"c{i}",
                f"{i:032x}",
                f"token{i:04d}" + "x" * 166,
                "bench",
                seal=sealer(Settings()),
            )  # LINE's length
            orgs.append(org.id)
    channels = LineChannels(Settings(data_dir=tmp), db)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    started = time.perf_counter()
    for org in orgs:
        await channels.of_org(org)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    for org in orgs:
        await channels.of_org(org)
    warm = time.perf_counter() - started
    held = sum(d.size_diff for d in tracemalloc.take_snapshot().compare_to(before, "filename"))
    tracemalloc.stop()
    print(
        f"{count} channels: {held / 1024:.0f} KiB held ({held / count:.0f} B a channel); an organisation's channel "
        f"found in {cold * 1000 / count:.2f} ms from the database, {warm * 1e6 / count:.1f} µs from memory"
    )
    await channels.close()
    await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=500)
    asyncio.run(main(parser.parse_args().channels))
