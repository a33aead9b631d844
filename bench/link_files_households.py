"""`link-files` deduplicating a list of households: a generated world's GP extract, scored against its truth.

    python bench/link_files_households.py WORLD_DIR [--no-ids]

FEBRL has no households; a GP list has families at one address sharing a surname, and twins sharing
a date of birth too. Pairwise precision, recall and F1 against truth/mentions.csv, and the pairs of
twins (one family, one date of birth, two people) wrongly linked. `--no-ids` leaves the NHS number
column out of the mapping, so only names, dates of birth and addresses tell people apart.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronolink.engine.link.link_files import FileMapping, link_files  # noqa: E402

LIST = "gp_consultations.csv"
MAPPING = {"full_name": "Patient Name", "dob": "Date of Birth", "sex": "Sex", "address": "Address",
           "postcode": "Postcode", "identifiers": {"nhs_number": "NHS Number"}}


def score(world: Path, ids: bool = True) -> dict:
    """Dedupe the world's GP list; precision, recall, F1, twin pairs merged and seconds."""
    mapping = dict(MAPPING) if ids else {k: v for k, v in MAPPING.items() if k != "identifiers"}
    t = time.perf_counter()
    res = link_files([world / LIST], FileMapping.from_dict(mapping))
    secs = time.perf_counter() - t
    truth = (pl.read_csv(world / "truth" / "mentions.csv", infer_schema=False).filter(pl.col("source_file") == LIST)
             .select(pl.col("source_row").cast(pl.Int64).alias("row"), "person_id"))
    persons = pl.read_csv(world / "truth" / "persons.csv", infer_schema=False).select("person_id", "family_id", "dob")
    linked = res.pairs.filter(pl.col("same_person")).select(pl.col("row_l").cast(pl.Int64), pl.col("row_r").cast(pl.Int64))
    j = (linked.join(truth.rename({"row": "row_l", "person_id": "a"}), on="row_l")
         .join(truth.rename({"row": "row_r", "person_id": "b"}), on="row_r")
         .join(persons.rename({"person_id": "a", "family_id": "fa", "dob": "da"}), on="a")
         .join(persons.rename({"person_id": "b", "family_id": "fb", "dob": "db"}), on="b"))
    tp = int((j["a"] == j["b"]).sum())
    twins = int(((j["a"] != j["b"]) & (j["fa"] == j["fb"]) & (j["da"] == j["db"])).sum())
    family = int(((j["a"] != j["b"]) & (j["fa"] == j["fb"])).sum())
    g = truth["person_id"].value_counts()
    n_true = int((g["count"] * (g["count"] - 1) // 2).sum())
    p = tp / linked.height if linked.height else 1.0
    r = tp / n_true if n_true else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "linked": linked.height,
            "true": n_true, "family_merged": family, "twins_merged": twins, "seconds": secs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("world", type=Path)
    ap.add_argument("--no-ids", action="store_true")
    args = ap.parse_args()
    s = score(args.world, ids=not args.no_ids)
    print(" ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in s.items()))


if __name__ == "__main__":
    main()
