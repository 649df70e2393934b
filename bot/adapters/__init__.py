"""The channel adapters: each turns its platform's events into the neutral ``Incoming`` the handlers read and
the handlers' ``Response`` into the platform's messages — Telegram, LINE (the deployment's channel and
organisations' own), and the local web simulator with its demo organisation."""
