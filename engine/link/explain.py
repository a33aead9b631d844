"""Explanations: the match-weight waterfall of any two mentions under any stored run's model."""
from __future__ import annotations

import duckdb

from chronolink.engine.errors import ExplainError  # noqa: F401 (re-exported: its home is engine.errors)
from chronolink.engine.link.comparisons import COMPARISONS, Comparison
from chronolink.engine.link.model import LinkModel
from chronolink.engine.link.spec import StoredModel
from chronolink.engine.store.keys import parse_mention_key


def resolve_mention(con: duckdb.DuckDBPyConnection, ref: str | int) -> int:
    """Mention id from an id or a `source_file:source_row:slot` key."""
    if isinstance(ref, int) or str(ref).isdigit():
        mid = int(ref)
        if con.execute("SELECT count(*) FROM person_mentions WHERE mention_id = ?", [mid]).fetchall()[0][0]:
            return mid
        raise ExplainError(f"no person mention with id {mid}")
    parts = parse_mention_key(str(ref))
    if parts is None:
        raise ExplainError("a mention is an id or source_file:source_row:slot")
    row = con.execute(
        "SELECT mention_id FROM person_mentions WHERE source_file = ? AND source_row = ? AND slot = ?",
        list(parts),
    ).fetchall()
    if not row:
        raise ExplainError("no person mention with that source_file:source_row:slot")
    return row[0][0]


def _stored_model(con: duckdb.DuckDBPyConnection, run_id: int | None = None) -> tuple[LinkModel, tuple[Comparison, ...]]:
    """A run's parameters (the latest run's when `run_id` is None) and the comparisons it was linked
    with: its stored spec, so an older run is explained as it was linked, whatever came after."""
    try:
        if run_id is None:
            row = con.execute("SELECT model FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()
        else:
            row = con.execute("SELECT model FROM link_runs WHERE run_id = ?", [int(run_id)]).fetchall()
    except duckdb.CatalogException:
        row = []
    if not row:
        raise ExplainError("no link run yet: run `chronolink link` first" if run_id is None else f"no link run {run_id}")
    stored = StoredModel.from_json(row[0][0])
    if stored.spec is not None:
        return stored.params, stored.spec.comparisons
    # A store linked before runs stored their spec: today's levels, if they are the ones it used.
    model = stored.params
    if any([lp.label for lp in model.comparisons.get(c.name, [])] != [lv.label for lv in c.levels] for c in COMPARISONS):
        raise ExplainError("that link run stored only its parameters, for other comparison levels than today's: "
                           "run `chronolink link` again")
    return model, COMPARISONS


def explain_pair(con: duckdb.DuckDBPyConnection, a: str | int, b: str | int, run_id: int | None = None) -> list[dict]:
    """Waterfall rows for mentions `a` and `b` under run `run_id` (default the latest): the prior, one
    row per comparison (level, label, m, u, weight, cumulative weight), then the total with its match
    probability.

    Levels and weights are computed by the SQL that run declared and the parameters it trained (its
    stored model), over the mentions' signatures and the term frequencies the store holds now."""
    ma, mb = resolve_mention(con, a), resolve_mention(con, b)
    model, comps = _stored_model(con, run_id)
    sids = dict(con.execute("SELECT mention_id, sid FROM link_msig WHERE mention_id IN (?, ?)", [ma, mb]).fetchall())
    if ma not in sids or mb not in sids:
        raise ExplainError("mention not in the latest link run; run `chronolink link` again")
    tf_cols = [col for c in comps if (col := c.tf_column())]
    levels = ", ".join(f"{c.case_sql()} AS g_{c.name}" for c in comps)
    weights = ", ".join(
        f"{model.weight_case_sql(c.name, f'tf_{c.tf_column()}.tf' if c.tf_column() else None, c)} AS w_{c.name}"
        for c in comps)
    row = con.execute(f"""
        WITH g AS (SELECT {levels}{"".join(f", r.{col} AS v_{col}" for col in tf_cols)}
                   FROM link_sig l, link_sig r WHERE l.sid = ? AND r.sid = ?)
        SELECT {", ".join(f"g_{c.name}" for c in comps)}, {weights}{"".join(f", tf_{col}.tf" for col in tf_cols)}
        FROM g {" ".join(f"LEFT JOIN link_tf_{col} tf_{col} ON tf_{col}.value = g.v_{col}" for col in tf_cols)}
    """, [sids[ma], sids[mb]]).fetchall()[0]
    n = len(comps)
    levels_, weights_, tf = row[:n], row[n: 2 * n], dict(zip(tf_cols, row[2 * n:]))
    out: list[dict] = []
    total = model.prior_weight
    out.append({"comparison": "prior", "level": None, "label": "prior odds that two people picked at random are one",
                "m": None, "u": None, "weight": round(total, 3), "cumulative": round(total, 3)})
    for comp, lvl, w in zip(comps, levels_, weights_):
        lp = model.comparisons[comp.name][int(lvl)]
        tf_col = comp.levels[int(lvl)].tf
        label = lp.label
        if tf_col and not lp.null and tf.get(tf_col):
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
