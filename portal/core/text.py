"""What text the portal stores: no control character but line breaks and tab, no lone surrogate.

The API refuses such text at its boundary (portal/core/api.py), the services again as a second line.
"""

import re

# Control characters other than tab, line feed and carriage return, DEL, the C1 range and lone
# surrogates (which no database can store as text). Written so that the OpenAPI schema can carry it.
FORBIDDEN_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]"
TEXT_PATTERN = rf"^[^{FORBIDDEN_TEXT[1:-1]}]*$"
_FORBIDDEN = re.compile(FORBIDDEN_TEXT)


def has_forbidden_characters(value: str) -> bool:
    return bool(_FORBIDDEN.search(value))
