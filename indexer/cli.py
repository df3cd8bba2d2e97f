"""Thin commands over the indexer: index, status and search.

Exit codes: 0 all well (a search that finds nothing included), 1 some files
unreadable, 2 usage error, bad query or configuration error, 3 the index could
not be opened or written.
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import click

from . import names
# The library is imported inside each command, only what that command needs: `kamerzoek --help`
# and `kamerzoek search` start without the extractors (pdfminer) or the build machinery.
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

from .clitext import echo
from .i18n import translate

EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, EXIT_INDEX = 0, 1, 2, 3


class _Problem(click.ClickException):
    """A one-line Dutch message on stderr, no traceback."""

    def show(self, file=None) -> None:
        echo(f"Fout: {self.format_message()}", err=True)


class UsageProblem(_Problem):
    exit_code = EXIT_USAGE


class IndexProblem(_Problem):
    exit_code = EXIT_INDEX


class _Positive(click.ParamType):
    """A finite number at least `low` (nan and inf would remove a limit), with a Dutch message."""

    def __init__(self, kind: type, low: float, unit: str):
        self.kind, self.low, self.unit = kind, low, unit
        self.name = "getal" if kind is float else "geheel getal"

    def convert(self, value, param, ctx):
        import math
        if isinstance(value, self.kind) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = self.kind(str(value).strip())
            except ValueError:
                raise UsageProblem(f"{self._option(param)}: {value!r} is geen {self.name}") from None
        if not math.isfinite(number) or number < self.low:
            raise UsageProblem(f"{self._option(param)}: {value!r} moet een eindig getal van ten minste "
                               f"{self.low:g} {self.unit} zijn")
        return number

    @staticmethod
    def _option(param) -> str:
        name = (param.opts[0] if param is not None and param.opts else "waarde")
        envvar = getattr(param, "envvar", None)
        return f"{name} (of {envvar})" if envvar else name


def _default_index_dir() -> Path:
    from .store import default_index_dir
    return default_index_dir()


def index_option(f):
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
        envvar="KAMERZOEK_INDEX", default=_default_index_dir, show_default="var/index",
        help="Map van de index (of KAMERZOEK_INDEX).")(f)


def open_store(index_dir: Path, must_exist: bool = True) -> Store:
    from .store import Store, StoreError
    store = Store(index_dir)
    if must_exist:
        try:
            store.open()
        except StoreError as e:
            raise IndexProblem(str(e)) from e
    return store


def engine_option(f):
    return click.option(
        "--engine", "engine_spec", envvar="KAMERZOEK_ENGINE", metavar="ENGINE",
        help="Zoekmachine: whoosh (standaard: de indexmap) of opensearch://HOST:POORT/INDEX; de indexmap houdt dan "
             "de tekstcache en het verslag (of KAMERZOEK_ENGINE).")(f)


def writing_store(index_dir: Path, spec: str | None):
    """The store the build writes through: the index folder, or the engine --engine names
    (whose folder then keeps the text cache, the run report and the run lock)."""
    from . import engines
    try:
        return engines.make_store(index_dir, spec)
    except engines.EngineURLError as e:
        raise UsageProblem(str(e)) from e


def cli_engine(spec: str | None, index_dir: Path):
    """The engine --engine names, ready to answer (exit 2 for a bad name, 3 when it cannot answer)."""
    from .search import EngineConfigError, EngineUnavailable, open_engine

    try:
        engine = open_engine(spec, index_dir)
    except EngineConfigError as e:
        raise UsageProblem(str(e)) from e
    try:
        engine.ready()
    except EngineUnavailable as e:
        raise IndexProblem(str(e)) from e
    return engine


EXIT_CODES_HELP = ("Afsluitcodes: 0 alles gelezen; 1 sommige bestanden onleesbaar (het verslag noemt ze); "
                   "2 verkeerd gebruik of configuratiefout; 3 de index kon niet worden geopend of geschreven "
                   "(ook: een andere indexering loopt al).")


@click.command("index", epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@index_option
@click.option("--workers", type=click.IntRange(1, 64), envvar="KAMERZOEK_WORKERS",
              help="Aantal uitleesprocessen (standaard: alle kernen).")
@click.option("--timeout", type=_Positive(float, 0.1, "seconden"), default=300.0, envvar="KAMERZOEK_TIMEOUT",
              show_default=True, help="Seconden per bestand, ook voor een groot bestand dat in delen wordt gelezen; "
                   "wat binnen de limiet is gelezen, wordt geïndexeerd.")
@click.option("--memory", "memory_mb", type=_Positive(int, 64, "MB"), default=2048, envvar="KAMERZOEK_MEMORY",
              show_default=True, help="Geheugenlimiet per uitleesproces in MB.")
@click.option("--passwords", type=click.Path(dir_okay=False, path_type=Path), envvar="KAMERZOEK_PASSWORDS",
              help="Bestand met per regel 'patroon<TAB>wachtwoord' voor versleutelde PDF's.")
@click.option("--ocr", is_flag=True, help="Herken tekst op gescande pagina's met Tesseract (Nederlands).")
@click.option("--follow-symlinks", is_flag=True, envvar="KAMERZOEK_FOLLOW_SYMLINKS",
              help="Volg ook koppelingen die naar buiten de geïndexeerde mappen leiden.")
@click.option("--rebuild", is_flag=True, help="Bouw de index opnieuw op (uit de tekstcache, zonder opnieuw uit te lezen).")
@click.option("--dry-run", is_flag=True, help="Toon wat er zou worden toegevoegd, gewijzigd en verwijderd.")
@click.option("--wait", is_flag=True, help="Wacht op een andere lopende indexering in plaats van te stoppen.")
@click.option("--quiet", "-q", is_flag=True, help="Geen voortgang en samenvatting; alleen onleesbare bestanden.")
@click.option("--json", "as_json", is_flag=True, help="Druk het verslag af als JSON.")
@click.option("--dask", "dask_address", metavar="tcp://HOST:POORT", envvar="KAMERZOEK_DASK",
              help="Lees de bestanden uit op de workers van een Dask-cluster met deze scheduler "
                   "(of KAMERZOEK_DASK); deze opdracht blijft de enige die de index schrijft.")
@engine_option
def index_command(paths, index_dir, workers, timeout, memory_mb, passwords, ocr, follow_symlinks, rebuild,
                  dry_run, wait, quiet, as_json, dask_address, engine_spec):
    """Indexeer mappen of bestanden: voeg nieuwe documenten toe, werk gewijzigde bij en verwijder verdwenen."""
    from .build import ConfigurationError, Options, build_index, read_passwords
    from .build.dask_executor import ExecutorError
    from .store import RunLockedError, StoreError

    store = writing_store(index_dir, engine_spec)
    try:
        options = Options(workers=workers or 0, timeout=timeout, memory_mb=memory_mb,
                          passwords=read_passwords(passwords) if passwords else {},
                          ocr=ocr, rebuild=rebuild, dry_run=dry_run, follow_symlinks=follow_symlinks,
                          dask=_dask_address(dask_address))
        if not rebuild and store.exists():
            store.check_version()
        show_progress = not (quiet or as_json) and sys.stderr.isatty()
        progress = _Progress() if show_progress else None
        if dry_run:
            # Writes nothing, so it neither takes the lock nor creates the index folder.
            report = build_index(list(paths), store, options)
        else:
            command = "kamerzoek index " + " ".join(str(p) for p in paths)
            try:  # build_index takes the run lock
                report = build_index(list(paths), store, options, progress=progress,
                                     wait=wait, command=command, on_wait=_say_waiting)
            finally:
                if progress:
                    progress.close()
    except ConfigurationError as e:
        raise UsageProblem(str(e)) from e
    except ExecutorError as e:
        raise IndexProblem(str(e)) from e
    except (RunLockedError, StoreError) as e:
        raise IndexProblem(str(e)) from e
    except OSError as e:  # the index folder, its cache or its lock file could not be written
        raise IndexProblem(f"de index in {index_dir} kan niet worden geschreven: "
                           f"{e.strerror or e}{f' ({e.filename})' if e.filename else ''}") from e
    if as_json:
        click.echo(names.dumps(report.as_dict(), indent=2))
    else:
        _print_report(report.as_dict(), store, quiet)
    raise click.exceptions.Exit(report.exit_code)


def _dask_address(address: str | None) -> str:
    """tcp://HOST:PORT (a bare HOST:PORT gets tcp://); anything else is a usage error."""
    if not address:
        return ""
    address = address.strip()
    if "://" not in address:
        address = "tcp://" + address
    if not re.fullmatch(r"(tcp|tls|inproc|ucx|ws|wss)://[^\s/]+(:\d+)?/?", address):
        from .build import ConfigurationError
        raise ConfigurationError(f"--dask verwacht een scheduleradres als tcp://HOST:POORT, niet '{address}'")
    return address.rstrip("/")


def _say_waiting(holder: dict) -> None:
    echo(f"Wacht op de lopende indexering (pid {holder.get('pid', '?')})…", err=True)


def _print_report(report: dict, store: Store, quiet: bool) -> None:
    unreadable = report["unreadable"]
    if not quiet:
        verb = "Zou indexeren" if report["dry_run"] else "Geïndexeerd"
        echo(
            f"{verb}: {len(report['added'])} nieuw, {len(report['changed'])} gewijzigd, "
            f"{len(report['moved'])} verplaatst of gekopieerd, {len(report['removed'])} verwijderd, "
            f"{report['unchanged']} ongewijzigd; {report['ignored']} bestanden genegeerd.")
        if report["dry_run"]:
            for label, key in (("nieuw", "added"), ("gewijzigd", "changed"),
                               ("verplaatst", "moved"), ("verwijderd", "removed")):
                for path in report[key]:
                    click.echo(f"  {label}: {names.shown(path)}")
        else:
            cached = f" ({report['files_from_cache']} uit de tekstcache)" if report["files_from_cache"] else ""
            echo(f"Uitgelezen: {report['documents_indexed']} documenten{cached}, "
                       f"{report['pages_indexed']} pagina's in {report['seconds']:.1f} s.")
            echo(f"Index {names.shown(str(getattr(store, 'url', store.root)))}: {report['documents_total']} documenten, "
                 f"{report['pages_total']} pagina's.")
        for item in report["needs_ocr"]:
            pages = ", ".join(str(p) for p in item["pages"])
            echo(f"Tekstherkenning nodig: {names.shown(item['path'])} (pagina {pages}); gebruik --ocr.")
    if unreadable:
        echo(f"Onleesbaar of onvolledig ({len(unreadable)}):", err=quiet)
        for item in unreadable:
            click.echo(f"  {names.shown(item['path'])}: [{item['reason']}] {item['message']}", err=quiet)


class _Progress:
    """Files, pages, rate and time left on the terminal."""

    def __init__(self) -> None:
        self.bar = None
        self.pages = 0
        self.started = time.monotonic()

    def __call__(self, event: dict) -> None:
        if event["event"] == "executor":
            dashboard = f"; dashboard: {event['dashboard']}" if event.get("dashboard") else ""
            echo(f"Dask-cluster {event['address']}: {event['workers']} workers{dashboard}", err=True)
        elif event["event"] == "plan" and event["files"]:
            self.bar = click.progressbar(length=event["files"], label=translate("Indexeren"), file=sys.stderr,
                                         show_eta=True, show_pos=True,
                                         item_show_func=lambda _: self._status())
            self.bar.__enter__()
        elif event["event"] == "file" and self.bar is not None:
            self.pages += event.get("pages", 0)
            self.bar.update(1, event.get("path"))

    def _status(self) -> str:
        rate = self.pages / max(0.001, time.monotonic() - self.started)
        return f"{self.pages} pagina's, {rate:.1f} p/s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("status")
@index_option
@engine_option
@click.option("--json", "as_json", is_flag=True, help="Als JSON.")
def status_command(index_dir, engine_spec, as_json):
    """Toon wat de index bevat, zijn versie, de laatste run en de bestanden die mislukten."""
    from .reasons import describe
    from .search import EngineUnavailable, status_data

    engine = cli_engine(engine_spec, index_dir)
    try:
        data = status_data(engine)
    except EngineUnavailable as e:
        raise IndexProblem(str(e)) from e
    if as_json:
        click.echo(names.dumps(data, indent=2))
        return
    click.echo(f"Index: {names.shown(data['index'])}")
    echo(f"Documenten: {data['documents']}, pagina's: {data['pages']}, "
               f"grootte: {data['size_bytes'] / 1e6:.1f} MB")
    echo("Formaten: " + ", ".join(f"{k} {v}" for k, v in sorted(data["formats"].items())))
    echo(f"Versie: schema {data['version']['schema']}, analyse {data['version']['analyzer']}")
    check = data.get("last_check")
    if check:
        state = "in orde" if check["ok"] else "beschadigd: " + "; ".join(check["problems"])
        echo(f"Laatst gecontroleerd: {check['checked']} ({state})")
    else:
        echo("Laatst gecontroleerd: nooit (kamerzoek check)")
    run = data["last_run"]
    if run:
        echo(f"Laatste run: {run['started']} – {run['finished']}: {len(run['added'])} nieuw, "
                   f"{len(run['changed'])} gewijzigd, {len(run['removed'])} verwijderd, "
                   f"{len(run['unreadable'])} onleesbaar")
        for item in run["unreadable"]:
            click.echo(f"  {names.shown(item['path'])}: [{item['reason']}] {item['message']}")
    for item in data["needs_ocr"]:
        echo(f"Tekstherkenning nodig: {names.shown(item['path'])} (pagina {', '.join(map(str, item['pages']))})")
    for item in data["stale"]:
        echo(f"Verouderd: {names.shown(item['path'])} ({describe(item.get('reason') or 'stale')})")


@click.command("search")
@click.argument("query")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Antwoord als JSON (dezelfde vorm als /api/search).")
@click.option("--limit", type=click.IntRange(1, 50), default=10, show_default=True, help="Aantal documenten.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True, help="Resultatenpagina.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance",
              show_default=True, help="Volgorde.")
@click.option("--type", "types", multiple=True, help="Alleen dit documenttype (herhaalbaar).")
@click.option("--year", "years", type=int, multiple=True, help="Alleen dit jaar (herhaalbaar).")
@click.option("--dossier", "dossiers", multiple=True, help="Alleen dit dossiernummer (herhaalbaar).")
@click.option("--from", "date_from", metavar="DATUM", help="Vanaf deze datum (JJJJ, JJJJ-MM of JJJJ-MM-DD).")
@click.option("--to", "date_to", metavar="DATUM", help="Tot en met deze datum.")
@click.option("--no-synonyms", is_flag=True, help="Zoek niet ook naar synoniemen en afkortingen.")
@click.option("--since", metavar="DATUM", help="Alleen documenten die sinds deze datum (of dit tijdstip, "
              "bijv. 2026-12-01T06:30) in de index zijn gekomen.")
@click.option("--csv", "as_csv", is_flag=True, help="Antwoord als CSV (een regel per passage, UTF-8 met BOM), "
              "met de herkomst als '# sleutel: waarde'-regels vóór de kopregel.")
@click.option("--all", "every", is_flag=True, help="Alle resultaten in plaats van één pagina, gestreamd "
              "(met voortgang op een terminal); negeert --limit en --page.")
@click.option("--no-provenance", is_flag=True, help="Laat de herkomst (zoekvraag, versies, indexgeneratie) "
              "weg uit --csv en --json.")
@engine_option
def search_command(query, index_dir, as_json, limit, page, sort, types, years, dossiers, date_from, date_to,
                   no_synonyms, since, as_csv, every, no_provenance, engine_spec):
    """Doorzoek de index en toon de beste passages per document."""
    from .search import EngineUnavailable, QueryError, SearchRequest, generation, search, search_all

    if as_json and as_csv:
        raise UsageProblem("kies --json of --csv, niet allebei")
    engine = cli_engine(engine_spec, index_dir)
    arrived = None
    if since:
        from .arrivals import Arrivals
        from .store import Store
        # the arrivals ledger lives beside the index, whatever the engine
        arrived = Arrivals(Store(index_dir).arrivals_file).all()
    request = SearchRequest(q=query, page=page, per_page=limit, sort=sort, types=list(types),
                            years=list(years), dossiers=list(dossiers), date_from=date_from,
                            date_to=date_to, synonyms=not no_synonyms, since=since, arrived=arrived)
    try:
        if every:
            head, documents = search_all(engine, request)
        else:
            head = search(engine, request)
            documents = head.pop("results")
        if as_json or as_csv:
            from . import export as exports  # only for these: a plain search need not import it
        prov = None if no_provenance or not (as_json or as_csv) else \
            exports.provenance(request, head, generation(engine), engine.info().get("last_run"))
        documents = _with_progress(documents, head["total"]) if every else documents
        if as_csv:
            for chunk in exports.csv_lines(exports.passage_rows(documents), prov):
                click.echo(chunk, nl=False)
        elif as_json and every:
            for chunk in exports.json_stream(head, prov, "results", documents, indent=2):
                click.echo(chunk, nl=False)
        elif as_json:
            answer = ({"provenance": prov} if prov else {}) | head | {"results": documents}
            click.echo(names.dumps(answer, indent=2))
        else:
            _print_answer(head, documents)
    except QueryError as e:
        raise UsageProblem(str(e)) from e
    except EngineUnavailable as e:
        raise IndexProblem(str(e)) from e


def _with_progress(documents, total: int):
    """The documents, with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty() or total < 2:
        yield from documents
        return
    with click.progressbar(length=total, label=translate("Exporteren"), file=sys.stderr, show_pos=True) as bar:
        for doc in documents:
            yield doc
            bar.update(1)


def _terminal(markup: str) -> str:
    import html as html_mod
    text = re.sub(r"<mark>(.*?)</mark>", lambda m: click.style(m.group(1), bold=True, underline=True), markup)
    return html_mod.unescape(text)


def _print_answer(answer: dict, documents) -> None:
    for notice in answer["notices"]:
        echo(f"Let op: {notice}")
    for expansion in answer["expansions"]:
        echo(f"Ook gezocht: {', '.join(expansion['added'])} (voor '{expansion['term']}')")
    total = answer["total"]
    noun = "document" if total == 1 else "documenten"
    echo(f"{total} {noun} voor '{answer['query']}' ({answer['took_ms']:.0f} ms)")
    if not total and answer.get("suggestion"):
        echo(f"Bedoelde u: {answer['suggestion']}?")
    first = (answer["page"] - 1) * answer["per_page"]
    for n, doc in enumerate(documents, first + 1):
        facts = [doc["type"]]
        if doc["date"]:
            facts.append(doc["date"])
        if doc["dossier"]:
            facts.append(f"dossier {doc['dossier']}" + (f" nr. {doc['number']}" if doc["number"] else ""))
        if doc["stale"]:
            facts.append("verouderd")
        click.echo("")
        click.echo(f"{n}. {doc['title']} ({', '.join(facts)})")
        click.echo(f"   {names.shown(doc['path'])}")
        for passage in doc["passages"]:
            click.echo(f"   p. {passage['page']}: {_terminal(passage['html'])}")


REBUILD_HINT = "kamerzoek index --rebuild herstelt de index uit de tekstcache (of: kamerzoek check --repair)"


@click.command("check", epilog="Afsluitcodes: 0 de index is in orde; 3 de index is beschadigd of onleesbaar.")
@index_option
@click.option("--repair", is_flag=True, help="Herbouw een beschadigde index uit de tekstcache (kamerzoek index --rebuild).")
@click.option("--json", "as_json", is_flag=True, help="Als JSON.")
def check_command(index_dir, repair, as_json):
    """Vergelijk elk indexbestand met zijn SHA-256-controlegetal en lees elk segment."""
    from .build import ConfigurationError, Options, build_index
    from .store import RunLockedError, Store, StoreError
    store = Store(index_dir)
    if not store.exists():
        raise IndexProblem(f"geen index gevonden in {names.shown(str(index_dir))}; maak er een met: kamerzoek index PAD")
    result = store.check()
    repaired = None
    if repair and not result["ok"]:
        try:
            report = build_index([], store, Options(rebuild=True), command="kamerzoek check --repair")
        except ConfigurationError as e:
            raise UsageProblem(str(e)) from e
        except (RunLockedError, StoreError, OSError) as e:
            raise IndexProblem(f"herstel mislukt: {e}") from e
        repaired = {"documents": report.documents_total, "pages": report.pages_total,
                    "unreadable": len(report.unreadable)}
        result = dict(store.check(), repaired=repaired, damage_before=result["problems"])
    if as_json:
        echo(names.dumps(result, indent=2))
    else:
        if repaired is not None:
            for problem in result["damage_before"]:
                echo(f"Beschadigd was: {problem}")
            echo(f"Hersteld uit de tekstcache: {repaired['documents']} documenten, "
                       f"{repaired['pages']} pagina's.")
        for problem in result["problems"]:
            echo(f"Beschadigd: {problem}", err=True)
        for notice in result["notices"]:
            echo(f"Let op: {notice}")
        if result["ok"]:
            echo(f"Index {names.shown(str(store.root))} in orde: {result['files_checked']} bestanden "
                       f"vergeleken, {result['segments']} segmenten met {result['documents']} records gelezen.")
        else:
            echo(f"Fout: de index in {names.shown(str(store.root))} is beschadigd; {REBUILD_HINT}.", err=True)
    raise click.exceptions.Exit(0 if result["ok"] else EXIT_INDEX)
