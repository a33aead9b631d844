"""What keeps a report inert offline: JSON in script blocks, the CSP, the inlined bundle.

* Data never reaches a script as code: the chart spec sits in a
  ``<script type="application/json">`` block, escaped like Django's
  ``json_script`` (``<``, ``>``, ``&``, U+2028, U+2029 as ``\\uXXXX``; all
  non-ASCII as ``\\uXXXX`` too), and is read with ``JSON.parse``.
* The only scripts that run are the Vega bundle and our static boot script,
  allowed by their SHA-256 in a ``Content-Security-Policy`` that allows no
  network, no eval (Vega runs its expression interpreter: ``ast: true``), no
  plugins, no base or form targets.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
from typing import Any

_JSON_SCRIPT_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def _finite(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def json_script_text(obj: Any) -> str:
    """JSON safe to put between ``<script type="application/json">`` tags."""
    text = json.dumps(_finite(obj), ensure_ascii=True, separators=(",", ":"), allow_nan=False, default=str)
    return text.translate(_JSON_SCRIPT_ESCAPES)


def csp_hash(source: str) -> str:
    """The CSP source expression allowing an inline script with exactly this text."""
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(script_hashes: tuple[str, ...] = ()) -> str:
    """A strict policy: nothing from the network, scripts only by hash, no eval."""
    scripts = " ".join(script_hashes) if script_hashes else "'none'"
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src {scripts}",
            "style-src 'unsafe-inline'",  # Vega's SVG and tooltip set inline styles
            "img-src data: blob:",
            "font-src 'none'",
            "connect-src 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "worker-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one classic script (built once per process, ~1 s).

    ``vl_convert.javascript_bundle()`` returns a self-contained ES bundle whose
    default snippet assigns ``window.vegaEmbed``, ``window.vega`` and
    ``window.vegaLite``; it runs as a classic ``<script>``.
    """
    import vl_convert

    bundle = vl_convert.javascript_bundle(None)  # type: ignore[arg-type]  # None: the default snippet (its stub says str)
    lowered = bundle.lower()
    if "</script" in lowered or "<!--" in lowered or "<script" in lowered:
        raise RuntimeError("the Vega bundle contains a script tag sequence; it cannot be inlined safely")
    return bundle


@functools.lru_cache(maxsize=1)
def vega_bundle_hash() -> str:
    return csp_hash(vega_bundle())
