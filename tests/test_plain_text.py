"""Partner-supplied text given to st.table renders as itself, not as Markdown."""

import html

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from dashboard.plain_text import escape_markdown, plain

TRICKY = [
    "**bold** _em_ `code`",
    "[click](https://evil.example/x)",
    "- not a bullet",
    "# not a heading",
    "gary.d.krushansky@wv.gov",
    "<img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://x\")",
    "a\\b | c ~~strike~~ $x$ :smile:",
    "1. not a list",
]


@pytest.mark.parametrize("text", TRICKY)
def test_escaped_text_renders_as_itself(text):
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough", "linkify"]).render(escape_markdown(text))
    assert rendered == f"<p>{html.escape(text)}</p>\n"


def test_plain_escapes_text_cells_and_headers_and_keeps_numbers():
    frame = pd.DataFrame({"file*": ["**x**.csv", None], "rows": [3, 4]})
    out = plain(frame)
    assert out.columns.tolist() == ["file\\*", "rows"]
    assert out["file\\*"].iloc[0] == "\\*\\*x\\*\\*\\.csv" and pd.isna(out["file\\*"].iloc[1])
    assert out["rows"].tolist() == [3, 4]
    assert escape_markdown("two\nlines") == "two lines"
