"""Exports: CSV/XLSX written for analysts and other tools, formula-neutralised, owner-only."""
from chronolink.engine.export.files import check_output_file, check_output_folder, private_file
from chronolink.engine.export.mentions import address_mentions, person_mentions
from chronolink.engine.export.safe import neutralise, table_format, write_csv_safe, write_table, write_xlsx_safe

__all__ = ["address_mentions", "check_output_file", "check_output_folder", "neutralise", "person_mentions",
           "private_file", "table_format", "write_csv_safe", "write_table", "write_xlsx_safe"]
