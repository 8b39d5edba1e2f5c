"""User- and URL-supplied text inside Streamlit messages, shown as typed.

st.error / st.info / st.warning / st.markdown render markdown: a model path such as
`[click](http://evil)![i](http://evil/i.png)` from a crafted link would become a live link and a
remote image. `md()` backslash-escapes every character that markdown, HTML, Streamlit's colour
and icon directives (`:red[...]`, `:material/x:`) or LaTeX (`$`) could act on, so the text
renders literally. Use it on every string a visitor or a URL can influence.
"""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones that can start
# markup (emphasis, links, images, code, HTML, entities, tables, headings, lists, directives, math).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&\"'=])")


def md(text: object) -> str:
    """`text` (str() of it) as a markdown string that displays exactly these characters on one
    line (newlines become spaces: a message is one paragraph)."""
    flat = " ".join(str(text).splitlines())
    return _SPECIAL.sub(r"\\\1", flat)
