"""One language a run on the command line: Dutch by default, English with KAMERZOEK_LANG=en
(then LC_ALL, LC_MESSAGES, LANG), every command's and option's help included."""
from __future__ import annotations

import os
import re
import subprocess

import click
import pytest
from click.testing import CliRunner

from conftest import kamerzoek_exe
from indexer.i18n import language
from webapp import create_app
from webapp.cli import main

DUTCH = {"KAMERZOEK_LANG": "nl", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}
ENGLISH = {"KAMERZOEK_LANG": "en", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}
# Names and examples, the same in every language: options, metavars, paths, variables, numbers.
NAMES = re.compile(r"--?[\w-]+|\b[A-Z][A-Z_]{2,}\b|/[\w/.-]+|\b\d[\d:T.-]*\b|[^\w\s]+")


def commands(command: click.Command, path: tuple = ("kamerzoek",)):
    """(path, command) for the group and every command under it (lazily loaded ones included)."""
    import importlib

    from webapp.cli import LAZY_COMMANDS
    yield path, command
    subs = dict(getattr(command, "commands", {}))
    if command is main:
        for name, (module, attribute, _) in LAZY_COMMANDS.items():
            subs.setdefault(name, getattr(importlib.import_module(module), attribute))
    for name, sub in subs.items():
        yield from commands(sub, path + (name,))


def strings_of(path: tuple, command: click.Command):
    """The help texts of one command: its help and epilog, every option's help."""
    where = " ".join(path)
    for kind, text in (("help", command.help), ("short_help", command.short_help), ("epilog", command.epilog)):
        if text:
            yield f"{where} ({kind})", text
    # command.params, not get_params(): that would build (and cache) click's own --help option
    # before a run has chosen its language; click's words are checked in the next test.
    for param in command.params:
        if getattr(param, "help", None):
            yield f"{where} {'/'.join(param.opts)}", param.help


def help_strings():
    """Every help text a user can see: commands' help and epilog, every option's help."""
    for path, command in commands(main):
        yield from strings_of(path, command)


def only_names(text: str) -> bool:
    return not re.search(r"[^\W\d_]", NAMES.sub(" ", text))


def rendered(text: str, env: dict) -> str:
    from indexer.clitext import localize
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        return localize(text)


def test_every_help_string_has_its_own_text_in_each_language():
    missing = []
    for where, text in help_strings():
        if only_names(text):
            continue
        if rendered(text, DUTCH) == rendered(text, ENGLISH):
            missing.append(f"{where}: {text!r}")
    assert not missing, ("These help texts look the same in Dutch and English; write them in Dutch and add "
                         "'Dutch': 'English' to ENGLISH in indexer/i18n.py:\n  " + "\n  ".join(missing))


def help_of(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """`kamerzoek ARGS --help` in a process of its own, as a user runs it: a command that is
    loaded only when named (harvest) must then still speak the run's language."""
    done = subprocess.run([kamerzoek_exe(), *args, "--help"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env, "COLUMNS": "100"})
    done.output = done.stdout + done.stderr
    done.exit_code = done.returncode
    return done


# Placeholders that are names, the same in both languages.
PLACEHOLDER_NAMES = re.compile(r"\b(HOST|CQL)\b")


def placeholders(output: str) -> dict[str, str]:
    """The usage line's arguments and each option's term (its names and metavar) of a --help."""
    lines = output.splitlines()
    out = {"usage": lines[0].split("kamerzoek", 1)[1]}
    for line in lines:
        m = re.match(r"^  (-\S.*?)(?:\s{2,}|$)", line)
        if m:
            out[re.search(r"--?[\w-]+", m.group(1)).group(0)] = m.group(1)
    return out


def opening(text: str, words: int = 4) -> str:
    return " ".join(text.split()[:words])


def test_every_command_help_in_both_languages():
    for path, command in commands(main):
        args = list(path[1:])
        nl = help_of(args, DUTCH)
        en = help_of(args, ENGLISH)
        assert nl.exit_code == en.exit_code == 0, (args, nl.output, en.output)
        assert nl.output.startswith("Gebruik: kamerzoek") and "\nOpties:\n" in nl.output, nl.output
        assert en.output.startswith("Usage: kamerzoek") and "\nOptions:\n" in en.output, en.output
        assert "Toon deze hulp en stop." in nl.output and "Show this message and exit." in en.output
        for english_only in ("Show this message", "[default:", "Usage:", "Options:"):
            assert english_only not in nl.output, (args, english_only)
        for dutch_only in ("Toon deze hulp", "[standaard:", "Gebruik:", "Opties:"):
            assert dutch_only not in en.output, (args, dutch_only)
        # Each of the command's own texts as the process shows it: the run's language, not the other.
        shown = {"nl": " ".join(nl.output.split()), "en": " ".join(en.output.split())}
        for where, text in strings_of(path, command):
            if where.endswith("(short_help)"):
                continue  # shown in the overview of commands, checked below
            dutch, english = opening(rendered(text, DUTCH)), opening(rendered(text, ENGLISH))
            assert dutch in shown["nl"], (where, dutch, nl.output)
            assert english in shown["en"], (where, english, en.output)
            if dutch != english:
                assert dutch not in shown["en"], (where, dutch, en.output)
        # The placeholders (the usage line's, each option's metavar) in the run's language too.
        terms = {"nl": placeholders(nl.output), "en": placeholders(en.output)}
        assert terms["nl"].keys() == terms["en"].keys(), (terms, nl.output, en.output)
        for option, dutch in terms["nl"].items():
            english = terms["en"][option]
            if re.search(r"[A-Z]{3,}", PLACEHOLDER_NAMES.sub(" ", dutch)):
                assert dutch != english, (args, option, dutch)
    top = help_of([], ENGLISH).output
    assert re.search(r"\n  search +Search the index and print the best passages per document", top), top


def test_the_language_comes_from_kamerzoek_lang_then_the_locale():
    assert language({}) == "nl"
    assert language({"LANG": "en_GB.UTF-8"}) == "en"
    assert language({"LANG": "en_GB.UTF-8", "LC_MESSAGES": "nl_NL.UTF-8"}) == "nl"
    assert language({"LC_MESSAGES": "nl_NL.UTF-8", "LC_ALL": "en_US.UTF-8"}) == "en"
    assert language({"LC_ALL": "en_US.UTF-8", "KAMERZOEK_LANG": "nl"}) == "nl"
    assert language({"KAMERZOEK_LANG": "en", "LC_ALL": "nl_NL"}) == "en"
    runner = CliRunner()
    assert runner.invoke(main, ["--help"], env={**DUTCH, "KAMERZOEK_LANG": "", "LC_ALL": "en_US.UTF-8"}
                         ).output.startswith("Usage:")


def test_messages_follow_the_language(corpus_index):
    runner = CliRunner()
    nl = runner.invoke(main, ["search", "", "--index", str(corpus_index)], env=DUTCH)
    en = runner.invoke(main, ["search", "", "--index", str(corpus_index)], env=ENGLISH)
    assert nl.exit_code == en.exit_code == 2
    assert nl.output.strip() == "Fout: Geef een zoekvraag op."
    assert en.output.strip() == "Error: Please enter a query."
    en = runner.invoke(main, ["search", "x", "--limit", "99", "--index", str(corpus_index)], env=ENGLISH)
    assert "Error: Invalid value for '--limit': 99 is not in the range 1<=x<=50." in en.output
    nl = runner.invoke(main, ["search", "x", "--limit", "99", "--index", str(corpus_index)], env=DUTCH)
    assert "Fout: Ongeldige waarde voor '--limit': 99 ligt niet in het bereik 1<=x<=50." in nl.output
    en = runner.invoke(main, ["search", "terugkeerders", "--index", str(corpus_index)], env=ENGLISH)
    assert en.exit_code == 0 and re.match(r"8 documents for 'terugkeerders' \(\d+ ms\)", en.output), en.output
    en = runner.invoke(main, ["status", "--index", str(corpus_index)], env=ENGLISH)
    assert "\nDocuments: 11, pages: " in en.output and "\nVersion: schema " in en.output, en.output


def test_click_s_own_errors_name_arguments_and_kinds_in_the_run_s_language(corpus_index):
    """A missing argument is named by its placeholder, a number of the wrong kind by its kind,
    both in the run's language (click fills in English names of its own there)."""
    def error(args, env):
        done = subprocess.run([kamerzoek_exe(), *args], capture_output=True, text=True, timeout=120,
                              env={**os.environ, **env})
        assert done.returncode == 2
        return done.stderr.strip().splitlines()[-1]

    assert error(["search"], DUTCH) == "Fout: Ontbrekend argument 'ZOEKVRAAG'."
    assert error(["search"], ENGLISH) == "Error: Missing argument 'QUERY'."
    bad_limit = ["search", "x", "--limit", "abc", "--index", str(corpus_index)]
    assert error(bad_limit, DUTCH) == "Fout: Ongeldige waarde voor '--limit': 'abc' is geen geldig getal."
    assert error(bad_limit, ENGLISH) == "Error: Invalid value for '--limit': 'abc' is not a valid integer range."


def test_the_web_app_uses_the_same_translations(corpus_index):
    client = create_app({"INDEX_DIR": str(corpus_index)}).test_client()
    assert client.get("/api/search?q=x&from=gisteren&lang=en").get_json()["error"].startswith("Invalid date 'gisteren'")
    assert client.get("/api/search?q=x&from=gisteren").get_json()["error"].startswith("Ongeldige datum 'gisteren'")
