"""Read CSV text into rows without letting one bad record cost the rest of the file.

Rows are numbered as agency-formats.md defines: 1-based, header excluded. How records are cut:

- A physical line ends at CRLF, LF or a lone CR (classic Mac files and mixed endings read alike).
- A record is a line, or several when a quoted field holds line breaks; such a record is ONE row.
- A wholly empty line outside a quoted field is not a record: it is skipped and not numbered
  (the count is noted on the file).
- A line that cannot be read is one row, quarantined with a reason naming its physical line
  (`line N` counts every line of the file, header included, as an editor shows them).
- A quote left open (a broken quote) is recognised when the record it would open runs past
  `MAX_SPAN` lines, reaches the end of the file, or swallows a line that is a whole record on its
  own: only the line holding the broken quote is taken out (kept with its value marked
  `malformed_quoting` when it still splits into the header's columns, else quarantined) and
  reading starts again on the next line.

Speed: a clean file is parsed by polars straight from its bytes and checked cheaply (record count
from the quote parity of each line, short rows, continuation lines); only a file that fails a check
takes the careful path, and even then polars parses every good record and Python touches only the
bad ones.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from chronolink.engine.errors import ExtractError
from chronolink.engine.ingest.value_checks import ISSUE_SCHEMA, ROW, empty_issues

csv.field_size_limit(1 << 30)  # a huge field is stored and marked overlong, never an error
MAX_SPAN = 500  # lines one quoted field may span before its opening quote is called broken
QUARANTINE_SCHEMA = {"source_row": pl.Int64, "reason": pl.String, "raw": pl.String}
_QUOTED = r'"[^"]*(?:"|$)'  # a quoted section, or an open one running to the end of the line
_ENTRY_INSIDE = r'^[^"]*(?:"|$)'  # the rest of a quoted section a continuation line starts inside


@dataclass
class CsvParse:
    """Rows of a CSV text, the physical lines each row spans, quarantined records, marks and notes."""

    header: list[str]
    frame: pl.DataFrame  # ROW + text columns c0, c1, ... by position (raw, unstripped)
    spans: pl.DataFrame  # ROW, first_line, last_line (0-based physical lines) of every row, stored or not
    quarantined: pl.DataFrame
    issues: pl.DataFrame = field(default_factory=empty_issues)  # field named by position (c0, c1, ...)
    notes: list[str] = field(default_factory=list)
    fallback_rows: pl.Series = field(default_factory=lambda: pl.Series(ROW, [], dtype=pl.Int64))


def rows_of_lines(lines: pl.DataFrame, spans: pl.DataFrame, nl_lines: list[int]) -> pl.Series:
    """The rows whose physical lines include any of the given '\\n'-line indices."""
    if not nl_lines or spans.height == 0:
        return pl.Series(ROW, [], dtype=pl.Int64)
    hit = lines.filter(pl.col("nl").is_in(pl.Series(nl_lines, dtype=pl.Int64).implode())).select("i").sort("i")
    found = hit.join_asof(spans.sort("first_line"), left_on="i", right_on="first_line", strategy="backward")
    return found.filter(pl.col("i") <= pl.col("last_line"))[ROW].unique().sort()


def _split_lines(text: str) -> pl.DataFrame:
    """Physical lines (text without terminator), their terminators and '\\n'-line index."""
    parts = text.split("\n")
    ends_with_lf = len(parts) > 1 and parts[-1] == ""
    if ends_with_lf:
        parts.pop()  # the terminator of the last line, not an empty line after it
    lines = pl.Series("line", parts, dtype=pl.String)
    stripped = lines.str.strip_suffix("\r")
    lone_cr = (not ends_with_lf and text.endswith("\r")) or bool(stripped.str.contains("\r", literal=True).any())
    if not lone_cr:
        frame = pl.DataFrame({"line": stripped}).with_columns(
            term=pl.when(lines.str.ends_with("\r")).then(pl.lit("\r\n")).otherwise(pl.lit("\n")),
            nl=pl.int_range(pl.len(), dtype=pl.Int64))
        if not ends_with_lf:
            frame = frame.with_columns(term=pl.when(pl.col("nl") == frame.height - 1).then(pl.lit(""))
                                       .otherwise(pl.col("term")))
    else:  # classic Mac or mixed line endings: a lone CR ends a line too
        parts = re.split(r"(\r\n|\r|\n)", text)
        if len(parts) > 1 and parts[-1] == "":
            parts.pop()
        else:
            parts.append("")
        frame = pl.DataFrame({"line": parts[0::2], "term": parts[1::2]}, schema={"line": pl.String, "term": pl.String})
        frame = frame.with_columns(
            nl=pl.col("term").str.contains("\n", literal=True).cast(pl.Int64).cum_sum().shift(1, fill_value=0))
    return frame.with_columns(i=pl.int_range(pl.len(), dtype=pl.Int64))


def _segment(lines: pl.DataFrame) -> pl.DataFrame:
    """Tentative records by quote parity: per line its entry parity P, whether it is skipped, its record."""
    odd = pl.col("odd").cast(pl.Int64)
    return lines.with_columns(P=(odd.cum_sum() - odd) % 2).with_columns(
        skip=(pl.col("P") == 0) & pl.col("blank"),
        start=(pl.col("P") == 0) & ~pl.col("blank"),
    ).with_columns(rec=pl.col("start").cast(pl.Int64).cum_sum())


def _line_stats(lines: pl.DataFrame) -> pl.DataFrame:
    line = pl.col("line")
    return lines.with_columns(
        odd=(line.str.count_matches('"', literal=True) % 2) == 1,
        blank=line.str.strip_chars(" \t\x00") == "",
        commas=line.str.count_matches(",", literal=True),
    )


def _parse_header(first: str) -> list[str]:
    row = next(csv.reader(io.StringIO(first, newline="")), None)
    if not row:
        raise ExtractError("the first line holds no column names")
    return row


def _records(seg: pl.DataFrame, width: int, with_fields: bool) -> pl.DataFrame:
    """One row per tentative record: first/last line, line count, closed, and checks."""
    aggs = [pl.col("i").first().alias("s"), pl.col("i").last().alias("e"), pl.len().alias("n"),
            (pl.col("odd").cast(pl.Int64).sum() % 2 == 0).alias("closed"),
            # a line inside a quoted field that is a whole record on its own: a quote left open swallowed it
            ((pl.col("P") == 1) & ~pl.col("odd") & (pl.col("commas") >= max(width - 1, 1))).any().alias("cont_full")]
    if with_fields:
        aggs.append((pl.when(pl.col("P") == 0).then(pl.col("c_out")).otherwise(pl.col("c_in")).sum() + 1)
                    .alias("fields"))
    return seg.filter(~pl.col("skip") & (pl.col("rec") > 0)).group_by("rec", maintain_order=True).agg(aggs)


def _names(width: int) -> list[str]:
    return [f"c{j}" for j in range(width)]


def _polars_rows(buffer: bytes, width: int) -> pl.DataFrame:
    return pl.read_csv(buffer, has_header=False, schema={c: pl.String for c in _names(width)}, quote_char='"',
                       raise_if_empty=False, truncate_ragged_lines=False)


def _python_rows(texts: list[str], width: int) -> pl.DataFrame:
    rows = [next(csv.reader(io.StringIO(t, newline="")), []) for t in texts]
    cols: list[Sequence[str]] = list(zip(*rows)) if rows else [[] for _ in range(width)]
    return pl.DataFrame({h: pl.Series(h, list(c), dtype=pl.String) for h, c in zip(_names(width), cols)})


def _fast(data: bytes, lines: pl.DataFrame, body_seg: pl.DataFrame, recs: pl.DataFrame, width: int) -> pl.DataFrame | None:
    """Rows of a clean file parsed by polars from its bytes; None when any cheap check fails."""
    if recs.height and (not recs["closed"].all() or recs["cont_full"].any() or (recs["n"] > MAX_SPAN).any()):
        return None
    try:
        frame = pl.read_csv(data, has_header=True, infer_schema=False, quote_char='"', raise_if_empty=False,
                            truncate_ragged_lines=False)
    except Exception:
        return None
    if frame.width != width:
        return None
    # polars returns a row for each empty line outside quotes; the records are the rest
    body = body_seg.filter(pl.col("P") == 0)
    if frame.height != body.height:
        return None
    frame.columns = _names(width)
    frame = frame.filter(~body["skip"])
    # A short row is padded with nulls by polars; only a row whose last field is null can be one.
    last = frame.select(pl.col(f"c{width - 1}").is_null()).to_series()
    if last.any():
        maybe = recs.filter(last)
        # a one-line record (its quotes balanced: checked above) has one field more than it has commas
        # outside quoted sections: counted in bulk; only multi-line records are split by Python's csv module
        one = lines["line"].gather(maybe.filter(pl.col("n") == 1)["s"])
        if (one.str.replace_all(_QUOTED, "").str.count_matches(",", literal=True) != width - 1).any():
            return None
        texts = _record_texts(lines, maybe.filter(pl.col("n") > 1))
        if any(len(next(csv.reader(io.StringIO(t, newline="")), [])) != width for t in texts):
            return None
    return frame


def _record_texts(lines: pl.DataFrame, recs: pl.DataFrame) -> list[str]:
    """The text of each record (its lines joined with their own line endings), in the order of `recs`."""
    if recs.height == 0:
        return []
    # each record's line numbers, gathered directly (a join over every line of the file costs more)
    idx = recs.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("k"), pl.col("e"),
                      pl.int_ranges("s", pl.col("e") + 1, dtype=pl.Int64).alias("i")).explode("i")
    pieces = (idx.with_columns(line=lines["line"].gather(idx["i"]), term=lines["term"].gather(idx["i"]))
              .with_columns(piece=pl.when(pl.col("i") == pl.col("e")).then(pl.col("line"))
                            .otherwise(pl.col("line") + pl.col("term")))
              .group_by("k", maintain_order=True).agg(pl.col("piece").str.join("")))
    return pieces["piece"].to_list()


def _split_values(text: str) -> list[str]:
    return next(csv.reader(io.StringIO(text, newline="")), [])


def _careful(lines: pl.DataFrame, width: int, header_end: int) -> tuple[
        pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Records by quote parity, re-synchronised after each broken quote.

    Returns (good record spans, rows read by Python with their spans and the value they mark, quarantined
    spans with reasons, the lines with their field counts).
    """
    line = pl.col("line")
    lines = lines.with_columns(
        c_out=line.str.replace_all(_QUOTED, "").str.count_matches(",", literal=True),
        c_in=line.str.replace(_ENTRY_INSIDE, "").str.replace_all(_QUOTED, "").str.count_matches(",", literal=True))
    good: list[pl.DataFrame] = []
    ragged: list[tuple[int, int, int]] = []
    quarantined: list[tuple[int, int, str]] = []
    py_rows: list[tuple[int, int, list[str], list[int], str]] = []  # (first, last line, values, marked, problem)
    pos = header_end + 1
    while pos < lines.height:
        recs = _records(_segment(lines.slice(pos)), width, with_fields=True)
        broken = (~pl.col("closed") | pl.col("cont_full") | (pl.col("n") > MAX_SPAN))
        recs = recs.with_columns(ok=(pl.col("fields") == width) & ~broken,
                                 flip=broken & ((pl.col("n") > 1) | ~pl.col("closed")))
        flips = recs.filter(pl.col("flip"))
        upto = recs if flips.height == 0 else recs.filter(pl.col("s") < flips["s"][0])
        good.append(upto.filter(pl.col("ok")).select("s", "e"))
        ragged += upto.filter(~pl.col("ok")).select("s", "e", "fields").rows()
        if flips.height == 0:
            break
        s = int(flips["s"][0])
        values = _split_values(lines["line"][s])
        if len(values) == width:
            py_rows.append((s, s, values, [j for j, v in enumerate(values) if '"' in v] or [0], "malformed_quoting"))
        elif not flips["closed"][0] and int(flips["e"][0]) == lines.height - 1 and flips["n"][0] == 1:
            quarantined.append((s, s, "unterminated quoted field: the file ends inside it"))
        else:
            quarantined.append((s, s, "broken quote: a quoted field is not closed on its line"))
        pos = s + 1
    good_df = pl.concat(good) if good else pl.DataFrame(schema={"s": pl.Int64, "e": pl.Int64})
    # a break typed in the first field leaves a one-field line before a line with every other field
    ones = {e + 1 for s, e, n in ragged if s == e and n == 1}
    if ones:
        taken = good_df.filter(pl.col("s").is_in(pl.Series(sorted(ones), dtype=pl.Int64).implode())
                               & (pl.col("s") == pl.col("e")))
        good_df = good_df.join(taken, on=["s", "e"], how="anti")
        ragged = sorted(ragged + [(s, e, width) for s, e in taken.rows()])
    py_rows += _rejoin_split_lines(lines, ragged, width, quarantined)
    py_df = pl.DataFrame(py_rows, schema={"s": pl.Int64, "e": pl.Int64, "values": pl.List(pl.String),
                                          "marked": pl.List(pl.Int64), "problem": pl.String}, orient="row")
    q_df = pl.DataFrame(quarantined, schema={"s": pl.Int64, "e": pl.Int64, "reason": pl.String}, orient="row")
    return good_df, py_df, q_df, lines


def _rejoin_split_lines(lines: pl.DataFrame, ragged: list[tuple[int, int, int]], width: int,
                        quarantined: list[tuple[int, int, str]]) -> list[tuple[int, int, list[str], list[int], str]]:
    """Two short lines in a row that make one record when joined: a line break typed inside an unquoted
    field. They are one row, its value keeping the break and marked `line_break_in_field`; every other
    ragged record is quarantined."""
    joined: list[tuple[int, int, list[str], list[int], str]] = []
    i = 0
    while i < len(ragged):
        s, e, n_fields = ragged[i]
        if i + 1 < len(ragged) and s == e and ragged[i + 1][0] == e + 1 == ragged[i + 1][1]:
            first, second = _split_values(lines["line"][s]), _split_values(lines["line"][e + 1])
            if first and second and len(first) + len(second) - 1 == width:
                value = first[-1] + lines["term"][s] + second[0]
                joined.append((s, e + 1, first[:-1] + [value] + second[1:], [len(first) - 1], "line_break_in_field"))
                i += 2
                continue
        if n_fields == width:  # a whole record after all (it was only taken out to try the join)
            joined.append((s, e, _split_values(lines["line"][s]), [], ""))
        else:
            quarantined.append((s, e, f"row has {n_fields} fields, the header has {width}"))
        i += 1
    return joined


def parse_csv_text(text: str, data: bytes | None = None, fallback_lines: list[int] | None = None) -> CsvParse:
    """Parse CSV text (and its UTF-8 bytes, BOM removed, when the caller has them) into numbered rows.

    The frame's columns are `c0`, `c1`, ... by position (the caller names them after checking the
    header). `fallback_lines` ('\\n'-line indices decoded as Windows-1252) become `fallback_rows`.
    Raises `ExtractError` (without the file's name: the caller adds it) when there is no header line.
    """
    lines = _line_stats(_split_lines(text))
    seg = _segment(lines)
    if not seg["start"].any():
        raise ExtractError("the file holds no lines")
    head_rec = _records(seg.filter(pl.col("rec") == 1), 1, with_fields=False)
    h_s, h_e = int(head_rec["s"][0]), int(head_rec["e"][0])
    if not head_rec["closed"][0] or h_e - h_s > 3:
        h_e = h_s  # a broken quote in the header: the first line alone is the header
    header = _parse_header(_record_texts(lines, pl.DataFrame({"s": [h_s], "e": [h_e]}))[0])
    width = len(header)
    notes: list[str] = []
    body_seg = _segment(lines.slice(h_e + 1))
    blank_lines = int(body_seg["skip"].sum())
    if blank_lines:
        notes.append(f"{blank_lines} empty lines skipped")
    recs = _records(body_seg, width, with_fields=False)
    lone_cr = bool(lines["term"].eq("\r").any())
    if h_s == 0 and not lone_cr:
        fast = _fast(data if data is not None else text.encode("utf-8"), lines, body_seg, recs, width)
        if fast is not None:
            spans = recs.select(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW),
                                pl.col("s").alias("first_line"), pl.col("e").alias("last_line"))
            frame = fast.with_columns(spans[ROW]).select([ROW, *_names(width)])
            return CsvParse(header, frame, spans, pl.DataFrame(schema=QUARANTINE_SCHEMA), notes=notes,
                            fallback_rows=rows_of_lines(lines, spans, fallback_lines or []))
    parsed = _assemble(lines, header, h_e, notes)
    parsed.fallback_rows = rows_of_lines(lines, parsed.spans, fallback_lines or [])
    return parsed


def _assemble(lines: pl.DataFrame, header: list[str], header_end: int, notes: list[str]) -> CsvParse:
    width = len(header)
    good, py, quar, lines = _careful(lines, width, header_end)
    names = _names(width)
    texts = _record_texts(lines, good)
    frame = None
    if texts:
        try:
            frame = _polars_rows(("\n".join(texts) + "\n").encode("utf-8"), width)
            if frame.height != len(texts):
                frame = None
        except Exception:
            frame = None
        if frame is None:  # polars and the quote-parity cut disagree: Python's csv module decides
            frame = _python_rows(texts, width)
    else:
        frame = pl.DataFrame(schema={h: pl.String for h in names})
    frame = frame.with_columns(good["s"].alias("__s"))
    if py.height:
        py_frame = pl.DataFrame({h: py["values"].list.get(j) for j, h in enumerate(names)}).with_columns(
            py["s"].alias("__s"))
        frame = pl.concat([frame, py_frame], how="vertical")
    spans = pl.concat([good.select("s", "e"), py.select("s", "e"), quar.select("s", "e")]
                      ).sort("s").with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW))
    frame = frame.join(spans.select(pl.col("s").alias("__s"), ROW), on="__s", how="left").sort(ROW)
    frame = frame.select([ROW, *names])
    quarantined = quar.with_columns(raw=pl.Series(_record_texts(lines, quar), dtype=pl.String)).join(
        spans.select("s", ROW), on="s", how="left").select(
        pl.col(ROW).alias("source_row"),
        (pl.col("reason") + pl.lit(" (line ") + (pl.col("s") + 1).cast(pl.String) + pl.lit(")")).alias("reason"),
        pl.col("raw")).sort("source_row")
    issues = py.filter(pl.col("problem") != "").join(spans.select("s", ROW), on="s").select(
        pl.col(ROW).alias("source_row"), pl.col("marked").alias("field"), "problem").explode("field").select(
        "source_row", (pl.lit("c") + pl.col("field").cast(pl.String)).alias("field"), "problem").cast(ISSUE_SCHEMA)
    if quar.height:
        notes.append(f"{quar.height} records could not be read and are quarantined")
    out_spans = spans.select(ROW, pl.col("s").alias("first_line"), pl.col("e").alias("last_line"))
    return CsvParse(header, frame, out_spans, quarantined, issues, notes)
