"""File names are bytes: how they are carried, stored and shown.

Inside Kamerzoek a path is a `str` as `os.fsdecode` gives it: bytes that are not UTF-8
become lone surrogates (U+DC80–U+DCFF), and `os.fsencode` gives the exact bytes back.
Stored forms (last-run.json, roots.json, JSON on the command line) keep those
surrogates as JSON escapes (`"\\udcff"`), which `json.loads` turns back into the same
string, so nothing is lost. People see `shown(path)`: the bytes that are not UTF-8 as
`\\xff` and control characters (a newline in a name) as `\\n`, readable and on one line.
"""
from __future__ import annotations

import json
import os
import re

_UNSHOWABLE = re.compile(r"[\udc80-\udcff\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def fs_bytes(path) -> bytes:
    """The exact bytes of a path (str with surrogate escapes, bytes or a Path)."""
    return os.fsencode(path)


def from_bytes(raw: bytes) -> str:
    return os.fsdecode(raw)


def _escape(m: re.Match) -> str:
    ch = m.group(0)
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(name) -> str:
    """A name as people see it: valid text on one line (`kapot\\xff.pdf`, `twee\\nregels.txt`)."""
    if name is None:
        return ""
    if not isinstance(name, str):
        name = os.fsdecode(name)
    return _UNSHOWABLE.sub(_escape, name)


def is_plain(name: str) -> bool:
    """Whether a name shows as itself (no bytes that are not UTF-8, no control characters)."""
    return not _UNSHOWABLE.search(name)


def shown_tree(value):
    """A JSON-like value with every string that cannot be sent as UTF-8 shown (see shown()).

    Only file names can carry such strings (extracted text is decoded text), so texts
    with newlines are left as they are."""
    if isinstance(value, str):
        return shown(value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {k: shown_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shown_tree(v) for v in value]
    return value


def dumps(data, indent: int | None = 1) -> str:
    """JSON that is valid UTF-8 whatever the names in it, and that round-trips them.

    Readable (no escapes) when every string is valid text; otherwise every character
    outside ASCII is escaped, so the lone surrogates of a name's odd bytes survive."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    if _SURROGATE.search(text):
        return json.dumps(data, ensure_ascii=True, indent=indent)
    return text


def download_name(name: str) -> str:
    """A name for a download: valid text, no control characters (bytes that are not UTF-8
    become U+FFFD, a newline a space)."""
    name = os.fsencode(name).decode("utf-8", errors="replace")
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", name).strip() or "document"
