"""A pseudonymised extract for peer review and research: one row per person mention.

Columns: ``person_id, record_id, agency, event_type, event_date, slot, role, dob, sex,
postcode_district, place_id`` and, only on request, ``free_text``.

* Ids (person, record, place) become keyed pseudonyms (HMAC-SHA256 under a secret key of
  ``person:P00000012``, ``record:<record_id>``, ``place:A00000034``, prefixed ``p_``, ``r_``,
  ``a_``; :func:`engine.security.pseudonymise.keyed_pseudonym`): the same key gives the same
  pseudonyms, so two exports join; without the key they cannot be recomputed. A mention not
  yet linked stands for itself (``M`` + its mention id), as in ``export mentions``.
* Names, NHS numbers, UPNs, PNC ids, local ids, address lines and source row numbers are
  not exported at all. Dates of birth become ``YYYY-MM``; the observed address becomes its
  postcode district (``NN16``).
* Free text (``summary``) is dropped unless asked for. When included, every word that is a
  name known anywhere in the store becomes ``[name]`` and identifier-like tokens (NHS
  numbers, UPNs, PNC ids, agency ids) become ``[id]``; full postcodes keep their district
  only. That redaction is best effort: share free text only under a data-sharing agreement.
* Rows are ordered by pseudonym, so row order does not reveal the source extracts' order.

The key comes from the environment only (never a command-line argument):
``CHRONOLINK_PSEUDONYM_KEY`` or a key file named by ``CHRONOLINK_PSEUDONYM_KEY_FILE``
(owner-only permissions), at least 16 bytes, and different from the store key.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import polars as pl

from chronolink.engine.errors import KeyConfigError
from chronolink.engine.normalise._text import fold_text
from chronolink.engine.security.pseudonymise import (
    MIN_PSEUDONYM_KEY_BYTES,
    dob_to_month,
    keyed_pseudonym,
    postcode_district,
)
from chronolink.engine.store.encryption import load_key, read_key_file

__all__ = ["KEY_ENV", "KEY_FILE_ENV", "COLUMNS", "load_pseudonym_key", "pseudonymised_mentions", "redact_free_text"]

KEY_ENV = "CHRONOLINK_PSEUDONYM_KEY"
KEY_FILE_ENV = "CHRONOLINK_PSEUDONYM_KEY_FILE"
_MAX_KEY_BYTES = 4096
COLUMNS = ("person_id", "record_id", "agency", "event_type", "event_date", "slot", "role", "dob", "sex",
           "postcode_district", "place_id")


# ------------------------------------------------------------------------------------- key


def load_pseudonym_key(environ: Mapping[str, str] | None = None) -> bytes:
    """The pseudonymisation key from ``CHRONOLINK_PSEUDONYM_KEY`` or its key file.

    Raises :class:`KeyConfigError` (never quoting the key) when neither or both are set,
    the key is shorter than 16 bytes, the key file is readable by others, or the key is
    the store's encryption key.
    """
    env = os.environ if environ is None else environ
    direct, file_name = env.get(KEY_ENV), env.get(KEY_FILE_ENV)
    if direct and file_name:
        raise KeyConfigError(f"both {KEY_ENV} and {KEY_FILE_ENV} are set; set only one")
    if direct:
        key, origin = direct.strip().encode("utf-8"), KEY_ENV
    elif file_name:
        path = Path(file_name).expanduser()
        key = read_key_file(path, KEY_FILE_ENV, _MAX_KEY_BYTES + 1, "pseudonym key file").strip()
        origin = f"key file {path}"
    else:
        raise KeyConfigError(f"no pseudonymisation key: set {KEY_ENV} or {KEY_FILE_ENV} "
                             "(make one with `openssl rand -base64 32`)")
    if len(key) < MIN_PSEUDONYM_KEY_BYTES:
        raise KeyConfigError(f"the pseudonymisation key from {origin} is too short: "
                             f"at least {MIN_PSEUDONYM_KEY_BYTES} bytes are required")
    if len(key) > _MAX_KEY_BYTES:
        raise KeyConfigError(f"the pseudonymisation key from {origin} is longer than {_MAX_KEY_BYTES} bytes")
    try:
        store_key = load_key(dict(env))
    except KeyConfigError:
        store_key = None
    if store_key is not None and store_key == key:
        raise KeyConfigError("the pseudonymisation key must differ from the store encryption key")
    return key


# ------------------------------------------------------------------------------ free text

_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-])*")
_IDS = (
    re.compile(r"\b\d{3}[ \-]?\d{3}[ \-]?\d{4}\b"),  # NHS number
    re.compile(r"\b[A-Z]\d{11}[0-9A-Z]\b", re.I),  # UPN
    re.compile(r"\b\d{2,4}/\d{1,7}[A-Z]\b", re.I),  # PNC id
    re.compile(r"\b[A-Z]{1,3}\d{5,}\b", re.I),  # agency ids (N0012345, X123456, LA1234567)
)
_POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}\b", re.I)


def _parts(word: str) -> list[str]:
    """A word folded whole and each of its apostrophe- or hyphen-separated parts folded (O'NEIL: ONEIL, O, NEIL)."""
    return [fold_text(word)] + [fold_text(p) for p in re.split(r"['’\-]", word) if p]


def _name_tokens(values: Iterable[str | None]) -> set[str]:
    tokens: set[str] = set()
    for value in values:
        if not value:
            continue
        for word in _WORD.findall(value):
            tokens.update(p for p in _parts(word) if len(p) >= 2)
    return tokens


def redact_free_text(text: str | None, names: set[str]) -> str | None:
    """``text`` with known name words, identifiers and full postcodes redacted (best effort)."""
    if text is None:
        return None
    for pattern in _IDS:
        text = pattern.sub("[id]", text)
    text = _POSTCODE.sub(lambda m: m.group(1).upper(), text)

    def word(m: re.Match[str]) -> str:
        return "[name]" if any(p in names for p in _parts(m.group(0))) else m.group(0)

    return _WORD.sub(word, text)


def _known_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    values: list[str | None] = []
    for row in con.execute("SELECT DISTINCT name_raw, forename, middle_names, surname, preferred_forename "
                           "FROM person_mentions").fetchall():
        values.extend(row)
    return _name_tokens(values)


# --------------------------------------------------------------------------------- export


def _pseudonym(column: str, kind: str, key: bytes, prefix: str) -> pl.Expr:
    return keyed_pseudonym(pl.lit(kind + ":") + pl.col(column).cast(pl.String), key, prefix)


def pseudonymised_mentions(con: duckdb.DuckDBPyConnection, key: bytes, *,
                           with_free_text: bool = False) -> pl.DataFrame:
    """One row per person mention, pseudonymised as the module docstring describes."""
    raw = con.sql("""
        SELECT coalesce(m.person_id, 'M' || m.mention_id::VARCHAR) AS person_ref,
               m.record_id::VARCHAR AS record_ref,
               m.agency, r.event_type, r.event_date, m.slot, m.role, m.dob, m.sex,
               a.postcode,
               CASE WHEN a.address_mention_id IS NOT NULL
                    THEN coalesce(a.address_id, 'M' || a.address_mention_id::VARCHAR) END AS place_ref,
               r.summary
        FROM person_mentions m
        JOIN records r USING (record_id)
        LEFT JOIN address_mentions a ON a.address_mention_id = m.address_mention_id
    """).pl()
    frame = raw.select(
        _pseudonym("person_ref", "person", key, "p_").alias("person_id"),
        _pseudonym("record_ref", "record", key, "r_").alias("record_id"),
        pl.col("agency"),
        pl.col("event_type"),
        pl.col("event_date"),
        pl.col("slot"),
        pl.col("role"),
        dob_to_month(pl.col("dob")).alias("dob"),
        pl.col("sex"),
        postcode_district(pl.col("postcode")).alias("postcode_district"),
        _pseudonym("place_ref", "place", key, "a_").alias("place_id"),
        pl.col("summary"),
    )
    names = _known_names(con)
    # a role comes from a source column (a relationship as written): a name in it is redacted too
    frame = frame.with_columns(
        pl.col("role").map_elements(lambda t: redact_free_text(t, names), return_dtype=pl.String))
    if with_free_text:
        frame = frame.with_columns(
            pl.col("summary").map_elements(lambda t: redact_free_text(t, names), return_dtype=pl.String)
            .alias("free_text"))
    frame = frame.drop("summary").sort(["person_id", "event_date", "record_id", "slot"], nulls_last=True)
    return frame
