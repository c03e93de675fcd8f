"""The search index of the clinic list (SPEC section 12): names are sealed, so the list finds
them by keyed hashes of their pieces, kept in `search_grams` beside the submission's id.

A name (casefolded, its spaces made single) gives every three-character piece ("ame", "mel",
...) and the first one and two characters of each word ("a", "am"); a reference (without its
dash) gives the same. Each piece is hashed with the search key (intake.keys) and what it is a
piece of, so the table holds numbers that say nothing without the key, and a name's pieces
never match a reference's. A query of three characters or more matches the submissions that
have all its three-character pieces; a shorter one, the words that begin with it.
"""

from __future__ import annotations

import unicodedata

from intake import keys

NAME = "name"
REFERENCE = "reference"


def normal(text: str) -> str:
    """As names are compared: NFC, casefolded, spaces made single."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def pieces(text: str) -> set[str]:
    """The pieces a stored text is indexed by."""
    text = normal(text)
    found = {text[i : i + 3] for i in range(len(text) - 2)}
    for word in text.split():
        found.update(("^" + word[:1], "^" + word[:2]))
    if 0 < len(text) < 3:
        found.add(text)
    return found


def query_pieces(query: str) -> set[str]:
    """The pieces a stored text must all have to match the query (empty: matches nothing)."""
    query = normal(query)
    if len(query) >= 3:
        return {query[i : i + 3] for i in range(len(query) - 2)}
    return {"^" + query} if query and " " not in query else set()


def hashed(key: bytes, kind: str, found: set[str]) -> set[int]:
    return {keys.keyed_hash(key, kind, piece) for piece in found}


def index_rows(key: bytes, submission_id: int, name: str, reference: str) -> list[dict]:
    """The rows of `search_grams` for one submission."""
    grams = hashed(key, NAME, pieces(name)) | hashed(
        key, REFERENCE, pieces(reference.replace("-", ""))
    )
    return [{"gram": gram, "submission_id": submission_id} for gram in grams]
