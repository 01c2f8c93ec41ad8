"""Which characters can make text not be in NFC: the quick check behind the `nfc` rule.

Text is in Unicode Normalization Form C when every character in it has
NFC_Quick_Check=Yes and canonical combining class 0 (UAX #15, "Detecting Normalization
Forms"). The characters that fail that test are few (about 2,100) and known from the
Unicode character database. A cell holding none of them is in NFC for certain; only a
cell holding one is asked of `unicodedata.is_normalized`, which gives the answer.

The class is derived from the running Python's `unicodedata`. Deriving it takes about
half a second, so it ships precomputed (`_nfc_table.py`, made by `scripts/nfc_table.py`)
for the Unicode version it was made from; under any other version it is derived afresh,
once per process.
"""

from __future__ import annotations

import functools
import unicodedata

# Hangul vowel and trailing jamo combine with the syllable before them by rule, not
# through the decomposition table (Unicode 3.12, "Conjoining Jamo Behavior").
_JAMO_V = range(0x1161, 0x1161 + 21)
_JAMO_T = range(0x11A8, 0x11A7 + 28)


def derive() -> tuple[tuple[int, int], ...]:
    """The code points that are not NFC_Quick_Check=Yes or have a nonzero canonical
    combining class, as inclusive ranges, from `unicodedata`."""
    found: set[int] = set(_JAMO_V) | set(_JAMO_T)
    combining, normalize = unicodedata.combining, unicodedata.normalize
    decomposition = unicodedata.decomposition
    for point in range(0x80, 0x110000):
        if 0xD800 <= point < 0xE000:
            continue
        char = chr(point)
        if combining(char):
            found.add(point)
            continue
        mapping = decomposition(char)
        if not mapping or mapping.startswith("<"):
            continue
        if normalize("NFC", char) != char:
            found.add(point)  # NFC_Quick_Check=No: never in NFC text
        else:
            parts = mapping.split()
            if len(parts) == 2:
                # the second of a pair that composes: NFC_Quick_Check=Maybe
                found.add(int(parts[1], 16))
    return ranges(found)


def ranges(points: set[int]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for point in sorted(points):
        if out and out[-1][1] == point - 1:
            out[-1] = (out[-1][0], point)
        else:
            out.append((point, point))
    return tuple(out)


@functools.cache
def unsafe_ranges() -> tuple[tuple[int, int], ...]:
    """The ranges for the running Python's Unicode version."""
    from allyledger import _nfc_table

    if _nfc_table.UNIDATA_VERSION == unicodedata.unidata_version:
        return _nfc_table.RANGES
    return derive()


@functools.cache
def unsafe_class() -> str:
    """The characters of `unsafe_ranges` as one RE2 character class."""
    parts = (
        f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}"
        for lo, hi in unsafe_ranges()
    )
    return "[" + "".join(parts) + "]"
