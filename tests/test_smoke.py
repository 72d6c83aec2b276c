def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_page_is_arabic_and_right_to_left_by_default(client, programme):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="ar" dir="rtl">' in response.data


def test_static_assets_are_fingerprinted_and_cached_for_a_year(client):
    import re

    page = client.get("/").data.decode()
    href = re.search(r'href="(/static/jisr\.css\?v=[0-9a-f]{12})"', page).group(1)
    response = client.get(href)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    response.close()


def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
