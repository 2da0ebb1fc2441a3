"""Hyperscan expressions that match wherever a Python pattern could, on ASCII texts.

The prefilter (``prefilter``) asks Hyperscan, in one native pass, whether
a text could hold a candidate of the combined scan at all; only a text it
cannot rule out is read by ``re``. For that answer to be safe, every match
the Python pattern has in an ASCII text must lie within a match of the
expressions built here: they may match more (a text they let through is
only read more slowly), never less.

Hyperscan has no look-arounds, back-references or word boundaries, and its
classes and case rules are not Python's; so the pattern is rebuilt from
Python's own parse of it (``re._parser``, the parser ``re.compile`` uses),
node by node, each node as a class or a construct that is at least as wide:

* a character or a class is written out as the ASCII characters ``re``
  itself says it matches, asked character by character (on an ASCII text
  that settles case rules and categories; a non-ASCII character matches no
  byte of an ASCII text);
* a look-around, an anchor or a word boundary matches nothing in the
  expression, except at either end of an expression: a one-character
  negative look-around there reads that character or the text's edge
  (``(?![0-9])`` last becomes ``(?:[^0-9]|$)``), and ``^``/``$`` stay; a
  look-ahead in the middle replaces what follows it when it needs more text;
* a back-reference matches any run of characters; lazy, possessive and
  atomic forms match as greedy ones (they only ever match less);
* an expression is split at an alternation into one expression per branch
  when it is too large for Hyperscan, or (up to a number of expressions)
  when a branch's look-arounds would reach an end that way; a part with no
  alternation left that is still too large is cut short (a prefix of a
  pattern matches wherever the pattern does).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Sequence
from typing import Any

# ``re``'s own parser, compiler and opcodes: private modules, which type
# checkers know in some versions of their stubs and not in others.
sre_parse: Any = importlib.import_module("re._parser")
sre_compile: Any = importlib.import_module("re._compiler")
sre: Any = importlib.import_module("re._constants")

# ``re``'s flags, as its parser keeps them.
_DOTALL = sre.SRE_FLAG_DOTALL

_Ranges = list[tuple[int, int]]
# A node of the parse, with the flags it is read under: an opcode and its
# argument (``re._parser``'s own shapes, hence Any).
_Item = tuple[Any, Any, int]

#: The bytes an ASCII text holds.
_ALL: _Ranges = [(0x00, 0x7F)]
#: A class no ASCII text holds a character of.
_NOTHING = r"[\x80-\xff]"
_START = "^"
_END = "$"

#: The nodes that match one character each.
_ONE_CHARACTER = frozenset((sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.CATEGORY))
_REPEATS = frozenset((sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT))
_LOOKS = frozenset((sre.ASSERT, sre.ASSERT_NOT))


def _merged(ranges: Iterable[tuple[int, int]]) -> _Ranges:
    merged: _Ranges = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _complement(ranges: Iterable[tuple[int, int]]) -> _Ranges:
    """The characters of ``_ALL`` outside ``ranges``."""
    out: _Ranges = []
    low, top = _ALL[0]
    for start, end in _merged(ranges):
        if start > low:
            out.append((low, start - 1))
        low = max(low, end + 1)
    if low <= top:
        out.append((low, top))
    return out


def _class(ranges: Iterable[tuple[int, int]]) -> str:
    kept = [(low, high) for low, high in _merged(ranges) if low <= high]
    if not kept:
        return _NOTHING
    body = "".join(
        f"\\x{low:02x}" if low == high else f"\\x{low:02x}-\\x{high:02x}" for low, high in kept
    )
    return f"[{body}]"


def _chars(op: Any, arg: Any, flags: int) -> _Ranges:
    """The ASCII characters a one-character node matches."""
    return list(_asked(op, tuple(arg) if isinstance(arg, list) else arg, flags))


@functools.cache
def _asked(op: Any, arg: Any, flags: int) -> tuple[tuple[int, int], ...]:
    # Asked of ``re`` itself, character by character: exact whatever the
    # node's case rules, categories or negation, where rewriting them by
    # hand would have to follow Python's Unicode tables.
    node = sre_parse.SubPattern(sre_parse.State(), [(op, list(arg) if op is sre.IN else arg)])
    node.state.flags = flags
    fullmatch = sre_compile.compile(node, flags).fullmatch
    return tuple(_merged((code, code) for code in range(0x80) if fullmatch(chr(code))))


def _node(op: Any, arg: Any, flags: int) -> str:
    """One node as an expression that matches at least what it matches."""
    if op in _ONE_CHARACTER or (op is sre.ANY and not flags & _DOTALL):
        return _class(_chars(op, arg, flags))
    if op is sre.ANY:
        return _class(_ALL)
    if op is sre.BRANCH:
        return "(?:" + "|".join(_sequence(branch, flags) for branch in arg[1]) + ")"
    if op is sre.SUBPATTERN:
        _, add, remove, pattern = arg
        return f"(?:{_sequence(pattern, (flags | add) & ~remove)})"
    if op is sre.ATOMIC_GROUP:
        return f"(?:{_sequence(arg, flags)})"
    if op in _REPEATS:
        low, high, pattern = arg
        inner = f"(?:{_sequence(pattern, flags)})"
        return f"{inner}{{{low},}}" if high is sre.MAXREPEAT else f"{inner}{{{low},{high}}}"
    if op is sre.GROUPREF:
        return f"{_class(_ALL)}*"
    if op is sre.GROUPREF_EXISTS:
        _, yes, no = arg
        return f"(?:{_sequence(yes, flags)}|{_sequence(no, flags) if no else ''})"
    if op is sre.AT or op in _LOOKS:
        # Anchors, word boundaries and look-arounds, wherever they hold:
        # only those at an expression's ends are read (``_edges``).
        return ""
    raise ValueError(f"unexpected pattern node {op}")


def _sequence(items: Iterable[tuple[Any, Any]], flags: int) -> str:
    return "".join(_node(op, arg, flags) for op, arg in items)


def _flat(items: Iterable[_Item]) -> list[_Item]:
    """Groups opened into the sequence, each item with its own flags."""
    out: list[_Item] = []
    for op, arg, flags in items:
        if op is sre.SUBPATTERN:
            _, add, remove, pattern = arg
            out += _flat((o, a, (flags | add) & ~remove) for o, a in pattern)
        elif op is sre.ATOMIC_GROUP:
            out += _flat((o, a, flags) for o, a in arg)
        else:
            out.append((op, arg, flags))
    return out


def _one_character(pattern: Any, flags: int) -> _Ranges | None:
    """The characters a one-character look-around's pattern matches, if it is one."""
    items = list(pattern)
    if len(items) != 1 or items[0][0] not in _ONE_CHARACTER:
        return None
    return _chars(items[0][0], items[0][1], flags)


def _min_width(items: Sequence[_Item]) -> int:
    return sum(
        sre_parse.SubPattern(sre_parse.State(), [(op, arg)]).getwidth()[0] for op, arg, _ in items
    )


def _edge(items: Sequence[_Item], direction: int) -> str | None:
    """The characters just outside a sequence's end, as its look-arounds there allow them.

    ``direction`` 1: after its end (the look-aheads among its last
    zero-width items); -1: before its start (the look-behinds among its
    first). All of those hold at one position, so one may stand for all; a
    one-character negative one is read as a character outside it, or the
    text's edge (``^`` there is one too). None: nothing is known.
    """
    run = items if direction == -1 else list(reversed(items))
    for op, arg, flags in run:
        if op is sre.AT:
            if direction == -1 and arg in (sre.AT_BEGINNING, sre.AT_BEGINNING_STRING):
                return _START
            if direction == 1 and arg in (sre.AT_END, sre.AT_END_STRING):
                return _END
            continue
        if op not in _LOOKS:
            return None
        if op is sre.ASSERT_NOT and arg[0] == direction:
            chars = _one_character(arg[1], flags)
            if chars is not None:
                outside = _class(_complement(chars))
                return f"(?:{_START}|{outside})" if direction == -1 else f"(?:{outside}|{_END})"
    return None


def _edges(items: list[_Item]) -> str:
    """The expression of a flattened sequence, with what its ends' assertions say."""
    return (
        (_edge(items, -1) or "")
        + "".join(_node(op, arg, flags) for op, arg, flags in items)
        + (_edge(items, 1) or "")
    )


def _looks_around(items: Iterable[tuple[Any, Any]]) -> bool:
    """Whether a branch's alternative, opened, holds a look-around of its own."""
    return any(op in _LOOKS for op, _, _ in _flat((o, a, 0) for o, a in items))


def _expand(items: list[_Item], limit: int, budget: list[int]) -> list[str]:
    items = _flat(items)
    for index, (op, arg, flags) in enumerate(items):
        # Split at an alternation when the expression is too large, or when
        # its branches' look-arounds would be read once they reach an end.
        if op is sre.BRANCH and (
            len(_edges(items)) > limit
            or (budget[0] > 0 and any(_looks_around(branch) for branch in arg[1]))
        ):
            budget[0] -= len(arg[1])
            return [
                expression
                for branch in arg[1]
                for expression in _expand(
                    items[:index] + [(o, a, flags) for o, a in branch] + items[index + 1 :],
                    limit,
                    budget,
                )
            ]
    # A look-ahead in the middle: what follows must start where it matches,
    # so either may stand for both; the one that needs more text is stricter.
    for index, (op, arg, flags) in enumerate(items[:-1]):
        if op is sre.ASSERT and arg[0] == 1:
            ahead = [(o, a, flags) for o, a in arg[1]]
            if _min_width(ahead) > _min_width(items[index + 1 :]):
                return _expand(items[:index] + ahead, limit, budget)
    expression = _edges(items)
    if len(expression) <= limit or not items:
        return [expression]
    # No alternation left: cut the sequence before its largest item (a
    # prefix matches wherever the whole does), or, if that comes first and
    # is a repeat, put one of its matches (or none, if it may be absent) in
    # its place.
    largest = max(range(len(items)), key=lambda i: len(_node(*items[i])))
    op, arg, flags = items[largest]
    if largest > 0:
        return _expand(items[:largest], limit, budget)
    if op in _REPEATS:
        low, _, pattern = arg
        once = [] if low == 0 else [(o, a, flags) for o, a in pattern]
        return _expand(once + items[1:], limit, budget)
    return [expression]


def expressions(pattern: str, flags: int, limit: int = 1000, splits: int = 100) -> list[str]:
    """Hyperscan expressions (bytes, ASCII) that together match wherever ``pattern`` does.

    ``limit``: the length above which an expression is split or cut;
    ``splits``: about how many expressions may come of splitting at
    alternations for their look-arounds' sake alone.
    """
    parsed = sre_parse.parse(pattern, flags)
    return _expand([(op, arg, parsed.state.flags) for op, arg in parsed], limit, [splits])
