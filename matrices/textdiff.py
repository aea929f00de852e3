"""Text of published cells marked up for reading: a searched term highlighted, the words changed
between two versions (or two States) marked. Every piece of text is escaped here, before any tag is
added around it: the result is safe HTML whatever the text holds."""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def _html(text: str) -> str:
    """Escaped text with its line breaks kept (as `linebreaksbr` does)."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def highlight(text: str, term: str) -> SafeString:
    """`text` escaped, with each occurrence of `term` (in any case) in `<mark>`."""
    text = text or ""
    if not term:
        return mark_safe(_html(text))  # noqa: S308 - escaped above
    parts = re.split(f"({re.escape(term)})", text, flags=re.IGNORECASE)
    html = "".join(f"<mark>{_html(part)}</mark>" if index % 2 else _html(part) for index, part in enumerate(parts))
    return mark_safe(html)  # noqa: S308 - every part is escaped


def _wrap(tag, tokens) -> str:
    """Tokens in `tag`, the whitespace at their ends left outside it."""
    text = "".join(tokens)
    core = text.strip()
    if not core:
        return _html(text)
    start = text.index(core)
    return f"{_html(text[:start])}<{tag}>{_html(core)}</{tag}>{_html(text[start + len(core) :])}"


def word_diff(before: str, after: str, *, removed="del", added="ins") -> tuple[SafeString, SafeString]:
    """(`before`, `after`) escaped, the words only in `before` in `<del>`, those only in `after` in `<ins>`.

    Word by word (difflib over words, spaces and punctuation), so a changed article number is marked
    in a long legal reference, not the whole reference."""
    old, new = _TOKENS.findall(before or ""), _TOKENS.findall(after or "")
    left, right = [], []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(_html("".join(old[i1:i2])))
            right.append(_html("".join(new[j1:j2])))
            continue
        if i2 > i1:
            left.append(_wrap(removed, old[i1:i2]))
        if j2 > j1:
            right.append(_wrap(added, new[j1:j2]))
    return mark_safe("".join(left)), mark_safe("".join(right))  # noqa: S308 - every piece is escaped
