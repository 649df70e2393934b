"""Secrets the database must hold (organisations' LINE channel secrets and tokens) kept sealed: Fernet from
`cryptography` (AES-128-CBC with HMAC-SHA256, a timestamped token), under a key that is not in the database —
so a copy of the database or of a backup gives no channel away.

The key is ``SECRETS_KEY`` (Fernet keys, comma-separated, the first one sealing: a key is rotated by putting a
new one first), else a key made once in ``DATA_DIR/secrets.key`` (0600) — beside the data, not in the database
or its backups. A value written before sealing existed is read as it is and sealed again at the next start.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from base.settings import Settings
from locales.errors import UserError
from locales.i18n import _

PREFIX = "sealed:"
_made: dict[str, Sealer] = {}


class Sealer:
    def __init__(self, keys: list[bytes]):
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    def seal(self, text: str) -> str:
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def unseal(self, stored: str) -> str:
        if not is_sealed(stored):
            return stored  # written before sealing: sealed again at the next start (storage/line_channels.py)
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise UserError(
                _(
                    "A stored channel secret cannot be opened with this SECRETS_KEY (or DATA_DIR/secrets.key): "
                    "restore the key it was sealed with, or set the channel again with `tidtam line channel set`."
                )
            ) from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def sealer(settings: Settings) -> Sealer:
    """The deployment's sealer: from SECRETS_KEY, else from the key file (made on first use)."""
    source = settings.secrets_key or str(settings.data_dir.resolve() / "secrets.key")
    if source not in _made:
        if settings.secrets_key:
            try:
                _made[source] = Sealer([k.strip().encode() for k in settings.secrets_key.split(",") if k.strip()])
            except ValueError:
                raise UserError(_("SECRETS_KEY is not a Fernet key (make one with `tidtam secrets-key`)")) from None
        else:
            _made[source] = Sealer([_key_file(Path(source))])
    return _made[source]


def _key_file(path: Path) -> bytes:
    """The key in the file, made (0600, exclusively: two workers starting at once make one) if missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key
