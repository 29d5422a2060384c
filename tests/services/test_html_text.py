"""Hostile HTML in a Graph incident post becomes harmless plain text: scripts and styles vanish, tags
(however nested or malformed) leave only their text, entities are decoded once, and link targets,
javascript: ones included, never come through. What is left is then escaped by the card."""

from __future__ import annotations

import pytest

from cards.parts import card_payload, plain
from services.domain.html_text import html_to_text
from tests.cards.test_hostile_text import live_markup


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("Mail flow <script>alert('x')</script>is delayed", "Mail flow is delayed"),
        ("<SCRIPT type='text/javascript'>steal()</SCRIPT>Users affected", "Users affected"),
        ("<style>body{display:none}</style><p>Status</p>", "Status"),
        ("<head><title>t</title></head><div>Body</div>", "Body"),
        ("<template><script>x()</script>hidden</template>shown", "shown"),
        ("<style><script>nested()</style>after", "after"),
        ("a<script>never closed", "a"),
        ("<b><i><u>deeply</u></i> nested</b> text", "deeply nested text"),
        ("<div><div><p>one</p><p>two</p></div></div>", "one\n\ntwo"),
        ("<ul><li>first<li>second</ul>", "• first\n• second"),
        ("unclosed <b>bold <i>italic", "unclosed bold italic"),
        ("stray </div></p></script> close", "stray\n\nclose"),
        ("x <!-- <script>hidden()</script> --> y", "x y"),
        (
            "&lt;at&gt;Admin&lt;/at&gt; &amp;amp; &#91;x&#93;&#40;y&#41; &nbsp;&copy;",
            "<at>Admin</at> &amp; [x](y) ©",
        ),
        ('<a href="javascript:alert(document.cookie)">Details</a>', "Details"),
        ('<a href="https://evil.example/phish" title="t">Microsoft link</a>', "Microsoft link"),
        ('<img src=x onerror="alert(1)">after image', "after image"),
        ('<iframe src="javascript:alert(1)"></iframe>frame', "frame"),
        ("<svg><script>alert(1)</script></svg>svg", "svg"),
        ("<p onclick='alert(1)'>handler</p>", "handler"),
    ],
)
def test_hostile_html_becomes_plain_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    "html",
    [
        '<a href="javascript:alert(1)">[x](https://evil.example)</a>',
        "&lt;at&gt;Admin&lt;/at&gt; **bold** &#42;&#42;also&#42;&#42;",
        "<ul><li>- evil-item</li><li>1. evil-first</li></ul>",
        "<p>&#91;click&#93;&#40;javascript:alert(1)&#41;</p>",
    ],
)
def test_what_the_html_says_reaches_a_card_as_literal_text(html: str) -> None:
    """Decoded entities may spell markup; the card escapes it."""
    text = card_payload(plain(html_to_text(html)))["text"]
    assert live_markup(text) == []
    assert 'javascript:alert(1)"' not in text and "href" not in text
