"""The web app (Starlette on uvicorn): the platforms' webhooks, the answer form, the public pages for the ITA,
one-time downloads, and /healthz, /readyz and /metrics; its pages' scripts and styles are in static/."""
