"""Incremental linkage: link only the mentions that are new since the last run, with its stored model.

New address mentions are placed by incremental_places (a twin of a stored mention takes its place,
others are keyed among the stored mentions their key depends on); new person mentions are pre-clustered (joining a stored
pre-cluster through a shared identifier or an identical record), signed, blocked against the
stored signatures, scored with the stored model and term frequencies, and clustered into the
existing persons they touch under the same constraints (each existing person one unit of the
clustering). Ids are kept; a person absorbed into another is a merge, recorded as in a full run.
A full relink (`link --full`) retrains and may also split; `run_link` chooses it when the new
mentions are more than `incremental_max_share` of the store, or anything else changed.
"""
from __future__ import annotations

import polars as pl

from chronolink.engine.link.blocking import block
from chronolink.engine.link.features import build_mentions, build_signatures, nickname_tables
from chronolink.engine.link.gammas import gamma_table
from chronolink.engine.link.incremental_places import decided_since
from chronolink.engine.link.persist import most_common_sql
from chronolink.engine.link.persons import cluster_persons
from chronolink.engine.link.review import MENTION_KEY_SQL, queue_pairs
from chronolink.engine.link.scoring import score
from chronolink.engine.link.spec import SPEC, StoredModel
from chronolink.engine.store.transactions import transaction

_STORED = ("link_sig", "link_msig")
_ID_KEYS = (("N", "nhs_set"), ("U", "upn_set"), ("P", "pnc_set"), ("L", "police_set"), ("L", "probation_set"),
            ("L", "csc_set"))


def why_not_incremental(con, max_share: float) -> str | None:  # noqa: ANN001 - the store's connection
    """Why this store needs a full link (no trained model, other levels, removed mentions, analysts'
    decisions since, too many new mentions), or None when only new mentions need linking."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    if not set(_STORED) <= tables:
        return "no stored model"
    row = con.execute("SELECT model, started_at FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()
    if not row:
        return "no stored model"
    stored = StoredModel.from_json(row[0][0])
    if stored.spec != SPEC:
        return "the model declaration changed"
    gone = con.execute("SELECT count(*) FROM link_msig ANTI JOIN person_mentions USING (mention_id)").fetchall()[0][0]
    if gone:
        return "mentions were removed"
    decided = con.execute("SELECT count(*) FROM link_review WHERE decided_at >= ?", [row[0][1]]).fetchall()[0][0]
    if decided:
        return "analysts decided pairs since"
    n_all, n_new = con.execute("SELECT count(*), count(*) FILTER (WHERE person_id IS NULL) FROM person_mentions").fetchall()[0]
    if n_new > max_share * n_all:
        return f"{n_new} new mentions of {n_all}"
    return None


def new_mentions(con) -> int:  # noqa: ANN001
    """How many person and address mentions have no id yet, or a place decided on since the last run."""
    return con.execute(f"""SELECT (SELECT count(*) FROM person_mentions WHERE person_id IS NULL)
                                 + (SELECT count(*) FROM address_mentions WHERE address_id IS NULL)
                                 + (SELECT count(*) FROM ({decided_since(con)}))""").fetchall()[0][0]


def stored_model(con):  # noqa: ANN001, ANN201
    """The latest run's trained parameters."""
    return StoredModel.from_json(con.execute("SELECT model FROM link_runs ORDER BY run_id DESC LIMIT 1").fetchall()[0][0]).params


def new_pre_clusters(ctx) -> None:  # noqa: ANN001
    """Work tables `m` and `pc` for the new person mentions, each pre-cluster joined to the stored one
    that holds one of its identifiers or is written identically (`pcmap`: new pc -> stored pc; two
    stored pre-clusters a new mention ties together go to `bridge`, merged unconditionally)."""
    eng = ctx.eng
    eng.materialise("newpm", "SELECT * FROM person_mentions WHERE person_id IS NULL")
    nickname_tables(eng)
    build_mentions(eng, "_lk_newpm", "_lk_addr", stats="person_mentions", settings=ctx.settings)
    ids = " UNION ALL ".join(f"SELECT DISTINCT pc, '{p}' || unnest({col}) AS k FROM link_sig" for p, col in _ID_KEYS)
    eng.materialise("oldids", ids)
    eng.materialise("pcmap", """
        WITH newids AS (
            SELECT pc, 'N' || nhs AS k FROM _lk_m WHERE nhs IS NOT NULL UNION SELECT pc, 'U' || upn FROM _lk_m WHERE upn IS NOT NULL
            UNION SELECT pc, 'P' || pnc FROM _lk_m WHERE pnc IS NOT NULL UNION SELECT pc, 'L' || local_id FROM _lk_m WHERE local_id IS NOT NULL
        ), by_id AS (SELECT DISTINCT n.pc AS new_pc, o.pc AS old_pc FROM newids n JOIN _lk_oldids o USING (k)),
        -- an id-less mention written exactly as a stored signature of one pre-cluster joins it
        by_name AS (
            SELECT m.pc AS new_pc, min(s.pc) AS old_pc FROM _lk_m m JOIN link_sig s
              ON s.fn = m.fn AND s.sn = m.sn AND s.dob = m.dob AND s.sfx IS NOT DISTINCT FROM m.sfx
            WHERE NOT m.has_id AND length(m.fn) > 1 GROUP BY m.pc HAVING count(DISTINCT s.pc) = 1
        ), both_ AS (SELECT * FROM by_id UNION SELECT * FROM by_name WHERE new_pc NOT IN (SELECT new_pc FROM by_id))
        SELECT new_pc, min(old_pc) AS old_pc, list(DISTINCT old_pc ORDER BY old_pc) AS old_pcs FROM both_ GROUP BY new_pc""")
    eng.materialise("m", """SELECT m.* EXCLUDE (pc), coalesce(p.old_pc, m.pc) AS pc
                            FROM _lk_m m LEFT JOIN _lk_pcmap p ON p.new_pc = m.pc""")
    # A joined pre-cluster's id sets are the stored ones and the new mentions' together.
    sets = ", ".join(f"list_sort(list_distinct(flatten(list({c})))) AS {c}" for _, c in _ID_KEYS)
    eng.materialise("pc", f"""
        WITH new AS (
            SELECT pc, list(nhs) FILTER (WHERE nhs IS NOT NULL) AS nhs_set, list(upn) FILTER (WHERE upn IS NOT NULL) AS upn_set,
                   list(pnc) FILTER (WHERE pnc IS NOT NULL) AS pnc_set,
                   list(local_id) FILTER (WHERE local_id LIKE 'police:%') AS police_set,
                   list(local_id) FILTER (WHERE local_id LIKE 'probation:%') AS probation_set,
                   list(local_id) FILTER (WHERE local_id LIKE 'csc:%') AS csc_set,
                   count(*) AS n_mentions, count(DISTINCT dob) AS n_dob, count(DISTINCT fn) AS n_fn, count(pref) AS n_pref,
                   count(mid) AS n_mid, count(DISTINCT sn) AS n_sn
            FROM _lk_m GROUP BY pc
        ), old AS (
            SELECT pc, {", ".join(f"any_value({c}) AS {c}" for _, c in _ID_KEYS)} FROM link_sig
            WHERE pc IN (SELECT pc FROM new) GROUP BY pc
        )
        SELECT pc, {sets}, any_value(n_mentions) AS n_mentions, any_value(n_dob) AS n_dob, any_value(n_fn) AS n_fn,
               any_value(n_pref) AS n_pref, any_value(n_mid) AS n_mid, any_value(n_sn) AS n_sn
        FROM (SELECT * FROM new UNION ALL BY NAME SELECT * FROM old) GROUP BY pc""")
    ctx.extra["bridges"] = eng.rows("SELECT old_pcs FROM _lk_pcmap WHERE len(old_pcs) > 1")
    eng.drop("oldids")


def new_signatures(ctx) -> None:  # noqa: ANN001
    """`newsig`/`newmsig`: signatures of the new mentions (one written as a stored signature is that
    signature), and `pool`: the new signatures with every stored one, for blocking."""
    eng = ctx.eng
    build_signatures(eng)
    eng.materialise("newmsig", """
        SELECT m.mention_id, coalesce(o.sid, m.sid) AS sid FROM _lk_msig m JOIN _lk_sig s USING (sid)
        LEFT JOIN link_sig o ON o.h = s.h""")
    eng.materialise("newsig", "SELECT * FROM _lk_sig WHERE h NOT IN (SELECT h FROM link_sig)")
    eng.drop("sig", "msig")
    ctx.counts["mentions"] = eng.rows("SELECT count(*) FROM _lk_newmsig")[0][0]


def new_pairs(ctx) -> None:  # noqa: ANN001
    """`scored`: the new signatures' candidate pairs (among themselves and with the stored ones),
    levels compared and weighed by the stored model and term frequencies."""
    eng = ctx.eng
    n_cand, n_imp = block(eng, ctx.settings.blocking, drop_impossible=ctx.settings.cluster.enforce_dob,
                          sig="_lk_newsig", against="link_sig")
    ctx.counts.update(candidates=n_cand, impossible=n_imp)
    eng.materialise("psig", """
        SELECT * FROM _lk_newsig UNION ALL BY NAME
        SELECT * FROM link_sig WHERE sid IN (SELECT sid_l FROM _lk_cand UNION SELECT sid_r FROM _lk_cand)""")
    gamma_table(eng, "_lk_cand", "gam", sig="_lk_psig")
    cs = ctx.settings.cluster
    ctx.model = stored_model(ctx.store)
    score(eng, ctx.model, "_lk_gam", "scored", min_weight=min(cs.review_weight, cs.link_weight), sig="_lk_psig",
          tf="link_tf_")
    eng.drop("cand", "gam")


def new_clusters(ctx) -> None:  # noqa: ANN001
    """Cluster the new pre-clusters into the persons they touch: each touched person is one unit
    (labelled by its smallest mention id), with everything the constraints need from its stored
    signatures and mentions; `m`, `sig`, `pc` are rebuilt over units and the clustering step runs."""
    eng = ctx.eng
    # stored pre-clusters a new mention ties together (through identifiers it holds): merged unconditionally
    bridges = [(int(a), int(b)) for (pcs,) in ctx.extra.get("bridges", []) for a, b in zip(pcs, pcs[1:])]
    eng.register("_lk_br_df", pl.DataFrame(bridges, schema={"a": pl.Int64, "b": pl.Int64}, orient="row"))
    # Persons touched: those of stored signatures paired with a new one, of stored pre-clusters a new
    # mention joined, and of bridged pre-clusters.
    eng.materialise("touched", """
        WITH sids AS (SELECT sid_l AS sid FROM _lk_scored UNION SELECT sid_r FROM _lk_scored),
        pcs AS (SELECT pc FROM link_sig WHERE sid IN (SELECT sid FROM sids) UNION SELECT pc FROM _lk_m
                UNION SELECT a FROM _lk_br_df UNION SELECT b FROM _lk_br_df)
        SELECT DISTINCT pm.person_id FROM link_sig s JOIN link_msig ms USING (sid)
        JOIN person_mentions pm ON pm.mention_id = ms.mention_id
        WHERE s.pc IN (SELECT pc FROM pcs) AND pm.person_id IS NOT NULL""")
    # The touched persons' stored mentions and signatures, read once from the store's big tables.
    eng.materialise("tpm", """
        SELECT mention_id, person_id, record_id, source_file, source_row, slot, agency, role, local_id
        FROM person_mentions WHERE person_id IN (SELECT person_id FROM _lk_touched)""")
    eng.materialise("tms", "SELECT mention_id, sid FROM link_msig WHERE mention_id IN (SELECT mention_id FROM _lk_tpm)")
    eng.materialise("tsig", "SELECT * FROM link_sig WHERE sid IN (SELECT sid FROM _lk_tms)")
    eng.materialise("unit", "SELECT person_id, min(mention_id) AS unit FROM _lk_tpm GROUP BY 1")
    # stored pc -> its person's unit (a stored pre-cluster is in one person)
    eng.materialise("pcunit", """
        SELECT DISTINCT s.pc, u.unit FROM _lk_tsig s JOIN _lk_tms ms USING (sid)
        JOIN _lk_tpm pm USING (mention_id) JOIN _lk_unit u USING (person_id)""")
    # every column `m` declares: stored mentions take theirs from person_mentions and their signature
    eng.materialise("m", """
        SELECT m.* EXCLUDE (pc), coalesce(u.unit, m.pc) AS pc FROM _lk_m m LEFT JOIN _lk_pcunit u USING (pc)
        UNION ALL BY NAME
        SELECT pm.mention_id, pm.record_id, pm.source_file, pm.source_row, pm.slot, pm.agency, upper(pm.role) AS role,
               s.fn, s.sn, s.pref, s.mid, s.sfx, s.dob, s.sex, NULL AS nhs, NULL AS upn, NULL AS pnc, pm.local_id,
               pm.local_id IS NOT NULL OR len(s.nhs_set) + len(s.upn_set) + len(s.pnc_set) > 0 AS has_id,
               s.max_birth_year, s.min_birth_year, NULL AS place_id, NULL AS postcode, NULL AS street_key, u.unit AS pc
        FROM _lk_tpm pm JOIN _lk_unit u USING (person_id) JOIN _lk_tms ms ON ms.mention_id = pm.mention_id
        JOIN _lk_tsig s USING (sid)""")
    eng.drop("tpm", "tms", "tsig")
    eng.materialise("sig", """
        SELECT s.* EXCLUDE (pc), coalesce(u.unit, s.pc) AS pc FROM (
            SELECT * FROM _lk_newsig UNION ALL BY NAME
            SELECT * FROM link_sig WHERE pc IN (SELECT pc FROM _lk_pcunit)) s
        LEFT JOIN _lk_pcunit u USING (pc)""")
    sets = ", ".join(f"list_sort(list_distinct(flatten(list({c})))) AS {c}" for _, c in _ID_KEYS)
    eng.materialise("pc", f"""
        SELECT s.pc, {sets}, any_value(m.n_mentions) AS n_mentions, any_value(m.n_dob) AS n_dob,
               any_value(m.n_fn) AS n_fn, any_value(m.n_pref) AS n_pref, any_value(m.n_mid) AS n_mid, any_value(m.n_sn) AS n_sn
        FROM _lk_sig s JOIN (SELECT pc, count(*) AS n_mentions, count(DISTINCT dob) AS n_dob, count(DISTINCT fn) AS n_fn,
                                    count(pref) AS n_pref, count(mid) AS n_mid, count(DISTINCT sn) AS n_sn
                             FROM _lk_m GROUP BY pc) m USING (pc)
        GROUP BY s.pc""")
    accepted = eng.rows("""SELECT ua.unit, ub.unit FROM _lk_br_df b JOIN _lk_pcunit ua ON ua.pc = b.a
                           JOIN _lk_pcunit ub ON ub.pc = b.b ORDER BY 1, 2""") if bridges else None
    eng.unregister("_lk_br_df")
    ctx.refused = cluster_persons(eng, ctx.settings.cluster, None, accepted=accepted)


def new_ids(ctx) -> None:  # noqa: ANN001
    """`pid(mention_id, id)` for the mentions of every cluster holding a new mention: the smallest id
    among its persons (others are retired: a merge), or a new id."""
    eng, con = ctx.eng, ctx.store
    eng.materialise("cl_ids", """
        SELECT cu.cluster, min(u.person_id) AS kept,
               coalesce(list(DISTINCT u.person_id ORDER BY u.person_id) FILTER (WHERE u.person_id IS NOT NULL), []) AS ids
        FROM (SELECT DISTINCT c.cluster, m.pc FROM _lk_cluster c JOIN _lk_m m USING (mention_id)) cu
        LEFT JOIN _lk_unit u ON u.unit = cu.pc
        GROUP BY cu.cluster""")
    last = (con.execute("SELECT last_value FROM link_id_seq WHERE kind = 'person'").fetchall() or [(0,)])[0][0]
    eng.materialise("fresh", f"""
        SELECT cluster, 'P' || lpad(CAST({int(last)} + row_number() OVER (ORDER BY cluster) AS VARCHAR), 8, '0') AS id
        FROM _lk_cl_ids WHERE kept IS NULL AND cluster IN (SELECT c.cluster FROM _lk_cluster c JOIN _lk_newmsig USING (mention_id))""")
    n_fresh = eng.rows("SELECT count(*) FROM _lk_fresh")[0][0]
    ctx.extra["person_last"] = last + n_fresh
    ctx.counts["new_persons"] = n_fresh
    # every mention of a cluster that holds a new mention, and every mention of a retired person
    eng.materialise("pid", """
        WITH k AS (SELECT i.cluster, coalesce(i.kept, f.id) AS id, i.ids FROM _lk_cl_ids i LEFT JOIN _lk_fresh f USING (cluster)
                   WHERE i.kept IS NOT NULL OR f.id IS NOT NULL)
        SELECT c.mention_id, k.id FROM _lk_cluster c JOIN k USING (cluster)
        WHERE c.mention_id IN (SELECT mention_id FROM _lk_newmsig)
        UNION
        SELECT pm.mention_id, k.id FROM (SELECT id, unnest(ids) AS old FROM k) k
        JOIN person_mentions pm ON pm.person_id = k.old WHERE k.old <> k.id""")
    ctx.extra["merges"] = eng.frame("""SELECT kept AS kept_id, list_filter(ids, lambda x: x <> kept) AS other_ids
                                       FROM _lk_cl_ids WHERE len(ids) > 1 ORDER BY kept""")
    # every person whose mentions this run changes: new, joined by a new mention, merged, or retired, or
    # placed elsewhere (an analyst's place decision)
    ctx.extra["changed_persons"] = [r[0] for r in eng.rows("""
        SELECT id FROM _lk_pid UNION SELECT unnest(ids) FROM _lk_cl_ids WHERE len(ids) > 1
        UNION SELECT person_id FROM person_mentions WHERE person_id IS NOT NULL AND address_mention_id IN (
            SELECT address_mention_id FROM _lk_newkeyed WHERE was <> id)
        ORDER BY 1""")]


def persist_new(ctx, started, seconds: float) -> None:  # noqa: ANN001 - LinkContext, datetime
    """Write what an incremental run found in one transaction: new place and person ids, merged
    persons re-labelled, their persons and places rows recomputed, the new signatures, evidence
    pairs and review candidates added, and the run record (mode 'incremental')."""
    con = ctx.store
    with transaction(con):
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM link_runs").fetchall()[0][0]
        _write_new_places(con, run_id, ctx.extra["place_last"])
        n_persons, pending = _write_new_persons(con, run_id, ctx)
        c = ctx.counts
        con.execute(
            "INSERT INTO link_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'incremental')",
            [run_id, started, seconds, c["mentions"], n_persons, c["address_mentions"], c["places"],
             c["candidates"], pending, ctx.settings.to_json(), StoredModel(spec=SPEC, params=ctx.model).to_json()])
    ctx.counts.update(run_id=run_id, persons=n_persons, review_pending=pending)


def _write_new_places(con, run_id: int, last: int) -> None:  # noqa: ANN001
    con.execute(f"""
        INSERT OR REPLACE INTO link_id_seq VALUES ('place', {int(last)});
        DELETE FROM link_id_map WHERE kind = 'place' AND mention_key IN (SELECT mention_key FROM _lk_newkeyed WHERE was IS NOT NULL);
        INSERT INTO link_id_map SELECT 'place', mention_key, id, {int(run_id)} FROM _lk_newkeyed;
        UPDATE address_mentions SET address_id = k.id FROM _lk_newkeyed k
        WHERE k.address_mention_id = address_mentions.address_mention_id;
        -- a row placed again (a decision) leaves the place it was at; a place left with no row goes
        UPDATE places SET n_mentions = places.n_mentions + k.n
        FROM (SELECT id, sum(n) AS n FROM (SELECT id, 1 AS n FROM _lk_newkeyed WHERE NOT new
                                           UNION ALL SELECT was, -1 FROM _lk_newkeyed WHERE was IS NOT NULL) GROUP BY id) k
        WHERE k.id = places.address_id;
        DELETE FROM places WHERE n_mentions <= 0 AND address_id IN (SELECT was FROM _lk_newkeyed);
        INSERT INTO places {most_common_sql("(SELECT * FROM _lk_newkeyed WHERE new)", "id",
                                            ["flat", "number", "street", "town", "postcode", "uprn"], "count(*)")};
    """)


def _write_new_persons(con, run_id: int, ctx) -> tuple[int, int]:  # noqa: ANN001
    merges = ctx.extra["merges"]
    con.execute(f"""
        INSERT OR REPLACE INTO link_id_seq VALUES ('person', {int(ctx.extra["person_last"])});
        INSERT INTO link_sig SELECT * FROM _lk_newsig;
        INSERT INTO link_msig SELECT * FROM _lk_newmsig;
        CREATE OR REPLACE TEMP TABLE _lk_pidkey AS
        SELECT p.mention_id, p.id, {MENTION_KEY_SQL} AS mention_key FROM _lk_pid p JOIN person_mentions USING (mention_id);
        DELETE FROM link_id_map WHERE kind = 'person' AND mention_key IN (SELECT mention_key FROM _lk_pidkey);
        INSERT INTO link_id_map SELECT 'person', mention_key, id, {int(run_id)} FROM _lk_pidkey;
        CREATE OR REPLACE TEMP TABLE _lk_gone AS
        SELECT DISTINCT person_id AS id FROM person_mentions WHERE mention_id IN (SELECT mention_id FROM _lk_pid)
          AND person_id IS NOT NULL;
        UPDATE person_mentions SET person_id = p.id FROM _lk_pid p WHERE p.mention_id = person_mentions.mention_id;
        DELETE FROM persons WHERE person_id IN (SELECT id FROM _lk_gone UNION SELECT id FROM _lk_pid);
        -- the changed persons' mentions, read once (the most-common query reads its source five times)
        CREATE OR REPLACE TEMP TABLE _lk_pidpm AS
        SELECT mention_id, person_id AS id, agency FROM person_mentions WHERE person_id IN (SELECT id FROM _lk_pid);
        CREATE OR REPLACE TEMP TABLE _lk_pidsrc AS
        SELECT pm.id, s.fn, s.sn, s.dob, s.sex, pm.agency FROM _lk_pidpm pm
        JOIN (SELECT * FROM link_msig WHERE mention_id IN (SELECT mention_id FROM _lk_pidpm)) ms USING (mention_id)
        JOIN link_sig s USING (sid);
        INSERT INTO persons {most_common_sql(
            "_lk_pidsrc", "id", ["fn", "sn", "dob", "sex"], "count(*), list_sort(list(DISTINCT agency))")};
        INSERT INTO link_pairs SELECT * EXCLUDE (band) FROM _lk_pairs_out;
    """)
    if merges.height:
        con.register("_lk_chg_df", merges)
        # each merge with the merged person's mention count, as a full run records it
        merges = con.sql("""SELECT c.kept_id, c.other_ids, count(pm.mention_id)::UINTEGER AS n_mentions
                            FROM _lk_chg_df c JOIN person_mentions pm ON pm.person_id = c.kept_id
                            GROUP BY ALL ORDER BY c.kept_id""").pl()
        con.unregister("_lk_chg_df")
        con.register("_lk_chg_df", merges)
        con.execute(f"""INSERT INTO link_id_changes SELECT {int(run_id)}, 'person', 'merge', kept_id, other_ids,
                        n_mentions FROM _lk_chg_df""")
        con.unregister("_lk_chg_df")
    ctx.extra["merges"] = merges
    band = con.sql("""SELECT mention_id_l, mention_id_r, match_weight, match_probability FROM _lk_pairs_out
                      WHERE band ORDER BY match_weight DESC, mention_id_l, mention_id_r""").pl()
    queue_pairs(con, band, run_id, replace=False)
    n_persons = con.execute("SELECT count(*) FROM persons").fetchall()[0][0]
    pending = con.execute("SELECT count(*) FROM link_review WHERE status = 'pending'").fetchall()[0][0]
    return n_persons, pending
