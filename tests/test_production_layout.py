"""docs/production.md's layout, run for real: Caddy with TLS (deploy/Caddyfile) in front of two web
workers (WEB_WORKERS=2, no scheduler in them), one `tidtam scheduler` process, PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from stress.load_webhook import SECRET, TOKEN, FakeBotApi, prepare
from support.paths import ROOT
from support.postgres import free_port, fresh_pg_database

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _update(update_id: int, chat: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "from": {"id": chat, "is_bot": False, "first_name": "staff"},
            "chat": {"id": chat, "type": "private"},
            "entities": [{"offset": 0, "length": len(text), "type": "bot_command"}],
        },
    }


def test_caddy_tls_two_web_workers_and_a_scheduler(pg_server, tmp_path):
    if shutil.which("caddy") is None:
        pytest.fail("caddy not found: run `make test` (scripts/ensure-system installs Debian's caddy)")
    asyncio.run(_layout(fresh_pg_database(pg_server), tmp_path))


async def _layout(db_url: str, tmp: Path) -> None:
    chats = await prepare(db_url, 2)
    api = FakeBotApi()
    api_port, app_port, https_port, http_port = free_port(), free_port(), free_port(), free_port()
    fake = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/bot{token}/{method}", api.method, methods=["GET", "POST"])]),
            host="127.0.0.1",
            port=api_port,
            log_level="warning",
        )
    )
    fake_task = asyncio.create_task(fake.serve())
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DATA_DIR": str(tmp / "data"),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{api_port}",
        "TELEGRAM_WEBHOOK_URL": f"https://localhost:{https_port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "WEB_PORT": str(app_port),
        "WEB_WORKERS": "2",
        "XDG_DATA_HOME": str(tmp / "caddy-data"),
        "XDG_CONFIG_HOME": str(tmp / "caddy-config"),
        "TIDTAM_DOMAIN": "localhost",
        "TIDTAM_UPSTREAM": f"127.0.0.1:{app_port}",
    }
    (tmp / "Caddyfile").write_text(  # the deployed file, with test ports and no system trust store
        f"{{\n\thttp_port {http_port}\n\thttps_port {https_port}\n\tskip_install_trust\n\tadmin off\n}}\n"
        f"import {ROOT / 'deploy' / 'Caddyfile'}\n"
    )
    logs = {name: (tmp / f"{name}.log").open("w") for name in ("web", "scheduler", "caddy")}
    procs = {
        "web": subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--no-scheduler"],
            env=env,
            cwd=tmp,
            stdout=logs["web"],
            stderr=subprocess.STDOUT,
        ),
        "scheduler": subprocess.Popen(
            [sys.executable, "-m", "bot", "scheduler"],
            env=env,
            cwd=tmp,
            stdout=logs["scheduler"],
            stderr=subprocess.STDOUT,
        ),
        "caddy": subprocess.Popen(
            ["caddy", "run", "--config", str(tmp / "Caddyfile"), "--adapter", "caddyfile"],
            env=env,
            cwd=tmp,
            stdout=logs["caddy"],
            stderr=subprocess.STDOUT,
        ),
    }
    root_ca = tmp / "caddy-data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    base = f"https://localhost:{https_port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if root_ca.exists():
                try:
                    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=root_ca)) as c:
                        if (await c.get(base + "/readyz", timeout=2)).status_code == 200:
                            break
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.3)
        else:
            pytest.fail(
                "the layout did not come up: "
                + " | ".join((tmp / f"{n}.log").read_text(errors="replace")[-800:] for n in logs)
            )

        workers = [p for p in psutil.Process(procs["web"].pid).children(recursive=True) if "python" in p.name().lower()]
        assert len(workers) >= 2, "two uvicorn worker processes"

        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=root_ca), base_url=base) as c:
            forged = await c.post(
                "/telegram/webhook",
                json=_update(1, chats[0], "/help"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
            assert forged.status_code == 403
            assert (await c.get("/metrics")).status_code == 404  # served on loopback only
            for i, chat in enumerate(chats * 3):  # several requests: both workers serve
                api.waiters.setdefault(str(chat), asyncio.Event()).clear()
                r = await c.post(
                    "/telegram/webhook",
                    json=_update(100 + i, chat, "/status"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
                assert r.status_code == 200
                await asyncio.wait_for(api.waiters[str(chat)].wait(), 20)
                assert "รายการของหน่วยงานคุณ" in api.last[str(chat)]["text"]
            # the form's upload through Caddy: a 5 MB phone photo passes (Caddy capped every body at 1 MB), while
            # a webhook's body stays capped
            from test_form import init_data

            opened = await c.post("/form/api/session", json={"telegram": init_data(chats[0], token=TOKEN)})
            assert opened.status_code == 200, opened.text
            auth = {"Authorization": "Bearer " + opened.json()["session"]}
            item = (await c.get("/form/api/items", headers=auth)).json()["items"][0]
            photo = b"\xff\xd8\xff\xe0" + os.urandom(5 * 1024 * 1024)
            up = await c.post(
                "/form/api/evidence",
                content=photo,
                headers={
                    **auth,
                    "Content-Type": "image/jpeg",
                    "X-Tidtam-Item": str(item["item"]),
                    "X-Tidtam-Unit": str(item["unit"]),
                    "X-Tidtam-Filename": "photo.jpg",
                },
                timeout=60,
            )
            assert up.status_code == 200 and up.json()["files"][0]["name"] == "photo.jpg", up.text[:300]
            big = await c.post(
                "/telegram/webhook",
                content=b"{" + b" " * (1536 * 1024) + b"}",
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                timeout=30,
            )
            # refused: Caddy answers 413 itself, or 502 when the cap cuts the body while it streams to the app
            assert big.status_code in (413, 502)
        assert "now the active scheduler" in (tmp / "scheduler.log").read_text(errors="replace")
        assert "active scheduler" not in (tmp / "web.log").read_text(errors="replace")
    finally:
        for p in procs.values():
            p.terminate()
        for p in procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
        fake.should_exit = True
        await fake_task


def _shipped_env(tmp: Path, **override: str) -> dict[str, str]:
    """deploy/tidtam.env.example as shipped (empty tokens, a webhook URL, two workers), on test paths."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "DATABASE_URL"))}
    for line in (ROOT / "deploy" / "tidtam.env.example").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    env.update(
        {"DATA_DIR": str(tmp / "data"), "PYTHONPATH": str(ROOT), "WEB_PORT": str(free_port()), "TIDTAM_LANG": "th"},
        **override,
    )
    return env


def test_the_shipped_env_with_empty_tokens_refuses_to_start(pg_server, tmp_path):
    """No platform token: `tidtam run` says which settings are missing and serves nothing — it does not
    start the simulator on the production database; nor does `--simulator` with these settings."""
    env = _shipped_env(tmp_path, DATABASE_URL=fresh_pg_database(pg_server).replace("+asyncpg", ""))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "LINE_CHANNEL_SECRET" in done.stderr
    assert done.stderr.startswith("ข้อผิดพลาด: ") and "Traceback" not in done.stderr
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{env['WEB_PORT']}/", timeout=1)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--simulator"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "DATABASE_URL" in done.stderr and "TELEGRAM_WEBHOOK_URL" in done.stderr, done.stderr
