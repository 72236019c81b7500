"""Blocklists: /api/v2/blocklists (REFERENCE.md §7)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from stream_iac.kinds.base import JSON, Api, Builtins, Endpoint, Export, Fields, Kind, Lister, Shape, StackModel
from stream_iac.kinds.common import BUILTIN_BLOCKLISTS, docs, pick, spec

MAX_WORDS = 10_000
MAX_WORD_LENGTH = 40
# REFERENCE.md §7 (WEB:getstream.io/chat/docs/php/block_lists/ and the moderation filters page)
BLOCKLIST_NAME = spec("CreateBlockListRequest.name", "maxLength: 255")
WORDS_LIMITS = docs("block_lists", "a block list can have up to 10,000 words; each word up to 40 characters; "
                    "words must be lowercase")


class Blocklist(StackModel):
    """A list of words (or regular expressions, domains or e-mail addresses) that messages are
    checked against, keyed by its name. A channel type applies it through its `blocklists`
    (or `blocklist`) setting, with a behaviour: flag, block or shadow-block the message."""

    type: Annotated[
        Literal["word", "regex", "domain", "domain_allowlist", "email", "email_allowlist"],
        spec("CreateBlockListRequest.type", "One of: regex, domain, domain_allowlist, email, email_allowlist, word"),
    ] | None = None
    """What the entries are: `word` (words; Stream's default), `regex` (regular expressions),
    `domain` or `email` (links to these domains or these addresses are caught), or
    `domain_allowlist` / `email_allowlist` (only the listed domains or addresses pass)."""
    words: Annotated[list[str], Field(max_length=MAX_WORDS), WORDS_LIMITS]
    """The entries, in lowercase except in a `regex` list: up to 10,000, each word up to 40
    characters. Words match whole words of a message, ignoring case."""
    team: str | None = None
    """The team the blocklist belongs to, in a multi-tenant app; none: the whole app."""
    is_leet_check_enabled: bool | None = None
    """Also catch a listed word spelt with look-alike digits or symbols (`h3ll0` for `hello`). Off
    unless set."""
    is_plural_check_enabled: bool | None = None
    """Also catch the plural forms of the listed words. Off unless set."""
    is_substring_matching_enabled: bool | None = None
    """Also catch a listed word inside a longer word, not only as a whole word. Off unless set."""
    is_confusable_folding_enabled: bool | None = None
    """Treat characters that look alike (a Cyrillic `а` for a Latin `a`) as the same letter before
    matching. Off unless set."""

    @field_validator("words")
    @classmethod
    def words_fit_the_type(cls, words: list[str], info: ValidationInfo) -> list[str]:
        """Stream's rules: lowercase entries (regular expressions excepted), at most 40
        characters for words. Checked on the whole list first: there may be 10,000."""
        kind = info.data.get("type") or "word"
        if kind == "word" and words and max(map(len, words)) > MAX_WORD_LENGTH:
            word = next(w for w in words if len(w) > MAX_WORD_LENGTH)
            raise ValueError(f"word {word[:50]!r} is longer than {MAX_WORD_LENGTH} characters; {WORDS_LIMITS.text}")
        joined = "\n".join(words)
        if kind != "regex" and joined != joined.lower():
            word = next(w for w in words if w != w.lower())
            raise ValueError(f"word {word!r} must be lowercase (only regex lists may hold capitals); "
                             f"{WORDS_LIMITS.text}")
        if not all(w.strip() for w in words):
            raise ValueError("words must not be empty")
        if len(set(words)) != len(words):
            seen: set[str] = set()
            dupes = sorted({w for w in words if w in seen or seen.add(w)})  # type: ignore[func-returns-value]
            raise ValueError(f"words listed twice: {', '.join(dupes[:5])}")
        return words


FIELDS = frozenset(Blocklist.model_fields)


def normalise(live: JSON) -> JSON:
    out = pick(live, FIELDS)
    out.setdefault("words", [])
    return {k: v for k, v in out.items() if v is not None}


# A blocklist's matching options are off unless set (type is kept: it cannot change once created).
EXPORT_DEFAULTS: JSON = {
    "is_leet_check_enabled": False,
    "is_plural_check_enabled": False,
    "is_substring_matching_enabled": False,
    "is_confusable_folding_enabled": False,
}

def valid_name(name: str) -> str | None:
    if name in BUILTIN_BLOCKLISTS:
        return "built-in blocklist; it cannot be changed"
    if len(name) > 255:
        return f"blocklist names are at most 255 characters; {BLOCKLIST_NAME.text}"
    return None


KIND = Kind(
    name="blocklists",
    shape=Shape(model=Blocklist, normalise=normalise, max_objects=15, name_rule=valid_name,
                max_objects_source='Stream docs (block_lists): "≤ 15 blocklists per app in total alongside advanced '
                                   'filters" (the built-in one does not count)',
                line_files={"words_file": "words"}, noun="blocklist"),
    api=Api(
        read=Lister(op="ListBlockLists", path="/blocklists", key="blocklists", page_size=200),
        create=Endpoint("CreateBlockList", "POST", "/blocklists", name_field="name"),
        update=Endpoint("UpdateBlockList", "PUT", "/blocklists/{name}"),
        delete=Endpoint("DeleteBlockList", "DELETE", "/blocklists/{name}"),
    ),
    fields=Fields(sets=frozenset({"words"}), immutable=("type",)),
    builtins=Builtins(names=BUILTIN_BLOCKLISTS),
    export=Export(defaults=lambda name, live: EXPORT_DEFAULTS),
)
