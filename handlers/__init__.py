"""Platform-neutral conversations: they take a neutral event and return neutral messages.

Nothing here imports a chat platform's SDK; adapters in ``bot/`` render the result.
"""
