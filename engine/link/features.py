"""Person features for linkage, built in bulk in DuckDB from `person_mentions`.

Creates temp tables on the connection:
  _lk_m    one row per mention: cleaned comparison fields, place, pre-cluster id
  _lk_sig  one row per distinct signature (mentions identical in every compared field)
  _lk_pc   one row per deterministic pre-cluster: its identifier sets
"""
from __future__ import annotations

import duckdb
import polars as pl

from chronolink.engine.link.comparisons import lookup_key_sql
from chronolink.engine.link.components import components_of
from chronolink.engine.link.engine import LinkEngine, as_engine
from chronolink.engine.link.placeholders import person_placeholders
from chronolink.engine.link.settings import AgeSettings, LinkSettings
from chronolink.engine.normalise.names import nickname_table, surname_key, variant_groups

# Relationship roles imply sex and, for parents and grandparents, adulthood at the event. Clerks write the
# informal words too (NAN, GRANDAD, MUM'S PARTNER), so each role is listed as schools and housing write it.
GRANDMOTHER_ROLES = ("GRANDMOTHER", "NAN", "NANA", "NANNA", "GRAN", "GRANNY", "GRANDMA")
GRANDFATHER_ROLES = ("GRANDFATHER", "GRANDAD", "GRANDDAD", "GRANDPA")
GRANDPARENT_ROLES = (*GRANDMOTHER_ROLES, *GRANDFATHER_ROLES)
FEMALE_ROLES = ("MOTHER", *GRANDMOTHER_ROLES, "AUNT", "DAUGHTER", "SISTER", "STEP-MOTHER", "STEPMOTHER", "WIFE",
                "STEP-DAUGHTER", "NIECE", "GIRLFRIEND", "MUM")
MALE_ROLES = ("FATHER", *GRANDFATHER_ROLES, "UNCLE", "SON", "BROTHER", "STEP-FATHER", "STEPFATHER", "HUSBAND",
              "STEP-SON", "NEPHEW", "BOYFRIEND", "DAD")
ADULT_ROLES = ("MOTHER", "FATHER", *GRANDPARENT_ROLES, "STEP-FATHER", "STEP-MOTHER", "STEPFATHER",
               "STEPMOTHER", "MOTHER'S PARTNER", "FATHER'S PARTNER", "MUM'S PARTNER", "DAD'S PARTNER", "PARTNER",
               "HUSBAND", "WIFE", "CARER", "GUARDIAN", "LEAD_TENANT", "MUM", "DAD")


def nickname_tables(con: LinkEngine | duckdb.DuckDBPyConnection) -> None:
    """`nickl(name, canon, grps)`: each name's canonical forms (nicknames) and curated variant
    groups, from engine.normalise."""
    eng = as_engine(con)
    eng.register("_lk_nick_df", nickname_table())
    eng.register("_lk_vgrp_df", variant_groups())
    eng.materialise("nickl", """
        WITH n AS (SELECT DISTINCT name, canonical FROM _lk_nick_df),
        g AS (SELECT name, list_sort(list(grp)) AS grps FROM (SELECT DISTINCT name, "group" AS grp FROM _lk_vgrp_df) GROUP BY 1)
        SELECT n.name, list_sort(list(DISTINCT n.canonical)) AS canon, any_value(g.grps) AS grps
        FROM n LEFT JOIN g USING (name) GROUP BY 1""")
    eng.unregister("_lk_nick_df")
    eng.unregister("_lk_vgrp_df")


def build_mentions(con: LinkEngine | duckdb.DuckDBPyConnection, source: str = "person_mentions",
                   places: str = "_lk_addr", keep_apart: list[int] | None = None, stats: str | None = None,
                   settings: LinkSettings | None = None) -> None:
    """Work tables `m` (one row per mention: cleaned comparison fields, place, pre-cluster id) and
    `pc` (one row per pre-cluster: its identifier sets) from the mention table `source` and the
    place table `places` (address_mention_id, place_id, postcode, street_key). Mentions in
    `keep_apart` (those an analyst decided on) are never folded into another mention's pre-cluster.
    What the data say about names and identifiers (placeholders, lost letters, names written surname
    first) is counted over `stats` (default `source`: an incremental run links a few new mentions
    by the whole store's counts). `settings`: the link settings (ages, placeholders, name order; default ones)."""
    eng = as_engine(con)
    settings = settings or LinkSettings()
    ages, swap = settings.ages, settings.name_order
    stats = stats or source
    # the placeholders among the values `source` holds (all of them: a full run lists them for the store)
    eng.register("_lk_idph_df", person_placeholders(eng, stats, settings.placeholders,
                                                    among=None if stats == source else source))
    eng.materialise("idph", "SELECT * FROM _lk_idph_df")  # read by a full `run` for the store's placeholder list
    eng.unregister("_lk_idph_df")
    fem, mal, adult = (", ".join("'" + r.replace("'", "''") + "'" for r in roles)
                       for roles in (FEMALE_ROLES, MALE_ROLES, ADULT_ROLES))
    eng.materialise("raw", f"""
        SELECT m.mention_id, m.record_id, m.source_file, m.source_row, m.slot, m.agency, upper(m.role) AS role,
               nullif(trim(upper(m.forename)), '') AS fn0,
               nullif(trim(upper(m.middle_names)), '') AS mid0,
               nullif(trim(upper(m.surname)), '') AS sn0,
               nullif(trim(upper(m.preferred_forename)), '') AS pref0,
               nullif(upper(m.name_suffix), '') AS sfx,
               -- a date of birth counts unless it is a placeholder (placeholders.dob_placeholders)
               CASE WHEN coalesce(m.dob_status, 'ok') = 'ok' AND CAST(m.dob AS VARCHAR) NOT IN (
                    SELECT value FROM _lk_idph WHERE identifier = 'dob') THEN m.dob END AS dob,
               coalesce(CASE WHEN m.sex IN ('M', 'F') THEN m.sex END,
                        CASE WHEN upper(m.role) IN ({fem}) THEN 'F' WHEN upper(m.role) IN ({mal}) THEN 'M' END) AS sex,
               -- a valid identifier counts unless it is a placeholder (placeholders.person_placeholders)
               CASE WHEN m.nhs_valid AND regexp_replace(m.nhs_number, '[^0-9]', '', 'g') NOT IN (
                    SELECT value FROM _lk_idph WHERE identifier = 'nhs_number')
                    THEN regexp_replace(m.nhs_number, '[^0-9]', '', 'g') END AS nhs,
               CASE WHEN m.upn_valid AND upper(m.upn) NOT IN (SELECT value FROM _lk_idph WHERE identifier = 'upn')
                    THEN upper(m.upn) END AS upn,
               CASE WHEN m.pnc_valid AND upper(m.pnc) NOT IN (SELECT value FROM _lk_idph WHERE identifier = 'pnc')
                    THEN upper(m.pnc) END AS pnc,
               nullif(m.local_id, '') AS local_id,
               -- A parent or grandparent was at least parent_min_age at the event: a later birth cannot be them.
               CASE WHEN upper(m.role) IN ({adult}) AND m.event_date IS NOT NULL
                    THEN year(m.event_date) - {int(ages.parent_min_age)} END AS max_birth_year,
               CAST(NULL AS INTEGER) AS min_birth_year,
               a.place_id, a.postcode, a.street_key
        FROM {source} m LEFT JOIN {places} a USING (address_mention_id)
    """)
    counted, ours = "_lk_raw", None
    if stats != source:
        # An incremental run counts over the whole store, but only the new mentions' names need
        # fixing or ordering: the counts are kept for those names alone (the same counts, far fewer).
        counted = "_lk_rawstats"
        eng.materialise("rawstats", f"""
            SELECT nullif(trim(upper(forename)), '') AS fn0, nullif(trim(upper(surname)), '') AS sn0,
                   nullif(trim(upper(preferred_forename)), '') AS pref0 FROM {stats}""")
        ours = "(SELECT fn0 FROM _lk_raw UNION SELECT sn0 FROM _lk_raw UNION SELECT pref0 FROM _lk_raw)"

    def only(col: str) -> str:
        return "TRUE" if ours is None else f"{col} IN {ours}"
    # Letters the source encoding lost ('?'): take the commonest fully-written name that fits.
    wild_lengths = f"""(SELECT length(v) FROM (SELECT fn0 AS v FROM {counted} UNION SELECT sn0 FROM {counted}
                        UNION SELECT pref0 FROM {counted}) WHERE contains(v, '?') AND {only('v')})"""
    eng.materialise("names", f"""
        SELECT v AS name, count(*) AS n FROM (
            SELECT fn0 AS v FROM {counted} UNION ALL SELECT sn0 FROM {counted} UNION ALL SELECT pref0 FROM {counted}
        ) WHERE v IS NOT NULL AND length(v) IN {wild_lengths} GROUP BY 1""")
    # A wild name matches the names of its length that agree on every written letter. Each distinct
    # pattern of lost letters ('__?_' for `AN?E`) masks the names of its length into keys to join on:
    # a join on equal keys, not a pattern match of every wild name against every name of its length.
    eng.materialise("wild", f"""
        WITH w AS (SELECT name AS wild FROM _lk_names WHERE contains(name, '?') AND {only('name')}),
        masks AS (SELECT DISTINCT regexp_replace(wild, '[^?]', '_', 'g') AS mask FROM w),
        keyed AS (
            SELECT c.name, c.n, array_to_string(list_transform(generate_series(1, length(c.name)), lambda i:
                       CASE WHEN substr(k.mask, i, 1) = '?' THEN '?' ELSE substr(c.name, i, 1) END), '') AS k
            FROM (SELECT name, n FROM _lk_names WHERE NOT contains(name, '?')) c
            JOIN masks k ON length(k.mask) = length(c.name))
        SELECT w.wild, first(c.name ORDER BY c.n DESC, c.name) AS fixed  -- ties: alphabetical, so runs agree
        FROM w JOIN keyed c ON c.k = w.wild
        GROUP BY 1""")
    # Surnames compare by their key (names.surname_key: O NEILL, O-NEILL and ONEILL are one), looked
    # up for the distinct spellings that have a key of their own (worked out where the spellings are).
    eng.map_batches("snkey", """
        SELECT fn0 AS name FROM _lk_raw WHERE fn0 IS NOT NULL UNION SELECT sn0 FROM _lk_raw WHERE sn0 IS NOT NULL
        UNION SELECT fixed FROM _lk_wild""", own_surname_keys, "name string, key string")
    # A name written surname first (`Edwards Chloe`) is put in order when the data say so plainly:
    # its "forename" is written as a surname at least swap_ratio times as often as a forename, and
    # its "surname" as a forename likewise (each seen at least swap_min_seen times that way; the row
    # itself is not counted as evidence of how its own names are usually written).
    eng.materialise("npos", f"""
        SELECT v AS name, count(*) FILTER (WHERE pos = 'f') AS nf, count(*) FILTER (WHERE pos = 's') AS ns
        FROM (SELECT fn0 AS v, 'f' AS pos FROM {counted} UNION ALL SELECT sn0, 's' FROM {counted})
        WHERE v IS NOT NULL AND {only('v')} GROUP BY 1""")
    eng.materialise("m0", f"""
        WITH r AS (
            SELECT r.* EXCLUDE (fn0, sn0, pref0, mid0),
                   coalesce(w1.fixed, r.fn0) AS fn1, coalesce(w2.fixed, r.sn0) AS sn1,
                   nullif(coalesce(w3.fixed, r.pref0), coalesce(w1.fixed, r.fn0)) AS pref, r.mid0 AS mid,
                   (pf.ns >= {int(swap.swap_min_seen)} AND pf.ns >= {int(swap.swap_ratio)} * (pf.nf - 1)
                    AND ps.nf >= {int(swap.swap_min_seen)} AND ps.nf >= {int(swap.swap_ratio)} * (ps.ns - 1)) AS reversed
            FROM _lk_raw r
            LEFT JOIN _lk_wild w1 ON w1.wild = r.fn0
            LEFT JOIN _lk_wild w2 ON w2.wild = r.sn0
            LEFT JOIN _lk_wild w3 ON w3.wild = r.pref0
            LEFT JOIN _lk_npos pf ON pf.name = r.fn0
            LEFT JOIN _lk_npos ps ON ps.name = r.sn0
        )
        SELECT r.* EXCLUDE (fn1, sn1, reversed),
               (r.nhs IS NOT NULL OR r.upn IS NOT NULL OR r.pnc IS NOT NULL OR r.local_id IS NOT NULL) AS has_id,
               CASE WHEN reversed THEN sn1 ELSE fn1 END AS fn,
               -- O NEILL, O-NEILL and ONEILL are one surname (names.surname_key), HILL HARRISON and
               -- HILL-HARRISON one double-barrelled surname
               replace(coalesce(k.key, CASE WHEN reversed THEN fn1 ELSE sn1 END), ' ', '-') AS sn
        FROM r LEFT JOIN _lk_snkey k ON k.name = CASE WHEN reversed THEN fn1 ELSE sn1 END""")
    eng.drop("npos", "names", "raw", "rawstats", "snkey")
    _pre_clusters(eng, keep_apart or [], ages)


def own_surname_keys(spellings: pl.DataFrame) -> pl.DataFrame:
    """(name, key) for the spellings (column `name`) whose surname key differs from the spelling."""
    keyed = spellings.select("name", surname_key(pl.col("name")).alias("key"))
    return keyed.filter(pl.col("key").is_not_null() & (pl.col("key") != pl.col("name")))


def _pre_clusters(eng: LinkEngine, keep_apart: list[int], ages: AgeSettings) -> None:
    """Deterministic pre-clusters: mentions sharing a valid NHS number, UPN, PNC id or an
    agency's own person id are one person (the ids were checked clean on every extract we have);
    then mentions without ids are folded in by identity (see `_identity_groups`)."""
    # Components over the ids themselves (a row holding two ids joins them), far fewer nodes than
    # mentions; each mention then takes its ids' component. An id's node is the smallest mention
    # holding it (a grouping, which Spark spreads over its tasks; numbering the ids in order would be
    # one task): ids sharing a node share a mention, so they are in one component anyway.
    eng.materialise("ids", """
        WITH ids AS (
            SELECT mention_id, 'N' || nhs AS k FROM _lk_m0 WHERE nhs IS NOT NULL
            UNION ALL SELECT mention_id, 'U' || upn FROM _lk_m0 WHERE upn IS NOT NULL
            UNION ALL SELECT mention_id, 'P' || pnc FROM _lk_m0 WHERE pnc IS NOT NULL
            UNION ALL SELECT mention_id, 'L' || local_id FROM _lk_m0 WHERE local_id IS NOT NULL
        ), keys AS (SELECT k, min(mention_id) AS node FROM ids GROUP BY k)
        SELECT ids.mention_id, keys.node FROM ids JOIN keys USING (k)""")
    eng.materialise("ide", """
        SELECT DISTINCT a, node AS b FROM (SELECT node, min(node) OVER (PARTITION BY mention_id) AS a FROM _lk_ids)
        WHERE node <> a""")
    components_of(eng, "_lk_ide", "kc")
    # Label: the smallest mention id of the component; a mention without ids is its own.
    eng.materialise("pc0", """
        WITH mc AS (SELECT DISTINCT i.mention_id, coalesce(c.component, i.node) AS component
                    FROM _lk_ids i LEFT JOIN _lk_kc c ON c.node = i.node),
        lab AS (SELECT component, min(mention_id) AS pc FROM mc GROUP BY component)
        SELECT m.mention_id, coalesce(lab.pc, m.mention_id) AS pc
        FROM _lk_m0 m LEFT JOIN mc USING (mention_id) LEFT JOIN lab USING (component)""")
    eng.drop("ids", "ide", "kc")
    _identity_groups(eng, "_lk_pc0", keep_apart)
    eng.drop("pc0")
    _parent_ages(eng, ages)
    eng.materialise("pc", """
        SELECT pc,
               coalesce(list_sort(list_distinct(list(nhs) FILTER (WHERE nhs IS NOT NULL))), []) AS nhs_set,
               coalesce(list_sort(list_distinct(list(upn) FILTER (WHERE upn IS NOT NULL))), []) AS upn_set,
               coalesce(list_sort(list_distinct(list(pnc) FILTER (WHERE pnc IS NOT NULL))), []) AS pnc_set,
               coalesce(list_sort(list_distinct(list(local_id) FILTER (WHERE local_id LIKE 'police:%'))), []) AS police_set,
               coalesce(list_sort(list_distinct(list(local_id) FILTER (WHERE local_id LIKE 'probation:%'))), []) AS probation_set,
               coalesce(list_sort(list_distinct(list(local_id) FILTER (WHERE local_id LIKE 'csc:%'))), []) AS csc_set,
               count(*) AS n_mentions,
               -- How many ways the pre-cluster writes a dob and names: with one each, a pair's levels
               -- are the pre-clusters' own (see persons._plausible_edges).
               count(DISTINCT dob) AS n_dob, count(DISTINCT fn) AS n_fn, count(pref) AS n_pref,
               count(mid) AS n_mid, count(DISTINCT sn) AS n_sn
        FROM _lk_m GROUP BY pc""")


def _generation_sql(alias: str) -> str:
    """SQL naming the generation a mention's role puts it in ('c' child, 'p' parent, 'g' grandparent,
    '' unknown): a mother and daughter with one name at one address are two people."""
    def quoted(roles: tuple[str, ...]) -> str:
        return ", ".join("'" + r.replace("'", "''") + "'" for r in roles)
    grand = GRANDPARENT_ROLES
    parents = tuple(r for r in (*ADULT_ROLES, *PARENT_ROLES) if r not in grand)
    return (f"CASE WHEN {alias}.slot IN ('pupil', 'child') OR upper({alias}.role) IN ({quoted(GENERATION_CHILD_ROLES)}) THEN 'c'"
            f" WHEN upper({alias}.role) IN ({quoted(grand)}) THEN 'g'"
            f" WHEN upper({alias}.role) IN ({quoted(parents)}) OR {alias}.slot = 'lead_tenant' THEN 'p' ELSE '' END")


def _identity_groups(eng: LinkEngine, pc0: str, keep_apart: list[int]) -> None:
    """`pc1(mention_id, pc)`: id pre-clusters `pc0` plus identity folding of id-less mentions.

    An id-less mention (a carer on a school roll, a tenant, a relative) repeats the same person's
    name, date of birth and often address on row after row; scoring every such copy against every
    other is most of the pairwise work. Mentions that agree exactly on forename, surname, suffix
    and date of birth (or, with no date of birth, on the same place and in the same generation by
    their roles: a mother and her daughter named alike at one address are two people) are one group,
    and the group joins the id pre-cluster written identically when exactly one such pre-cluster exists. Each
    id-less mention carries one key, so groups never chain two id pre-clusters together; mentions
    written alike in one source row are left to the clustering, which keeps them apart.
    """
    eng.materialise("pc1", f"""
        WITH m AS (
            SELECT m.mention_id, m.record_id, p.pc AS pc0, m.has_id,
                   CASE WHEN length(m.fn) > 1 AND m.sn IS NOT NULL AND m.dob IS NOT NULL
                        THEN 'D|' || m.fn || '|' || m.sn || '|' || coalesce(m.sfx, '') || '|' || CAST(m.dob AS VARCHAR)
                        WHEN length(m.fn) > 1 AND m.sn IS NOT NULL AND m.place_id IS NOT NULL
                        THEN 'A|' || m.fn || '|' || m.sn || '|' || coalesce(m.sfx, '') || '|' || m.place_id
                             || '|' || {_generation_sql('m')} END AS ik
            FROM _lk_m0 m JOIN {pc0} p USING (mention_id)
        ), eligible AS (
            SELECT * FROM m WHERE NOT has_id AND ik IS NOT NULL AND mention_id NOT IN (SELECT unnest($1::BIGINT[]))
            -- two people written alike in one row (a father and son) are two people: neither folds
            QUALIFY count(*) OVER (PARTITION BY record_id, ik) = 1
        ), keys AS (
            SELECT ik, min(mention_id) AS own FROM eligible GROUP BY ik
        ), idkeys AS (  -- the one id pre-cluster written this way, if exactly one
            SELECT ik, min(pc0) AS idpc FROM m WHERE has_id AND ik LIKE 'D|%' GROUP BY ik HAVING count(DISTINCT pc0) = 1
        )
        SELECT m.mention_id, coalesce(i.idpc, k.own, m.pc0) AS pc
        FROM m LEFT JOIN eligible e USING (mention_id)
        LEFT JOIN keys k ON k.ik = e.ik
        LEFT JOIN idkeys i ON i.ik = e.ik""", [keep_apart])
    eng.checkpoint("pc1")  # read twice (parents' ages, then `m`)


CHILD_ROLES = ("SON", "DAUGHTER", "STEP-SON", "STEP-DAUGHTER", "STEPSON", "STEPDAUGHTER", "GRANDSON", "GRANDDAUGHTER")
# A parent's partner is an adult (ADULT_ROLES) but need not be a generation older than the children.
PARENT_ROLES = ("MOTHER", "FATHER", "MUM", "DAD", "STEP-FATHER", "STEP-MOTHER", "STEPFATHER", "STEPMOTHER",
                *GRANDPARENT_ROLES, "PARENT", "GUARDIAN")
# Roles of the child generation (a pupil or CSC child, a son, a sibling of the child).
GENERATION_CHILD_ROLES = (*CHILD_ROLES, "CHILD", "PUPIL", "SIBLING", "SISTER", "BROTHER")


def _parent_ages(eng: LinkEngine, ages: AgeSettings) -> None:
    """`m`: the mentions `m0` with their pre-cluster `pc1`, where a parent named in the same row as a
    child (school carer, CSC relative, lead tenant of a household with a son or daughter) was born
    at least `ages.parent_child_gap` years before that child; the child's dob comes from its pre-cluster, so an id-only
    child slot still counts."""
    child = ", ".join("'" + r + "'" for r in CHILD_ROLES)
    parent = ", ".join("'" + r.replace("'", "''") + "'" for r in PARENT_ROLES)
    grand = ", ".join("'" + r + "'" for r in GRANDPARENT_ROLES)
    eng.materialise("kid", f"""
        WITH mp AS (SELECT m.record_id, m.slot, m.role, m.dob, p.pc FROM _lk_m0 m JOIN _lk_pc1 p USING (mention_id)),
        pcdob AS (SELECT pc, min(year(dob)) AS y FROM mp WHERE dob IS NOT NULL GROUP BY pc)
        SELECT mp.record_id, min(d.y) AS kid_y,
               -- the row's subject child (a pupil, a CSC child): the roles in its row are relative to it
               -- (in a tenancy they are relative to the tenant, so a MOTHER there may be a grandmother)
               max(d.y) FILTER (WHERE mp.slot IN ('pupil', 'child')) AS subject_y
        FROM mp JOIN pcdob d USING (pc)
        WHERE mp.slot IN ('pupil', 'child') OR upper(mp.role) IN ({child})
        GROUP BY mp.record_id""")
    eng.materialise("m", f"""
        SELECT m.* EXCLUDE (max_birth_year, min_birth_year),
               CASE WHEN k.kid_y IS NOT NULL AND m.dob IS NULL
                     AND (upper(m.role) IN ({parent}) OR (m.slot = 'lead_tenant'))
                     AND m.slot NOT IN ('pupil', 'child')
                    THEN least(coalesce(m.max_birth_year, 9999), k.kid_y - {int(ages.parent_child_gap)},
                               -- a grandparent of the row's subject child is a parent's parent: two gaps older
                               CASE WHEN upper(m.role) IN ({grand})
                                    THEN k.subject_y - 2 * {int(ages.parent_child_gap)} END)
                    ELSE m.max_birth_year END AS max_birth_year,
               -- and at most mother_max_gap (father_max_gap) years before the child
               CASE WHEN k.subject_y IS NOT NULL AND m.dob IS NULL AND m.slot NOT IN ('pupil', 'child')
                    THEN CASE WHEN upper(m.role) IN ('MOTHER', 'MUM') THEN k.subject_y - {int(ages.mother_max_gap)}
                              WHEN upper(m.role) IN ('FATHER', 'DAD') THEN k.subject_y - {int(ages.father_max_gap)} END
                    END AS min_birth_year,
               p.pc
        FROM _lk_m0 m JOIN _lk_pc1 p USING (mention_id) LEFT JOIN _lk_kid k USING (record_id)""")
    eng.drop("kid", "m0", "pc1")


# A mention's identity as written, for companions: its date of birth with the surname and the forename's
# initial, and with the forename and the surname's initial, so a slip in one name (MSRYAM for MARYAM on
# the one school row that knows her UPN) still names the same child; null unless both names and the
# date are there (a bare initial identifies no one).
_IDENTITY_SQL = ("CASE WHEN length(fn) > 1 AND length(sn) > 1 AND dob IS NOT NULL "
                 "THEN [left(fn, 1) || '|' || sn || '|' || CAST(dob AS VARCHAR), "
                 "fn || '|' || left(sn, 1) || '|' || CAST(dob AS VARCHAR)] END")

# A signature is one way of writing one pre-cluster's person: the addresses it was seen at are
# aggregated as sets (people move; sharing any address is the evidence), which keeps the number
# of signatures, hence of candidate pairs, close to the number of name/dob variants.
SIG_COLS = ("pc", "fn", "mid", "sn", "pref", "sfx", "dob", "sex")


def build_signatures(con: LinkEngine | duckdb.DuckDBPyConnection) -> None:
    """Collapse identical mentions of `m` into `sig` (with derived blocking/comparison fields) and
    map every mention to its signature in `msig(mention_id, sid)`; needs `pc` and `nickl`."""
    eng = as_engine(con)
    cols = ", ".join(SIG_COLS)
    anyv = ", ".join(f"any_value({c}) AS {c}" for c in SIG_COLS)
    key_cols = lookup_key_sql("s")
    # A pre-cluster's companions: the other pre-clusters named in its source rows (a pupil's carers,
    # a tenant's household, a child's relatives). A carer known only by name, at an address no other
    # record gives, is still named beside the same child as the record that knows her date of birth.
    # The companions' identities (name and date of birth as written) too: a child is often one
    # pre-cluster at school (UPN) and another at social care (CSC id), so the carer on the pupil's
    # row and the same carer on the child's CSC row share no companion pre-cluster, but do share
    # a companion written A|SHARMA|2014-05-10 (and ANAYA|S|2014-05-10).
    eng.materialise("comp", f"""
        WITH rp AS (SELECT DISTINCT record_id, pc FROM _lk_m),
        ik AS (SELECT DISTINCT pc, unnest({_IDENTITY_SQL}) AS k FROM _lk_m WHERE {_IDENTITY_SQL} IS NOT NULL),
        cp AS (SELECT DISTINCT a.pc, b.pc AS other FROM rp a JOIN rp b ON a.record_id = b.record_id AND a.pc <> b.pc),
        ck AS (SELECT cp.pc, list(DISTINCT ik.k ORDER BY ik.k) AS ckeys FROM cp JOIN ik ON ik.pc = cp.other GROUP BY cp.pc)
        SELECT cp.pc, list(cp.other ORDER BY cp.other) AS comps, any_value(ck.ckeys) AS ckeys
        FROM cp LEFT JOIN ck USING (pc) GROUP BY cp.pc""")
    eng.materialise("sig", f"""
        WITH s AS (
            SELECT hash({cols}) AS h, {anyv}, min(m.mention_id) AS rep_mention, count(*) AS n,
                   bool_or(m.has_id) AS from_ids, min(m.max_birth_year) AS max_birth_year,
                   max(m.min_birth_year) AS min_birth_year,
                   coalesce(list(DISTINCT m.place_id ORDER BY m.place_id) FILTER (WHERE m.place_id IS NOT NULL), []) AS places,
                   coalesce(list(DISTINCT m.postcode ORDER BY m.postcode) FILTER (WHERE m.postcode IS NOT NULL), []) AS pcs,
                   coalesce(list(DISTINCT m.street_key ORDER BY m.street_key) FILTER (WHERE m.street_key IS NOT NULL), []) AS streets
            FROM _lk_m m GROUP BY 1
        )
        -- A signature's id is its first mention's: unique, stable, and free (no window over all of them).
        -- Lists are sorted so the stored tables repeat run after run.
        SELECT s.rep_mention AS sid, s.*,
               list_sort(list_distinct(list_transform(s.pcs, lambda x: left(x, length(x) - 2)))) AS sectors,
               list_sort(list_distinct(list_transform(s.pcs, lambda x: split_part(x, ' ', 1)))) AS districts,
               CASE WHEN s.sn IS NOT NULL THEN list_filter(string_split(replace(s.sn, '-', ' '), ' '), lambda x: length(x) > 1) END AS sn_parts,
               list_filter(string_split(coalesce(s.mid, ''), ' '), lambda x: x <> '') AS mids,
               left(s.fn, 1) AS fi,
               year(s.dob) AS dob_y, month(s.dob) AS dob_m, day(s.dob) AS dob_d,
               strftime(s.dob, '%Y%m%d') AS dob_s,
               CASE WHEN s.fn IS NOT NULL THEN coalesce(k1.canon, [s.fn]) END AS fcanon,
               CASE WHEN s.pref IS NOT NULL THEN coalesce(k2.canon, [s.pref]) END AS pcanon,
               coalesce(k1.grps, []) AS fgrp, coalesce(k2.grps, []) AS pgrp,
               p.nhs_set, p.upn_set, p.pnc_set, p.police_set, p.probation_set, p.csc_set,
               coalesce(c.comps, []) AS comps,
               coalesce(c.ckeys, []) AS ckeys,
               {key_cols}
        FROM s JOIN _lk_pc p USING (pc) LEFT JOIN _lk_comp c USING (pc)
        LEFT JOIN _lk_nickl k1 ON k1.name = s.fn
        LEFT JOIN _lk_nickl k2 ON k2.name = s.pref
        """)
    eng.materialise("msig", f"""
        SELECT m.mention_id, s.sid FROM _lk_m m JOIN _lk_sig s ON s.h = hash({", ".join(f"m.{c}" for c in SIG_COLS)})""")
    eng.drop("comp")
