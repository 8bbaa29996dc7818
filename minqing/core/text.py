"""Cleaning text typed or sent in from outside before it is stored.

Control characters reach every place the text is shown again: ANSI escapes recolour a terminal reading the
logs or an export, BEL rings it, NUL ends strings in other tools, and the bidirectional controls (U+202E and
its kin) make a staff list or a spreadsheet show text in an order other than the one stored ("Trojan source").
None of them is ever part of what a resident means, so intake removes them; long text keeps its line breaks and
tabs.
"""

import re

# A whole escape sequence, so that "\x1b[31m" leaves nothing behind rather than a stray "[31m": CSI (ESC [ …
# final byte), OSC (ESC ] … BEL or ESC \), and the two-byte escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_C1 = "\x9b"  # the one-byte CSI of C1, as in "\x9b31m"
_CSI_C1 = re.compile(_C1 + r"[0-?]*[ -/]*[@-~]")
# Bidirectional marks, embeddings, overrides and isolates; the byte-order mark; what is not a character.
_INVISIBLE = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff"
_CONTROLS_LONG = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")
_CONTROLS_LINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x85]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """`value` without control characters, escape sequences or bidirectional controls. Long text
    (`multiline`) keeps tabs and line breaks, each written as "\\n"; a one-line field has them as spaces."""
    text = _CSI_C1.sub("", _ANSI.sub("", value))
    text = _LINE_BREAKS.sub("\n", text)
    if multiline:
        return _CONTROLS_LONG.sub("", text)
    return _CONTROLS_LINE.sub("", text.replace("\n", " ").replace("\t", " "))
