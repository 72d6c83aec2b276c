"""Helpers shared by the journey tests: valid answers for every step and a filler."""

import io

from PIL import Image


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


IDENTITY = {
    "first_name_ar": "فاطمة الزهراء",
    "last_name_ar": "العمراني",
    "first_name_latin": "Fatima-Zahra",
    "last_name_latin": "Amrani",
    "national_id": "ab 123456",
    "birth_date": "1992-05-17",
    "sex": "female",
    "commune": "Errachidia",
}
SITUATION = {"education_level": "secondary", "family_situation": "divorced", "is_divorced": "y",
             "is_head_of_household": "y", "disability_type": "none"}
PROJECT = {"project_title": "Atelier de couscous", "project_stage": "idea", "carrier": "individual",
           "project_description": "Préparer et vendre du couscous روز", "estimated_budget": "25000",
           "own_contribution": "5000"}
NEEDS = {"need_training": "y", "need_financing": "y", "trainings-0-title": "Gestion",
         "trainings-0-organisation": "OFPPT", "trainings-0-year": "2020"}


def fill_all_steps(client, application_id, province_id, sector_id, lang="ar", identity=None):
    base = f"/applications/{application_id}"
    data = {**IDENTITY, "province_id": province_id, **(identity or {})}
    response = client.post(f"{base}/identity?lang={lang}", data=data)
    assert response.status_code == 302, response.data.decode()[:3000]
    assert response.headers["Location"].endswith(f"{base}/situation")
    response = client.post(f"{base}/situation", data=SITUATION)
    assert response.status_code == 302
    response = client.post(f"{base}/project", data={**PROJECT, "sector_id": sector_id})
    assert response.status_code == 302
    response = client.post(f"{base}/needs", data=NEEDS)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{base}/documents")
    response = client.post(f"{base}/documents", data={"kind": "id_card", "file": (io.BytesIO(png_bytes()), "cnie.png")},
                           content_type="multipart/form-data")
    assert response.status_code in (302, 303)


def count_queries(db, client, path: str) -> tuple[int, object]:
    """The SQL statements one GET costs, and its response: pages whose count grows with their rows have an N+1."""
    import sqlalchemy as sa

    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements), response
