"""The simulator's page and API against another site: no script from the address bar, no request that
another origin (or a rebound DNS name) can make a browser send."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from base.settings import Settings
from bot.web.app import create_app

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def client(tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "data"), simulator=True)
    with TestClient(app, base_url=BASE) as c:
        yield c


def test_lang_is_whitelisted_and_nothing_from_the_url_reaches_the_page(client):
    evil = '"><script>alert(1)</script>'
    page = client.get("/", params={"lang": evil})
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text and "alert(1)" not in page.text
    assert '<html lang="th">' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert '<html lang="en">' in client.get("/", params={"lang": "en"}).text


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"Origin": "https://evil.example", "Content-Type": "application/json"}, 403),
        ({"Content-Type": "application/json"}, 403),  # no Origin at all
        ({"Origin": BASE, "Content-Type": "text/plain"}, 415),  # a form's body type
        ({"Origin": BASE, "Content-Type": "application/x-www-form-urlencoded"}, 415),
    ],
)
def test_cross_site_posts_are_refused_and_do_nothing(client, headers, status):
    r = client.post("/sim/api/say", content='{"chat": "admin", "text": "/invite admin"}', headers=headers)
    assert r.status_code == status
    messages = client.get("/sim/api/messages").json()["messages"]
    assert not any("/invite" in m["text"] for m in messages)


def test_a_rebound_host_name_is_refused(client):
    r = client.get("/sim/api/messages", headers={"Host": "attacker.example:8000"})
    assert r.status_code == 403
    r = client.post(
        "/sim/api/say",
        json={"chat": "admin", "text": "/help"},
        headers={"Host": "attacker.example:8000", "Origin": "http://attacker.example:8000"},
    )
    assert r.status_code == 403


def test_upload_needs_the_pages_own_header(client):
    files = {"file": ("a.txt", b"x", "text/plain")}
    r = client.post("/sim/api/upload", data={"chat": "admin"}, files=files, headers={"Origin": BASE})
    assert r.status_code == 403
    r = client.post(
        "/sim/api/upload", data={"chat": "admin"}, files=files, headers={"Origin": BASE, "X-Tidtam-Simulator": "1"}
    )
    assert r.status_code == 200


def test_same_origin_json_works_and_malformed_json_is_a_400(client):
    ok = client.post("/sim/api/say", json={"chat": "admin", "text": "/help"}, headers={"Origin": BASE})
    assert ok.status_code == 200
    for body in ("[1, 2]", "null", "{", "[" * 10000):
        r = client.post("/sim/api/say", content=body, headers={"Origin": BASE, "Content-Type": "application/json"})
        assert r.status_code == 400, body
