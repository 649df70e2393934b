"""What the tests stand on: the chat driver, the Telegram and LINE emulator harnesses, throwaway PostgreSQL
clusters, free ports, the repository's paths. Fixtures of the harnesses load through ``pytest_plugins``."""
