"""Mindet: a tracker of the obligations in Kazakhstan's tripartite roadmaps and agreements."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from . import config as config_module

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration → database → i18n → templates → blueprints → CLI. Nothing runs at import."""
    app = Flask(__name__, instance_relative_config=True, template_folder=str(TEMPLATES))
    app.config.update(config_module.load_config(Path(app.instance_path), overrides))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from . import cli, db, i18n, text
    from .views import catalog, errors

    db.init_app(app)
    i18n.init_app(app)
    text.init_app(app)
    app.register_blueprint(catalog.bp)
    errors.init_app(app)
    cli.init_app(app)
    return app
