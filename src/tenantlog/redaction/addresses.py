"""Email addresses and IPv6 addresses.

Both are recognised by a separator the rest of a log line rarely has (``@``
or its URL encoding ``%40``; ``::`` or seven colons), so each scan runs only
when that separator is present.
"""

from __future__ import annotations

import re

from tenantlog.redaction import validators
from tenantlog.redaction.kinds import Kind, Scan

# In a query string the local part may be glued to the parameter name by an
# encoded delimiter (``q%3Dname%40example.com``): the address starts after it.
_ENCODED_DELIMITER = re.compile(r".*%(?:3D|3A|2F|26|3F|20|22|27|3C|3E|2C|3B|5B|5D)", re.IGNORECASE)
# Local-part characters, matched on the reversed text before the "@".
_LOCAL_PART_REVERSED = re.compile(r"[\w.%+'\-]{1,64}")


# "git@github.com:org/repo.git", "deploy@host.example.com:/srv/app": scp's
# user@host:path, a remote and its login, not a mailbox.
_SCP_PATH = re.compile(r"[\w~.\-]*(?:/|\.git(?![\w\-]))")
# Logins that are never a person's address: the user git and Mercurial hosts
# and servers run as ("git@github.com: Permission denied (publickey)").
_SERVICE_LOGINS = frozenset({"git", "hg"})
_PORT = re.compile(r"[0-9]{2,5}(?![0-9])")
#: A password, then the "@" of the host, after an address used as a URL's user.
_PASSWORD_THEN_HOST = re.compile(r"[^\s/?#]*@")
_USERINFO_WINDOW = 256


def _is_url_login(text: str, local_start: int, at: int) -> bool:
    """Whether the "@" ends a URL's user information: "ssh://git@host", "scheme://user:pw@host".

    What precedes the "@" there is a login, or the end of a password (which
    the secrets detector replaces whole): an email here would swallow the
    host and leave the rest of the password.
    """
    scheme_end = text.rfind("://", max(0, local_start - _USERINFO_WINDOW), local_start)
    if scheme_end == -1:
        return False
    userinfo = text[scheme_end + 3 : at]
    # (A password may hold a "&": "mqtts://pub:Bl0wer&Air@host"; a query has its "?".)
    return not any(ch in userinfo for ch in " \t\n/?")


# Where a login before an "@" starts: after white space, a quote, "=" or a bracket.
_LOGIN_REVERSED = re.compile(r"[^\s\"'`=({<>,;]+")
#: How far a login may run back from its "@".
_LOGIN_WINDOW = 128


def login_start(text: str, at: int) -> int:
    """Where the word before the "@" at ``at`` starts (``at`` itself: no word).

    Read backwards, as an email's local part is: a run of "@" must not cost a
    walk back from each. ``passwords`` reads the logins of DSNs with it.
    """
    login = _LOGIN_REVERSED.match(text[max(0, at - _LOGIN_WINDOW) : at][::-1])
    return at if login is None else at - login.end()


def _has_login_before(text: str, at: int) -> bool:
    """Whether the word before the "@" is a "user:password" login (not a URL's)."""
    token = text[login_start(text, at) : at]
    return ":" in token and "://" not in token


#: Endings of names that hold an "@" and are no address: systemd's template
#: units ("getty@tty1.service", "postgresql@15-main.service") and files named
#: after one ("rabbit@mq01.log"). None is a top-level domain.
_NOT_DOMAINS = frozenset(
    (
        *("service", "socket", "timer", "target", "mount", "automount", "slice", "scope"),
        *("swap", "path", "device", "log", "txt", "conf", "cfg", "ini", "pid", "lock", "sock"),
        *("json", "yaml", "yml", "xml", "csv", "tmp", "bak", "gz", "tgz", "bz2", "xz", "tar"),
        "db",
        # A web page's files: "/static/icons/printer@2x.png" is an image at twice the size.
        *("png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "css", "js"),
    )
)
#: Hebrew's prefixed prepositions, joined to a Latin word by a hyphen: "ל-dana@…" ("to dana@…").
_HEBREW_PREFIX = re.compile(r"[\u05d0-\u05ea]{1,3}-(?=[A-Za-z0-9])")


def _check_email(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The scan matches from the "@" (a rare character it can skip to in C);
    # the local part is found here, looking back from it.
    if text[text.rfind(".", start, end) + 1 : end].lower() in _NOT_DOMAINS:
        return None
    if text.endswith(_SHARED_CALENDARS, start, end):
        return (
            None  # a shared calendar's or a room's id: "courtroom-4b%40group.calendar.google.com"
        )
    local = _LOCAL_PART_REVERSED.match(text[max(0, start - 64) : start][::-1])
    if local is None:
        return None
    local_start = start - local.end()
    prefix = _ENCODED_DELIMITER.match(text, local_start, start)
    if prefix is not None:
        local_start = prefix.end()
    # A quote or dot before the address is not its first character: SQL's
    # and Python's 'a.b@example.org' (an apostrophe inside, "o'neil", is).
    if text[local_start] == "-":
        # A flag glued to its value: mysql's "-ujohn@example.com", "-pz@x.io%M" (a
        # password): no address starts with "-".
        local_start += 2
    hebrew = _HEBREW_PREFIX.match(text, local_start, start)
    if hebrew is not None:
        local_start = hebrew.end()
    while local_start < start and text[local_start] in "'.":
        local_start += 1
    if text[local_start - 1 : local_start] == "\\" and text[local_start : local_start + 1] in (
        "n",
        "r",
        "t",
    ):
        # A line break escaped in JSON ("…\\nbob@example.com"): the address starts after it.
        local_start += 1
    if local_start >= start:
        return None
    if not text[local_start:start].strip("%_"):
        return None  # SQL's pattern of any mailbox at a domain: "LIKE '%@acme-bank.de'"
    if (
        text[local_start - 1 : local_start] == "/"
        and text[start + 1 : end].isupper()
        and (
            "." in text[local_start:start]
            or _PRINCIPAL_PRIMARY.search(text, max(0, local_start - 33), local_start)
        )
    ):
        # A Kerberos principal with an instance: a service's,
        # "host/web01.corp.example@CORP.EXAMPLE", an admin's, "admin/admin@CORP.EXAMPLE.COM",
        # the master key's, "K/M@CORP.EXAMPLE.COM".
        return None
    if text.endswith(_SSH_DOMAINS, start, end) and "-" in text[local_start:start]:
        return None  # an SSH algorithm's name: "chacha20-poly1305@openssh.com"
    if text[local_start] == "+" and _DIALLED.fullmatch(text, local_start + 1, start):
        # "+33612345678@sip.ovh.net" (FreeSWITCH's channel, a SIP URI without its
        # scheme), "sip:+81-50-5533-1290@host": no mailbox starts with "+", a number does.
        return None
    if text[local_start:start].isdigit() and text.endswith(
        ("sip:", "sips:", "tel:"), 0, local_start
    ):
        # SIP's "sip:+447400488442@host", "sip:4921198765432@10.0.0.1": a phone number,
        # found as one.
        return None
    # Cheap tests first: most addresses are none of these.
    if start - local_start <= 3 and text[local_start:start] in _SERVICE_LOGINS:
        return None
    if text[end : end + 1] == ":":
        if _SCP_PATH.match(text, end + 1):
            return None
        if _PORT.match(text, end + 1) and _has_login_before(text, start):
            return None  # a proxy's "user:password@proxy.corp:3128": a login, not a mailbox
        if _PASSWORD_THEN_HOST.match(text, end + 1):
            return local_start, end  # a URL's user that is an address: "smtp://a@b.io:pw@host"
    if text[end : end + 1] == "/" and _has_login_before(text, start):
        return None  # a login's host and path: Asterisk's "register => user:secret@host/ext"
    if local_start >= 3 and _is_url_login(text, local_start, start):
        return None
    if _SIP_LOGIN_BEFORE.search(text, max(0, local_start - _LOGIN_WINDOW), local_start):
        return None  # a SIP URI's password before its host: "sip:trunk:Trunk!4930@host"
    if _follows_remote_shell(text, local_start) or text.startswith(_SSH_REFUSAL, end):
        # A login to a host: "ssh -J jump@bastion.example.com backup@nas01.corp", and
        # ssh's refusal of one: "ops@pos-01: Permission denied (publickey,password).".
        return None
    if _may_follow_id_header(text, local_start) and _ID_HEADER.search(
        text, max(0, local_start - _ID_HEADER_WINDOW), local_start
    ):
        # A message's, a call's or an event's id: "Message-ID: <2024…@mail.host>", SIP's
        # "Call-ID: 38482…@pbx", iCalendar's "UID:tv-55012@host": a host's name for it.
        return None
    return local_start, end


_SSH_REFUSAL = ": Permission denied (publickey"
#: The domains OpenSSH and libssh name their own algorithms and extensions with.
_SSH_DOMAINS = ("@openssh.com", "@libssh.org")
#: A principal's first part, alone before its "/": "admin/", "K/" ("…/u/ann@" is a path).
_PRINCIPAL_PRIMARY = re.compile(r"(?:^|[\s\"'=(\[,])[A-Za-z0-9_\-]{1,32}/\Z")
#: Google's domains of calendars no person owns: a group's, a room's.
_SHARED_CALENDARS = ("group.calendar.google.com", "resource.calendar.google.com")
#: A remote shell's command, then its flags (and their arguments) up to its target:
#: "ssh -i ~/.ssh/id -J jump@bastion ". Not "ssh key for ana@example.com".
_REMOTE_SHELLS = ("ssh", "mosh", "sftp")  # ("autossh" holds "ssh")
#: The words one of which a remote shell's target follows.
_SHELL_WORDS = (*_REMOTE_SHELLS, "ProxyJump")
_REMOTE_SHELL_BEFORE = re.compile(
    r"(?:^|[\s;|&$(])(?:autossh|ssh-copy-id|" + "|".join(_REMOTE_SHELLS) + ")"
    # (A flag's value may be glued to it: "-oPort=22".)
    r"(?:[ \t]+-[A-Za-z]{1,4}\S*(?:[ \t]+(?!-)\S+)?)*[ \t]+\Z"
    # ssh's configuration: "ProxyJump jump@bastion:2222".
    r"|(?:^|\s)ProxyJump[ \t]+\Z"
    # Ansible's "Failed to connect to the host via ssh: ops@gw01: Permission denied",
    # sftp's "Connected to reports@sftp.example."
    r"|via[ \t]+ssh:[ \t]+\Z|(?:^|\n)Connected[ \t]+to[ \t]+\Z"
)
#: How far back on its line a remote shell's command may be from its target.
_REMOTE_SHELL_WINDOW = 200


#: The last text asked about, and whether it names a remote shell at all: a text of
#: many addresses asks once, not once an address (one tuple, replaced whole).
_LAST_SHELL_TEXT: tuple[str, bool] = ("", False)


def _holds_remote_shell(text: str) -> bool:
    global _LAST_SHELL_TEXT
    last = _LAST_SHELL_TEXT
    if last[0] is text:
        return last[1]
    holds = any(shell in text for shell in _SHELL_WORDS)
    _LAST_SHELL_TEXT = (text, holds)
    return holds


def _follows_remote_shell(text: str, local_start: int) -> bool:
    """Whether the address at ``local_start`` is the target of ``ssh`` (or of its
    ``-J``), a login to a host and not a mailbox."""
    if not _holds_remote_shell(text):
        return False
    low = max(0, local_start - _REMOTE_SHELL_WINDOW)
    if all(text.find(shell, low, local_start) == -1 for shell in _SHELL_WORDS):
        return False  # (a command far from the address: no copy of the window)
    window = text[text.rfind("\n", low, local_start) + 1 or low : local_start]
    return _REMOTE_SHELL_BEFORE.search(window) is not None


def _may_follow_id_header(text: str, local_start: int) -> bool:
    """A substring test before ``_ID_HEADER``'s search: a text of many addresses
    must not pay a search of the window before each."""
    window = text[max(0, local_start - _ID_HEADER_WINDOW) : local_start].lower()
    return "id" in window or "references" in window or "in-reply-to" in window


#: A number as dialled, after its "+": digits and the marks that group them.
_DIALLED = re.compile(r"[0-9][0-9\-. ]{5,20}[0-9]")
#: The header or field of a message's id, right before its value.
_ID_HEADER = re.compile(
    # (iCalendar's "UID:" in capitals: a "uid=" or "uid:" field holds a user's address,
    # devise_token_auth's "uid=ana@example.mx".)
    r"(?:^|(?<=[\s;,{\[\"']))(?:Message-ID|In-Reply-To|References|Call-ID|Content-ID"
    r"|(?-i:UID)(?=[ \t]*:)"
    r"|message_?id|msg_?id|call_?id)[\"']?[ \t]*[:=][ \t]*[\"']?(?:<[^\s<>@]{0,64})?\Z",
    re.IGNORECASE,
)
_ID_HEADER_WINDOW = 96


#: A SIP URI's scheme, user and ":", then what the password holds before the local part.
_SIP_LOGIN_BEFORE = re.compile(r"sips?:[^\s/?#@:;]+:[^\s/?;@]*\Z")


def _check_ipv6(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[end - 1] == ":" and text[end - 2] != ":":
        end -= 1  # "fe80::1: timeout": the colon belongs to the message
    value = text[start:end]
    if "::" not in value and value.count(":") != 7:
        return None  # times ("12:34:56") and MAC addresses have neither
    if (
        "::" not in value
        and text[end : end + 1] == ":"
        and text[end + 1 : end + 2] in validators.HEX_DIGITS
    ):
        return None  # a longer chain: a certificate's fingerprint "AB:CD:…:01"
    if not any(ch.isdigit() for ch in value):
        return None  # "dead::beef" and C++ "Add::Face" are hex words, not hosts
    if (
        value.endswith("::")
        and not _PREFIX_LENGTH.match(text, end)
        and _DECIMAL_FIELDS.fullmatch(value)
    ):
        return None  # a passwd file's "uid:gid::" ("1001:1001::/home/x"), not a network
    if _BYTE_PAIRS.fullmatch(value):
        return None  # a Fibre Channel WWN or an EUI-64, "50:06:01:60:3b:20:12:34"
    return (start, end) if validators.ipv6_ok(value) else None


_DECIMAL_FIELDS = re.compile(r"[0-9]{1,5}(?::[0-9]{1,5})*::")
_PREFIX_LENGTH = re.compile(r"/[0-9]{1,3}(?![0-9])")
#: Eight groups of two hex digits each: a WWN or an EUI-64, as hardware tools print them.
_BYTE_PAIRS = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){7}")


# "@" (or its URL encoding), then a domain with a letter TLD; the local part
# is found by the checker, looking back from the rare "@".
_DOMAIN = r"(?:[\w\-]+\.)+[A-Za-z]{2,24}(?![\w\-])(?P<email>)"

# A permissive candidate ("2001:db8::1", "::ffff:10.0.0.1", "fe80::1%eth0")
# confirmed by ``ipaddress``; it may not start inside a word or in the tail
# of a longer address ("std::", "key:value" and times never confirm).
IPV6_PATTERN = (
    # (A mail header's literal "[IPv6:2001:db8::25]" names it first.)
    r"[0-9A-Fa-f:](?<![\w.].)(?:(?<=IPv6:.)|(?<![0-9A-Fa-f:]:.))"
    r"(?P<ipv6>[0-9A-Fa-f]{0,3}(?::[0-9A-Fa-f]{0,4}){1,7}"
    r"(?:\.[0-9]{1,3}){0,3}(?:%[0-9A-Za-z]{1,15})?(?![0-9A-Za-z_]))"
)


def may_hold_email(text: str) -> bool:
    # Single characters: ``in`` finds them at memory speed.
    return "@" in text or "%" in text


# Uncompressed IPv6 needs four colon-separated hex groups in a row; times and
# JSON keys do not have them. ``::`` catches every compressed form.
# One regex starting on ":" (a literal ``re`` skips to fast) for both hints.
_IPV6_HINT = re.compile(r"::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")


def may_hold_ipv6(text: str) -> bool:
    # A count of one character rules out most lines with a colon (times,
    # "level:") before the regex call; it is cheaper than a search for "::".
    return (text.count(":") > 3 or "::" in text) and _IPV6_HINT.search(text) is not None


_EMAIL = {"email": Kind("email", "EMAIL", _check_email)}
EMAIL_SCAN = Scan("(?:@|%40)" + _DOMAIN, _EMAIL, trigger=may_hold_email)
IPV6_SCAN = Scan(
    IPV6_PATTERN, {"ipv6": Kind("ip", "IP", _check_ipv6)}, trigger=may_hold_ipv6, flags=re.ASCII
)
