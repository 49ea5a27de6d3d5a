"""Join codes and display names: pure functions, no Flask and no database."""

from __future__ import annotations

import re
import secrets
import unicodedata

# No look-alikes: none of 0 O, 1 I L, 2 Z, 5 S, 8 B (with O and 0 gone, D stands alone).
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
CODE = re.compile(f"^[{ALPHABET}]{{{CODE_LENGTH}}}$")
NAME_MAX = 40
CLASS_NAME_MAX = 120
# bidirectional overrides and isolates could reverse the text around a name on the board
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def normal_code(raw: str | None) -> str | None:
    """A join code as typed (any case, spaces or dashes) in its canonical form, or None."""
    if not raw:
        return None
    code = re.sub(r"[\s-]", "", raw).upper()
    return code if CODE.match(code) else None


def new_code() -> str:
    """A random join code: 6 characters from an alphabet without look-alikes."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def clean_name(raw: str) -> tuple[str, str | None]:
    """A display name tidied (NFC, spaces collapsed), and what is wrong with it, if anything."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        return name, "Please enter a display name."
    if len(name) > NAME_MAX:
        return (
            name,
            f"A display name can be at most {NAME_MAX} characters; this one has {len(name)}.",
        )
    if any(unicodedata.category(c) == "Cc" or c in _BIDI for c in name):
        return name, "A display name can't contain control characters."
    return name, None


def name_key(name: str) -> str:
    """What makes two display names the same: compatibility-folded, case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()
