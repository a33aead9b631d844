"""Explanations: the match-weight waterfall of any two mentions under the latest trained model."""
from __future__ import annotations

import math

import duckdb

from chronolink.engine.errors import ExplainError  # noqa: F401 (re-exported: its home is engine.errors)
from chronolink.engine.link.comparisons import COMPARISONS, gamma_select_sql
from chronolink.engine.link.model import LinkModel
from chronolink.engine.link.scoring import TF_COLUMNS


def resolve_mention(con: duckdb.DuckDBPyConnection, ref: str | int) -> int:
    """Mention id from an id or a `source_file:source_row:slot` key."""
    if isinstance(ref, int) or str(ref).isdigit():
        mid = int(ref)
        if con.execute("SELECT count(*) FROM person_mentions WHERE mention_id = ?", [mid]).fetchall()[0][0]:
            return mid
        raise ExplainError(f"no person mention with id {mid}")
    parts = str(ref).rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        raise ExplainError("a mention is an id or source_file:source_row:slot")
    row = con.execute(
        "SELECT mention_id FROM person_mentions WHERE source_file = ? AND source_row = ? AND slot = ?",
        [parts[0], int(parts[1]), parts[2]],
    ).fetchall()
    if not row:
        raise ExplainError("no person mention with that source_file:source_row:slot")
    return row[0][0]


def _model(con: duckdb.DuckDBPyConnection) -> LinkModel:
    try:
        row = con.execute("SELECT model FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()
    except duckdb.CatalogException:
        row = []
    if not row:
        raise ExplainError("no link run yet: run `chronolink link` first")
    model = LinkModel.model_validate_json(row[0][0])
    # A store linked by an earlier version has other comparison levels: its levels cannot be read now.
    if any([lp.label for lp in model.comparisons.get(c.name, [])] != [lv.label for lv in c.levels] for c in COMPARISONS):
        raise ExplainError("the latest link run used other comparison levels: run `chronolink link` again")
    return model


def explain_pair(con: duckdb.DuckDBPyConnection, a: str | int, b: str | int) -> list[dict]:
    """Waterfall rows for mentions `a` and `b`: the prior, one row per comparison (level, label,
    m, u, weight, cumulative weight), then the total with its match probability."""
    ma, mb = resolve_mention(con, a), resolve_mention(con, b)
    model = _model(con)
    sids = dict(con.execute("SELECT mention_id, sid FROM link_msig WHERE mention_id IN (?, ?)", [ma, mb]).fetchall())
    if ma not in sids or mb not in sids:
        raise ExplainError("mention not in the latest link run; run `chronolink link` again")
    row = con.execute(f"""
        SELECT {gamma_select_sql()}{"".join(f", tf_{c}.tf" for c in TF_COLUMNS)}
        FROM link_sig l, link_sig r
        {" ".join(f"LEFT JOIN link_tf_{c} tf_{c} ON tf_{c}.value = r.{c}" for c in TF_COLUMNS)}
        WHERE l.sid = ? AND r.sid = ?
    """, [sids[ma], sids[mb]]).fetchall()[0]
    levels, tf = row[: len(COMPARISONS)], dict(zip(TF_COLUMNS, row[len(COMPARISONS):]))
    out: list[dict] = []
    total = model.prior_weight
    out.append({"comparison": "prior", "level": None, "label": "prior odds that two people picked at random are one",
                "m": None, "u": None, "weight": round(total, 3), "cumulative": round(total, 3)})
    for comp, lvl in zip(COMPARISONS, levels):
        lp = model.comparisons[comp.name][int(lvl)]
        w = lp.weight
        tf_col = comp.levels[int(lvl)].tf
        label = lp.label
        if tf_col and not lp.null and tf.get(tf_col):
            w += model.tf_weight * (math.log2(lp.u) - math.log2(max(tf[tf_col], 1e-9)))
            label = f"{label} (term frequency {tf[tf_col]:.4f})"
        total += w
        out.append({"comparison": comp.name, "level": int(lvl), "label": label, "m": lp.m, "u": lp.u,
                    "weight": round(w, 3), "cumulative": round(total, 3)})
    prob = 1.0 / (1.0 + 2.0 ** (-total))
    out.append({"comparison": "total", "level": None, "label": "match weight", "m": None, "u": None,
                "weight": round(total, 3), "cumulative": round(total, 3), "probability": prob})
    return out


def format_waterfall(rows: list[dict]) -> str:
    """Plain-text waterfall (one line per comparison, with a bar)."""
    lines = []
    for r in rows:
        w = r["weight"]
        bar = ("+" if w >= 0 else "-") * min(40, int(round(abs(w))))
        extra = f"  p={r['probability']:.4f}" if "probability" in r else ""
        lines.append(f"{r['comparison']:<14} {r['label'][:52]:<52} {w:>8.2f} {r['cumulative']:>8.2f} {bar}{extra}")
    return "\n".join(lines)
