"""Machine-readable reasons why a file could not be (fully) read, each with a Dutch sentence."""

REASONS = {
    "encrypted": "versleuteld: een wachtwoord is nodig (geef het met --passwords)",
    "needs_ocr": "geen tekstlaag: gescande pagina's, tekstherkenning nodig (--ocr)",
    "damaged": "beschadigd: het bestand kon niet worden gelezen",
    "partial": "gedeeltelijk leesbaar: niet alle pagina's konden worden gelezen",
    "not_pdf": "geen PDF: de inhoud is geen PDF-bestand",
    "empty": "leeg bestand",
    "unsupported": "niet-ondersteund bestandsformaat",
    "timeout": "tijdslimiet overschreden bij het uitlezen",
    "too_large": "te groot: de geheugenlimiet werd overschreden bij het uitlezen",
    "crashed": "het uitleesproces is onverwacht gestopt",
    "no_access": "geen toegang: geen leesrechten voor dit bestand of deze map",
    "outside": "koppeling naar buiten de geïndexeerde map: niet gevolgd (gebruik --follow-symlinks)",
    "rejected": "door de zoekmachine geweigerd",
    "stale": "gewijzigd bestand onleesbaar: de vorige versie blijft doorzoekbaar",
}


def describe(reason: str, detail: str = "") -> str:
    """The Dutch sentence for a reason code, with an optional detail."""
    sentence = REASONS.get(reason, reason)
    return f"{sentence} ({detail})" if detail else sentence
