"""The Kamerzoek web app: create_app() builds it around one index folder.

Flask and the index are imported inside the functions: the console script `kamerzoek` lives in
this package (webapp.cli), and its commands other than `serve` need neither."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

LOGGER = "kamerzoek.web"  # logging is imported where a request fails: the CLI does not need it

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(test_config: dict | None = None) -> Flask:
    """The application factory: configuration from KAMERZOEK_* variables or test_config."""
    from flask import Flask, g, request

    from indexer.search import open_engine
    from indexer.store import Store, default_index_dir

    from .i18n import translator

    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=str(default_index_dir()),
        ENGINE=os.environ.get("KAMERZOEK_ENGINE"),
        SEARCHER_CHECK_INTERVAL=float(os.environ.get("KAMERZOEK_REFRESH", "1.0")),
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if test_config:
        app.config.update(test_config)
    app.config["DEBUG"] = False
    store = Store(Path(app.config["INDEX_DIR"]))
    app.extensions["kamerzoek_store"] = store
    # Every search, document and status goes through the engine seam (indexer/search/engine.py).
    app.extensions["kamerzoek_engine"] = open_engine(app.config["ENGINE"], Path(app.config["INDEX_DIR"]),
                                                     check_interval=app.config["SEARCHER_CHECK_INTERVAL"])

    from .views import bp
    app.register_blueprint(bp)
    from .pages import bp as pages_bp
    app.register_blueprint(pages_bp)
    from .feed import bp as feed_bp
    app.register_blueprint(feed_bp)

    @app.before_request
    def assign_request_id():
        g.request_id = os.urandom(6).hex()  # 12 hex digits, as uuid4().hex[:12] gave (uuid costs an import)
        g.lang = "en" if request.args.get("lang") == "en" else "nl"
        g.t = translator(g.lang)

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Request-Id"] = g.get("request_id", "")
        return response

    @app.errorhandler(404)
    def not_found(error):
        return _error_page(404, "not_found"), 404

    @app.errorhandler(405)
    def not_allowed(error):
        return _error_page(405, "not_allowed"), 405

    @app.errorhandler(413)
    def too_large(error):
        return _error_page(413, "too_large"), 413

    @app.errorhandler(Exception)
    def unexpected(error):
        from werkzeug.exceptions import HTTPException
        if isinstance(error, HTTPException):
            return _error_page(error.code or 500, "unexpected"), error.code or 500
        import logging
        logging.getLogger(LOGGER).exception("request %s failed: %s %s", g.get("request_id"), request.method, request.path)
        return _error_page(500, "unexpected"), 500

    return app


def _error_page(status: int, key: str):
    from flask import g, render_template, request

    from .i18n import translator

    if request.path.startswith("/api/") or request.path.startswith("/export"):
        from flask import jsonify
        t = g.get("t") or translator("nl")
        return jsonify({"error": t(f"error_{key}"), "request_id": g.get("request_id")})
    return render_template("error.html", status=status, key=key)
