"""Error pages that say where you are and what to do next."""

from __future__ import annotations

from flask import Flask, render_template


def init_app(app: Flask) -> None:
    """Register the 404 and 500 pages."""

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(500)
    def server_error(_error):
        return render_template("errors/500.html"), 500
