"""The base every layer stands on: settings, observability (logs, metrics, secrets kept out of them), and the
neutral message vocabulary that handlers speak and adapters translate."""
