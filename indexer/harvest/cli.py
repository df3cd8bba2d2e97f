"""`kamerzoek harvest`: fetch official publications into a folder, optionally index them."""
from __future__ import annotations

import re
import sys
from calendar import monthrange
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import click

from ..cli import EXIT_INDEX, IndexProblem, UsageProblem
from .. import names
from ..clitext import echo
# The HTTP client, the harvester and the build are imported inside the command, so that
# `kamerzoek --help` and `kamerzoek search` start without them.
from .sru import DEFAULT_BASE_URL, DEFAULT_FORMATS, FORMATS, TYPE_QUERIES

HELP_EPILOG = (
    "Voorbeeld: kamerzoek harvest archief --dossier 29754 --index var/index. "
    "Een volgende run vraagt alleen wat sinds de vorige geslaagde run is gewijzigd (met een dag overlap). "
    "Afsluitcodes: 0 alles opgehaald; 1 sommige documenten ontbreken of konden niet worden opgehaald, "
    "of de run stopte bij een onverwacht antwoord (het verslag noemt ze); 2 verkeerd gebruik of een "
    "zoekvraag die de dienst afwijst; 3 de dienst gaf geen antwoord voordat er iets binnen was, "
    "of de map of de index kon niet worden geschreven.")


def _date(value: str | None, end: bool, option: str) -> date | None:
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", value)
    try:
        if not m:
            raise ValueError
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if day:
            return date(year, int(month), int(day))
        if month:
            return date(year, int(month), monthrange(year, int(month))[1] if end else 1)
        return date(year, 12, 31) if end else date(year, 1, 1)
    except ValueError:
        raise UsageProblem(f"{option} verwacht een datum als JJJJ, JJJJ-MM of JJJJ-MM-DD, niet '{value}'") from None


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if not chosen or unknown:
        raise UsageProblem(f"--formats kent {', '.join(FORMATS)}; niet: {', '.join(unknown) or '(leeg)'}")
    return chosen


@click.command("harvest", epilog=HELP_EPILOG)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--dossier", "dossiers", multiple=True, metavar="NUMMER",
              help="Dossiernummer, met de bijlagen (herhaalbaar), bijvoorbeeld 29754.")
@click.option("--type", "types", multiple=True, type=click.Choice(sorted(TYPE_QUERIES)),
              help="Soort publicatie (herhaalbaar); kamerstuk omvat de bijlagen.")
@click.option("--from", "date_from", metavar="DATUM", help="Gepubliceerd vanaf deze datum (JJJJ[-MM[-DD]]).")
@click.option("--to", "date_to", metavar="DATUM", help="Gepubliceerd tot en met deze datum.")
@click.option("--query", metavar="CQL", help="Extra CQL-voorwaarde, bijvoorbeeld 'w.vergaderjaar==2021-2022'.")
@click.option("--formats", default=",".join(DEFAULT_FORMATS), show_default=True,
              help=f"Welke vormen ophalen, met komma's ({', '.join(FORMATS)}); het metadatarecord altijd.")
@click.option("--rate", type=click.FloatRange(0.01, 50), default=2.0, envvar="KAMERZOEK_HARVEST_RATE",
              show_default=True, help="Hoogstens zoveel verzoeken per seconde (of KAMERZOEK_HARVEST_RATE).")
@click.option("--connections", type=click.IntRange(1, 2), default=2, envvar="KAMERZOEK_HARVEST_CONNECTIONS",
              show_default=True,
              help="Hoogstens zoveel verbindingen tegelijk (1 of 2; of KAMERZOEK_HARVEST_CONNECTIONS).")
@click.option("--contact", default="", envvar="KAMERZOEK_HARVEST_CONTACT", metavar="ADRES",
              help="Een e-mailadres of URL in de User-Agent, zodat de beheerders van de dienst u kunnen "
                   "bereiken (of KAMERZOEK_HARVEST_CONTACT).")
@click.option("--max-size", "max_mb", type=click.FloatRange(0.001), default=200.0, show_default=True,
              help="Grootste bestand in MB; een groter bestand wordt overgeslagen en gemeld.")
@click.option("--timeout", type=click.FloatRange(0.05), default=30.0, show_default=True,
              help="Seconden wachten op verbinding en op elk deel van een antwoord.")
@click.option("--retries", "tries", type=click.IntRange(1, 20), default=5, show_default=True,
              help="Pogingen per verzoek (de eerste meegeteld) bij verbindingsfouten, 429 en 5xx.")
@click.option("--backoff", type=click.FloatRange(0), default=1.0, show_default=True,
              help="Seconden voor de eerste herhaling; verdubbelt elke keer (met toeval), Retry-After gaat voor.")
@click.option("--base-url", default=DEFAULT_BASE_URL, envvar="KAMERZOEK_SRU_URL", show_default=True,
              help="Het SRU-adres (of KAMERZOEK_SRU_URL): een spiegel of een testserver.")
@click.option("--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Indexeer na het ophalen de map in deze index.")
@click.option("--dry-run", is_flag=True, help="Toon wat er zou worden opgehaald, zonder iets op te halen.")
@click.option("--quiet", "-q", is_flag=True, help="Geen samenvatting; alleen wat ontbreekt of misging.")
@click.option("--json", "as_json", is_flag=True, help="Druk het verslag af als JSON.")
def harvest_command(folder, dossiers, types, date_from, date_to, query, formats, rate, connections, contact,
                    max_mb, timeout, tries, backoff, base_url, index_dir, dry_run, quiet, as_json):
    """Haal officiële publicaties (kamerstukken, bijlagen, handelingen, kamervragen) op bij KOOP's SRU-dienst."""
    from .client import Settings, user_agent
    from .run import HarvestError, HarvestOptions, QueryRejectedError, harvest

    if not (dossiers or types or (query and query.strip())):
        raise UsageProblem("geef ten minste --dossier, --type of --query op (anders zou alles worden opgehaald)")
    parsed = urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageProblem(f"--base-url moet een http(s)-adres zijn, niet '{base_url}'")
    if contact and not re.fullmatch(r"[\x20-\x7e]+", contact):
        raise UsageProblem(f"--contact mag alleen gewone ASCII-tekens bevatten (het staat in de User-Agent), "
                           f"niet '{contact}'")
    if folder.exists() and not folder.is_dir():
        raise UsageProblem(f"{folder} is geen map")
    options = HarvestOptions(
        dossiers=list(dossiers), types=list(types),
        date_from=_date(date_from, False, "--from"), date_to=_date(date_to, True, "--to"),
        query=query, formats=_formats(formats), base_url=base_url, dry_run=dry_run,
        settings=Settings(rate=rate, timeout=timeout, tries=tries, backoff=backoff, connections=connections,
                          max_bytes=int(max_mb * 1_000_000), user_agent=user_agent(contact)))
    progress = _Progress() if not (quiet or as_json) and sys.stderr.isatty() else None
    try:
        report = harvest(folder, options, progress=progress)
    except QueryRejectedError as e:
        raise UsageProblem(str(e)) from e
    except HarvestError as e:
        raise IndexProblem(str(e)) from e
    finally:
        if progress:
            progress.close()
    data = report.as_dict()
    exit_code = report.exit_code
    index_report = None
    if index_dir is not None and not dry_run and exit_code != 3:
        index_report, index_error = _index(folder, index_dir)
        if index_error:
            data["index_error"] = index_error
            exit_code = EXIT_INDEX
        else:
            exit_code = max(exit_code, index_report.exit_code)
    data["index"] = index_report.as_dict() if index_report else None
    data["exit_code"] = exit_code
    if as_json:
        click.echo(names.dumps(data, indent=2))
    else:
        _print(data, quiet)
    if data["stopped"]:
        echo(f"Fout: {data['stopped']}; de run is gestopt met wat binnen was.", err=True)
    if data.get("index_error"):
        echo(f"Fout: {data['index_error']}", err=True)
    raise click.exceptions.Exit(exit_code)


def _index(folder: Path, index_dir: Path):
    """Index the harvest folder (only new and changed files are read); (report, error sentence)."""
    from ..build import ConfigurationError, Options, build_index
    from ..store import RunLockedError, Store, StoreError

    if not folder.is_dir():
        return None, None
    # Imported here: every `kamerzoek` command loads this module, only this one builds.
    from ..build import ConfigurationError, Options, build_index
    from ..store import RunLockedError, Store, StoreError

    store = Store(index_dir)
    try:
        if store.exists():
            store.check_version()
        # build_index takes the index's run lock; a nightly harvest waits for a run that holds it.
        return build_index([folder], store, Options(), wait=True,
                           command=f"kamerzoek harvest {folder} --index {index_dir}"), None
    except ConfigurationError as e:
        return None, str(e)
    except (RunLockedError, StoreError) as e:
        return None, str(e)
    except OSError as e:
        return None, (f"de index in {index_dir} kan niet worden geschreven: {e.strerror or e}"
                      f"{f' ({e.filename})' if e.filename else ''}")


def _print(data: dict, quiet: bool) -> None:
    from .client import size_text

    if not quiet:
        verb = "Zou ophalen" if data["dry_run"] else "Opgehaald"
        since = f" (gewijzigd sinds {data['since']})" if data["since"] else ""
        echo(f"{verb} uit {data['service']}{since}: {len(data['added'])} nieuw, "
                   f"{len(data['replaced'])} vervangen, {data['unchanged']} ongewijzigd; "
                   f"{data['records']} publicaties op {data['pages']} zoekpagina's, {data['requests']} verzoeken, "
                   f"{size_text(data['bytes'])} in {data['seconds']:.1f} s.")
        for label, key in (("nieuw", "added"), ("vervangen", "replaced")):
            for path in data[key]:
                echo(f"  {label}: {path}")
        for item in data["skipped"]:
            echo(f"  overgeslagen: {item['identifier']}: {item['message']}")
        index = data.get("index")
        if index:
            echo(f"Geïndexeerd: {len(index['added'])} nieuw, {len(index['changed'])} gewijzigd, "
                       f"{len(index['removed'])} verwijderd; index {index['documents_total']} documenten.")
    for label, key in (("Ontbreekt", "missing"), ("Mislukt", "failed")):
        if data[key]:
            echo(f"{label} ({len(data[key])}):", err=True)
            for item in data[key]:
                echo(f"  {item['path']}: {item['message']}", err=True)
    index = data.get("index")
    if index and index["unreadable"]:
        echo(f"Onleesbaar of onvolledig ({len(index['unreadable'])}):", err=True)
        for item in index["unreadable"]:
            echo(f"  {item['path']}: [{item['reason']}] {item['message']}", err=True)


class _Progress:
    """One line on the terminal: pages, publications and files so far."""

    def __init__(self) -> None:
        self.pages = self.records = self.files = 0
        self.total = 0

    def __call__(self, event: dict) -> None:
        if event["event"] == "page":
            self.pages += 1
            self.records += event["records"]
            self.total = event["total"]
        elif event["event"] == "file":
            self.files += 1
        from ..i18n import translate
        click.echo("\r" + translate(f"Ophalen: pagina {self.pages}, {self.records} van {self.total} publicaties, "
                                     f"{self.files} bestanden binnen"), nl=False, err=True)

    def close(self) -> None:
        if self.pages:
            echo("", err=True)
