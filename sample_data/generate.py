"""Generate a synthetic multi-agency world.

    python -m sample_data.generate --out DIR --families N --seed S [--as-of 2026-10-31]
    python -m sample_data.generate --out DIR --rows 1000000 --seed S
    python -m sample_data.generate --out DIR --seed S --errors messy   # other clerical errors (errors.py)

Writes the eight extracts of docs agency-formats.md, ``truth/`` and
``manifest.json``.  Same arguments -> same bytes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections import Counter

GENERATOR = "chronolink sample_data"
VERSION = "1.0.0"
# measured: rows written per family (all eight files), used by --rows
ROWS_PER_FAMILY = 23.5


def generate(out_dir: str, families: int = 300, seed: int = 7, as_of: dt.date | str = dt.date(2026, 10, 31),
             quiet: bool = True, errors: str | None = None) -> dict:
    """Build the world, write everything under ``out_dir`` and return the manifest.

    ``errors`` names an error profile or rates (see errors.py); the default adds nothing."""
    from .errors import parse_profile
    from .render import FILES, Renderer
    from .rules import RULES, compute_flags
    from .world import P0, build_world, finalize

    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    if families < 1:
        raise ValueError("families must be >= 1")
    profile = parse_profile(errors)
    t0 = time.perf_counter()
    w = build_world(seed, families, as_of)
    finalize(w)
    t1 = time.perf_counter()
    near: dict = {}
    flags = compute_flags(w, near)
    t2 = time.perf_counter()
    r = Renderer(w, out_dir, seed, profile)
    r.write_all()
    r.write_truth(flags)
    t3 = time.perf_counter()
    rows = Counter(f[0] for f in flags)
    keys = Counter()
    for rule in RULES:
        keys[rule] = len({(f[1], f[2]) for f in flags if f[0] == rule})
    manifest = {
        "generator": GENERATOR,
        "generator_version": VERSION,
        "seed": seed,
        "families": families,
        "as_of": as_of.isoformat(),
        **({"errors": profile.name} if profile.name != "standard" else {}),
        "period_start": P0.isoformat(),
        "counts": {
            "files": {f: r.counts[f] for f in FILES},
            "total_rows": sum(r.counts.values()),
            "persons": len(w.persons),
            "addresses": len(w.places.addresses),
            "families": len(w.families),
            "mentions": len(r.mentions),
            "address_mentions": len(r.addrs),
        },
        "flags": {
            "rows_per_rule": {k: rows.get(k, 0) for k in RULES},
            "keys_per_rule": {k: keys.get(k, 0) for k in RULES},
            "total_rows": len(flags),
        },
        "near_misses": {k: near[k] for k in RULES if k in near},
        "scenarios": dict(sorted(w.scenarios.items())),
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2)
        fh.write("\n")
    if not quiet:
        print(f"world {t1 - t0:.1f}s, rules {t2 - t1:.1f}s, write {t3 - t2:.1f}s; "
              f"{manifest['counts']['total_rows']} rows, {len(flags)} flags -> {out_dir}", file=sys.stderr)
    return manifest


def parse_profile_arg(spec: str | None) -> str | None:
    """Check an --errors value early (a clear usage error, not a traceback); returns it unchanged."""
    from .errors import parse_profile

    parse_profile(spec)
    return spec


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sample_data.generate", description=__doc__.split("\n")[1])
    ap.add_argument("--out", required=True, help="output directory")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--families", type=int, help="number of families (default 300)")
    g.add_argument("--rows", type=int, help="approximate total rows wanted; picks the number of families")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--as-of", default="2026-10-31", help="extract date, yyyy-mm-dd")
    ap.add_argument("--errors", default=None,
                    help="error profile (standard, messy, placeholders) and/or rates, e.g. messy,number_typo=0.02")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    families = a.families
    if families is None:
        families = max(1, round(a.rows / ROWS_PER_FAMILY)) if a.rows else 300
    try:
        profile = parse_profile_arg(a.errors)
    except ValueError as e:
        ap.error(str(e))
    generate(a.out, families=families, seed=a.seed, as_of=a.as_of, quiet=a.quiet, errors=profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
