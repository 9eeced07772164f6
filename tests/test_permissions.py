"""Every route of the app, for every role: allowed ones work, the others give 404 (or send you to sign in).

A route without a rule here fails test_every_route_has_a_rule: new routes must say who may use them.
"""

import pytest
from sqlmodel import select

from tracker.catalog.lookups import indicator_by_key
from tracker.insight import open_data, prepared
from tracker.meetings import agenda
from tracker.meetings.agenda import Planned
from tracker.models import Commission, Evidence, Obligation, OutboxMessage
from tracker.people.calendar_feeds import create_feed
from tracker.people.permissions import access_for
from tracker.reporting import indicator_values, information_requests

from .conftest import NOW, csrf_token, login, make_user, signed_in_to
from .reporting_helpers import PDF, post, report_of

ROLES = ["anonymous", "observer", "focal_point", "other_focal_point", "secretary", "commission_secretary", "admin"]
#: who may read the republican commission's meetings: its secretary, the secretary of one of its instruments, admins
FOLLOW = {"secretary", "commission_secretary", "admin"}
RUN = {"commission_secretary"}
SIGNED_IN = set(ROLES) - {"anonymous"}
EVERYONE = set(ROLES)
#: the JSON API: a sign-in cookie never authenticates it (401 for every role here); who may use it with a token
#: is tests/test_api.py's matrix
TOKEN = frozenset({"token"})

WAGES = "general-agreement-2024-2026/wage-arrears"
#: endpoint → (method, URL, roles allowed). URLs use real objects: МТСЗН is the focal point's organization.
RULES = {
    "static": ("GET", "/static/style.css", EVERYONE),
    "health": ("GET", "/health", EVERYONE),
    "metrics": ("GET", "/metrics", set()),  # no role reaches it: a scraper's token only (test_operations)
    "auth.login": ("GET", "/login", {"anonymous"}),  # signed in: sent on to the instruments
    "auth.reset_request": ("GET", "/reset", EVERYONE),
    "auth.invite": ("GET", "/invite/not-a-token", set()),  # an unknown link is a 404 for everybody
    "auth.reset": ("GET", "/reset/not-a-token", set()),
    "auth.second_factor": ("GET", "/login/code", set()),  # without a right password first: back to sign-in
    "account.two_factor": ("GET", "/account/two-factor", SIGNED_IN),
    "account.confirm_two_factor": ("POST", "/account/two-factor", SIGNED_IN),
    "auth.logout": ("POST", "/logout", SIGNED_IN),
    "catalog.instruments": ("GET", "/", SIGNED_IN),
    "catalog.instrument": ("GET", "/instruments/conflict-prevention-2025-2026", SIGNED_IN),
    "catalog.instrument_versions": ("GET", "/instruments/conflict-prevention-2025-2026/versions", SIGNED_IN),
    "catalog.version_yaml": ("GET", "/instruments/conflict-prevention-2025-2026/versions/1.yaml", SIGNED_IN),
    "catalog.compare_versions": ("GET", "/instruments/conflict-prevention-2025-2026/versions/compare?older=1&newer=1",
                                 SIGNED_IN),
    "catalog.obligation": ("GET", "/obligations/conflict-prevention-2025-2026/1", SIGNED_IN),
    "people.organizations": ("GET", "/organizations", SIGNED_IN),
    "people.organization_choices": ("GET", "/organizations.json", SIGNED_IN),
    "people.organization": ("GET", "/organizations/МТСЗН", SIGNED_IN),
    "people.handover": ("POST", "/organizations/МТСЗН/handover", {"admin"}),
    "audit.index": ("GET", "/audit", {"secretary", "admin"}),
    "audit.obligation": ("GET", "/obligations/conflict-prevention-2025-2026/1/history", {"secretary", "admin"}),
    "account.settings": ("GET", "/account", SIGNED_IN),
    "admin.users": ("GET", "/admin/users", {"admin"}),
    "admin.invite": ("POST", "/admin/users/invite", {"admin"}),
    "admin.user": ("GET", "/admin/users/{admin_id}", {"admin"}),
    "admin.send_reset": ("POST", "/admin/users/{admin_id}/reset", {"admin"}),
    "admin.deliveries": ("GET", "/admin/deliveries", {"admin"}),
    "admin.send_test_email": ("POST", "/admin/deliveries/test", {"admin"}),
    "admin.retry_delivery": ("POST", "/admin/deliveries/{message_id}/retry", {"admin"}),
    "dashboards.overdue": ("GET", "/overdue", {"secretary", "admin"}),
    "dashboards.overdue_export": ("GET", "/overdue.csv", {"secretary", "admin"}),
    # a file prepared in the background: the person who asked for it only (an administrator, here)
    "prepared.show": ("GET", "/files/{file_token}", {"admin"}),
    "prepared.download": ("GET", "/files/{file_token}/download", {"admin"}),
    "dashboards.obligations_export": ("GET", "/instruments/conflict-prevention-2025-2026/obligations.xlsx",
                                      SIGNED_IN),
    "dashboards.overall": ("GET", "/dashboard", SIGNED_IN),
    "dashboards.overall_league": ("GET", "/dashboard/league", SIGNED_IN),
    "dashboards.overall_instruments": ("GET", "/dashboard/instruments", SIGNED_IN),
    "dashboards.instrument_league": ("GET", "/instruments/conflict-prevention-2025-2026/dashboard/league", SIGNED_IN),
    "dashboards.instrument_dashboard": ("GET", "/instruments/conflict-prevention-2025-2026/dashboard", SIGNED_IN),
    "meeting.report": ("GET", "/instruments/conflict-prevention-2025-2026/execution-report", {"secretary", "admin"}),
    "meeting.report_docx": ("GET", "/instruments/conflict-prevention-2025-2026/execution-report.docx",
                            {"secretary", "admin"}),
    "calendar.feeds": ("GET", "/account/calendar", SIGNED_IN),
    "calendar.feed": ("GET", "/calendar/{feed_token}.ics", EVERYONE),
    "calendar.revoke": ("POST", "/account/calendar/{feed_id}/revoke", {"focal_point"}),  # after the feed's rule
    "public.index": ("GET", "/public/", EVERYONE),
    "public.commission_rating": ("GET", "/public/rating", EVERYONE),
    "public.annual_report": ("GET", "/public/decent-work-2024-2025/report-2025.docx", EVERYONE),
    "public.instrument": ("GET", "/public/decent-work-2024-2025", EVERYONE),
    "public.evidence": ("GET", "/public/evidence/{public_evidence_id}", EVERYONE),
    "reports.checkpoint": ("GET", "/checkpoints/{checkpoint_id}", SIGNED_IN),
    "reports.reschedule_checkpoint": ("POST", "/checkpoints/{checkpoint_id}/reschedule", {"secretary"}),
    "reports.open_event": ("POST", "/obligations/conflict-prevention-2025-2026/5/events", {"secretary"}),
    "reports.report": ("GET", "/reports/{report_id}", {"focal_point", "secretary", "admin"}),
    "reports.update": ("POST", "/reports/{report_id}", {"focal_point", "secretary", "admin"}),
    "reports.carry": ("POST", "/reports/{report_id}/carry-forward", {"focal_point", "secretary", "admin"}),
    "reports.evidence": ("GET", "/evidence/{evidence_id}", {"focal_point", "secretary", "admin"}),
    "reports.mine": ("GET", "/reports", SIGNED_IN),
    "reports.bulk": ("POST", "/reports/bulk", SIGNED_IN),
    "review.queue": ("GET", "/review", {"secretary"}),
    "review.accept": ("POST", "/review/accept", {"secretary"}),
    "catalog.search": ("GET", "/search?q=2.1", SIGNED_IN),
    "account.create_token": ("POST", "/account/tokens", SIGNED_IN),
    "imports.docx": ("GET", "/roadmaps/import", {"secretary", "admin"}),
    "imports.download": ("POST", "/roadmaps/import/draft.yaml", {"secretary", "admin"}),
    "imports.new_version": ("GET", "/instruments/conflict-prevention-2025-2026/versions/new", {"secretary", "admin"}),
    "imports.preview_version": ("POST", "/roadmaps/versions/preview", {"secretary", "admin"}),
    "imports.new_document": ("GET", "/roadmaps/versions/new", {"secretary", "admin"}),
    "imports.apply_version": ("POST", "/roadmaps/versions/apply", {"secretary", "admin"}),
    "account.revoke_token": ("POST", "/account/tokens/999999/revoke", set()),  # not one's own token: 404
    "openapi.openapi": ("GET", "/api/v1/", EVERYONE),
    "openapi.doc_url": ("GET", "/api/v1/openapi.json", EVERYONE),
    "openapi.static": ("GET", "/api/v1/static/none.css", set()),
    "swagger.swagger": ("GET", "/api/v1/swagger", EVERYONE),
    "swagger.static": ("GET", "/api/v1/swagger/css/swagger-ui.css", EVERYONE),
    "swagger.oauth2-redirect": ("GET", "/api/v1/oauth2-redirect.html", EVERYONE),
    "api.instruments": ("GET", "/api/v1/instruments", TOKEN),
    "api.instrument": ("GET", "/api/v1/instruments/conflict-prevention-2025-2026", TOKEN),
    "api.obligations": ("GET", "/api/v1/instruments/conflict-prevention-2025-2026/obligations", TOKEN),
    "api.obligation": ("GET", "/api/v1/obligations/conflict-prevention-2025-2026/1", TOKEN),
    "commissions.index": ("GET", "/commissions", SIGNED_IN),
    "commissions.commission": ("GET", "/commissions/rtk", SIGNED_IN),
    "commissions.plan": ("POST", "/commissions/rtk/meetings", RUN),
    "commissions.meeting": ("GET", "/meetings/{meeting_id}", FOLLOW),
    "commissions.agenda_docx": ("GET", "/meetings/{meeting_id}/agenda.docx", FOLLOW),
    "commissions.protocol_docx": ("GET", "/meetings/{meeting_id}/protocol.docx", FOLLOW),
    "commissions.move_up": ("POST", "/meetings/{meeting_id}/agenda/{item_id}/up", RUN),
    "commissions.move_down": ("POST", "/meetings/{meeting_id}/agenda/{item_id}/down", RUN),
    "commissions.remove_item": ("POST", "/meetings/{meeting_id}/agenda/{item_id}/remove", RUN),
    "commissions.add_item": ("POST", "/meetings/{meeting_id}/agenda", RUN),
    "commissions.decide": ("POST", "/meetings/{meeting_id}/agenda/{item_id}/decision", RUN),
    "commissions.invite": ("POST", "/meetings/{meeting_id}/invite", RUN),
    # requests for information: the instrument's secretaries and its parties' focal points ask (МТСЗН is a party
    # of the conflict roadmap, МЮ is not); the owner asked (МТСЗН) answers
    "requests.ask": ("POST", "/obligations/conflict-prevention-2025-2026/3/requests", {"focal_point", "secretary"}),
    "requests.answer": ("POST", "/information-requests/{request_id}/answer", {"focal_point"}),
    # indicators: anyone signed in reads them; the reporter's focal point (МТСЗН) reports, the instrument's
    # secretaries (the General Agreement belongs to the РТК) judge; the public ones and the open data are public
    "indicators.indicator": ("GET", f"/indicators/{WAGES}", SIGNED_IN),
    "indicators.submit": ("POST", f"/indicators/{WAGES}/values", {"focal_point"}),
    "indicators.verdict": ("POST", "/indicator-values/{value_id}/verdict", {"commission_secretary"}),
    "dashboards.indicators_export": ("GET", "/dashboard/indicators.csv", SIGNED_IN),
    "public.indicator": ("GET", f"/public/indicators/{WAGES}", EVERYONE),
    "public.indicator_list": ("GET", "/public/indicators", EVERYONE),
    "open_data.index": ("GET", "/public/open-data", EVERYONE),
    "open_data.download": ("GET", "/public/open-data/datapackage.json", EVERYONE),
    "api.indicators_list": ("GET", "/api/v1/indicators", TOKEN),
    "api.indicator": ("GET", f"/api/v1/indicators/{WAGES}", TOKEN),
    "api.checkpoint": ("GET", "/api/v1/checkpoints/{checkpoint_id}", TOKEN),
    "api.report": ("GET", "/api/v1/reports/{report_id}", TOKEN),
    "api.evidence_file": ("GET", "/api/v1/evidence/{evidence_id}", TOKEN),
    "api.overdue": ("GET", "/api/v1/overdue", TOKEN),
    "api.dashboard": ("GET", "/api/v1/dashboard", TOKEN),
    "api.post_status_update": ("POST", "/api/v1/reports/{report_id}/updates", TOKEN),
    "api.post_verdict": ("POST", "/api/v1/reports/{report_id}/verdict", TOKEN),
}
# a commission's secretary is the secretary of each of its instruments: whatever a secretary may, it may too
RULES = {endpoint: (method, url, allowed | {"commission_secretary"} if "secretary" in allowed else allowed)
         for endpoint, (method, url, allowed) in RULES.items()}
#: where each role lands after signing in (and when it opens /login signed in)
START_PAGES = {"observer": {"/"}, "admin": {"/"}, "focal_point": {"/reports"}, "other_focal_point": {"/reports"},
               "secretary": {"/review", "/overdue"}, "commission_secretary": {"/review", "/overdue"}}
#: a secretary of another instrument must not read this obligation's history
SECRETARY_ELSEWHERE = ("GET", "/obligations/decent-work-2024-2025/1.1/history")


def test_every_route_has_a_rule(app):
    """The rule table covers every endpoint the app serves (a new route without a rule fails here)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(RULES) == set(), "add a rule to RULES for these endpoints"
    assert set(RULES) - endpoints == set(), "rules for endpoints that no longer exist"


@pytest.fixture
def people(db, synced):
    """One account per role; the secretary is secretary of the conflict-prevention roadmap only."""
    people = {
        "observer": make_user(db, "observer@example.kz", "observer"),
        "focal_point": make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]),
        "other_focal_point": make_user(db, "other@example.kz", "focal_point", orgs=["МЮ"]),
        "secretary": make_user(db, "secretary@example.kz", "secretary",
                               instruments=["conflict-prevention-2025-2026"]),
        "commission_secretary": make_user(db, "rtk@example.kz", "secretary", commissions=["rtk"]),
        "admin": make_user(db, "admin@example.kz", "admin"),
    }
    return people


@pytest.fixture
def ids(app, db, people):
    """Real objects for the URLs: МТСЗН's report on measure 3 of the conflict roadmap, with one evidence file."""
    report = report_of(db, "conflict-prevention-2025-2026/3", "2025", "МТСЗН")
    post(app, db, report.id, people["focal_point"], "in_progress", files=[("справка.pdf", PDF)])
    evidence = db.exec(select(Evidence).where(Evidence.report_id == report.id)).one()
    failed = OutboxMessage(kind="test", to_email="x@example.kz", subject="s", body_text="t", body_html="h",
                           message_id="<1@test>", status="failed", created_at=NOW, next_attempt_at=NOW)
    db.add(failed)
    db.commit()
    published = report_of(db, "decent-work-2024-2025/2.2", "2025-Q1", "МТСЗН")  # МТСЗН leads 2.2
    post(app, db, published.id, people["focal_point"], "submitted", files=[("отчёт.pdf", PDF + b"1")],
         public_evidence=True)
    published.status = "accepted"  # as if the decent-work secretary had accepted it
    db.add(published)
    with app.test_request_context():
        feed, token = create_feed(db, user=people["focal_point"], access=access_for(db, people["focal_point"]),
                                  scope="user", key=None, now=NOW)
    db.commit()
    public = db.exec(select(Evidence).where(Evidence.report_id == published.id)).one()
    secretary = people["commission_secretary"]
    rtk = db.exec(select(Commission).where(Commission.key == "rtk")).one()
    with app.test_request_context():
        meeting = agenda.plan(session=db, commission=rtk, planned=Planned("1", NOW.date(), "10:00", "Астана"),
                              actor=secretary, access=access_for(db, secretary), now=NOW)
    db.commit()
    asked = information_requests.ask(session=db, app=app, obligation=db.exec(select(Obligation).where(
        Obligation.key == "conflict-prevention-2025-2026/3")).one(), organization_id=report.organization_id,
        question="Что сделано?", actor=people["secretary"], access=access_for(db, people["secretary"]), now=NOW)
    db.commit()
    value = indicator_values.submit(session=db, indicator=indicator_by_key(db, WAGES), actor=people["focal_point"],
                                    access=access_for(db, people["focal_point"]), now=NOW,
                                    submission=indicator_values.Submission("2025", 2.6, "Отчёт"))
    db.commit()
    open_data.build(db, app.config["OPEN_DATA_DIR"], base_url="http://localhost", now=NOW, today=NOW.date())
    with app.test_request_context():
        export = prepared.ask(db, user=people["admin"], kind="overdue", rows=1, name="overdue", now=NOW,
                              arguments={"filters": {}, "as_of": None, "today": NOW.date().isoformat()})
        db.commit()
        prepared.prepare_waiting(db, NOW)
    return dict(file_token=export.token,
                meeting_id=meeting.id, request_id=asked.id, value_id=value.id, item_id=agenda.agenda(db, meeting)[0].id,
                admin_id=people["admin"].id,
                checkpoint_id=report.checkpoint_id, report_id=report.id,
                evidence_id=evidence.id, message_id=failed.id, feed_id=feed.id, feed_token=token,
                public_evidence_id=public.id)


def _request(client, method, url, role):
    if method == "GET":
        response = client.get(url)
        response.get_data()  # a streamed body holds its request's context until it is read, as a server reads it
        return response
    token = csrf_token(client, "/account" if role != "anonymous" else "/login")
    return client.post(url, data={"csrf_token": token})


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_routes(app, people, ids, role):
    """Allowed routes answer 200 (GET) or redirect after acting (POST); others 404, or the sign-in page."""
    client = app.test_client()
    if role != "anonymous":
        signed_in_to(login(client, people[role].email))
    for endpoint, (method, url, allowed) in RULES.items():
        if endpoint == "auth.logout":
            continue  # signs out; checked separately
        url = url.format(**ids)
        response = _request(client, method, url, role)
        if allowed is TOKEN:
            assert response.status_code == 401, (endpoint, role, response.status_code)
        elif url.startswith("/api/"):  # its document and reference page: no sign-in, no redirect
            assert response.status_code == (200 if allowed else 404), (endpoint, role, response.status_code)
        elif endpoint == "auth.second_factor":  # no password given first: back to sign-in, whoever asks
            assert response.status_code == 302 and response.location.startswith("/login"), (endpoint, role)
        elif endpoint == "auth.login" and role != "anonymous":
            assert response.status_code == 302 and response.location in START_PAGES[role]
        elif role in allowed and method == "GET":
            assert response.status_code == 200, (endpoint, role, response.status_code)
        elif role in allowed:  # reached: acted and redirected, or refused the empty form as invalid
            assert response.status_code in (302, 400), (endpoint, role, response.status_code)
            assert "CSRF" not in response.get_data(as_text=True)
        elif role == "anonymous" and endpoint not in ("auth.invite", "auth.reset", "metrics"):
            assert response.status_code == 302 and response.location.startswith("/login"), (endpoint, role)
        else:
            assert response.status_code == 404, (endpoint, role, response.status_code)


def test_secretary_of_another_instrument_gets_404(app, people):
    """A secretary acts only on their instruments: another instrument's obligation history is not theirs."""
    client = app.test_client()
    login(client, people["secretary"].email)
    assert client.get(SECRETARY_ELSEWHERE[1]).status_code == 404


@pytest.mark.parametrize("role", sorted(SIGNED_IN))
def test_logout_works_for_every_signed_in_role(app, people, role):
    """POST /logout signs anyone out and lands on the sign-in page."""
    client = app.test_client()
    login(client, people[role].email)
    response = _request(client, "POST", "/logout", role)
    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/").location.startswith("/login")


def test_focal_point_of_a_group_reports_for_its_members(db, synced):
    """A focal point of МИО may report for each of the 20 akimats; one of МТСЗН for МТСЗН only."""
    from sqlmodel import select

    from tracker.models import Organization
    from tracker.people.permissions import access_for

    ids = {o.code: o.id for o in db.exec(select(Organization))}
    group = access_for(db, make_user(db, "mio@example.kz", "focal_point", orgs=["МИО"]))
    assert group.can_report_for(ids["АКИМАТ-ШЫМКЕНТ"]) and group.can_report_for(ids["МИО"])
    assert len(group.organization_ids) == 21
    single = access_for(db, make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]))
    assert single.can_report_for(ids["МТСЗН"]) and not single.can_report_for(ids["МЮ"])
    assert not single.can_report_for(ids["АКИМАТ-ШЫМКЕНТ"])


def test_everyones_access_read_at_once_equals_each_read_alone(db, people):
    """A digest run reads every person's reach in a few queries; each equals the one read for that person alone
    (groups, named instruments and a commission's instruments included)."""
    from tracker.people.permissions import accesses_for

    group = make_user(db, "mio@example.kz", "focal_point", orgs=["МИО", "МТСЗН"])
    everyone = [*people.values(), group]
    together = accesses_for(db, everyone)
    assert together == {user.id: access_for(db, user) for user in everyone}
    assert together[people["commission_secretary"].id].secretary_of  # the commission's instruments
    assert len(together[group.id].organization_ids) == 22
