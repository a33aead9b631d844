"""Where the CLI prints: stderr for messages, stdout for machine-readable output, nothing raw.

Rich escapes markup (``[red]``) but passes control sequences through, so a file name holding
``ESC[31m`` would reach the terminal and restyle or rewrite it. Every string these consoles
render is stripped of control characters first (:func:`printable`).
"""
from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.text import Text

__all__ = ["err", "out", "printable"]

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides and
# isolates that reorder what a terminal shows (CVE-2021-42574, "Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character replaced by U+FFFD, so the terminal shows it inert."""
    return _CONTROL.sub("\ufffd", text)


class SafeConsole(Console):
    """A console that strips control characters from every string it renders."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(printable(text), **kwargs)


err = SafeConsole(stderr=True, highlight=False)
# Tables stay whole when stdout is a file or a pipe (analysts redirect them).
out = SafeConsole(highlight=False, width=None if Console().is_terminal else 200)

