"""The `kamerzoek` console script: the indexer's commands plus `serve`."""
from __future__ import annotations

import logging
from pathlib import Path

import click

from indexer.cli import (IndexProblem, engine_option, index_command, index_option, open_store, search_command,
                         status_command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kamerzoek")
def main():
    """Kamerzoek: Dutch full-text search over parliamentary documents."""


main.add_command(index_command)
main.add_command(status_command)
main.add_command(search_command)


@main.command("serve")
@index_option
@engine_option
@click.option("--host", default="127.0.0.1", envvar="KAMERZOEK_HOST", show_default=True, help="Adres om op te luisteren.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, envvar="KAMERZOEK_PORT", show_default=True,
              help="Poort.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, envvar="KAMERZOEK_THREADS", show_default=True,
              help="Aantal verwerkingsdraden van de server.")
def serve_command(index_dir, engine, host, port, threads):
    """Serve the web app with the production WSGI server (waitress)."""
    from waitress import serve

    from . import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    open_store(index_dir, engine=engine)  # fail early with exit 3 when there is no usable index
    app = create_app({"INDEX_DIR": str(index_dir), "ENGINE": engine})
    # One search before the first visitor: it loads the Dutch lexicon and the other lazy caches
    # (about a second), so nobody's first query pays for that.
    app.test_client().get("/api/search", query_string={"q": "kamerzoek"})
    click.echo(f"Kamerzoek op http://{host}:{port}/ (index {engine or index_dir})", err=True)
    serve(app, host=host, port=port, threads=threads, ident="kamerzoek", clear_untrusted_proxy_headers=True,
          asyncore_use_poll=True)  # poll(): select() fails once descriptors pass 1024
