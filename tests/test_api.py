"""The JSON API: tokens (scopes, expiry, revocation, never the cookie), every endpoint × role with another
organization's objects answering 404, writes with the web form's rules (409 on a stale version, audit rows naming
the token), problem-details errors, ETags, the per-token rate limit, and the OpenAPI document."""

import io
import re
from datetime import timedelta

import pytest
from openapi_spec_validator import validate
from sqlmodel import select

from tracker import audit
from tracker.models import AuditEvent, Evidence, Obligation
from tracker.people import tokens

from .conftest import NOW, PASSWORD, csrf_token, login, make_user, redirect_target, signed_in
from .reporting_helpers import PDF, post, report_of

OWN = ("world/1.1", "2025", "МТСЗН")
OTHER = ("world/1.1", "2025", "РОП")


def _token(db, user, scope="write", days=30) -> str:
    issued = tokens.create_token(session=db, user=user, name="ИС", scope=scope, days=days, now=NOW,
                                 by=audit.Actor(label="test"))
    db.commit()
    return issued.secret


def _auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def people(db, world):
    """A focal point of МТСЗН (with a file on its report), one of another organization, the instrument's
    secretary, an administrator, an observer; a read-write token each."""
    users = dict(fp=make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]),
                 other=make_user(db, "other@example.kz", "focal_point", orgs=["МНЭ"]),
                 secretary=make_user(db, "sec@example.kz", "secretary", instruments=["world"]),
                 admin=make_user(db, "admin@example.kz", "admin"),
                 observer=make_user(db, "obs@example.kz", "observer"))
    return {role: (user, _token(db, user)) for role, user in users.items()}


@pytest.fixture
def objects(app, db, people):
    """Ids of the objects the matrix reads: an own report with a file, another organization's report."""
    own = report_of(db, *OWN)
    post(app, db, own.id, people["fp"][0], "in_progress", note="Начато", files=[("план.pdf", PDF)])
    other = report_of(db, *OTHER)
    item = db.exec(select(Evidence).where(Evidence.report_id == own.id)).one()
    return dict(own=own.id, other=other.id, evidence=item.id, checkpoint=own.checkpoint_id)


READ_ENDPOINTS = {
    "instruments": "/api/v1/instruments",
    "instrument": "/api/v1/instruments/world",
    "obligations": "/api/v1/instruments/world/obligations?per_page=5",
    "obligation": "/api/v1/obligations/world/1.1",
    "checkpoint": "/api/v1/checkpoints/{checkpoint}",
    "own report": "/api/v1/reports/{own}",
    "other report": "/api/v1/reports/{other}",
    "evidence": "/api/v1/evidence/{evidence}",
    "overdue": "/api/v1/overdue?organization=МТСЗН",
    "dashboard": "/api/v1/dashboard?instrument=world&quarter=2025-Q4",
}
#: who gets 200 (everyone else: 404, as on the pages)
ALLOWED = {
    "instruments": {"fp", "other", "secretary", "admin", "observer"},
    "instrument": {"fp", "other", "secretary", "admin", "observer"},
    "obligations": {"fp", "other", "secretary", "admin", "observer"},
    "obligation": {"fp", "other", "secretary", "admin", "observer"},
    "checkpoint": {"fp", "other", "secretary", "admin", "observer"},
    "own report": {"fp", "secretary", "admin"},
    "other report": {"secretary", "admin"},
    "evidence": {"fp", "secretary", "admin"},
    "overdue": {"secretary", "admin"},
    "dashboard": {"fp", "other", "secretary", "admin", "observer"},
}


@pytest.mark.parametrize("endpoint", READ_ENDPOINTS)
def test_every_read_endpoint_by_role(client, people, objects, endpoint):
    """Each role reads what the pages let it read; what it may not see does not exist (404 problem details)."""
    url = READ_ENDPOINTS[endpoint].format(**objects)
    for role, (_user, secret) in people.items():
        response = client.get(url, headers=_auth(secret))
        # a list one's role may not read is refused by name (403); an object one may not see does not exist (404)
        expected = 200 if role in ALLOWED[endpoint] else 403 if endpoint == "overdue" else 404
        assert response.status_code == expected, (endpoint, role, response.get_data(as_text=True)[:300])
        if expected == 404:
            assert response.mimetype == "application/problem+json" and response.json["status"] == 404


def test_read_shapes(client, db, people, objects):
    """An obligation keeps its verbatim Russian text and owners; a report lists its updates with evidence links
    that download the same bytes; the overdue list has totals per organization."""
    secret = people["fp"][1]
    response = client.get(READ_ENDPOINTS["obligation"], headers=_auth(secret))
    assert "МТСЗН".encode() in response.data  # UTF-8 as is, not \u escapes
    ob = response.json
    assert ob["key"] == "world/1.1" and ob["owners"][0]["code"] == "МТСЗН"
    assert ob["text"] == db.exec(select(Obligation.text).where(Obligation.key == ob["key"])).one()
    checkpoint = client.get(f"/api/v1/checkpoints/{objects['checkpoint']}", headers=_auth(secret)).json
    own_obligation = client.get(f"/api/v1/obligations/{OWN[0]}", headers=_auth(secret)).json
    assert checkpoint["status"] == {c["id"]: c["status"] for c in own_obligation["checkpoints"]}[checkpoint["id"]]
    report = client.get(f"/api/v1/reports/{objects['own']}", headers=_auth(secret)).json
    assert report["status"] == "in_progress" and report["updates"][0]["note"] == "Начато"
    link = report["updates"][0]["evidence"][0]
    assert link["file_name"] == "план.pdf"
    download = client.get(link["url"].removeprefix("http://localhost"), headers=_auth(secret))
    assert download.data == PDF and "attachment" in download.headers["Content-Disposition"]
    overdue = client.get(READ_ENDPOINTS["overdue"], headers=_auth(people["secretary"][1])).json
    assert overdue["total"] == sum(overdue["totals"].values()) and overdue["items"][0]["days_overdue"] > 0


def test_the_dashboard_figures_are_the_pages_figures(app, client, people):
    """The API's dashboard counts what the dashboard page counts (one set of functions): overdue per
    organization equals the overdue list's totals."""
    secret = people["secretary"][1]
    figures = client.get("/api/v1/dashboard?instrument=world", headers=_auth(secret)).json
    overdue = client.get("/api/v1/overdue?instrument=world&per_page=1",
                         headers=_auth(secret)).json
    assert figures["overdue"] == overdue["totals"] and sum(figures["checkpoints"].values()) > 0
    assert figures["quarter"] == "2026-Q3"


@pytest.mark.parametrize("role,expected", [("fp", 201), ("other", 404), ("observer", 404), ("secretary", 400),
                                           ("admin", 400)])
def test_writes_by_role(client, people, objects, role, expected):
    """A status update on МТСЗН's report: its focal point writes; another organization's focal point and an
    observer do not see it (404); the secretary and an administrator may read it but not make that move (400)."""
    secret = people[role][1]
    url = f"/api/v1/reports/{objects['own']}"
    version = client.get(url, headers=_auth(people["fp"][1])).json["version"]
    response = client.post(f"{url}/updates", headers=_auth(secret),
                           data={"status": "submitted", "version": str(version), "note": "Готово"})
    assert response.status_code == expected, response.get_data(as_text=True)
    assert response.mimetype == ("application/json" if expected == 201 else "application/problem+json")


def test_without_a_valid_token_nothing_answers(app, client, db, people):
    """No header, another scheme, a made-up token, a revoked or expired one: 401 problem details at once; the
    sign-in cookie of a web session never authenticates the API."""
    user, secret = people["fp"]
    for headers in ({}, {"Authorization": f"Basic {secret}"}, _auth("mdt_not-a-token")):
        response = client.get("/api/v1/instruments", headers=headers)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert client.get("/api/v1/instruments", headers=_auth(secret)).status_code == 200
    token = tokens.tokens_of(db, user)[0]
    tokens.revoke_token(session=db, token_id=token.id, owner=user, now=NOW, by=audit.Actor(user_id=user.id))
    db.commit()
    assert client.get("/api/v1/instruments", headers=_auth(secret)).status_code == 401
    expired = tokens.create_token(session=db, user=user, name="old", scope="read", days=1, now=NOW - timedelta(days=2),
                                  by=audit.Actor(label="test"))
    db.commit()
    assert client.get("/api/v1/instruments", headers=_auth(expired.secret)).status_code == 401
    browser = signed_in(app, user)
    assert browser.get("/api/v1/instruments").status_code == 401


def test_a_read_only_token_cannot_write(client, db, people, objects):
    """A read token reads, and its POST answers 403 and changes nothing."""
    user = people["fp"][0]
    secret = _token(db, user, scope="read")
    assert client.get(f"/api/v1/reports/{objects['own']}", headers=_auth(secret)).status_code == 200
    response = client.post(f"/api/v1/reports/{objects['own']}/updates", headers=_auth(secret),
                           data={"status": "in_progress", "version": "1", "note": "x"})
    assert response.status_code == 403 and response.json["status"] == 403


def test_a_status_update_with_a_file_is_written_and_audited_with_the_token(client, db, people, objects):
    """A multipart POST moves the report as the web form does; the audit row names the person and the token."""
    user, secret = people["fp"]
    version = client.get(f"/api/v1/reports/{objects['own']}", headers=_auth(secret)).json["version"]
    response = client.post(f"/api/v1/reports/{objects['own']}/updates", headers=_auth(secret),
                           content_type="multipart/form-data",
                           data={"status": "submitted", "version": str(version), "note": "Исполнено",
                                 "links": ["https://enbek.gov.kz/ru/news/1"],
                                 "files": [(io.BytesIO(PDF + b"%2"), "протокол.pdf")]})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["status"] == "submitted" and response.json["version"] == version + 1
    token = tokens.tokens_of(db, user)[0]
    row = db.exec(select(AuditEvent).where(AuditEvent.action == "report.submitted")).one()
    assert row.actor_id == user.id and row.actor_label == f"api token {token.id}"
    report = client.get(f"/api/v1/reports/{objects['own']}", headers=_auth(secret)).json
    assert {e["kind"] for e in report["updates"][0]["evidence"]} == {"file", "link"}


def test_a_stale_version_answers_409_and_writes_nothing(client, db, people, objects):
    """Two writers from the same version: the second gets 409 with the current version."""
    _user, secret = people["fp"]
    version = client.get(f"/api/v1/reports/{objects['own']}", headers=_auth(secret)).json["version"]
    first = client.post(f"/api/v1/reports/{objects['own']}/updates", headers=_auth(secret),
                        data={"status": "in_progress", "version": str(version), "note": "первый"})
    second = client.post(f"/api/v1/reports/{objects['own']}/updates", headers=_auth(secret),
                         data={"status": "in_progress", "version": str(version), "note": "второй"})
    assert first.status_code == 201 and second.status_code == 409
    assert second.json["version"] == version + 1 and second.mimetype == "application/problem+json"
    notes = [u["note"] for u in client.get(f"/api/v1/reports/{objects['own']}", headers=_auth(secret)).json["updates"]]
    assert "второй" not in notes


def test_a_secretary_accepts_or_returns_and_a_focal_point_cannot(client, db, people, objects):
    """The verdict follows the transitions: a focal point's verdict is refused (400), a return needs a reason,
    the secretary's acceptance is written."""
    fp_secret, sec_secret = people["fp"][1], people["secretary"][1]
    url = f"/api/v1/reports/{objects['own']}"
    version = client.get(url, headers=_auth(fp_secret)).json["version"]
    assert client.post(f"{url}/updates", headers=_auth(fp_secret),
                       data={"status": "submitted", "version": str(version)}).status_code == 201
    own_verdict = client.post(f"{url}/verdict", headers=_auth(fp_secret), json={"decision": "accept",
                                                                                "version": version + 1})
    assert own_verdict.status_code == 400
    no_reason = client.post(f"{url}/verdict", headers=_auth(sec_secret), json={"decision": "return",
                                                                               "version": version + 1})
    assert no_reason.status_code == 400 and "причину" in no_reason.json["detail"]
    accepted = client.post(f"{url}/verdict", headers=_auth(sec_secret), json={"decision": "accept",
                                                                              "version": version + 1})
    assert accepted.status_code == 201 and accepted.json["status"] == "accepted"


def test_a_request_off_the_schema_is_a_422_problem(client, people, objects):
    """A verdict that is not accept/return, a missing version: 422 with each field's message."""
    response = client.post(f"/api/v1/reports/{objects['own']}/verdict", headers=_auth(people["secretary"][1]),
                           json={"decision": "maybe"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert {e["field"] for e in response.json["errors"]} >= {"decision", "version"}


def test_what_the_database_cannot_hold_is_a_422_not_a_500(client, people, objects):
    """Found by schemathesis on PostgreSQL: a version past the integer range, a quarter of year 0, a NUL byte or a
    lone surrogate in JSON text. Each is refused by the schema before it reaches the database."""
    secret = people["secretary"][1]
    url = f"/api/v1/reports/{objects['own']}"
    for body in ({"decision": "accept", "version": 17592186044417}, {"decision": "return", "version": 1,
                                                                     "reason": "нет\x00"}):
        assert client.post(f"{url}/verdict", headers=_auth(secret), json=body).status_code == 422
    lone = client.post(f"{url}/verdict", headers={**_auth(secret), "Content-Type": "application/json"},
                       data='{"decision": "return", "version": 1, "reason": "\\udbe6"}')
    assert lone.status_code == 422
    overflow = client.post(f"{url}/updates", headers=_auth(people["fp"][1]),
                           data={"status": "in_progress", "version": "6701496539"})
    assert overflow.status_code == 422
    assert client.get("/api/v1/dashboard?quarter=0000-Q1", headers=_auth(secret)).status_code == 422


def test_an_unchanged_read_answers_304(client, people):
    """A read carries an ETag; sent back in If-None-Match, it answers 304 with no body."""
    secret = people["fp"][1]
    first = client.get("/api/v1/instruments", headers=_auth(secret))
    again = client.get("/api/v1/instruments", headers={**_auth(secret), "If-None-Match": first.headers["ETag"]})
    assert first.headers["ETag"] and again.status_code == 304 and not again.data


def test_each_token_has_its_own_rate_limit(app, client, db, people):
    """Past the limit a token gets 429 problem details; another token is not slowed by it."""
    app.config["API_RATE_LIMIT"] = "3 per minute"
    busy, calm = people["fp"][1], people["other"][1]
    statuses = [client.get("/api/v1/instruments", headers=_auth(busy)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/api/v1/instruments", headers=_auth(calm)).status_code == 200


def test_the_openapi_document_validates_and_its_reference_page_is_local(client):
    """The generated OpenAPI 3.1 document is valid and names every endpoint; the reference page loads Swagger UI
    from this server, not a CDN."""
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert spec["openapi"].startswith("3.1") and "/api/v1/reports/{id}/updates" in spec["paths"]
    page = client.get("/api/v1/swagger").get_data(as_text=True)
    assert "swagger/js/swagger-ui-bundle.js" in page and "https://" not in page
    assert client.get("/api/v1/swagger/js/swagger-ui-bundle.js").status_code == 200


def test_tokens_on_the_account_page_are_shown_once_and_revoked_there(app, client, db, world):
    """Create: the secret is on the page once (201) and works; the list shows only its start; revoke: 401."""
    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    login(client, user.email, PASSWORD)
    created = client.post("/account/tokens", data={"csrf_token": csrf_token(client, "/account"),
                                                   "token_name": "ИС МТСЗН", "scope": "read", "days": "30"})
    page = created.get_data(as_text=True)
    secret = re.search(r'<code id="new-token">(mdt_[^<]+)</code>', page).group(1)
    assert created.status_code == 201 and client.get("/api/v1/instruments", headers=_auth(secret)).status_code == 200
    assert secret not in client.get("/account").get_data(as_text=True)
    token = tokens.tokens_of(db, user)[0]
    assert token.token_hash != secret and secret.startswith(token.prefix)
    revoked = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/account")})
    assert redirect_target(revoked) == "/account#tokens"
    assert client.get("/api/v1/instruments", headers=_auth(secret)).status_code == 401
    forged = client.post("/account/tokens", data={"token_name": "x", "scope": "read", "days": "30"})
    assert forged.status_code == 400 and len(tokens.tokens_of(db, user)) == 1


def test_tokens_from_the_command_line(app, runner, db, world):
    """`mindet users token create|list|revoke`: printed once, listed by its start, revoked at once."""
    make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    created = runner.invoke(args=["users", "token", "create", "fp@example.kz", "--name", "ИС", "--scope", "write"])
    assert created.exit_code == 0, created.output
    secret = next(line for line in created.output.splitlines() if line.startswith("mdt_"))
    listed = runner.invoke(args=["users", "token", "list", "fp@example.kz"])
    assert secret[:10] in listed.output and secret not in listed.output and "write" in listed.output
    assert app.test_client().get("/api/v1/instruments", headers=_auth(secret)).status_code == 200
    token_id = listed.output.split()[0]
    assert runner.invoke(args=["users", "token", "revoke", token_id]).exit_code == 0
    assert app.test_client().get("/api/v1/instruments", headers=_auth(secret)).status_code == 401
    refused = runner.invoke(args=["users", "token", "create", "fp@example.kz", "--name", "ИС", "--days", "999"])
    assert refused.exit_code == 1 and "366" in refused.output


def test_errors_speak_the_token_owners_language(client, db, people, objects):
    """Every error text of the API — a missing object, an unknown address, a refused list, a field that does not
    match, a stale version — is in the language of the token's owner, with no English mixed into a Russian answer
    (issue 22: «check your spelling» and English details beside Russian ones); ?lang= overrides."""
    fp, secret = people["fp"]
    checks = {
        "ru": ("Документа «nope-2030» нет.", "Не найдено", "Такого адреса в API нет", "для секретарей",
               "обязательное поле", "сейчас версия"),
        "en": ("There is no instrument «nope-2030».", "Not found", "There is no such address in the API",
               "for secretaries", "required field", "it is at version"),
        "kk": ("«nope-2030» құжаты жоқ.", "Табылмады", "API-де мұндай мекенжай жоқ", "хатшылар",
               "міндетті өріс", "қазір нұсқа"),
    }
    for language, (missing, title, no_route, overdue, required, stale) in checks.items():
        fp.language = language
        db.add(fp)
        db.commit()
        auth = _auth(secret)
        answer = client.get("/api/v1/instruments/nope-2030", headers=auth).json
        assert (answer["detail"], answer["title"]) == (missing, title)
        assert no_route in client.get("/api/v1/no-such-thing", headers=auth).json["detail"]
        assert overdue in client.get("/api/v1/overdue", headers=auth).json["detail"]
        invalid = client.post(f"/api/v1/reports/{objects['own']}/updates", headers=auth, data={"note": "x"}).json
        assert invalid["status"] == 422 and {e["message"] for e in invalid["errors"]} == {required}
        conflict = client.post(f"/api/v1/reports/{objects['own']}/updates", headers=auth,
                               data={"status": "in_progress", "version": "0", "note": "x"}).json
        assert conflict["status"] == 409 and stale in conflict["detail"]
        if language != "en":
            for body in (answer, invalid, conflict):
                assert not re.search(r"\b(the|is|no|not|you|report)\b", body["detail"] + body["title"])
    english = client.get("/api/v1/instruments/nope-2030?lang=en", headers=_auth(secret)).json
    assert english["detail"] == "There is no instrument «nope-2030»."
