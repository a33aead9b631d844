"""Exports: CSV/XLSX written for analysts and other tools, formula-neutralised."""
from chronolink.engine.export.mentions import address_mentions, person_mentions
from chronolink.engine.export.safe import neutralise, write_csv_safe, write_xlsx_safe

__all__ = ["address_mentions", "neutralise", "person_mentions", "write_csv_safe", "write_xlsx_safe"]
