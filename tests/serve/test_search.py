"""Find a person by name (nickname, misspelling, surname first), date of birth or an identifier; each
hit says why; the query never goes in a URL or the audit trail."""
from __future__ import annotations

import pytest

from chronolink.engine.security import audit


@pytest.fixture(scope="module")
def person(workbench):
    """A person with a date of birth and an agency id, and their usual folded name."""
    with workbench.gate.read() as con:
        return con.execute("""
            SELECT person_id, forename, surname, dob, local_id FROM person_mentions
            WHERE person_id IS NOT NULL AND dob IS NOT NULL AND local_id LIKE 'csc:%' AND forename = 'GRACE'
            ORDER BY person_id LIMIT 1""").fetchall()[0]


def find(client, **fields):
    r = client.post("/search", data=fields, headers={"x-csrf-token": client.csrf, "hx-request": "true"})
    assert r.status_code == 200
    return r.text


@pytest.mark.parametrize("name, why", [
    ("{f} {s}", "forename {f}"),
    ("Gracie {s}", "a form of GRACIE"),           # a nickname the linker knows
    ("{f} {s_typo}", "surname spelled similarly"),  # a letter out
    ("{s}, {f}", "forename {f}"),                   # written SURNAME, Forename
    ("{s} {f}", "surname first"),                   # written surname first without a comma
])
def test_name_forms_find_the_person(client, person, name, why):
    pid, fore, sur, _, _ = person
    typo = sur[:-2] + sur[-1] + sur[-2]
    html = find(client, name=name.format(f=fore.title(), s=sur.title(), s_typo=typo.title()))
    assert pid in html
    assert why.format(f=fore) in html


def test_date_of_birth_and_identifiers(client, person):
    pid, fore, _, dob, local = person
    assert pid in find(client, name=fore.title(), dob=dob.isoformat())
    html = find(client, identifier=local.split(":", 1)[1])
    assert pid in html and f"agency id {local}" in html
    assert pid in find(client, identifier=pid)


def test_bad_input_is_told_not_crashed(client):
    assert "not understood" in find(client, dob="31/02/2010")
    assert "Type a name" in find(client)
    assert "Nobody matches." in find(client, name="Zzyzx Qwertyuiop")


def test_search_is_audited_without_the_query(client, person, workbench):
    with workbench.gate.read() as con:
        before = audit.head(con).entry_count
    find(client, name=f"{person[1]} {person[2]}")
    with workbench.gate.read() as con:
        log = audit.entries(con, after_seq=before)
    assert log["command"].to_list() == ["serve.search"]
    assert person[0] in log["person_ids"].to_list()[0]
    assert person[2] not in log["detail"].to_list()[0]


def test_search_page_and_get_has_no_query(client):
    r = client.get("/search")
    assert r.status_code == 200 and 'method="post"' in r.text


def test_a_forename_alone_finds_people(client, person, workbench):
    pid, fore, _, _, _ = person
    html = find(client, name=fore.title())
    assert pid in html and f"forename {fore}" in html
    # another form of the name alone (the linker's nickname table) finds them too, and says so
    assert "a form of GRACIE" in find(client, name="Gracie") and pid in find(client, name="Gracie")
    # a one-word name that is nobody's forename or surname finds nobody
    assert "Nobody matches." in find(client, name="Qwertyuiop")
