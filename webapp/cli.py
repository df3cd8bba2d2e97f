"""The `kamerzoek` console script: the indexer's commands plus `serve`."""
from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import click

from indexer.cli import (IndexProblem, check_command, cli_engine, engine_option, index_command, index_option,
                         search_command, status_command)
from indexer.clitext import LocalizedGroup, echo


# Commands whose modules are imported only when they run: the harvester brings in `requests`
# and the extractors (half a second), which `kamerzoek search` and `--help` never need.
LAZY_COMMANDS = {
    "harvest": ("indexer.harvest.cli", "harvest_command",
                "Haal officiële publicaties (kamerstukken, bijlagen, handelingen, kamervragen) op bij KOOP's "
                "SRU-dienst."),
}


class _Group(LocalizedGroup):
    """Ends quietly with exit 0 when the reader of standard output goes away (`| head -1`)."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None and name in LAZY_COMMANDS:
            # For the overview of commands: a stand-in with the short help, nothing imported.
            command = click.Command(name, help=LAZY_COMMANDS[name][2])
        return command

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name in LAZY_COMMANDS and name not in self.commands:
            import importlib
            module, attribute, _ = LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().resolve_command(ctx, args)

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
main.add_command(check_command)


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", envvar="KAMERZOEK_HOST", show_default=True, help="Adres om op te luisteren.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, envvar="KAMERZOEK_PORT", show_default=True,
              help="Poort.")
@click.option("--workers", type=click.IntRange(1, 64), envvar="KAMERZOEK_SERVE_WORKERS",
              help="Aantal serverprocessen (of KAMERZOEK_SERVE_WORKERS; standaard: alle kernen).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, envvar="KAMERZOEK_THREADS", show_default=True,
              help="Aantal verwerkingsdraden per serverproces.")
@engine_option
def serve_command(index_dir, host, port, workers, threads, engine_spec):
    """Start de webapp met de productieserver (gunicorn: meerdere processen, elk met draden)."""
    import logging

    from .server import default_workers, serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    cli_engine(engine_spec, index_dir)  # fail early: exit 2 for a bad --engine, 3 when it cannot answer
    serve(index_dir, host=host, port=port, workers=workers or default_workers(), threads=threads,
          engine=engine_spec)
