"""The application factory: configuration → database → security → auth → i18n → blueprints → CLI."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from flask_openapi3 import Info

from tracker import config as config_module

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
API_DESCRIPTION = ("Obligations of Kazakhstan's tripartite roadmaps and agreements: catalog, reports, evidence, "
                   "overdue list. Authenticate with a personal access token (Authorization: Bearer mdt_…); errors "
                   "are RFC 9457 problem details.")


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration → database → security → auth → i18n → blueprints → CLI. Nothing runs at import."""
    # TRACKER_INSTANCE_PATH moves the instance folder (SQLite database, secret key, evidence, clock log)
    instance = os.environ.get("TRACKER_INSTANCE_PATH")
    from tracker.api import SECURITY_SCHEMES, DocumentedOpenAPI
    from tracker.api.problems import validation_problem
    from tracker.api.schemas import ProblemDetails

    # flask-openapi3's Flask: the JSON API's routes are declared with pydantic models, from which it builds the
    # OpenAPI 3.1 document (/api/v1/openapi.json) and validates requests; every other blueprint is plain Flask
    app = DocumentedOpenAPI("tracker", instance_relative_config=True, template_folder=str(TEMPLATES),
                            instance_path=str(Path(instance).resolve()) if instance else None,
                            info=Info(title="Mindet API", version="1", description=API_DESCRIPTION),
                            security_schemes=SECURITY_SCHEMES, doc_prefix="/api/v1", doc_url="/openapi.json",
                            validation_error_status=422, validation_error_model=ProblemDetails,
                            validation_error_callback=validation_problem)
    app.config.update(config_module.load_config(Path(app.instance_path), overrides))

    from tracker import api, db, logs, metrics, server_timing, text
    from tracker.cli import register_commands
    from tracker.web import access, audit_words, auth, i18n, indicator_pages, inputs, security
    from tracker.web.views import (
        account,
        admin,
        audit,
        calendar,
        catalog,
        commissions,
        dashboards,
        errors,
        imports,
        indicators,
        meeting,
        open_data,
        people,
        prepared,
        public,
        reports,
        requests,
        review,
    )

    logs.init_app(app)
    metrics.init_app(app)
    db.init_app(app)
    server_timing.init_app(app)
    inputs.init_app(app)  # before the blueprints: their <int:…> rules use its converter
    security.init_app(app)
    auth.init_app(app)
    access.init_app(app)
    i18n.init_app(app)
    text.init_app(app)
    audit_words.init_app(app)
    indicator_pages.init_app(app)
    for blueprint in (catalog.bp, people.bp, audit.bp, account.bp, admin.bp, reports.bp, review.bp, dashboards.bp,
                      meeting.bp, commissions.bp, calendar.bp, public.bp, imports.bp, requests.bp,
                      indicators.bp, open_data.bp, prepared.bp):
        app.register_blueprint(blueprint)
    api.init_app(app)
    errors.init_app(app)
    register_commands(app)
    return app
