"""Settings, the ``tidtam`` CLI, and (later) the web app and the channel adapters."""
