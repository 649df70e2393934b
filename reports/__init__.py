"""The round's official documents and summaries, every number computed from stored answers."""
