"""A tenant's own redaction rules: what RE2 refuses, how matches are replaced and counted,
and that no pattern can make a log take super-linear time."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor
from tenantlog.redaction.custom_rules import (
    CustomRules,
    RuleRejected,
    TenantRedactor,
    compile_deny,
    compile_rule,
    placeholder_for,
)

TYPED = placeholder_for("typed")
PLAIN = placeholder_for("plain")


def apply(
    text: str, rules: tuple[tuple[str, str], ...] = (), deny: tuple[str, ...] = ()
) -> tuple[str, dict[str, int]]:
    redaction = CustomRules(rules, deny).apply(text, TYPED)
    return redaction.text, dict(redaction.counts)


# ---- what RE2 refuses, and why ---------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        (r"(\d+)-\1", "backreferences such as \\1 are not supported"),
        (r"(?P<a>x)(?P=a)", "a group RE2 does not support"),
        (r"secret(?=:)", "look-ahead (?=, (?!"),
        (r"(?<!no)secret", "look-behind (?<=, (?<!"),
        (r"(?>a+)b", "a group RE2 does not support"),
        (r"a{1001}", "a repetition count over 1000"),
        (r"[a-z", "missing ]"),
        (r"x*", "it matches empty text"),
        (r"(?:^|$)", "it matches empty text"),
        # empty only at some places: it would make the search skip another rule's match
        (r"\b", "it matches empty text"),
        (r"(?m)^", "it matches empty text"),
        (r"id|x?\B", "it matches empty text"),
        (r"secret\Q", "it cannot be combined with other rules (end a \\Q quote with \\E)"),
    ],
)
def test_compile_rule_refuses_what_re2_cannot_run_naming_rule_and_reason(
    pattern: str, reason: str
) -> None:
    with pytest.raises(RuleRejected) as refused:
        compile_rule("employee_id", pattern)

    assert refused.value.rule == "employee_id"
    assert reason in refused.value.reason
    assert str(refused.value).startswith("rule 'employee_id': ")


def test_compile_rule_writes_nothing_to_stderr_for_a_refused_pattern(
    capfd: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(RuleRejected):
        compile_rule("quiet", r"(?<=token=)\w+ and (a)\1")

    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"(a+)+$", "a" * 102_400 + "!"),
        (r"(x+x+)+y", "x" * 102_400),
        (r"(a|a)*b", "a" * 102_400),
        (r"(\w+\s?)+$", "word " * 20_480 + "!"),
    ],
)
def test_a_catastrophic_backtracking_pattern_runs_on_100_kib_without_hanging(
    pattern: str, text: str
) -> None:
    # Python's re takes exponential time on these; RE2 is linear. pytest's timeout
    # is the guard: this test only runs them.
    redactor = TenantRedactor([], "typed", (("evil", pattern),), ())

    redaction = redactor.redact_counted(text)

    assert redaction.text == text  # none of them matches here
    assert redaction.counts == {}


# ---- replacing and counting --------------------------------------------------------------


def test_a_rule_replaces_each_match_whole_with_its_upper_cased_name() -> None:
    assert apply("user E123456 badge E654321", (("employee_id", r"E\d{6}"),)) == (
        "user [REDACTED:EMPLOYEE_ID] badge [REDACTED:EMPLOYEE_ID]",
        {"EMPLOYEE_ID": 2},
    )


def test_the_plain_style_gives_the_plain_placeholder() -> None:
    rules = CustomRules((("employee_id", r"E\d{6}"),), ("falcon",))

    redaction = rules.apply("E123456 on Falcon", PLAIN)

    assert redaction.text == "[REDACTED] on [REDACTED]"
    assert redaction.counts == {"EMPLOYEE_ID": 1, "DENY_LIST": 1}


def test_where_two_rules_match_at_one_place_the_first_listed_wins() -> None:
    rules = (("short", r"ab"), ("long", r"abcd"))

    assert apply("xx abcd", rules) == ("xx [REDACTED:SHORT]cd", {"SHORT": 1})
    assert apply("xx abcd", tuple(reversed(rules))) == ("xx [REDACTED:LONG]", {"LONG": 1})


def test_a_rules_flags_stay_inside_that_rule() -> None:
    rules = (("loose", r"(?i)abc"), ("strict", r"xyz"))

    assert apply("ABC XYZ xyz", rules) == (
        "[REDACTED:LOOSE] XYZ [REDACTED:STRICT]",
        {"LOOSE": 1, "STRICT": 1},
    )


def test_a_rules_own_groups_do_not_confuse_which_rule_matched() -> None:
    rules = (("first", r"(a)(b)(c)x"), ("second", r"(?P<n>\d)(\d)"), ("third", r"zz"))

    assert apply("abcx 12 zz", rules) == (
        "[REDACTED:FIRST] [REDACTED:SECOND] [REDACTED:THIRD]",
        {"FIRST": 1, "SECOND": 1, "THIRD": 1},
    )


def test_the_deny_list_is_literal_and_ignores_case() -> None:
    deny = ("Project Falcon", "a.b*c")

    assert apply("PROJECT falcon and a.b*c but not aXbbc", deny=deny) == (
        "[REDACTED:DENY_LIST] and [REDACTED:DENY_LIST] but not aXbbc",
        {"DENY_LIST": 2},
    )


def test_the_deny_list_folds_case_beyond_ascii() -> None:
    assert apply("ÉCOLE école", deny=("école",)) == (
        "[REDACTED:DENY_LIST] [REDACTED:DENY_LIST]",
        {"DENY_LIST": 2},
    )


def test_of_two_deny_entries_sharing_a_start_the_longer_is_taken() -> None:
    assert apply("acme corporation", deny=("acme", "acme corp")) == (
        "[REDACTED:DENY_LIST]oration",
        {"DENY_LIST": 1},
    )


def test_overlapping_rule_and_deny_matches_become_one_placeholder_of_the_longer() -> None:
    rules = (("ticket", r"T-\d+"),)

    assert apply("see T-12345678 now later", rules, ("345678 now later",)) == (
        "see [REDACTED:DENY_LIST]",
        {"DENY_LIST": 1},
    )
    assert apply("see T-12345678 now", rules, ("T-1",)) == (
        "see [REDACTED:TICKET] now",
        {"TICKET": 1},
    )


def test_a_builtin_placeholder_is_never_rewritten_but_is_taken_by_a_match_reaching_into_it() -> (
    None
):
    rules = (("word", r"[A-Z]{5,}"), ("tail", r"\]zz"))

    assert apply("mail [REDACTED:EMAIL] ok", rules) == ("mail [REDACTED:EMAIL] ok", {})
    assert apply("x [REDACTED]zz", rules) == ("x [REDACTED:TAIL]", {"TAIL": 1})
    assert apply("x [REDACTED] y", deny=("redacted",)) == ("x [REDACTED] y", {})


def test_a_match_of_single_bytes_never_cuts_a_character() -> None:
    # \C matches one byte of UTF-8 (here the first of é's two): the replacement takes
    # the whole character.
    assert apply("a é b", (("byte", r"a \C"),)) == ("[REDACTED:BYTE] b", {"BYTE": 1})


def test_a_text_without_matches_is_returned_as_it_is() -> None:
    text = "nothing to see here"

    redaction = CustomRules((("employee_id", r"E\d{6}"),), ("falcon",)).apply(text, TYPED)

    assert redaction.text is text
    assert redaction.counts == {}


def test_tenant_redactor_runs_the_builtin_detectors_first_and_counts_both() -> None:
    redactor = TenantRedactor(None, "typed", (("employee_id", r"E\d{6}"),), ("falcon",))

    redaction = redactor.redact_counted("E123456 mailed a@example.com about Falcon")

    assert redaction.text == (
        "[REDACTED:EMPLOYEE_ID] mailed [REDACTED:EMAIL] about [REDACTED:DENY_LIST]"
    )
    assert redaction.counts == {"EMAIL": 1, "EMPLOYEE_ID": 1, "DENY_LIST": 1}
    assert redactor.redact(redaction.text) == redaction.text  # idempotent


def test_tenant_redactor_without_a_match_answers_like_the_builtin_redactor() -> None:
    text = "call 555-0199 from the lobby"
    redactor = TenantRedactor(None, "plain", (("employee_id", r"E\d{6}"),), ())

    assert redactor.redact_counted(text) == Redactor().redact_counted(text)


def test_the_largest_deny_list_allowed_compiles_and_runs() -> None:
    # 1,000 entries of 200 characters (core.tenants' caps), the worst case for RE2's memory.
    entries = tuple(f"{i:04d}" + string.ascii_letters[i % 52] * 196 for i in range(1000))
    compiled = compile_deny(entries)
    assert compiled is not None
    text = ("x" * 100 + entries[500].upper() + " ") * 200

    redaction = CustomRules((), entries).apply(text, TYPED)

    assert redaction.counts == {"DENY_LIST": 200}


# ---- the deny list hides every entry ---------------------------------------------------

_LETTERS = "abcABCéÉ -_."


@settings(max_examples=300, deadline=None)
@given(
    entries=st.lists(st.text(alphabet=_LETTERS, min_size=1, max_size=6), min_size=1, max_size=8),
    text=st.text(alphabet=_LETTERS + "xyz", max_size=120),
)
def test_text_redacted_with_a_deny_list_holds_no_entry_in_any_case(
    entries: list[str], text: str
) -> None:
    redaction = CustomRules((), tuple(entries)).apply(text, PLAIN)

    # What is left between the placeholders holds no entry, whatever its case.
    for piece in redaction.text.split("[REDACTED]"):
        for entry in entries:
            assert entry.lower() not in piece.lower()
    assert sum(redaction.counts.values()) == redaction.text.count("[REDACTED]")
