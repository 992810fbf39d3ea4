"""Properties that must hold for any input: normalisation, paragraphs, decoding, origin spans."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from quellenlage.ingest.normalize import normalize_text, paragraphs
from quellenlage.ingest.origin import find_origins
from quellenlage.ingest.outlet import outlet_from_text
from quellenlage.ingest.text import decode, find_header

texty = st.text(
    alphabet=st.sampled_from(list("abcÄöü ßQuelle:.()/-dpaAFP\n\r\t\u00a0©0123456789o")), max_size=400
)


@settings(max_examples=150, deadline=None)
@given(texty)
def test_normalize_is_idempotent_and_paragraphs_are_in_bounds(raw):
    text = normalize_text(raw)
    assert normalize_text(text) == text
    assert "\r" not in text and "\u00a0" not in text and "\n\n\n\n" not in text
    previous_end = 0
    for paragraph in paragraphs(text):
        assert previous_end <= paragraph.start < paragraph.end <= len(text)
        assert text[paragraph.start : paragraph.end].strip()
        previous_end = paragraph.end


@settings(max_examples=150, deadline=None)
@given(texty)
def test_origin_spans_always_match_their_raw_text(raw):
    text = normalize_text(raw)
    for origin in find_origins(text, "a"):
        assert origin.span is not None
        assert text[origin.span.start : origin.span.end] == origin.raw
    outlet_from_text(text)
    find_header(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_decode_never_raises(data):
    assert isinstance(decode(data), str)
    assert isinstance(decode(data, "windows-1251"), str)
