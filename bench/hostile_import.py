"""Hostile plan files against `tidtam plan import --dry-run`: peak RSS of the whole process tree and time.

    .venv/bin/python bench/hostile_import.py [--keep DIR]

Builds each file of tests/security/hostile_files.py (full size: the wide file with 60,000 rows, a
million-row sheet, a 300 MB shared-strings bomb, a 50 MB CSV …), then runs the real command on a fresh
SQLite organisation and samples the RSS of the command and every child every 5 ms (psutil). The shipped
63-item example plan is the baseline row.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import psutil  # noqa: E402

from security.hostile_files import HOSTILE  # noqa: E402

TIDTAM = str(Path(sys.executable).with_name("tidtam"))


def measure(command: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak MB of the tree, last line of stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    root, peak = psutil.Process(proc.pid), 0.0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        peak = max(peak, total / 2**20)
        time.sleep(0.005)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().strip().splitlines()
    return proc.returncode, seconds, peak, err[-1] if err else ""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path, help="build the files here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tidtam-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATA_DIR": tempfile.mkdtemp(prefix="tidtam-data-"), "TIDTAM_LANG": "en"}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [
            TIDTAM,
            "init",
            "--org",
            "Bench",
            "--kind",
            "เทศบาลตำบล",
            "--province",
            "ขอนแก่น",
            "--district",
            "เมือง",
            "--fiscal-year",
            "2569",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    files = [("the 63-item example plan (accepted)", ROOT / "examples" / "plan-example.csv")]
    for name, make in HOSTILE.items():
        path = work / f"{make.__name__}{'.csv' if 'CSV' in name else '.xlsx'}"
        if not path.exists():
            make(path)
        files.append((name, path))
    print(f"{'file':58} {'size':>9} {'exit':>4} {'seconds':>8} {'peak MB':>8}  answer")
    for name, path in files:
        code, seconds, peak, said = measure([TIDTAM, "plan", "import", "--dry-run", str(path)], env)
        size = path.stat().st_size
        shown = f"{size / 2**20:.1f} MB" if size > 2**20 else f"{size / 1024:.0f} KB"
        print(f"{name:58} {shown:>9} {code:>4} {seconds:8.2f} {peak:8.0f}  {said[:110]}")


if __name__ == "__main__":
    main()
