"""One language a run: Dutch text as written in the code, English from this catalogue.

User-facing text is written in Dutch where it is used (help strings, messages, library
errors). `translate(text, "en")` looks the Dutch text up in `ENGLISH`; a message with
variable parts is found through `PATTERNS`, where `{}` stands for any text that is carried
over unchanged. Missing entries fall back to the Dutch text, and the help test
(`tests/test_language.py`) names every help string that has none.

To add a string: write it in Dutch where it is used and add `"Dutch": "English"` to ENGLISH
(or a pattern to PATTERNS when it has variable parts). No Flask here: the command line
(indexer.clitext) and the web app (webapp.i18n) use the same catalogue.

The command line's language: KAMERZOEK_LANG (`nl`, the default, or `en`), else the first of
LC_ALL, LC_MESSAGES and LANG that is set; a value starting with `en` means English.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

LANGUAGES = ("nl", "en")


def language(environ=None) -> str:
    """`nl` or `en` for this run, from KAMERZOEK_LANG, LC_ALL, LC_MESSAGES or LANG."""
    environ = os.environ if environ is None else environ
    for name in ("KAMERZOEK_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (environ.get(name) or "").strip().lower()
        if value:
            return "en" if value.startswith("en") else "nl"
    return "nl"


def translate(text: str, lang: str | None = None) -> str:
    """The text in `lang` (default: this run's language); Dutch text is the key."""
    if text is None or (lang or language()) != "en":
        return text
    found = ENGLISH.get(text)
    if found is not None:
        return found
    stripped = text.strip()
    if stripped != text and stripped in ENGLISH:
        return text.replace(stripped, ENGLISH[stripped])
    for pattern, english in _patterns():
        m = pattern.fullmatch(text)
        if m:
            return english.format(*(translate(g, "en") for g in m.groups()))
    return text


def has_translation(text: str) -> bool:
    return translate(text, "en") != text


@lru_cache(maxsize=1)
def _patterns():
    out = []
    for dutch, english in PATTERNS.items():
        regex = "(.+?)".join(re.escape(part) for part in dutch.split("{}"))
        out.append((re.compile(regex, re.DOTALL), english))
    return out


# -- the catalogue: Dutch -> English ----------------------------------------------------------
ENGLISH: dict[str, str] = {
    # the commands
    "Kamerzoek: Nederlandse volledige-tekstzoekmachine voor parlementaire documenten.":
        "Kamerzoek: Dutch full-text search over parliamentary documents.",
    "Indexeer mappen of bestanden: voeg nieuwe documenten toe, werk gewijzigde bij en verwijder verdwenen.":
        "Index folders or files: add new, update changed and remove deleted documents.",
    "Toon wat de index bevat, zijn versie, de laatste run en de bestanden die mislukten.":
        "Show what the index holds, its version, the last run and the files that failed.",
    "Doorzoek de index en toon de beste passages per document.":
        "Search the index and print the best passages per document.",
    "Start de webapp met de productieserver (waitress).":
        "Serve the web app with the production WSGI server (waitress).",
    # options
    "Toon de versie en stop.": "Show the version and exit.",
    "Toon deze hulp en stop.": "Show this message and exit.",
    "Map van de index (of KAMERZOEK_INDEX).": "Index folder (or KAMERZOEK_INDEX).",
    "Aantal uitleesprocessen (standaard: alle kernen).": "Number of extraction processes (default: all cores).",
    "Seconden per bestand; een deel van een groot bestand krijgt zijn aandeel.":
        "Seconds per file; a part of a big file gets its share.",
    "Geheugenlimiet per uitleesproces in MB.": "Memory limit per extraction process in MB.",
    "Bestand met per regel 'patroon<TAB>wachtwoord' voor versleutelde PDF's.":
        "File with one 'pattern<TAB>password' a line for encrypted PDFs.",
    "Herken tekst op gescande pagina's met Tesseract (Nederlands).":
        "Recognise the text of scanned pages with Tesseract (Dutch).",
    "Bouw de index opnieuw op (uit de tekstcache, zonder opnieuw uit te lezen).":
        "Rebuild the index (from the text cache, without extracting again).",
    "Toon wat er zou worden toegevoegd, gewijzigd en verwijderd.": "Show what would be added, changed and removed.",
    "Wacht op een andere lopende indexering in plaats van te stoppen.":
        "Wait for another running indexing run instead of stopping.",
    "Geen voortgang en samenvatting; alleen onleesbare bestanden.":
        "No progress and summary; only unreadable files.",
    "Druk het verslag af als JSON.": "Print the report as JSON.",
    "Afsluitcodes: 0 alles gelezen; 1 sommige bestanden onleesbaar (het verslag noemt ze); "
    "2 verkeerd gebruik of configuratiefout; 3 de index kon niet worden geopend of geschreven "
    "(ook: een andere indexering loopt al).":
        "Exit codes: 0 everything read; 1 some files unreadable (the report lists them); "
        "2 usage or configuration error; 3 the index could not be opened or written "
        "(also: another indexing run is going on).",
    "Als JSON.": "As JSON.",
    "Antwoord als JSON (dezelfde vorm als /api/search).": "Answer as JSON (the same shape as /api/search).",
    "Aantal documenten.": "Number of documents.",
    "Resultatenpagina.": "Results page.",
    "Volgorde.": "Order.",
    "Alleen dit documenttype (herhaalbaar).": "Only this document type (repeatable).",
    "Alleen dit jaar (herhaalbaar).": "Only this year (repeatable).",
    "Alleen dit dossiernummer (herhaalbaar).": "Only this dossier number (repeatable).",
    "Vanaf deze datum (JJJJ, JJJJ-MM of JJJJ-MM-DD).": "From this date (YYYY, YYYY-MM or YYYY-MM-DD).",
    "Tot en met deze datum.": "Up to and including this date.",
    "Zoek niet ook naar synoniemen en afkortingen.": "Do not also search for synonyms and abbreviations.",
    "Alleen documenten die sinds deze datum (of dit tijdstip, bijv. 2026-12-01T06:30) in de index zijn gekomen.":
        "Only documents that entered the index since this date (or this moment, e.g. 2026-12-01T06:30).",
    "Antwoord als CSV (een regel per passage, UTF-8 met BOM), met de herkomst als '# sleutel: waarde'-regels "
    "vóór de kopregel.":
        "Answer as CSV (one row per passage, UTF-8 with BOM), with the provenance as '# key: value' lines "
        "before the header row.",
    "Alle resultaten in plaats van één pagina, gestreamd (met voortgang op een terminal); negeert --limit en --page.":
        "Every result instead of one page, streamed (with progress on a terminal); ignores --limit and --page.",
    "Laat de herkomst (zoekvraag, versies, indexgeneratie) weg uit --csv en --json.":
        "Leave the provenance (query, versions, index generation) out of --csv and --json.",
    "Adres om op te luisteren.": "Address to listen on.",
    "Poort.": "Port.",
    "Aantal verwerkingsdraden van de server.": "Number of the server's worker threads.",
    "Seconden per bestand, ook voor een groot bestand dat in delen wordt gelezen; wat binnen de limiet is "
    "gelezen, wordt geïndexeerd.":
        "Seconds per file, also for a big file read in parts; what was read within the limit is indexed.",
    "Lees de bestanden uit op de workers van een Dask-cluster met deze scheduler (of KAMERZOEK_DASK); deze "
    "opdracht blijft de enige die de index schrijft.":
        "Extract the files on the workers of a Dask cluster with this scheduler (or KAMERZOEK_DASK); this "
        "command stays the only one that writes the index.",
    # kamerzoek check
    "Vergelijk elk indexbestand met zijn SHA-256-controlegetal en lees elk segment.":
        "Verify every index file against its SHA-256 checksum and read every segment.",
    "Herbouw een beschadigde index uit de tekstcache (kamerzoek index --rebuild).":
        "Rebuild a damaged index from the text cache (kamerzoek index --rebuild).",
    "Afsluitcodes: 0 de index is in orde; 3 de index is beschadigd of onleesbaar.":
        "Exit codes: 0 the index is intact; 3 the index is damaged or unreadable.",
    # options other helpers add (index --follow-symlinks, --engine, harvest, serve --workers)
    "Volg ook koppelingen die naar buiten de geïndexeerde mappen leiden.":
        "Also follow links that lead outside the indexed folders.",
    "Zoekmachine: whoosh (standaard: de indexmap) of opensearch://HOST:POORT/INDEX; de indexmap houdt dan "
    "de tekstcache en het verslag (of KAMERZOEK_ENGINE).":
        "Search engine: whoosh (default: the index folder) or opensearch://HOST:PORT/INDEX; the index folder "
        "then holds the text cache and the report (or KAMERZOEK_ENGINE).",
    "Haal officiële publicaties (kamerstukken, bijlagen, handelingen, kamervragen) op bij KOOP's SRU-dienst.":
        "Fetch official publications (parliamentary papers, appendices, proceedings, questions) from KOOP's "
        "SRU service.",
    "Voorbeeld: kamerzoek harvest archief --dossier 29754 --index var/index. Een volgende run vraagt alleen wat "
    "sinds de vorige geslaagde run is gewijzigd (met een dag overlap). Afsluitcodes: 0 alles opgehaald; 1 sommige "
    "documenten ontbreken of konden niet worden opgehaald, of de run stopte bij een onverwacht antwoord (het "
    "verslag noemt ze); 2 verkeerd gebruik of een zoekvraag die de dienst afwijst; 3 de dienst gaf geen antwoord "
    "voordat er iets binnen was, of de map of de index kon niet worden geschreven.":
        "Example: kamerzoek harvest archief --dossier 29754 --index var/index. A later run asks only for what "
        "changed since the previous successful run (with a day's overlap). Exit codes: 0 everything fetched; "
        "1 some documents are missing or could not be fetched, or the run stopped at an unexpected answer (the "
        "report lists them); 2 usage error or a query the service rejects; 3 the service did not answer before "
        "anything came in, or the folder or the index could not be written.",
    "Dossiernummer, met de bijlagen (herhaalbaar), bijvoorbeeld 29754.":
        "Dossier number, with its appendices (repeatable), for example 29754.",
    "Soort publicatie (herhaalbaar); kamerstuk omvat de bijlagen.":
        "Kind of publication (repeatable); kamerstuk includes the appendices.",
    "Gepubliceerd vanaf deze datum (JJJJ[-MM[-DD]]).": "Published from this date (YYYY[-MM[-DD]]).",
    "Gepubliceerd tot en met deze datum.": "Published up to and including this date.",
    "Extra CQL-voorwaarde, bijvoorbeeld 'w.vergaderjaar==2021-2022'.":
        "An extra CQL condition, for example 'w.vergaderjaar==2021-2022'.",
    "Hoogstens zoveel verzoeken per seconde (of KAMERZOEK_HARVEST_RATE).":
        "At most this many requests a second (or KAMERZOEK_HARVEST_RATE).",
    "Hoogstens zoveel verbindingen tegelijk (1 of 2; of KAMERZOEK_HARVEST_CONNECTIONS).":
        "At most this many connections at once (1 or 2; or KAMERZOEK_HARVEST_CONNECTIONS).",
    "Een e-mailadres of URL in de User-Agent, zodat de beheerders van de dienst u kunnen bereiken "
    "(of KAMERZOEK_HARVEST_CONTACT).":
        "An e-mail address or URL in the User-Agent, so that the service's administrators can reach you "
        "(or KAMERZOEK_HARVEST_CONTACT).",
    "Grootste bestand in MB; een groter bestand wordt overgeslagen en gemeld.":
        "Largest file in MB; a larger file is skipped and reported.",
    "Seconden wachten op verbinding en op elk deel van een antwoord.":
        "Seconds to wait for a connection and for each part of an answer.",
    "Pogingen per verzoek (de eerste meegeteld) bij verbindingsfouten, 429 en 5xx.":
        "Attempts per request (the first included) on connection errors, 429 and 5xx.",
    "Seconden voor de eerste herhaling; verdubbelt elke keer (met toeval), Retry-After gaat voor.":
        "Seconds before the first retry; doubles each time (with jitter), Retry-After comes first.",
    "Het SRU-adres (of KAMERZOEK_SRU_URL): een spiegel of een testserver.":
        "The SRU address (or KAMERZOEK_SRU_URL): a mirror or a test server.",
    "Indexeer na het ophalen de map in deze index.": "After fetching, index the folder into this index.",
    "Toon wat er zou worden opgehaald, zonder iets op te halen.": "Show what would be fetched, without fetching.",
    "Geen samenvatting; alleen wat ontbreekt of misging.": "No summary; only what is missing or went wrong.",
    "Aantal serverprocessen (of KAMERZOEK_SERVE_WORKERS; standaard: alle kernen).":
        "Number of server processes (or KAMERZOEK_SERVE_WORKERS; default: all cores).",
    "Aantal verwerkingsdraden per serverproces.": "Number of worker threads per server process.",
    "Start de webapp met de productieserver (gunicorn: meerdere processen, elk met draden).":
        "Serve the web app with the production server (gunicorn: several processes, threads each).",
    # click's own words (see indexer.clitext)
    "Gebruik:": "Usage:",
    "Opties": "Options",
    "Opdrachten": "Commands",
    "Argumenten": "Arguments",
    "standaard": "default",
    "verplicht": "required",
    "omgevingsvariabele": "env var",
    # messages of the commands
    "Fout": "Error",
    "Let op": "Note",
    "Bedoelde u": "Did you mean",
    "verouderd": "stale",
    "Indexeren": "Indexing",
    "Exporteren": "Exporting",
    "kies --json of --csv, niet allebei": "choose --json or --csv, not both",
    "Geef een zoekvraag op.": "Please enter a query.",
    "Sorteer op relevance, newest of oldest.": "Sort by relevance, newest or oldest.",
    "Het paginanummer moet 1 of hoger zijn.": "The page number must be 1 or more.",
    "Ongeldig datumbereik '..': geef een begin, een eind of allebei.":
        "Invalid date range '..': give a start, an end or both.",
    "De zoekvraag duurde te lang; de resultaten zijn mogelijk onvolledig.":
        "The query took too long; the results may be incomplete.",
    "De zoekvraag bevat alleen veelvoorkomende woorden (zoals 'de', 'het', 'is'); probeer specifiekere woorden.":
        "The query contains only common words (such as 'de', 'het', 'is'); try more specific words.",
}

#: Messages with variable parts: `{}` matches any text, carried over (itself translated if it can be).
PATTERNS: dict[str, str] = {
    "Welke vormen ophalen, met komma's ({}); het metadatarecord altijd.":
        "Which formats to fetch, comma-separated ({}); the metadata record always.",
    "Fout: {}": "Error: {}",
    "Let op: {}": "Note: {}",
    "{} documenten voor '{}' ({} ms)": "{} documents for '{}' ({} ms)",
    "{} document voor '{}' ({} ms)": "{} document for '{}' ({} ms)",
    "Ook gezocht: {} (voor '{}')": "Also searched: {} (for '{}')",
    "Bedoelde u: {}?": "Did you mean: {}?",
    "Geïndexeerd: {} nieuw, {} gewijzigd, {} verplaatst of gekopieerd, {} verwijderd, {} ongewijzigd; "
    "{} bestanden genegeerd.":
        "Indexed: {} new, {} changed, {} moved or copied, {} removed, {} unchanged; {} files ignored.",
    "Zou indexeren: {} nieuw, {} gewijzigd, {} verplaatst of gekopieerd, {} verwijderd, {} ongewijzigd; "
    "{} bestanden genegeerd.":
        "Would index: {} new, {} changed, {} moved or copied, {} removed, {} unchanged; {} files ignored.",
    "Uitgelezen: {} documenten ({} uit de tekstcache), {} pagina's in {} s.":
        "Extracted: {} documents ({} from the text cache), {} pages in {} s.",
    "Uitgelezen: {} documenten, {} pagina's in {} s.": "Extracted: {} documents, {} pages in {} s.",
    "Index {}: {} documenten, {} pagina's.": "Index {}: {} documents, {} pages.",
    "Onleesbaar of onvolledig ({}):": "Unreadable or incomplete ({}):",
    "Tekstherkenning nodig: {} (pagina {}); gebruik --ocr.": "OCR needed: {} (page {}); use --ocr.",
    "Tekstherkenning nodig: {} (pagina {})": "OCR needed: {} (page {})",
    "Wacht op de lopende indexering (pid {})…": "Waiting for the running indexing run (pid {})…",
    "Documenten: {}, pagina's: {}, grootte: {} MB": "Documents: {}, pages: {}, size: {} MB",
    "Formaten: {}": "Formats: {}",
    "Laatste run: {} – {}: {} nieuw, {} gewijzigd, {} verwijderd, {} onleesbaar":
        "Last run: {} – {}: {} new, {} changed, {} removed, {} unreadable",
    "Versie: schema {}, analyse {}": "Version: schema {}, analyzer {}",
    "Verouderd: {} ({})": "Stale: {} ({})",
    "Kamerzoek op {} (index {})": "Kamerzoek at {} (index {})",
    "geen index gevonden in {}; maak er een met: kamerzoek index PAD":
        "no index found in {}; create one with: kamerzoek index PATH",
    "de index in {} kan niet worden geopend ({}); bouw hem opnieuw met: kamerzoek index --rebuild PAD":
        "the index in {} cannot be opened ({}); rebuild it with: kamerzoek index --rebuild PATH",
    "pad bestaat niet: {}": "path does not exist: {}",
    "Ongeldige datum '{}': gebruik JJJJ-MM-DD of een tijdstip als 2026-12-01T06:30.":
        "Invalid date '{}': use YYYY-MM-DD or a moment such as 2026-12-01T06:30.",
    "Ongeldige datum '{}': gebruik JJJJ, JJJJ-MM of JJJJ-MM-DD, of een bereik als 2018..2020.":
        "Invalid date '{}': use YYYY, YYYY-MM or YYYY-MM-DD, or a range such as 2018..2020.",
    "Onbekend documenttype '{}'. Kies uit: {}.": "Unknown document type '{}'. Choose from: {}.",
    "De zoekvraag is te lang (maximaal {} tekens).": "The query is too long (at most {} characters).",
    "Er kan niet verder dan pagina {} worden gebladerd; verfijn de zoekvraag.":
        "Paging stops at page {}; refine the query.",
    # kamerzoek harvest: its report and the sentences of indexer.harvest
    "Opgehaald uit {} (gewijzigd sinds {}): {} nieuw, {} vervangen, {} ongewijzigd; {} publicaties op {} "
    "zoekpagina's, {} verzoeken, {} in {} s.":
        "Fetched from {} (modified since {}): {} new, {} replaced, {} unchanged; {} publications on {} "
        "result pages, {} requests, {} in {} s.",
    "Opgehaald uit {}: {} nieuw, {} vervangen, {} ongewijzigd; {} publicaties op {} zoekpagina's, {} "
    "verzoeken, {} in {} s.":
        "Fetched from {}: {} new, {} replaced, {} unchanged; {} publications on {} result pages, {} requests, "
        "{} in {} s.",
    "Zou ophalen uit {} (gewijzigd sinds {}): {} nieuw, {} vervangen, {} ongewijzigd; {} publicaties op {} "
    "zoekpagina's, {} verzoeken, {} in {} s.":
        "Would fetch from {} (modified since {}): {} new, {} replaced, {} unchanged; {} publications on {} "
        "result pages, {} requests, {} in {} s.",
    "Zou ophalen uit {}: {} nieuw, {} vervangen, {} ongewijzigd; {} publicaties op {} zoekpagina's, {} "
    "verzoeken, {} in {} s.":
        "Would fetch from {}: {} new, {} replaced, {} unchanged; {} publications on {} result pages, "
        "{} requests, {} in {} s.",
    "  nieuw: {}": "  new: {}",
    "  vervangen: {}": "  replaced: {}",
    "  overgeslagen: {}: {}": "  skipped: {}: {}",
    "Geïndexeerd: {} nieuw, {} gewijzigd, {} verwijderd; index {} documenten.":
        "Indexed: {} new, {} changed, {} removed; index {} documents.",
    "Ontbreekt ({}):": "Missing ({}):",
    "Mislukt ({}):": "Failed ({}):",
    "Ophalen: pagina {}, {} van {} publicaties, {} bestanden binnen":
        "Fetching: page {}, {} of {} publications, {} files in",
    "{}; de run is gestopt met wat binnen was.": "{}; the run stopped with what it had.",
    "geef ten minste --dossier, --type of --query op (anders zou alles worden opgehaald)":
        "give at least --dossier, --type or --query (otherwise everything would be fetched)",
    "--base-url moet een http(s)-adres zijn, niet '{}'": "--base-url must be an http(s) address, not '{}'",
    "--contact mag alleen gewone ASCII-tekens bevatten (het staat in de User-Agent), niet '{}'":
        "--contact may hold plain ASCII characters only (it goes into the User-Agent), not '{}'",
    "{} is geen map": "{} is not a folder",
    "{} verwacht een datum als JJJJ, JJJJ-MM of JJJJ-MM-DD, niet '{}'":
        "{} expects a date such as YYYY, YYYY-MM or YYYY-MM-DD, not '{}'",
    "--formats kent {}; niet: {}": "--formats knows {}; not: {}",
    "geen van de gevraagde formaten ({}); wel: {}": "none of the requested formats ({}); there is: {}",
    "geen bruikbaar antwoord van {} na {} pogingen ({})": "no usable answer from {} after {} tries ({})",
    "geen bruikbaar antwoord van {} na {} poging ({})": "no usable answer from {} after {} try ({})",
    "{} vraagt {} s te wachten ({}); probeer het later opnieuw": "{} asks to wait {} s ({}); try again later",
    "geen antwoord binnen de wachttijd": "no answer within the timeout",
    "het TLS-certificaat kon niet worden gecontroleerd": "the TLS certificate could not be verified",
    "het antwoord werd afgebroken": "the answer was cut off",
    "geen verbinding": "no connection",
    "onvolledig antwoord: {} van {} bytes": "incomplete answer: {} of {} bytes",
    "ongeldig adres: {}": "invalid address: {}",
    "{} verwijst naar een niet-gevonden-pagina ({})": "{} redirects to a not-found page ({})",
    "{} verwijst naar een ongeldig adres: {}": "{} redirects to an invalid address: {}",
    "{} verwijst te vaak door": "{} redirects too often",
    "{} verwijst door zonder adres": "{} redirects without an address",
    "{} bestaat niet (HTTP {})": "{} does not exist (HTTP {})",
    "{} antwoordde onverwacht met HTTP {}": "{} answered unexpectedly with HTTP {}",
    "het antwoord van {} is groter dan de grens van {}": "the answer of {} is larger than the limit of {}",
    "{} is groter dan de grens van {} ({})": "{} is larger than the limit of {} ({})",
    "{} is groter dan de grens van {}": "{} is larger than the limit of {}",
    "{} gaf een leeg bestand": "{} gave an empty file",
    "{} gaf geen PDF (de kop %PDF ontbreekt)": "{} gave no PDF (the %PDF header is missing)",
    "{} gaf een onvolledige PDF (%%EOF ontbreekt aan het eind)": "{} gave an incomplete PDF (no %%EOF at the end)",
    "{} gaf geen geldige XML ({})": "{} gave no valid XML ({})",
    "{} gaf geen ODT-bestand": "{} gave no ODT file",
    "het antwoord van {} is geen geldige XML ({})": "the answer of {} is not valid XML ({})",
    "het antwoord van {} is geen SRU-zoekresultaat (maar <{}>)": "the answer of {} is no SRU result (but <{}>)",
    "het antwoord van {} noemt geen aantal resultaten": "the answer of {} gives no number of results",
    "het antwoord van {} heeft een ongeldige volgende positie: {}": "the answer of {} has an invalid next position: {}",
    "het antwoord van {} verwijst terug naar positie {}": "the answer of {} points back to position {}",
    "een resultaat in {} bevat geen gzd-gegevens": "a result in {} holds no gzd data",
    "een resultaat in {} heeft een onbruikbare identifier: {}": "a result in {} has an unusable identifier: {}",
    "de dienst wijst de zoekvraag af: {} ({})": "the service rejects the query: {} ({})",
    "de map {} kan niet worden geschreven: {}": "the folder {} cannot be written: {}",
    "in {} kan niet worden geschreven: {}": "{} cannot be written: {}",
    "in {} loopt al een andere harvest": "another harvest is running in {}",
    "{} is geen toestandsbestand van deze versie van Kamerzoek": "{} is not a state file of this version of Kamerzoek",
    "het toestandsbestand {} is onleesbaar: {}": "the state file {} is unreadable: {}",
    "het toestandsbestand {} kan niet worden geschreven: {}": "the state file {} cannot be written: {}",
}
