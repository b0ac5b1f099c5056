"""The typeface: DejaVu Sans when the system has it, else the PDF core Helvetica.

fpdf2 needs a TrueType font for text beyond Windows-1252 (a Polish or Greek customer name). No
package in the environment ships one, so the renderer looks for DejaVu Sans where Linux
distributions install it (Debian/Ubuntu ``fonts-dejavu-core``, Fedora/Alpine ``dejavu-sans-fonts``;
licence: Bitstream Vera derivative, free to embed and redistribute). Without it the built-in
Helvetica is used in Windows-1252, which still covers "€", accents and "ñ"; characters outside
it print as "?" rather than failing the invoice.

DejaVu Sans holds about 6,000 glyphs, and fpdf2 parses the whole file for every document (two
thirds of the time of a one-page invoice). :func:`prepared_fonts` therefore cuts it once per
process to the scripts an invoice for Europe needs (Latin, Greek, Cyrillic, punctuation,
currency signs) and keeps the result in a private temporary directory, since fpdf2 only loads
fonts from files. A character outside that set prints as "?".
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from fontTools import subset  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

#: Where DejaVu Sans is installed by common distributions, in order of preference.
SEARCH_DIRS: Final = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/local/share/fonts"),
)

#: Code points kept in the prepared font: Latin-1, Latin Extended-A/B, Greek, Cyrillic,
#: general punctuation, currency signs, and a few symbols invoices use (№ ™ ← →).
KEPT: Final = frozenset(
    [
        *range(0x20, 0x250),
        *range(0x370, 0x530),
        *range(0x2000, 0x2070),
        *range(0x20A0, 0x20D0),
        *(0x2116, 0x2122, 0x2190, 0x2192),
    ]
)


@dataclass(frozen=True, slots=True)
class FontFiles:
    """A regular and a bold TrueType file of one family, and the characters they hold
    (``None``: whatever the files hold)."""

    family: str
    regular: Path
    bold: Path
    charset: frozenset[int] | None = None


@cache
def find_fonts(search: Sequence[Path] = SEARCH_DIRS) -> FontFiles | None:
    """DejaVu Sans in the first directory holding both weights, or ``None``."""
    for folder in search:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return FontFiles("DejaVu", regular, bold)
    return None


@cache
def prepared_fonts() -> FontFiles | None:
    """The system's DejaVu Sans cut to :data:`KEPT`, made once per process; ``None`` without it."""
    found = find_fonts()
    if found is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="facturo-fonts-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    regular, charset = _cut(found.regular, folder)
    bold, _ = _cut(found.bold, folder)
    return FontFiles(found.family, regular, bold, charset)


def _cut(source: Path, folder: Path) -> tuple[Path, frozenset[int]]:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables = [*options.drop_tables, "FFTM"]
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(KEPT))
    subsetter.subset(font)
    target = folder / source.name
    font.save(target)
    return target, frozenset(font.getBestCmap())


__all__ = ["KEPT", "SEARCH_DIRS", "FontFiles", "find_fonts", "prepared_fonts"]
