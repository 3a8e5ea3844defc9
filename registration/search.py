"""Accent-folded search text, so that "nguyen" finds "Nguyễn" on SQLite and PostgreSQL alike."""

from __future__ import annotations

import unicodedata

# Letters that carry no combining mark to strip: Vietnamese đ above all.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss", "æ": "ae", "œ": "oe"})


def fold(text: str | None) -> str:
    """Lower-case, without diacritics, spaces squeezed."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_EXTRA))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())
