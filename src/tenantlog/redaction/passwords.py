"""Passwords and other secrets known by their name, and passwords in logins.

A password can hold any character, so no shape finds it: its name does
(``password=``, ``"passwd": "…"``, ``--password …``, ``PGPASSWORD=…``,
``IDENTIFIED BY '…'``) or its place (``scheme://user:…@host``, Go's
``user:…@tcp(host)``, Oracle's ``user/…@db``). The value
is replaced whole, up to its delimiter: a quoted value to its closing quote
(embedded spaces, ``;``, ``&`` and escaped quotes included), an unquoted one
to the first space or separator of the syntax around it (``&`` of a query
string, ``;`` of a connection string, ``,`` of a list). ``$ ! * ^ # @ :``
and the like belong to the value. The name is kept, so the log still says
what was there.

The scan starts on the name (a handful of literal words, behind a trigger
that looks for them in the case-folded text); the value is read by the
checker, which costs one pass over the value. Values that are already
masked (``***``, ``[REDACTED]``, ``null``) are left as they are, which also
makes redaction idempotent.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tenantlog.redaction import validators
from tenantlog.redaction.addresses import login_start, may_hold_email
from tenantlog.redaction.credentials import (
    DIRECTIVE_NAME_WORDS,
    EXAMPLE_VALUE,
    PASSWORD_WORDS_ASCII,
    PROVIDER_REFERENCE,
    PUBLIC_VALUE,
    SHOWN_TAIL,
    is_placeholder,
    is_plainly_other,
    is_reference,
    may_name_secret,
)
from tenantlog.redaction.kinds import Kind, Scan, Search

# Suffixes a secret's name may carry: "password_hash", "passwordsalt", "secretKey",
# "PasswordClear", "mot_de_passe_temporaire",
# "SECRET_KEY_BASE", "password2", "new_password_confirmation".
_SUFFIX = (
    r"(?:[_\-.]?(?:access[_\-.]?key|key|token|base|value|hash|digest|salt(?:main)?|pepper|admin|clear"
    r"|temp(?:orary|oraire)?|confirm(?:ation)?|v[0-9]|secret[oa]|client[e]?"
    r"|encrypted|enc|b64|base64|plain(?:text)?|text|str(?:ing)?|sha[0-9]{0,3}|md5|[0-9])"
    # The environment or the generation it is for, after its own separator (glued,
    # "pass" and "word" would read "password" twice): "client_secret_staging",
    # "db_pass_old"; Skrill's "secret_word".
    r"|[_\-.](?:prod(?:uction)?|staging|stage|dev|test|old|new|prev(?:ious)?|next|backup|bak"
    r"|primary|secondary|live|sandbox|word))"
)
# "password", "passwd", "passphrase" and German "Passwort" may end any name ("PGPASSWORD",
# "newPassword", "db.password"); the short "pass", "pwd", "pw" and "psk" only a name of
# their own or its last part ("DB_PASS", "MYSQL_PWD"), since inside a word
# they are something else ("bypass", "compass"). "secret" ends many names
# ("client_secret", "jwt_secret") but not "secretary". Keys whose value is
# key material: "private_key", "signing_key", "encryption_key", "master_key".
_NAME = (
    # (Splunk's cluster key, "pass4SymmKey"; "pass phrase" in two words, Ingenico's
    # "SHA-IN pass phrase".)
    r"(?:pass(?:word|wd|phrase|code|wort|ord(?:et)?|4symmkey|[ \t]phrase)"
    r"|(?:(?<![A-Za-z])|(?<=\\[nrt]))(?:pass|pwd|pw|psk|passe|pswd)"
    r"|(?<=require)pass"
    # The last word of a camelCase name: Tomcat's "keystorePass", "smtpPwd", "dbPw".
    r"|(?<=(?-i:[a-z]{2}))(?-i:P(?:ass|wd|w|SK|swd))"
    # Glued to a short word of whose it is: "admpass=", "rootpass", "initpw=", "newpwd",
    # LDAP's "bindpw".
    r"|(?:(?<=adm)|(?<=admin)|(?<=root)|(?<=user)|(?<=db)|(?<=init)|(?<=new)|(?<=old)|(?<=tmp)"
    r"|(?<=temp)|(?<=my)|(?<=bind)"
    # ... a mail server's, a key store's or a key's: Moodle's "smtppass", keytool's
    # "storepass" and "keypass" written as properties.
    r"|(?<=smtp)|(?<=mail)|(?<=ftp)|(?<=store)|(?<=[^e]key)"
    # ... or a device's: Unreal's "-devicepass="; an authentication's: Huawei's MML
    # "AUTHPWD=", "authpass".
    r"|(?<=device)|(?<=auth))(?:pass|pwd|pw)"
    # French's "mot de passe" written as one word: "motdepasse=", "motDePasse".
    r"|(?<=motde)passe|(?<=mot_de_)passe|(?<=mot-de-)passe"
    r"|secret(?:o|a(?![A-Za-z]))?|credentials?"
    # Other languages' words (``credentials.PASSWORD_WORDS_ASCII`` and those
    # written with other letters), with Scandinavian's "-et" ("the password").
    # German's compounds end in "Kennwort": "Initialkennwort", "Benutzerkennwort".
    r"|[Kk]ennwort"
    r"|(?<![A-Za-z])(?:senha|wachtwoord|sifre|parola|mdp|salasana|heslo|lozinka|kodeord(?:et)?"
    r"|geslo|adgangskoden?|contrasena|clave|(?<=kata[ \t_\-])sandi|sifre(?:m|n|niz|miz|si))"
    r"|contrase(?:\u00f1|\u00d1)a|l(?:\u00f6|\u00d6)senord(?:et)?|has(?:\u0142|\u0141)o"
    r"|(?:\u041f|\u043f)\u0430\u0440\u043e\u043b\u044c"
    r"|\u30d1\u30b9\u30ef\u30fc\u30c9|\u5bc6\u7801|\u5bc6\u78bc|\ube44\ubc00\ubc88\ud638"
    # Arabic, Persian, Hebrew, Hindi, Thai, Greek, Turkish, Vietnamese, Hungarian
    # (``credentials.SECRET_NAME_WORDS``).
    r"|\u0643\u0644\u0645\u0629[ _]\u0627\u0644(?:\u0645\u0631\u0648\u0631|\u0633\u0631)"
    r"|\u0631\u0645\u0632 \u0639\u0628\u0648\u0631|\u05e1\u05d9\u05e1\u05de(?:\u05d4|\u05d0)"
    r"|\u092a\u093e\u0938\u0935\u0930\u094d\u0921|\u0e23\u0e2b\u0e31\u0e2a\u0e1c\u0e48\u0e32\u0e19"
    r"|(?:\u039a|\u03ba)\u03c9\u03b4\u03b9\u03ba(?:\u03cc\u03c2|\u03cc|\u03bf\u03cd)?"
    r"|(?:\u015e|\u015f)ifre(?:m|n|niz|miz|sini|si|ni|yi)?|m(?:\u1ead|\u1eac)t kh(?:\u1ea9|\u1ea8)u"
    r"|jelsz(?:\u00f3|\u00d3|av(?:a|at)?)"
    # Keys and secrets in other languages (``credentials._OTHER_LANGUAGE_NAMES`` and
    # ``PASSWORD_WORDS_ASCII``): Portuguese "chave de API", "chave secreta", "chave de
    # acesso", "segredo"; German "API-Schlüssel", "geheimer Schlüssel",
    # "Zugriffsschlüssel", "Signaturschlüssel"; French "clé secrète"; Japanese
    # "シークレット(アクセス)キー", "APIキー", "アクセストークン".
    r"|(?<![A-Za-z])chave[ \t_](?:de[ \t_])?(?:api|acesso|secreta)|(?<![A-Za-z])segredo"
    r"|(?:(?<=api-)|(?<=zugriffs)|(?<=geheimer[ \t])|(?<=gemeinsamer[ \t])"
    r"|(?<=signatur)|(?<=signier))"
    r"schl(?:\u00fc|\u00dc|ue)ssel"
    r"|(?<=cl\u00e9[ \t])secr\u00e8te|(?<=cle[ \t])secrete"
    r"|\u30b7\u30fc\u30af\u30ec\u30c3\u30c8(?:\u30a2\u30af\u30bb\u30b9)?\u30ad\u30fc"
    r"|(?<=API)\u30ad\u30fc|\u30a2\u30af\u30bb\u30b9\u30c8\u30fc\u30af\u30f3"
    r"|\u30b7\u30fc\u30af\u30ec\u30c3\u30c8(?=[ \t]*[:\uff1a=])"
    r"|\u30d1\u30b9\u30d5\u30ec\u30fc\u30ba"
    r"|[\u5bc6\u79d8](?:\u94a5|\u9470)"
    # Italian "chiave segreta", Russian "секретный ключ", Polish "klucz szyfrujący" and
    # "klucz tajny".
    r"|(?<![A-Za-z])chiave[ \t]segreta"
    r"|[\u0421\u0441]\u0435\u043a\u0440\u0435\u0442\u043d\u044b\u0439[ \t]\u043a\u043b\u044e\u0447"
    r"|(?<![A-Za-z])klucz[ \t](?:szyfruj(?:\u0105|a)cy|tajny)"
    # Japanese "暗号化キー" (an encryption key); Icelandic "lykilorð" (a password);
    # Norwegian's and Danish' "delt nøkkel", "delt nøgle" (a shared key).
    r"|\u6697\u53f7\u5316\u30ad\u30fc|lykilor(?:\u00f0|\u00d0|d)"
    r"|(?<=delt[ \t])n(?:\u00f8|o)(?:kkel|gle)"
    r"|(?:(?<=private)|(?<=signing)|(?<=encryption)|(?<=master)|(?<=shared)"
    r"|(?<=private[_\-.])|(?<=signing[_\-.])|(?<=encryption[_\-.])|(?<=master[_\-.])"
    r"|(?<=shared[_\-.])|(?<=shared[ \t])|(?<=_sec_))key"
    # Redis's replica password; SSSD's LDAP bind password ("ldap_default_authtok");
    # a wallet's seed words.
    r"|masterauth|authtok|mnemonic"
    # SNMP's community as a pair's name: snmptrapd's "community=…", "snmp_community: …".
    # net-snmp's "rocommunity=", "rwcommunity=" (read-only, read-write).
    r"|(?:(?<![A-Za-z])|(?<![A-Za-z]ro)(?<=ro)|(?<![A-Za-z]rw)(?<=rw))community"
    # A printer's settings page: "Get Community Name: …".
    r"(?:[ \t]name|[ \t]string)?(?=[\"']?[ \t]*[:=]))" + _SUFFIX + r"{0,2}(?![A-Za-z0-9])"
)
# MySQL's and Oracle's "CREATE USER … IDENTIFIED BY 'value'" (MySQL's "IDENTIFIED
# WITH mysql_native_password BY 'value'").
_IDENTIFIED_BY = (
    r"identified[ \t]+(?:with[ \t]+\w+[ \t]+)?by[ \t]+"
    # MySQL's "SET PASSWORD FOR 'u'@'host' = 'value'".
    r"|(?<=set[ \t])password[ \t]+for[ \t]+[^\s=]{1,128}[ \t]*=[ \t]*(?=[\"'])"
    # Oracle's old password after the new one: "IDENTIFIED BY "new" REPLACE "old"".
    r"|(?<=[\"'][ \t])replace[ \t]+(?=[\"'])"
)

# Where an unquoted value ends: white space (or a line break escaped as
# "\n", as a JSON log writes a YAML dump), quotes and closing brackets
# around the pair, and the separators of query strings, connection strings
# and lists ("&", ";", ","), but only where the next pair's name follows or
# the text pauses or closes: "p=Tr0ub4dor&3" is one password, "p=x&user=bob"
# and "[p=x;]" are not. A closing bracket ends the value only where the
# structure it closes ends too: "{p=x}", "(p=x)," but "p=abc}def" is one value.
_UNQUOTED_END = re.compile(
    r"[\s\"'<>|`\uff0c\u3001\u3002\u300c\u300d]|\\[nrt0]|[)\]}](?=[\s\"'<>)\]},;&|.:`]|\Z)"
    # A bracket before a note in another script, as Japanese forms write a change's
    # date after the password (the full-width bracket is read as "(").
    r"|\((?=[0-9]{0,4}[^\x00-\x7f])"
    # OpenVMS' next qualifier: "UAF> MODIFY OPS/PASSWORD=x/NOPWDEXPIRED" (after a value
    # that is a qualifier's: ``_QUALIFIER_BEFORE``).
    r"|(?<![=:])/(?=[A-Z]{4,}+(?:[\s/,)]|\Z|=[^\s=]))"
    # A colon before a blank: a message goes on ("password=x: not authorised").
    r"|:(?=[ \t]|\Z)"
    # (The next name may be a form's field in brackets, encoded or not: "&user[remember]=",
    # "&user%5Bremember%5D=".)
    # (OData's system options start with "$": "&$format=json"; XML escapes the "&"
    # between a URL's pairs: "password=x&amp;ssl=true".)
    r"|(?:&amp;|[&;,])(?:[\s\"'<>)\]}]|\Z|[ \t]*\$?[A-Za-z_][\w.\-]{0,63}"
    r"(?:\[[\w.\-]{0,63}\]|%5[Bb][\w.\-]{0,63}%5[Dd])?[ \t]*[=:])"
    # A connection string's next key may hold spaces: ";Connect Timeout=30".
    r"|;(?=[A-Za-z][\w.\- ]{0,63}=)"
    # Unreal Engine's URL options, each after a "?": "?Password=x?MaxPlayers=70".
    r"|(?<=[^\s=:])\?(?=[A-Za-z_][\w.\-]{0,63}=)"
    # A sentence's full stop: "contraseña: Sync#Rest2024. Llamar al …".
    r"|\.(?=[ \t]+[A-Z\u00bf\u00a1])"
)
# Values that hide nothing: already masked or empty of meaning.
# References name where the value lives: "${DB_PASSWORD}", Kubernetes'
# "$(DB_PASSWORD)", an upper-case shell variable "$DB_PASS", templates
# ("{{ vault_smtp_password }}", GitHub's "${{ secrets.X }}"), Vault and AWS
# Secrets Manager paths; masks a framework wrote ("[FILTERED]", "(sensitive value)").
# A format string's replacement field: "{password}", "{0}", "{password!r}", "{pw:>8}".
_FORMAT_FIELD = r"\{(?:[A-Za-z_][\w.]*|[0-9]*)(?:![rsa])?(?::[^{}]*)?\}"
_MASKED = re.compile(
    # (Argo CD's diff writes a Secret's values as "+" signs: "password: ++++++++".)
    r"(?:\**|\+{6,}|[xX*#•·●.\-]{3,}"
    # A mask with its word: Spark's "*********(redacted)".
    r"(?:[ \t]*\((?:redacted|hidden|masked|sensitive|filtered)\)?)?"
    r"|null|none|nil|true|false|undefined|n/a|hidden|redacted|filtered"
    # A word between stars: Source engine's "***PROTECTED***".
    r"|\*{2,}[a-z _]{1,24}\*{2,}"
    # Ansible's mask of a no_log parameter; CloudTrail's of a request's password.
    r"|value_specified_in_no_log_parameter|hidden_due_to_security_reasons"
    # Jasypt's encrypted value, decrypted where it is used: "ENC(…)".
    r"|ENC\([^)\s]*\)?"
    # Whether a key is set, as Windows' netsh says: "Security key : Present"; whether
    # a stream is encrypted, as SRT's listener says: "passphrase=enabled".
    r"|present|absent|enabled|disabled|set|unset|configured"
    # Vault's audit log's HMAC of the value it logs: "hmac-sha256:4e63…".
    r"|hmac-(?:sha|md5)[0-9]*:[0-9a-f]+"
    + "|"
    + PUBLIC_VALUE
    + "|"
    + SHOWN_TAIL
    # An instruction in angle brackets: "<generate with: openssl rand -base64 32>".
    + r"|<[a-z_\- ]*>|<[a-z]+(?:[ \t]+[^<>\s]+){2,12}>"
    # (And Octopus Deploy's and Azure Pipelines' tokens to replace: "#{SMTP_PASSWORD}#".)
    r"|\$\{[^}]*\}|%\([a-z_]+\)s|\$\([A-Za-z_][A-Za-z0-9_]*\)|#\{[\w.\-]{1,64}\}?#?"
    # Placeholders of printf, SQL's bind parameters, format strings: "%s", "$1", "{password}".
    r"|(?-i:%[sdvqr])|\$[0-9]{1,2}|\?|"
    + _FORMAT_FIELD
    + r"|(?-i:\$[A-Z_][A-Z0-9_]*)|\$?\{\{.*\}\}|\[[A-Za-z _\-]{1,24}\]|\(sensitive(?: value)?\)"
    r"|vault:\S+|arn:aws:secretsmanager:\S+"
    # Rust's secrecy crate prints its secrets so: "Secret([REDACTED alloc::string::String])".
    r"|Secret\(\[REDACTED.*"
    # ASP.NET's "registry:HKLM\SOFTWARE\…,password": the value's place in the registry.
    r"|registry:HK\S+"
    # Secret managers' references ("op://vault/item/field"), and what example files
    # write instead of a value ("CHANGE_ME", "YOUR_API_KEY_HERE", "<replace-me>").
    r"|(?:op|vault|ssm|awssm|gcpsm|azkv|keyvault|doppler)://\S+"
    + "|"
    + EXAMPLE_VALUE
    # An elided hash ("$6$<elided>"), a value sops encrypted ("ENC[AES256_GCM,data:…]").
    + r"|\S*<(?:elided|redacted|hidden|removed|masked|omitted)>\S*|ENC\[\S*"
    # YAML tags whose value comes from elsewhere: Ansible's "!vault |", "!secret name".
    r"|!(?:vault|secret|env|ref|sub|getatt|importvalue|include)(?:[ \t]+[\w.\-]+)?"
    # Node-RED's placeholder of a credential it does not export: "__PWRD__".
    r"|__PWRD__"
    # A Windows variable or a TeamCity parameter: "%DB_PASS%", "%env.SIGNING_PASSWORD%";
    # a help text's metavariable ("-p, --password TEXT"); OpenSSL's "-pass stdin".
    r"|%[A-Za-z_][\w.]*%|(?-i:TEXT|STRING|VALUE)|stdin)\Z",
    re.IGNORECASE,
)
_QUOTES = "\"'`"
#: A value in brackets of its own, then the next pair or the end: "password=[x],".
_BRACKETED_ONE = re.compile(r"\[(?P<value>[^\[\]\"'\s,]{1,128})\](?=[,;}&\s]|\Z)")
#: A call that hashes, encodes or decodes a literal: the literal is the password.
_HASHED_LITERAL = re.compile(
    r"(?:[A-Za-z_]\w*(?:\.|::|->))*(?:\w*hash\w*|make|make_password|bcrypt|crypt|encrypt\w*"
    r"|encode|b64encode|btoa|md5|sha\d*"
    # ... or the secret written in another form and decoded: "bytes.fromhex('…')".
    r"|fromhex|unhexlify|b64decode|atob)\([ \t]*(?:b(?=[\"']))?(?=[\"'])",
    re.IGNORECASE,
)
#: ODBC's braced value, which may hold ";": "PWD={Rep0rt;ing};" (no JSON object).
_FORMAT_FIELD_AT = re.compile(_FORMAT_FIELD + r"(?![^\s\"',;)])")
_BRACED = re.compile(r"\{(?P<value>(?:[^{}\"':\n]|\}\})+)\}(?=[;\s\"']|\Z)")
#: An expression that reads the value in code: a name (dotted), then "()" or a
#: quoted argument or subscript ("getpass()", "os.environ['password']");
#: "Dwh(Load)2024" is a password.
_CODE_ACCESS = re.compile(
    r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\)|[\[(][\"'])"
    # A constructor: C#'s "Credentials = new NetworkCredential(…)" (its call is read by itself).
    r"|new[ \t]+[A-Za-z_]"
    # A PowerShell cmdlet: "$pfxPass = ConvertTo-SecureString -String '…'" (its argument
    # is read by itself).
    r"|(?:Get|Read|ConvertTo|ConvertFrom|New|Import|Invoke|Unprotect)-[A-Z][A-Za-z]+(?![\w\-])"
    # A call of a function in small letters on variables or a statement's
    # placeholders (or calls on them), closed: "hash_password(pw)", SQL's
    # "crypt($2, password_hash)", "crypt($1, gen_salt($2))".
    r"|[a-z_]\w*(?:\.[A-Za-z_]\w*)*\([ \t]*"
    r"(?:(?:[a-z_][\w.]*(?:\([^()\"'\n]{0,40}\))?|\$\d+|\?|%s|:[a-z_]\w*)[ \t]*"
    r"(?:,[ \t]*|(?=\)))){1,8}\)"
    r"(?=[\s;,)\]}]|\Z)"
)
# A JDBC URL's properties after its port: ";database=crm".
_PROPERTY = re.compile(r";[ \t]*[A-Za-z][\w.]*=")
# A variable in code, closed by a bracket or a comma right after its name.
_CODE_VARIABLE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*(?=[),}\]])")


def is_masked(value: str) -> bool:
    """Whether a value hides nothing: masked already, or empty of meaning."""
    return (
        value.startswith("[REDACTED") or _MASKED.match(value) is not None or is_placeholder(value)
    )


#: The scheme before a value a server encrypted or encoded.
_CIPHER_PREFIX = re.compile(
    r"\{(?:AES(?:256)?|3DES|DES|xor|XOR|SSHA(?:256|512)?|SHA(?:256|512)?|SMD5|MD5|CRYPT|PBKDF2[\w\-]*)\}"
    r"[A-Za-z0-9+/=$.]"
)
# After a quoted word: a ":" that makes it a key.
_KEY_AFTER = re.compile(r"[ \t]*:")
_BLANK = " \t"


#: After a doubled single quote, what says the string closed there ('', then a list).
_QUOTE_PAIR_END = frozenset(" \t,;)]}\n")


def _quoted_end(text: str, value_start: int, quote: str, escaped: bool) -> int:
    """Where a quoted value ends: before its closing quote, or at the end of the line.

    A quote preceded by an odd number of backslashes is escaped and belongs
    to the value. In JSON inside a JSON string (``escaped``) the closing
    quote is written ``\\"`` and an escaped one ``\\\\\\"``: one backslash
    more than a multiple of four. A value whose closing quote is missing (a
    cut line) is taken to the end of its line: leaking the rest would be worse.
    """
    position = value_start
    while True:
        close = text.find(quote, position)
        if close == -1:
            line_end = text.find("\n", value_start)
            return len(text) if line_end == -1 else line_end
        backslashes = 0
        while close - backslashes - 1 >= value_start and text[close - backslashes - 1] == "\\":
            backslashes += 1
        if not escaped and backslashes % 2 == 0:
            doubled = quote == "'" and text.startswith("''", close) and close + 2 < len(text)
            if doubled and text[close + 2] not in _QUOTE_PAIR_END:
                position = close + 2  # SQL's doubled quote: 'it''s'
                continue
            return close
        if escaped and backslashes % 4 == 1:
            return close - 1
        position = close + 1


def _after_equals(text: str, position: int) -> bool:
    """Whether an "=" comes before ``position``, past blanks."""
    position -= 1
    while position >= 0 and text[position] in _BLANK:
        position -= 1
    return position >= 0 and text[position] == "="


def value_span(text: str, value_start: int) -> tuple[int, int] | None:
    """The value starting at ``value_start`` (after its opening quote if any)."""
    if value_start >= len(text):
        return None
    first = text[value_start]
    if first in "NE" and text[value_start + 1 : value_start + 2] == "'":
        value_start += 1  # SQL Server's N'…' and PostgreSQL's E'…' strings
        first = "'"
    elif first in "bru" and text[value_start + 1 : value_start + 2] in ('"', "'"):
        value_start += 1  # Python's bytes, raw and unicode strings: b'…'
        first = text[value_start]
    elif first == "S" and text.startswith(('Some("', "Some('"), value_start):
        value_start += 5  # Rust's Option, as Debug prints it: 'password: Some("…")'
        first = text[value_start]
    elif first == "&":
        anchor = _YAML_ANCHOR.match(text, value_start)
        if anchor is not None:  # YAML's anchor, then the value: "password: &dbpass Anch0r&Pass"
            value_start = anchor.end()
            first = text[value_start]
    if first in _QUOTATION_MARKS and _quotation_close(text, value_start) != -1:
        # "« Tr0ub4dor&3 »", "„Geh3im!x“": what the marks hold, blanks inside left out.
        return _in_quotation_marks(text, value_start)
    if first == "\\" and text[value_start + 1 : value_start + 2] in ('"', "'"):
        # JSON inside a text: \"password\":\"value\".
        inner = value_start + 2
        end = _quoted_end(text, inner, text[value_start + 1], escaped=True)
        value_start = inner
        if _KEY_AFTER.match(text, end + 2):
            return None  # 'secret: \"password\": ...': the quoted word is a key
    elif first in "\"'" and text.startswith(first * 3, value_start):
        # Python's triple-quoted string: 'signing_secret = """…"""'.
        value_start += 3
        end = text.find(first * 3, value_start)
        if end == -1:
            return None
    elif first in _QUOTES:
        value_start += 1
        end = _quoted_end(text, value_start, first, escaped=False)
        if _KEY_AFTER.match(text, end + 1) and not _after_equals(text, value_start - 1):
            # 'secret: "password": "x"': the quoted word is a key (not after "=":
            # 'keystorePass="x": keystore password was incorrect').
            return None
    else:
        inside = value_start + 1
        if first == "[" and text[inside : inside + 1] == " ":
            inside += 1  # Keycloak's export: '"bindCredential" : [ "x" ]'
        if first == "[" and text[inside : inside + 1] in ('"', "'"):
            # A list of one value: Django's QueryDict "'password': ['x']".
            listed = value_span(text, inside)
            if listed is None or text[listed[1] + 1 : listed[1] + 3].lstrip(" ")[:1] != "]":
                return None
            return listed
        if first == "[":
            # Spring's request parameters: "{username=[bob], password=[x]}".
            bracketed = _BRACKETED_ONE.match(text, value_start)
            if bracketed is None or is_masked(bracketed.group()):
                return None  # also a placeholder: "[REDACTED:SECRET]"
            return bracketed.span("value")
        if first == "{" and _CIPHER_PREFIX.match(text, value_start):
            # A value a server encrypted or encoded, with its scheme: WebLogic's
            # "{AES256}…", WebSphere's "{xor}…", LDAP's "{SSHA}…": all of it.
            found = _UNQUOTED_END.search(text, value_start)
            end = len(text) if found is None else found.start()
            return value_start, end
        if first == "{":
            if _FORMAT_FIELD_AT.match(text, value_start):
                return None  # a format string's field: f"password={password!r}"
            braced = _BRACED.match(text, value_start)  # ODBC's "PWD={pa;ss}"
            return None if braced is None else braced.span("value")
        if first in "[(<":  # a structure, not a value (and never a placeholder)
            return None
        hashed = _HASHED_LITERAL.match(text, value_start)
        if hashed is not None:  # "Hash::make('x')", "make_password(\"x\")": the literal
            return value_span(text, hashed.end())
        if _CODE_ACCESS.match(text, value_start):
            return None  # code that reads the value: "os.environ['password']", "getpass()"
        search_from = value_start
        if text.startswith(("${", "$(", "$${", "%{"), value_start):
            # (FreeSWITCH's "$${name}" is a reference read when its configuration loads;
            # Shibboleth's "%{idp.authn.LDAP.bindDNCredential:undefined}" another property.)
            bracket = text[value_start + 1 : value_start + 3].lstrip("$")[:1]
            close = text.find("}" if bracket == "{" else ")", value_start)
            if close != -1:
                if close + 1 == len(text) or _UNQUOTED_END.match(text, close + 1):
                    return None  # a reference to the value: "${DB_PASSWORD}", "$(DB_PASSWORD)"
                search_from = close + 1  # "${PREFIX}s3cret": the value runs on past it
            elif _UNQUOTED_END.search(text, value_start) is None:
                # A reference the text's end cuts (a log cut at its cap): "password=${secr".
                return None
        elif _CODE_VARIABLE.match(text, value_start):
            return None  # GraphQL's "login(email:$e,password:$p)"
        if _INNER_PAIR.match(text, value_start):
            # "secret: password=x": the inner pair is found by itself. Tested
            # before the end is looked for: "password=" repeated would
            # otherwise read the rest of the text from each of its names.
            return None
        quoted_pair_end = _quoted_pair_end(text, value_start)
        if quoted_pair_end is not None:
            end = quoted_pair_end
        else:
            found = _UNQUOTED_END.search(text, search_from)
            while (
                found is not None
                and text[found.start()] == "/"
                and not _QUALIFIER_BEFORE.search(text, max(0, value_start - 24), value_start)
            ):
                # OpenVMS' next qualifier ends only a qualifier's value: "password=0/AAAA" is one.
                found = _UNQUOTED_END.search(text, found.start() + 1)
            end = len(text) if found is None else found.start()
    value = text[value_start:end]
    if not value or is_masked(value):
        return None
    if first in _QUOTES and _INNER_PAIR.match(value):
        return None  # 'secret: "password=x"': the inner pair is found by itself
    return value_start, end


#: A YAML anchor's name before a value.
_YAML_ANCHOR = re.compile(r"&[A-Za-z_][\w\-]{0,31}[ \t]+(?=[^\s#])")
#: A YAML list's item starts its line: "  - ".
_LIST_ITEM_BEFORE = re.compile(r"(?:^|\n)[ \t]*-[ \t]\Z")


def _quoted_pair_end(text: str, value_start: int) -> int | None:
    """Where the value ends when quotes hold the whole pair, as a shell's trace
    writes a word with blanks: "+ export 'ADMIN_PASS=Pk9 meter 2024'" (and systemd's
    'Environment="SCADA_PASS=Scada 2024!"'); or a list item's line holds it, as
    Compose's environment does: "  - POSTGRES_PASSWORD=pg compose 2024"."""
    if text[value_start - 1 : value_start] != "=":
        return None
    name_start = value_start - 1
    while name_start > 0 and text[name_start - 1] in _NAME_CHARACTERS:
        name_start -= 1
    quote = text[name_start - 1 : name_start]
    if (
        quote == " "
        and name_start < value_start - 1
        and _LIST_ITEM_BEFORE.search(text, max(0, name_start - 64), name_start)
    ):
        line_end = text.find("\n", value_start)
        line_end = len(text) if line_end == -1 else line_end
        if "=" in text[value_start:line_end] or " #" in text[value_start:line_end]:
            return None  # more pairs, or a comment after it: the value ends as any does
        return value_start + len(text[value_start:line_end].rstrip())
    if (
        name_start == value_start - 1
        or quote not in ("'", '"')
        or (
            name_start > 1
            and text[name_start - 2] not in " \t"
            and not text.endswith("Environment=", 0, name_start - 1)
        )
    ):
        return None
    line_end = text.find("\n", value_start)
    close = text.find(quote, value_start, len(text) if line_end == -1 else line_end)
    if close == -1 or text[close + 1 : close + 2] not in ("", " ", "\t", "\r", "\n", ";"):
        return None
    if _NEXT_QUOTED_PAIR.search(text, value_start, close):
        return None  # pairs quoted together: ansible's -e "become_password=x target=web"
    return close


_NEXT_QUOTED_PAIR = re.compile(r"\s[A-Za-z_][\w.\-]*=")


#: Google's app passwords, four groups of four small letters as its page shows them
#: ("abcd efgh ijkl mnop"), the rest of a line of a configuration file.
_APP_PASSWORD = re.compile(r"[a-z]{4}(?: [a-z]{4}){3}(?=[ \t]*(?:\r?\n|\Z))")


def _app_password(text: str, start: int, value_start: int) -> tuple[int, int] | None:
    """An app password after a name that starts its line: msmtprc's
    "password abcd efgh ijkl mnop", YAML's "password: abcd …". Only there: in a
    sentence four short words are words ("password: does work with that")."""
    key_start = _key_start(text, start)
    line_start = _line_start(text, key_start)
    if text[line_start:key_start].strip(" \t"):
        return None
    found = _APP_PASSWORD.match(text, value_start)
    return None if found is None else found.span()


_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


#: How far back a key holding a secret's name may begin.
_KEY_LENGTH = 64


def _key_start(text: str, start: int) -> int:
    """Where the key holding the name at ``start`` begins ("DB_PASSWORD", "db.password")."""
    first = start
    while first > 0 and start - first < _KEY_LENGTH and text[first - 1] in _NAME_CHARACTERS:
        first -= 1
    return first


def _is_flag(text: str, start: int) -> bool:
    """Whether the name is a command-line flag: "--password", "--db-password", "-password",
    or a game server's console variable set on its command line ("+sv_password x")."""
    first = _key_start(text, start)
    return text[first] == "-" or text[first - 1 : first] == "+"


def _next_word(text: str, position: int) -> str:
    word_end = position
    while word_end < len(text) and text[word_end].isalpha():
        word_end += 1
    return text[position:word_end]


def _skip_blank(text: str, position: int) -> int:
    while position < len(text) and text[position] in _BLANK:
        position += 1
    return position


#: An XML attribute "value" after a quoted secret's name: '<property name="password"
#: value="…"/>', '<add key="DbPassword" value="…"/>'.
_VALUE_ATTRIBUTE = re.compile(r"[ \t]+value[ \t]*=[ \t]*(?=[\"'])", re.IGNORECASE)
#: A name and its value in two fields: JSON's '"key": "smtp.password", "value": "…"',
#: Kubernetes' "- name: DB_PASSWORD\n  value: …" (a real or an escaped line break), and
#: JSON printed with its fields on lines of their own ("kubectl get pod -o json").
_VALUE_FIELD = re.compile(
    # (JSON inside a text escapes its quotes: '\"password\",\"value\":\"…'.)
    r"\\?[\"']?(?:[ \t]*,[ \t]*(?:(?:\\n|\r?\n)[ \t]*)?\\?[\"']|[ \t]*(?:\\n|\n)[ \t]*"
    # An object holding it: Azure's '"adminPassword": {"value": "…"}', Spring
    # Actuator's '"spring.datasource.password": {"value": "…", "origin": …}'.
    r"|[ \t]*:[ \t]*\{[ \t]*[\"']"
    # Hadoop's and Hive's "<name>…password</name><value>…</value>".
    r"|</name>[ \t]*(?:\\n|\r?\n)?[ \t]*<(?=value>)"
    # CloudFormation's '"ParameterKey": "DbPassword", "ParameterValue": "…"', and
    # the CLI's shorthand "ParameterKey=DbPassword,ParameterValue=…".
    r"|[\"'][ \t]*,[ \t]*[\"']parameter|,parameter"
    # Named arguments, the value's unquoted: Flutter's "write(key: 'db_pass', value: '…')";
    # logfmt's "name=DB_PASSWORD value=…".
    r"|[\"'][ \t]*,[ \t]*(?=value[ \t]*[:=])|[ \t]+(?=value=)"
    # ... after other fields of its own: Terraform's output, '{"sensitive":true,
    # "type":"string","value":"…"}'.
    r"|[ \t]*:[ \t]*\{(?:[ \t]*[\"'][\w\-]{1,24}[\"'][ \t]*:[ \t]*"
    r"(?:[\"'][^\"'{}]{0,64}[\"']|\w{1,16})[ \t]*,){1,4}"
    r"[ \t]*[\"'])value(?:\\?[\"']?[ \t]*[:=]|(?<=<value)>)[ \t]*",
    re.IGNORECASE,
)
#: Words that follow a flag's name in prose, not its value: Docker's "Using
#: --password via the CLI is insecure".
_PROSE_AFTER_FLAG = frozenset(
    {"via", "is", "was", "on", "in", "the", "flag", "option", "and", "or", "for", "with"}
    | {"instead", "from", "to", "argument", "parameter", "not", "must", "should", "of"}
    # "not" in other languages: "параметр --password не задан".
    | {"nicht", "pas", "non", "niet", "nie", "no", "\u043d\u0435"}
)
#: In prose, what may come between a password's name and its value: "my password
#: is …", "set the password to …".
# A word between the name and its value: a verb, or an adjective that follows the
# noun in Romance languages ("password temporanea …", "mot de passe provisoire …").
_FILLER_WORDS = (
    r"(?:is|was|to|set[ \t]+to|of|now|tempor(?:anea|aire|al|[a\u00e1]ria)|provvisoria"
    r"|provisoire|provisional|provis[o\u00f3]ria|iniziale|initiale?|inicial)"
)
_PROSE_FILLER = re.compile(rf"(?:{_FILLER_WORDS}[ \t]+)?", re.IGNORECASE)
# Up to five words before the verb: "the password i set was …", "wifi password
# for the 3rd floor is …", "Password for user 'bi' is …", "old pw was …".
_PROSE_VERBS = (
    # (A verb and its "now" first: "ist jetzt …" is not "ist" and the word "jetzt".)
    r"(?:is[ \t]+now|(?:ist|lautet)[ \t]+(?:jetzt|nun|ab[ \t]+(?:heute|sofort))"
    # Norwegian's and Danish's "set to", "changed to" ("er nå satt til …", "er ændret til …").
    r"|(?:er[ \t]+(?:n\u00e5[ \t]+|nu[ \t]+)?)?(?:satt|sat|endret|\u00e6ndret)[ \t]+til"
    # Norwegian's and Danish's "is now" ("passord … er nå …"); French's "changed to"
    # ("… a été changé en « … »", "modifié en", "remplacé par").
    r"|er[ \t]+(?:n\u00e5|nu)|(?:chang|modifi|remplac)\u00e9e?s?[ \t]+(?:en|par)"
    r"|est[ \t]+(?:d\u00e9sormais|maintenant|dor\u00e9navant)"
    r"|is[ \t]+nu"
    r"|is[ \t]+still|is|was|set[ \t]+to|changed[ \t]+to|to|are"
    # Italian's "set to", "changed to" ("impostata a …", "cambiata in …").
    r"|(?:(?:re)?impostat|cambiat|modificat)[oa][ \t]+(?:a|in)"
    # Russian's "changed to" ("сменён на …", "изменен на …").
    r"|(?:\u0441|\u0438\u0437)\u043c\u0435\u043d[\u0435\u0451]\u043d[ \t]+\u043d\u0430"
    # Portuguese's and Spanish's "to" ("foi alterada para …", "cambiada a …"), Dutch's
    # ("gereset naar …"); French's "en" after the name, the verb before it ("j'ai changé
    # mon mot de passe en …").
    r"|(?:cambiad|modificad|actualizad|establecid|alterad|mudad|trocad|definid)[oa][ \t]+a"
    r"|para|naar|en"
    # Dutch's "is set to" ("wachtwoord staat nu op …"); Vietnamese's "changed to" ("đổi thành").
    r"|staat[ \t]+(?:nu[ \t]+)?op|\u0111\u1ed5i[ \t]+th\u00e0nh"
    # German's "to" before the verb at the clause's end: "hat das Kennwort auf … zurückgesetzt".
    r"|auf"
    # Czech "changed to" ("bylo změněno na …"), Arabic "to" ("… إلى …").
    r"|zm\u011bn\u011bno[ \t]+na|\u0625\u0644\u0649"
    # Polish "changed to" ("hasło … zmienione na …"); Hinglish "is" ("password hai …").
    r"|zmienion[aeoy][ \t]+na|hai"
    # Spanish, Portuguese, Italian, French, German: "la contraseña es …";
    # Swedish, Danish and Norwegian, Indonesian (not Finnish "on": "agreed on").
    r"|es|era|\u00e9|\u00e8|est|ist|lautet|war|\u00e4r|er|adalah"
    # Hungarian's "from now on": "a jelszava mostantól …".
    r"|mostant(?:\u00f3|o)l"
    # French's "was": "mon mot de passe était …".
    r"|\u00e9tait|etait"
    # Czech, Croatian and Serbian, Polish, Greek, Hebrew, Arabic, Vietnamese; and
    # Indonesian's "saya" ("kata sandi saya …": "my password …").
    r"|je|jest|\u03b5\u03af\u03bd\u03b1\u03b9|\u05d4\u05d9\u05d0|\u05d4\u05d5\u05d0"
    r"|\u0647\u064a|\u0647\u0648|l\u00e0|saya"
    # French's "c'est" ("le mot de passe de la box c'est …"); Russian's "от" and what
    # the password is for, as the verb is left out: "пароль от роутера …".
    r"|c['\u2019](?:est|\u00e9tait|etait)|\u043e\u0442[ \t]+[^\s=:]{1,24})"
)
# A word of the gap, or a remark in brackets: "the password for the admin (user:
# admin) is …", "das Passwort (Benutzer: lager) lautet …".
_GAP_WORD = r"(?:[^\s=:]{1,32}+|\([^()\n]{1,48}\))"
_PROSE_GAP = re.compile(
    r"(?:" + _GAP_WORD + r"[ \t]+){0,10}?" + _PROSE_VERBS + r"[ \t]+", re.IGNORECASE
)
# Or words, then a colon: "Mot de passe provisoire : …", "пароль от админки: …",
# MySQL's "temporary password is generated for root@localhost: …", Jenkins'
# "password to proceed to installation: …" (tried apart from the verbs: "is"
# and "to" come first there).
# The value may stand on the next line: Elasticsearch's "Password for the elastic
# user (reset with `bin/elasticsearch-reset-password -u elastic`):\n  …", or after a
# blank line (Jenkins' first start).
_COLON_GAP_WORDS = 12
#: A colon's gap that ends naming a file or a log: what follows is its name.
_NAMES_A_FILE = re.compile(
    r"[.!?][ \t]+(?:[A-Za-z]+[ \t]+)?(?:file|log)[ \t]*:[ \t]*\Z", re.IGNORECASE
)
_URL_START = re.compile(r"[A-Za-z][\w+.\-]{1,15}://")
#: A setting's name in letters, "=" and a plain value: "minLength=14,".
_SETTING = re.compile(r"[a-z][A-Za-z_.]{2,40}=[0-9A-Za-z_.\-]{1,40},?\Z")
#: nginx's directives that pass a request upstream: "proxy_pass", "fastcgi_pass".
_UPSTREAM_DIRECTIVES = ("proxy_", "fastcgi_", "uwsgi_", "scgi_", "grpc_", "memcached_")
#: Symbols of passwords that no name follows.
_SYMBOLS_IN_VALUES = frozenset("#!@$%^&*+~")
#: An OpenVMS qualifier's name before its value: "/PASSWORD=".
_QUALIFIER_BEFORE = re.compile(r"/[A-Za-z]{2,20}=\Z")
#: How far Oracle's REPLACE may follow the IDENTIFIED BY of its statement.
_REPLACE_WINDOW = 300
#: A configuration provider's reference, a path and a key (Kafka Connect's).
_PROVIDER_REFERENCE = re.compile(PROVIDER_REFERENCE)
_PROVIDER_WINDOW = 128
#: Airflow's "AIRFLOW__{SECTION}__{KEY}_SECRET": the key's path in the secrets backend.
_AIRFLOW_INDIRECT = re.compile(r"(?<![\w\-])AIRFLOW__[A-Z0-9_]{1,64}_SECRET\Z")
#: The next count of a run's tally: " WARN=2", " FAIL=0".
_TALLY_AFTER = re.compile(r"[ \t]+[A-Z]{3,8}=[0-9]")
#: SQL's words after PASSWORD that are no password: "PASSWORD DISABLE", "PASSWORD EXPIRE".
_SQL_PASSWORD_KEYWORDS = frozenset({"DISABLE", "EXPIRE", "NULL", "LOCK", "UNLOCK"})
#: A secret's name as code and configurations write it, joined or in camelCase:
#: "client_secret", "jdbc-password", "db.password", "clientSecret".
_SECRETS_NAME = re.compile(
    r"[a-z][a-z0-9]+(?:[_\-.][a-z0-9]+)*[_\-.](?:secret|password|passwd|token|key|credentials?)"
    r"|[a-z][a-z0-9]+(?:Secret|Password|Token|Key|Credentials?)"
)
# (Or " = ": "clé secrète partagée = …".)
# (A word of code before " = " is none of prose's: SQL's "FOR 'u'@'%' = '…'".)
# (Nor a dict's first key: "credentials {'drivername': …".)
#: A quoted value whose first word may be short: '"Go Eagles 2024"', '"Elbe Hafen 1998"'.
_QUOTED_START = r"[\"'][^\s\"'][^\"'\n]{3}"
_COLON_GAP_TAIL = (
    r"(?:(?![{\[])[^\s=:\uff1a]{1,48}+[ \t]*[:\uff1a]|[^\s=:\uff1a\"'()@\[\]{}]{1,48}+[ \t]+=)"
    r"[ \t]*(?:\r?\n[ \t]*){0,2}"
)
_COLON_GAP = re.compile(rf"(?:[^\s=:]{{1,48}}+[ \t]+){{0,{_COLON_GAP_WORDS}}}?" + _COLON_GAP_TAIL)
_COLON_AHEAD_PATTERN = r"[^:=\n\uff1a]{0,420}+[:=\uff1a]"
_COLON_AHEAD = re.compile(_COLON_AHEAD_PATTERN)
#: Words of a colon's gap that say a digest follows, not the password: "password hash: …".
#: Or an id: BitLocker's "Numerical Password ID: {6F1C…}" names the protector, not its value.
_DIGEST_WORDS = re.compile(
    r"hash|digest|sha|md5|bcrypt|fingerprint|checksum"
    # (Or a name: "secret name: wildcard-2024" names the secret, not its value.)
    r"|(?<![A-Za-z])(?:id|guid|uuid|name)(?![A-Za-z])",
    re.IGNORECASE,
)
#: What a program prints as a password it generated: long, letters and digits, no words.
_GENERATED = re.compile(r"(?=[^\s]*[0-9])(?=[^\s]*[A-Za-z])[A-Za-z0-9+/_\-]{16,}={0,2}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}:[0-9]{2}")
#: A secret key in a sentence or a space-separated configuration: base64.
_BASE64_KEY = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
#: A login before the password, as .netrc and FTP scripts write them: "login bob password x".
_LOGIN_BEFORE = re.compile(r"(?<![\w\-])login[ \t]+[^\s=:]+[ \t]+\Z")
#: Cisco's "enable secret x", "username u [privilege n] secret x" (without a type digit).
_CISCO_SECRET_BEFORE = re.compile(
    # (Not a sentence's "username and password is …".)
    r"(?:enable|username[ \t]+(?!(?:and|or|und|oder|et|ou|y|e|&)[ \t])\S+"
    r"(?:[ \t]+privilege[ \t]+\d+)?)[ \t]+\Z"
)
_PROSE_TRAILING = ".,;:)]}\"'"
#: Punctuation of Chinese and Japanese (full-width commas and stops), which writes no
#: blank after it.
_CJK_PUNCTUATION = frozenset("\uff0c\u3001\u3002\uff1b\uff01\uff1f")
_PASSWORD_SYMBOLS = frozenset("!@#$%^&*~+=?_-")
#: Symbols a word of prose does not hold between its letters ("-", "_", "'" it may).
_INNER_SYMBOLS = frozenset("!@#$%^&*~+=")
#: A secret in a sentence is a key, longer than a password need be.
_PROSE_SECRET_LENGTH = 16
_STRUCTURE = frozenset("<>=\"'/")
#: An element's namespace prefix just before the name: "<auth:Password>".
_NAMESPACE_BEFORE = re.compile(r"<[A-Za-z_][\w.\-]{0,40}:\Z")
#: How many blanks may stand between a pair's ":" or "=" and a placeholder's "<".
_PLACEHOLDER_GAP = 16


def _namespace_before_key(text: str, start: int) -> bool:
    key_start = _key_start(text, start)
    return _NAMESPACE_BEFORE.search(text, max(0, key_start - 48), key_start) is not None


#: How far back an ARN's "arn:" may start before its resource type.
_ARN_WINDOW = 200
#: The words of a MySQL error: "Access denied for user 'app'@'db' (using password: YES)".
_MYSQL_ANSWERS = frozenset({"YES", "NO"})
#: SigV4's credential scope: an access key id, then the date and region.
_AWS_SCOPE = re.compile(r"A[SK]IA[A-Z0-9]{16}(?:/|%2F)", re.IGNORECASE)
#: Words of a message, not a value: "Invalid password: must be …", "credentials: expired".
_MESSAGE_WORDS = frozenset(
    {
        "must", "should", "cannot", "can", "not", "does", "did", "is", "was", "are", "has",
        "have", "will", "required", "missing", "invalid", "incorrect", "wrong", "expired",
        "empty", "unset", "changed", "updated", "rotated", "reset", "accepted", "rejected",
        "denied", "mismatch", "too", "contains", "loaded", "found", "ok", "failed", "valid",
        # Words that start a sentence: "shared a secret: the migration took …".
        "the", "a", "an", "this", "that", "it", "its", "my", "your", "our", "their", "we",
        "i", "you", "they", "he", "she", "and", "or", "for", "of", "in", "on", "with", "from",
        "by", "at", "if", "when", "please", "see", "all", "no", "new", "current", "old",
        # A name, not its value: "passwd: password updated successfully".
        "password", "passwd", "secret", "token", "key",
        # A setting's state as a tool reports it: Pi-hole's "Web interface password: unchanged".
        "unchanged", "saved", "stored", "cleared", "removed", "generated", "verified",
    }
)  # fmt: skip


_NSSWITCH_SOURCES = frozenset({"files", "compat", "db", "nis", "nisplus", "sss", "systemd", "ldap"})


#: Two words of small letters after a value: a sentence goes on.
_SENTENCE_GOES_ON = re.compile(r" [^\W\d_A-Z]{2,} [^\W\d_A-Z]{2,}")


def _not_a_secret(text: str, start: int, end: int, separator: str, span: tuple[int, int]) -> bool:
    """Names that say something else with their value, found by the value:
    ``PWD=/srv/app`` (the shell's working directory), ``PASS: test_login`` and
    ``pass: 3 fail: 0`` (a test runner's tally), ``(using password: YES)`` (MySQL)."""
    name = text[start:end]
    value = text[span[0] : span[1]]
    if text[start - 1 : start] == "$" and text[span[0] - 1 : span[0]] not in _QUOTES:
        return True  # a variable set from code: PowerShell's "$pw = ConvertTo-SecureString …"
    folded = name.casefold()
    alone = text[start - 1 : start] not in ("_", ".", "-")  # not "MYSQL_PWD", "DB_PASS"
    if folded == "pwd" and alone and value[:1] in ("/", "~"):
        return True
    if folded == "passwd" and separator == ":" and value in _NSSWITCH_SOURCES:
        return True  # nsswitch.conf: "passwd:  files systemd"
    if value.isdigit() and text.startswith(" bytes", span[1]):
        return True  # "kubectl describe secret": "password:  16 bytes"
    if folded == "pass" and alone and separator == ":":
        return name == "PASS" or value.isdigit()
    if (
        separator == ":"
        and value.lower() in _MESSAGE_WORDS
        and text[span[1] : span[1] + 1] in (" ", "", "\n", "\r")
    ):
        return True  # a message goes on after the name: "Invalid password: must be …"
    if (
        separator == ":"
        and value.endswith("ing")
        and value.isalpha()
        and value.islower()
        and text[span[1] : span[1] + 1] == " "
    ):
        # A sentence goes on: "validating provider credentials: retrieving caller identity".
        return True
    if (
        separator == ":"
        and value.isalpha()
        and value.islower()
        and not any(word in folded for word in ("pass", "pw", "secret", "credential"))
        and _SENTENCE_GOES_ON.match(text, span[1])
    ):
        # A name in another language, then a sentence in it: "contraseña: solicitud de
        # restablecimiento registrada" (a word, then two words of small letters).
        return True
    if folded.startswith("credential") and _AWS_SCOPE.match(value):
        return True  # SigV4's "Credential=AKIA…/20240514/…": the key id is found by itself
    return value in _MYSQL_ANSWERS and text[max(0, start - 6) : start].casefold() == "using "


def looks_like_password(value: str) -> bool:
    """A password in prose mixes letters and digits with capitals or symbols;
    the words that follow "password" in a sentence ("reset", "incorrect") do not."""
    if len(value) < 8 or value.startswith("[REDACTED") or not _STRUCTURE.isdisjoint(value):
        return False  # a markup attribute or a key=value pair is no word of a sentence
    if not any(c.isalpha() for c in value):
        return False
    mixed_case = value != value.lower() and value != value.upper()
    if not any(c.isdigit() for c in value):
        # Without a digit, capitals and small letters with a symbol inside the
        # word, as no word of a sentence has: "Ans!bleDbg", "Mqtt!Tasm".
        return mixed_case and not _INNER_SYMBOLS.isdisjoint(value[1:-1])
    return mixed_case or not _PASSWORD_SYMBOLS.isdisjoint(value)


#: How far back FTP's "USER" may be from its "PASS".
_FTP_WINDOW = 80
#: A client's command as a session's log shows it, also without its "USER":
#: "> PASS x", "--> PASS x", "C: PASS x", "send: PASS x", "[cmd] PASS x", and
#: IRC's as a bot logs it, "< PASS oauth:…" (Twitch's chat).
_SENT_COMMAND = re.compile(
    r"(?:^|[\s\])]|ftp)(?:>+|<+|-+>|C:|cmd:|command:|sent:|send:|client:|ftp:|\[cmd\])[ \t]*\Z",
    re.IGNORECASE,
)


_QUOTED_COMMAND = re.compile(
    r"command:[ \t]+Client[ \t]+\"[^\"\n]{1,64}\",[ \t]*\"\Z", re.IGNORECASE
)


def _ftp_password(text: str, position: int) -> tuple[int, int] | None:
    """FTP's "USER ftpuser … PASS S3cret": the word after "PASS", whatever it is."""
    value_end = position
    while value_end < len(text) and not text[value_end].isspace():
        value_end += 1
    if text[position - 6 : position - 5] == '"' and text[value_end - 1 : value_end] == '"':
        value_end -= 1  # the closing quote of a quoted command: '"PASS x"'
    if text.startswith("oauth:", position):
        position += len("oauth:")  # Twitch's IRC: "PASS oauth:<token>", its scheme kept
    value = text[position:value_end]
    return None if not value or is_masked(value) else (position, value_end)


#: A Kubernetes object's name (small letters, digits, "-" and "."), to its word's end.
_KUBERNETES_NAME_AFTER = re.compile(r"[a-z0-9]+(?:[\-.][a-z0-9]+)*(?![^\s,;)\]'\"])")
#: A command of a cluster's, before "secret": kubectl's, OpenShift's, Helm's.
_CLUSTER_TOOL = re.compile(r"(?<![\w\-])(?:kubectl|oc|helm|k)[ \t]")


def _prose_value(text: str, start: int, end: int, position: int) -> tuple[int, int] | None:
    """A password's name in a sentence, then a word only a password looks like:
    "with password Ftp!Sync2024", "my password is Bluebird1987"."""
    if text.startswith("PASS", start) and (
        "USER " in text[max(0, start - _FTP_WINDOW) : start]
        or _SENT_COMMAND.search(text, max(0, start - 16), start)
        # vsftpd's protocol log: 'FTP command: Client "198.51.100.23", "PASS x"'.
        or _QUOTED_COMMAND.search(text, max(0, start - _FTP_WINDOW), start)
    ):
        return _ftp_password(text, position)
    key_start = _key_start(text, start)
    if (
        key_start
        and not text[key_start - 1].isspace()
        and text[key_start - 1] not in _OPENERS
        and text[key_start - 1] not in _HEBREW_PREFIXES
        and text[key_start - 1].isascii()  # (Japanese writes no blank: "の WPA2パスフレーズ")
        and not _WORD_SLASH.search(text, max(0, key_start - 16), key_start)
    ):
        return None  # inside a word: "zip -P Zip!Secret9 out.zip" names nothing
    name = text[start:end].lower()
    if (
        name == "secret"
        and _KUBERNETES_NAME_AFTER.match(text, position)
        and _CLUSTER_TOOL.search(text, max(0, start - 80), start)
    ):
        return None  # a Secret's name: "kubectl describe secret epex-m7-credentials"
    secret = "secret" in name  # "API key SK… secret BptgvyjgsvL46crOSaT21aOQ…"
    names_secret = secret
    if name in ("secret", "password") and _CISCO_SECRET_BEFORE.search(
        text, max(0, start - 64), start
    ):
        return value_span(text, position)
    if name in ("pass", "psk") and key_start == start:
        if name == "pass" and _USER_THEN.search(text, max(0, start - 80), start):
            # After its user: "as user kiln pass Moisture8pct", APRS' "user N0CALL pass 21764".
            return _ftp_password(text, position)
        return None  # a word of its own in prose: "pass 3 tests" (not "auth-pass x")
    secret = secret or name.endswith("key")  # a key in a sentence is a long one
    colon = _COLON_GAP.match(text, position) if _COLON_AHEAD.match(text, position) else None
    if colon is not None and (
        any(mark in colon.group() for mark in _QUOTE_OPENERS)
        or _NAMES_A_FILE.search(colon.group()) is not None
    ):
        # A colon inside the quoted value ("c'est « Étoile:du:Nord9 »"), or a file's
        # name after it ("… changed successfully. Log file: L7741233.log").
        colon = None
    if (
        colon is not None
        and not _DIGEST_WORDS.search(text, position, colon.end())
        and not _names_user_last(colon.group())
    ):
        value_start = colon.end()
        if text[value_start : value_start + 1] == "[":
            return None  # a structure: FreeRADIUS' "[user/password]" (``program_secrets``)
        if text[value_start : value_start + 1] in _QUOTATION_MARKS:
            # "Mot de passe : « Tr0ub4dor&3 »": what the marks hold, if a password may be it.
            quoted = _in_quotation_marks(text, value_start)
            if quoted is not None and (
                _looks_like_quoted_phrase(text[quoted[0] : quoted[1]])
                or _looks_like_quoted_password_after_verb(text[quoted[0] : quoted[1]])
            ):
                return quoted
        if text[value_start : value_start + 1] in ('"', "'"):
            # 'Initialpasswort für Benutzer x: "Kx7!pQ2m"': what the quotes hold.
            quoted = value_span(text, value_start)
            if quoted is not None and (
                _looks_like_quoted_password_after_verb(text[quoted[0] : quoted[1]])
                or ("phrase" in name and _looks_like_passphrase(text[quoted[0] : quoted[1]]))
            ):
                return quoted
            return None
        value_end = _word_end(text, value_start)
        value = text[value_start:value_end]
        if _INNER_PAIR.match(value) or _SETTING.match(value) or _URL_START.match(value):
            # A pair, found by its own name: "Kennwort aus Konfig: sftp_kennwort=…"; a
            # policy's setting: "Password policy 'default': minLength=14, …"; a link
            # ("Reset your password: https://…", its token is the link's rule's).
            return None
        if _ENVIRONMENT_NAME.fullmatch(value):
            return None  # a variable's name: "credentials: CLOUDFLARE_DNS_API_TOKEN (set)"
        if (
            not is_masked(value)
            and not _TIMESTAMP.match(value)
            and (
                looks_like_password(value)
                or _GENERATED.fullmatch(value)
                or mixes_cases_and_digits(value)
                # A secret's random letters: "shared_secret loaded: azvRbhVtRZsupKxk…".
                or (names_secret and len(value) >= 16 and value.isalnum() and _mixes_case(value))
            )
        ):
            return value_start, value_end
    gap = _PROSE_GAP.match(text, position)
    if gap is not None and not _looks_like_value(text, gap.end()):
        # The first verb's word is none: a second verb may follow ("is gereset naar …").
        gap = _PROSE_GAP.match(text, gap.end()) or gap
    opening = position
    while text[opening : opening + 1] in (" ", "\t"):
        opening += 1
    if text[opening : opening + 1] in _QUOTE_OPENERS:
        # Quotation marks right after the name: "mot de passe « Trad044!fr »".
        span = _in_quotation_marks(text, opening)
        if span is not None and looks_like_password(text[span[0] : span[1]]):
            return span
    mark = "" if gap is None else text[gap.end() : gap.end() + 1]
    if gap is not None and mark and mark in _QUOTES + _QUOTE_OPENERS:
        # A quoted value after the verb: any value with a letter and a digit.
        at = gap.end()
        span = value_span(text, at) if mark in _QUOTES else _in_quotation_marks(text, at)
        if span is not None and (
            _looks_like_quoted_password_after_verb(text[span[0] : span[1]])
            or ("phrase" in name and _looks_like_passphrase(text[span[0] : span[1]]))
        ):
            return span
    filler = _PROSE_FILLER.match(text, position)
    starts = [position if filler is None else filler.end()]
    if gap is not None:
        starts.append(gap.end())
    for value_start in starts:
        value_end = _word_end(text, value_start)
        value = text[value_start:value_end]
        if is_masked(value):
            return None
        if (
            secret
            and len(value) >= _PROSE_SECRET_LENGTH
            and _BASE64_KEY.fullmatch(value)
            and looks_like_password(value.replace("/", "").replace("+", ""))
        ):
            return value_start, value_end  # "aws_secret_key rvIF…/99"
        if names_secret and _SECRET_HEX.fullmatch(value) and not value.isdigit():
            return value_start, value_end  # a console's "tebex.secret 62ee60bf…"
        if looks_like_password(value) and not (secret and len(value) < _PROSE_SECRET_LENGTH):
            return value_start, value_end
        if gap is not None and value_start == gap.end() and not secret and _mixes(value):
            return value_start, value_end  # after a verb: "my password is wangwei888"
        if gap is not None and value_start == gap.end() and looks_like_password(value):
            return value_start, value_end  # "le secret partagé … est désormais Rad!us-Ly0n"
    return None


#: A secret's hex, as long as a key (128 bits or more) and with a letter.
_SECRET_HEX = re.compile(r"(?=[0-9]*[a-fA-F])[0-9a-fA-F]{32,128}")


def _looks_like_value(text: str, position: int) -> bool:
    """Whether the word at ``position`` may be a password after a verb: quoted, or
    looking like one."""
    if text[position : position + 1] in _QUOTES + _QUOTE_OPENERS:
        return True
    word = text[position : _word_end(text, position)]
    return looks_like_password(word) or _mixes(word)


def _mixes_case(value: str) -> bool:
    return any(c.isupper() for c in value) and any(c.islower() for c in value)


def mixes_cases_and_digits(value: str) -> bool:
    """A password a program generated, whatever symbols it holds (MySQL's temporary
    ones hold ";" and ">"): capitals, small letters and digits, no blank."""
    return (
        8 <= len(value) <= 64
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )


#: An environment variable's name: capitals, digits and "_", with one "_" at least.
_ENVIRONMENT_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_ESCAPED_BREAK = re.compile(r"\\[nrt]")


def _word_end(text: str, value_start: int) -> int:
    """Where a word of a sentence ends: at a blank, less the punctuation after it."""
    value_end = value_start
    while (
        value_end < len(text)
        and not text[value_end].isspace()
        and text[value_end] not in _CJK_PUNCTUATION
    ):
        value_end += 1
    # A line break a JSON log escaped ends the word too: "WebPassword x\\n00:00:12 …".
    escaped = _ESCAPED_BREAK.search(text, value_start, value_end)
    if escaped is not None:
        value_end = escaped.start()
    while value_end > value_start and text[value_end - 1] in _PROSE_TRAILING:
        value_end -= 1
    return value_end


#: Words of names that are no secret's or password's own: a key's, a credential's, SQL's.
_NOT_A_SECRET_ITSELF = ("key", "credential", "identified")


def _names_a_secret_itself(name: str) -> bool:
    """Whether a name (case-folded) is a secret's or a password's: "SECRET",
    "contraseña", "AWS_SECRET_ACCESS_KEY"; not a bare key's ("cache key")."""
    return (
        "secret" in name or "pass" in name or not any(word in name for word in _NOT_A_SECRET_ITSELF)
    )


#: A quoted value that ends a configuration statement: BIND's 'secret "…";'.
_STATEMENT_END = re.compile(r"\"[^\"\n]{1,256}\";|'[^'\n]{1,256}';")
#: Hebrew writes "the", "and", "in", "to", "that" and "from" as a letter before the
#: word: "הסיסמה" is "the password".
_HEBREW_PREFIXES = frozenset("\u05d4\u05d5\u05d1\u05dc\u05e9\u05de")
#: Particles glued after a password's name in Korean, Japanese and Chinese
#: ("비밀번호는", "비밀번호를", "パスワードは", "密码是"), which says what follows is its value.
PARTICLES = frozenset("\ub294\uc740\uc774\uac00\ub97c\uc744\u306f\u304c\u3092\u662f\u70ba\u4e3a")
_PARTICLE_CLASS = "[" + "".join(sorted(PARTICLES)) + "]"
#: Chinese's "(has been) reset / changed / set to" between a password's name and its
#: value: "密码已重置为 …", "密码修改成 …".
_CJK_SET_TO = (
    "(?:\u5df2|\u88ab)?(?:\u91cd\u7f6e|\u91cd\u8bbe|\u91cd\u8a2d|\u4fee\u6539|\u66f4\u6539"
    "|\u8bbe\u7f6e|\u8a2d\u7f6e|\u8bbe\u5b9a|\u6539)(?:\u6210|\u4e3a|\u70ba)"
)
_CJK_SET_TO_AT = re.compile(_CJK_SET_TO)
#: A value glued to a particle: ASCII, up to the script's own letters or punctuation.
_CJK_VALUE = re.compile(r"[!-~]+")


def _after_particle(text: str, position: int) -> tuple[int, int] | None:
    """The value after a name and its particle: in corner brackets or quotes, or the
    word there (glued or after a blank), if a password looks like it."""
    position = _skip_blank(text, position)
    if text[position : position + 1] in (":", "\uff1a"):
        position = _skip_blank(text, position + 1)  # a full-width colon after "已重置为"
    if text[position : position + 1] in _QUOTATION_MARKS:
        return _in_quotation_marks(text, position)
    if text[position : position + 1] in _QUOTES:
        return value_span(text, position)
    word = _CJK_VALUE.match(text, position)
    if word is None:
        return None
    value_end = word.end()
    while value_end > position and text[value_end - 1] in _PROSE_TRAILING:
        value_end -= 1
    value = text[position:value_end]
    return (position, value_end) if looks_like_password(value) or _mixes(value) else None


#: Names of digests and encodings, which mix letters and digits too: "sha256", "utf8".
_NOT_A_PASSWORD = re.compile(
    r"(?:sha|md|crc|utf|ucs|base|bcrypt|argon|pbkdf|scrypt|aes|rsa|des|iso|cp|win|v|x)[0-9]",
    re.IGNORECASE,
)


def _mixes(value: str) -> bool:
    """A word of letters and digits, as a person's password often is ("wangwei888"),
    after a verb or a particle that says it is the value; not a digest's name."""
    return (
        len(value) >= 6
        and value.isalnum()
        and value.isascii()
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and not _NOT_A_PASSWORD.match(value)
    )


def _looks_like_quoted_password(value: str) -> bool:
    """A quoted value in a sentence about a password: letters and digits, no spaces."""
    return (
        4 <= len(value) <= 64
        and not any(c.isspace() for c in value)
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
        and not value.startswith("[REDACTED")
        and not is_masked(value)
    )


def _looks_like_quoted_password_after_verb(value: str) -> bool:
    """A quoted value a verb says is the password ("changed to 'N3wP@ss word!'", 'è
    "Telestr3am (Milano) 24"'): as above, or with a few blanks when a digit and a
    capital or a symbol say it is no phrase ("is "required for 2 users"" is one)."""
    if _looks_like_quoted_password(value):
        return True
    blanks = sum(c.isspace() for c in value)
    return (
        1 <= blanks <= 3
        and len(value) <= 64
        and "\n" not in value
        and any(c.isdigit() for c in value)
        and any(c.isupper() or not (c.isalnum() or c.isspace()) for c in value)
        and not value.startswith("[REDACTED")
        and not is_masked(value)
    )


def _looks_like_passphrase(value: str) -> bool:
    """A quoted passphrase: words, as a passphrase is made of ("purple monkey dishwasher
    7", "la luna sale a las 9"), three or more, or two with a digit."""
    words = value.split()
    return (
        12 <= len(value) <= 96
        and "\n" not in value
        and (len(words) >= 3 or (len(words) == 2 and any(c.isdigit() for c in value)))
        and sum(c.isalpha() for c in value) >= len(value) // 2
        and not value.startswith("[REDACTED")
        and not is_masked(value)
    )


#: After a quoted name in brackets, the "," before its quoted value: '["password", "x"]'.
_LIST_PAIR = re.compile(r"[\"'][ \t]*,[ \t]*(?=[\"'])")
_CLOSE_PAIR = re.compile(r"[ \t]*[\])]")


def _bracketed_value(text: str, value_start: int) -> tuple[int, int] | None:
    """The value of a pair in brackets, if the pair closes right after it
    (a longer list is a list of names: '("email", "password", "name")')."""
    span = value_span(text, value_start)
    if span is None or _CLOSE_PAIR.match(text, span[1] + 1) is None:
        return None
    return span


#: What ends a column's name in SQL's column list: its quote, then "," or ")".
_COLUMN_END = re.compile(r"[\"'`\]]?[ \t]*[,)]")
#: The characters it may start with: a test before the regex for most names.
_COLUMN_FIRST = frozenset("\"`] \t,)'")
#: The start of the column list, read back from its "(".
_INSERT_INTO = re.compile(
    r"insert[ \t]+(?:(?:ignore|or[ \t]+\w+)[ \t]+)?into[ \t]+[\w.\"`\[\]]+[ \t]*\Z",
    re.IGNORECASE,
)
_VALUES = re.compile(r"[ \t]*\)[ \t]*values[ \t]*\(", re.IGNORECASE)
#: How far back the column list may start, and how many values are read.
_COLUMNS_WINDOW = 400
_MAX_COLUMNS = 64
#: An unquoted value: up to a "," or ")" outside a call's brackets ("now()",
#: "crypt('x', gen_salt('bf'))"), read no further than a value can be long.
_SQL_UNQUOTED = re.compile(r"[^,()]*+(?:\((?:[^()]|\([^()]*+\))*+\)[^,()]*+)*+")
_SQL_VALUE_LENGTH = 256
_SQL_QUOTED_LENGTH = 1024
#: Values that are no literal: bind parameters, NULL, DEFAULT, calls.
_NO_LITERAL = re.compile(r"(?:\$[0-9]+|\?|:\w+|@\w+|%s|null|default|[\w.]+\(.*)\Z", re.IGNORECASE)


def _sql_values(text: str, position: int) -> list[tuple[int, int]]:
    """The values of one row of SQL's "VALUES (…)" from ``position``, as spans:
    a quoted string without its quotes ('' is an escaped quote), anything else
    up to the "," or ")" that ends it outside brackets."""
    values: list[tuple[int, int]] = []
    while len(values) < _MAX_COLUMNS:
        position = _skip_blank(text, position)
        if position >= len(text):
            return values
        if text[position] == "'":
            limit = min(len(text), position + _SQL_QUOTED_LENGTH)
            close = position + 1
            while True:
                close = text.find("'", close, limit)
                if close == -1 or text[close + 1 : close + 2] != "'":
                    break
                close += 2
            if close == -1:  # a cut line (or a value longer than any password): to its end
                line_end = text.find("\n", position)
                values.append((position + 1, len(text) if line_end == -1 else line_end))
                return values
            values.append((position + 1, close))
            position = close + 1
        else:
            found = _SQL_UNQUOTED.match(text, position, position + _SQL_VALUE_LENGTH)
            scan = position if found is None else found.end()
            if text[scan : scan + 1] not in (",", ")"):
                return values  # brackets that never close, or a value longer than any
            values.append((position, len(text[position:scan].rstrip()) + position))
            position = scan
        position = _skip_blank(text, position)
        if text[position : position + 1] != ",":
            return values
        position += 1
    return values


def _insert_values(text: str, start: int, end: int) -> tuple[int, int] | None:
    """For a name in the column list of "INSERT INTO t (…) VALUES (…)": where
    that list opens, and where its values start."""
    opening = text.rfind("(", max(0, start - _COLUMNS_WINDOW), start)
    if opening == -1 or ")" in text[opening:start]:
        return None
    if _INSERT_INTO.search(text, max(0, opening - 200), opening) is None:
        return None
    closing = text.find(")", end, end + _COLUMNS_WINDOW)
    values_at = _VALUES.match(text, closing) if closing != -1 else None
    return None if values_at is None else (opening, values_at.end())


def _insert_value(text: str, column: int, values_start: int) -> tuple[int, int] | None:
    """The literal a column gets in the first row of values (not a bind parameter)."""
    values = _sql_values(text, values_start)
    if column >= len(values):
        return None
    value_start, value_end = values[column]
    value = text[value_start:value_end]
    quoted = text[value_start - 1 : value_start] == "'"
    if not value or is_masked(value) or (not quoted and _NO_LITERAL.match(value)):
        return None
    return value_start, value_end


def _opens_pair(text: str, key_start: int, quote: str) -> bool:
    """Whether the quoted key at ``key_start`` opens a pair in brackets: '["password", …',
    "define( 'DB_PASSWORD', …"."""
    if text[key_start - 1 : key_start] != quote:
        return False
    before = text[max(0, key_start - 8) : key_start - 1].rstrip(_BLANK)
    if before.endswith("(") and before[:-1].rstrip(_BLANK).upper().endswith(" IN"):
        return False  # SQL's list of keys: "WHERE key IN ('jwtSecret','primaryBaseURL')"
    if before.endswith("[") and before[:-1].rstrip(_BLANK).endswith(('":', "':")):
        return False  # a JSON array of names: '"fields_changed":["password","display_name"]'
    return before.endswith(("[", "("))


#: How far a password's CDATA section may run to its "]]>".
_CDATA_WINDOW = 1024
#: The value in an element of its own, inside the name's: "<Password><Value>x</Value>".
_VALUE_ELEMENT = re.compile(r"(?:\s|\\[nrt])*<value>", re.IGNORECASE)


def _last_literal(text: str, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """The last of a call's string literals, from the one at ``span`` on."""
    while span is not None and (more := _SECOND_LITERAL.match(text, span[1] + 1)):
        span = value_span(text, more.end())
    return span


#: A call's first argument an object (a name, or its address), then a string: 'auth, "'.
_HANDLE_FIRST = re.compile(r"[ \t]*&?[A-Za-z_][\w.\->]{0,40}[ \t]*,[ \t]*(?=[\"'])")
#: After a call's first string, a second one: ', "'.
_SECOND_LITERAL = re.compile(r"[ \t]*,[ \t]*(?=[\"'])")
#: What may stand before a name in a sentence: a space, a quote or a bracket.
_OPENERS = frozenset("\"'`([{<")
#: A value cut at the end of a line, with no closing element after it.
_ONE_WORD = re.compile(r"\S+")
#: Cisco's encryption type before the value: 0 plain text, 7 reversible, 5/8/9 hashes.
#: Network devices' words for how the password after them is written: Huawei's and
#: H3C's "cipher", "irreversible-cipher", "simple"; HPE ProCurve's "plaintext" after
#: the user's name ("password manager user-name "admin" plaintext "…"").
_DEVICE_MODE = (
    r"(?:(?:manager|operator)[ \t]+user-name[ \t]+[^\s]{1,64}[ \t]+)?"
    # FortiOS writes "set password ENC <base64>".
    r"(?:irreversible-cipher|cipher|simple|plaintext|ENC)"
)
_CISCO_TYPE = re.compile(r"(?:" + _DEVICE_MODE + r"|(?P<type>[05789]))[ \t]+")


def _cisco_secret(text: str, typed: re.Match[str]) -> tuple[int, int] | None:
    """The value after Cisco's type digit, if it has that type's shape: a word that
    is no plain word for 0 (or a mode's word), hex for 7, a "$" hash for 5, 8 and 9."""
    span = value_span(text, typed.end())
    if span is None:
        return None
    value = text[span[0] : span[1]]
    kind = typed.group("type") or "0"
    if kind == "0":
        plain_word = value.isalpha() and (value.islower() or value.isupper())
        return None if len(value) < 4 or plain_word else span
    if kind == "7":
        return span if len(value) >= 4 and validators.HEX_DIGITS.issuperset(value) else None
    return span if value.startswith("$") else None


#: "echo 'user:pw' | chpasswd" (also with "sudo" before chpasswd).
_ECHOED_LOGIN = re.compile(
    r"echo(?:[ \t]+-[ne]+)?[ \t]+(?P<quote>[\"']?)[^\s:\"'|]+:(?P<value>[^\s\"'|]+)(?P=quote)"
    r"[ \t]*\|[ \t]*(?:sudo[ \t]+)?(?:/usr/sbin/)?ch\Z"
)


#: chpasswd's input after it: a here-string ("chpasswd <<< 'u:pw'") or cloud-init's
#: list ("chpasswd:\n  list: |\n    ubuntu:pw"), its first line.
_CHPASSWD_AFTER = re.compile(
    r"passwd(?:[ \t]*<<<[ \t]*(?P<quote>[\"']?)|:[ \t]*\r?\n[ \t]*list:[ \t]*\|[ \t]*\r?\n[ \t]*)"
    r"[^\s:\"'|]+:(?P<value>[^\s\"'|]+)(?(quote)(?P=quote))"
)


def _chpasswd_input(text: str, start: int) -> tuple[int, int] | None:
    """The password given to chpasswd, which reads "user:password" lines: echoed
    into it, or after it."""
    given = _ECHOED_LOGIN.search(text, max(0, start - 200), start) or _CHPASSWD_AFTER.match(
        text, start
    )
    if given is None or is_masked(given.group("value")):
        return None
    return given.span("value")


#: A .pgpass line shown after the file's name: "db:5432:*:replicator:Repl1cat0r!" (or
#: before it: "wrote entry db:5432:*:etl:… to /home/etl/.pgpass").
_PGPASS_LINE = re.compile(
    r"[\w.\-*]+:(?:[0-9]+|\*):[\w.\-*]+:[\w.\-*]+:(?P<value>(?:[^\s:\\]|\\.)+)(?!\S)"
)
_PGPASS_WINDOW = 160


_PHP_DUMP_TYPE = re.compile(r"\s*string\([0-9]+\)")
#: Quotation marks other than ASCII's, opening -> closing: Japanese and Chinese
#: corner brackets ("パスワード「…」"), French and Russian guillemets ("« … »",
#: "«…»"), German's low-high quotes ("„…“"), English's curly ones ("“…”").
_QUOTATION_MARKS = {
    "\u300c": "\u300d",
    "\u300e": "\u300f",
    "\u00ab": "\u00bb",
    "\u201e": "\u201c",
    "\u201c": "\u201d",
    "\u2039": "\u203a",
}
#: Blanks a French text writes inside its guillemets: "« x »", with or without a
#: (narrow) no-break space.
_QUOTE_BLANKS = " \t\u00a0\u202f"
_QUOTE_OPENERS = "".join(_QUOTATION_MARKS)


def _quotation_close(text: str, position: int) -> int:
    """Where the quotation mark at ``position`` closes on its line (256 characters
    at most), or -1. (Polish closes "„" with "”", German with "“".)"""
    limit = text.find("\n", position, position + 256)
    end = position + 256 if limit == -1 else limit
    found = text.find(_QUOTATION_MARKS[text[position]], position + 1, end)
    if found == -1 and text[position] == "\u201e":
        found = text.find("\u201d", position + 1, end)
    return found


def _in_quotation_marks(text: str, position: int) -> tuple[int, int] | None:
    """The value between the quotation mark at ``position`` and its close, less the
    blanks just inside the marks (None: no close, or nothing hidden inside)."""
    closing = _quotation_close(text, position)
    if closing == -1:
        return None
    value_start = position + 1
    value_end = closing
    while value_start < value_end and text[value_start] in _QUOTE_BLANKS:
        value_start += 1
    while value_end > value_start and text[value_end - 1] in _QUOTE_BLANKS:
        value_end -= 1
    if value_start == value_end or is_masked(text[value_start:value_end]):
        return None
    return value_start, value_end


#: What a device's configuration may write between a key's name and the key:
#: Junos' encoding, OSPF's key number and algorithm, Cisco's type digit.
_DEVICE_VALUE_LEAD = re.compile(
    r"(?:(?:ascii-text|hexadecimal)[ \t]+|[0-9]{1,3}[ \t]+(?:md5[ \t]+)?)?", re.IGNORECASE
)


def _device_value(text: str, position: int) -> tuple[int, int] | None:
    """A network device's key after its name: a configuration holds no prose."""
    lead = _DEVICE_VALUE_LEAD.match(text, position)
    span = value_span(text, position if lead is None else lead.end())
    if span is None or is_masked(text[span[0] : span[1]]):
        return None
    return span


#: The Windows registry's string types after a value's name: "reg query" prints
#: "DefaultPassword    REG_SZ    x", "reg add … /v DefaultPassword /t REG_SZ /d x".
_REGISTRY_TYPE = re.compile(
    r"[ \t]+(?:/t[ \t]+)?REG_(?:EXPAND_|MULTI_)?SZ(?:[ \t]+/d)?[ \t]*", re.IGNORECASE
)

#: Where an unquoted registry value ends: "reg add"'s next switch ("/f"), or its line's end.
_REGISTRY_END = re.compile(r"[ \t]+/[A-Za-z](?:[ \t]|\Z)|[ \t]*(?:\r?\n|\Z)")


def _registry_value(text: str, position: int) -> tuple[int, int] | None:
    """A registry value: quoted, or the rest of "reg query"'s line (it may hold spaces)."""
    if position == len(text) or text[position] in "\r\n" or text.startswith("(", position):
        return None  # none set: "REG_SZ" last, or "(value not set)"
    if text[position] in _QUOTES:
        span = value_span(text, position)
    else:
        found = _REGISTRY_END.search(text, position)
        span = (position, len(text) if found is None else found.start())
    return None if span is None or is_masked(text[span[0] : span[1]]) else span


#: The value of a configuration file's directive: one word (or quoted
#: string) and an optional ";" to the end of the line.
_DIRECTIVE_VALUE = re.compile(r"(?:\"[^\"\n]+\"|'[^'\n]+'|[^\s;\"']+);?[ \t]*(?:\r?\n|\Z)")


#: How far back a directive's or a device's line may start: a text of many
#: names on one line must not be read back to its start for each.
_LINE_WINDOW = 256


def _line_start(text: str, position: int) -> int:
    """Where the line holding ``position`` starts, looked for no further back than
    ``_LINE_WINDOW`` (past it, the window's start, which no line starts on)."""
    low = max(0, position - _LINE_WINDOW)
    found = max(text.rfind("\n", low, position), text.rfind("\r", low, position))
    return low if found == -1 else found + 1


_DIRECTIVE_PREFIX = re.compile(r"[ \t]*(?:[+\-]|(?:[^\n#>]{1,64}[#>][ \t]*)?set[ \t]+)?")


def _directive_value(text: str, start: int, position: int) -> tuple[int, int] | None:
    """The value of a configuration file's directive, the name first on its line.

    keepalived's "auth_pass 1234", Redis's "masterauth …", BIND's
    'secret "…";': no separator but a space, which in a sentence names
    nothing ("pass 3 tests"); first on its line and followed by one word
    alone, the name is a directive's. A word of letters that reads as a
    state ("Password expired") is a sentence after all.
    """
    key_start = _key_start(text, start)
    line_start = _line_start(text, key_start)
    if line_start and text[line_start - 1] not in "\n\r":
        return None  # the line starts further back than a directive's would
    # FortiOS writes "set" first: 'set psksecret "…"' (after its prompt when typed,
    # "FGT60F (phase1-interface) # set …"); a diff "+" or "-".
    if not _DIRECTIVE_PREFIX.fullmatch(text, line_start, key_start):
        return None
    if text[key_start:position].strip().lower() in _PASSWORD_COMMANDS:
        return None  # a command and its user: "kpasswd jdoe", "smbpasswd alice"
    if not _DIRECTIVE_VALUE.match(text, position):
        return None
    span = value_span(text, position)
    if span is None:
        return None
    value = text[span[0] : span[1]]
    word = value.rstrip(".!")  # (the end of a sentence: "Password changed.")
    if is_masked(value) or (
        word.isalpha() and (word.lower() in _MESSAGE_WORDS or word.endswith(("ed", "ing")))
    ):
        return None
    if text.startswith("PASS ", start) and _SOURCE_FILE.fullmatch(value):
        return None  # a test runner's result (Jest's "PASS src/app.test.ts")
    return span


#: Commands that change a password, first on their line before a user's name.
_PASSWORD_COMMANDS = frozenset(
    {"passwd", "kpasswd", "smbpasswd", "ldappasswd", "yppasswd", "gpasswd", "vncpasswd"}
)
#: A source file's path, as a test runner prints it after "PASS".
_SOURCE_FILE = re.compile(r"[\w.\-]*/[\w./\-]*\.[a-z]{1,5}")


#: The rest of a configuration file's line after a value's first word: words,
#: no other pair, up to a comment if any ("passphrase = sign me please 42  # old").
_REST_OF_LINE = re.compile(
    r"(?:[ \t]+[^\s=:#;\"'`<>{}\[\]]{1,64}+){1,8}+[ \t]*(?=(?:[#;][^\n]*)?(?:\r?\n|\Z))"
)


#: Groups of digits after a value's first, to the line's end.
_DIGIT_GROUPS = re.compile(r"(?:[ \t][0-9]{2,8}){1,12}(?=[ \t]*(?:\r?\n|\Z))")


def _to_line_end(text: str, start: int, span: tuple[int, int]) -> tuple[int, int]:
    """A configuration file's unquoted value, which runs to its line's end: a
    passphrase holds blanks. Only where the name starts its line and " = "
    follows it, as in INI files, and the rest of the line is words: a log
    line's pairs and messages stay apart."""
    if text[span[1] : span[1] + 1] not in _BLANK:
        return span
    if text[span[0] - 2 : span[0]] in (": ", ":\t") and text[span[0] : span[1]].isdigit():
        # A key in groups of digits, as a router's label prints it: YAML's
        # "wifi_password: 4711 0815 2342 9999 6061" (the rest of the line is all groups).
        groups = _DIGIT_GROUPS.match(text, span[1])
        return span if groups is None else (span[0], groups.end())
    if (
        text[span[0] - 2 : span[0]] not in ("= ", "=\t")
        or text[span[0] - 3 : span[0] - 2] not in _BLANK
    ):
        return span  # not INI's "name = value" (a log line's "name=value" goes on in prose)
    key_start = _key_start(text, start)
    line_start = _line_start(text, key_start)
    if (line_start and text[line_start - 1] not in "\n\r") or text[line_start:key_start].strip(
        _BLANK
    ):
        return span
    rest = _REST_OF_LINE.match(text, span[1])
    if rest is None:
        return span
    return span[0], len(text[: rest.end()].rstrip(_BLANK))


#: MySQL's authentication plugins, whose names end as a password's.
_AUTH_PLUGINS = frozenset(
    {"mysql_native_password", "caching_sha2_password", "sha256_password", "mysql_clear_password"}
)
#: A setting's pair where a value would be: "min_length=12".
_PAIR_OF_A_POLICY = re.compile(r"[a-z]+(?:_[a-z]+)*=[^\s=]+")
_NEXT_SETTING = re.compile(r"[ \t]+[a-z]+(?:_[a-z]+)*=")
#: A switch's values, and the words of a name that make it a switch about a password:
#: MySQL's "MYSQL_ALLOW_EMPTY_PASSWORD=no", "MYSQL_RANDOM_ROOT_PASSWORD=yes".
_SWITCH_VALUES = frozenset({"yes", "no", "true", "false", "on", "off", "0", "1"})
# (Windows' policy "ClearTextPassword=0" too.)
_SWITCH_NAME = re.compile(
    r"allow|empty|random|require|enable|disable|skip|expire|cleartext", re.IGNORECASE
)


_TERRAFORM_STATUS = re.compile(
    r"(?:Modifications|Creation|Destruction|Creating|Modifying|Destroying|Refreshing|Reading"
    r"|Read|Still)[ \t]+(?:complete|state|creating|modifying|destroying|reading)\b"
)


#: OpenSSL's flags of a pass phrase's source, before it: "-passin ", "-passout ", "-pass ".
_OPENSSL_PASS_FLAG = re.compile(r"-pass(?:in|out)?[ \t]+\Z")
#: A local variable's name in code: "cred", "pfxPass".
_LOCAL_NAME = re.compile(r"[a-z_][A-Za-z0-9_]{0,31}")
#: A variable's declaration in code, and its name: "var cred =", "let $pw =".
_DECLARATION = re.compile(
    r"(?<![\w.])(?:var|let|const|val|auto|dim|my)[ \t]+\$?([A-Za-z_]\w*)[ \t]*="
)
#: How far back a variable's declaration is looked for.
_DECLARATION_WINDOW = 400


def _wpa_passphrase(text: str, start: int, end: int) -> tuple[int, int] | None:
    """wpa_passphrase's arguments: the network's name, then its passphrase (none: the
    command reads it from its input)."""
    after = end
    while text[after : after + 1] in (" ", "\t"):
        after += 1
    network = value_span(text, after)
    if network is None:
        return None
    after = network[1] + (text[network[1] : network[1] + 1] in _QUOTES)
    while text[after : after + 1] in (" ", "\t"):
        after += 1
    if after >= len(text) or text[after] in ">|;&\n":
        return None
    return value_span(text, after)


def _check_named(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``_named_value``, unless the value says where the secret is: code that
    reads it ("os.environ[…]"), a Terraform reference, a file's path."""
    if text.endswith("[REDACTED:", 0, start):
        return None  # the label of a placeholder: "[REDACTED:SECRET]:5001" names nothing
    if (
        text[start : start + 4] == "pass"
        and end - start == 4
        and text[end : end + 3] in (" 1 ", " 2 ")
    ):
        return None  # ffmpeg's two-pass encoding: "-pass 2 -passlogfile …"
    if text[start - 1 : start] in _CRYPT_CHARACTERS and _IN_CRYPT_HASH.search(
        text, max(0, start - _CRYPT_WINDOW), start
    ):
        return None  # the end of a crypt hash: "$6$…zQ9Pw:19731:0:99999:7:::" names nothing
    if text.endswith("Get-", 0, start):
        return None  # a cmdlet that asks for one: "(Get-Credential CORP\\dba01)"
    if text.endswith("wpa_", 0, start) and text[end : end + 1] in (" ", "\t"):
        return _wpa_passphrase(text, start, end)
    if text.endswith("change_", 0, start) and "rabbitmqctl" in text[max(0, start - 80) : start]:
        return None  # "rabbitmqctl change_password <user> <pw>": the command's argument scan
    if text[start : start + 4] == "pass" and text.endswith(_UPSTREAM_DIRECTIVES, 0, start):
        return None  # nginx's upstream: "proxy_pass http://orders_backend;"
    if (
        text[start - 1 : start] in _SYMBOLS_IN_VALUES
        and text[end : end + 1] in ("'", '"')
        and text[end + 1 : end + 2] in (" ", "\t", "")
    ):
        return None  # the end of a quoted argument: "-s 'NewUs3r#Pw' …" names nothing
    if text[start - 1 : start] == "=" and text[end : end + 1] in ("'", '"'):
        return None  # the name as a pair's value: OAuth's "grant_type=password" "https://…"
    if text[end - 7 : end] == "_SECRET" and _AIRFLOW_INDIRECT.search(text, max(0, start - 80), end):
        return None  # Airflow's setting read from its secrets backend: the secret's path
    opening = text.rfind("${", max(0, start - _PROVIDER_WINDOW), start)
    if opening != -1:
        reference = _PROVIDER_REFERENCE.match(text, opening)
        if reference is not None and reference.end() >= end:
            return None  # a name inside a provider's reference: "${secrets:pg-credentials:user}"
    if _USAGE_PLACEHOLDER.match(text, end) and text[start - 1 : start] == "<":
        return None  # a command's usage: "mysql -u <user> -p<password> [-h <host>]"
    span = _named_value(text, start, end)
    quote = text[start - 1 : start]
    if (
        span is not None
        and quote in ("'", '"')
        and text.startswith(":", end)
        and _OPENSSL_PASS_FLAG.search(text, max(0, start - 12), start - 1)
    ):
        # OpenSSL's pass phrase quoted whole: "-passin 'pass:Ke3p it s4fe!'".
        closing = text.find(quote, span[0])
        span = span if closing == -1 else (span[0], closing)
    if (
        span is None
        or is_reference(text, *span)
        # Terraform's progress after a resource's address that names a secret:
        # "azurerm_key_vault_secret.x_secret: Modifications complete after 2s".
        or _TERRAFORM_STATUS.match(text, span[0])
        or _URL_WITH_LOGIN.match(text, *span)
        or (text.startswith("//", span[0]) and text[span[0] - 1] == ":")
    ):
        # A URL's password is ``URL_SCAN``'s: ".git-credentials: https://u:x@h", and
        # "… password pair … (redis://:x@h)", where the colon is the scheme's (not
        # "password=//", a value like any other).
        return None
    value = text[span[0] : span[1]]
    name = text[start:end].lower()
    if (
        text[span[0] - 1 : span[0]] not in _QUOTES
        and _LOCAL_NAME.fullmatch(value)
        and any(
            declared.group(1) == value
            for declared in _DECLARATION.finditer(text, max(0, start - _DECLARATION_WINDOW), start)
        )
    ):
        # A variable the snippet declares: "var cred = …; { Credentials = cred }" (looked
        # for in the lines before: a text of thousands of names must not be read for each).
        return None
    if value.lower() in (name, name + "s") or value in _NAME_ONLY:
        # A variable named as the key: "connect(user=user, password=password)"; a
        # secret store's key named: "remoteRef: {key: prod/db, property: password}";
        # a type, then its plural: 'failed to list *v1.Secret: secrets "tls" …'.
        return None
    if value.isdigit() and text[start:end] == "PASS" and _TALLY_AFTER.match(text, span[1]):
        return None  # a run's tally: dbt's "Done. PASS=54 WARN=2 ERROR=0 SKIP=0 TOTAL=56"
    if value.rstrip(";") in _SQL_PASSWORD_KEYWORDS and text[start:end] == "PASSWORD":
        return None  # SQL's clause, no value: Redshift's "ALTER USER u PASSWORD DISABLE;"
    if value.startswith(('{"', '{\\"', "{'", '[{"')):
        # JSON as the value, its pairs judged by their own names: Power BI's
        # '"credentials":"{\\"credentialData\\":[…]}"', Hasura's 'JWT_SECRET=\'{"key":"…"}\''.
        return None
    if name.startswith("passw") and _URL_START.match(value):
        return None  # a link about the password: "Reset your password: https://…/<token>"
    if name == "key" and is_plainly_other(value):
        return None  # a key's name for a path: Terraform's backend 'key = "prod/x.tfstate"'
    if _SECRETS_NAME.fullmatch(value):
        # Another secret's name as the value: External Secrets' "secretKey: client_secret",
        # Airbyte's '"credentials": "api_token"' (the kind of credential it holds).
        return None
    if (
        (
            text[span[0] - 1 : span[0]] not in _QUOTES
            and _CALL.fullmatch(value)
            and ("_" in value or "." in value)
            and (
                text[span[1] : span[1] + 1] in (",", ")")
                # a string for its argument: "load_pem_private_key(b'-----BEGIN …"
                or (value[-1:] in ("(", "b") and text[span[1] : span[1] + 1] in ("'", '"'))
            )
        )
        or (text[span[0] - 1 : span[0]] not in _QUOTES and _CONSTRUCTOR.match(value))
    ):
        # Code that computes it: "key = load_pem_private_key(key_pem, password=None)",
        # Java's "credentials=BasicAWSCredentials(accessKey=…" (its pairs are found by
        # their own names), PHP's "'credentials' => array (".
        return None
    if (
        text[span[0] - 2 : span[0]] in ('["', "['")
        and " " in value
        and value.split(" ", 1)[0].lower() in _MESSAGE_WORDS | _NEGATIONS
    ):
        # A validation message under the field's name: Rails' '"password":["is too
        # short (minimum is 12 characters)"]', '"password_confirmation":["doesn't match"]'.
        return None
    if (
        name == "secret"
        and _is_flag(text, start)
        and _IDENTIFIER.fullmatch(value)
        and _names_a_secret(value)
    ):
        # The secret a service is given, by its name: docker's "--secret db_password"
        # (its file is then "/run/secrets/db_password").
        return None
    if _setting_title(text, start, end):
        return None  # a policy's setting: '"Require password" = Compliant'
    if text.startswith(" {", span[1]) and value[:1].isupper() and value.isalnum():
        return None  # an object's type, its fields inside: "Credentials = NetworkCredential { …"
    if (
        text[end : end + 2] == ": "
        and span[0] == end + 2
        and _PAIR_OF_A_POLICY.fullmatch(value)
        and _NEXT_SETTING.match(text, span[1])
    ):
        return None  # a policy's settings: "policy.password: min_length=12 require_…"
    if text[start - 3 : start].lower() == "no-" or text[start - 4 : start].lower() in (
        "ask-",
        "ask_",
    ):
        # A flag that says there is none, or that asks for it: "psql --no-password",
        # "wget --ask-password <url>".
        return None
    if text[_key_start(text, start) : end].lower() in _AUTH_PLUGINS:
        return None  # MySQL's authentication plugin, named: "'mysql_native_password': dsn=…"
    if (
        value.isdigit()
        and text[span[1] : span[1] + 1] == ":"
        and text[_key_start(text, start) - 1 : _key_start(text, start)] in ("/", "\\")
    ):
        return None  # a file's line, as grep prints it: "/etc/postfix/sasl_passwd:1: …"
    if value.lower() in _SWITCH_VALUES and _SWITCH_NAME.search(text, _key_start(text, start), end):
        return None  # a switch about the password: "MYSQL_ALLOW_EMPTY_PASSWORD=no"
    if _ENVIRONMENT_NAME.fullmatch(value) and _names_a_secret(value.lower()):
        return None  # a variable named for a secret: "credentials: CLOUDFLARE_DNS_API_TOKEN"
    if name.startswith("credential") and _OBJECT_NAME.fullmatch(value):
        return None  # a stored credential's id: Jenkins' "withAWS(credentials: 'etl-s3')"
    if name.startswith("credential") and _PAIR_FIRST.match(value):
        # A list of pairs, each found by its own name: "credentials received:
        # identityPool=eu-west-1:6a1f… accessKey=ASIA… secretKey=…".
        return None
    if span[0] == end + 1 and text[end] == ":" and _COMMAND_VERB.fullmatch(value):
        return None  # a task's name: "bin/rails credentials:edit", "secrets:list"
    quote = text[span[0] - 1 : span[0]]
    if (
        quote
        and quote in _QUOTES
        and (value[:1] in _BLANK_OR_LINE or value[:1] in ";?),")
        and text.count(quote, _line_start(text, start), span[0] - 1) % 2
    ):
        # The quote before the value closes a string the name stands in: a prompt's
        # 'read -rsp "Vault password: " VAULT_PASS' or expect's 'expect "Password:"'
        # at its line's end or before the next command ('; send "…"'), not a value's
        # opening quote.
        return None
    if _is_flag(text, start) and (
        _FLAG_SPEC.match(value) or (value in _FLAG_TYPES and _HELP_GAP.match(text, span[1]))
    ):
        # docker buildx's "--secret id=npmrc,src=…": where the secret comes from; a
        # command's help, "-p, --password string   Password" (Go's cobra): the flag's type.
        return None
    if (
        (
            text[span[0] - 2 : span[0] - 1] == "("
            and _PROMPT.fullmatch(value)
            # MySQL's "PASSWORD('…')" hashes the value it is given, whatever it holds.
            and not (text[start:end] == "PASSWORD" and not text[start - 1 : start].isalpha())
        )
        or (not value.strip(_CLOSERS) and (span[1] == len(text) or text[span[1]] not in _QUOTES))
    ):
        # A prompt: 'readPassword("Keystore password: ")', and what follows its name
        # inside it: '");' is the code's, not a value.
        return None
    if name == "community" and value == "public":
        return None  # SNMP's default community, everyone's (as "snmpwalk -c public" is kept)
    if value.lower().startswith(name + "-") and value[len(name) + 1 :].isdigit():
        return None  # an id named like the field: a transit pass's "pass=PASS-551203"
    if value[:1].isupper() and value.endswith(".") and " " in value and name in value.lower():
        # A message about the field, not its value: Laravel's validation errors,
        # '"password":["The password field is required."]'.
        return None
    gap = text[end : span[0]]
    if '",' in gap and ":" in gap and _PROSE_IN_GAP.search(text, end, span[0]):
        # The colon after the words is another JSON pair's: 'The presented password
        # is invalid.)","credentials":{…}' (the pair inside is found by its own name).
        return None
    if _is_flag(text, start) and _SHELL_VARIABLE.fullmatch(value):
        return None  # PowerShell's variable after its flag: "-Credential $cred"
    if value[:1] == "/" and "/" in value[1:] and _GAP_BEFORE_VALUE.search(text, end, span[0]):
        # A file's path a few words after the name: "No credentials cache found
        # (filename: /tmp/krb5cc_1001)".
        return None
    if value in _PAM_TYPES and text[span[1] : span[1] + 1] == ")":
        return None  # PAM's service and module type: "pam_unix(passwd:chauthtok)"
    if text.endswith("--from-file=", 0, _key_start(text, start)):
        return None  # kubectl's "--from-file=sasl_passwd=./sasl_passwd": a file's path
    if text[start:end].lower() == "pass" and _RATIO.fullmatch(value):
        return None  # a count of passes: "health check pass: 14/14 targets healthy"
    if value.startswith("Ag") and text.rfind("encryptedData", max(0, start - 256), start) != -1:
        return None  # a Sealed Secret's ciphertext: public, only its controller decrypts it
    if _RESOURCE_TYPE.search(text, max(0, start - _RESOURCE_WINDOW), start):
        # Terraform's 'resource "random_password" "db"': the block's name, also in a
        # plan's line ('  ~ resource "azuread_application_password" "hr" {').
        return None
    if "^" in value and text.find("LEEF:", _line_start(text, start), start) != -1:
        # LEEF's default delimiter between its pairs: "usrName=jdoe^password=…^src=…"
        # (elsewhere "^" is a password's character like any other).
        pair = _LEEF_NEXT_PAIR.search(text, span[0], span[1])
        if pair is not None:
            return span[0], pair.start()
    if _NAMES_A_REFERENCE.match(text, _key_start(text, start), end + 24):
        return None  # Helm's "auth.existingSecret=pg-auth", "secretKeys.adminPasswordKey=…"
    if (
        text[start:end] in ("Pass", "Pwd", "Pw")
        and text[start - 1 : start].islower()
        and text[_key_start(text, start)].isupper()
        and text[end : end + 1] not in ("=", '"', "'")
        and not looks_like_password(value)
    ):
        # A PascalCase word that is no pair's key is a product's or a directive's
        # name: "LastPass: Shared folder …", "ProxyPass /legacy …" (not "RootPass: M1n…").
        return None
    if (
        text[start:end] == "Secret"
        and text[start - 1 : start].islower()
        and _OBJECT_NAME.fullmatch(value)
        # (Not with a run of hex no name holds: "credentialSecret: "d54b0db6…-nodered"".)
        and not _LONG_HEX_RUN.search(value)
    ):
        return None  # a Kubernetes Secret's name in Helm's values: "certSecret: partner-api-tls"
    if name == "key" and _SETTING_NAME.fullmatch(value) and _names_a_secret(value.lower()):
        return None  # a setting looked up by its name: "WHERE key = 'apiSecret'"
    if text[start:end] == "secret" and _NAMESPACED_OBJECT.fullmatch(value):
        return None  # a Kubernetes Secret by its namespace and name: '"secret":"ledger/ledger-tls"'
    if (
        text[start:end].lower() == "community"
        and _PLAIN_WORDS.fullmatch(value)
        and _SNMP.search(text, _line_start(text, start), span[1] + 80) is None
    ):
        return None  # a forum's or a chat's community ("community: kubernetes-users")
    if _SIGNING_SCOPE.match(value):
        # A signed URL's "X-Goog-Credential=GOOG1…/20240502/…/goog4_request" (or
        # "X-Amz-Credential=AKIA…"): the key's id and its scope; the signature is
        # the secret ("X-Goog-Signature"), and an AWS key id is found as one.
        return None
    if _MEASURE_OF.search(text, max(0, start - 32), start):
        return None  # MySQL's "Estimated strength of the password: 100": a score
    if _SETS_KEY.search(text, max(_line_start(text, start), start - 320), start):
        # Pulumi's "config set --secret dbPassword [value]": the key, then the value.
        after = _NEXT_ARGUMENT.match(text, span[1])
        return None if after is None else after.span(after.lastindex or 0)
    pointer = _POINTER_THEN_STRING.match(text, span[0])
    if pointer is not None:
        return pointer.span(1)  # gdb's "bind_pw = 0x5555… \"Ld4p…\"": the string, not its address
    typed = _VALUE_TYPE.match(value)
    if typed is not None:
        rest = value[typed.end() :]
        return None if not rest or is_masked(rest) else (span[0] + typed.end(), span[1])
    if value[:1] == "(" and text[span[1] : span[1] + 1] == ")":
        return span[0] + 1, span[1]  # in brackets: "mot de passe (Bordeaux#1987) par …"
    if value[-1:] in _CLOSING_QUOTES and _CLOSING_QUOTES[value[-1]] not in value:
        # A quote closes around the sentence, not the value: "«Пароль: Zayavka#2024»".
        return span[0], span[1] - 1
    key_start = _key_start(text, start)
    before_key = text[key_start - 1 : key_start]
    if text[span[1] : span[1] + 1] in _MARKUP_STOPS and before_key == ";":
        # A connection string's pair ends at its ";" alone: "…;Pwd=S<ada=App1;Encrypt=yes;".
        pair_rest = _CONNECTION_VALUE_REST.match(text, span[1])
        if pair_rest is not None:
            return span[0], pair_rest.end()
    if text[span[1] : span[1] + 1] == " " and before_key == ";" and text[end : end + 1] == "=":
        spaced = _CONNECTION_VALUE_SPACED.match(text, span[1])
        if spaced is not None:
            return span[0], spaced.end()
    if value.startswith("-----BEGIN "):
        # A PEM block in a string ends with its END line; the escaped line break
        # after it is the string's: '"private_key": "-----BEGIN …-----END …-----\\n"'.
        marker = value.find("-----END ")
        close = -1 if marker == -1 else value.find("-----", marker + len("-----END "))
        if close != -1:
            return span[0], span[0] + close + len("-----")
    comma = value.find(",")
    if comma > 0 and before_key == ",":
        # A pair of an options' list ends at its ",": mount's "-o name=hpc,secret=AQh3…==,noatime".
        return span[0], span[0] + comma
    if before_key in ("+", "/") and _BASE64_RUN.fullmatch(text, max(0, key_start - 16), key_start):
        return None  # letters of a key in base64, not a name: "glc_0000…0+PW ok"
    if span[0] > end + 1 and text[end : end + 1] == "=" and value.lower() in _PROSE_AFTER_EQUALS:
        return None  # a word of a sentence after "= ": Suricata's "contains pass= in cleartext"
    if name.startswith("credential") and value.isalpha() and text[span[1] : span[1] + 1] == " ":
        return None  # a word of a sentence: "eas credentials: Android keystore for …"
    if _ALGORITHM_NAME.fullmatch(value):
        # An algorithm's name: "password_hash=argon2id t=3 …", "credential scope,
        # Authorization: AWS4-HMAC-SHA256 Credential=…" (its key id is found as one).
        return None
    if _URL_START.match(value):
        # A link, not a password: "Votre lien de réinitialisation du mot de passe :
        # https://…?jeton=…" (its token is the link's rule's).
        return None
    if _METHOD_CALL.match(value) and text[span[0] - 1 : span[0]] not in _QUOTES:
        # Code that makes the credentials, not a literal: "AwsBasicCredentials creds =
        # AwsBasicCredentials.create(…)" (its literals are judged as what they are).
        return None
    return span


#: Sixteen characters of base64 before a name: the name's letters are the key's.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{16}")
#: Words of a sentence that may follow "name= " where no value was given.
_PROSE_AFTER_EQUALS = frozenset(
    {"in", "is", "of", "to", "for", "and", "or", "at", "on", "with", "from", "as", "by", "the"}
)
#: A hash's or a signature's algorithm, named.
_ALGORITHM_NAME = re.compile(
    r"(?i:argon2(?:id|i|d)?|bcrypt|scrypt|yescrypt|pbkdf2(?:[_\-]sha(?:1|256|512))?"
    r"|(?:aws4-)?hmac-sha(?:1|256|384|512)|sha-?(?:1|224|256|384|512)|md5|sha3-(?:256|512))"
)
#: A method's call on a class or an object: "AwsBasicCredentials.create(".
_METHOD_CALL = re.compile(r"(?:new[ \t]+)?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\(")


_PLAIN_WORDS = re.compile(r"[a-z]+(?:[\-_][a-z]+)*")
#: A request signature's credential scope: the key's id, then the date, region and service.
#: (A service account's address as Google's id: "pod-reader%40proj.iam.gserviceaccount.com".)
_SIGNING_SCOPE = re.compile(
    r"(?:[A-Z0-9]{16,80}|[\w.\-]{1,64}(?:@|%40)[\w.\-]{1,128})(?:/|%2F)[0-9]{8}(?:/|%2F)",
    re.IGNORECASE,
)
#: A measure of the password, not the password: "strength of the password: 100".
_MEASURE_OF = re.compile(
    r"(?:strength|length|score|complexity|entropy|age)[ \t]+of[ \t]+(?:the[ \t]+|your[ \t]+)?\Z",
    re.IGNORECASE,
)
#: A command that stores a secret under a key: "pulumi config set --secret <key> <value>".
_SETS_KEY = re.compile(r"config[ \t]+set[ \t]+(?:--?[\w\-]{1,32}[ \t]+){0,8}--?\Z")
_NEXT_ARGUMENT = re.compile(r"[ \t]+(?![\-#|;&>])(?:'([^'\n]+)'|\"([^\"\n]+)\"|([^\s'\"]+))")
#: A debugger's char pointer, then the string it points to.
_POINTER_THEN_STRING = re.compile(r"0x[0-9a-f]{4,16}[ \t]+\"((?:[^\"\\\n]|\\.)*)\"")
#: Closing quotes of prose, each with its opening one.
_CLOSING_QUOTES = {"\u00bb": "\u00ab", "\u201d": "\u201c", "\u2019": "\u2018", "\u300d": "\u300c"}
#: A Kubernetes object's name (lower case, at least one "-"): "partner-api-tls".
_OBJECT_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
#: A setting's name: a word, camelCase or joined by "_", "-" or ".", without digits.
_SETTING_NAME = re.compile(r"[A-Za-z]+(?:[_\-.]?[A-Za-z]+)*")
#: A Kubernetes object by its namespace and name: "ledger/ledger-tls".
_NAMESPACED_OBJECT = re.compile(r"[a-z][a-z0-9\-]{2,62}/[a-z][a-z0-9]{2,}(?:-[a-z0-9]+)*")
#: Words of a sentence between a name and a value: "password is invalid.)\",…".
_PROSE_IN_GAP = re.compile(r"[A-Za-z]{2,}[ \t]+[A-Za-z]")
#: A variable of PowerShell (any case) or a shell, without digits: "$cred", "$securePwd".
_SHELL_VARIABLE = re.compile(r"\$[A-Za-z_]+")
#: Words between a name and its value: "credentials cache found (filename: …".
_GAP_BEFORE_VALUE = re.compile(r"[A-Za-z][ \t]")
#: PowerShell's "-Name <name> -Value <value>" (a registry value's, a variable's).
_POWERSHELL_NAME = re.compile(r"-Name[ \t]+[\"']?\Z", re.IGNORECASE)
_POWERSHELL_VALUE = re.compile(r"[\"']?[ \t]+-Value[ \t]+", re.IGNORECASE)
#: PAM's module types, after a service's name in "pam_unix(<service>:<type>)".
_PAM_TYPES = frozenset({"auth", "account", "session", "password", "chauthtok"})
#: A pair's name and its "=" first: a list of pairs, not a value.
_PAIR_FIRST = re.compile(r"[A-Za-z_][\w.\-]{0,63}=[^=]")
#: Verbs after a name and a ":" with no blank between: a namespaced task or command.
_COMMAND_VERB = re.compile(
    r"edit|show|diff|list|get|set|create|delete|rotate|reset|update|add|remove|generate"
    r"|clear|fetch|pull|push|sync|encrypt|decrypt|check|verify|expire"
)
_SNMP = re.compile(r"snmp|trap|\boid\b|mib", re.IGNORECASE)
#: How a format marks its value's encoding, kept before it: Jetty's obfuscated
#: "OBF:1v2j…", an .rdp file's "password 51:b:0100…" (type 51, binary).
_VALUE_TYPE = re.compile(r"OBF:|[0-9]{1,2}:[sib]:")


_CLOSERS = " \t\"'`)]};,"
_RATIO = re.compile(r"[0-9]+/[0-9]+")
_LEEF_NEXT_PAIR = re.compile(r"\^[A-Za-z_][\w.\-]{0,63}=")
_BLANK_OR_LINE = " \t\n"
#: The end of a name in angle brackets that stands for a value in a usage text
#: ("<password> [-h <host>]") or a URL's user information ("rtsp://<user>:<password>@cam"),
#: not an XML element's opening tag ("<password>x</").
_USAGE_PLACEHOLDER = re.compile(r">(?:[ \t\]@]|\Z)(?![^<\n]{0,80}</)")
#: A flag's value that says where a secret comes from: "--secret id=aws,env=AWS_PROFILE".
_FLAG_SPEC = re.compile(r"(?:id|src|source|env|type|target)=")
#: The types a command's help writes after a flag, then two blanks or its line's end.
_FLAG_TYPES = frozenset(("string", "strings", "stringArray", "duration", "int", "uint", "bool"))
_HELP_GAP = re.compile(r"[ \t]{2}|[ \t]*(?:\n|\Z)")
#: A prompt's text, a call's argument: words and a colon ("Keystore password: ").
_PROMPT = re.compile(r"[^\W\d_]{2,}[^:\n]*[ \t][^:\n]*:[ \t]?")
#: Code that computes a value: a function's (or a method's) name, its "(", a first argument.
_CALL = re.compile(r"[A-Za-z_]\w{3,}(?:\.[A-Za-z_]\w*)*\([\w.]*")
#: crypt's alphabet, and a hash of it that runs up to a name's start: "$6$salt$…Pw".
_CRYPT_CHARACTERS = frozenset("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_IN_CRYPT_HASH = re.compile(r"\$(?:[0-9]|apr1|2[abxy]?|[0-9]{1,2})\$[./0-9A-Za-z$]{8,}\Z")
_CRYPT_WINDOW = 160
#: A class built where a value would be: "BasicAWSCredentials(", PHP's "array".
_CONSTRUCTOR = re.compile(r"[A-Z][a-z]+[A-Z]\w{2,}\(|array\Z")
#: A message's first words that deny: "doesn't match Password".
_NEGATIONS = frozenset(("doesn't", "don't", "can't", "isn't", "wasn't", "mustn't"))
#: A name of words in lower case joined by "_" or "-": an identifier, not a value.
_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:[_\-][a-z0-9]+)+")
#: Words for a user's name, which a colon's gap may end on: "… Passwort bei der
#: nächsten Anmeldung (Benutzer: kasse2)" names the user, not the password.
_USER_WORDS = frozenset(
    {
        *("user", "username", "login", "benutzer", "benutzername", "utilisateur", "usuario"),
        *("utente", "gebruiker", "account", "konto", "compte", "cuenta", "conta"),
    }
)


def _names_user_last(gap: str) -> bool:
    """Whether the last word of a colon's gap names a user in an aside: "(Benutzer:"
    ("password for user: x" may be a prompt's answer); or is the gap's one word, the
    next pair's name: "auth_type: userpass  username: ck_48811"."""
    words = gap.rstrip().rstrip(":\uff1a").split()
    if len(words) == 1 and words[0].lower() in _USER_WORDS:
        return True
    return (
        bool(words) and words[-1][:1] in "([" and words[-1].strip("([{\"'").lower() in _USER_WORDS
    )


#: A device's key's name written with capitals, as prose writes it: "Pre-Shared-Key".
_TITLED_DEVICE_NAME = re.compile(r"Pre-Shared-Key|Shared-Key|Pre-shared-key")
#: An acronym, then "/" before the name: "PIN/Passwort des Zertifikats: …", no path.
_WORD_SLASH = re.compile(r"(?<![\w/.~\-])[A-Z]{2,6}/\Z")


def _looks_like_quoted_phrase(value: str) -> bool:
    """A password in quotation marks, or a passphrase of words with a digit or a sign."""
    return _looks_like_quoted_password(value) or (
        " " in value and looks_like_password(value.replace(" ", ""))
    )


#: A delimiter, then a URL's query: "串流密钥: ?streamname=…&key=…".
_QUERY_AFTER = re.compile(r"[ \t]*[:=\uff1a][ \t]*\?[\w.\-]+=")
#: git's signing key, named by its id (hex), not the key itself.
_SIGNING_KEY_ID = re.compile(r"(?i:signingkey)[ \t]*=[ \t]*[0-9A-Fa-f]{8,40}(?![\w])")
#: After "(passwd", PAM's module: "pam_unix(passwd:chpasswd): password changed".
_PAM_MODULE = re.compile(r":[a-z][\w\-]{0,31}\)")
#: A name of small words joined, as a kind is named, after "=": "=phone_key ".
_IDENTIFIER_AFTER = re.compile(r"=[a-z]+(?:_[a-z]+)+(?=[\s,;]|\Z)")
#: The rest of a key of three parts or more, after its first ":" (a cache's or a queue's).
_KEY_PATH = re.compile(r"[\w\-]+(?::[\w\-]+){2,}(?=[\s\"']|\Z)")
#: A place's name glued before "-Pass", as a mountain pass is named.
_PLACE_BEFORE = re.compile(r"[A-Z][a-z\u00e0-\u00ff]{2,}-\Z")
#: A user's name right before a bare "pass".
_USER_THEN = re.compile(r"(?<![\w\-])(?:user|login)[ \t]+[^\s=:]{1,64}[ \t]+\Z", re.IGNORECASE)
#: MySQL's clients, whose "--password" (or "-p") without "=" asks for the password.
_MYSQL_CLIENT = re.compile(r"(?<![\w\-])(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)[ \t]")
_DATABASE_NAME = re.compile(r"[a-z_]{2,64}")
#: A password manager's command before the name, whose argument is an item's name.
_ITEM_VERB = re.compile(r"(?<![\w\-])(?:get|show)[ \t]+\Z", re.IGNORECASE)
#: The first word of a policy's setting that names a password: "Require password",
#: "Minimum password length", "Enforce password history".
_SETTING_VERBS = frozenset(
    ("require", "minimum", "maximum", "enforce", "allow", "enable", "disable", "prompt")
)


def _names_a_secret(name: str) -> bool:
    """Whether a name holds a password's, a secret's, a token's or a key's word."""
    return any(word in name for word in ("secret", "pass", "token", "key", "pw"))


def _setting_title(text: str, start: int, end: int) -> bool:
    """Whether the name stands in a quoted title that starts with a policy's verb."""
    opening = text.rfind('"', max(0, start - 48), start)
    closing = text.find('"', end, end + 48)
    if opening == -1 or closing == -1 or "\n" in text[opening:closing]:
        return False
    words = text[opening + 1 : start].split()
    return bool(words) and words[0].lower() in _SETTING_VERBS


#: Values that are the name of a secret's field, not a secret (as such names are written).
_NAME_ONLY = frozenset(("password", "passwd", "passphrase", "secret", "token", "pwd", "pass"))
#: Terraform's block of a resource or data source, whose type is named next.
_RESOURCE_TYPE = re.compile(r"(?<![\w\-])(?:resource|data|ephemeral)[ \t]+\"[\w\-]*\Z")
_RESOURCE_WINDOW = 64
#: Sixteen hex digits and more, a digit and a letter among them: a key's, not a name's.
_LONG_HEX_RUN = re.compile(r"(?=[0-9a-f]{0,15}[0-9])(?=[0-9a-f]{0,15}[a-f])[0-9a-f]{16,}")


#: A key whose value names where a secret is kept: an existing Kubernetes Secret, the
#: key of one, a secret's name or reference ("existingSecret", "adminPasswordKey",
#: "passwordSecretName", "passwordSecretKey", "secretRef").
_NAMES_A_REFERENCE = re.compile(
    r"[\w.\-]*?(?:existing[_\-]?secret|pass(?:word)?[_\-]?(?:secret[_\-]?)?key(?![\w\-])|secret[_\-]?name"
    r"|secret[_\-]?ref|key[_\-]?ref|secret[_\-]?keys?\.)",
    re.IGNORECASE,
)


#: A URL with a user and a password, whose password ``URL_SCAN`` takes.
_URL_WITH_LOGIN = re.compile(r"[A-Za-z][\w+.\-]*://[^\s/?#@:]*:[^\s/?]+@")


#: After "name= ", what says the value is empty: the line's end, the next pair, a remark.
# (Or a comment: ".env.example: DB_PASSWORD= # ask ops for it".)
_EMPTY_AFTER = re.compile(r"[ \t]*(?:\r?\n|\Z|\(|\[|<|#[ \t]|[^\s=:\"']*[=:])")


def _named_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The value after a secret's name and its separator, if there is one.

    Separators: ``=``, ``:``, ``:=``, ``=>`` (with or without spaces and
    the quotes of a quoted key, or a subscript's ``]``), ``<password>…`` in
    XML; a space alone before a quoted value (``WITH PASSWORD 'x'``) or
    after a command-line flag (``--password x``); a ``value`` field after
    the name's own (``"key": "smtp.password", "value": "x"``). After a
    space in a sentence, only a word a password looks like is one
    (``_prose_value``): "password reset requested" is left alone.
    """
    before = text[start - 1 : start]
    if (
        before == "/"
        and not (text[start - 2 : start - 1] in (" ", "\t") and text[end : end + 1] == ":")
        and not _WORD_SLASH.search(text, max(0, start - 16), start)
    ):
        return None  # a path: "/etc/passwd: permission denied" (not Windows' "/pass:x")
    if before == ":" and text.rfind("arn:", max(0, start - _ARN_WINDOW), start) != -1:
        return None  # an ARN's resource type: "arn:aws:secretsmanager:…:secret:db"
    if end - start <= 4 and text[end : end + 1] == ":" and _KEY_PATH.match(text, end + 1):
        return None  # a cache's key: 'key="pass:season:2024:holder:88123"'
    if text[start:end] == "Pass" and _PLACE_BEFORE.search(text, max(0, start - 40), start):
        return None  # a mountain pass: "Wetterstation Timmelsjoch-Pass: Schneehöhe …"
    if text[start:end] == "credentials" and text.startswith(("=/", "=~/"), end):
        return None  # mount.cifs' file of them: "-o credentials=/root/.smbcred"
    if text[start:end].lower() == "credential" and _IDENTIFIER_AFTER.match(text, end):
        return None  # a credential's kind: "credential=phone_key method=tap"
    if before == "(" and _PAM_MODULE.match(text, end):
        return None  # PAM's service and module: "pam_unix(passwd:chpasswd)"
    if text[start:end].lower() == "key" and _SIGNING_KEY_ID.match(text, max(0, start - 7)):
        return None  # git's "user.signingkey=4AA4767BBC9C4B1D": the GPG key's id
    if _QUERY_AFTER.match(text, end):
        return None  # a URL's query after the name, its pairs read by their own names
    if text.startswith((":env ", ":file "), end):
        return None  # keytool's "-storepass:env NAME", "-keypass:file path": where it is
    if text.startswith("::", end):
        return None  # a path in code: Rust's "Credentials::new(…)", C++'s "Secret::load"
    if text[start] in "rR":
        # Oracle's REPLACE, the old password, in a statement that sets a new one.
        window = max(0, start - _REPLACE_WINDOW)
        identified = text[window:start].upper().rfind("IDENTIFIED")
        if identified == -1 or ";" in text[window + identified : start]:
            return None
        return value_span(text, end)
    if text[start] in "iI" or text[end - 1] in "= \t":
        # IDENTIFIED BY, SET PASSWORD FOR …: the match ends where the value starts
        return value_span(text, end)
    if "$" in text[max(0, start - _KEY_LENGTH - 2) : start] and text.startswith(
        "${", _key_start(text, start) - 2
    ):
        return None  # a reference with a default or a message: "${DB_PASSWORD:?unset}"
    if text.startswith("passwd", start) and text[start - 2 : start].lower() == "ch":
        return _chpasswd_input(text, start)
    if text[start - 3 : start] == ".pg":
        line = _PGPASS_LINE.search(text, end, end + _PGPASS_WINDOW)
        if line is None:  # the last line before the name
            lines = list(_PGPASS_LINE.finditer(text, max(0, start - 3 - _PGPASS_WINDOW), start - 3))
            line = lines[-1] if lines else None
        return None if line is None or is_masked(line.group("value")) else line.span("value")
    if text[end : end + 1] == "(":
        # A call: "PASSWORD('x')", ".password(\"x\")"; not a getter's argument.
        if text[max(0, start - 4) : start].lower().rstrip("_").endswith("get"):
            return None
        setter = text[max(0, start - 4) : start].lower().rstrip("_").endswith("set")
        handle = _HANDLE_FIRST.match(text, end + 1)
        if handle is not None and setter:
            # A setter given its object first, then the literal: libIEC61850's
            # 'AcseAuthenticationParameter_setPassword(auth, "…")'.
            return _last_literal(text, value_span(text, handle.end()))
        if text[_skip_blank(text, end + 1)] not in _QUOTES + "\\" and not (
            text[start:end].isupper()
        ):
            return None  # a variable: "set_password(raw_password)"
        if text[end + 1 : end + 2] == "*" and text[end + 2 : end + 3].isalpha():
            return None  # IBM i's special values: "PASSWORD(*NONE)", "*SAME"
        span = value_span(text, _skip_blank(text, end + 1))
        if span is not None and text[start:end].lower().startswith("credential"):
            # A credential's user, then its password: "NetworkCredential(\"u\", \"x\")".
            second = _SECOND_LITERAL.match(text, span[1] + 1)
            if second is None:
                return None  # the password is no literal here: "PSCredential('u', $secure)"
            return value_span(text, second.end())
        # A setter's last literal is the password, after its service's and user's:
        # keyring's 'set_password("svc", "bob", "…")'.
        return _last_literal(text, span) if setter else span
    if text[end : end + 1] in PARTICLES:
        return _after_particle(text, end + 1)  # "비밀번호는 …", "パスワードは「…」", "密码是…"
    set_to = _CJK_SET_TO_AT.match(text, end)
    if set_to is not None:
        return _after_particle(text, set_to.end())  # "密码已重置为 Zw@123456"
    field = _VALUE_FIELD.match(text, end)
    if field is not None:
        return value_span(text, field.end())
    # (A constant's name may end in "__": PHP's 'define("__CA_DB_PASSWORD__", …)'.)
    name_end = end + 2 if text.startswith("__", end) else end
    if text[name_end : name_end + 1] in _COLUMN_FIRST and _COLUMN_END.match(text, name_end):
        values = _insert_values(text, start, end)
        if values is not None:  # a column of SQL's INSERT, whatever its value
            return _insert_value(text, text.count(",", values[0], start), values[1])
        pair = _LIST_PAIR.match(text, name_end)
        if pair is not None:
            key_start = _key_start(text, start)
            if (
                text[key_start : key_start + 1] == "-"
                and text[key_start - 1 : key_start] == (text[name_end])
            ):
                # A flag among a command's arguments, its value the next one, however
                # long the list: '["pos-exporter", "--password", "Arg$Pass!5", …]'.
                span = value_span(text, pair.end())
                return None if span is None or text[span[0]] == "-" else span
            if _opens_pair(text, key_start, text[name_end]):
                return _bracketed_value(text, pair.end())
    position = end
    quoted_name = False
    if text.startswith(('\\"', "\\'"), position):
        position += 2
    elif text[position : position + 1] in ('"', "'"):
        position += 1
        quoted_name = True
        attribute = _VALUE_ATTRIBUTE.match(text, position)
        if attribute is not None:  # XML: '<property name="password" value="…"/>'
            return value_span(text, attribute.end())
    if text[position : position + 1] == "]":
        position += 1  # Python's settings["PASSWORD"] = "…"
    elif text.startswith(("%5D", "%5d"), position):
        position += 3  # a form's field, encoded: "user%5Bpassword%5D=…"
    after_name = position
    position = _skip_blank(text, position)
    if text.startswith((":=", "=>"), position):
        position += 2
        dumped = _PHP_DUMP_TYPE.match(text, position)
        if dumped is not None:  # PHP's var_dump: '["password"]=> string(12) "…"'
            position = dumped.end()
    elif text[position : position + 1] in (":", "=", "\uff1a"):  # a full-width colon too
        if (
            text[position] == "="
            and position == after_name
            and text[position + 1 : position + 2] in ("", " ", "\t", "\n")
            and _EMPTY_AFTER.match(text, position + 1)
        ):
            # An empty value: "password= user=bob", "secret=  (empty)" (INI's
            # "password = x" has one; Windows' sc.exe writes 'password= "x"', a
            # Java properties file "keyPassword= Se@ler-Key-8").
            return None
        position += 1
        app = _app_password(text, start, _skip_blank(text, position))
        if app is not None:
            return app
        span = value_span(text, _skip_blank(text, position))
        if span is not None and _not_a_secret(text, start, end, text[position - 1], span):
            return None
        return None if span is None else _to_line_end(text, start, span)
    elif text[position : position + 1] == ">" and (
        quoted_name
        or text[max(0, _key_start(text, start) - 1) : start].startswith("<")
        or _NAMESPACE_BEFORE.search(text, max(0, start - 48), start)
        # (A name with a word before its own: "<Core:UserPassword>".)
        or _namespace_before_key(text, start)
    ):
        if text[_key_start(text, start) : end].lower() == "auth-user-pass":
            return None  # OpenVPN's user, then its password, each on a line (``labelled_secrets``)
        # XML: "<password>…<", "<auth:Password>…<", '<entry key="password">…<',
        # '<property name="hibernate.connection.password">…<', and the value
        # in an element of its own: "<AdministratorPassword><Value>…<".
        position += 1
        inner = _VALUE_ELEMENT.match(text, position)
        if inner is not None:
            position = inner.end()
        if text.startswith("<![CDATA[", position):
            # Magento's local.xml: "<password><![CDATA[M@g3nt0_1.9!]]></password>".
            position += len("<![CDATA[")
            # (Looked for within a bound: a text of unclosed sections reads each once.)
            close = text.find("]]>", position, position + _CDATA_WINDOW)
            if close == -1 or close == position or is_masked(text[position:close]):
                return None
            return position, close
        found = text.find("<", position)
        value_end = len(text) if found == -1 else found
        value = text[position:value_end]
        if not value.strip() or is_masked(value):
            return None
        if found != -1 and not text.startswith("</", found) and "=" in value:
            # A placeholder, then prose to the next one: "X=<your-secret-key> and Y=<…>".
            return None
        opening = _key_start(text, start) - 1  # the "<" of the element, or placeholder
        if (found == -1 or not text.startswith("</", found)) and text[
            max(0, opening - _PLACEHOLDER_GAP) : max(0, opening)
        ].rstrip(" \t").endswith((":", "=")):
            return None  # a placeholder as a pair's value: "password: <your-van-password>"
        if found == -1 and not _ONE_WORD.fullmatch(value):
            # No element closes: a line cut after its value holds one word,
            # prose does not ("ERR AUTH <password> called without …").
            return None
        if found != -1 and not text.startswith("</", found) and "\n" in value.strip():
            # A placeholder, not an element: '.env.example's "DB_PASSWORD=<your-db-password>",
            # then the next lines (no "</" closes it).
            return None
        return position, value_end
    elif text[position : position + 1] in _QUOTATION_MARKS:
        return _in_quotation_marks(text, position)
    elif position > after_name and position < len(text):
        app = _app_password(text, start, position)
        if app is not None:
            return app
        registry = _REGISTRY_TYPE.match(text, after_name)
        if registry is not None:
            return _registry_value(text, registry.end())
        powershell = _POWERSHELL_VALUE.match(text, after_name)
        if powershell is not None and _POWERSHELL_NAME.search(
            text, max(0, _key_start(text, start) - 16), _key_start(text, start)
        ):
            # PowerShell's "Set-ItemProperty … -Name SharedSecret -Value '…'": the name
            # in one parameter, the secret in the next (not a variable: "-Value $pw").
            if _SHELL_VARIABLE.match(text, powershell.end()) or text.startswith(
                "-", powershell.end()
            ):
                return None  # (or the next parameter: "-Value -Force")
            return value_span(text, powershell.end())
        if _DEVICE_NAMED.match(text, start, end) and not _TITLED_DEVICE_NAME.search(
            text, max(0, start - 12), end
        ):
            # (Configurations write it in small letters: "Pre-Shared-Key für …" is prose.)
            return _device_value(text, position)
        if text[start:end].lower() == "key" and not _NAMED_KEY.match(text, start):
            # "key" alone: a device's on an AAA server's line, else a word of a sentence.
            first = _line_start(text, start)
            if not _AAA_LINE.match(text, first) and not (
                # Or indented in an AAA server's block: "radius server ISE\n key 0 x".
                text[first : first + 1] in _BLANK
                and _AAA_BLOCK.search(text, max(0, start - _LINE_WINDOW), first)
            ):
                return None
            return _device_value(text, position)
        directive = _directive_value(text, start, position)
        if directive is not None:
            return directive
        if text[start - 7 : start].lower() == "require":
            return value_span(text, position)  # redis.conf: "requirepass <value>"
        if _LOGIN_BEFORE.search(text, max(0, start - 96), start):
            return value_span(text, position)  # .netrc: "machine h login u password <value>"
        flag = _is_flag(text, start)
        cisco = None if flag else _CISCO_TYPE.match(text, position)
        if cisco is not None:
            return _cisco_secret(text, cisco)
        if flag and text[position] == "-":
            return None  # the next flag: "--password --verbose" has no value here
        if flag and _next_word(text, position).lower() in _PROSE_AFTER_FLAG:
            return None
        if (
            flag
            and text[start - 2 : start] == "--"
            and _DATABASE_NAME.fullmatch(_next_word(text, position))
            and _MYSQL_CLIENT.search(text, max(0, start - 200), start)
        ):
            # MySQL's "--password" alone asks for it: "mysqldump --password db" (a word
            # a password would not be, as a database's name is).
            return None
        if _ITEM_VERB.search(text, max(0, start - 8), start):
            return None  # a password manager's item: 'bw get password "Proxmox root"'
        if text[position] in _QUOTES and _STATEMENT_END.match(text, position):
            return value_span(text, position)  # BIND's 'secret "…";', a statement of its own
        if (
            not flag
            and text[position] in _QUOTES
            and _names_a_secret_itself(text[start:end].lower())
        ):
            # A secret's or a password's name in any language, then a quoted word no
            # sentence holds: DuckDB's "SECRET 'qJj77…'", 'contraseña "Mariposa.Azul-84"'
            # (not 'Secret "db-creds" not found', a Kubernetes object's name).
            quoted = value_span(text, position)
            word = "" if quoted is None else text[quoted[0] : quoted[1]]
            if looks_like_password(word) or (
                _GENERATED.fullmatch(word) and mixes_cases_and_digits(word)
            ):
                return quoted
        if not flag and text[start:end].lower() == "pass" and text[position] in _QUOTES:
            # "pass" is a word of its own too: a shader's "Compiling pass 'ForwardLit'",
            # a map's "Mountain pass 'Kheldar Pass'"; a password only if it looks like one.
            quoted = value_span(text, position)
            word = "" if quoted is None else text[quoted[0] : quoted[1]]
            return quoted if looks_like_password(word) else None
        if not flag and (text[start] not in "pP" or text[position] not in _QUOTES + "\\"):
            # Only a password's name, before a quote, needs no ":" or "=":
            # 'Secret "db-creds" not found' names a Kubernetes object. In a
            # sentence, only a word that looks like a password is one.
            return _prose_value(text, start, end, position)
    else:
        return None
    return value_span(text, _skip_blank(text, position))


# Every match of the names' pattern starts on one of these words (in any
# case): "pass" (password, passwd, passphrase; "requirepass" looks back for
# "require"), "pw" (pwd), "psk", "secret", "key" (of "private_key" and the
# like: its alternative starts on "key" and looks back for the rest),
# "identified", "credential", the directives' and devices' own names
# (``credentials.DIRECTIVE_NAME_WORDS``) and other languages' in ASCII.
_NAME_WORDS = (
    *("pass", "pw", "pswd", "psk", "secret", "key", "identified", "credential", "replace"),
    *DIRECTIVE_NAME_WORDS,
    *PASSWORD_WORDS_ASCII,
)
# Texts up to this long are searched afresh on each call (see below).
_SHORT = 512


@dataclass(slots=True)
class _WordState:
    text: str
    lowered: str
    found: dict[str, int]
    pos: int


def word_searcher(words: tuple[str, ...]) -> Callable[[re.Pattern[str]], Search]:
    """A scan's search that skips to the next of ``words`` with ``str.find``.

    ``re`` cannot skip to a word whose first letters are as common as "p",
    "s" and "k" in any case: it tried the whole pattern at each of them
    (about 6 µs on a short line). ``str.find`` on the lower-cased text finds
    each word at memory speed; the pattern is then matched where one is,
    in order, which gives the matches ``pattern.search`` would when every
    match starts on one of the words. Lower casing keeps the positions of
    an ASCII text; any other text takes the plain search. The last text's
    lower-cased copy and next word positions are kept: the engine searches
    the same text again after each match, and a 64 KiB text must not be
    lower-cased or searched anew each time (per thread: a redactor may be
    shared).
    """
    return functools.partial(_word_search, words)


def _word_search(words: tuple[str, ...], pattern: re.Pattern[str]) -> Search:
    # Per thread: the text, its lower-cased copy, the next position of each
    # word at or after the last ``pos`` (-1: none), and that ``pos``.
    local = threading.local()

    def search(text: str, pos: int) -> re.Match[str] | None:
        if not text.isascii():
            return pattern.search(text, pos)
        if len(text) <= _SHORT:
            # A log line: the words it holds, looked for once; after a
            # position that is no match, only those found again.
            lowered = text.lower()
            held = [word for word in words if word in lowered]
            while held:
                best = -1
                for word in held:
                    at = lowered.find(word, pos)
                    if at != -1 and (best == -1 or at < best):
                        best = at
                if best == -1:
                    return None
                match = pattern.match(text, best)
                if match is not None:
                    return match
                pos = best + 1
            return None
        state: _WordState | None = getattr(local, "state", None)
        if state is None or state.text is not text or pos < state.pos:
            state = local.state = _WordState(text, text.lower(), {}, pos)
        lowered, found = state.lowered, state.found
        while True:
            best = -1
            for word in words:
                at = found.get(word, -2)
                if at != -1 and at < pos:
                    at = found[word] = lowered.find(word, pos)
                if at != -1 and (best == -1 or at < best):
                    best = at
            if best == -1:
                state.pos = pos  # what was found holds from here on, not before
                return None
            match = pattern.match(text, best)
            if match is not None:
                state.pos = pos  # what was found holds from here on, not before
                return match
            pos = best + 1

    return search


# A value that is itself a secret's name and separator, as in "reconcile
# secret: password=x" or "secret: jwt_secret: x": not the value.
_INNER_PAIR = re.compile(r"[\w.\-]{0,40}?" + _NAME + r"[\"']?[ \t]*[:=]", re.ASCII | re.IGNORECASE)

#: The names of network devices' keys; what follows is a value, whatever it looks like.
_DEVICE_NAME = (
    r"(?<=isakmp[ \t])key|(?<=pre-shared-)key|(?<=pre-shared-)secret|(?<=authentication-)key"
    r"|(?<=message-digest-)key|(?<=snmp-server[ \t])community|(?<=set[ \t]snmp[ \t])community"
    r"|(?<=ro)community"
    r"|(?<=rw)community|key-string"
)
_DEVICE_NAMED = re.compile(rf"(?:{_DEVICE_NAME})\Z", re.IGNORECASE)
_NAMED_KEY = re.compile(_NAME, re.ASCII | re.IGNORECASE)
#: Cisco's "tacacs-server host 10.1.1.5 key …", "radius-server host … key 7 …".
_AAA_LINE = re.compile(r"[ \t]*(?:tacacs|radius)(?:-server)?[ \t]", re.IGNORECASE)
_AAA_BLOCK = re.compile(r"(?:^|\n)(?:tacacs|radius)[ \t]server[ \t]", re.IGNORECASE)

# The separators ``_check_named`` accepts, as look-aheads after the name, so
# that a name in prose ("password reset requested") is turned away by the
# regex: ":" or "=" (also after the key's closing quote; ":=", "=>") or ">"
# (XML); a quote after spaces; after spaces, a flag's value, where the name
# follows a "-" ("--password x", "--db-password x").
_SEPARATED = (
    # The name once, then what may follow it: matched again for each form,
    # the name's alternation cost a short line with "password" in it 10 µs.
    rf"{_NAME}(?="
    # (A form's field in brackets, encoded in a logged body: "user%5Bpassword%5D=".)
    r"\\?[\"']?(?:\]|%5[Dd])?[ \t]*[:=>\uff1a]|[\"'][ \t]+value[ \t]*="
    r"|[\"'][ \t]*,[ \t]*value[ \t]*[:=]|[ \t]+value="
    r"|\\?[\"']?(?:[ \t]*,[ \t]*(?:(?:\\n|\r?\n)[ \t]*)?\\?[\"']|[ \t]*(?:\\n|\n)[ \t]*)"
    r"value\\?[\"']?[ \t]*[:=]"
    # Hadoop's "<name>…password</name><value>".
    r"|</name>[ \t]*(?:\\n|\r?\n)?[ \t]*<value>"
    r"|[\"']?[ \t]+\\?[\"'`]"
    # A pair in brackets, Rails' bind values, Python's tuples, PHP's define():
    # '["password", "x"]'; a column of SQL's "INSERT INTO t (email, password) VALUES (…)".
    r"|(?:__)?[\"'`\]]?[ \t]*[,)]"
    # A call: "PASSWORD('x')", ".password(\"x\")", "setPassword('x')"; a setter given
    # its object first: 'setPassword(auth, "x")' (``_HANDLE_FIRST``).
    r"|\([ \t]*\\?[\"']"
    r"|\([ \t]*&?[A-Za-z_][\w.\->]{0,40}[ \t]*,[ \t]*[\"']"
    # A command's parameter, unquoted: IBM i's "CHGUSRPRF … PASSWORD(X9PW22)".
    r"|\([^\s()\"',]{4,}\)"
    # The Windows registry's "DefaultPassword    REG_SZ    x" (``_registry_value``).
    r"|[ \t]+(?:/t[ \t]+)?REG_(?:EXPAND_|MULTI_)?SZ[ \t]"
    # PowerShell's "-Name SharedSecret -Value '…'" (``_POWERSHELL_VALUE``).
    r"|[\"']?[ \t]+-Value[ \t]"
    # A configuration file's directive, the value last on its line:
    # keepalived's "auth_pass 1234", BIND's 'secret "…";' (``_directive_value``).
    r"|[ \t]+[^\s;]+;?[ \t]*(?:\r?\n|\Z)"
    # A value in corner brackets: "パスワード「…」"; a particle, then the value.
    r"|[ \t]*[\u300c\u300e]|"
    + _CJK_SET_TO
    + "|"
    + _PARTICLE_CLASS
    # Cisco's "username x password 0 <plain>", "enable secret 5 $1$…"; Huawei's and
    # HPE's modes ("password irreversible-cipher …", "… user-name "u" plaintext …").
    + r"|[ \t]+(?:[05789]|"
    + _DEVICE_MODE
    + r")[ \t]+[^\s]"
    # An app password, four groups of letters: msmtprc's "password abcd efgh ijkl mnop".
    + r"|[ \t]+(?-i:[a-z]{4}(?: [a-z]{4}){3})(?![^\s\"',;])"
    # A sentence: "with password Ftp!Sync2024" (``_prose_value`` judges the word).
    + r"|[ \t]+(?:"
    + _FILLER_WORDS
    + r"[ \t]+)?[^\s]{8}"
    # ... or in quotation marks: "mot de passe « Trad044!fr »".
    + r"|[ \t]+[\u00ab\u201c\u201e][ \t\u00a0\u202f]?[^\s]{4}"
    # ... with words before the verb: "the password i set was …", "pw was \"x1\"".
    # (Each word possessive: a word is followed by a blank, which it cannot
    # hold, so giving back its letters only tries in vain; 1 µs a name.)
    + r"|[ \t]+(?:"
    + _GAP_WORD
    + r"[ \t]+){0,10}?"
    + _PROSE_VERBS
    + r"[ \t]+(?:[^\s]{8}|"
    + _QUOTED_START
    + r"|[\u00ab\u201c\u201e][ \t\u00a0\u202f]?[^\s]{4})"
    # ... or words, then a colon: "Mot de passe provisoire : …".
    # (A colon must follow on the line: one run of the class says whether before
    # the words are tried at each of their ends.)
    + f"|(?={_COLON_AHEAD_PATTERN})"
    + r"[ \t]+(?:[^\s=:]{1,48}+[ \t]+){0,"
    + str(_COLON_GAP_WORDS)
    + "}?"
    + _COLON_GAP_TAIL
    + r"(?:[^\s]{6}|"
    + _QUOTED_START
    + ")"
    + r")"
    # A flag's value, where the name follows a "-" ("--password x").
    + rf"|(?<=-){_NAME}(?=[ \t]+[^\s\-])"
    # "echo 'user:pw' | chpasswd"; a .pgpass file's "host:port:db:user:pw" lines.
    + r"|(?<=ch)passwd(?![\w\-])|(?<=\.pg)pass(?![\w\-])"
    # Cisco's "enable password x", any value.
    + rf"|(?<=enable[ \t]){_NAME}(?=[ \t]+[^\s])"
    # Network devices' keys, any value (``_device_value``): Cisco's "crypto isakmp
    # key x address …", Junos' "pre-shared-key ascii-text x", OSPF's
    # "message-digest-key 1 md5 x", SNMP's "snmp-server community x RO" (Junos: "set snmp
    # community x").
    + r"|(?:"
    + _DEVICE_NAME
    + r"|(?<=[ \t])key)(?=[ \t]+[^\s])"
)

NAMED_SCAN = Scan(
    f"(?:{_SEPARATED}|{_IDENTIFIED_BY})(?P<named_secret>)",
    {"named_secret": Kind("secrets", "SECRET", _check_named)},
    # Shared with the token parameters' scans, which run just before.
    trigger=may_name_secret,
    flags=re.ASCII | re.IGNORECASE,
    searcher=word_searcher(_NAME_WORDS),
)


def _check_url_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The match runs from "://" to the "@" that ends the user information;
    # the password is what follows the user name's ":".
    colon = text.index(":", start + 3)
    value = text[colon + 1 : end - 1]
    if "[REDACTED" in text[start:end] or _MASKED.match(value):
        return None  # a placeholder in the user information: redacted already
    if value.lower() in _NAME_ONLY:
        return None  # an example's login: "postgres://user:password@localhost/dev"
    if value.partition(";")[0].isdigit() and _PROPERTY.search(value):
        # JDBC's "sqlserver://host:1433;user=a@b;password=…": a port and properties (a
        # password may hold them too: "mysql://asrun:as;run=Exp0rt@db").
        return None
    hosts = _NEXT_HOST.search(value)
    if hosts is not None:
        # Several hosts, each with its login ("rabbit://u:pw@h1:5672,u:pw@h2:5672"): the
        # first password ends at its host; the others, the same, are found again.
        return colon + 1, colon + 1 + hosts.start()
    return colon + 1, end - 1


#: A host, its port and the next login of a URL with several hosts.
_NEXT_HOST = re.compile(r"@[\w.\-]+:[0-9]{1,5},[^\s,@/]+:")


def may_hold_url_password(text: str) -> bool:
    return "@" in text and ("://" in text or "sip:" in text or "sips:" in text)


def _check_sip_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A SIP URI's password: "sip:trunk-acme01:Trunk!4930@sip.carrier.example"."""
    colon = text.index(":", text.index(":", start) + 1)
    value = text[colon + 1 : end - 1]
    if not value or "[REDACTED" in text[start:end] or _MASKED.match(value):
        return None  # (the user replaced already: a phone number, "sip:+1415…@host")
    return colon + 1, end - 1


def _check_url_token(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A key as a URL's user, without a password: Sentry's DSN
    ``https://<32 hex>@o1.ingest.sentry.io/2``, a token cloning over HTTPS.
    A user's name is seldom this long with both letters and digits."""
    user = text[start + 3 : end - 1]
    if not any(c.isdigit() for c in user) or not any(c.isalpha() for c in user):
        return None
    if _SSH_KEY_ID.fullmatch(user):
        return None  # an SSH public key's id, CodeCommit's user: "ssh://APKA…@git-codecommit…"
    return start + 3, end - 1


_SSH_KEY_ID = re.compile(r"APKA[A-Z0-9]{16}")


#: Characters that end an unquoted value elsewhere (markup, a pipe) but not in a
#: connection string's pair, and the rest of such a value up to its ";".
_MARKUP_STOPS = frozenset("<>|`")
_CONNECTION_VALUE_REST = re.compile(r"[^\s;\"']{1,128}(?=;|\Z)")
#: ... or over blanks, up to its ";" with no pair between: "Password=Pr0tel App#1;".
_CONNECTION_VALUE_SPACED = re.compile(r"[ \t][^;=\"'\n]{1,64}(?=;)")


# "postgres://user:Secr3t$!@host/db", "redis://:pw@host": the user name has
# no ":", "/" or "@"; the password runs to the last "@" before the host
# (passwords may hold "@" and "#"; never "/", "?" or white space, which end
# the authority of a URL).
URL_SCAN = Scan(
    # The user may be an email address: "smtp://noreply@acme.io:pw@smtp.host".
    # SMB's URIs may name the domain first: "smb://CORP/user:pw@host/printer" (CUPS'),
    # "smb://CORP;user:pw@host/share".
    r"://(?:(?:(?<=smb://)[^\s/?#@:;]{1,32}[/;])?"
    r"[^\s/?#@:]*(?:@[^\s/?#@:]+)?:[^\s/?]+@(?P<url_password>)"
    # (A token with "-" too: shoutrrr's "discord://<token>@<webhook id>".)
    r"|[A-Za-z0-9_\-]{20,}@(?P<url_token>))",
    {
        "url_password": Kind("secrets", "SECRET", _check_url_password),
        "url_token": Kind("secrets", "SECRET", _check_url_token),
    },
    trigger=may_hold_url_password,
    flags=re.ASCII,
)
# SIP's URIs have no "//": "sip:user:password@host" (RFC 3261 allows, and trunks'
# registrations print, a password there). A scan of its own, started on the literal
# "sip" (the look-behind after it): a branch of ``URL_SCAN`` would cost that scan its
# "://" prefix, which ``re`` skips to. It shares the URL scan's trigger.
SIP_SCAN = Scan(
    r"sip(?<![\w.\-]sip)s?:[^\s/?#@:;]+:[^\s/?;@]+@(?P<sip_password>)",
    {"sip_password": Kind("secrets", "SECRET", _check_sip_password)},
    trigger=may_hold_url_password,
    flags=re.ASCII,
)


_USER_NAME = re.compile(r"[\w.\-%+\\]+\Z")  # "DOMAIN\user" too
# Oracle's tools take "user/password@database": sqlplus, expdp, impdp, rman...
_ORACLE_COMMAND = re.compile(
    r"\b(?:sqlplus|sqlcl|expdp|impdp|exp|imp|rman|sqlldr|dgmgrl|conn(?:ect)?)\b[^|;&\n]*\Z"
)
#: Oracle's Easy Connect after the "@": "//host:1521/service", "//host/service".
_EASY_CONNECT = re.compile(r"//[A-Za-z0-9][A-Za-z0-9.\-]*(?::[0-9]{2,5})?/[A-Za-z]")
_HOST_AND_PORT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]*:[0-9]{2,5}(?![0-9])")
#: An IPv4 address alone after the "@": impacket's targets, "[domain/]user:password@address".
_ADDRESS_TARGET = r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?![\w.\-:@])"
_ADDRESS_AFTER = re.compile(_ADDRESS_TARGET)
#: A host's name, then a path, after the "@": Asterisk's "register => user:secret@host/ext".
_HOST_THEN_PATH = r"[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)+/"
_HOST_THEN_PATH_AFTER = re.compile(_HOST_THEN_PATH)
#: The user of such a target, its domain first if any ("corp.local/administrator").
_TARGET_USER = re.compile(r"(?:[\w.\-]+/)?[\w.\-%+\\$]+\Z")


#: Schemes written without "//" before a user and its "@": no password between.
_URI_SCHEMES = ("sip:", "sips:", "tel:", "mailto:", "xmpp:", "im:", "pres:")


def _check_login(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password of a login written before an "@" without a URL's scheme.

    Go's MySQL DSN ``user:pass@tcp(host:3306)/db`` (``@unix(…)``, ``@/db``),
    Oracle's ``user/pass@db`` and ``jdbc:oracle:thin:user/pass@//host``, a
    proxy's ``user:pass@proxy:3128``, impacket's ``domain/user:pass@10.0.0.5``.
    A URL's login (``scheme://``) is ``URL_SCAN``'s; an email address has no
    ":" or "/" before its "@".
    """
    token_start = login_start(text, start)
    token = text[token_start:start]
    if not token or "://" in token or "[REDACTED" in token:
        return None
    if token.lower().startswith(_URI_SCHEMES):
        return None  # "sip:1001@pbx:5060": a scheme, then the user
    after = text[end : end + 5]
    oracle_url = token.lower().startswith("jdbc:oracle")
    if (
        oracle_url
        # Oracle's Easy Connect, "user/pass@//host:1521/service", whatever tool prints it.
        or (_EASY_CONNECT.match(text, end) and "/" in token and ":" not in token)
        or _ORACLE_COMMAND.search(text, max(0, token_start - 80), token_start)
    ):
        login = token.rsplit(":", 1)[-1] if oracle_url else token
        user, slash, password = login.partition("/")
        separator_at = start - len(login) + len(user)
    elif after.startswith(("tcp(", "unix(", "/")) and not after.startswith("//"):
        user, slash, password = token.partition(":")
        separator_at = token_start + len(user)
    elif _HOST_AND_PORT.match(text, end) or _HOST_THEN_PATH_AFTER.match(text, end):
        user, slash, password = token.partition(":")
        separator_at = token_start + len(user)
        if not _USER_NAME.match(user):
            return None
    elif _ADDRESS_AFTER.match(text, end):
        # impacket's "corp.local/administrator:Summer#2023!@10.14.2.31" (the password
        # may hold an "@": the login is read back from the last one).
        user, slash, password = token.partition(":")
        separator_at = token_start + len(user)
        if not _TARGET_USER.match(user):
            return None
    else:
        return None
    if not (slash and user and password) or is_masked(password):
        return None
    return separator_at + 1, start


# From the "@" (rare in logs), the login is read backwards by the checker;
# behind the emails' trigger, which holds wherever an "@" is.
LOGIN_SCAN = Scan(
    # What may follow such a login's "@" (an email's domain has a dot and no
    # port): Go's "tcp(", "unix(" or "/db", a host and its port, Oracle's
    # "//host" or a TNS alias. Other "@"s are turned away in C.
    r"@(?=(?:tcp|unix)\(|/|[A-Za-z0-9][A-Za-z0-9.\-]*:[0-9]{2,5}(?![0-9])"
    r"|[A-Za-z_][\w$#]*(?![\w.@\-:])|"
    + _ADDRESS_TARGET
    + "|"
    + _HOST_THEN_PATH
    + r")(?P<login_password>)",
    {"login_password": Kind("secrets", "SECRET", _check_login)},
    trigger=may_hold_email,
)
