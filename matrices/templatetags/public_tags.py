"""Template helpers of the public matrix pages (matrices/views/public.py)."""

from django import template

from matrices import textdiff

register = template.Library()


@register.filter
def highlight(text, term):
    """`{{ cell.source|highlight:text }}`: the text escaped, each occurrence of the term in `<mark>`."""
    return textdiff.highlight(text, term)


@register.filter
def css_string(text):
    """`'{{ label|css_string }}'`: text as the inside of a CSS string (each character that is not a
    letter, digit or space written as a CSS escape), for `content:` labels of the mobile layout."""
    return "".join(ch if ch.isalnum() and ch.isascii() or ch == " " else f"\\{ord(ch):x} " for ch in str(text))
