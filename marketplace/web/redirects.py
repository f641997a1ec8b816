"""The one check for every `next` target: a path on this site, judged the way a browser would read it."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import request


def _is_local_path(target: str) -> bool:
    # Browsers drop tabs and newlines anywhere in a URL and read "\" as "/", so "/\t/evil" and "/\evil"
    # both mean "//evil" (another host). Refuse any control character or backslash outright.
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str | None:
    """`target` when it is a same-site relative path (also once percent-decoded), else None."""
    if not target:
        return None
    return target if _is_local_path(target) and _is_local_path(unquote(target)) else None


def next_or(default: str) -> str:
    """The request's ?next= when it is safe, else `default`."""
    return safe_next(request.args.get("next")) or default
