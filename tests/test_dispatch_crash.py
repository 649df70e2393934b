"""SIGKILL the dispatcher during a wave of sends to the Telegram emulator, restart it, repeatedly."""

import pytest

from stress.dispatch_kills import run, run_two


@pytest.mark.parametrize("seed", [11])
def test_kills_lose_nothing_and_repeat_at_most_one_message_each(emulator, tmp_path, seed):
    client_url, api_url = emulator
    result = run(messages=150, kills=4, seed=seed, client_url=client_url, api_url=api_url, workdir=tmp_path)
    print(result)
    assert result.kills == 4
    assert result.missing == 0, result
    assert result.duplicated <= result.kills, result


def test_two_scheduler_processes_send_nothing_twice(emulator, tmp_path):
    client_url, api_url = emulator
    result = run_two(messages=120, client_url=client_url, api_url=api_url, workdir=tmp_path)
    print(result)
    assert result.missing == 0 and result.duplicated == 0, result
