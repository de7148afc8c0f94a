"""Keep pages self-contained: find and strip references to remote resources (CDN scripts, styles,
fonts, images). Users' networks are often cut off from the internet."""
from __future__ import annotations

import re

# a resource the browser would fetch by itself: src=, <link href=, CSS url() and @import
_REMOTE = re.compile(
    r"""(?:\bsrc\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]+)"""
    r"""|(?:<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]+[^>]*>)"""
    r"""|(?:url\(\s*["']?\s*(?:https?:)?//[^)]+\))"""
    r"""|(?:@import\s+["']\s*(?:https?:)?//[^"']+["'])""",
    re.IGNORECASE,
)
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
# quoted URLs in scripts; XML namespaces and DTD identifiers (www.w3.org) name things, they fetch nothing
_QUOTED_URL = re.compile(r"""["'`]\s*(?:https?:)?//(?!www\.w3\.org/)[^"'`\s]+["'`]""")
_SCRIPT_REMOTE = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']?\s*(?:https?:)?//[^>]*>\s*</script>""", re.IGNORECASE)
_LINK_REMOTE = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//[^>]*>""", re.IGNORECASE)
_IMPORT_REMOTE = re.compile(r"""@import\s+(?:url\()?["']?\s*(?:https?:)?//[^;]*;""", re.IGNORECASE)


def find_remote(html: str) -> list[str]:
    """Every reference in ``html`` that would make a browser contact another host.

    >>> find_remote('<script src="https://cdn.example/x.js"></script><img src="data:image/png;base64,AA">')
    ['src="https://cdn.example/x.js']
    >>> find_remote('<script>const m = await import("https://cdn.example/m.mjs");</script><a href="https://x.org">x</a>')
    ['"https://cdn.example/m.mjs"']
    """
    found = [m.group(0) for m in _REMOTE.finditer(html)]
    for block in _SCRIPT_BLOCK.finditer(html):  # import("https://…"), fetch("//…") and the like
        found += [m.group(0) for m in _QUOTED_URL.finditer(block.group(1))]
    return found


def strip_remote(html: str) -> str:
    """Remove remote scripts, stylesheets and CSS imports; fails if anything remote remains."""
    html = _SCRIPT_REMOTE.sub("", html)
    # inline scripts that would load code from elsewhere (nbconvert's mermaid loader) go entirely
    html = _SCRIPT_BLOCK.sub(lambda m: "" if _QUOTED_URL.search(m.group(1)) else m.group(0), html)
    html = _LINK_REMOTE.sub("", html)
    html = _IMPORT_REMOTE.sub("", html)
    left = find_remote(html)
    if left:
        raise ValueError(f"页面仍引用外部资源: {left[:3]}")
    return html
