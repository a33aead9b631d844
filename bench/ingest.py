"""Ingest benchmark: Chronolink's ingest against a bare read of the same files, on the ~1M-row world.

    python bench/ingest.py [--data DIR] [--repeat 3]

Each repetition runs, in fresh processes (so each peak memory is its own): a bare read of every
extract (polars for CSV and JSONL, fastexcel for XLSX: the least any reader must do) and
Chronolink's ingest of the same files into a new store. Prints each run, the medians, the ratio
ingest / bare read, and where the ingest's time goes (per stage and per file, medians).
Target (#12 item 7): ingest within 2x the bare read, peak memory under 2 GB.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ensure_large_world, peak_rss_mb, run_child  # noqa: E402

SHARED = Path("/work/data/w1m_s13")  # the team's shared ~1M-row world (seed 13), when present
STAGES = ("check", "read", "map", "write")


def _cpu() -> float:
    """CPU seconds of this process so far, all threads (steadier than wall time on a shared machine)."""
    import resource

    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def bare(data: Path) -> dict:
    """Read every extract with polars / fastexcel and nothing else."""
    import fastexcel
    import polars as pl

    files: dict[str, float] = {}
    files_cpu: dict[str, float] = {}
    rows = 0
    t_all, c_all = time.perf_counter(), _cpu()
    for p in sorted(data.iterdir()):
        t0, c0 = time.perf_counter(), _cpu()
        if p.suffix == ".csv":
            frame = pl.read_csv(p, infer_schema=False, encoding="utf8-lossy")
        elif p.suffix == ".jsonl":
            frame = pl.read_ndjson(p)
        elif p.suffix == ".xlsx":
            frame = fastexcel.read_excel(p).load_sheet(0, dtypes="string").to_polars()
        else:
            continue
        rows += frame.height
        files[p.name], files_cpu[p.name] = time.perf_counter() - t0, _cpu() - c0
    return {"rows": rows, "seconds": time.perf_counter() - t_all, "cpu": _cpu() - c_all, "files": files,
            "files_cpu": files_cpu, "peak_mb": peak_rss_mb()}


def ingest(data: Path) -> dict:
    """One timed ingest of every extract into a new store."""
    from chronolink.engine.ingest import ingest_paths
    from chronolink.engine.store import open_store

    con = open_store(Path(tempfile.mkdtemp()) / "bench.duckdb")
    t0, c0 = time.perf_counter(), _cpu()
    reports = ingest_paths(con, [data])
    con.close()  # timed too: whatever the store still has to write (a checkpoint) is part of the ingest
    elapsed, cpu = time.perf_counter() - t0, _cpu() - c0
    assert all(r.reconciles and r.status != "failed" for r in reports), [r.message for r in reports]
    return {"rows": sum(r.rows_read for r in reports), "seconds": elapsed, "cpu": cpu, "peak_mb": peak_rss_mb(),
            "files": {r.source_file: r.seconds for r in reports}}


def stages(data: Path) -> dict:
    """CPU seconds of each stage of each file, one file and one stage at a time (nothing overlaps, so every
    CPU second, all threads, is the stage's own): where the ingest's work goes."""
    from chronolink.engine.ingest import _bulk_load, _check, _Job, _write, discover_files, read_extract
    from chronolink.engine.ingest.transform import apply_mapping
    from chronolink.engine.store import open_store

    con = open_store(Path(tempfile.mkdtemp()) / "stages.duckdb")
    out: dict[str, dict[str, float]] = {}
    with _bulk_load(con, workers=2):  # the settings ingest_paths writes with
        for seq, path in enumerate(discover_files([data]), start=1):
            job, cpu = _Job(path), {}
            c = _cpu()
            _check(con, job)
            job.seq = seq
            cpu["check"], c = _cpu() - c, _cpu()
            assert job.mapping is not None
            job.raw = read_extract(path, job.mapping)
            cpu["read"], c = _cpu() - c, _cpu()
            job.frames = apply_mapping(job.raw, job.mapping, seq, path.name)
            cpu["map"], c = _cpu() - c, _cpu()
            job.report = _write(con, job)
            cpu["write"] = _cpu() - c
            assert job.report.status == "ingested", job.report.message
            out[path.name] = cpu
    c = _cpu()
    con.close()
    out["(close)"] = {"write": _cpu() - c}
    return out


def _median_files(runs: list[dict]) -> dict:
    names = runs[0]["files"]
    if isinstance(next(iter(names.values()), 0.0), dict):
        return {n: {s: statistics.median(r["files"][n].get(s, 0.0) for r in runs) for s in STAGES} for n in names}
    return {n: statistics.median(r["files"][n] for r in runs) for n in names}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="a generated world (default: the shared w1m_s13, else sample_data/large)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", choices=["bare", "ingest", "stages"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.data = args.data or (SHARED if SHARED.is_dir() else ensure_large_world())
    if args.child:
        print(json.dumps({"bare": bare, "ingest": ingest, "stages": stages}[args.child](args.data)))
        return
    bares, ingests = [], []
    for i in range(args.repeat):
        bares.append(run_child(["bench/ingest.py", "--child", "bare", "--data", str(args.data)]))
        ingests.append(run_child(["bench/ingest.py", "--child", "ingest", "--data", str(args.data)]))
        print(f"run {i + 1}: bare read {bares[-1]['seconds']:.2f}s ({bares[-1]['cpu']:.1f} CPU-s, peak "
              f"{bares[-1]['peak_mb']:.0f} MB), ingest {ingests[-1]['seconds']:.2f}s ({ingests[-1]['cpu']:.1f} CPU-s, "
              f"peak {ingests[-1]['peak_mb']:.0f} MB), "
              f"rows {ingests[-1]['rows']:,}", flush=True)
    b = statistics.median(r["seconds"] for r in bares)
    g = statistics.median(r["seconds"] for r in ingests)
    peak = statistics.median(r["peak_mb"] for r in ingests)
    print(f"\nmedian of {args.repeat}: bare read {b:.2f}s, ingest {g:.2f}s, ratio {g / b:.2f}x "
          f"(target 2x), ingest peak memory {peak:.0f} MB (target 2048), "
          f"{ingests[0]['rows'] / g:,.0f} rows/s")
    bc = statistics.median(r["cpu"] for r in bares)
    gc = statistics.median(r["cpu"] for r in ingests)
    print(f"CPU seconds (all threads): bare read {bc:.1f}, ingest {gc:.1f}, ratio {gc / bc:.2f}x")
    bf, gf = _median_files(bares), _median_files(ingests)
    print("\nwhere the ingest's time goes (median seconds; stages of one file overlap other files' stages):")
    print(f"{'file':28s} {'bare':>6s} " + " ".join(f"{s:>6s}" for s in STAGES))
    totals = dict.fromkeys(STAGES, 0.0)
    for name in sorted(gf):
        for s in STAGES:
            totals[s] += gf[name][s]
        print(f"{name:28s} {bf.get(name, 0.0):6.2f} " + " ".join(f"{gf[name][s]:6.2f}" for s in STAGES))
    print(f"{'total':28s} {sum(bf.values()):6.2f} " + " ".join(f"{totals[s]:6.2f}" for s in STAGES))

    cpu = run_child(["bench/ingest.py", "--child", "stages", "--data", str(args.data)])
    bf = {n: statistics.median(r["files_cpu"][n] for r in bares) for n in bares[0]["files_cpu"]}
    print("\nCPU seconds (all threads) of each stage, files and stages run one at a time (bare: its CPU seconds):")
    print(f"{'file':28s} {'bare':>6s} " + " ".join(f"{s:>6s}" for s in STAGES))
    for name, st in cpu.items():
        print(f"{name:28s} {bf.get(name, 0.0):6.2f} " + " ".join(f"{st.get(s, 0.0):6.2f}" for s in STAGES))
    print(f"{'total':28s} {sum(bf.values()):6.2f} " + " ".join(f"{sum(st.get(s, 0.0) for st in cpu.values()):6.2f}"
                                                               for s in STAGES))


if __name__ == "__main__":
    main()
