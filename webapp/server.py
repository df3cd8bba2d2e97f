"""`kamerzoek serve`: the web app behind gunicorn, several pre-forked processes with threads each.

The master loads the app once (the Dutch lexicon, the synonyms, the templates) and answers one
search before it forks, so the workers share those pages with it and nobody's first query pays
for loading them. Index files are never opened in the master for the workers' use: a file
descriptor inherited across fork shares its read offset between processes, so each worker
opens its own searchers after the fork and follows new commits by itself (SearcherPool).
"""
from __future__ import annotations

import gc
import logging
import os
import sys

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker

log = logging.getLogger("kamerzoek.serve")

ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms pid=%(p)s'


def default_workers() -> int:
    """One process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class KamerzoekServer(BaseApplication):
    """gunicorn's pre-forking arbiter with gthread workers around create_app()."""

    def __init__(self, index_dir: str, host: str, port: int, workers: int, threads: int,
                 engine: str | None = None):
        self.index_dir = str(index_dir)
        self.engine = engine
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "webapp.server.KamerzoekWorker",
            "limit_request_line": 8190,   # gunicorn's largest; a longer request is answered in Dutch
            "preload_app": True,
            # A worker whose main loop stops answering the arbiter for this long is replaced;
            # requests run in its threads, so a long search does not count against it.
            "timeout": 30,
            "graceful_timeout": 10,
            "keepalive": 5,
            "proc_name": "kamerzoek",
            "control_socket_disable": True,   # no shared ~/.gunicorn/gunicorn.ctl between servers
            "errorlog": "-",
            "loglevel": "info",
            "accesslog": os.environ.get("KAMERZOEK_ACCESS_LOG") or None,
            "access_log_format": ACCESS_LOG_FORMAT,
            "forwarded_allow_ips": "",   # never trust X-Forwarded-* (as waitress's clear_untrusted_proxy_headers)
            "when_ready": _when_ready,
            "post_fork": _post_fork,
        }
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        from indexer.analysis import lexicon

        from . import create_app

        # The whole lexicon in the master: the workers share its pages instead of each loading it.
        lexicon().load_all()
        app = create_app({"INDEX_DIR": self.index_dir, "ENGINE": self.engine})
        # One search before the first visitor: it loads the Dutch lexicon and the other lazy caches.
        app.test_client().get("/api/search", query_string={"q": "kamerzoek"})
        # The warm-up's searcher and index handle stay behind in the master; workers open their own.
        app.extensions["kamerzoek_engine"].reset()
        app.extensions["kamerzoek_store"].close()
        # Objects made so far are never collected: the collector would otherwise touch (and so
        # copy) their pages in every worker.
        gc.collect()
        gc.freeze()
        return app


TOO_LONG = ("De aanvraag is te lang. Een zoekvraag mag hoogstens 500 tekens hebben; "
            "maak de zoekvraag korter.")


class KamerzoekWorker(ThreadWorker):
    """gunicorn's threaded worker, answering an over-long request line or header with a 400
    and a Dutch sentence (with the same security headers as every page) instead of its own 414."""

    def handle_error(self, req, client, addr, exc):
        if not isinstance(exc, (LimitRequestLine, LimitRequestHeaders)):
            return super().handle_error(req, client, addr, exc)
        from . import CSP
        self.log.warning("Te lange aanvraag van %s: %s", (addr or ("?",))[0], str(exc)[:200])
        body = ("<!doctype html><html lang=\"nl\"><meta charset=\"utf-8\"><title>Kamerzoek</title>"
                f"<p>{TOO_LONG}</p></html>").encode("utf-8")
        head = ("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                "Content-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nContent-Security-Policy: {CSP}\r\n"
                "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: same-origin\r\n\r\n")
        try:
            util.write_nonblock(client, head.encode("latin-1") + body)
        except OSError:
            self.log.debug("the client went away before the answer")


def _when_ready(server) -> None:
    for listener in server.LISTENERS:
        host, port = listener.getsockname()[:2]
        server.log.info("Kamerzoek op http://%s:%d/ (%d processen, %d draden elk)",
                        host, port, server.cfg.workers, server.cfg.threads)


def _post_fork(server, worker) -> None:
    app = server.app.callable
    if app is not None:
        app.extensions["kamerzoek_engine"].reset()
        app.extensions["kamerzoek_store"].close()


def serve(index_dir, host: str, port: int, workers: int, threads: int, engine: str | None = None) -> None:
    """Run the server until it is stopped (SIGTERM or SIGINT end it gracefully)."""
    sys.argv = sys.argv[:1]  # gunicorn reads its own command line otherwise
    KamerzoekServer(index_dir, host, port, workers, threads, engine).run()
