"""The command line in one language a run (indexer.i18n decides which).

Help strings, docstrings and messages are written in Dutch; in an English run they are
looked up in indexer.i18n.ENGLISH when the help is formatted, so a command added anywhere
needs no more than its Dutch text and a catalogue entry. Click's own words (Usage, Options,
its error messages) are English in click: in a Dutch run they come from CLICK_DUTCH, through
the `_` (gettext) name each click module uses — the only place that reaches into click.
"""
from __future__ import annotations

import re
from functools import lru_cache

import click

from .i18n import language, translate

#: Click's own messages (English msgids, as in click 8.x) in Dutch.
CLICK_DUTCH = {
    "Usage:": "Gebruik:",
    "Options": "Opties",
    "Commands": "Opdrachten",
    "Positional arguments": "Argumenten",
    "Show this message and exit.": "Toon deze hulp en stop.",
    "Show the version and exit.": "Toon de versie en stop.",
    "%(prog)s, version %(version)s": "%(prog)s, versie %(version)s",
    "Error: {message}": "Fout: {message}",
    "Try '{command} {option}' for help.": "Probeer '{command} {option}' voor hulp.",
    "Invalid value: {message}": "Ongeldige waarde: {message}",
    "Invalid value for {param_hint}: {message}": "Ongeldige waarde voor {param_hint}: {message}",
    "Missing argument": "Ontbrekend argument",
    "Missing option": "Ontbrekende optie",
    "Missing parameter": "Ontbrekende parameter",
    "Missing {param_type}": "Ontbrekend: {param_type}",
    "Missing parameter: {param_name}": "Ontbrekende parameter: {param_name}",
    "No such option {name!r}.": "Onbekende optie {name!r}.",
    "No such option: {name}": "Onbekende optie: {name}",
    "No such command {name!r}.": "Onbekende opdracht {name!r}.",
    "Missing command.": "Geef een opdracht op.",
    "Did you mean {possibility}?": "Bedoelde u {possibility}?",
    "(Possible options: {possibilities})": "(Mogelijke opties: {possibilities})",
    "Option {name!r} requires an argument.": "Optie {name!r} heeft een waarde nodig.",
    "Option {name!r} requires {nargs} arguments.": "Optie {name!r} heeft {nargs} waarden nodig.",
    "Option {name!r} does not take a value.": "Optie {name!r} neemt geen waarde.",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} neemt {nargs} waarden.",
    "Got unexpected extra argument ({args})": "Onverwacht extra argument ({args})",
    "Got unexpected extra arguments ({args})": "Onverwachte extra argumenten ({args})",
    # click fills in its type's English name ("integer range"), so the Dutch names the kind itself.
    "{value!r} is not a valid {number_type}.": "{value!r} is geen geldig getal.",
    "{value} is not in the range {range}.": "{value} ligt niet in het bereik {range}.",
    "{value!r} is not {choice}.": "{value!r} is niet {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} is niet een van {choices}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} bestaat niet.",
    "{name} {filename!r} is a file.": "{name} {filename!r} is een bestand.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} is een map.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} is niet leesbaar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} is niet schrijfbaar.",
    "file": "bestand",
    "directory": "map",
    "path": "pad",
    "integer": "geheel getal",
    "float": "getal",
    "env var: {var}": "omgevingsvariabele: {var}",
    "default: {default}": "standaard: {default}",
    "required": "verplicht",
    "(dynamic)": "(dynamisch)",
    "Aborted!": "Afgebroken!",
    "deprecated": "verouderd",
}
_CLICK_MODULES = ("core", "exceptions", "types", "parser", "formatting", "decorators", "termui", "utils")


def _click_gettext(message: str) -> str:
    return CLICK_DUTCH.get(message, message) if language() == "nl" else message


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return _click_gettext(singular if n == 1 else plural)


def install_click_language() -> None:
    """Let click's own messages follow the run's language (idempotent)."""
    import importlib
    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _click_gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext


def localize(text: str | None) -> str | None:
    """Text as this run shows it: Dutch literals in English runs, click's English in Dutch runs."""
    if text is None:
        return None
    if language() == "en":
        return translate(text, "en")
    return CLICK_DUTCH.get(text, text)


#: Placeholders of the help (metavars, the usage line). Click's own are English; in a Dutch run
#: they are shown in Dutch. The project writes its own in Dutch (metavar="DATUM"); in an English
#: run they are shown in English. Names (HOST, CQL, ENGINE's URL schemes) stay as they are.
PLACEHOLDERS_DUTCH = {
    "OPTIONS": "OPTIES", "COMMAND": "OPDRACHT", "ARGS": "ARGUMENTEN", "DIRECTORY": "MAP", "FOLDER": "MAP",
    "FILE": "BESTAND", "PATH": "PAD", "PATHS": "PADEN", "TEXT": "TEKST", "INTEGER RANGE": "GEHEEL GETAL",
    "INTEGER": "GEHEEL GETAL", "FLOAT RANGE": "GETAL", "FLOAT": "GETAL", "QUERY": "ZOEKVRAAG",
    "ENGINE": "ZOEKMACHINE",
}
PLACEHOLDERS_ENGLISH = {
    "GEHEEL GETAL": "INTEGER", "GETAL": "NUMBER", "DATUM": "DATE", "NUMMER": "NUMBER", "POORT": "PORT",
    "MAP": "DIRECTORY", "ZOEKVRAAG": "QUERY", "ADRES": "ADDRESS",
}


@lru_cache(maxsize=2)
def _placeholder_pattern(lang: str):
    table = PLACEHOLDERS_ENGLISH if lang == "en" else PLACEHOLDERS_DUTCH
    words = sorted(table, key=len, reverse=True)  # INTEGER RANGE before INTEGER
    return table, re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])")


def localize_placeholders(text: str) -> str:
    """The upper-case placeholders of a usage line or an option's term in the run's language."""
    table, pattern = _placeholder_pattern(language())
    return pattern.sub(lambda m: table[m.group(1)], text)


_EXTRA = re.compile(r"^(?P<help>.*?)(?P<extra>\s+\[[^\]]*\])?$", re.DOTALL)


class LocalizedFormatter(click.HelpFormatter):
    """A help formatter that shows every text in the run's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, localize_placeholders(args),
                            prefix=prefix if prefix is not None else localize("Usage:") + " ")

    def write_heading(self, heading: str) -> None:
        super().write_heading(localize(heading))

    def write_text(self, text: str) -> None:
        super().write_text(localize(text))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        out = []
        for term, text in rows:
            m = _EXTRA.match(text or "")
            out.append((localize_placeholders(term), localize(m.group("help")) + (m.group("extra") or "")))
        super().write_dl(out, col_max, col_spacing)


class LocalizedContext(click.Context):
    formatter_class = LocalizedFormatter


def _localize_tree(command: click.Command) -> None:
    command.context_class = LocalizedContext
    for param in command.params:
        # An argument's name in an error ("Ontbrekend argument 'ZOEKVRAAG'") is its metavar.
        # Set for the run's language on every run (tests switch languages in one process).
        if isinstance(param, click.Argument) and param.name and (
                param.metavar is None or getattr(param, "_kz_metavar", False)):
            param.metavar = localize_placeholders(param.name.upper())
            param._kz_metavar = True
    for sub in getattr(command, "commands", {}).values():
        _localize_tree(sub)


class LocalizedGroup(click.Group):
    """The `kamerzoek` group: the help of every command and option in the run's language."""

    context_class = LocalizedContext

    def main(self, *args, **kwargs):
        install_click_language()
        _localize_tree(self)  # commands added by any module, at the moment the run starts
        return super().main(*args, **kwargs)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # Also a command added during the run (one loaded only when it is named, like harvest):
        # its help is formatted after main() localized the tree.
        _localize_tree(cmd)
        super().add_command(cmd, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list with each command's first sentence translated before it is shortened."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            text = localize(command.short_help or (command.help or "").split("\n\n")[0].strip())
            rows.append((name, _first_sentence(text, formatter.width - 6 - max(len(n) for n in self.commands))))
        if rows:
            with formatter.section(localize("Commands")):
                click.HelpFormatter.write_dl(formatter, rows)


def _first_sentence(text: str, limit: int) -> str:
    sentence = text.split(". ")[0].rstrip(".")
    if len(sentence) <= max(limit, 20):
        return sentence
    return sentence[: max(limit, 20) - 3].rsplit(" ", 1)[0] + "..."


def echo(text: str = "", **kwargs) -> None:
    """click.echo in the run's language (a Dutch message is looked up in the catalogue)."""
    click.echo(translate(text) if text else text, **kwargs)
