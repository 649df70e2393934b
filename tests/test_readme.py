"""The README's Thai section run in order, as a new compiler would on a fresh folder: `make run` first (the
simulator), then every `tidtam` line of "เริ่มใช้กับองค์กรจริง" as written — the template filled in as a
compiler fills it, after the mistakes a careless one makes first — then the bot started with a token (against
the Telegram emulator) and the admin's first chat commands, and `make run` again beside the real organisation.
The whole transcript is saved (its path printed) to be read."""

from __future__ import annotations

import csv
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl

from support.paths import EXAMPLE_PLAN, ROOT
from support.ports import free_port
from support.simulator import start_simulator
from support.telegram import TOKEN, Peer

README = ROOT / "README.md"
ADMIN = 100


def readme_commands() -> list[str]:
    """The command lines of the Thai section's "เริ่มใช้กับองค์กรจริง", comments dropped, in order."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## เริ่มใช้กับองค์กรจริง") : text.index("## English")]
    lines = [line for block in re.findall(r"```sh\n(.*?)```", section, re.S) for line in block.splitlines()]
    return [line.split("  #")[0].strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class Compiler:
    """Runs lines as the README gives them, in one folder, keeping what each printed."""

    def __init__(self, folder: Path):
        self.folder, self.transcript = folder, []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "DATABASE_URL"))}
        self.env.pop("DATA_DIR", None)  # the README sets none: ./data
        self.env.update({"PYTHONPATH": str(ROOT), "TIDTAM_LANG": "th"})

    def argv(self, line: str) -> tuple[dict[str, str], list[str]]:
        words = shlex.split(line)
        env = {}
        while "=" in words[0] and not words[0].startswith("."):
            key, value = words.pop(0).split("=", 1)
            env[key] = value
        assert words[0] == ".venv/bin/tidtam", line
        return env, [sys.executable, "-m", "bot", *words[1:]]

    def run(self, line: str) -> subprocess.CompletedProcess:
        env, argv = self.argv(line)
        done = subprocess.run(
            argv, cwd=self.folder, env={**self.env, **env}, capture_output=True, text=True, timeout=120
        )
        self.transcript.append(f"$ {line}\n{done.stdout}{done.stderr}(rc {done.returncode})\n")
        assert "Traceback" not in done.stderr, done.stderr
        return done


def fill_in(template: Path, *, keep_example: bool, mistakes: bool) -> None:
    """What a compiler does with the template: the plan's rows typed under the header (here, the example plan's);
    a careless one leaves the example row, leaves one owner empty and misspells a unit."""
    wb = openpyxl.load_workbook(template)
    ws = wb["แผน"]
    header = [c.value for c in ws[1]]
    if not keep_example:
        ws.delete_rows(2)
    with EXAMPLE_PLAN.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    alias = {"งบประมาณตามข้อบัญญัติ/เทศบัญญัติ": "งบประมาณตามข้อบัญญัติ"}
    for i, row in enumerate(rows):
        values = [row.get(alias.get(h, h), "") for h in header]
        if mistakes and i == 3:
            values[header.index("ผู้รับผิดชอบ")] = ""
        if mistakes and i == 5:
            values[header.index("ผู้รับผิดชอบ")] = "กองคลงั"
        ws.append(values)
    wb.save(template)


def test_the_readmes_thai_section_in_order_on_a_fresh_folder(tmp_path, emulator):
    client_url, api_url = emulator
    folder = tmp_path / "fresh"
    folder.mkdir()
    me = Compiler(folder)
    commands = readme_commands()
    assert len(commands) >= 9, commands

    with start_simulator(folder) as url:  # `make run`: the demo comes first
        me.transcript.append(f"$ make run\n(the simulator at {url})\n")

    code = ""
    for line in commands:
        if " run" in line and "TELEGRAM_BOT_TOKEN" in line:
            assert code, "no invite code was printed before the bot was started"
            start_the_bot(me, line, api_url, client_url, code)
            continue
        done = me.run(line)
        assert done.returncode == 0, me.transcript[-1]
        if "plan template" in line:
            template = folder / shlex.split(line)[-1]
            # the careless compiler first: the template imported as it came, then filled in with mistakes
            as_it_came = me.run(".venv/bin/tidtam plan import แผน.xlsx --dry-run")
            assert as_it_came.returncode != 0 and "ตัวอย่าง" in as_it_came.stderr + as_it_came.stdout
            fill_in(template, keep_example=True, mistakes=True)
            careless = me.run(".venv/bin/tidtam plan import แผน.xlsx --dry-run")
            said = careless.stdout + careless.stderr
            assert careless.returncode != 0 and "ตัวอย่าง" in said and "ผู้รับผิดชอบ" in said, said
            assert "หมายถึง กองคลัง" in said, said  # all three mistakes named in one pass
            template.unlink()  # the compiler starts again from a fresh template, carefully
            assert me.run(line).returncode == 0
            fill_in(template, keep_example=False, mistakes=False)
        if "invite" in line:
            code = re.search(r"\b[A-Z2-9]{8}\b", done.stdout).group(0)
        if "plan show" in line:
            assert "1.1.1-2" in done.stdout or "63" in done.stdout, done.stdout

    rounds = me.run(".venv/bin/tidtam round list")
    due = re.search(r'round set 6 --due "(\d+) เม\.ย\. (\d{4})"', README.read_text(encoding="utf-8"))
    assert f"{due.group(1)} เม.ย. {due.group(2)}" in rounds.stdout, rounds.stdout  # the README's date, kept
    assert "เปิดอยู่" in rounds.stdout  # opened from the chat
    with start_simulator(folder) as url:  # `make run` again: the demo beside the real organisation, apart
        me.transcript.append(f"$ make run\n(the simulator at {url}, beside the real organisation)\n")
    assert (folder / "data" / "tidtam.db").exists() and (folder / "data" / "simulator" / "tidtam.db").exists()
    (tmp_path / "transcript.txt").write_text("\n".join(me.transcript), encoding="utf-8")
    print("transcript:", tmp_path / "transcript.txt")


def start_the_bot(me: Compiler, line: str, api_url: str, client_url: str, code: str) -> None:
    """The README's `TELEGRAM_BOT_TOKEN=… tidtam run`, against the emulator, and the chat line after it."""
    env, argv = me.argv(line)
    env = {**me.env, **env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api_url, "RUN_SCHEDULER": "false"}
    env["WEB_PORT"] = str(free_port())  # long polling serves the web app too: the form's page answers
    log = me.folder / "bot.log"
    proc = subprocess.Popen(
        [*argv, "--poll-interval", "0.05"], cwd=me.folder, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    peer = Peer(client_url)
    try:
        for _ in range(100):  # the web app is up beside the polling: the answer form's page is served
            try:
                if httpx.get(f"http://127.0.0.1:{env['WEB_PORT']}/form/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("no web app beside Telegram polling: " + log.read_text())
        chat = [(f"/start {code}", "กรุณาพิมพ์ชื่อ"), ("สมใจ ผู้รวบรวม", "ลงทะเบียนเรียบร้อย")]
        chat += [("/invite กองคลัง member", "รหัสเชิญ"), ("/round open 6", "เปิดรอบ 6 เดือนหรือไม่")]
        for text, expect in chat:
            said = peer.say(ADMIN, text, expect)
            me.transcript.append(f"[chat] {text}\n" + "\n".join(m.text for m in said[-1:]) + "\n")
        question = [m for m in peer.messages(ADMIN) if m.buttons][-1]
        peer.press(ADMIN, question, question.button("เปิดรอบ 6 เดือน"), "เปิดอยู่")
        me.transcript.append("[chat] (ยืนยัน)\n" + peer.messages(ADMIN)[-1].text + "\n")
    finally:
        proc.terminate()
        proc.wait(15)
        time.sleep(0.1)
    assert "Traceback" not in log.read_text()
