"""Person and place linkage (Fellegi-Sunter), constrained clustering, stable ids, review, explanations.

The link stage is a declared pipeline (`pipeline.STEPS`): named steps reading and writing named
work tables through a small engine interface (`engine`). Modules, one job each:
  pipeline      the steps, the tables they hand on (declared with their columns), the runner
  engine        the engine interface (run SQL, register a frame, materialise, drop) and DuckDB's
  spec          the model declared as data (comparisons, blocking rules, training), stored per run
  settings      typed settings (JSON/TOML round trip)
  placing       the places step: place keys -> stable place ids
  address_key   stored address parts -> matching parts (flat conventions, abbreviations)
  places        address mentions -> place keys (towns, street typos, buildings, UPRNs)
  components    bulk connected components (polars)
  features      pre-clusters and signatures of person mentions
  blocking      candidate pairs from several declared rules, unioned
  comparisons   declared comparison levels compiled to SQL
  gammas        the comparison levels of candidate pairs
  em            u from random pre-cluster pairs, m by EM sessions over agreement-pattern counts, the prior
  model         the trained parameters (typed, serialisable)
  scoring       match weight / probability with term-frequency adjustment
  persons       the clustering step: pre-cluster edges into the constrained clustering
  clustering    greedy merging with cluster-level constraints
  evidence      the pairs kept as evidence and for review
  persist       stable person ids, and one transaction writing the store
  stable_ids    P/A ids kept across runs, merges and splits reported (planned, then recorded)
  review        clerical review queue and decisions
  explain       match-weight waterfall of any two mentions, by the stored run's own model
  link_files    dedupe/link arbitrary CSV person lists
  run           `link` over a store
"""
from chronolink.engine.link.explain import explain_pair, format_waterfall
from chronolink.engine.link.link_files import FileMapping, link_files
from chronolink.engine.link.run import LinkReport, run_link
from chronolink.engine.link.settings import LinkSettings

__all__ = ["FileMapping", "LinkReport", "LinkSettings", "explain_pair", "format_waterfall", "link_files", "run_link"]
