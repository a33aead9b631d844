"""Pseudonymisation as polars expressions, for exports that leave the service.

* :func:`keyed_pseudonym`: HMAC-SHA256 of the value under a secret key,
  truncated to 16 hex characters (64 bits) after a prefix. The same key gives
  the same pseudonym, so exports can be joined; without the key a pseudonym
  cannot be recomputed from a guessed value (unlike a plain hash of an NHS
  number). Polars has no HMAC, so each batch hashes its distinct values only
  and maps them back: identifiers repeat, so that is cheap.
* :func:`dob_to_month`: a date of birth coarsened to ``YYYY-MM``.
* :func:`postcode_district`: a UK postcode reduced to its outward code.

Values are pseudonymised exactly as given: normalise first (case, spacing)
so that one person's identifier has one spelling. Nulls stay null; a value
that cannot be coarsened becomes null, never the raw value.
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl

__all__ = ["PSEUDONYM_HEX_CHARS", "MIN_PSEUDONYM_KEY_BYTES", "keyed_pseudonym", "dob_to_month", "postcode_district"]

PSEUDONYM_HEX_CHARS = 16
MIN_PSEUDONYM_KEY_BYTES = 16

_POSTCODE = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$"
_OUTWARD = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"


def keyed_pseudonym(e: pl.Expr, key: bytes, prefix: str) -> pl.Expr:
    """``prefix`` + first 16 hex characters of HMAC-SHA256(key, UTF-8 value).

    Non-string columns are cast to text first (``12`` and ``"12"`` agree).
    Use a different key per export recipient to stop joins across recipients.
    """
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_PSEUDONYM_KEY_BYTES:
        raise ValueError(f"the pseudonymisation key must be at least {MIN_PSEUDONYM_KEY_BYTES} bytes")
    if not isinstance(prefix, str):
        raise TypeError("prefix must be a string")
    secret = bytes(key)

    def pseudonymise(values: pl.Series) -> pl.Series:
        if values.dtype != pl.String:
            values = values.cast(pl.String)
        distinct = values.drop_nulls().unique()
        hashed = [
            prefix + hmac.new(secret, v.encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]
            for v in distinct
        ]
        return values.replace_strict(
            distinct, pl.Series(hashed, dtype=pl.String), default=None, return_dtype=pl.String
        )

    return e.map_batches(pseudonymise, return_dtype=pl.String, is_elementwise=True)


def _to_date(values: pl.Series) -> pl.Series:
    if values.dtype == pl.Date:
        return values
    if isinstance(values.dtype, pl.Datetime):
        return values.dt.date()
    if values.dtype == pl.String:
        return values.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    if values.dtype == pl.Null:
        return values.cast(pl.Date)
    raise TypeError(f"dob_to_month expects a Date, Datetime or ISO text column, not {values.dtype}")


def dob_to_month(e: pl.Expr) -> pl.Expr:
    """A date of birth as ``YYYY-MM`` (Date, Datetime or ``YYYY-MM-DD`` text; else null)."""
    return e.map_batches(_to_date, return_dtype=pl.Date, is_elementwise=True).dt.strftime("%Y-%m")


def postcode_district(e: pl.Expr) -> pl.Expr:
    """A UK postcode reduced to its outward code (``SW1A 1AA`` -> ``SW1A``).

    Case and spacing are ignored; an outward code alone is kept; anything else
    becomes null.
    """
    compact = e.cast(pl.String).str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    return (
        pl.when(compact.str.contains(_POSTCODE))
        .then(compact.str.extract(_POSTCODE, 1))
        .when(compact.str.contains(_OUTWARD))
        .then(compact)
        .otherwise(pl.lit(None, dtype=pl.String))
    )
