def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_home_page_is_arabic_and_right_to_left_by_default(client, programme):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="ar" dir="rtl">' in response.data
