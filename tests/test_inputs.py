"""Hostile input never reaches the database as an error: NUL bytes give 400, ids too large for a row give 404,
and the error pages render after a failed request (also on PostgreSQL, which refuses both)."""

import pytest

from .conftest import csrf_token, make_user, signed_in


@pytest.mark.parametrize("url", ["/public/%00", "/login?next=%00", "/overdue?organization=%00",
                                 "/instruments/%00"])
def test_a_nul_byte_in_a_url_is_a_clear_400(client, synced, url):
    """Anonymous or not, a NUL byte in the path or the query string is refused before any query runs."""
    response = client.get(url)
    assert response.status_code == 400 and "недопустимые" in response.get_data(as_text=True)


def test_a_nul_byte_in_a_form_is_refused_and_nothing_is_written(app, client, db, synced):
    """The sign-in and reset forms and a signed-in person's account form refuse a NUL byte with 400; the
    account keeps its name."""
    for path in ("/login", "/reset"):
        token = csrf_token(client, path)
        response = client.post(path, data={"email": "a\x00@x.kz", "password": "x", "csrf_token": token})
        assert response.status_code == 400
    user = make_user(db, "fp@example.kz", "observer")
    signed = signed_in(app, user)
    token = csrf_token(signed, "/account")
    response = signed.post("/account", data={"name": "Имя\x00", "language": "ru", "digest_frequency": "quarterly",
                                              "csrf_token": token})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(type(user), user.id).name == "fp"
    assert signed.get("/account").status_code == 200  # the session still works after the refusal


@pytest.mark.parametrize("url", ["/reports/99999999999999999999", "/public/evidence/99999999999999999999",
                                 "/checkpoints/9223372036854775808", "/evidence/2147483648"])
def test_ids_beyond_any_row_are_404(app, db, synced, url):
    """An id larger than a row can have matches no route: 404, never a database error."""
    user = make_user(db, "admin@example.kz", "admin")
    assert signed_in(app, user).get(url).status_code == 404


def test_a_huge_page_number_is_the_last_page_not_an_error(app, db, synced):
    """?page=9223372036854775807 on the overdue view and the audit trail answers a page, not a 500."""
    user = make_user(db, "admin@example.kz", "admin")
    client = signed_in(app, user)
    for url in ("/overdue?page=9223372036854775807", "/audit?page=9223372036854775807",
                "/admin/deliveries?page=-5"):
        assert client.get(url).status_code == 200, url
