"""Text shown as text: ``st.table`` renders GitHub-flavoured Markdown in every cell (and header).

File names, logins and contact details come from partners and coordinators. Rendered as Markdown,
``**x**`` would be bold, ``[x](https://...)`` a link, ``-`` a bullet and an e-mail address a
``mailto:`` link. Backslash-escaping every ASCII punctuation character (CommonMark allows it for
all of them) makes Markdown show the characters as typed. No streamlit here.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboard.exports import map_text

_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_LINE_BREAKS = re.compile(r"[\r\n]+")


def escape_markdown(value: object) -> object:
    """``value`` (when text) as Markdown that renders to exactly that text on one line."""
    if not isinstance(value, str):
        return value
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", value))


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names render as themselves in ``st.table``."""
    return map_text(frame, escape_markdown)
