"""The Prometheus label set parser: strict, round-trips canonical renderings, and
refuses anything else with a ProtocolError alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.protocols import ProtocolError
from tenantlog.protocols.labels import parse_labels, render_labels

_NAMES = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,15}", fullmatch=True)
_LABEL_SETS = st.dictionaries(_NAMES, st.text(max_size=40), min_size=1, max_size=8)
# Text made mostly of the parser's own punctuation, so malformed inputs come
# close to valid ones.
_LABELISH = st.text(alphabet=st.sampled_from('{}=", \\\tnuxU0a9_\n'), max_size=60)


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ('{app="web"}', {"app": "web"}),
        ('{app="web", env="prod"}', {"app": "web", "env": "prod"}),
        (' { app = "web" ,env="prod", } ', {"app": "web", "env": "prod"}),
        ('{_a1="", B="x"}', {"_a1": "", "B": "x"}),
        ('{a="q\\"uote \\\\ back\\nline"}', {"a": 'q"uote \\ back\nline'}),
        ('{a="\\t\\r\\a\\b\\f\\v"}', {"a": "\t\r\a\b\f\v"}),
        ('{a="\\x01\\u00e9\\U0001F600"}', {"a": "\x01é😀"}),
        ('{a="raw\ttab and é"}', {"a": "raw\ttab and é"}),
    ],
)
def test_labels_parse_prometheus_label_sets(text: str, labels: dict[str, str]) -> None:
    assert parse_labels(text) == labels


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected '{' at offset 0"),
        ("app", "expected '{' at offset 0"),
        ("{}", "a stream needs at least one label"),
        ("{,}", "expected a label name at offset 1"),
        ('{1a="x"}', "expected a label name at offset 1"),
        ('{a.b="x"}', "expected '=' after a label name at offset 2"),
        ("{a=x}", "expected a double-quoted label value at offset 3"),
        ("{a='x'}", "expected a double-quoted label value at offset 3"),
        ('{a="x"', "expected ',' or '}' after a label value at offset 6"),
        ('{a="x" b="y"}', "expected ',' or '}' after a label value at offset 7"),
        ('{a="x",,}', "expected a label name at offset 7"),
        ('{a="x"', "expected ',' or '}'"),
        ('{a="x', "unterminated label value at offset 5"),
        ('{a="x\\', "unterminated label value at offset 6"),
        ('{a="x\ny"}', "newline inside a label value at offset 5"),
        ('{a="\\q"}', "unknown escape in a label value at offset 4"),
        ('{a="\\\'"}', "unknown escape in a label value at offset 4"),
        ('{a="\\x4"}', "\\x escape needs 2 hex digits at offset 4"),
        ('{a="\\xff"}', "\\x escape is not a valid character at offset 4"),
        ('{a="\\ud800"}', "\\u escape is not a valid character at offset 4"),
        ('{a="\\U00110000"}', "\\U escape is not a valid character at offset 4"),
        ('{a="1", a="2"}', "repeated label name at offset 8"),
        ('{a="1"} x', "unexpected text after '}' at offset 8"),
        ('{a="1"}}', "unexpected text after '}' at offset 7"),
    ],
)
def test_labels_malformed_input_names_the_problem_and_offset(text: str, message: str) -> None:
    with pytest.raises(ProtocolError) as raised:
        parse_labels(text)

    assert str(raised.value) == f"labels: {message}" or message in str(raised.value)
    assert str(raised.value).startswith("labels: ")


def test_labels_render_canonically_sorted_and_escaped() -> None:
    rendered = render_labels({"b": 'say "hi"\n', "a": "c:\\tmp"})

    assert rendered == '{a="c:\\\\tmp", b="say \\"hi\\"\\n"}'


@settings(max_examples=300)
@given(_LABEL_SETS)
def test_labels_round_trip_any_label_set_rendered_canonically(labels: dict[str, str]) -> None:
    assert parse_labels(render_labels(labels)) == labels


@settings(max_examples=300)
@given(_LABEL_SETS)
def test_labels_canonical_rendering_is_stable(labels: dict[str, str]) -> None:
    reordered = dict(reversed(list(labels.items())))

    assert render_labels(parse_labels(render_labels(reordered))) == render_labels(labels)


@settings(max_examples=500)
@given(st.one_of(_LABELISH, st.text(max_size=60)))
def test_labels_any_text_parses_or_raises_protocol_error_only(text: str) -> None:
    try:
        labels = parse_labels(text)
    except ProtocolError as exc:
        refused = str(exc)
        assert refused.startswith("labels: ")
        return
    assert labels
    assert parse_labels(render_labels(labels)) == labels


@pytest.mark.parametrize(
    "text",
    [
        '{a="' + "\\n" * 200_000 + '"}',
        '{a="' + "x" * 1_000_000 + '"}',
        "{" + ", ".join(f'l{i}="v"' for i in range(50_000)) + "}",
        '{a="' + "\\" * 500_001,
        "{" + " " * 1_000_000,
    ],
    ids=["escapes", "long value", "many labels", "backslashes", "spaces"],
)
def test_labels_pathological_input_is_parsed_or_refused(text: str) -> None:
    # linear time is measured by bench/protocols.py, not asserted on here
    try:
        parse_labels(text)
    except ProtocolError as exc:
        refused = str(exc)
        assert refused.startswith("labels: ")
