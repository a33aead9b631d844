"""Linkage quality against truth: pairwise precision, recall and F1 for persons and places.

    python bench/linkage_quality.py --data DIR [--db FILE] [--splink] [--relink] [--kinds] [--errors N]

Prints person F1 per family name culture when the truth records it (truth/persons.csv `culture`);
--kinds adds wrong merges and misses by kind, for persons and for places.

Without --db the extracts in DIR are ingested into a temporary store. The store is linked
(unless it is already linked and --relink is not given). Scores come from cluster
contingency counts: true-positive pairs = sum over (true, predicted) cells of n(n-1)/2,
never by listing pairs. --splink runs Splink 5 (DuckDB) on the same mentions with a
standard recipe and prints both side by side.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.linkage_errors import (  # noqa: E402
    false_merges,
    load_master,
    load_persons,
    missed_links,
    place_false_merges,
    place_missed_links,
    print_breakdown,
)
from bench.quality import contingency_scores, scores_by_group  # noqa: E402
from chronolink.engine.link.run import run_link  # noqa: E402
from chronolink.engine.link.settings import LinkSettings  # noqa: E402
from chronolink.engine.store import open_store  # noqa: E402


def load_truth(data: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(mention truth, address truth) frames keyed like the store."""
    m = pl.read_csv(data / "truth" / "mentions.csv", infer_schema=False).with_columns(pl.col("source_row").cast(pl.Int32))
    a = pl.read_csv(data / "truth" / "addresses.csv", infer_schema=False).with_columns(pl.col("source_row").cast(pl.Int32))
    return m, a


def score_store(con: duckdb.DuckDBPyConnection, data: Path) -> tuple[dict, dict, pl.DataFrame, pl.DataFrame]:
    """Person and place scores of the linked store; also the joined person and address frames for error listing."""
    tm, ta = load_truth(data)
    pm = con.sql("""SELECT mention_id, source_file, source_row::INTEGER AS source_row, slot, person_id,
                           forename, surname, dob, agency FROM person_mentions""").pl()
    am = con.sql("""SELECT address_mention_id, source_file, source_row::INTEGER AS source_row, field, address_id, raw,
                           uprn, flat, number, street, town FROM address_mentions""").pl()
    pj = pm.join(tm.rename({"person_id": "true_id"}), on=["source_file", "source_row", "slot"])
    aj = am.join(ta.rename({"address_id": "true_id"}), on=["source_file", "source_row", "field"])
    return contingency_scores(pj, "true_id", "person_id"), contingency_scores(aj, "true_id", "address_id"), pj, aj


def print_by_culture(linkers: dict[str, pl.DataFrame], persons_csv: Path) -> None:
    """Person F1 per family name culture (the truth's `culture`), per linker, and the spread."""
    cultures = pl.read_csv(persons_csv, infer_schema=False)
    if "culture" not in cultures.columns:
        return
    cultures = cultures.select(pl.col("person_id").alias("true_id"), pl.col("culture").fill_null("unknown"))
    print("person F1 by name culture")
    for name, frame in linkers.items():
        t = scores_by_group(frame.join(cultures, on="true_id"), "true_id", "person_id", "culture")
        print(f"  {name}: min {t['f1'].min():.4f}, spread {t['f1'].max() - t['f1'].min():.4f}")
        for c, n, p, r, f in t.iter_rows():
            print(f"    {c:12} {n:8d} mentions  P {p:.4f}  R {r:.4f}  F1 {f:.4f}")


def review_queue_scores(con: duckdb.DuckDBPyConnection, data: Path) -> tuple[int, int]:
    """(pending review pairs, how many of them are truly one person): the queue's worth to an analyst."""
    tm, _ = load_truth(data)
    keyed = tm.select((pl.col("source_file") + ":" + pl.col("source_row").cast(pl.String) + ":" + pl.col("slot")).alias("k"),
                      "person_id")
    con.register("_bench_truth", keyed)
    n, true = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE l.person_id = r.person_id) FROM link_review q
        JOIN _bench_truth l ON l.k = q.mention_key_l JOIN _bench_truth r ON r.k = q.mention_key_r
        WHERE q.status = 'pending'""").fetchall()[0]
    con.unregister("_bench_truth")
    return n, true


def print_errors(pj: pl.DataFrame, n: int) -> None:
    """The largest false merges and splits (for development)."""
    merges = pj.group_by("person_id").agg(pl.col("true_id").n_unique().alias("k"), pl.len()).filter(pl.col("k") > 1)
    print(f"clusters holding >1 true person: {merges.height}")
    for pid in merges.sort("len", descending=True).head(n)["person_id"]:
        sub = pj.filter(pl.col("person_id") == pid).group_by("true_id", "forename", "surname", "dob").len()
        print("  MERGE", pid, sub.sort("true_id").rows()[:8])
    splits = pj.group_by("true_id").agg(pl.col("person_id").n_unique().alias("k"), pl.len()).filter(pl.col("k") > 1)
    print(f"true persons split over >1 cluster: {splits.height}")
    for tid in splits.sort("len", descending=True).head(n)["true_id"]:
        sub = pj.filter(pl.col("true_id") == tid).group_by("person_id", "agency", "forename", "surname", "dob").len()
        print("  SPLIT", tid, sub.sort("person_id").rows()[:10])


SPLINK_RUNNER = """
import sys
import duckdb
import pyarrow.parquet as pq
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

src, dst = sys.argv[1], sys.argv[2]
df = pq.read_table(src)
settings = SettingsCreator(
    link_type="dedupe_only",
    blocking_rules_to_generate_predictions=[
        block_on("surname", "dob"), block_on("first_name", "dob"), block_on("first_name", "surname"),
        block_on("postcode", "first_name"), block_on("nhs_number"), block_on("local_id"),
    ],
    comparisons=[
        cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.ExactMatch("sex"),
        cl.PostcodeComparison("postcode"),
        cl.ExactMatch("nhs_number"),
        cl.ExactMatch("local_id"),
    ],
)
con = duckdb.connect()
db_api = DuckDBAPI(connection=con)
linker = Linker(db_api.register(df, table_name="mentions"), settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("first_name", "surname", "dob")], recall=0.7)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "dob"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
preds = linker.inference.predict(threshold_match_probability=0.5)
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(preds, threshold_match_probability=0.95)
rel = clusters.as_duckdbpyrelation()
con.execute(f"COPY (SELECT unique_id, cluster_id::VARCHAR AS cluster_id FROM rel) TO '{dst}' (FORMAT parquet)")
"""


def export_splink_input(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """The store's person mentions in the columns the Splink recipe uses, as parquet."""
    con.execute(f"""
        COPY (SELECT mention_id AS unique_id, forename AS first_name, surname, CAST(dob AS VARCHAR) AS dob, sex,
                     CASE WHEN nhs_valid THEN nhs_number END AS nhs_number, local_id,
                     upper(replace(a.postcode, ' ', '')) AS postcode
              FROM person_mentions p LEFT JOIN address_mentions a USING (address_mention_id))
        TO '{path}' (FORMAT parquet)""")


def run_splink(con: duckdb.DuckDBPyConnection, data: Path, python: str) -> tuple[dict, pl.DataFrame]:
    """Splink 5 (DuckDB backend) with a standard recipe (Splink's name, dob and postcode comparisons,
    term frequencies, random-sampling u, EM on two blocking rules, clusters at p >= 0.95) on the
    same person mentions. Runs under `python` (an interpreter with splink installed), so the bench
    never adds Splink or its DuckDB pin to the engine's environment. Returns person scores and
    each mention's Splink cluster (mention_id, cluster_id)."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "mentions.parquet", Path(tmp) / "clusters.parquet"
        export_splink_input(con, src)
        subprocess.run([python, "-c", SPLINK_RUNNER, str(src), str(dst)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cl = pl.read_parquet(dst)
    pm = con.sql("SELECT mention_id AS unique_id, source_file, source_row::INTEGER AS source_row, slot FROM person_mentions").pl()
    tm, _ = load_truth(data)
    j = pm.join(cl, on="unique_id").join(tm, on=["source_file", "source_row", "slot"])
    return contingency_scores(j, "person_id", "cluster_id"), j.select(pl.col("unique_id").alias("mention_id"), "cluster_id")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--splink", action="store_true")
    ap.add_argument("--splink-python", default=os.environ.get("SPLINK_PYTHON", sys.executable),
                    help="interpreter with splink installed (default $SPLINK_PYTHON or this one)")
    ap.add_argument("--relink", action="store_true", help="link even when the store already is")
    ap.add_argument("--settings", type=Path)
    ap.add_argument("--errors", type=int, default=0, help="print the N largest false merges and splits")
    ap.add_argument("--kinds", action="store_true",
                    help="count wrong merges and missed links by kind (twins, nicknames, ...), per linker")
    args = ap.parse_args()
    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "bench.duckdb"
    if not db.exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from chronolink.engine.cli import main; main()", "ingest", str(args.data), "--db", str(db)],
                       check=True, stdout=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1])
        print(f"ingested in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    con = open_store(db)
    linked = con.execute("SELECT count(person_id) FROM person_mentions").fetchall()[0][0]
    if args.relink or not linked:
        t = time.perf_counter()
        rep = run_link(con, LinkSettings.load(args.settings))
        print(f"linked in {time.perf_counter() - t:.1f}s: {rep.n_persons} persons, {rep.n_places} places, "
              f"{rep.n_candidates} candidate pairs, {rep.n_review_pending} awaiting review", file=sys.stderr)
    ps, ls, pj, aj = score_store(con, args.data)
    rows = [("persons (chronolink)", ps), ("places (chronolink)", ls)]
    linkers = {"chronolink": pj}
    if args.splink:
        t = time.perf_counter()
        splink_scores, splink_clusters = run_splink(con, args.data, args.splink_python)
        rows.append(("persons (splink)", splink_scores))
        linkers["splink"] = pj.drop("person_id").join(splink_clusters, on="mention_id").rename({"cluster_id": "person_id"})
        print(f"splink in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    print(f"{'':22} {'precision':>9} {'recall':>9} {'F1':>9} {'mentions':>9} {'true':>7} {'pred':>7}")
    for name, s in rows:
        print(f"{name:22} {s['precision']:9.4f} {s['recall']:9.4f} {s['f1']:9.4f} {s['n']:9d} "
              f"{s['true_clusters']:7d} {s['pred_clusters']:7d}")
    n_review, n_true = review_queue_scores(con, args.data)
    print(f"review queue: {n_review} pending pairs, {n_true} of them truly one person")
    print_by_culture(linkers, args.data / "truth" / "persons.csv")
    if args.kinds:
        persons = load_persons(args.data / "truth" / "persons.csv")
        print_breakdown("wrong-merge pairs, by kind", {n: false_merges(f, "person_id", persons) for n, f in linkers.items()})
        print_breakdown("missed pairs, by kind", {n: missed_links(f, "person_id") for n, f in linkers.items()})
        master = load_master(args.data / "truth" / "addresses_master.csv")
        print_breakdown("place wrong-merge pairs, by kind", {"chronolink": place_false_merges(aj, "address_id", master)})
        print_breakdown("place missed pairs, by kind", {"chronolink": place_missed_links(aj, "address_id")})
    if args.errors:
        print_errors(pj, args.errors)
    con.close()
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
