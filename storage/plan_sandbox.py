"""Reading an uploaded plan file in a child process with a memory and a time limit.

The limits in ``plan_file`` bound any file that follows the formats; a file built to break the parsers
(XML that expands, a decompressor's corner case) meets these instead: the child dies, the server does not,
and the person gets one Thai sentence. ``python -m storage.plan_sandbox LANG PATH`` is the child.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import subprocess
import sys
from pathlib import Path

from locales.errors import UserError
from locales.i18n import _, current_language

MAX_RESULT_BYTES = 64 * 1024 * 1024


def read_plan(path: Path, memory_mb: int, seconds: float) -> list:
    """The plan's checked rows (``PlanRow``), read by a child process with ``memory_mb`` of address space
    and ``seconds`` of wall clock and CPU; ``UserError`` / ``PlanFileError`` for the file's problems, and
    for a file that needs more memory or time than any plan does."""
    if not Path(path).is_file():
        from storage.plan_file import read_table

        read_table(Path(path))  # says what is wrong with the path itself, as the person gave it
    path = Path(path).resolve()
    command = [
        sys.executable,
        "-m",
        "storage.plan_sandbox",
        current_language(),
        str(path),
        str(memory_mb * 1024 * 1024),
        str(seconds),
    ]
    try:
        done = subprocess.run(command, capture_output=True, timeout=seconds, env=_child_env(), cwd=_package_root())
    except subprocess.TimeoutExpired:
        raise UserError(
            _(
                "Reading the file took longer than {seconds} seconds, far longer than any plan "
                "needs; nothing was imported."
            ).format(seconds=f"{seconds:g}")
        ) from None
    if done.returncode != 0 or not done.stdout or len(done.stdout) > MAX_RESULT_BYTES:
        raise _too_much(memory_mb)
    outcome, value = pickle.loads(done.stdout)
    if outcome == "rows":
        return value
    if outcome == "memory":
        raise _too_much(memory_mb)
    raise value


async def read_plan_async(path: Path, memory_mb: int, seconds: float) -> list:
    """``read_plan`` without blocking the event loop (other people's messages go on meanwhile)."""
    return await asyncio.to_thread(read_plan, path, memory_mb, seconds)


def _too_much(memory_mb: int) -> UserError:
    return UserError(
        _(
            "Reading the file needed more than {mb} MB of memory, far more than any plan needs; "
            "nothing was imported. Save it again from Excel, or as CSV."
        ).format(mb=memory_mb)
    )


def _package_root() -> str:
    return str(Path(__file__).resolve().parent.parent)


def _child_env() -> dict[str, str]:
    """Only what the child needs: no secret from the parent's environment goes to a parser of foreign data."""
    keep = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_package_root(), env.get("PYTHONPATH", "")]))
    env["OPENBLAS_NUM_THREADS"] = "1"
    return env


def _limit_self(memory: int, seconds: float) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # a reader writes no file


def _child(lang: str, path: str, memory: str, seconds: str) -> int:
    _limit_self(int(memory), float(seconds))
    from locales.i18n import set_language

    set_language(lang)
    try:
        from storage.plan_file import parse_plan, read_table

        answer: tuple = ("rows", parse_plan(read_table(Path(path))))
    except MemoryError:
        answer = ("memory", None)
    except UserError as e:  # PlanFileError too: its cell errors travel with it
        answer = ("error", e)
    out = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child(*sys.argv[1:5]))
