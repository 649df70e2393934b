"""SIGKILL the dispatcher during a wave of sends to the Telegram emulator, restart it, repeatedly."""

import pytest

from stress.dispatch_kills import run
from telegram_peer import emulator  # noqa: F401  (a fixture)


@pytest.mark.parametrize("seed", [11])
def test_kills_lose_nothing_and_repeat_at_most_one_message_each(emulator, tmp_path, seed):
    client_url, api_url = emulator
    result = run(messages=150, kills=4, seed=seed, client_url=client_url, api_url=api_url, workdir=tmp_path)
    print(result)
    assert result.kills == 4
    assert result.missing == 0, result
    assert result.duplicated <= result.kills, result
