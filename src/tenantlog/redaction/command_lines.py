"""Passwords given to a command, as shell history and CI logs show them.

``curl -u user:pass``, ``mysql -pS3cret``, ``docker login -u ci -p x``,
``sshpass -p x``, ``ldapsearch -w x``, ``redis-cli -a x``, ``sqlcmd -P x``,
``smbclient -U user%pass``, ``keytool -storepass x``, ``isql -PS3cret``,
``sipp -ap x``, ``openssl enc -K <hex>``, ``codecov -t x``, ``jenkins-cli -auth
user:token``, ``aql -P x``, ``influx -t x``, ``docker login -p="x"``, ``gh secret set
NAME --body x``, ``nextflow secrets set NAME x``, and the same flags in an audit
record's argument vector (``a0="sshpass" a1="-p" a2="x"``). A long flag that names
the password (``--password x``) is found by its name (``passwords``); these
flags name nothing, and most of them mean something else to other commands
(``ssh -p 2222`` is a port, ``mysql -P 3306`` too, ``curl -w '%{http_code}'``
a format), so each is taken for a password only where its command says so:
the command's name earlier in the same command (after the last ``|``,
``;``, ``&`` or line break). Only the password is replaced; the user name
before a ``user:pass`` stays, as it does in a URL, unless it is an API key
with the dummy password ``X`` after it (``curl -u <key>:X``). Some commands take the
password as a positional argument, named by nothing (``ARGUMENT_SCAN``):
Redis' ``AUTH``, ``rabbitmqctl add_user``, a login call's string
(``ftp.login('u', 'pw')``, Odoo's ``authenticate(db, user, 'pw', {})``).
"""

from __future__ import annotations

import re

from tenantlog.redaction.credentials import is_reference
from tenantlog.redaction.kinds import Kind, Scan
from tenantlog.redaction.passwords import (
    is_masked,
    mixes_cases_and_digits,
    value_span,
    word_searcher,
)
from tenantlog.redaction.validators import HEX_DIGITS

#: How far back a command's name may be from its flag.
_COMMAND_WINDOW = 200
# (An "&" inside a word is the password's, as people write it unquoted: "7z a -pZip&Cdr!77";
# "&&" or "&" before a blank or the end runs the next command.)
_SHELL_WORD_END = re.compile(r"[\s|;<>\"'`]|&(?=[&\s]|\Z)")
# A shell variable the log shows unexpanded ("$db_pass", "${PW}", "$(PW)") is not
# the secret. On a command line any "$name" is one, where ``passwords`` takes
# only capitals for one: a value after "password=" may start with "$".
_REFERENCE = re.compile(
    r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|\([A-Za-z_][A-Za-z0-9_]*\)|[A-Za-z_][A-Za-z0-9_]*)\Z"
)

# Commands whose "-p" glued to its value is the password ("-p" alone asks for it).
_GLUED_P = ("mysql", "mariadb", "7z", "unrar", "winrs")
# ... and those whose "-P" is: Sybase's isql and bcp ("isql -Usa -PS3cret -SPROD").
_GLUED_CAPITAL_P = ("isql", "bcp")
# The commands of each spaced flag whose value is a password.
_SPACED = {
    # docker/podman/helm registry login; sshpass; mongo, mongosh, mongodump...
    # macOS' "security unlock-keychain -p x", "create-keychain -p x".
    # The VS Code extension manager's personal access token ("vsce publish -p …").
    # FreeIPA's installer: "-p" the Directory Manager's password, "-a" the admin's.
    # HTCondor's "condor_store_cred add -p x", the pool's password; Elasticsearch's
    # "elasticsearch-users useradd <name> -p x"; Supabase's "supabase link -p x" (the
    # database's password).
    "-p": (
        "login",
        "sshpass",
        "mongo",
        "keychain",
        "vsce",
        "ipa-server-install",
        "condor_store_cred",
        "elasticsearch-users",
        "supabase",
    ),
    # ssh-keygen's old passphrase; an MQTT client's password; a PKCS#12 file's passphrase
    # to macOS' "security import" (and Perforce's password: ``_PERFORCE``).
    "-P": (
        *("sqlcmd", "bcp", "zip", "ssh-keygen", "mosquitto", "ipmitool", "aql", "asadm"),
        "security import",
        "kdb5_util",  # the Kerberos database's master password
    ),
    # AzureSignTool's Key Vault client secret.
    "-kvs": ("azuresigntool",),
    "-N": ("ssh-keygen",),  # its new passphrase
    "-a": ("redis-cli", "keydb-cli", "ipa-server-install"),
    "-s": ("ldappasswd",),  # the new password it sets
    # ldapsearch, ldapmodify, ldapadd, ldapdelete, ldappasswd; Samba's LDAP admin password
    "-w": ("ldap", "smbpasswd"),
    # SNMPv3's authentication and privacy passphrases (snmpwalk, snmpget…)
    "-A": ("snmp",),
    "-X": ("snmp",),
    "-c": ("snmp",),  # SNMPv1's and v2c's community ("public" is everyone's, and kept)
    "-k": ("openssl enc",),  # the passphrase given on the command line
    "-K": ("openssl enc",),  # ... or the key itself, in hex
    "-ap": ("sipp",),  # SIPp's password for the digest authentication it answers
    "-t": ("codecov", "influx"),  # Codecov's upload token, InfluxDB's CLI's API token
}
# A user given to the command before its "-p": "-u root", "--user=app", "-U ADMIN".
# (Not a URL: sqlmap's "-u <url> … -p <parameter>".)
_USER_GIVEN = re.compile(
    r"(?:^|\s)(?:-[uU]|--user(?:name)?)(?:[ \t]+|=)(?![\"']?[A-Za-z][\w+.\-]*://)[^\s\-]"
)
#: Perforce's client named in a command line ("p4 -p …", "p4.exe -u …").
_PERFORCE = re.compile(r"(?<![\w.\-])p4(?:\.exe)?[ \t]")
#: A port, or a mapping of ports: "2222", "8080:80", "127.0.0.1:8080:80/tcp".
_PORTS = re.compile(r"[0-9.:]+(?:/(?:tcp|udp))?")
# httpie's commands, whose "-a" is "user:pass".
_HTTPIE = re.compile(r"(?:^|[\s/])(?:https?|httpie|xh|xhs)\s")
# Commands whose "-u user:group" names a user to run as, not a login.
_RUN_AS = ("docker", "podman", "nerdctl", "chown")


def _command(text: str, flag_start: int) -> str:
    """The lower-cased command line before the flag, back to where its command starts."""
    window = max(0, flag_start - _COMMAND_WINDOW)
    before = text[window:flag_start]
    # Four searches in C: a run of flags must not cost a regex over each window.
    start = max(before.rfind("|"), before.rfind(";"), before.rfind("&"), before.rfind("\n"))
    for quote in ('"', "'"):
        if start != -1 and before.count(quote, start + 1) % 2 and before[start] != "\n":
            # The separator is inside a quoted argument ('beeline -u "jdbc:…;ssl=true" -p
            # …'): the command starts before the argument's opening quote.
            opening = before.rfind(quote, 0, start)
            if opening != -1:
                start = max(
                    before.rfind("|", 0, opening),
                    before.rfind(";", 0, opening),
                    before.rfind("&", 0, opening),
                    before.rfind("\n", 0, opening),
                )
    return before[start + 1 :].lower()


def _argument(text: str, start: int) -> tuple[int, int] | None:
    """A shell word: quoted (without its quotes), or up to a space or a separator."""
    if text[start : start + 1] in ("'", '"'):
        return value_span(text, start)
    if text.startswith(("${{", "{{"), start):
        return None  # a template's reference: GitHub's "${{ secrets.TOKEN }}"
    found = _SHELL_WORD_END.search(text, start)
    end = len(text) if found is None else found.start()
    if text[end - 1 : end] == ")" and "(" not in text[start:end]:
        end -= 1  # the bracket around a command: "(docker login -p x)"
    return None if end <= start or is_masked(text[start:end]) else (start, end)


def _is_next_flag(text: str, start: int) -> bool:
    """Whether the argument at ``start`` is the next flag: an unquoted "-" first."""
    return text[start] == "-" and text[start - 1 : start] not in ("'", '"')


def _secret(
    text: str, span: tuple[int, int] | None, argument: bool = True
) -> tuple[int, int] | None:
    """The span, unless it is no secret. ``argument``: the span is a whole argument,
    which is the next flag when it starts with an unquoted "-"."""
    if span is None or text.startswith("[REDACTED", span[0]):
        return None  # a value replaced already
    if argument and _is_next_flag(text, span[0]):
        return None
    if (
        _REFERENCE.match(text, span[0], span[1])
        or is_masked(text[span[0] : span[1]])
        or is_reference(text, *span)
    ):
        # A reference, or a mask: 'echo "***" | docker login --password-stdin', altool's
        # "-p @keychain:AC_PASSWORD".
        return None
    return span


def _check_user_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``-u user:pass`` (curl, httpie's ``-a``): the password after the user's ":"."""
    span = _argument(text, end)
    if span is None:
        return None
    if text[span[0] - 1 : span[0]] not in ("'", '"'):
        # A ";" or "&" inside the word, as a trace prints a variable's value ("+ curl -u
        # svc:J3nkins&Boomi -X …"): a separator of commands has a blank after it.
        value_end = span[1]
        while text[value_end : value_end + 1] in (";", "&") and value_end + 1 < len(text):
            if text[value_end + 1].isspace() or text[value_end + 1] in ";&|":
                break
            word_end = _SHELL_WORD_END.search(text, value_end + 1)
            value_end = len(text) if word_end is None else word_end.start()
        span = (span[0], value_end)
    if text[start + 1] in "sSkvLfi" and "curl" not in _command(text, start):
        return None  # short flags together mean a user's only to curl
    value = text[span[0] : span[1]]
    if "[REDACTED" in value:
        return None  # replaced already: "lftp -u edi,[REDACTED:SECRET]" (its ":" is no separator)
    separator = ":"
    percent, colon = value.find("%"), value.find(":")
    if text[start + 1] == "U" and percent != -1 and (colon == -1 or percent < colon):
        separator = "%"  # smbclient -U user%pass (curl's -U is user:pass)
    elif colon == -1 and "," in value and "lftp" in _command(text, start):
        separator = ","  # lftp -u user,pass
    user, found, password = value.partition(separator)
    quoted = (
        value_span(text, span[1])
        if found
        and not password
        and separator in ",:"
        and text[span[1] : span[1] + 1] in "'\""
        and text[span[0] - 1 : span[0]] not in "'\""  # (not the argument's own closing quote)
        else None
    )
    if quoted is not None:
        return quoted  # lftp -u user,'pa ss', curl -u user:'Rd$Only!': the quoted password
    # A domain may come before the user ("CORP/svc%pw", "CORP\\svc%pw"), not before
    # a host's path ("rsync -a host:/srv").
    forbidden = " \t@" if separator == "%" else " \t/@"
    if "@" in user and "curl" in _command(text, start):
        forbidden = " \t/"  # curl's login may be an address: "-u finance@org.example:pw"
    if found and not password and separator == ":" and _is_key_as_user(user):
        # Stripe's, Checkr's, Companies House's "-u KEY:": the key is the login.
        return _secret(text, (span[0], span[0] + len(user)), argument=False)
    if not found or not password or any(c in user for c in forbidden) or password[0] in "/~":
        return None
    if "://" in value or user.lower() in _URL_SCHEMES:
        return None  # a URL after "-u" ("beeline -u 'jdbc:hive2://…'"): its login is the URL's
    if password.startswith("[REDACTED"):
        return None  # replaced already: told before the command is read
    if user.isdigit() and password.isdigit():
        return None  # a user and group id: "docker run -u 1000:1000", "chroot --userspec"
    command = _command(text, start)
    if any(name in command for name in _RUN_AS):
        return None  # "docker run --user app:app"
    if (
        text.startswith("-a", start)
        and not text.startswith("-auth", start)
        and (_HTTPIE.search(command) is None)
    ):
        return None  # "-a" is a login only to httpie ("rsync -a host:dir" is a copy)
    if _is_next_flag(text, span[0]):
        return None
    if password in _API_KEY_PASSWORDS and _looks_generated(user):
        # An API key given as the user, a dummy password after it: Freshdesk's,
        # Harvest's, Mailgun's "-u KEY:X": the key is the secret.
        return _secret(text, (span[0], span[0] + len(user)), argument=False)
    return _secret(text, (span[0] + len(user) + 1, span[1]), argument=False)


#: Schemes of a URL given to "-u" in the place of a login.
_URL_SCHEMES = frozenset({"jdbc", "http", "https", "ldap", "ldaps", "mongodb", "redis"})
#: The dummy passwords APIs ask for after a key given as the user.
_API_KEY_PASSWORDS = frozenset({"X", "x"})


_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def _is_key_as_user(user: str) -> bool:
    """A user given with no password that no person chose: a generated key (its
    "-" and "_" too: PrintNode's), small letters and digits as Lob's "live_<hex>", or
    a UUID."""
    joined = user.replace("-", "").replace("_", "")
    return (
        _looks_generated(joined)
        or (len(joined) >= 24 and joined.isalnum() and sum(c.isdigit() for c in joined) >= 6)
        or _UUID.fullmatch(user) is not None
    )


def _looks_generated(user: str) -> bool:
    """A user no person chose: 16 or more letters and digits, both cases and a digit;
    or hex of 32 or more with letters and digits (BambooHR's keys)."""
    if len(user) >= 32 and HEX_DIGITS.issuperset(user):
        return not user.isdigit() and not user.isalpha()
    return len(user) >= 16 and user.isalnum() and mixes_cases_and_digits(user)


def _check_glued(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``mysql -pS3cret``, ``isql -PS3cret``: the value glued to ``-p`` (``-P``)."""
    command = _command(text, start)
    glued = _GLUED_CAPITAL_P if text[start + 1] == "P" else _GLUED_P
    if not any(name in command for name in glued):
        return None
    if text[end : end + 1] == ":" and "winrs" in command:
        end += 1  # winrs writes its switches with a colon: "-u:CORP\\deploy -p:…"
    return _secret(text, _argument(text, end))


def _check_spaced(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``docker login -p x``, ``sshpass -p x``, ``ldapsearch -w x``: the next argument."""
    return _spaced_password(text, text[start:end].rstrip(" \t="), _command(text, start), end)


# Between two arguments of an audit record's vector: 'a0="sshpass" a1="-p"'.
_ARGV_GAP = re.compile(r"\"?[ \t]+a[0-9]{1,3}=\"?")


def _check_argv(text: str, start: int, end: int) -> tuple[int, int] | None:
    """An audit record's argument vector, 'a0="sshpass" a1="-p" a2="pw"': the flag's
    next argument, read as on a command line once the vector's names are taken out."""
    command = _ARGV_GAP.sub(" ", _command(text, start)).rstrip('"')
    return _spaced_password(text, text[start : text.index('"', start)], command, end)


def _spaced_password(text: str, flag: str, command: str, end: int) -> tuple[int, int] | None:
    """The argument at ``end`` if ``flag`` takes a password for ``command``."""
    if flag in ("-p", "-P") and _PERFORCE.search(command):
        # Perforce's "-p ssl:host:1666" is its server; its "-P", the password or a ticket.
        return _secret(text, _argument(text, end)) if flag == "-P" else None
    if (
        flag == "-p"
        and _USER_GIVEN.search(command)
        and not any(name in command for name in (*_RUN_AS, *_GLUED_P))
    ):
        # "-u user -p x": a login, whatever the command ("hdbsql", "racadm");
        # not a port ("-p 2222", "-p 8080:80/tcp") nor the next flag, nor
        # MySQL's "-p" alone, which asks for the password ("-p shop" names a database).
        span = _secret(text, _argument(text, end))
        return None if span is None or _PORTS.fullmatch(text, *span) else span
    if not any(name in command for name in _SPACED.get(flag, ())):
        return None
    if (
        flag == "-p"
        and not command.rstrip().endswith("sshpass")
        and not any(name in command for name in _SPACED["-p"] if name != "sshpass")
    ):
        return None  # "sshpass -p pw ssh -p 2222 host": the second is ssh's port
    span = _secret(text, _argument(text, end))
    if flag == "-c" and span is not None and text[span[0] : span[1]] == "public":
        return None
    return span


def _check_store_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """keytool's and jarsigner's ``-storepass x``, ``-keypass x``: always a password."""
    return _secret(text, _argument(text, end))


def _check_batch(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``htpasswd -b FILE USER PASSWORD`` (``-nb USER PASSWORD``; Mosquitto's
    ``mosquitto_passwd -b FILE USER PASSWORD`` too): the last argument."""
    command = _command(text, start)
    if "htpasswd" not in command and "mosquitto_passwd" not in command:
        return None
    # With -n there is no file: the user, then the password. Other flags
    # ("-b -c", "-B") may come between, and are no argument.
    wanted = 1 if "n" in text[start:end] else 2
    position = end
    while True:
        argument = _ARGUMENT.match(text, position)
        if argument is None:
            return None
        if text[position] != "-":
            if wanted == 0:
                return _secret(text, _argument(text, position))
            wanted -= 1
        elif "n" in argument.group():
            wanted = min(wanted, 1)  # "-b -n user pw"
        position = argument.end()


def _check_stdin(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``echo 'pw' | sudo -S``, ``| passwd --stdin``, ``| docker login --password-stdin``:
    the text echoed into the command."""
    here = _HERE_STRING.match(text, end)
    if here is not None:  # "sudo -S <<< 'pw'"
        return _secret(text, _argument(text, here.end()))
    pipe = text.rfind("|", max(0, start - _COMMAND_WINDOW), start)
    if pipe == -1:
        return None
    echoed = _ECHOED.search(text, max(0, pipe - _COMMAND_WINDOW), pipe)
    if echoed is None:
        return None
    value = "value" if echoed.group("value") is not None else "bare"
    return _secret(text, echoed.span(value))


def _check_secure_string(text: str, start: int, end: int) -> tuple[int, int] | None:
    """PowerShell's ``ConvertTo-SecureString 'pw' -AsPlainText``: the quoted text
    (also after the switch: ``ConvertTo-SecureString -AsPlainText "pw" -Force``)."""
    window = max(0, start - _COMMAND_WINDOW)
    quoted = _QUOTED_BEFORE.search(text, window, start)
    # Looked for in the window, not the command: the password may hold a "&".
    if quoted is None or "convertto-securestring" not in text[window : quoted.start()].lower():
        after = _QUOTED_AFTER.match(text, end)
        if after is None or "convertto-securestring" not in text[window:start].lower():
            return None
        return _secret(text, after.span("value"))
    return _secret(text, quoted.span("value"))


def may_hold_flag_password(text: str) -> bool:
    """Whether ``FLAG_SCAN`` can find a flag: one after a space, tab or quote."""
    return "-" in text and search_flag_hint(text) is not None


#: A here-string after a flag that reads the password from stdin.
_HERE_STRING = re.compile(r"[ \t]*<<<[ \t]*")
# Arguments before htpasswd's password: quoted, or up to a space.
# (The last argument may end its line: a shell's trace, then the command's output.)
_ARGUMENT = re.compile(r"(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s|;&\"']+)(?:[ \t]+|(?=\r?\n)|\Z)")
# "echo 'pw' |", "echo -n pw |", "printf '%s' pw |" just before the pipe.
_ECHOED = re.compile(
    r"(?:echo(?:[ \t]+-[ne]+)?|printf[ \t]+'%s\\?n?')[ \t]+"
    r"(?:(?P<quote>[\"'])(?P<value>[^\"'\n]+)(?P=quote)|(?P<bare>[^\s|\"']+))[ \t]*\Z"
)
_QUOTED_BEFORE = re.compile(r"(?P<quote>[\"'])(?P<value>[^\"'\n]+)(?P=quote)[ \t]+\Z")
_QUOTED_AFTER = re.compile(r"[ \t]+(?P<quote>[\"'])(?P<value>[^\"'\n]+)(?P=quote)")
_SPACED_KIND = Kind("secrets", "SECRET", _check_spaced)
# After the first "-": "-u", "-U", "-a", "--user", "--proxy-user", "--auth", "-auth".
_USER_FLAG = (
    # (curl's short flags may come together: "-su user:pw", "-sSku …": ``_check_user_password``.)
    r"(?:[sSkvLfi]{0,4}[uUa](?:[ \t]+|(?=[\"']))"
    r"|-(?:user|proxy-user|auth)(?:[ \t]*=[ \t]*|[ \t]+|(?=[\"']))"
    # jenkins-cli's "-auth user:token".
    r"|auth[ \t]+)"
)
# The literal "-" first: re skips to it in C, and most lines hold few; a flag
# stands after a space (a shell command) or a quote (an argument vector
# logged as a list: ["mysql", "-pS3cret"]).
_FLAGS = (
    "-(?<=[ \t\"']-)(?:"
    + _USER_FLAG
    + r"(?P<flag_user_password>)"
    # An audit record's argument vector (auditd's EXECVE): 'a1="-p" a2="pw"'.
    + r"|(?:[pPawNAXckKts]|ap)\"[ \t]a[0-9]{1,3}=(?=\"[^\s\-])(?P<flag_argv_password>)"
    # docker's "-p=\"…\"": the password after "=", quoted.
    + r"|p=(?=[\"'][^\s\-])(?P<flag_equals_password>)"
    + r"|[pP](?=[^\s\-])(?P<flag_glued_password>)"
    + r"|(?:[pPawNAXckKts]|ap|kvs)[ \t]+(?=[^\s\-])(?P<flag_spaced_password>)"
    + r"|[cnBCimdsv]{0,3}b[cnBCimdsv]{0,3}[ \t]+(?P<flag_batch_password>)"
    + r"|(?:S|-stdin|-password-stdin)(?![\w\-])(?P<flag_stdin_password>)"
    + r"|(?i:asplaintext)(?![\w\-])(?P<flag_secure_string>)"
    + r"|(?:src|dest)?(?:store|key)pass[ \t]+(?=[^\s\-])(?P<flag_store_password>)"
    + ")"
)
# Whether a text holds a flag the scan would look at: the plan runs it (a
# text with " -" seldom holds one) to spare most texts the scan's pass.
search_flag_hint = re.compile(_FLAGS, re.ASCII).search
#: What every flag the scan looks at starts with: its "-" after a space, tab or quote.
FLAG_LEADS = (" -", "\t-", '"-', "'-")

FLAG_SCAN = Scan(
    _FLAGS,
    {
        # "-a" is httpie's "user:pass" and redis-cli's password: tried as both.
        "flag_user_password": Kind("secrets", "SECRET", _check_user_password, also=_SPACED_KIND),
        "flag_glued_password": Kind("secrets", "SECRET", _check_glued),
        "flag_spaced_password": _SPACED_KIND,
        "flag_equals_password": _SPACED_KIND,
        "flag_argv_password": Kind("secrets", "SECRET", _check_argv),
        "flag_store_password": Kind("secrets", "SECRET", _check_store_password),
        "flag_batch_password": Kind("secrets", "SECRET", _check_batch),
        "flag_stdin_password": Kind("secrets", "SECRET", _check_stdin),
        "flag_secure_string": Kind("secrets", "SECRET", _check_secure_string),
    },
    trigger=may_hold_flag_password,
    flags=re.ASCII,
)


# Calls that take a login's password as a positional string: Python's
# "ftp.login('user', 'pw')" (ftplib, imaplib, smtplib), requests'
# "auth=('user', 'pw')" and "HTTPBasicAuth('user', 'pw')", LDAP's
# "simple_bind_s('cn=…', 'pw')", Perl's "DBI->connect($dsn, 'user', 'pw')",
# PHP's "new PDO($dsn, 'user', 'pw')", "mysqli_connect('host', 'user', 'pw')" and
# "new mysqli('host', 'user', 'pw')", JDBC's "DriverManager.getConnection(url, 'user', 'pw')",
# Rust's reqwest ".basic_auth(\"user\", Some(\"pw\"))", Go's "SetBasicAuth(\"user\", \"pw\")",
# paho-mqtt's "client.username_pw_set(\"user\", \"pw\")".
# Each is written with its "(" (a mark of its own, case-sensitive).
CALL_MARKS = (
    "login(",
    "bind_s(",
    # Go's LDAP client: 'l.Bind("cn=…", "pw")'.
    ".Bind(",
    "connect(",
    "PDO(",
    "mysqli(",
    "getConnection(",
    "auth=(",
    "Auth(",
    "basic_auth(",
    ":auth(",
    "username_pw_set(",
    *("authenticate(", "FTP.open(", "FTP.new("),
    # Firebase's "signInWithEmailAndPassword(email, pw)", "createUserWith…".
    "WithEmailAndPassword(",
)


def may_hold_login_call(text: str) -> bool:
    return "(" in text and any(mark in text for mark in CALL_MARKS)


# Passwords that are a command's positional argument, named by no flag:
# Redis' "AUTH [user] pw" (and MONITOR's '"AUTH" "pw"'), SMTP's and IMAP's
# "AUTH PLAIN <base64>", IMAP's "a001 LOGIN user pw", RabbitMQ's
# "rabbitmqctl add_user user pw", Windows' "net user name pw /add" and
# "net use \\host\share pw /user:name". Each holds one of these marks, as
# written, or "net use" in any case: the word "auth" in any case is in too many lines (services,
# OAuth, "authentication") for every line to pay for the forms it would add
# (HAProxy's "stats auth user:pw", Python's "auth=('user', 'pw')").
ARGUMENT_MARKS = (
    *("AUTH", "LOGIN", "SETUSER", "USING", "rabbitmqctl", "IDENTIFY", "kinit", "cryptsetup"),
    *("radtest", "openssl", "SMTP.start(", "smbpasswd", "keystore", "echo", " on >"),
    *("mc alias", "mc config", "sapcontrol", "-creds", '"CONFIG"', "nextflow"),
    *("secret set", "algoliasearch(", "pgp_sym_", "ADDUSER"),
    *("secrets put", "credential create", "put-parameter", "secretsmanager"),
    *("createDatabaseConnection(", "htpasswd", "-stdin", "ftp> user"),
    *CALL_MARKS,
)
#: Looked for in the case-folded text: Windows writes its commands in either case.
ARGUMENT_WORDS = ("net use", "net  use")
#: "net use" and "net user", with any blanks between (Sysmon logs "net  user").
_NET_USE = re.compile(r"net[ \t]+use", re.IGNORECASE)


def may_hold_command_argument(text: str) -> bool:
    return (
        ("U" in text and ("AUTH" in text or "SETUSER" in text or "USING" in text))
        or "LOGIN" in text
        or "rabbitmqctl" in text
        or "IDENTIFY" in text
        or "radtest" in text
        or "mc alias" in text
        or "mc config" in text
        or "sapcontrol" in text
        or '"CONFIG"' in text
        or "nextflow secrets" in text
        or "secret set" in text
        or "secrets put" in text
        or "credential create" in text
        or "put-parameter" in text
        or "secretsmanager" in text
        or "createDatabaseConnection(" in text
        or "htpasswd" in text
        or ("-stdin" in text and "<<<" in text)
        or "algoliasearch(" in text
        or "pgp_sym_" in text
        or "ADDUSER" in text
        or "ftp> user" in text
        or "-creds" in text
        or "SMTP.start(" in text
        or ("openssl" in text and "passwd" in text)
        or ("|" in text and any(program in text for program in _READS_PASSWORD))
        or ("echo" in text and ">" in text and _ECHOED_TO_FILE.search(text) is not None)
        or may_hold_login_call(text)
        or _NET_USE.search(text) is not None
        or " on >" in text
        or (" /" in text and may_hold_windows_switch(text))
    )


#: Commands that read a password from their input: "echo 'pw' | smbpasswd -s -a bob",
#: "echo pw | bin/elasticsearch-keystore add -x name".
_READS_PASSWORD = ("kinit", "cryptsetup", "smbpasswd", "keystore", "vncpasswd")
# A word echoed into a file whose name says it holds a secret.
_ECHOED_INTO_FILE = (
    r"(?<![\w\-])echo(?:[ \t]+-[ne]+)?[ \t]+(?P<echoed>\"[^\"\n]+\"|'[^'\n]+'|[^\s|\"'>]+)"
    r"[ \t]*>>?[ \t]*[^\s;|&]*(?i:pass|secret|token|cred|keyfile|\.key(?![\w.]))"
)
_ECHOED_TO_FILE = re.compile(_ECHOED_INTO_FILE, re.ASCII)


# A string literal in code: quoted, without a line break.
_LITERAL = r"(?:\"[^\"\n]{1,128}\"|'[^'\n]{1,128}')"
# A shell word or a quoted one, after blanks: the arguments read after a command.
_WORD = r"[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+)"
_WORD_AT = re.compile(_WORD, re.ASCII)  # as the scan reads its words
_ARGUMENTS = re.compile(
    # Redis, upper case as a command or quoted as MONITOR prints it: one or two arguments.
    r"(?:(?<!\w)AUTH(?![\w\"])|(?<=\")AUTH\")(?P<redis>" + _WORD + f"(?:{_WORD})?)"
    # Redis' password set as MONITOR prints it: '"CONFIG" "SET" "requirepass" "pw"'.
    r"|(?<=\")CONFIG\"[ \t]+\"SET\"[ \t]+\"(?:requirepass|masterauth)\""
    r"(?P<redis_config>[ \t]+\"[^\"\n]+\")"
    # Redis' "ACL SETUSER name on >password ~keys +@all": each ">" adds a password.
    # An ACL file's (or ACL LIST's) "user name on >password ~keys +@all" too.
    r"|(?:SETUSER[ \t]+\S+|(?<![\w\-])user[ \t]+\S+[ \t]+(?:on|off))"
    r"(?:[ \t]+[^\s>]\S*){0,6}?[ \t]+>(?P<acl>[^\s]+)"
    # The calls above: the second string of a login or a bind, the third of a connect.
    r"|(?:login|bind_s|(?<=\.)Bind|auth=|Auth|basic_auth|username_pw_set"
    r"|WithEmailAndPassword)\([ \t]*" + _LITERAL + r"[ \t]*,[ \t]*(?:Some\()?"
    r"(?P<call>" + _LITERAL + ")"
    # C's "mysql_real_connect(conn, host, user, pw, …)": the fourth argument.
    r"|mysql_real_connect\([ \t]*[^,()]{1,200},[ \t]*"
    + _LITERAL
    + r"[ \t]*,[ \t]*"
    + _LITERAL
    + r"[ \t]*,[ \t]*(?P<real_connect>"
    + _LITERAL
    + ")"
    # Mirth Connect's "DatabaseConnectionFactory.createDatabaseConnection(driver, url,
    # user, pw)": the fourth string.
    r"|createDatabaseConnection\((?:[ \t]*" + _LITERAL + r"[ \t]*,){3}[ \t]*"
    r"(?P<mirth_connect>" + _LITERAL + ")"
    # Odoo's XML-RPC "common.authenticate(db, user, 'pw', {})", Ruby's
    # "Net::FTP.open(host, user, 'pw')": the third argument, the first two any.
    # PHP's "ftp_login($conn, 'user', 'pw')" too.
    r"|(?:authenticate|FTP\.open|FTP\.new|ftp_login)\("
    r"[ \t]*[^,()]{1,200},[ \t]*[^,()]{1,200},[ \t]*"
    r"(?P<third>" + _LITERAL + ")"
    # Lua's (OpenResty's) Redis client: 'red:auth("pw")'.
    r"|(?<=:)auth\([ \t]*(?P<lua_auth>" + _LITERAL + r")[ \t]*\)"
    r"|(?:(?<!real_)connect|PDO|mysqli|getConnection)\([ \t]*[^,()]{1,200},[ \t]*"
    + _LITERAL
    + r"[ \t]*,[ \t]*"
    r"(?P<connect>" + _LITERAL + ")"
    # rabbitmqctl's options first ("-n rabbit@host", "--node=x"): a few, each read once.
    r"|rabbitmqctl(?:[ \t]+-[-\w]{1,32}+(?:[ \t=]+[^\s\-]\S{0,64}+)?+){0,4}+[ \t]+"
    r"(?:add_user|change_password|authenticate_user)" + _WORD + "(?P<rabbitmq>" + _WORD + ")"
    # GitHub's CLI: "gh secret set NAME [--repo r] --body <value>".
    r"|(?<![\w\-])gh[ \t]+secret[ \t]+set"
    r"(?:[ \t]+[^\s\-]\S{0,127}|[ \t]+--?(?!b)[\w\-]{1,16}(?:[ \t]+[^\s\-]\S{0,127})?){0,6}?"
    r"[ \t]+(?:-b|--body)(?:[ \t]+|=)(?P<gh_secret>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+)"
    # A secret store's command line, the value after its flag: "az keyvault secret set
    # --name X --value <v>", "databricks secrets put-secret scope key --string-value <v>",
    # "hadoop credential create alias -value <v>", AWS' "ssm put-parameter … --value <v>"
    # and "secretsmanager create-secret … --secret-string <v>".
    r"|(?<![\w\-])(?:az[ \t]+keyvault[ \t]+secret[ \t]+set|databricks[ \t]+secrets[ \t]+put"
    r"(?:-secret)?|hadoop[ \t]+credential[ \t]+create|aws[ \t]+ssm[ \t]+put-parameter"
    r"|aws[ \t]+secretsmanager[ \t]+(?:create-secret|put-secret-value|update-secret))"
    r"(?:[ \t]+[^\s\-]\S{0,127}"
    r"|[ \t]+-{1,2}+(?!(?:string-|secret-)?value\b|secret-string\b)[\w\-]{1,24}"
    r"(?:[ \t]+[^\s\-]\S{0,127})?)"
    # (Possessive: the value's own flag is no other flag, so nothing is given back.)
    r"{0,8}+[ \t]+--?(?:value|string-value|secret-value|secret-string)(?:[ \t]+|=)"
    r"(?P<store_secret>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+)"
    # Apache's "htpasswd -b <file> <user> <pw>" ("-nb": no file, "-c" may come too).
    r"|(?<![\w\-])htpasswd(?:[ \t]+-[A-Za-z]*n[A-Za-z]*)" + _WORD + "(?P<htpasswd_n>" + _WORD + ")"
    r"|(?<![\w\-])htpasswd(?:[ \t]+-[A-Za-mo-z]+)*?[ \t]+-[A-Za-mo-z]*b[A-Za-mo-z]*"
    r"(?:[ \t]+-[A-Za-mo-z]+)*+" + _WORD * 2 + "(?P<htpasswd>" + _WORD + ")"
    # A here-string into a command that reads its password from its input:
    # "openconnect --passwd-on-stdin host <<< 'pw'", "docker login --password-stdin <<< …".
    r"|(?:passwd-on-stdin|password-stdin)[^\n|;&]{0,200}?<<<[ \t]*(?P<herestring>"
    + _LITERAL
    + r"|[^\s\"'|;&]+)"
    # Crestron's console: "ADDUSER -N:name -P:password".
    r"|ADDUSER[ \t]+-N:\S+[ \t]+-P:(?P<crestron>[^\s\"']+)"
    # PostgreSQL's pgcrypto: "pgp_sym_encrypt(data, 'key')": the second argument.
    r"|pgp_sym_(?:en|de)crypt\([ \t]*[^,()]{1,200},[ \t]*(?P<pgp_key>" + _LITERAL + ")"
    # Algolia's client: "algoliasearch('APP_ID', 'API_KEY')": the second string.
    r"|algoliasearch\([ \t]*" + _LITERAL + r"[ \t]*,[ \t]*(?P<algolia>" + _LITERAL + ")"
    # Nextflow's secrets: "nextflow secrets set NCBI_API_KEY <value>".
    r"|(?<![\w\-])nextflow[ \t]+secrets[ \t]+(?:set|put)" + _WORD + "(?P<nextflow>" + _WORD + ")"
    # The FTP client's "ftp> user <name> <password>", both given on its prompt.
    r"|(?<=ftp> )user" + _WORD + "(?P<ftp_user>" + _WORD + ")"
    # DB2's "CONNECT TO db USER name USING password".
    r"|USER[ \t]+\S+[ \t]+USING(?P<db2>" + _WORD + ")"
    # IMAP's login, after the command's tag (``_after_imap_tag``): the user, then the password.
    r"|(?<![\w\"])LOGIN" + _WORD + "(?P<imap>" + _WORD + ")"
    # Windows: "net user name pw [/add]", "net use [X:] \\host\share pw [/user:name]".
    r"|(?<![\w\-.])(?:net|NET)[ \t]+(?:(?:user|USER)"
    + _WORD
    + r"|(?:use|USE)(?:[ \t]+[A-Za-z]:)?[ \t]+\\\\\S+(?:[ \t]+/(?:user|USER|u|U):\S+)?)"
    r"(?P<net>" + _WORD + ")"
    # FreeRADIUS' "radtest user password server port secret": the second word;
    # "openssl passwd -6 'pw'" (a hash of the literal); Ruby's
    # "Net::SMTP.start(host, port, helo, user, password, :login)": the fifth argument.
    r"|(?<![\w\-])radtest" + _WORD + "(?P<radtest>" + _WORD + ")"
    # MinIO's client: "mc alias set <name> <url> <access key> <secret key>" (older
    # "mc config host add …"): the fourth word. SAP's "sapcontrol … -user <name> <password>".
    # skopeo's and buildah's "--creds user:pw", "--src-creds", "--dest-creds": after the ":".
    r"|(?<![\w\-])mc[ \t]+(?:alias[ \t]+set|config[ \t]+host[ \t]+add)"
    + _WORD * 3
    + "(?P<minio>"
    + _WORD
    + ")"
    r"|(?<![\w\-])sapcontrol(?:[ \t]+-(?!user\b)\w{1,16}[ \t]+[^\s\-]\S{0,64}){0,8}"
    r"[ \t]+-user" + _WORD + "(?P<sapcontrol>" + _WORD + ")"
    r"|(?<![\w])--(?:src-|dest-)?creds(?:[ \t]+|=)[\"']?[^\s:\"']{1,64}:(?P<creds>[^\s\"']+)"
    r"|(?<![\w\-])openssl[ \t]+passwd(?:[ \t]+-[\w\-]+)*(?P<openssl>" + _WORD + ")"
    r"|SMTP\.start\((?:[ \t]*[^,()]{1,200},){4}[ \t]*(?P<smtp_start>" + _LITERAL + ")"
    # IRC's "PRIVMSG NickServ :IDENTIFY [account] password": the last word.
    r"|(?<![\w])IDENTIFY(?P<identify>" + _WORD + f"(?:{_WORD})?)"
    # A password echoed into a command that reads it from its input:
    # "echo 'pw' | kinit user", "echo -n 'pw' | cryptsetup luksOpen /dev/x name -".
    r"|(?<![\w\-])(?:echo(?:[ \t]+-[ne]+)?|printf[ \t]+'%s\\?n?')[ \t]+"
    r"(?P<piped>\"[^\"\n]+\"|'[^'\n]+'|[^\s|\"']+)[ \t]*\|[ \t]*"
    # (TigerVNC's "vncpasswd -f" reads it so too.)
    r"(?:sudo[ \t]+)?(?:[\w.\-]*/)?(?:kinit|cryptsetup|smbpasswd|vncpasswd|[\w\-]*keystore)\b"
    # ... or into a file that holds it: "echo 'pw' > /etc/rsync.pass".
    r"|"
    + _ECHOED_INTO_FILE
    # Windows' switches: xfreerdp's "/p:x", schtasks' "/p x" and "/rp x" (after a user's
    # switch, ``_WINDOWS_USER``), netdom's "/PasswordD:x" and "/PasswordO:x".
    + r"|(?<![^ \t])/(?P<switch>[Pp](?:assword[DdOo])?|[Rr][Pp])(?:[ \t]+|[:=])"
    r"(?P<windows>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"']+)",
    re.ASCII,
)
#: Where the password's switch is one letter, a user's switch comes first: "/u:bob",
#: "/u bob", "/user:CORP\bob", schtasks' "/ru CORP\svc".
_WINDOWS_USER = re.compile(r"(?<![^ \t])/(?:[Rr]?[Uu]|[Uu]ser|USER)(?:[:=]|[ \t]+)[^\s/]", re.ASCII)
#: Or a certificate's file first: signtool's "sign /f codesign.pfx /p <password>".
_SIGNTOOL = re.compile(r"signtool(?:\.exe)?[\"']?[ \t]+sign\b", re.IGNORECASE)
#: Windows' switches of a password, as they stand after a blank (case-folded).
WINDOWS_SWITCHES = (" /p", " /rp")
_WINDOWS_SWITCH = re.compile(
    r"/(?<=[ \t]/)(?:[Pp]assword[DdOo]:|(?:[Pp]|[Rr][Pp])(?:[ \t]+|[:=])(?=[^\s]))", re.ASCII
)


def may_hold_windows_switch(text: str) -> bool:
    """A password's switch, with a user's before it where it is one letter: "/p" and
    "/rp" stand in many paths ("GET /products")."""
    found = None
    for found in _WINDOWS_SWITCH.finditer(text):
        if found.group()[2:3] in ("a", "A"):
            return True  # "/PasswordD:", not "/p:" (which may come first: "/P /PasswordD:…")
    return found is not None and (
        _WINDOWS_USER.search(text) is not None or _SIGNTOOL.search(text) is not None
    )


#: An IMAP command's tag before "LOGIN": "a001", "A12", "1" (not SMTP's "AUTH LOGIN").
_IMAP_TAG = re.compile(
    r"(?:^|[\s:>\]])[A-Za-z]{0,6}[0-9]{1,6}[ \t]+\Z"
    # Or a device's console prompt: "ACU> LOGIN operator pw".
    r"|(?<![^\s:])[A-Za-z][\w\-]{0,15}>[ \t]*\Z"
)


# Words after "AUTH" in a sentence or a server's report, where Redis has a password.
# A card terminal's approval code is "AUTH CODE 771203", "AUTH NO: 4411", "APPROVED AUTH 083112".
_PROSE_AFTER_AUTH = frozenset(
    {"from", "for", "to", "with", "by", "on", "at", "in", "of", "REQ"}
    | {"CODE", "Code", "code", "NO", "No", "NO.", "No.", "ID", "#"}
    | {"APPROVED", "Approved", "approved", "DECLINED", "Declined", "declined"}
    # A login's outcome: "AUTH FAIL emp=MGR01 pwd=…", "AUTH OK user=…".
    | {"FAIL", "FAILED", "Fail", "Failed", "fail", "failed", "OK", "Ok", "ok", "SUCCESS"}
)
#: A card payment's words: after "AUTH", six characters there are an approval code.
_CARD_CONTEXT = re.compile(
    r"approved|declined|visa|mastercard|maestro|amex|card|\bpan\b|terminal|\bterm\b|receipt"
    r"|\bsale\b|debit",
    re.I,
)
# SASL mechanisms, named after "AUTH" in SMTP and IMAP, where Redis has a password.
_SASL_MECHANISMS = frozenset(
    {"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "XOAUTH2", "OAUTHBEARER", "NTLM", "GSSAPI"}
)
_BASE64 = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")
_ESCAPED_BREAK = re.compile(r"(?:\\r)?(?:\\n)?\Z")


def _looks_like_secret_word(value: str) -> bool:
    """An argument a password looks like: not a plain word of prose ("AUTH failed for")."""
    if len(value) < 4 or is_masked(value) or value.startswith("[REDACTED"):
        return False
    if value.endswith(":") and value[:-1].replace("-", "").isalpha():
        return False  # a label: "AUTH vault: X-Vault-Token: …"
    word = value.rstrip(".,:;!?")  # a word of a sentence, with its punctuation
    plain = word.isalpha() and (word.islower() or word.isupper() or word.istitle())
    return not plain


def _unquoted(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a shell word without its blanks and quotes."""
    while text[start] in " \t":
        start += 1
    if text[start] in "\"'" and end - start >= 2 and text[end - 1] == text[start]:
        return start + 1, end - 1
    return start, end


def _check_argument(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password among the arguments the scan read (see ``_ARGUMENTS``)."""
    match = _ARGUMENTS.match(text, start)
    if match is None:  # the engine passes the match's own span: it always matches again
        return None
    group = match.lastgroup
    if group == "identify":
        final = list(_WORD_AT.finditer(match.group("identify")))[-1]
        offset = match.start("identify")
        span = _unquoted(text, offset + final.start(), offset + final.end())
        value = text[span[0] : span[1]]
        return span if _looks_like_secret_word(value) and not _REFERENCE.match(value) else None
    if group == "piped" or group == "echoed":
        span = _unquoted(text, *match.span(group))
        return None if is_masked(text[span[0] : span[1]]) else span
    if group == "redis":
        words = [found.span() for found in _WORD_AT.finditer(match.group("redis"))]
        offset = match.start("redis")
        first, last = words[0], words[-1]
        span = _unquoted(text, offset + last[0], offset + last[1])
        if text[offset + first[0] : offset + first[1]].lstrip(" \t").startswith("["):
            return None  # syslog's structured data after a word AUTH: "AUTH [auth@32473 …]"
        mechanism = text[offset + first[0] : offset + first[1]].strip(" \t\"'").upper()
        if mechanism in _SASL_MECHANISMS:
            # SMTP's and IMAP's "AUTH PLAIN <base64>": the credential, if given with it
            # (a debug print may end it with its line break escaped: "…=\\r\\n").
            escaped = _ESCAPED_BREAK.search(text, *span)
            if len(words) > 1 and escaped is not None:
                span = (span[0], escaped.start())
            if len(words) == 1 or _BASE64.fullmatch(text, *span) is None:
                return None
        elif text.startswith("[REDACTED", span[0]):
            return None  # replaced already: the word before it is the user's name
        elif text[offset + first[0] : offset + first[1]].strip().rstrip(":") in _PROSE_AFTER_AUTH:
            # Postfix's "lost connection after AUTH from unknown[…]"; a card
            # terminal's "AUTH CODE: 083412", "AUTH APPROVED pan=…".
            return None
        elif text[offset + first[0] : offset + first[1]].strip().isdigit():
            return None  # a card terminal's approval code: "APPROVED AUTH 083112 REF 7"
        elif (
            len(approval := text[offset + first[0] : offset + first[1]].strip()) == 6
            and approval.isalnum()
            and approval == approval.upper()
            and _CARD_CONTEXT.search(text, max(0, start - 200), span[1] + 200)
        ):
            return None  # "…,approved,AUTH 04821Z": an approval code in a card's record
        elif len(words) == 2 and not _looks_like_secret_word(text[span[0] : span[1]]):
            # "AUTH failed for …": prose, unless the first word alone is the password
            span = _unquoted(text, offset + first[0], offset + first[1])
    else:
        if group == "imap" and _IMAP_TAG.search(text, max(0, start - 16), start) is None:
            return None
        # "/p" and "/rp" mean a password only after a user's switch ("cd /p x" does not).
        if (
            group == "windows"
            and len(match.group("switch")) < len("PasswordD")
            and _WINDOWS_USER.search(text, max(0, start - _COMMAND_WINDOW), start) is None
            and _SIGNTOOL.search(text, max(0, start - _COMMAND_WINDOW), start) is None
        ):
            return None
        span = _unquoted(text, *match.span(group or ""))
        if group in (
            "call",
            "connect",
            "smtp_start",
            "real_connect",
            "lua_auth",
            "third",
            "algolia",
            "gh_secret",
            "store_secret",
            "mirth_connect",
            "herestring",
            "pgp_key",
        ):
            value = text[span[0] : span[1]]
            # Any string but a mask or a reference: an app password has spaces.
            return None if is_masked(value) or _REFERENCE.match(value) else span
    value = text[span[0] : span[1]]
    if not _looks_like_secret_word(value) or _REFERENCE.match(value):
        return None
    if group in ("radtest", "openssl") and value.startswith("-"):
        return None  # an option: "openssl passwd -help"
    if group == "net" and value.startswith(("/", "*")):
        return None  # an option ("/add", "/delete") or "*", which asks for the password
    return span


ARGUMENT_SCAN = Scan(
    f"(?:{_ARGUMENTS.pattern})(?P<command_argument>)",
    {"command_argument": Kind("secrets", "SECRET", _check_argument)},
    trigger=may_hold_command_argument,
    flags=re.ASCII,
    # "A" and "r" start many words, at each of which ``re`` would try the pattern.
    searcher=word_searcher(
        (
            *("auth", "login", "setuser", "user", "rabbitmqctl", "net", "bind_s", "connect"),
            "bind(",
            "mysql_real_connect(",
            *("identify", "echo", "printf", "radtest", "openssl", "smtp.start("),
            *("mc", "sapcontrol", "--creds", "--src-creds", "--dest-creds"),
            *("pdo(", "mysqli(", "getconnection(", "/p", "/rp", "basic_auth("),
            *("username_pw_set(", "authenticate(", "ftp.open(", "ftp.new("),
            "withemailandpassword(",
            'config"',
            "nextflow",
            "gh",
            *("az", "databricks", "hadoop", "aws", "ftp_login(", "createdatabaseconnection("),
            *("htpasswd", "passwd-on-stdin", "password-stdin"),
            "algoliasearch(",
            "pgp_sym_",
            "adduser",
        )
    ),
)
