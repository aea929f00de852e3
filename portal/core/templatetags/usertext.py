"""Marking text people wrote with its own language, so a reader (and a screen reader, and the page's
language checks) knows it is not the page's: `<p {% usertext cell.language %}>` gives
`lang="fr" dir="auto"`; `dir="auto"` lets Arabic read right to left inside an English page and a
French legal source left to right inside an Arabic one.

    {% load usertext %}
    <td {% usertext matrix.language %}>{{ cell.source }}</td>
"""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def usertext(language=None):
    """The `lang` and `dir` attributes of an element holding text written in `language`."""
    if language:
        return format_html('lang="{}" dir="auto"', language)
    return format_html('dir="auto"')


@register.simple_tag
def typed(text):
    """`text` as typed by the reader (a search term), to quote inside a translated sentence: a span the
    browser's translation and the page's language checks leave alone.

        {% typed text as term %}{% blocktranslate with text=term %}… “{{ text }}”.{% endblocktranslate %}
    """
    return format_html('<span translate="no" dir="auto">{}</span>', text)


@register.filter
def written_in(text, language):
    """Text people wrote, as a span marked with its language, to quote inside a translated sentence:
    `{% blocktranslate with title=offer.title|written_in:offer.language %}Offer: {{ title }}{% endblocktranslate %}`."""
    return format_html('<span lang="{}" dir="auto">{}</span>', language or "", text)
