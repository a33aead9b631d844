"""Fallback model for inputs too small to estimate from (a few rows in `link-files`).

Parameters as estimated on a synthetic county of ~32,000 mentions (data: default_model.json beside this
module); used only when fewer than `LinkSettings.em.min_preclusters` pre-clusters exist, because EM and
random-pair u need a population.
"""
from __future__ import annotations

from importlib.resources import files

from chronolink.engine.link.model import LinkModel

DEFAULT_MODEL = LinkModel.model_validate_json(files("chronolink.engine.link").joinpath("default_model.json").read_text("utf-8"))
