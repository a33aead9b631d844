"""Export the JSON Schema of mapping files and canonical records (`python -m chronolink.schemas.export_json`)."""
from __future__ import annotations

import json
from pathlib import Path

from chronolink.schemas.models import CANONICAL_MODELS, Mapping

JSON_DIR = Path(__file__).parent / "json"


def schemas() -> dict[str, dict]:
    """File name -> JSON Schema for every contract model."""
    out = {"mapping.schema.json": Mapping.model_json_schema()}
    for table, model in CANONICAL_MODELS.items():
        out[f"{table}.schema.json"] = model.model_json_schema()
    return out


def render(schema: dict) -> str:
    """The canonical text of a schema file."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Write every schema file."""
    JSON_DIR.mkdir(exist_ok=True)
    for name, schema in schemas().items():
        (JSON_DIR / name).write_text(render(schema), encoding="utf-8")


if __name__ == "__main__":
    main()
