"""The `kamerzoek` console script: the indexer's commands plus `serve`."""
from __future__ import annotations

import errno
import logging
import os
import sys
from pathlib import Path

import click

from indexer.cli import (IndexProblem, engine_option, index_command, index_option, open_store, search_command,
                         status_command)
from indexer.clitext import LocalizedGroup, echo
from indexer.harvest.cli import harvest_command


class _Group(LocalizedGroup):
    """Ends quietly with exit 0 when the reader of standard output goes away (`| head -1`)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OSError as e:
            if e.errno != errno.EPIPE:
                raise
            # Whatever is still buffered would fail again when Python exits: send it nowhere.
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            raise click.exceptions.Exit(0) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kamerzoek")
def main():
    """Kamerzoek: Nederlandse volledige-tekstzoekmachine voor parlementaire documenten."""


main.add_command(index_command)
main.add_command(status_command)
main.add_command(search_command)
main.add_command(harvest_command)


@main.command("serve")
@index_option
@engine_option
@click.option("--host", default="127.0.0.1", envvar="KAMERZOEK_HOST", show_default=True, help="Adres om op te luisteren.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, envvar="KAMERZOEK_PORT", show_default=True,
              help="Poort.")
@click.option("--workers", type=click.IntRange(1, 64), envvar="KAMERZOEK_SERVE_WORKERS",
              help="Aantal serverprocessen (of KAMERZOEK_SERVE_WORKERS; standaard: alle kernen).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, envvar="KAMERZOEK_THREADS", show_default=True,
              help="Aantal verwerkingsdraden per serverproces.")
def serve_command(index_dir, engine, host, port, workers, threads):
    """Start de webapp met de productieserver (gunicorn: meerdere processen, elk met draden)."""
    from .server import default_workers, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    open_store(index_dir, engine=engine)  # fail early with exit 3 when there is no usable index
    if engine:
        os.environ["KAMERZOEK_ENGINE"] = engine  # the server's worker processes read it in create_app
    serve(index_dir, host=host, port=port, workers=workers or default_workers(), threads=threads)
