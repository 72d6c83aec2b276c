"""Pages and stylesheets travel gzip-compressed to browsers that ask for it; others get them as they are."""

import gzip
import re


def test_html_is_gzipped_when_the_browser_accepts_it(client, programme):
    plain = client.get("/?lang=fr")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/?lang=fr", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2


def test_stylesheet_is_gzipped_and_still_cached_for_a_year(client):
    href = re.search(r'href="(/static/jisr\.css\?v=[0-9a-f]{12})"', client.get("/").data.decode()).group(1)
    response = client.get(href, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert b"logical properties" in gzip.decompress(response.data)
    response.close()
