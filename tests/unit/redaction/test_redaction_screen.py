"""The plan that skips scans must never skip one that would have matched.

The reference redactor runs every scan on every pass, without triggers or
first-character hints; the real one screens the text, picks the scans its first pass needs and keeps
each scan's trigger. Their outputs must be equal for any text, above all
for texts built around the screen's marks: digits of other scripts, the full-width
at sign, "eyJ" and the secret words in other cases or with the characters
``re.IGNORECASE`` folds onto their letters (Kelvin sign, long s).
"""

from __future__ import annotations

import dataclasses
import re
import string
from re import _constants, _parser
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tenantlog.redaction import DETECTORS, Redaction, Redactor, key_prefixes, screen
from tenantlog.redaction.engine import CompiledScan, compile_scan, redact_passes
from tenantlog.redaction.scans import ALL
from tenantlog.redaction.screen import Plan

_KELVIN, _LONG_S = "\u212a", "\u017f"
# Near misses of the marks: Unicode digits (Arabic-Indic, Devanagari,
# full-width, superscript), "@" look-alikes, case variants of the words.
_TRICKY = [
    "\u0663",
    "\u096d",
    "\uff15",
    "\u00b2",
    "\uff20",
    "\ufe6b",
    "%40",
    "%",
    "EYJ",
    "eyj",
    "eyJ",
    "tlk_",
    "TLK_",
    "akia",
    "AKIA",
    "ASIA",
    "BEARER ",
    "Basic ",
    "bearer\t",
    "Token=",
    "TOKEN:",
    f"to{_KELVIN}en=",
    f"api_{_KELVIN}ey=",
    f"client_{_LONG_S}ecret=",
    f"{_LONG_S}ecret:",
    "aws_secret_access_key=",
    '"api-key": "',
    # The secrets detector's names, prefixes and markers, in other cases
    # and with the characters IGNORECASE would fold onto their letters.
    "password=",
    "PASSWD: ",
    f"pa{_LONG_S}{_LONG_S}word=",
    "pwd=",
    "IDENTIFIED BY '",
    "private_key=",
    'secret: "',
    "sk_live_",
    "rk_test_",
    "ghp_",
    "github_pat_",
    "xoxb-",
    "AIza",
    "sk-",
    "shpat_",
    "glsa_",
    "glc_",
    "sq0atp-",
    "PMAK-",
    "NRAK-",
    "AGE-SECRET-KEY-1",
    # Newer prefixes, and near misses of their marks.
    "npm_",
    "ntn_",
    "hf_",
    "hvs.",
    "hvb.",
    "dp.pt.",
    "dop_v1_",
    "dapi",
    "dt0c01.",
    "pypi-AgEIcHlwaS5vcmc",
    "pul-",
    "lin_api_",
    "whsec_",
    "sntryu_",
    "secret_",
    "bkua_",
    "CFPAT-",
    "HRKU-AA",
    "GOCSPX-",
    "ATATT3",
    "sk.eyJ",
    "SK",
    "AC",
    "gsk_",
    "r8_",
    "xkeysib-",
    "xai-",
    "glrt-",
    "glsoat-",
    ":AA",
    "SSWS 00",
    "pplx-",
    "nfp_",
    "shippo_live_",
    "sbp_",
    "dckr_pat_",
    "dckr_oat_",
    "pscale_tkn_",
    "lsv2_pt_",
    "-us14",
    "glcbt-",
    "xoxe.xoxp-",
    "HRKU-",
    "https://hooks.slack.com/services/T",
    "/B",
    "AccountKey=",
    # Names of pairs without "token", "key" or "secret", and near misses.
    "connect.sid=",
    "CONNECT.SID=",
    "sid=",
    "_gh_sess=",
    '{"name": "laravel_session", "value": "',
    '"PHPSESSID",\n"VALUE":"',
    "Cookie: ",
    "remember_web_",
    "REMEMBER_",
    "REMEMBERME=",
    "?sig=",
    "&sig=",
    "?code=",
    "&CODE=",
    "code=",
    "consumer_key=",
    "x-functions-key: ",
    "hmacKey := ",
    "Authorization: Token ",
    "AUTH ",
    "auth = (",
    "stats\tauth a:",
    '"auth" ',
    "Auth",
    "rabbitmqctl add_user u ",
    "RABBITMQCTL",
    "stats auth a:",
    "auth=('u', '",
    'BasicAuth("u", "',
    # Command-line flags, logins before an "@", names in other languages.
    " -p",
    " -u a:",
    "mysql",
    "login",
    "sshpass",
    " -S",
    "echo '",
    "htpasswd -b ",
    "' -AsPlainText",
    "ConvertTo-SecureString ",
    ":pw@tcp(",
    "sqlplus a/",
    "@proxy:3128",
    "contrase\u00f1a: ",
    "\u041f\u0430\u0440\u043e\u043b\u044c=",
    "L\u00d6SENORD ",
    "mot de passe=",
    "Passwort: ",
    "senha=",
    "KENNWORT: ",
    "kata sandi ",
    "passordet ",
    "l\u00d6senordet ",
    "Clave=",
    "password is ",
    # The ninth round: directives, devices' keys, other scripts' names, the
    # Bot scheme, keys without a mark, the "+" of a URL, code as a value.
    "\nauth_pass ",
    "masterauth ",
    "ldap_default_authtok = ",
    "snmp-server community ",
    "rocommunity ",
    "crypto isakmp key ",
    "tacacs-server host h key ",
    " key-string 7 ",
    "pre-shared-key ascii-text ",
    "PASSWORD(",
    "\u30d1\u30b9\u30ef\u30fc\u30c9\u300c",
    "\u043a\u043b\u044e\u0447",
    "\u05e1\u05d9\u05e1\u05de\u05d4: ",
    "\u015eIFRE=",
    "M\u1eacT KH\u1ea8U: ",
    "\u039a\u03c9\u03b4\u03b9\u03ba\u03cc\u03c2: ",
    "mdp=",
    "Authorization: Bot ",
    "Authorization: ApiKey ",
    "Splunk ",
    "= ?",
    "={pw!r}",
    "passwd:  files",
    "MTA4NzQ5ODY1MjE0MzY0NjYzNA.",
    "AAAAabcd123:APA91b",
    "patQ7fLm2Kx9Rt3Vb.",
    "https://discord.com/api/webhooks/",
    "%2B44",
    "os.environ[",
    "var.",
    "new mysqli(",
    "getConnection(",
    # The tenth round: programs' labels, Windows' switches, keys with new marks.
    '"auth":"',
    "_auth=",
    "WIFI:T:WPA;P:",
    "Unseal Key 1: ",
    "Recovery Key 2: ",
    "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=",
    "334 UGFzc3dvcmQ6\n",
    " /u:admin /p:",
    " /ru svc /rp ",
    " /PasswordD:",
    "DefaultPassword    REG_SZ    ",
    "FlyV1 fm2_",
    "00Dxl5UNZuUgrFZ!",
    "routing_key=",
    "> PASS ",
    "temporary password is generated for root@localhost: ",
    "{PLAIN}",
    "login=",
    "stats auth ",
    "?u=a&p=",
    ":5432:",
    ":*:",
    "[smtp.example.com]:587 ",
    "eyJ2ZXIiOi",
    "069485-",
    "IDENTIFY ",
    "echo 'x' | kinit ",
    "| cryptsetup ",
    "-AsPlainText ",
    "mosquitto_passwd -b ",
    'password= "',
    "\u5bc6\u7801\u662f",
    "\ube44\ubc00\ubc88\ud638\ub294 ",
    " \u05e9\u05dc\u05d9 \u05d4\u05d9\u05d0 ",
    "hmac-sha256:",
    "sk_test_xxxxxxxxxxxxxxxx",
    "existingSecret=",
    "Authorization: Negotiate ",
    "Authorization: NTLM ",
    "passcode:",
    "$ cat admin.password\n",
    "# nvram get http_passwd\n",
    ">>> settings.API_TOKEN\n",
    "addauth digest ",
    "https://wa.me/",
    "op://",
    "CHANGE_ME",
    "radtest ",
    "openssl passwd ",
    "SMTP.start(",
    "verification code is ",
    "2FA code: ",
    "creds are ",
    " / ",
    '"]=> string(9) ',
    "gid://shopify/Order/",
    "ss no. ",
    "011 44 ",
    # The eleventh round: labels, key files, prompts, CSV headers, commands.
    "Authorization: SSWS ",
    '"PASS ',
    'FTP command: Client "a", ',
    "SET PASSWORD FOR 'a'@'b' = ",
    "echo 'x' | smbpasswd ",
    "| bin/elasticsearch-keystore add ",
    "echo 'x' > /etc/rsync.pass",
    "$ cat keyfile\n",
    "+ echo $TOKEN\n",
    "Einmalcode lautet ",
    "code de v\u00e9rification ",
    "passphrase = ",
    "# set psksecret ",
    "env.DEPLOY_KEY=",
    'basic_auth("a", Some(',
    "snmpget -c ",
    "openssl enc -k ",
    "password irreversible-cipher ",
    'user-name "a" plaintext ',
    "set snmp community ",
    'clear-text="',
    "Key Content : ",
    "NEO4J_AUTH=neo4j/",
    "define('AUTH_KEY', '",
    "\n42 MD5 ",
    "10 SHA1 HEX:",
    'userlist.txt "a" "',
    'Name="userPassword"><AttributeValue>',
    "user,password\n",
    "id;Passwort;x\n",
    "process.env.",
    "0041 79 ",
    "destination_number=[",
    "HIER_DIRECT/",
    "D2512",
    "APPROVED AUTH ",
    "PublicKeyToken=",
    'read -rsp "Password: " ',
    "--secret id=",
    "Credentials::new(",
    "AKIAIOSFODNN7EXAMPLE / ",
    "ngrok config add-authtoken ",
    "cloudflared service install ",
    "${db.password:",
    "mechanism='PLAIN'>",
    'AT+CGAUTH=1,1,"u",',
    "proxy_set_header X-Api-Key ",
    "user a on >",
    "smbpasswd -w ",
    "winrs -u:a -p:",
    "mysql_real_connect(",
    'red:auth("',
    "net  user ",
    "/v:",
    "cvv ",
    "[cvc]=",
    "Pr\u00fcfnummer ",
    "[IPv6:",
    "~> ",
    '"a" "',
    '\n"',
    'expect "Password:"; send "',
    '\\r"',
    '"encrypt":"',
    "-encrypt=",
    "connect to db user u using ",
    "(p2, c1, u'a', p'",
    "\n$USER3$=",
    "*2\\r\\n$4\\r\\nAUTH\\r\\n$",
    "AUTH\r\n$",
    "wireless.radio0.key=",
    "api_key\n",
    "keystorePass=",
    "LastPass: ",
    "password ENC ",
    "password 51:b:",
    "OBF:",
    "chpasswd <<< 'u:",
    "chpasswd:\n  list: |\n  u:",
    "abcd efgh ijkl mnop",
    "cat /etc/node-token\n",
    "sip:",
    '"to":"',
    "sms ",
    "Conference ID: ",
    " NAME '",
    "Bestellnummer ",
    "community=",
    "foobared",
    "<auth-user-pass>\nu\n",
    "SQLConnectInfo a@b u ",
    "pk_live_",
    "pk.eyJ",
    '","value":"',
    "\\n  value: ",
    "-----BEGIN PRIVATE KEY-----",
    "-----END PRIVATE KEY-----",
    # Password hashes' marks, as written and in another case.
    "$2b$12$",
    "$6$",
    "$6$rounds=5000$",
    "$apr1$",
    "$P$",
    "$p$",
    "$y$j9T$",
    "$argon2id$v=19$m=65536,t=3,p=4$",
    "pbkdf2_sha256$600000$",
    "grub.pbkdf2.sha512.10000.",
    "{SSHA}",
    "{ssha}",
    "{CRYPT}$6$",
    "0123456789ABCDEF0123456789ABCDEF.",
    "://u:",
    "@",
    "'",
    '"',
    "::",
    ":",
    "=",
    ".",
    "-",
    "+",
    "(",
    ")",
    " ",
]
_PIECES = st.one_of(
    st.sampled_from(_TRICKY),
    st.text(alphabet=string.ascii_letters + string.digits * 2 + "._-/+=:", max_size=24),
    st.text(max_size=8),
)
_TEXTS = st.one_of(st.lists(_PIECES, max_size=12).map("".join), st.text(max_size=120))
_DETECTOR_SETS = st.frozensets(st.sampled_from(DETECTORS))


_ALL = frozenset(DETECTORS)


@pytest.fixture(autouse=True, scope="module")
def _prefilter_compiled() -> None:
    """The plan of a short ASCII line with a digit is then the prefilter's (a
    primed batch's is not, which ``test_a_primed_batch_redacts_as_each_text_alone``
    holds to the same; nor is a text's before the prefilter is compiled)."""
    screen.prepare()


def _unscreened(detectors: frozenset[str]) -> tuple[CompiledScan, ...]:
    # Without the first-character hints of led scans, which are fast paths too.
    scans = (compile_scan(dataclasses.replace(scan, starts=""), detectors) for scan in ALL)
    return tuple(dataclasses.replace(scan, trigger=None) for scan in scans if scan is not None)


def _reference(text: str, detectors: frozenset[str], style: str) -> Redaction:
    def placeholder(label: str) -> str:
        return f"[REDACTED:{label}]" if style == "typed" else "[REDACTED]"

    return Redaction(*redact_passes(_unscreened(detectors), text, placeholder))


@settings(max_examples=1500)
@given(_TEXTS)
@example(f"to{_KELVIN}en=ab12CD34ef56")
@example(f"client_{_LONG_S}ecret: AbCdEfGh12")
@example("Authorization: BEARER AbCdEfGh12345678")
@example("eyJhbGciOi.eyJzdWIiOi.c2ln")
@example("a@b.co")
@example("AKIAIOSFODNN7EXAMPLE")
@example("fe80::1%eth0 up")
@example("User 555-0199 accessed system")
@example("x a@b.co/1.2.3.4 y")
# A one-letter switch before the named one: the trigger must not stop at the first.
@example(" /P /PasswordD:\u0663\u0663\u0663\u0663")
def test_redact_screened_equals_every_scan_on_every_text(text: str) -> None:
    # GIVEN every detector; WHEN redacted with and without the plan
    # THEN text and counts are the same
    assert Redactor(style="typed").redact_counted(text) == _reference(text, _ALL, "typed")
    assert Redactor().redact(text) == _reference(text, _ALL, "plain").text


@settings(max_examples=800)
@given(_TEXTS, _DETECTOR_SETS)
def test_redact_screened_equals_every_scan_for_any_detector_set(
    text: str, detectors: frozenset[str]
) -> None:
    # A tenant's own detector selection has a plan of its own, with fewer marks.
    assert Redactor(detectors, style="typed").redact_counted(text) == _reference(
        text, detectors, "typed"
    )


@pytest.mark.parametrize(
    "text",
    [
        "connection closed by peer",
        "Traceback (most recent call last):",
        "payment declined by issuer, retry scheduled",
        "mail jane\uff20example.com",  # the full-width at sign is no "@"
        # Marks written in capitals, found by the automaton in another case:
        # each is then looked for as written.
        "the auth service asks akia to login using sso",
        "task failed on disk sda, ask the sg. desk",
    ],
)
def test_plan_needs_no_scan_for_a_line_without_marks(text: str) -> None:
    plan = Plan(DETECTORS, _unscreened(_ALL))
    assert plan.scans_for(text) == ()
    assert Redactor().redact_counted(text) == Redaction(text, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Full-width "phone 555-0199": the redactor reads other scripts' digits
        # as ASCII ones, and replaces the text's own characters.
        (
            "\uff50\uff48\uff4f\uff4e\uff45 \uff15\uff15\uff15\uff0d\uff10\uff11\uff19\uff19",
            "\uff50\uff48\uff4f\uff4e\uff45 [REDACTED]",
        ),
        ("user \u0665\u0665\u0665-\u0660\u0661\u0669\u0669 called", "user [REDACTED] called"),
        (
            "\u96fb\u8a71\uff1a\uff10\uff19\uff10\u2212\uff11\uff12\uff13\uff14\u2212\uff15\uff16\uff17\uff18",
            "\u96fb\u8a71\uff1a[REDACTED]",
        ),
        # Kept where the ASCII text would be: a date, an order's number.
        ("\uff12\uff10\uff12\uff14\u5e74\uff11\uff12\u6708\uff16\u65e5", None),
    ],
)
def test_other_scripts_digits_are_read_as_digits(text: str, expected: str | None) -> None:
    # The plan itself looks for ASCII digits: the redactor hands it the translation.
    assert Plan(DETECTORS, _unscreened(_ALL)).scans_for(text) == ()
    assert Redactor().redact(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    "text",
    [
        "user 555-0199 sent \ud800 as a name",
        "password=\udfff hunter2 from 10.0.0.7",
        "\ud83d",
    ],
)
def test_plan_reads_a_text_with_a_lone_surrogate(text: str) -> None:
    # JSON's "\\ud800" decodes to a lone surrogate, which UTF-8 cannot encode:
    # the screen encodes it as Python does with "surrogatepass" and decides as usual.
    assert Redactor(style="typed").redact_counted(text) == _reference(text, _ALL, "typed")
    assert Redactor().redact(text) == _reference(text, _ALL, "plain").text
    assert "\ufffd" not in Redactor().redact(text)


@pytest.mark.parametrize(
    ("detector", "text", "label"),
    [
        ("token", f"to{_KELVIN}en=AbCdEfGhIjKl", "TOKEN"),
        ("token", f"client_{_LONG_S}ecret=AbCdEfGhIjKl", "TOKEN"),
        ("token", "BEARER AbCdEfGhIjKlMn", "TOKEN"),
        # Let through by the name of their pair alone, without a digit.
        ("token", "cookie connect.sid=s%AbCdEfGhIjKl.MnOpQr", "TOKEN"),
        ("token", "Cookie: remember-me=AbCdEfGhIjKlMn", "TOKEN"),
        ("token", "Cookie: _gh_sess=AbCdEfGhIjKlMn", "TOKEN"),
        ("token", "GET /b?sv=x&sig=AbCdEfGhIjKlMn%Ab", "TOKEN"),
        ("token", "GET /api/run?code=AbCdEfGhIjKlMnOpQrStUv", "TOKEN"),
        ("token", "hmac_key=AbCdEfGhIjKlMnOp", "TOKEN"),
        ("token", "Authorization: Basic AbCdEfGhIjKlMn", "TOKEN"),
        ("token", "tlk_abcdefghijklmnop_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", "TOKEN"),
        ("token", "id eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl", "TOKEN"),
        ("aws_key", "AKIAIOSFODNNXEXAMPLE", "AWS_KEY"),
        ("aws_key", "ASIAIOSFODNNXEXAMPLE", "AWS_KEY"),
        ("email", "q=jane%40example.com", "EMAIL"),
        ("phone", "User 555-0199 accessed system", "PHONE"),
        ("phone", "caller +44 20 7946 0958", "PHONE"),
        ("phone", "(415) 555-0199 called", "PHONE"),
        ("ssn", "ssn 123-45-6789", "SSN"),
        ("card", "card 4111 1111 1111 1111", "CARD"),
        ("ip", "from 10.0.0.7 ok", "IP"),
        ("ip", "peer fe80::1 up", "IP"),
        ("ip", "peer 2001:db8:85a3:0:0:8a2e:370:7334 up", "IP"),
        ("iban", "iban DE89 3704 0044 0532 0130 00", "IBAN"),
        ("iban", "iban gb82 west 1234 5698 7654 32", "IBAN"),
        ("secrets", "login failed password=hunter", "SECRET"),
        ("secrets", "MYSQL_PWD=Sec!", "SECRET"),
        ("secrets", "CREATE USER app IDENTIFIED BY 'pw'", "SECRET"),
        ("secrets", "signing_key: abc", "SECRET"),
        ("secrets", "redis://:pw@cache", "SECRET"),
        ("secrets", "key sk_live_abcdefghijklmnopqrstuvwx", "TOKEN"),
        ("secrets", "Authorization: token ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ", "TOKEN"),
        ("secrets", "bot xoxb-abcdefghij-klmnopqrst", "TOKEN"),
        ("secrets", "maps AIzaSyDabcdefghijklmnopqrstuvwxyzABCD", "TOKEN"),
        ("secrets", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----", "SECRET"),
        # Let through by a digit of their own, with no detector of digits on.
        ("secrets", "square sq0atp-abcdefghijklmnopqrstuvwxyz", "TOKEN"),
        ("secrets", "bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1", "TOKEN"),
        ("secrets", "twilio SKabcdefabcdefabcdefabcdefabcdef01", "TOKEN"),
        ("secrets", "Authorization: SSWS 00AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGhIjKlMn", "TOKEN"),
        # Let through by a mark of their own.
        ("secrets", "HF_TOKEN hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh", "TOKEN"),
        ("secrets", "vault hvs.CAESIJabcdefghijklmnopqrstuvwxyz", "TOKEN"),
        ("secrets", "mapbox sk.eyJ1IjoibWFwYm94In0.AbCdEfGhIjKlMnOpQrStUv", "TOKEN"),
    ],
)
def test_plan_keeps_each_detectors_values_by_its_own_marks(
    detector: str, text: str, label: str
) -> None:
    # GIVEN a tenant with one detector, whose plan has only that detector's marks
    redactor = Redactor([detector], style="typed")
    # WHEN a value it finds is redacted THEN it is found, as without the plan
    result = redactor.redact_counted(text)
    assert result.counts == {label: 1}
    assert result == _reference(text, frozenset([detector]), "typed")


def test_plan_refuses_a_trigger_it_cannot_rule_out() -> None:
    scan = _unscreened(_ALL)[0]
    unknown = dataclasses.replace(scan, trigger=lambda text: True)
    with pytest.raises(ValueError, match="cannot rule out"):
        Plan(DETECTORS, (unknown,))


@pytest.mark.parametrize(
    ("text", "expected", "counts"),
    [
        # One value clear of its neighbours: written at once.
        ("User 555-0199 accessed system", "User [REDACTED:PHONE] accessed system", {"PHONE": 1}),
        ("555-0199", "[REDACTED:PHONE]", {"PHONE": 1}),
        # One value found on the first pass, glued to an address the email
        # hid (read as a version): only the re-scan of the full path finds it.
        ("x a@b.co/1.2.3.4 y", "x [REDACTED:EMAIL]/[REDACTED:IP] y", {"EMAIL": 1, "IP": 1}),
        ("a@b.com/1.2.3.4", "[REDACTED:EMAIL]/[REDACTED:IP]", {"EMAIL": 1, "IP": 1}),
    ],
)
def test_single_value_line_is_rescanned_only_when_glued(
    text: str, expected: str, counts: dict[str, int]
) -> None:
    # GIVEN a line whose first pass finds one value; WHEN redacted, counted or not
    # THEN it matches the full path, re-scan included
    redactor = Redactor(style="typed")
    assert redactor.redact_counted(text) == Redaction(expected, counts)
    assert redactor.redact(text) == expected
    assert Redactor().redact(text) == _reference(text, _ALL, "plain").text


def _literal_starts(items: list[tuple[Any, Any]], start: str = "") -> set[str]:
    """The literal text every match of parsed ``items`` starts with, one per way.

    Up to the first item that is not a literal, a small class, a group or an
    alternation or an optional item (a repeat, a look-ahead), or 32 characters.
    """
    for position, (op, argument) in enumerate(items):
        rest = items[position + 1 :]
        if len(start) >= 32:
            break
        if op is _constants.LITERAL:
            start += chr(argument)
        elif op is _constants.IN and len(argument) <= 8:
            if not all(kind is _constants.LITERAL for kind, _ in argument):
                break
            return set().union(
                *(
                    _literal_starts([(_constants.LITERAL, char), *rest], start)
                    for _, char in argument
                )
            )
        elif op is _constants.SUBPATTERN and not argument[1] and not argument[2]:
            return _literal_starts([*argument[3], *rest], start)
        elif op is _constants.MAX_REPEAT and argument[:2] == (0, 1):
            # "s?": with it and without it.
            return _literal_starts([*argument[2], *rest], start) | _literal_starts(rest, start)
        elif op is _constants.BRANCH:
            return set().union(
                *(_literal_starts([*branch, *rest], start) for branch in argument[1])
            )
        else:
            break
    return {start}


def test_every_prefixed_key_holds_a_mark_of_its_scan() -> None:
    # The prefixed keys' scan runs only on a text holding one of KEY_MARKS
    # (as written); each way a branch can start must hold one, or its key
    # would never be looked for. Derived from the patterns themselves (with
    # the parser ``re`` uses), so a new branch without a mark fails here.
    starts = set().union(
        *(
            _literal_starts(list(_parser.parse(branch, re.ASCII)))
            for branch in key_prefixes.BRANCHES
        )
    )
    assert len(starts) > 80
    unmarked = {
        start
        for start in starts
        if not any(mark in start for mark in key_prefixes.KEY_MARKS)
        # A mark with a test of its own (Airtable's "pat", Salesforce's "00D"), as the
        # branch starts (the marks are case-folded).
        and not any(start.casefold().startswith(mark) for mark, _ in key_prefixes.TESTED_KEY_MARKS)
        # Telegram's token: its checker wants the bot's id and ":" before "AA".
        and start != "AA"
        # A capital and a prefix no key has: turned away by its checker.
        and not (start[:1] in "CGHNP" and not start.startswith(key_prefixes._CAPITAL_PREFIXES))
    }
    assert not unmarked
    assert ":AA" in key_prefixes.KEY_MARKS


@settings(max_examples=300)
@given(st.lists(_TEXTS, max_size=8), _DETECTOR_SETS)
def test_a_primed_batch_redacts_as_each_text_alone(
    texts: list[str], detectors: frozenset[str]
) -> None:
    # GIVEN a batch screened in one search (the worker's), texts repeated in it
    batch = [*texts, *texts[:2]]
    alone = [Redactor(detectors, style="typed").redact_counted(text) for text in batch]
    Redactor().prime(batch)
    # WHEN each is redacted, by any detector set THEN as without the batch's search
    assert [Redactor(detectors, style="typed").redact_counted(text) for text in batch] == alone
    assert alone == [_reference(text, detectors, "typed") for text in batch]


def test_a_text_outside_the_primed_batch_is_screened_by_itself() -> None:
    Redactor().prime(["nothing here", "call 555-0199", "a\ud800b password=Hunter2!x"])
    redactor = Redactor(style="typed")
    assert redactor.redact("a\ud800b password=Hunter2!x") == "a\ud800b password=[REDACTED:SECRET]"
    assert redactor.redact("mail jane@example.com") == "mail [REDACTED:EMAIL]"
    assert redactor.redact("call 555-0199") == "call [REDACTED:PHONE]"


def test_priming_no_texts_forgets_the_last_batch() -> None:
    Redactor().prime(["call 555-0199"])
    assert screen._primed
    Redactor().prime(())
    assert screen._primed == {}
    assert Redactor().redact("call 555-0199") == "call [REDACTED]"
