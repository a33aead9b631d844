"""Apply a layout mapping to a raw text table: canonical records, mentions and issues.

Everything here is a bulk polars expression over the whole file; a bad value never
drops its row: it is kept (raw), its canonical form is left empty and a value issue
names the row and field with a problem code (never the value itself).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from chronolink.engine.ingest.readers import ROW, RawTable
from chronolink.engine.normalise.addresses import parse_address
from chronolink.engine.normalise.dates import parse_date, parse_datetime
from chronolink.engine.normalise.identifiers import nhs_number, pnc_id, upn, uprn
from chronolink.engine.normalise.names import fold_name, split_forenames, split_full_name
from chronolink.engine.store.ids import ADDRESS_OFFSET, record_id_expr
from chronolink.schemas.models import AddressSpec, DateSpec, Mapping, PersonList, PersonSlot, ValueMap
from chronolink.schemas.tables import ADDRESS_MENTIONS, MENTION_OBSERVATIONS, PERSON_MENTIONS

ISSUE_SCHEMA = {"source_row": pl.Int64, "field": pl.String, "problem": pl.String}


@dataclass
class CanonicalFrames:
    """The canonical frames one extract produces, ready for the store."""

    records: pl.DataFrame
    persons: pl.DataFrame
    addresses: pl.DataFrame
    observations: pl.DataFrame
    issues: pl.DataFrame


# Columns the person builder joins onto the source rows; a source column of the same name is renamed.
_JOINED = ("record_id", "file_seq", "source_file", "event_date", "event_type")


def _col(df: pl.DataFrame, name: str | None) -> pl.Expr:
    """A source column, or null when the file lacks it (optional columns may be absent)."""
    if name is None:
        return pl.lit(None, dtype=pl.String)
    if f"__src_{name}" in df.columns:
        return pl.col(f"__src_{name}")
    if name not in df.columns:
        return pl.lit(None, dtype=pl.String)
    return pl.col(name)


def per_value(df: pl.DataFrame, inputs: dict[str, pl.Expr], build: Callable[..., pl.Expr]) -> pl.Series:
    """Evaluate a normaliser once per distinct input and spread the result back over the rows.

    Values repeat across rows (a family's address, a person's name and date of birth), so parsing the
    distinct ones is several times cheaper than parsing every row. `build` gets one column per input.
    """
    src = df.select(pl.int_range(pl.len()).alias("__i"), **inputs).drop("__i")  # literals get the frame's height
    keys = list(inputs)
    distinct = src.unique().with_columns(build(**{k: pl.col(k) for k in keys}).alias("__value"))
    return src.join(distinct, on=keys, how="left", nulls_equal=True, maintain_order="left")["__value"]


def _issue(df: pl.DataFrame, cond: pl.Expr, field: str, problem: str) -> pl.DataFrame:
    # lazy, so the filter reads only the columns the condition needs (an eager filter copies every column)
    return df.lazy().filter(cond).select(pl.col(ROW).alias("source_row"), pl.lit(field).alias("field"),
                                         pl.lit(problem).alias("problem")).collect()


def _translate(df: pl.DataFrame, spec: ValueMap) -> pl.Expr:
    keys = {k.strip().upper(): v for k, v in spec.values.items()}
    return (_col(df, spec.column).str.strip_chars().str.to_uppercase()
            .replace_strict(list(keys), list(keys.values()), default=None, return_dtype=pl.String)
            .replace("", None))


def _date(df: pl.DataFrame, spec: DateSpec | None, max_date: dt.date) -> pl.Series | pl.Expr:
    """{date, time, status} for a date column, parsed once per distinct value."""
    if spec is None:
        return pl.struct(date=pl.lit(None, pl.Date), time=pl.lit(None, pl.String), status=pl.lit("missing"))
    if spec.with_time:
        return per_value(df, {"v": _col(df, spec.column)}, lambda v: parse_datetime(v, spec.formats))

    def build(v: pl.Expr) -> pl.Expr:
        parsed = parse_date(v, spec.formats, excel_serial=spec.excel_serial, max_date=max_date)
        return pl.struct(date=parsed.struct.field("date"), time=pl.lit(None, pl.String),
                         status=parsed.struct.field("status"))

    return per_value(df, {"v": _col(df, spec.column)}, build)


def _dob(df: pl.DataFrame, column: str | None, formats: list[str], excel_serial: bool,
         max_date: dt.date) -> pl.Series | pl.Expr:
    """{date, status} of a date-of-birth column, parsed once per distinct value."""
    if column is None:
        return pl.struct(date=pl.lit(None, pl.Date), status=pl.lit("missing"))
    return per_value(df, {"v": _col(df, column)},
                     lambda v: parse_date(v, formats, excel_serial=excel_serial, max_date=max_date))


def _date_issues(df: pl.DataFrame, status_col: str, field: str | None) -> list[pl.DataFrame]:
    if field is None:
        return []
    return [_issue(df, pl.col(status_col) == "invalid", field, "unparseable_date"),
            _issue(df, pl.col(status_col) == "implausible", field, "implausible_date")]


def build_records(df: pl.DataFrame, m: Mapping, file_seq: int, source_file: str,
                  max_date: dt.date) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """One canonical record per readable row, and the value issues found on the way."""
    ev = m.event
    issues: list[pl.DataFrame] = []
    if ev.event_type is not None:
        label = _col(df, ev.event_type.column)
        etype = _translate(df, ev.event_type)
    else:
        label, etype = pl.lit(None, pl.String), pl.lit(ev.constant_type)
    summary = (pl.concat_str([_col(df, c) for c in ev.summary], separator="\n", ignore_nulls=True)
               if ev.summary else pl.lit(None, pl.String))
    attrs = (pl.struct([_col(df, c).alias(k) for k, c in ev.attrs.items()]).struct.json_encode()
             if ev.attrs else pl.lit(None, pl.String))
    work = df.with_columns(
        __start=_date(df, ev.date, max_date),
        __end=_date(df, ev.end_date, max_date),
        __etype=etype,
        __label=label,
    )
    records = work.select(
        record_id=record_id_expr(file_seq, pl.col(ROW)),
        file_seq=pl.lit(file_seq, pl.Int32),
        source_file=pl.lit(source_file),
        source_row=pl.col(ROW).cast(pl.Int32),
        layout=pl.lit(m.layout),
        agency=pl.lit(m.agency),
        event_type=pl.col("__etype"),
        event_label=pl.col("__label"),
        event_date=pl.col("__start").struct.field("date"),
        event_time=pl.col("__start").struct.field("time"),
        date_status=pl.col("__start").struct.field("status"),
        # The date as written when it did not read as a good date: an analyst opening the row sees it
        # (value_issues only names the problem, never the value).
        date_raw=pl.when(pl.col("__start").struct.field("status") != "ok")
        .then(_col(df, ev.date.column if ev.date else None).str.strip_chars().replace("", None)),
        end_date=pl.col("__end").struct.field("date"),
        outcome=_col(df, ev.outcome),
        ref=_col(df, ev.ref),
        summary=summary,
        attrs=attrs,
    )
    st = work.with_columns(__s=pl.col("__start").struct.field("status"), __e=pl.col("__end").struct.field("status"))
    issues += _date_issues(st, "__s", ev.date.column if ev.date else None)
    issues += _date_issues(st, "__e", ev.end_date.column if ev.end_date else None)
    if ev.date is not None:
        issues.append(_issue(st, pl.col("__s") == "missing", ev.date.column, "missing_date"))
    if ev.event_type is not None:
        issues.append(_issue(work, pl.col("__label").is_not_null() & pl.col("__etype").is_null(),
                             ev.event_type.column, "unknown_event_type"))
        issues.append(_issue(work, pl.col("__label").is_null(), ev.event_type.column, "missing_event_type"))
    # a value has at least as many bytes as characters: only columns with a long value in bytes are counted
    used = [c for c in sorted(m.columns_used()) if c in df.columns]
    longest = df.select(pl.col(used).str.len_bytes().max()).row(0) if used and df.height else ()
    for c, n_bytes in zip(used, longest):
        if n_bytes is not None and n_bytes > m.max_field_length:
            issues.append(_issue(df, pl.col(c).str.len_chars() > m.max_field_length, c, "overlong_field"))
    return records, issues


def build_addresses(df: pl.DataFrame, m: Mapping, records: pl.DataFrame) -> pl.DataFrame:
    """One address mention per filled address field, parsed into its parts."""
    frames = []
    for idx, a in enumerate(m.addresses):
        frames.append(_address_frame(df, a, idx, records))
    if not frames:
        return _empty_addresses()
    return pl.concat(frames, how="vertical")


def _address_frame(df: pl.DataFrame, a: AddressSpec, idx: int, records: pl.DataFrame) -> pl.DataFrame:
    line = _col(df, a.line)
    town = _col(df, a.town) if a.town else None
    pc = _col(df, a.postcode) if a.postcode else None
    raw = pl.concat_str([line, *(x for x in (town, pc) if x is not None)], separator=", ", ignore_nulls=True)
    present = line.is_not_null() | (town.is_not_null() if town is not None else pl.lit(False)) | \
        (pc.is_not_null() if pc is not None else pl.lit(False))
    parsed = per_value(
        df, {"l": line, "p": pc if pc is not None else pl.lit(None, pl.String),
             "t": town if town is not None else pl.lit(None, pl.String)},
        lambda l, p, t: parse_address(l.fill_null(""), p if pc is not None else None, t if town is not None else None))
    out = df.select(
        pl.col(ROW), __present=present, __raw=raw, __uprn=uprn(_col(df, a.uprn)).struct.field("value")
    ).with_columns(__p=parsed).filter(pl.col("__present"))
    rec = records.select("record_id", "file_seq", "source_file", "source_row")
    out = out.with_columns(source_row=pl.col(ROW).cast(pl.Int32)).join(rec, on="source_row", how="left")
    return out.select(
        address_mention_id=pl.col("record_id") + ADDRESS_OFFSET + idx,
        record_id=pl.col("record_id"),
        file_seq=pl.col("file_seq"),
        source_file=pl.col("source_file"),
        source_row=pl.col("source_row"),
        field=pl.lit(a.field),
        raw=pl.col("__raw"),
        flat=pl.col("__p").struct.field("flat"),
        number=pl.col("__p").struct.field("number"),
        number_suffix=pl.col("__p").struct.field("number_suffix"),
        building=pl.col("__p").struct.field("building"),
        street=pl.col("__p").struct.field("street"),
        town=pl.col("__p").struct.field("town"),
        postcode=pl.col("__p").struct.field("postcode"),
        postcode_valid=pl.col("__p").struct.field("postcode_valid"),
        uprn=pl.col("__uprn"),  # kept as written when invalid (a value issue); linkage uses valid ones only
        address_id=pl.lit(None, pl.String),
    )


def _empty_addresses() -> pl.DataFrame:
    return pl.DataFrame(schema=ADDRESS_MENTIONS.polars_schema())


# The columns of person_mentions, from their one declaration (schemas/tables.py).
PERSON_COLUMNS = PERSON_MENTIONS.names()


def _names(df: pl.DataFrame, p: PersonSlot) -> tuple[pl.Expr, pl.Series]:
    """The name as written, and a struct of its folded parts (computed once per distinct name)."""
    pref_src = _col(df, p.preferred_forename)
    if p.full_name:
        raw = _col(df, p.full_name)
        parts = per_value(df, {"n": raw, "pf": pref_src}, lambda n, pf: split_full_name(n).struct.with_fields(
            preferred_forename=fold_name(pf)))
        return raw, parts
    fn_raw, sn_raw = _col(df, p.forenames), _col(df, p.surname)
    raw = pl.concat_str([fn_raw, sn_raw], separator=" ", ignore_nulls=True).replace("", None)

    def build(f: pl.Expr, s: pl.Expr, pf: pl.Expr) -> pl.Expr:
        return pl.struct(split_forenames(f).alias("__f"), fold_name(s).alias("surname")).struct.with_fields(
            forename=pl.field("__f").struct.field("forename"),
            middle_names=pl.field("__f").struct.field("middle_names"),
            suffix=pl.lit(None, pl.String), preferred_forename=fold_name(pf))

    return raw, per_value(df, {"f": fn_raw, "s": sn_raw, "pf": pref_src}, build)


def _name_fields(ok: pl.Expr) -> dict[str, pl.Expr]:
    """Name columns from the `__nm` struct, left empty when the name was too long to be a name."""
    return {c: pl.when(ok).then(pl.col("__nm").struct.field(f))
            for c, f in (("forename", "forename"), ("middle_names", "middle_names"), ("surname", "surname"),
                         ("preferred_forename", "preferred_forename"), ("name_suffix", "suffix"))}


def _slot_present(df: pl.DataFrame, p: PersonSlot) -> pl.Expr:
    cols = [p.forenames, p.surname, p.full_name, p.preferred_forename, p.nhs_number, p.upn, p.pnc,
            p.dob.column if p.dob else None, p.local_id.column if p.local_id else None]
    exprs = [_col(df, c).is_not_null() for c in cols if c]
    return pl.any_horizontal(exprs) if exprs else pl.lit(False)


def _identifier(expr_fn, df: pl.DataFrame, column: str | None) -> pl.Expr | pl.Series:
    """A {value, valid} struct for an identifier column (all-null when the slot has none)."""
    if column is None:
        return pl.struct(value=pl.lit(None, pl.String), valid=pl.lit(None, pl.Boolean))
    return per_value(df, {"v": _col(df, column)}, lambda v: expr_fn(v))


def build_persons(df: pl.DataFrame, m: Mapping, records: pl.DataFrame, addresses: pl.DataFrame,
                  max_date: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, list[pl.DataFrame]]:
    """Person mentions of every slot, the observations they make, and value issues."""
    rec = records.select(pl.col("source_row").cast(pl.Int64).alias(ROW), "record_id", "file_seq", "source_file",
                         "event_date", "event_type")
    base = df.rename({c: f"__src_{c}" for c in df.columns if c in _JOINED}).join(rec, on=ROW, how="left")
    addr_ids = addresses.select(pl.col("source_row").cast(pl.Int64).alias(ROW), "field", "address_mention_id")
    persons, observations, issues = [], [], []
    for slot_idx, p in enumerate(m.persons, start=1):
        frame, obs, iss = _slot_frame(base, m, p, slot_idx, addr_ids, max_date)
        persons.append(frame)
        observations.append(obs)
        issues += iss
    offset = len(m.persons) + 1
    for lst in m.person_lists:
        frame, obs, iss = _list_frame(base, m, lst, offset, addr_ids, max_date)
        persons.append(frame)
        observations.append(obs)
        issues += iss
        offset += lst.max_people
    persons_df = pl.concat(persons, how="vertical") if persons else pl.DataFrame()
    obs_df = pl.concat(observations, how="vertical") if observations else _empty_obs()
    return persons_df, obs_df, issues


def _empty_obs() -> pl.DataFrame:
    return pl.DataFrame(schema=MENTION_OBSERVATIONS.polars_schema())


def _observations(persons: pl.DataFrame, fields: list[str], conditional: dict[str, list[str]],
                  addr_ids: pl.DataFrame) -> pl.DataFrame:
    """Where each mention's row observes the person: declared address fields, dated rows only."""
    wanted = [pl.DataFrame({"field": fields, "__cond": [None] * len(fields)},
                           schema={"field": pl.String, "__cond": pl.String})]
    for etype, fs in conditional.items():
        wanted.append(pl.DataFrame({"field": fs, "__cond": [etype] * len(fs)},
                                   schema={"field": pl.String, "__cond": pl.String}))
    want = pl.concat(wanted)
    if want.height == 0:
        return _empty_obs()
    dated = persons.filter(pl.col("event_date").is_not_null()).select(
        "mention_id", ROW, "event_date", "event_type", "file_seq", "source_file")
    obs = (dated.join(want, how="cross")
           .filter(pl.col("__cond").is_null() | (pl.col("__cond") == pl.col("event_type")))
           .join(addr_ids, on=[ROW, "field"], how="inner"))
    return obs.select("mention_id", "address_mention_id", pl.col("event_date").alias("date"), "field",
                      "file_seq", "source_file", pl.col(ROW).cast(pl.Int32).alias("source_row"))


def _finish_persons(frame: pl.DataFrame, m: Mapping, primary_field: str | None,
                    addr_ids: pl.DataFrame) -> pl.DataFrame:
    if primary_field is not None:
        prim = addr_ids.filter(pl.col("field") == primary_field).select(ROW, "address_mention_id")
        frame = frame.join(prim, on=ROW, how="left")
    else:
        frame = frame.with_columns(address_mention_id=pl.lit(None, pl.Int64))
    return frame.with_columns(
        agency=pl.lit(m.agency), person_id=pl.lit(None, pl.String), source_row=pl.col(ROW).cast(pl.Int32))


def _slot_frame(base: pl.DataFrame, m: Mapping, p: PersonSlot, slot_idx: int, addr_ids: pl.DataFrame,
                max_date: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, list[pl.DataFrame]]:
    sel = base.filter(_slot_present(base, p))
    raw, parts = _names(sel, p)
    dob = (_dob(sel, p.dob.column, p.dob.formats, p.dob.excel_serial, max_date) if p.dob
           else _dob(sel, None, [], False, max_date))
    sex = _translate(sel, p.sex) if p.sex else pl.lit(None, pl.String)
    if p.local_id:
        lid_raw = _col(sel, p.local_id.column).str.strip_chars().str.to_uppercase()
        local: pl.Expr = pl.when(lid_raw.is_not_null()).then(pl.lit(p.local_id.prefix + ":") + lid_raw)
    else:
        local = pl.lit(None, pl.String)
    role = (_col(sel, p.role_column).str.strip_chars().str.to_uppercase() if p.role_column
            else pl.lit(p.role, pl.String))
    ok = pl.col("name_raw").is_null() | (pl.col("name_raw").str.len_chars() <= m.max_name_length)
    # Each normaliser runs once per distinct value into a struct column; its fields are read next.
    work = sel.with_columns(
        mention_id=pl.col("record_id") + slot_idx,
        slot=pl.lit(p.slot),
        role=role,
        name_raw=raw,
        __nm=parts,
        __dob=dob,
        sex=sex,
        __nhs=_identifier(nhs_number, sel, p.nhs_number),
        __upn=_identifier(upn, sel, p.upn),
        __pnc=_identifier(pnc_id, sel, p.pnc),
        local_id=local,
        __sex_raw=_col(sel, p.sex.column) if p.sex else pl.lit(None, pl.String),
    ).with_columns(
        __name_ok=ok,
        **_name_fields(ok),
        dob=pl.col("__dob").struct.field("date"), dob_status=pl.col("__dob").struct.field("status"),
        nhs_number=pl.col("__nhs").struct.field("value"), nhs_valid=pl.col("__nhs").struct.field("valid"),
        upn=pl.col("__upn").struct.field("value"), upn_valid=pl.col("__upn").struct.field("valid"),
        pnc=pl.col("__pnc").struct.field("value"), pnc_valid=pl.col("__pnc").struct.field("valid"),
    )
    issues = []
    name_field = p.full_name or p.surname or p.forenames or p.slot
    issues.append(_issue(work, ~pl.col("__name_ok"), name_field, "overlong_name"))
    if p.dob:
        issues += _date_issues(work, "dob_status", p.dob.column)
    if p.sex:
        issues.append(_issue(work, pl.col("__sex_raw").is_not_null() & pl.col("sex").is_null()
                             & ~pl.col("__sex_raw").str.to_uppercase().is_in(["U", "UNKNOWN", ""]),
                             p.sex.column, "unknown_code"))
    for col, valid, problem in ((p.nhs_number, "nhs_valid", "invalid_nhs_number"), (p.upn, "upn_valid", "invalid_upn"),
                                (p.pnc, "pnc_valid", "invalid_pnc_id")):
        if col:
            issues.append(_issue(work, pl.col(valid) == False, col, problem))  # noqa: E712
    if p.local_id and p.local_id.required:
        issues.append(_issue(work, pl.col("local_id").is_null(), p.local_id.column, "missing_required_id"))
    primary = p.observed_at[0] if p.observed_at else None
    frame = _finish_persons(work, m, primary, addr_ids)
    obs = _observations(frame, p.observed_at, p.conditional_observed_at, addr_ids)
    return frame.select(PERSON_COLUMNS + [ROW, "event_type"]), obs, issues


_ENTRY = r"^\s*(?P<name>[^(]*?)\s*(?:\((?P<inner>[^)]*)\)?)?\s*$"


def _list_frame(base: pl.DataFrame, m: Mapping, lst: PersonList, first_idx: int, addr_ids: pl.DataFrame,
                max_date: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, list[pl.DataFrame]]:
    """People listed in one column (`Name (dd/mm/yyyy, relationship); ...`), one slot each."""
    items = (base.filter(_col(base, lst.column).is_not_null())
             .with_columns(__item=pl.col(lst.column).str.split(lst.separator))
             .with_columns(__pos=pl.int_ranges(1, pl.col("__item").list.len() + 1))
             .explode(["__item", "__pos"])
             .with_columns(__item=pl.col("__item").str.strip_chars())
             .filter(pl.col("__item").is_not_null() & (pl.col("__item") != "")))
    items = items.with_columns(__pos=pl.col("__pos").rank("ordinal").over(ROW).cast(pl.Int64))
    over = items.filter(pl.col("__pos") > lst.max_people)
    items = items.filter(pl.col("__pos") <= lst.max_people)
    ext = pl.col("__item").str.extract_groups(_ENTRY)
    items = items.with_columns(__g=ext).with_columns(
        __name=pl.col("__g").struct.field("name").replace("", None),
        __inner=pl.col("__g").struct.field("inner").str.split(","),
    ).with_columns(
        __first=pl.col("__inner").list.first().str.strip_chars(),
        __last=pl.col("__inner").list.last().str.strip_chars(),
    )
    looks_date = pl.col("__first").str.contains(r"^\d{1,4}[/\-.]\d{1,2}[/\-.]\d{1,4}$")
    items = items.with_columns(
        __dob_raw=pl.when(looks_date).then(pl.col("__first")),
        __rel=pl.when(pl.col("__inner").list.len() > 1).then(pl.col("__last"))
        .when(~looks_date.fill_null(False)).then(pl.col("__first")),
    )
    ok = pl.col("__name").is_null() | (pl.col("__name").str.len_chars() <= m.max_name_length)
    work = items.with_columns(
        __nm=per_value(items, {"n": pl.col("__name")}, lambda n: split_full_name(n).struct.with_fields(
            preferred_forename=pl.lit(None, pl.String))),
        __dob=_dob(items, "__dob_raw", lst.dob_formats, False, max_date),
    ).with_columns(
        mention_id=pl.col("record_id") + first_idx - 1 + pl.col("__pos"),
        slot=pl.lit(lst.slot_prefix) + pl.col("__pos").cast(pl.String),
        role=pl.col("__rel").str.strip_chars().str.to_uppercase(),
        name_raw=pl.col("__name"),
        **_name_fields(ok),
        sex=pl.lit(None, pl.String),
        nhs_number=pl.lit(None, pl.String), nhs_valid=pl.lit(None, pl.Boolean),
        upn=pl.lit(None, pl.String), upn_valid=pl.lit(None, pl.Boolean),
        pnc=pl.lit(None, pl.String), pnc_valid=pl.lit(None, pl.Boolean),
        local_id=pl.lit(None, pl.String),
        __name_ok=ok,
        dob=pl.col("__dob").struct.field("date"), dob_status=pl.col("__dob").struct.field("status"),
    )
    issues = [
        _issue(work, ~pl.col("__name_ok"), lst.column, "overlong_name"),
        _issue(work, pl.col("dob_status") == "invalid", lst.column, "unparseable_date"),
        _issue(work, pl.col("dob_status") == "implausible", lst.column, "implausible_date"),
        _issue(work, pl.col("__name").is_null(), lst.column, "list_entry_without_name"),
        _issue(over.unique(ROW), pl.lit(True), lst.column, "too_many_list_entries"),
    ]
    primary = lst.observed_at[0] if lst.observed_at else None
    frame = _finish_persons(work, m, primary, addr_ids)
    obs = _observations(frame, lst.observed_at, {}, addr_ids)
    return frame.select(PERSON_COLUMNS + [ROW, "event_type"]), obs, issues


def apply_mapping(raw: RawTable, m: Mapping, file_seq: int, source_file: str,
                  max_date: dt.date | None = None) -> CanonicalFrames:
    """Turn one raw extract into canonical frames, every readable row kept."""
    max_date = max_date or dt.date.today()
    df = raw.frame
    missing = [c for c in m.required_columns if c not in df.columns]
    if missing:  # layout detection guarantees this; a direct call may not
        raise ValueError(f"{source_file}: missing columns {missing}")
    records, issues = build_records(df, m, file_seq, source_file, max_date)
    addresses = build_addresses(df, m, records)
    issues += [_issue(df, uprn(_col(df, a.uprn)).struct.field("valid") == False, a.uprn, "invalid_uprn")  # noqa: E712
               for a in m.addresses if a.uprn]
    persons, observations, p_issues = build_persons(df, m, records, addresses, max_date)
    persons = persons.drop([ROW, "event_type"]) if persons.width else persons
    all_issues = [i for i in [raw.issues, *issues, *p_issues] if i.height]
    issues_df = (pl.concat(all_issues, how="vertical") if all_issues
                 else pl.DataFrame(schema=ISSUE_SCHEMA))
    return CanonicalFrames(records, persons, addresses, observations, issues_df)
