"""The ids step (stable person ids) and the persist step: everything a run found, written to the
store in one transaction (a failed run changes nothing)."""
from __future__ import annotations

from datetime import datetime

from chronolink.engine.link.review import MENTION_KEY_SQL, queue_pairs
from chronolink.engine.link.scoring import TF_COLUMNS
from chronolink.engine.link.spec import SPEC, StoredModel
from chronolink.engine.link.stable_ids import IdPlan, plan_ids, record_ids
from chronolink.engine.link.tables import PERSONS_TABLE, PLACES_TABLE
from chronolink.engine.store.transactions import transaction


def person_ids(ctx) -> None:  # noqa: ANN001 - LinkContext
    """Work table `pid(mention_id, id)`: stable person ids for the clusters in `cluster`; the plan goes
    to `ctx.extra['person_plan']`."""
    eng = ctx.eng
    cur = eng.frame(f"SELECT {MENTION_KEY_SQL} AS mention_key, c.cluster FROM _lk_cluster c JOIN _lk_m m USING (mention_id)")
    plan = plan_ids(ctx.store, "person", "P", cur)
    eng.register("_lk_pid_df", plan.ids.select("mention_key", "id"))
    eng.materialise("pid", f"SELECT m.mention_id, d.id FROM _lk_m m JOIN _lk_pid_df d ON d.mention_key = ({MENTION_KEY_SQL})")
    eng.unregister("_lk_pid_df")
    ctx.extra["person_plan"] = plan


def most_common_sql(src: str, key: str, cols: list[str], extra: str) -> str:
    """SELECT per `key`: the most common non-null value of each of `cols` (ties to the larger value,
    so runs repeat), then the `extra` aggregates. A count per (key, value) and an arg_max run several
    times faster than DuckDB's mode() at county scale."""
    ctes = [f"base AS (SELECT {key}, {extra} FROM {src} GROUP BY {key})"]
    joins = []
    for i, c in enumerate(cols):
        ctes.append(f"f{i} AS (SELECT {key}, arg_max(v, {{'n': n, 'v': v}}) AS v FROM ("
                    f"SELECT {key}, {c} AS v, count(*) AS n FROM {src} WHERE {c} IS NOT NULL GROUP BY ALL) GROUP BY {key})")
        joins.append(f"LEFT JOIN f{i} USING ({key})")
    values = ", ".join(f"f{i}.v" for i in range(len(cols)))
    return f"WITH {', '.join(ctes)} SELECT base.{key}, {values}, base.* EXCLUDE ({key}) FROM base {' '.join(joins)}"


def _write_places(con, plan: IdPlan, run_id: int) -> None:  # noqa: ANN001 - the store's connection
    record_ids(con, plan, run_id)
    con.execute(f"""
        UPDATE address_mentions SET address_id = k.id FROM _lk_keyed k
        WHERE k.address_mention_id = address_mentions.address_mention_id;
        CREATE OR REPLACE TABLE {PLACES_TABLE};
        INSERT INTO places
        {most_common_sql("_lk_keyed", "id", ["flat", "number", "street", "town", "postcode", "uprn"], "count(*)")};
    """)


def _write_persons(con, plan: IdPlan, run_id: int) -> tuple[int, int]:  # noqa: ANN001
    """Person ids, persons, link pairs and review queue into the store; returns (persons, pending reviews)."""
    record_ids(con, plan, run_id)
    con.execute(f"""
        UPDATE person_mentions SET person_id = p.id FROM _lk_pid p WHERE p.mention_id = person_mentions.mention_id;
        CREATE OR REPLACE TABLE {PERSONS_TABLE};
        CREATE OR REPLACE TEMP TABLE _lk_pm AS SELECT p.id, m.fn, m.sn, m.dob, m.sex, m.agency
        FROM _lk_pid p JOIN _lk_m m USING (mention_id);
        INSERT INTO persons
        {most_common_sql("_lk_pm", "id", ["fn", "sn", "dob", "sex"], "count(*), list_sort(list(DISTINCT agency))")};
        DROP TABLE _lk_pm;
        DELETE FROM link_pairs;
        INSERT INTO link_pairs SELECT * EXCLUDE (band) FROM _lk_pairs_out;
    """)
    n_persons = con.execute("SELECT count(*) FROM persons").fetchall()[0][0]
    band = con.sql("""SELECT mention_id_l, mention_id_r, match_weight, match_probability FROM _lk_pairs_out
                      WHERE band ORDER BY match_weight DESC, mention_id_l, mention_id_r""").pl()
    queue_pairs(con, band, run_id)
    pending = con.execute("SELECT count(*) FROM link_review WHERE status = 'pending'").fetchall()[0][0]
    return n_persons, pending


def _write_model_tables(con) -> None:  # noqa: ANN001
    """Keep the signature and frequency tables so `explain` can rescore any pair later."""
    con.execute("""
        CREATE OR REPLACE TABLE link_sig AS SELECT * FROM _lk_sig;
        CREATE OR REPLACE TABLE link_msig AS SELECT * FROM _lk_msig;
    """)
    for col in TF_COLUMNS:
        con.execute(f"CREATE OR REPLACE TABLE link_tf_{col} AS SELECT * FROM _lk_tf_{col}")


def persist(ctx, started: datetime, seconds: float) -> None:  # noqa: ANN001 - LinkContext
    """Write places, persons, pairs, review queue, model tables and the run record in one transaction;
    sets ctx.counts run_id, persons and review_pending."""
    con = ctx.store
    with transaction(con):
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM link_runs").fetchall()[0][0]
        _write_places(con, ctx.extra["place_plan"], run_id)
        n_persons, pending = _write_persons(con, ctx.extra["person_plan"], run_id)
        _write_model_tables(con)
        c = ctx.counts
        con.execute(
            "INSERT INTO link_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'full')",
            [run_id, started, seconds, c["mentions"], n_persons, c["address_mentions"], c["places"],
             c["candidates"], pending, ctx.settings.to_json(), StoredModel(spec=SPEC, params=ctx.model).to_json()],
        )
    ctx.counts.update(run_id=run_id, persons=n_persons, review_pending=pending)
