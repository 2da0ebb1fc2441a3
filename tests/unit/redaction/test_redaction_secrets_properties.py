"""Properties of the secrets detector and the keep rules of issue 13, for generated values.

A password in any of its syntaxes is removed whole, whatever characters it
holds (up to the delimiter of that syntax); ids that merely look like a
card, remotes that look like an email and versions that look like an
address survive, whatever their digits.
"""

from __future__ import annotations

import base64
import re
import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor, passwords
from tenantlog.redaction.credentials import is_plainly_other, is_reference
from tenantlog.redaction.passwords import is_masked
from tenantlog.redaction.validators import luhn_ok

_TYPED = Redactor(style="typed")
_SECRET = "[REDACTED:SECRET]"

# Printable ASCII a password may hold, minus the delimiters of each syntax.
_PUNCTUATION = "!#$%*+-./:=?@^_~"
_UNQUOTED = st.text(string.ascii_letters + string.digits + _PUNCTUATION, min_size=1, max_size=24)
# Inside double quotes (single quotes below): anything but that quote.
_IN_QUOTES = st.text(
    string.ascii_letters + string.digits + _PUNCTUATION + " ,;&()[]{}<>|'", min_size=1, max_size=24
)
_IN_SINGLE_QUOTES = st.text(
    string.ascii_letters + string.digits + _PUNCTUATION + ' ,;&()[]{}<>|"', min_size=1, max_size=24
)
_IN_URL = st.text(string.ascii_letters + string.digits + "!$%*+-._~^=:#@", min_size=1, max_size=24)
_MASKED = {"null", "none", "nil", "true", "false", "undefined", "n/a", "hidden", "redacted"}


def _plausible(value: str) -> bool:
    """Values the detector deliberately leaves: already masked, or structure rather than value."""
    stripped = value.strip()
    return (
        bool(stripped)
        and stripped.lower() not in _MASKED
        and stripped.lower() != "filtered"
        and not set(stripped) <= set("*xX#.-")
        and stripped[0] not in "{[(<"
        and not (stripped.startswith("${") and stripped.endswith("}"))
        # references: a shell's variable (a flag's "$a" too), Kubernetes' "$(VAR)", a template
        and re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*|\$\(\w+\)|\$?\{\{.*\}\}", stripped) is None
        # placeholders: printf's "%s", SQL's "$1" and "?", a format string's "{password}"
        and re.fullmatch(r"%[sdvqr]|\$[0-9]{1,2}|\?", stripped) is None
        and not stripped.lower().startswith("vault:")
        # where a secret is kept: a file's path of three parts ("/etc/ssl/x")
        and not is_reference(stripped, 0, len(stripped))
        # the name of a secret store's field, in any case: "property: password",
        # a template's "postgres://user:PASSWORD@host"
        and stripped.lower()
        not in {"password", "passwd", "passphrase", "secret", "token", "pwd", "pass"}
        # nsswitch.conf's sources of users: "passwd: files nisplus"
        and stripped not in passwords._NSSWITCH_SOURCES
        # Node-RED's placeholder of a credential it does not export
        and stripped != "__PWRD__"
        # another secret's name: "secretKey: client_secret" names the key it reads
        and passwords._SECRETS_NAME.fullmatch(stripped) is None
        # a time, a cmdlet, a store's object path ("exports/2024/03/10/_SUCCESS")
        and not is_plainly_other(stripped)
        # a link ("Reset your password: https://…"), its token the link's rule's
        and re.match(r"[A-Za-z][\w+.\-]{1,15}://", stripped) is None
    )


_ANY_LABEL = re.compile(r"\[REDACTED:[A-Z_]+\]")

_SYNTAXES = st.sampled_from(
    [
        ("password={}", _UNQUOTED, "login failed for bob ", " retrying"),
        ("passwd: {}", _UNQUOTED, "config ", "\tnext"),
        ('{{"user":"bob","password":"{}"}}', _IN_QUOTES, "body ", ""),
        ("--password={}", _UNQUOTED, "exec psql ", " -h db"),
        ("PGPASSWORD={}", _UNQUOTED, "env ", " psql"),
        ("password='{}'", _IN_SINGLE_QUOTES, "connect(host='db', ", ")"),
        ("IDENTIFIED BY '{}'", _IN_SINGLE_QUOTES, "CREATE USER app ", ";"),
        ("Password={};", _UNQUOTED, "Server=db;User Id=sa;", "Database=x"),
        ('db_password: "{}"', _IN_QUOTES, "yaml ", ""),
    ]
)


@settings(max_examples=400)
@given(_SYNTAXES.flatmap(lambda syntax: st.tuples(st.just(syntax), syntax[1])))
def test_password_in_each_syntax_is_removed_whole(
    case: tuple[tuple[str, object, str, str], str],
) -> None:
    (syntax, _, before, after), value = case
    assume(_plausible(value))
    if syntax.startswith(("password=", "passwd", "--password", "PGPASSWORD", "Password=")):
        # An unquoted value that is itself a secret's name and separator is
        # read as the next pair ("password=pass=x"), not as the value.
        assume("pass" not in value.lower() and "pw" not in value.lower())
        assume("psk" not in value.lower())
        assume("secret" not in value.lower() and "key" not in value.lower())
        # A colon before a blank ends an unquoted value, as a message goes on after it:
        # "password=x: not authorised" (a value's own last ":" is left).
        assume(not value.endswith(":"))
        # A "?" after a character and before a name and "=" starts an option of
        # Unreal Engine's URLs: "?Password=x?MaxPlayers=70"; first, a query's
        # pair: "password=?0=".
        assume(re.search(r"[^\s=:]\?[A-Za-z_][\w.\-]*=", value) is None)
        assume(re.match(r"\?[\w.\-]*=", value) is None)
    # (a secret that comes again as a word around it is removed there too)
    assume(value not in before + after)
    # ("new" before a word is code's constructor: "password=new SecureString()")
    assume(value != "new")
    # (a secret's name and its delimiter is an inner pair's start: '"password":"PASS:"';
    # the name alone is a placeholder: 'db_password: "PASSWORD"')
    assume(re.fullmatch(f"(?:{passwords._NAME})[:=]?", value, re.IGNORECASE) is None)
    # (... and a name, its delimiter and a value is that inner pair: '"password":"PW=0"')
    assume(re.match(f"(?:{passwords._NAME})[:=]", value, re.IGNORECASE) is None)
    # (a name in capitals holding a secret's word names the variable the value is
    # in: '"password":"A_KEY"')
    assume(
        not ("_" in value and re.fullmatch(r"[A-Z0-9_]+", value))
        or not any(word in value for word in ("KEY", "PASS", "SECRET", "TOKEN", "PW"))
    )
    # (a URL with a login as the value gives its password to the URL's rule)
    assume(re.match(r"[A-Za-z][\w+.\-]*://[^\s/?#@:]*:[^\s/?]+@", value) is None)
    text = before + syntax.format(value) + after
    # WHEN redacted
    result = _TYPED.redact_counted(text)
    # THEN the value is gone whole, and what surrounds it is kept. A value
    # another detector finds whole too ("0@0.AA" is an email) keeps the
    # label of the scan that runs first: what matters is that it is gone.
    assert _ANY_LABEL.sub(_SECRET, result.text) == before + syntax.format(_SECRET) + after
    assert sum(result.counts.values()) == 1


@settings(max_examples=300)
@given(
    _IN_URL,
    st.sampled_from(["postgres", "mysql", "redis", "mongodb+srv", "amqp"]),
    st.sampled_from(["app", "svc_orders", ""]),
)
def test_connection_string_password_is_removed_whole(value: str, scheme: str, user: str) -> None:
    assume(_plausible(value))
    # "user::0@" reads as an IPv6 address "::0" after the user: it is
    # redacted with the separator, not as the password.
    assume(not value.startswith(":"))
    # A shown part then "..." is how tools mask a value ("ab12..."): kept as a mask.
    assume(not is_masked(value))
    # A password that holds a secret's name and "=" ("a=pw=b") names a secret
    # of its own, which runs on to the end of the URL.
    assume(re.search(r"(?i)(?:pass|pw|psk|secret|key)\w*[=:]", value) is None)
    # A secret is removed wherever it stands as a word: not one of the text's own.
    # ("mongodb" is a word of "mongodb+srv", the "+" between.)
    words = f"connect {scheme} {user} db internal 5432 failed"
    assume(value not in re.findall(r"[\w+]+", words) + re.findall(r"\w+", words))
    text = f"connect {scheme}://{user}:{value}@db.internal:5432/app failed"
    # (A password that is an address, "0.0.0.0", keeps the address' label: it is gone.)
    assert (
        _ANY_LABEL.sub(_SECRET, _TYPED.redact(text))
        == f"connect {scheme}://{user}:{_SECRET}@db.internal:5432/app failed"
    )


_ALNUM = string.ascii_letters + string.digits


@settings(max_examples=300)
@given(
    st.sampled_from(
        [
            ("sk_live_", 24, _ALNUM),
            ("rk_test_", 24, _ALNUM),
            ("ghp_", 36, _ALNUM),
            ("github_pat_", 60, _ALNUM + "_"),
            ("xoxb-", 30, _ALNUM + "-"),
            ("AIza", 35, _ALNUM + "_-"),
            ("shpat_", 32, "0123456789abcdef"),
            ("sq0csp-", 43, _ALNUM + "_-"),
            ("glc_", 40, _ALNUM + "+/"),
            ("NRAK-", 27, string.ascii_uppercase + string.digits),
        ]
    ).flatmap(
        lambda spec: st.tuples(
            st.just(spec[0]), st.text(spec[2], min_size=spec[1], max_size=spec[1])
        )
    ),
    st.sampled_from(["KEY={} ok", '"token": "{}"', "Authorization: token {}", "using {} now"]),
)
def test_prefixed_api_key_is_removed_anywhere(key: tuple[str, str], frame: str) -> None:
    prefix, body = key
    # A body of one character is an example's placeholder ("sk_test_xxxxxxxx"), kept.
    assume(len(set(body)) > 1)
    text = frame.format(prefix + body)
    assert _TYPED.redact(text) == frame.format("[REDACTED:TOKEN]")


@st.composite
def _luhn_number(draw: st.DrawFn) -> str:
    """A 16-digit number a card network would issue, with a valid check digit."""
    prefix = draw(st.sampled_from(["4", "51", "55", "6011", "37", "62"]))
    body = prefix + draw(
        st.text(string.digits, min_size=15 - len(prefix), max_size=15 - len(prefix))
    )
    return body + next(d for d in string.digits if luhn_ok(body + d))


@settings(max_examples=300)
@given(
    _luhn_number(),
    st.sampled_from(["txn_", "ord_", "pi_", "ch_", "cus_", "TXN_", "re_"]),
    st.sampled_from(["id={} ok", '"ref":"{}"', "charge {} captured", "{}"]),
)
def test_prefixed_id_glued_to_a_card_number_survives(number: str, prefix: str, frame: str) -> None:
    text = frame.format(prefix + number)
    assert _TYPED.redact(text) == text


@settings(max_examples=200)
@given(
    _luhn_number(),
    st.sampled_from(
        ["trace_id={}", "span_id={}", "dd.trace_id={}", '"traceId":"{}"', "parent_id: {}"]
    ),
)
def test_trace_and_span_ids_survive_whatever_their_digits(number: str, frame: str) -> None:
    text = "request done " + frame.format(number) + " status=200"
    assert _TYPED.redact(text) == text


_NAME = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12).filter(
    lambda s: s[0].isalpha() and not s.endswith("-")
)


@settings(max_examples=200)
@given(_NAME, _NAME, _NAME, st.sampled_from(["github.com", "gitlab.example.com", "bitbucket.org"]))
def test_git_remotes_are_not_emails(org: str, repo: str, user: str, host: str) -> None:
    for remote in (
        f"git@{host}:{org}/{repo}.git",
        f"ssh://git@{host}/{org}/{repo}.git",
        f"ssh://{user}@{host}:2222/{org}/{repo}",
    ):
        text = f"fatal: could not read from remote {remote}"
        assert _TYPED.redact(text) == text


_OCTET = st.integers(0, 255).map(str)


@settings(max_examples=200)
@given(
    st.tuples(_OCTET, _OCTET, _OCTET, _OCTET).map(".".join),
    st.sampled_from(
        [
            '"app_version": "{}"',
            '"firmware": "{}"',
            '"agentVersion":"{}"',
            "BUILD_NUMBER={}",
            '"fw_rev": "{}"',
        ]
    ),
)
def test_four_part_versions_under_version_keys_survive(version: str, frame: str) -> None:
    text = "{" + frame.format(version) + "}"
    assert _TYPED.redact(text) == text


# A login's password where a program's label, not a name, says so (the tenth round).
_LOGIN_PASSWORD = st.text(
    string.ascii_letters + string.digits + "!#$%*+-._~^=", min_size=1, max_size=24
)
_LOGIN_USER = st.text(string.ascii_lowercase + string.digits + "_-", min_size=1, max_size=12)


@settings(max_examples=200)
@given(
    st.sampled_from(
        [
            "cache_peer p parent 3128 0 login={}:{} default",
            "    stats auth {}:{}",
            "wsrep_sst_auth={}:{}",
            "[smtp.example.net]:587 {}:{}",
        ]
    ),
    _LOGIN_USER,
    _LOGIN_PASSWORD,
)
def test_labelled_login_password_is_removed_whole(syntax: str, user: str, password: str) -> None:
    assume(_plausible(password) and not password.startswith("{"))
    # A secret is removed wherever it stands as a word: not one of the text's own.
    assume(password not in syntax and password not in user and user not in password)
    text = syntax.format(user, password)
    # (A password that is an address, "0.0.0.0", keeps the address' label: it is gone.)
    redacted = _ANY_LABEL.sub(_SECRET, _TYPED.redact(text))
    assert password not in redacted.replace(_SECRET, "")
    assert redacted.endswith(f"{user}:{_SECRET}" + (" default" if "login=" in syntax else ""))


@settings(max_examples=200)
@given(_LOGIN_USER, st.text(string.printable.strip(), min_size=1, max_size=24))
def test_registry_auth_is_removed_only_when_it_encodes_a_login(user: str, password: str) -> None:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    text = '{"auths":{"r.example.com":{"auth":"' + encoded + '"}}}'
    assert _TYPED.redact(text) == '{"auths":{"r.example.com":{"auth":"' + _SECRET + '"}}}'
    # base64 of anything without a login's colon is a setting, and stays
    setting = base64.b64encode(user.encode()).decode()
    kept = '{"auth":"' + setting + '"}'
    assert _TYPED.redact(kept) == kept


# Field values of a CSV export: no delimiter, quote or line break of their own.
_FIELD = st.text(string.ascii_letters + string.digits + "!#$%*+-./=?@^_~", min_size=1, max_size=16)
# Not "login": "login user password x" is a .netrc line, whose last word is the password.
_COLUMN_NAMES = st.sampled_from(["user", "email", "created", "role", "note", "team"])


@settings(max_examples=200)
@given(
    st.lists(_COLUMN_NAMES, min_size=1, max_size=5),
    st.data(),
    st.sampled_from(["password", "temp_password", "Passwort", "initial_pwd", "db-secret"]),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_csv_password_column_is_removed_in_every_row(
    columns: list[str], data: st.DataObject, name: str, delimiter: str
) -> None:
    # Not the first column: "password<TAB>user" alone on a line reads as a
    # configuration file's directive and its value, as keepalived's "auth_pass x" does.
    index = data.draw(st.integers(1, len(columns)))
    header = [*columns[:index], name, *columns[index:]]
    rows = data.draw(
        st.lists(
            st.lists(_FIELD, min_size=len(header), max_size=len(header)), min_size=1, max_size=4
        )
    )
    for row in rows:
        assume(_plausible(row[index]))
        # Not SMTP's prompt in base64 ("Password:"): the line after it is its answer.
        assume(not any("UGFzc3dvcmQ6" in field for field in row))
        # Not a secret's name first ("PW<TAB>F"): a directive and its value.
        assume(re.fullmatch(f"(?:{passwords._NAME})", row[0], re.IGNORECASE) is None)
    text = "\n".join(delimiter.join(fields) for fields in [header, *rows])
    lines = _ANY_LABEL.sub(_SECRET, _TYPED.redact(text)).split("\n")
    assert lines[0] == delimiter.join(header)
    for line in lines[1:]:
        assert line.split(delimiter)[index] == _SECRET
    # No other column's name says password: nothing is taken from the rows.
    plain = "\n".join(delimiter.join(fields) for fields in [[*columns, "id"], *rows])
    assert all(row[index] in _TYPED.redact(plain) for row in rows if row[index].isalpha())


# A passphrase's words: letters and digits, no pair's separator.
_WORDS = st.lists(
    st.text(string.ascii_letters + string.digits + "!-", min_size=1, max_size=10),
    min_size=2,
    max_size=6,
)


@settings(max_examples=200)
@given(_WORDS, st.sampled_from(["passphrase", "password", "db_password", "secret"]))
def test_configuration_value_runs_to_its_line_end(words: list[str], name: str) -> None:
    value = " ".join(words)
    assume(all(_plausible(word) for word in words))
    text = f"[main]\n{name} = {value}\ntimeout = 30"
    assert _TYPED.redact(text) == f"[main]\n{name} = {_SECRET}\ntimeout = 30"
    # In a log line's pair the value is one word: what follows is the message
    # (unless the words are an app password's four groups, "abcd efgh ijkl mnop").
    assume(re.fullmatch(r"[a-z]{4}(?: [a-z]{4}){3}", value) is None)
    # (the name's own plural is a label, as in "secret=secrets": kept)
    assume(words[0].lower() != name.split("_")[-1] + "s")
    logged = f"{name}={words[0]} {' '.join(words[1:])}"
    assert _TYPED.redact(logged).startswith(f"{name}={_SECRET} ")
