"""The top floor: the channel adapters (Telegram, LINE, the simulator), the web app (webhooks, the answer form,
the public pages, downloads, health) and the ``tidtam`` CLI."""
