"""Person and place linkage (Fellegi-Sunter), constrained clustering, stable ids, review, explanations.

Modules, one job each:
  settings      typed settings (JSON/TOML round trip)
  address_key   stored address parts -> matching parts (flat conventions, abbreviations)
  places        address mentions -> place keys (towns, street typos, buildings, UPRNs)
  components    bulk connected components (polars)
  features      person mention features, deterministic pre-clusters, signatures (DuckDB)
  blocking      candidate pairs from several rules, unioned
  comparisons   declared comparison levels compiled to SQL
  em            u from random pre-cluster pairs, m by EM, the prior
  model         the trained model (typed, serialisable)
  scoring       match weight / probability with term-frequency adjustment
  clustering    greedy merging with cluster-level constraints
  persons       the person pipeline over temp tables
  stable_ids    P/A ids kept across runs, merges and splits reported (planned, then recorded)
  review        clerical review queue and decisions
  explain       match-weight waterfall of any two mentions
  link_files    dedupe/link arbitrary CSV person lists
  run           `link` over a store: places, persons, outputs
"""
from chronolink.engine.link.explain import explain_pair, format_waterfall
from chronolink.engine.link.link_files import FileMapping, link_files
from chronolink.engine.link.run import LinkReport, run_link
from chronolink.engine.link.settings import LinkSettings

__all__ = ["FileMapping", "LinkReport", "LinkSettings", "explain_pair", "format_waterfall", "link_files", "run_link"]
