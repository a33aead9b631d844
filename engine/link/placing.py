"""The places step: address mentions -> place keys -> stable place ids (work tables `keyed`, `addr`).

Place matching itself is `places.place_links` (a plug-in: any function from address mentions to
`(address_mention_id, place_key, town, street, number, flat, postcode)` keys and the placeholder
UPRNs it found fits); this step only
loads the addresses, numbers the keys and gives them ids kept across runs.
"""
from __future__ import annotations

from chronolink.engine.link.place_review import place_decisions
from chronolink.engine.link.places import place_links, residents
from chronolink.engine.link.stable_ids import plan_ids
from chronolink.engine.store.keys import mention_key_expr

_ADDRESS_COLUMNS = ("address_mention_id, source_file, source_row, field, raw, flat, number, number_suffix, building, "
                    "street, town, postcode, uprn")


def link_places(ctx) -> None:  # noqa: ANN001 - LinkContext (pipeline imports this module)
    """Place linkage into work tables `keyed` and `addr`; the id plan goes to `ctx.extra['place_plan']`.
    Nothing is written to the store here."""
    assert ctx.store is not None
    addr = ctx.store.sql(f"SELECT {_ADDRESS_COLUMNS} FROM address_mentions").pl()
    keys, ctx.extra["uprn_placeholders"] = place_links(
        addr, ctx.settings.street_max_edits, residents(ctx.store, ctx.settings.placeholders),
        places=ctx.settings.places, placeholders=ctx.settings.placeholders, decided=place_decisions(ctx.store))
    # rows that may be written with a house-number slip: the place review queue (written by `run`)
    ctx.extra["place_review"] = keys.drop_nulls("review_to")
    keyed = addr.select("address_mention_id", "source_file", "source_row", "field", "uprn").join(keys, on="address_mention_id")
    cl = keyed.select("place_key").unique().sort("place_key").with_row_index("cluster")
    keyed = keyed.join(cl, on="place_key").with_columns(mention_key_expr("field"))
    plan = plan_ids(ctx.store, "place", "A", keyed.select("mention_key", "cluster"))
    keyed = keyed.join(plan.ids.select("mention_key", "id"), on="mention_key")
    eng = ctx.eng
    eng.register("_lk_keyed_df", keyed)
    eng.materialise("keyed", """
        SELECT address_mention_id, id, flat, number, street, town, postcode, uprn, place_key FROM _lk_keyed_df""")
    eng.materialise("addr", """
        SELECT address_mention_id, id AS place_id, postcode, town || '|' || street AS street_key FROM _lk_keyed_df""")
    eng.unregister("_lk_keyed_df")
    ctx.extra["place_plan"] = plan
    ctx.counts.update(address_mentions=addr.height, places=keyed["id"].n_unique())
