"""Normalisers: names, dates, postcodes, addresses and identifiers as bulk polars expressions.

Every function takes and returns a ``pl.Expr`` (except ``nickname_table`` and ``variant_groups``,
which return lookup frames for joins). Each pipeline runs as one
``map_batches`` call per batch over staged ``with_columns`` steps (see
``_text.py``): no Python runs per row.
"""

from chronolink.engine.normalise.addresses import expand_street_abbreviations, parse_address
from chronolink.engine.normalise.dates import parse_date, parse_datetime
from chronolink.engine.normalise.identifiers import nhs_number, pnc_id, upn, uprn
from chronolink.engine.normalise.names import (
    fold_name,
    name_suffix,
    nickname_canonicals,
    nickname_table,
    split_forenames,
    split_full_name,
    strip_titles,
    surname_parts,
    variant_groups,
)
from chronolink.engine.normalise.postcodes import extract_postcode, normalise_postcode

__all__ = [
    "expand_street_abbreviations",
    "extract_postcode",
    "fold_name",
    "name_suffix",
    "nhs_number",
    "nickname_canonicals",
    "nickname_table",
    "variant_groups",
    "normalise_postcode",
    "parse_address",
    "parse_date",
    "parse_datetime",
    "pnc_id",
    "split_forenames",
    "split_full_name",
    "strip_titles",
    "surname_parts",
    "upn",
    "uprn",
]
