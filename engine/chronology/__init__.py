"""The merged chronology: one entry per real-world event, places over time, households."""
from chronolink.engine.chronology.build import build_chronology
from chronolink.engine.chronology.rule_inputs import load_rule_inputs, load_undated

__all__ = ["build_chronology", "load_rule_inputs", "load_undated"]
