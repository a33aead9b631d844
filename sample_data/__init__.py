"""Deterministic synthetic multi-agency world for Chronolink.

Entry point: ``python -m sample_data.generate --out DIR --families N --seed S``
or ``sample_data.generate.generate(out_dir, families=..., seed=...)``.
"""
