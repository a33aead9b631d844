"""The evidence step: the scored pairs kept in the store (`pairs_out`), each mention's link into its
person explained, and the borderline pairs between persons for review."""
from __future__ import annotations

from chronolink.engine.link.blocking import rule_names
from chronolink.engine.link.comparisons import COMPARISONS
from chronolink.engine.link.engine import LinkEngine


def link_evidence(eng: LinkEngine) -> None:
    """Work table `pairs_out` from `scored`, `pcedge`, `cluster`, `band`, `m` and `sig` (`band`: borderline, for review)."""
    names = rule_names()
    rule_case = "CASE rule " + " ".join(f"WHEN {i} THEN '{n}'" for i, n in enumerate(names)) + " END"
    # For every pre-cluster of a person, the strongest scored pair tying it to the rest of that
    # person (so every mention's link into its person is explained), plus the strongest
    # borderline pair of every two persons that may be one (persons._reviewable), for review.
    # (`best` orders by weight, then signature ids: ties resolve the same way on every run.)
    eng.materialise("pcl", "SELECT DISTINCT m.pc, c.cluster FROM _lk_m m JOIN _lk_cluster c USING (mention_id)")
    eng.materialise("keep", """
        WITH e AS (
            SELECT e.pc_a, e.pc_b, e.w, e.best, a.cluster AS ca, b.cluster AS cb
            FROM _lk_pcedge e JOIN _lk_pcl a ON a.pc = e.pc_a JOIN _lk_pcl b ON b.pc = e.pc_b
        ), inside AS (
            SELECT pc_a AS pc, w, best FROM e WHERE ca = cb UNION ALL SELECT pc_b, w, best FROM e WHERE ca = cb
        )
        SELECT DISTINCT best.sid_l, best.sid_r, FALSE AS band FROM (SELECT max(best) AS best FROM inside GROUP BY pc)
        UNION ALL
        SELECT best.sid_l, best.sid_r, TRUE FROM (
            SELECT max(best) AS best FROM e SEMI JOIN _lk_band b ON b.pc_a = e.pc_a AND b.pc_b = e.pc_b
            GROUP BY least(ca, cb), greatest(ca, cb)
        )""")
    # Comparisons as JSON built once per distinct pattern of levels and weights, not per pair.
    gw = [f"g_{c.name}" for c in COMPARISONS] + [f"w_{c.name}" for c in COMPARISONS]
    parts = " || ',' || ".join(
        f"'\"{c.name}\":{{\"level\":' || g_{c.name} || ',\"weight\":' || CAST(round(w_{c.name}, 3) AS VARCHAR) || '}}'"
        for c in COMPARISONS)
    eng.materialise("pairs_out", f"""
        WITH s AS (
            SELECT k.band, s.* FROM _lk_keep k JOIN _lk_scored s ON s.sid_l = k.sid_l AND s.sid_r = k.sid_r
        ), pat AS (
            SELECT {", ".join(gw)}, CAST('{{' || {parts} || '}}' AS JSON) AS comparisons
            FROM (SELECT DISTINCT {", ".join(gw)} FROM s)
        )
        SELECT l.rep_mention AS mention_id_l, r.rep_mention AS mention_id_r, s.match_weight, s.match_probability,
               pat.comparisons, {rule_case} AS blocking_rule, s.band
        FROM s JOIN pat USING ({", ".join(gw)})
        JOIN _lk_sig l ON l.sid = s.sid_l JOIN _lk_sig r ON r.sid = s.sid_r""")
    eng.drop("pcl", "keep")
