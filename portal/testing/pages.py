"""Reading pages in tests: a logged-in client, and the text of one element of a page."""

from html.parser import HTMLParser

from django.test import Client


def logged_in(user):
    """A browser session, logged in as `user` (None: an anonymous visitor)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text_of(response, element_id) -> str:
    """The text of the element `element_id` of a page, whitespace collapsed ("" when it is not there)."""
    found = []

    class Finder(HTMLParser):
        depth = 0

        def handle_starttag(self, tag, attrs):
            if self.depth:
                self.depth += 1
            elif dict(attrs).get("id") == element_id:
                self.depth = 1

        def handle_endtag(self, tag):
            if self.depth:
                self.depth -= 1

        def handle_data(self, data):
            if self.depth:
                found.append(data)

    Finder().feed(response.content.decode())
    return " ".join(" ".join(found).split())
