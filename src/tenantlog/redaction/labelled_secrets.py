"""Secrets a program's own label announces, where no secret's name stands.

* A registry's login in Docker's ``config.json`` (``"auth": "<base64>"``) or
  npm's ``.npmrc`` (``_auth=<base64>``): base64 of ``user:password``. The
  value is decoded to tell it from a setting (``"auth": "oauth2"``,
  ``auth=none``), so only a login is replaced; 32 hex or more under ``"auth"`` are
  a session's id (Zabbix' JSON-RPC).
* A Wi-Fi network's password in the QR code phones read,
  ``WIFI:T:WPA;S:<ssid>;P:<password>;;`` (a ``;`` in it escaped as ``\\;``).
* HashiCorp Vault's unseal and recovery key shares, as ``vault operator
  init`` prints them: ``Unseal Key 1: <base64>``.
* SMTP's ``AUTH LOGIN`` as a session's log shows it: after the server's
  prompt ``334 UGFzc3dvcmQ6`` (base64 of ``Password:``), the client's next
  line is the password in base64 (the user's name before it is kept).
* A login's password by the syntax of one program's file or option, where no
  name says "password": a BitLocker recovery key (eight groups of six
  digits); Dovecot's ``{PLAIN}`` scheme (``user:{PLAIN}pw:…``); a
  ``.pgpass`` line (``host:port:db:user:pw``) and Postfix's ``sasl_passwd``
  map (``[host]:587 user:pw``), each a line of its own; ``user:pw`` after
  Squid's ``login=``, HAProxy's ``stats auth`` or a setting named
  ``…_auth`` (Galera's ``wsrep_sst_auth``); InfluxDB's ``&p=`` after ``u=``.
* A secret a command printed: a shell's prompt line ("$ ", "# ", "> ", a
  CI trace's "+ ") whose command names a password, a secret, a token or a
  key's file (``cat config/master.key``, ``argocd admin
  initial-password``, ``nvram get http_passwd``, ``kubectl get secret … |
  base64 -d``, ``cat …/admin.password``, ``openssl rand -base64 24``), then
  one word alone on the next line: that word.
* A payment card's security code after its label ("cvv 123", ``card[cvc]=713``,
  "CVV2: 664", "Prüfnummer 417"): PCI DSS forbids keeping it after authorisation;
  a PIN after its label ("pin=4821", 'AT+CPIN="4921"', "vm_pin=8842").
* A one-time code sent to a person: "Your verification code is 482913",
  "Ihr Einmalcode lautet 482913".
* A login given as "user / password" after the word creds, credentials or
  login ("creds are admin / Pr0d-Adm1n", "your VPN login is tbauer / Vpn!52").
* Elasticsearch's enrollment tokens: base64 of a JSON object that holds a
  ``"key"`` (``eyJ2ZXIiOiI4…``), with no dot a JWT would have.
* A value a product's own attribute or label holds: WildFly's
  ``<credential-reference clear-text="…"/>``, a Wi-Fi profile's ``Key
  Content : …`` as ``netsh wlan show profile key=clear`` prints it, Neo4j's
  ``NEO4J_AUTH=user/password``, and WordPress' keys and salts
  (``define('AUTH_KEY', '…')``; also any ``define()`` of a constant named
  ``…_KEY``, ``…_SALT``, ``…_SECRET``, ``…_TOKEN`` or a cipher's ``…_IV``,
  PrestaShop's ``_COOKIE_KEY_`` too).
* A symmetric key of NTP's and chrony's key files, a line of its own:
  ``42 MD5 TimeK3y!sync``, ``10 SHA1 HEX:1F3A…``; a PgBouncer ``userlist.txt``
  line's password (``"app_rw" "…"``); a SAML attribute whose name says
  password (``<saml:Attribute Name="legacyPassword"><saml:AttributeValue>…``).
* A password in a CSV export's column the header names (``secret_columns``).
* An AWS secret access key pasted right after its key id; a tunnel's token
  given to ``ngrok config add-authtoken``, ``cloudflared service install`` or
  ``snyk auth``;
  the default of a secret's reference (Spring's ``${ldap.password:…}``);
  XMPP's SASL PLAIN credential; an LTE modem's ``AT+CGAUTH``/``AT+QICSGP``
  password; the value of an nginx ``proxy_set_header`` named as a key.
* The labels of one device's, tool's or program's syntax (``program_secrets``,
  a branch of this scan with marks of its own): SNMPv3's protocols,
  strongSwan's secret types, a table's cell, a password echoed into a command
  that reads its input, a test typing into a password's field, and more.
* A key or a token named in a sentence, and a secret named in another
  language (``prose_keys``, a branch too): "API key GBAw7ihR… revoked",
  "access token expired: …", "Klucz API: …", "geheime_sleutel=…".
* A private key's PEM block in base64, as Kubernetes stores files
  (a kubeconfig's ``client-key-data``, a Secret's ``tls.key``): it starts
  ``LS0tLS1CRUdJTi`` (``-----BEGIN``), and the type it decodes to says
  ``PRIVATE KEY``; a certificate's is public and stays.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from tenantlog.redaction import program_secrets, prose_keys
from tenantlog.redaction.credentials import AWS_KEY_ID
from tenantlog.redaction.kinds import Kind, Scan
from tenantlog.redaction.passwords import is_masked, looks_like_password
from tenantlog.redaction.secret_columns import ROW_START, check_secret_field, may_hold_secret_column
from tenantlog.redaction.validators import HEX_DIGITS
from tenantlog.redaction.value_ends import (
    blank_after,
    check_element_text,
    check_quoted,
    check_to_word_end,
    check_until_delimiter,
    stop_at,
)

_BASE64 = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")
#: base64 of the shortest login, "u:p", is four characters.
_ENCODED_LOGIN = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}")
#: The longest base64 decoded as a login: a hostile text must not make it decode megabytes.
_MAX_LOGIN = 1024
#: A base64 line of SMTP's AUTH LOGIN, to its end (or an escaped line break, a quote).
_SMTP_LOGIN = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}(?=[\s'\"\\]|\Z)")
_KEY_SHARE = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}|[0-9a-f]{32,}")

# Docker's '"auth": "…"' (a quoted key, a quoted value; not inside a word:
# "oauth"), npm's "_auth=…" (also after a registry's "//host/:"), a setting named
# "…_auth" ("wsrep_sst_auth=user:pw").
# (JSON escaped in a string too: '{\\"auths\\":{…{\\"auth\\":\\"…\\"}}}'.)
_AUTH = r"(?:(?<![A-Za-z])auth\\?[\"'][ \t]*:[ \t]*\\?[\"']|_auth[ \t]*=[ \t]*[\"']?)"
# The test starts on the literal, which ``re`` skips to in C (a look-behind
# first would make it try every position of a line).
_AUTH_TEST = re.compile(r"auth(?:\\?[\"'][ \t]*:[ \t]*\\?[\"']|[ \t]*=)")
# A login "user:password" after a label, the password to a blank, quote or ",".
# (The user holds no "&" or "=", which end a query's pair: "login=fred&passwd=…", and
# no "[", a placeholder's: a second pass must not read "[REDACTED:" as a login.)
_LOGIN = re.compile(r"[^\s:\"',@/&=\[]{1,64}:(?P<password>[^\s\"',]{1,128})", re.ASCII)
_SASL_LOGIN = re.compile(r"[^\s:]{1,128}:(?P<password>\S{1,128})", re.ASCII)
_BITLOCKER = r"(?<![0-9\-])[0-9]{6}(?:-[0-9]{6}){7}(?![0-9\-])"
_PLAIN_SCHEME = r"\{(?:PLAIN|CLEARTEXT|CLEAR)\}"
# A .pgpass line, a Postfix sasl_passwd line: each the whole line.
_PGPASS_LINE = (
    r"(?m:^)[ \t]*(?:[\w.\-]+|\*):(?:[0-9]{2,5}|\*):(?:[\w.\-]+|\*):[\w.\-]+:"
    # The password holds no ":" but escaped ("\:"): "nobody:*:19700:0:99999:7:::" is
    # /etc/shadow's line.
    r"(?=(?:[^\s:\\]|\\.)+[ \t]*(?:\r?\n|\Z))"
)
_SASL_LINE = (
    # (After the file's name, as grep prints its lines: "/etc/postfix/sasl_passwd:1: [h]:587 …".)
    r"(?m:^)(?:[^\s:]{0,64}sasl_passwd(?::[0-9]{1,6})?:[ \t]+)?[ \t]*\[[\w.\-]+\](?::[0-9]{1,5})?"
    # (The user has no "=" or quote: '[mysql] dsn="meter:…"' is an INI section's pair.)
    r"[ \t]+(?=[^\s:=\"']+:[^\s]+[ \t]*(?:\r?\n|\Z))"
)
# Metasploit's console setting a module's password: "setg SMBPass x", "set HttpPassword x",
# "msf6 auxiliary(…) > set PASSWORD x" (not "set PASS_FILE …", a wordlist's path).
_MSF_SET = (
    r"(?m:^)[ \t]*(?:msf[0-9]*[^\n>]{0,80}>[ \t]*)?setg?[ \t]+"
    # (The value alone to the line's end: "set password to expire" is a sentence. A
    # quoted one is Tcl's, whose quotes the names' scan keeps: 'set pass "…"'.)
    r"(?i:[a-z_]{0,16}pass(?:word)?)[ \t]+(?=[^\s/\"'][^\s]*[ \t]*(?:\r?\n|\Z))"
)
# Cowrie's (a honeypot's) record of a login tried: "login attempt [b'root'/b'Zz@123456']
# succeeded", older "login attempt [root/123456] failed": the password tried is kept as
# typed, often a real one.
_HONEYPOT_LOGIN = (
    r"login[ \t]+attempt[ \t]+\[(?:b'[^'\n]{0,64}'/b'(?=[^'\n]{1,128}'\])"
    r"|[^/\]\n']{0,64}/(?=[^\]\n]{1,128}\]))"
)
# PHP's serialized arrays (WordPress' options, "wp option get …"): a secret's name as a
# string, then its value as one, which says its own length:
# 's:8:"password";s:12:"Q!8vN$2p^L3w";'.
_PHP_SERIALIZED = (
    r"s:[0-9]{1,3}:\"[\w.\-]{0,32}"
    r"(?i:pass(?:word|wd)?|secret|token|api_?key|private_?key|license_?key)"
    r"[\w.\-]{0,16}\";s:[0-9]{1,5}:\"(?=[^\"])"
)
# coturn's long-term credentials, one a line: "user=webrtc:Turn!Pass2024" (turnserver.conf,
# and its "--user=name:password" flag).
_TURN_USER = r"(?m:^)[ \t]*(?:--)?user[ \t]*=[ \t]*[^\s:=]{1,64}:(?=[^\s]{1,128}[ \t]*(?:\r?\n|\Z))"
# A passwd-format line with the password in clear where the "x" goes, as John the
# Ripper's "--show" prints what it cracked: "jsmith:Summer2024!:1104:1104:Jane,,,:/home/
# jsmith:/bin/bash" (uid, gid, comment, home, shell; not "x", "*" or "!").
_CRACKED_PASSWD = (
    r"(?m:^)[ \t]*[\w.\-$]{1,32}:"
    r"(?!(?:x|\*|!{1,2}):)(?=[^:\n]{1,64}:[0-9]{1,10}:[0-9]{1,10}:[^:\n]*:/[^:\n]*:/)"
)
_LOGIN_LABEL = r"(?<![\w\-])(?:login=|stats[ \t]+auth[ \t]+|addauth[ \t]+digest[ \t]+)"
_INFLUX_PASSWORD = r"[?&]p=(?=[^&\s#])"
_INFLUX_USER = re.compile(r"[?&]u=")
# A prompt's line naming a secret, then the next line's one word (checked by
# ``_check_printed``): "$ argocd admin initial-password -n argocd\nCrhHtM…".
_PRINTED = (
    # (A CI's trace of the commands it runs starts each with "+ ".)
    # Or the command alone on its line, one that prints a file: "cat …/node-token".
    r"(?m:^)(?:[^\n$#>]{0,40}[$#>]{1,3}[ \t]+|[ \t]*\+{1,3}[ \t]+"
    r"|(?:sudo[ \t]+)?(?:cat|type|more|head|Get-Content|gc)[ \t]+)[^\n]{0,300}?"
    # (Erlang's cookie, the shared secret of a RabbitMQ or an Elixir cluster.)
    # (A key's file by its last word: "secure-cookie-key", "s3.keypair".)
    r"(?i:pass|secret|token|pwd|psk|credential|openssl[ \t]+rand|keyfile|[.\-_]key(?![\w.])"
    # (A wallet's private key: "bitcoin-cli dumpprivkey …", Electrum's "getmasterprivate()".)
    r"|keypair|privkey|masterprivate|\.erlang\.cookie)"
    r"[^\n]{0,300}\r?\n[ \t]*"
    r"(?=(?:---[ \t])?[^\s]{6,512}[ \t]*(?:\r?\n|\Z))"
)
_ONE_TIME_CODE = (
    # (A sign-in's and an authentication's too: "Your Shop sign-in code is 482913"; a
    # voicemail's, a SIM's, a card's, a door's or an alarm's PIN: "voicemail pin is 8812".)
    r"(?:(?i:verification|security|one[ \-]time|login|sign[ \-]?in|authentication|otp|2fa|mfa"
    r"|voicemail|sim|card|door|alarm|access)"
    r"[ \t]+(?i:code|pin|passcode)"
    # "OTP" alone in capitals: "sent OTP 482913 to …".
    r"|(?<![\w\-])OTP"
    # German's compounds, French's, Spanish's, Portuguese's and Italian's words.
    r"|(?i:einmal|best\u00e4tigungs|sicherheits|verifizierungs|anmelde)code"
    r"|(?i:code[ \t]+de[ \t]+(?:v\u00e9rification|confirmation)"
    r"|c\u00f3digo[ \t]+de[ \t]+verifica(?:ci\u00f3n|\u00e7\u00e3o)|codice[ \t]+di[ \t]+verifica))"
    r"(?:[ \t]+(?i:is|was|lautet|ist|est|es|\u00e9|\u00e8))?[ \t]*[:=]?[ \t]*"
    r"(?=[0-9]{4,8}(?![0-9]))"
)
_USER_SLASH_PASSWORD = (
    # (A few words may come between: "RE7 database login for the reporting PC is sa / …",
    # "Admin account created: admin / …".)
    r"(?i:creds?|credentials|login|account)"
    # (Or "as" the user, and an arrow after the words: "login as vcas_admin / …",
    # "new login for the Ross XPression RDM in Studio 2 -> admin / …".)
    r"(?:(?:[ \t]+[^\s/:=`'\"]{1,32}+){1,8}?"
    r"(?:[ \t]+(?i:are|is|was|to|with|as)|[ \t]*(?:[:=]|->|\u2192))"
    r"|(?:[ \t]+(?i:are|is|as))?[ \t]*(?:[:=]|\u2192|->)?)[ \t]*[`'\"]?"
    # (Glued to the user, "admin/Axn!Dock2024", only a password with a sign: "/" joins
    # words and paths too.)
    r"[\w.\-@]{1,64}[`'\"]?(?:[ \t]+/[ \t]+|/(?=[^\s/]*[!#$%&*@^]))[`'\"]?(?=[^\s`'\"])"
)
# WildFly's "clear-text" attribute, a quoted value.
_CLEAR_TEXT = r"(?<![\w\-])clear-text=(?=[\"'])"
# Windows' Wi-Fi profile, as netsh prints it: "    Key Content            : …".
_KEY_CONTENT = r"Key[ \t]Content[ \t]*:[ \t]*(?=\S)"
# Neo4j's "NEO4J_AUTH=neo4j/password" (Docker's environment): after the user's "/".
_NEO4J_AUTH = r"NEO4J_AUTH=[\"']?[\w.\-]{1,64}/(?=[^\s\"'])"
# NTP's and chrony's key files: "keyid type key" ("42 MD5 TimeK3y!sync", "10 SHA1
# HEX:1F3A…"), the line's first words.
_NTP_KEY = (
    r"(?m:^)[ \t]*[0-9]{1,5}[ \t]+(?:MD5|SHA1|SHA256|SHA384|SHA512|AES128CMAC|AES256CMAC|M)"
    r"[ \t]+(?:HEX:|ASCII:)?(?=[^\s#])"
)
# PgBouncer's userlist.txt, a quoted user and a quoted password, named in the line.
_USERLIST = r"userlist\.txt[^\n\"]{0,64}\"[^\"\n]{1,64}\"[ \t]+(?=\")"
# Consul's gossip key: '"encrypt": "UNN7UVYT…="', "-encrypt=…" (base64 of 16 or 32 bytes).
_GOSSIP_KEY = (
    r"(?<![\w.])encrypt[\"']?(?:[ \t]*[:=][ \t]*[\"']?|[ \t]+)"
    r"(?=[A-Za-z0-9+/]{22,}={0,2}(?![\w+/=]))"
)
# DB2's and Informix's "connect to SAMPLE user db2inst1 using …".
_USING_PASSWORD = r"(?i:(?<![\w\-])user[ \t]+[^\s'\"]{1,64}[ \t]+using[ \t]+)(?=[^\s])"
# Mosquitto's log of a CONNECT: "(p2, c1, k60, u'sensor-17', p'…')".
_MQTT_CONNECT = r"[ (]u'[^'\n]{0,64}',[ \t]*p(?=')"
# Nagios' resource.cfg macros, where check commands' passwords are kept: "$USER3$=…".
_NAGIOS_MACRO = r"(?:\A|(?<=\n))[ \t]*\$USER[0-9]{1,3}\$=(?=[^\s/])"
# Redis' AUTH as its protocol writes it, escaped or not: "AUTH\r\n$13\r\n…\r\n"
# (``_check_resp_auth``).
_RESP_AUTH = r"(?i:auth)(?=\\r\\n\$|\r\n\$)"
# OpenWrt's uci: "wireless.default_radio0.key='…'", a Wi-Fi network's passphrase.
_UCI_WIRELESS_KEY = r"(?<![\w.])wireless\.[\w@\[\]\-]{1,64}\.key=(?=[^\s])"
# OpenVPN's inline credentials: "<auth-user-pass>", the user's line, the password's.
_OPENVPN_INLINE = r"<auth-user-pass>[ \t]*\r?\n[^\n<]{1,128}\r?\n(?=[^\s<])"
# ProFTPD's "SQLConnectInfo db@host user password".
_SQL_CONNECT_INFO = r"SQLConnectInfo[ \t]+[^\s]{1,128}[ \t]+[^\s]{1,64}[ \t]+(?=[^\s])"
# Private key material in the formats that write a key's parts one by one:
# PuTTY's .ppk ("Private-Lines: 1", then the lines), a JWK's private members
# ('"d": "…"' in an object with a "kty"), .NET's <RSAKeyValue> (<P>, <Q>, <D>…;
# the modulus and the exponent are the public key's).
_PUTTY_PRIVATE = r"Private-Lines:[ \t]*(?P<ppk_lines>[0-9]{1,3})\r?\n(?=[A-Za-z0-9+/=])"
_JWK_PRIVATE = r"\"(?:d|p|q|dp|dq|qi|k)\"[ \t]*:[ \t]*(?=\"[A-Za-z0-9_\-]{16,}\")"
_XML_KEY_PART = r"<(?:P|Q|DP|DQ|InverseQ|D)>(?=[A-Za-z0-9+/]{16,}={0,2}</)"
#: A JWK's "kty" this close to a private member: the object it is in.
_JWK_WINDOW = 512
# Two-factor recovery codes, each on its own, after the words that name them
# (``_check_recovery_code``): "Your recovery codes are:\n\nceb829a4af1b226f\n…".
# (After a line break the code is tried when a CSV's row is turned away: the two
# start on the same character, ``column_secret`` first.)
_CODE_SHAPE = r"(?:[0-9A-Za-z]{4,6}-[0-9A-Za-z]{4,6}|[0-9a-f]{8,16}|[0-9]{8,10})(?![\w\-])"
# (Or quoted in a JSON list: '"recoveryCodes":["477b87414a","316f932fed",…]'.)
_RECOVERY_CODE = rf"(?:[ \t:,]|(?<=[\[,])\"|(?<=[\[,] )\")(?={_CODE_SHAPE})"
_CODE_AT = re.compile(_CODE_SHAPE)
_RECOVERY_WORDS = re.compile(
    r"(?:recovery|backup|rescue)[ \t_\-]*codes?"
    r"|c\u00f3digos[ \t]+de[ \t]+(?:respaldo|recuperaci\u00f3n|seguridad)"
    r"|codes[ \t]+de[ \t]+(?:secours|r\u00e9cup\u00e9ration)|wiederherstellungscodes?",
    re.IGNORECASE,
)
#: How far after its words a list of recovery codes may go on.
_RECOVERY_WINDOW = 400
# redis-cli's reply to "CONFIG GET requirepass": the name's element, then the value's.
_REDIS_CONFIG_REPLY = (
    r"[0-9]{1,3}\)[ \t]+\"(?:requirepass|masterauth)\"\r?\n[ \t]*[0-9]{1,3}\)[ \t]+(?=\"[^\"\n])"
)
# What an expect script sends: 'expect "assword:"; send "Exp3ct-0ps\r"' (``_check_sent``).
# Its debug trace ("expect -d") too: 'send: sending "Sw1tch!Adm\r" to { exp4 }'.
_EXPECT_SEND = (
    r"(?<![\w\-])send(?::[ \t]+sending)?[ \t]+(?:--[ \t]+)?(?=\"[^\"\n\\]{4,128}(?:\\[rn])?\")"
)
# ... or such a line alone, the file printed: '"analytics" "An4lyt1cs-Pgb!"' (a value
# that looks like a password, ``_check_quoted_pair``).
_QUOTED_PAIR = (
    r"(?:\A|(?<=\n))[ \t]*\"[^\"\s]{1,64}\"[ \t]+(?=\"[^\"\n]{1,128}\"[ \t]*(?:\r?\n|\Z))"
)
# A SAML attribute named as a password, then its value's element.
_SAML_PASSWORD = (
    r"Name=\"[\w.:\-]{0,48}(?i:password|passwd|secret)[\w.:\-]{0,16}\"[^>\n]{0,128}>[ \t\n]*"
    r"<(?:[\w\-]+:)?AttributeValue[^>\n]{0,128}>(?=[^<\s])"
)
# An AWS secret access key right after its key id, as people paste the pair:
# 'Credentials::new("AKIA…", "…")', "AKIA… / …", "AKIA…:…", or on the next line as a
# key pair's file holds them (the id may be replaced already).
_AWS_PAIR = (
    rf"(?:{AWS_KEY_ID}|\[REDACTED(?::AWS_KEY)?\])[\"']?[ \t]*"
    r"(?:[,/:;|][ \t]*|(?:\r?\n|\\n)[ \t]*)?[\"']?"
    # (SES' SMTP password, derived from the secret: 44 characters from "B".)
    r"(?=[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])|B[A-Za-z0-9/+]{43}(?![A-Za-z0-9/+=]))"
)
# A tunnel's or an agent's token given to its command: "ngrok config add-authtoken …",
# "ngrok authtoken …", "cloudflared service install …".
_COMMAND_TOKEN = (
    r"(?:(?:add-authtoken|ngrok[ \t]+authtoken|cloudflared[ \t]+service[ \t]+install"
    # Snyk's CLI logged in with its token: "snyk auth <token>"; Shodan's: "shodan init <key>".
    r"|snyk[ \t]+auth|shodan[ \t]+init)[ \t]+"
    r"(?=[A-Za-z0-9_\-]{24,}(?![^\s\"']))"
    # 1Password's CLI session, named for its account: "OP_SESSION_acme=<token>".
    r"|(?<![\w\-])OP_SESSION_\w{1,64}=[\"']?(?=[A-Za-z0-9_\-]{24,}(?![^\s\"']))"
    # Vault's unseal key share, base64, given to "vault operator unseal".
    r"|vault[ \t]+operator[ \t]+unseal[ \t]+(?:-[\w\-]+(?:=[^\s]*)?[ \t]+)*"
    r"(?=[A-Za-z0-9+/]{24,}={0,2}(?![^\s\"'])))"
)
# A default after a secret's name in a reference: Spring's "${ldap.password:…}" (not
# Kafka Connect's config provider, a path and a key: "${secrets:connect/pg:password}").
_DEFAULT_VALUE = (
    r"\$\{[\w.\-]{0,48}(?i:pass|secret|token|pwd)[\w.\-]{0,16}:(?=[^?\-+}\s])"
    r"(?![\w.\-]*/[\w.\-/]*:[\w.\-]+(?:\}|\Z))"
)
# XMPP's SASL PLAIN: base64 of "\0user\0password" in the <auth> element.
_SASL_PLAIN = r"mechanism=[\"']PLAIN[\"'][^>\n]{0,64}>(?=[A-Za-z0-9+/]{8,}={0,2}<)"
# An LTE modem's PDP authentication: 'AT+CGAUTH=1,1,"user","password"',
# Quectel's 'AT+QICSGP=1,1,"apn","user","password",1'.
_MODEM_AUTH = r"AT\+(?:CGAUTH=[0-9]+,[0-9]+,|QICSGP=[0-9]+,[0-9]+,\"[^\"\n]*\",)\"[^\"\n]*\",(?=\")"
# nginx's header set to a key: 'proxy_set_header X-Api-Key "…";' (Authorization's
# value is a scheme and a credential, which the token scans read).
# Hadoop's and Spark's settings of an Azure storage account's key, a service principal's
# secret or a SAS, named for the account's host: "fs.azure.account.key.<account>.dfs.core.
# windows.net", set by "=", a blank (Databricks' Spark config), "spark.conf.set(…, …)"
# or Hadoop's XML "<name>…</name><value>".
_AZURE_STORAGE_KEY = (
    r"fs\.azure\.(?:account\.key|account\.oauth2\.client\.secret|sas\.[\w\-]+)"
    r"\.[\w\-]+(?:\.[\w\-]+){2,6}"
    r"(?:[\"'][ \t]*,[ \t]*|[ \t]*[=:][ \t]*|[ \t]+|</name>[ \t]*(?:\\n|\r?\n)?[ \t]*<value>)"
    r"(?=[\"']?[A-Za-z0-9+/~_.\-]{16,})"
)
_NGINX_HEADER = r"proxy_set_header[ \t]+[\w\-]*(?i:key|token|secret)[ \t]+(?=[^\s;$])"
# A card's security code after its label: "cvv 123", "card[cvc]=713", '"cvc":"902"',
# "CVV2: 664", German "Prüfnummer 417" (not "security code": "security code 500
# returned" is a status). PCI DSS forbids
# storing it after authorisation, so a log must not keep it either.
_CARD_CODE = (
    r"(?<![A-Za-z])(?i:cvv2?|cvc2?|csc|cvn|pr\u00fcfnummer)"
    # ... also an XML element's: "<CVV2>094</CVV2>".
    r"[\]\"']?[ \t]*[:=#>]?[ \t]*[\"']?(?=[0-9]{3,4}(?![0-9]))"
)
# A PIN after its label and a ":", "=" or an element's ">": a card's at an ATM
# ("pin=4821"), a SIM's ('AT+CPIN="4921"'), a voicemail box's ("vm_pin=8842"),
# "PIN code: 55123". Four to eight digits: "pin=17" is a GPIO's.
_PIN_CODE = (
    r"(?:(?<![A-Za-z0-9])|(?<=\+C))(?i:pin)(?:[_\- ]?(?i:code))?"
    r"[\]\"']?[ \t]*[:=>][ \t]*[\"']?(?=[0-9]{4,8}(?![0-9]))"
)
# A key written as its bytes after its name: zigbee2mqtt's "network_key: [7, 41, 3, …]",
# "psk = [0x3B, 0x1F, …]"; sixteen to sixty-four of them (the value: the list's inside).
_BYTE = r"(?:0[xX][0-9A-Fa-f]{1,2}|[0-9]{1,3})"
_KEY_BYTES = (
    r"(?i:key|secret|psk)[\"']?[ \t]*[:=][ \t]*\[(?=[ \t]*"
    + _BYTE
    + r"(?:[ \t]*,[ \t]*"
    + _BYTE
    + r"){15,63}[ \t]*\])"
)
# PHP's define() of a key, a salt, a secret or a token: WordPress' "define('AUTH_KEY', '…')",
# PrestaShop's "define('_COOKIE_KEY_', '…')" and its cipher's "_COOKIE_IV_".
# C's (an Arduino sketch's) "#define BLYNK_AUTH_TOKEN \"…\"".
_DEFINED = (
    # (PrestaShop's and WordPress' database password too: "define('_DB_PASSWD_', '…')".)
    r"(?:define\([ \t]*(?P<define_quote>[\"'])[A-Z0-9_]*_"
    r"(?:KEY|SALT|SECRET|TOKEN|IV|PASSWD|PASSWORD|PASS|PWD)_{0,2}"
    r"(?P=define_quote)[ \t]*,"
    r"|#[ \t]*define[ \t]+[A-Z0-9_]*_(?:KEY|SECRET|TOKEN)[ \t]"
    # A secret's default where settings read it: Django's 'os.environ.get("DJANGO_SECRET_KEY",
    # "…")', Laravel's "env('APP_KEY', '…')": the literal is used when the variable is unset.
    r"|(?:environ\.get|getenv|(?<![\w.])env)\([ \t]*(?P<env_quote>[\"'])"
    r"[A-Z0-9_]*(?:KEY|SECRET|TOKEN|PASSWORD|PASS|PWD)(?P=env_quote)[ \t]*,)[ \t]*(?=[\"'])"
)
# An enrollment token's start: '{"ver":"' in base64.
_ENROLLMENT = r"(?<![\w\-.+/=])eyJ2ZXIiOi"
# The QR code's fields come in any order: the password's "P:" after "WIFI:"
# and up to six other fields.
_WIFI = r"WIFI:(?:(?:[^;\n\\]|\\.){0,64};){0,6}?P:"
_KEY_SHARE_LABEL = r"(?:Unseal|Recovery)[ \t]Key[ \t][0-9]{1,2}:[ \t]*"
# SMTP's password prompt, then up to a line break (real or escaped) and the
# client's side's mark ("C: ", "<<< ", "send: '", "CLIENT -> SERVER: "), the password,
# the line's last word (the mark's own words look like base64 too).
_SMTP_PASSWORD_PROMPT = (
    r"UGFzc3dvcmQ6(?:[^\n]{0,32}?\r?\n|[^\n\\]{0,32}(?:\\r)?\\n)[^\n]{0,24}?(?<![A-Za-z0-9+/])"
    r"(?=[A-Za-z0-9+/]{4,}={0,2}[ \t]*(?:[\r\n'\"\\]|\Z))"
)
# "-----BEGIN" in base64, from the start of a value.
_ENCODED_PEM = r"(?<![A-Za-z0-9+/])LS0tLS1CRUdJTi"
#: Enough base64 for the first line, "-----BEGIN ENCRYPTED PRIVATE KEY-----".
_PEM_HEAD = 64


def _check_basic_login(text: str, start: int, end: int) -> tuple[int, int] | None:
    """base64 of "user:password", whole, or "user:password" written out (its password):
    anything else under "auth" is a setting."""
    login = _check_login(text, start, end)
    if login is not None:
        return login  # base64 holds no ":"
    value = _ENCODED_LOGIN.match(text, end)
    if value is None or value.end() - end > _MAX_LOGIN:
        return None
    if value.end() < len(text) and (text[value.end()].isalnum() or text[value.end()] in "_-:"):
        # Runs on into a word, or is a login's user ("user:[REDACTED:SECRET]" once its
        # password is replaced): no base64 of its own.
        return None
    before = text[max(0, start - _AUTHS_WINDOW) : start]
    if ('"auths"' in before or 'auths\\"' in before) and len(value.group()) >= 16:
        return value.span()  # a registry's in Docker's "auths": a login, however it decodes
    found = value.group()
    if len(found) >= 32 and HEX_DIGITS.issuperset(found) and not found.isdigit():
        return value.span()  # a session's id: Zabbix' JSON-RPC '"auth":"<32 hex>"'
    try:
        decoded = base64.b64decode(value.group(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    if not (user and colon and password) or not decoded.isprintable():
        return None
    return value.span()


#: How far before a registry's "auth" Docker's "auths" may open.
_AUTHS_WINDOW = 512


def _check_login(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text.startswith("[REDACTED", end):
        return None  # replaced already
    login = _LOGIN.match(text, end)
    if login is None or is_masked(login.group("password")):
        return None
    return login.span("password")


def _check_rest_of_line(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The value the pattern's look-ahead saw: to the next blank."""
    value_end = blank_after(text, end)
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_tried_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password the pattern's look-ahead saw: to its quote, or to the "]"."""
    value_end = text.index("'" if text[end - 2 : end] == "b'" else "]", end)
    return None if is_masked(text[end:value_end]) else (end, value_end)


#: How far a serialized value whose length does not match may run to its '";'.
_SERIALIZED_WINDOW = 1024


def _check_serialized(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A serialized string's value: as long as its length says (in bytes: to its
    closing '";' where a character outside ASCII makes them differ)."""
    length_at = text.rfind("s:", start, end) + 2
    value_end = end + int(text[length_at : text.index(":", length_at)])
    if text[value_end : value_end + 2] != '";':
        value_end = text.find('";', end, end + _SERIALIZED_WINDOW)
        if value_end == -1:
            return None
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_passwd_field(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password field the pattern's look-ahead saw: to the next ":"."""
    value_end = text.index(":", end)
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_sasl_line(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password after the map's login, which may be an address ("u@example.net")."""
    if text.startswith("[REDACTED", end):  # the address replaced already
        end = text.find("]", end) + 1
        if text[end : end + 1] != ":" or text.startswith("[REDACTED", end + 1):
            return None
        return _check_rest_of_line(text, end, end + 1)
    login = _SASL_LOGIN.match(text, end)
    if login is None or is_masked(login.group("password")):
        return None
    return login.span("password")


def _check_plain_scheme(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Dovecot's "{PLAIN}pw": up to the passwd-file's next ":" (or a blank)."""
    if text[end : end + 1] == "{":
        return None  # another scheme's name, not a password
    value_end = end
    while value_end < len(text) and text[value_end] not in ": \t\r\n":
        value_end += 1
    return None if value_end == end or is_masked(text[end:value_end]) else (end, value_end)


def _check_influx_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """InfluxDB 1.x's "?u=user&p=pw": "p" is the password only after "u" in the query."""
    query = text.rfind("?", max(0, start - 256), start + 1)
    if query == -1 or not _INFLUX_USER.search(text, query, start):
        return None
    value_end = end
    while value_end < len(text) and text[value_end] not in "&# \t\r\n\"'":
        value_end += 1
    return None if is_masked(text[end:value_end]) else (end, value_end)


_AWS_KEY_ID = re.compile(AWS_KEY_ID)


def _check_printed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The word a command printed, if a secret may be it: no word of prose, no pair."""
    if text.startswith("--- ", end):
        end += 4  # a YAML document's value: "puppet lookup …secret" prints "--- <value>"
    value_end = blank_after(text, end)
    start = end
    if value_end - start > 2 and text[start] in "'\"" and text[value_end - 1] == text[start]:
        start, value_end = start + 1, value_end - 1  # a REPL's echo: 'fl4sk-k3y'
    if "|" in text[start:value_end]:
        start = text.rfind("|", start, value_end) + 1  # sqlite's row: "jwtSecret|<value>"
    value = text[start:value_end]
    if is_masked(value) or "=" in value or value.endswith(":"):
        return None
    if (value[-1:] in ".!" and value[:-1].isalpha()) or value[:1] == "/":
        # A word with its stop ("Connected." after SQL*Plus' connect), a path ("pwd"
        # prints the working directory).
        return None
    if value.isalpha() and not (len(value) >= 16 and value.isupper()):
        return None  # a word; twenty capitals are no word (an Erlang cookie)
    if not any(c.isalnum() for c in value):
        return None  # a key generator's progress, "....+++++": no secret is all marks
    if value[:1] == "<" and value[-1:] == ">":
        return None  # an element: a diff's context line after a "+" one ("</tomcat-users>")
    if value.count(":") >= 4:
        return None  # a record: "root:x:0:0:root:/root:/bin/bash" after "getent passwd"
    if "://" in value:
        return None  # a URL: its password is the URL scan's (".git-credentials")
    if program_secrets.TYPE_PATH.fullmatch(value):
        return None  # a secret's type ("kubectl get secret … -o jsonpath='{.type}'")
    if _HOST_NAME.fullmatch(value):
        return None  # a host's name: "gh auth status --show-token" prints "github.com" first
    if _AWS_KEY_ID.fullmatch(value):
        return None  # a key pair's id, the AWS key scan's; the secret after it is ``_AWS_PAIR``'s
    if "[REDACTED" in value:
        return None  # replaced in a pass before: "admin:[REDACTED]" (a hash after its user)
    if value[:1] in "{[" and value[-1:] in "}]":
        return None  # a response's JSON: its secrets are its names' ('{"token":…}')
    colon = value.find(":")
    if colon > 0 and value[colon + 1 : colon + 2] in ("$", "{"):
        return start + colon + 1, value_end  # htpasswd's "user:$apr1$…": the user stays
    return start, value_end


_HOST_NAME = re.compile(r"[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,12}")


#: Words of an address: India's postal code is its "PIN" ("pin=560001" beside "zip=").
#: A parcel's words too: a courier's consignee ("consignee_phone=… pincode=560102").
_POSTAL = re.compile(r"zip|postcode|postal|\bcep\b|\bcity\b|consignee|courier", re.IGNORECASE)
#: India's "pincode" as one word with its six digits (a card's, in Dutch, has four or five).
_INDIAN_PINCODE = re.compile(
    r"pincode[\"']?[ \t]*[:=][ \t]*[\"']?[1-9][0-9]{5}(?![0-9])", re.IGNORECASE
)
#: How far from a PIN an address's word still counts.
_POSTAL_WINDOW = 80


def _check_pin(text: str, start: int, end: int) -> tuple[int, int] | None:
    if _POSTAL.search(text, max(0, start - _POSTAL_WINDOW), end + _POSTAL_WINDOW):
        return None
    if _INDIAN_PINCODE.match(text, start):
        return None
    return _check_one_time_code(text, start, end)


def _check_one_time_code(text: str, start: int, end: int) -> tuple[int, int] | None:
    value_end = end
    while value_end < len(text) and text[value_end].isdigit():
        value_end += 1
    return end, value_end


def _check_slash_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The word after "user / ": a password if it mixes letters with digits or symbols."""
    slash = text.rfind("/", start, end)
    if text[slash - 1 : slash] not in (" ", "\t") and text[start : start + 4].lower() != "cred":
        return None  # glued to its user only after "creds", "credentials" (their marks)
    value_end = end
    while value_end < len(text) and not text[value_end].isspace() and text[value_end] not in "`'\"":
        value_end += 1
    while value_end > end and text[value_end - 1] in ".,;:)":
        value_end -= 1
    value = text[end:value_end]
    if len(value) < 6 or value.isalpha() or value.isdigit() or "/" in value or is_masked(value):
        return None
    return end, value_end


def _check_enrollment(text: str, start: int, end: int) -> tuple[int, int] | None:
    token = _BASE64.match(text, start)
    assert token is not None  # the scan matched its first characters
    head = token.group()[: len(token.group()) // 4 * 4][:_MAX_LOGIN]
    try:
        decoded = base64.b64decode(head)
    except binascii.Error:
        return None
    # (Or named: a text that says "enrollment token" needs no proof of its key.)
    named = text.rfind("enrollment token", max(0, start - _ENROLLMENT_WINDOW), start) != -1
    return token.span() if b'"key"' in decoded or named else None


#: How far before the token a text may name it.
_ENROLLMENT_WINDOW = 300


def _check_wifi(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password up to its unescaped ";" (or the end of the code)."""
    value_end = end
    while value_end < len(text) and text[value_end] not in ";\n":
        value_end += 2 if text[value_end] == "\\" else 1
    value_end = min(value_end, len(text))
    if value_end == end or is_masked(text[end:value_end]):
        return None
    return end, value_end


def _check_smtp_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    password = _SMTP_LOGIN.match(text, end)
    if password is None or password.group() in _SMTP_PROMPTS:
        return None  # the server's next prompt, not the client's answer
    return password.span()


#: SMTP's AUTH LOGIN prompts in base64: "Username:", "Password:".
_SMTP_PROMPTS = frozenset(("VXNlcm5hbWU6", "UGFzc3dvcmQ6"))


def _check_key_share(text: str, start: int, end: int) -> tuple[int, int] | None:
    share = _KEY_SHARE.match(text, end)
    return None if share is None else share.span()


def _check_encoded_pem(text: str, start: int, end: int) -> tuple[int, int] | None:
    block = _BASE64.match(text, start)
    assert block is not None  # the scan matched its first characters
    head = block.group()[:_PEM_HEAD]
    try:
        decoded = base64.b64decode(head[: len(head) // 4 * 4])
    except binascii.Error:
        return None
    return block.span() if b"PRIVATE KEY" in decoded.partition(b"\n")[0] else None


def _check_using(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password of a CONNECT's "user … using …" ("sort by user id using index" is none)."""
    low = max(0, start - _CONNECT_WINDOW)
    line_start = text.rfind("\n", low, start) + 1 or low
    if "connect" not in text[line_start:start].lower():
        return None
    return check_until_delimiter(text, start, end)


#: How far back on its line a CONNECT may start before "user … using".
_CONNECT_WINDOW = 200


def _check_resp_auth(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password of a RESP "AUTH": its last bulk string ("*3": a user comes first)."""
    crlf = "\\r\\n" if text.startswith("\\r\\n", end) else "\r\n"
    count = text.rfind("*", max(0, start - 24), start)
    arguments = 3 if count != -1 and text.startswith("3" + crlf, count + 1) else 2
    position = end
    for _ in range(arguments - 1):
        length = _RESP_LENGTH.match(text, position + len(crlf))
        if length is None:
            return None
        value_start = length.end() + len(crlf)
        value_end = value_start + int(length.group(1))
        if value_end > len(text) or not text.startswith(crlf, value_end):
            return None
        position = value_end
    return value_start, value_end


_RESP_LENGTH = re.compile(r"\$([0-9]{1,3})")


def _check_gossip_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A key in base64 ("encrypt": true, "encrypt": "aes256" are no such value)."""
    value_end = end
    while value_end < len(text) and (text[value_end].isalnum() or text[value_end] in "+/="):
        value_end += 1
    value = text[end:value_end]
    mixed = value != value.lower() and value != value.upper()
    return (end, value_end) if mixed and any(c.isdigit() for c in value) else None


#: An expect script's wait for a password's prompt, before what it sends.
_PASSWORD_PROMPT = re.compile(
    r"(?:expect[ \t]+(?:-[a-z]+[ \t]+)*|glob pattern[ \t]+)"
    r"\"[^\"\n]*(?:assword|assphrase|PIN|asscode)[^\"\n]*\"",
    re.IGNORECASE,
)
#: How far before a send its prompt may be: a debug trace puts two lines between.
_PROMPT_WINDOW = 400


def _check_sent(text: str, start: int, end: int) -> tuple[int, int] | None:
    """What expect sends after waiting for a password's prompt, or, after the word
    "expect" on its line, a value that looks like a password ('expect: send "…\\r"');
    a command it types is no such value ('send "ls -la\\r"')."""
    value_end = end + 1
    while text[value_end] not in '"\\':
        value_end += 1
    value = text[end + 1 : value_end]
    if value.startswith("$") or is_masked(value):
        return None  # a variable: 'send "$pass\\r"'
    before = text[max(0, start - _PROMPT_WINDOW) : start]
    prompted = _PASSWORD_PROMPT.search(before) is not None
    if prompted or ("expect" in before[before.rfind("\n") + 1 :] and looks_like_password(value)):
        return end + 1, value_end
    return None


def _check_quoted_pair(text: str, start: int, end: int) -> tuple[int, int] | None:
    span = check_quoted(text, start, end)
    return span if span is not None and looks_like_password(text[span[0] : span[1]]) else None


def _may_hold_quoted_pair(text: str) -> bool:
    # A line of its own: most texts with '" "' are access logs, which start otherwise.
    return (text.lstrip(" \t")[:1] == '"' or "\n" in text) and _QUOTED_PAIR_TEST.search(
        text
    ) is not None


def _check_ntp_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The key, unless it is a word of a sentence ("3 MD5 checksums mismatched")."""
    span = check_to_word_end(text, start, end)
    if span is None or (text[span[0] : span[1]].isalpha() and text[span[0] - 1] != ":"):
        return None
    return span


def _check_aws_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The forty characters of the secret key (SES' SMTP password: forty-four), if they
    mix cases and digits."""
    length = 44 if _SES_PASSWORD.match(text, end) else 40
    value = text[end : end + length]
    if value.isalpha() or value.lower() == value or value.upper() == value:
        return None
    return end, end + length


_SES_PASSWORD = re.compile(r"B[A-Za-z0-9/+]{43}(?![A-Za-z0-9/+=])")


def _check_key_bytes(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The bytes inside the list, unless the key's name says it is public."""
    if text[max(0, start - 8) : start].lower().rstrip("_-. ").endswith("public"):
        return None  # "public_key: [4, 17, …]"
    return end, text.index("]", end)


def _check_ppk_lines(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The private key's lines of a PuTTY key file, as many as "Private-Lines" says."""
    found = _PUTTY_PRIVATE_AT.match(text, start)
    assert found is not None  # the scan matched this very pattern
    value_end = end
    for _ in range(min(int(found.group("ppk_lines")), _MAX_PPK_LINES)):
        line_end = text.find("\n", value_end)
        value_end = len(text) if line_end == -1 else line_end
        if value_end == len(text):
            break
        value_end += 1
    value_end = value_end - 1 if text[value_end - 1 : value_end] == "\n" else value_end
    if text[value_end - 1 : value_end] == "\r":
        value_end -= 1
    return end, value_end


#: More lines than any key has: a hostile count reads no further.
_MAX_PPK_LINES = 64


def _check_jwk_member(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A JWK's private member, in an object that says its key type."""
    if text.find('"kty"', max(0, start - _JWK_WINDOW), start + _JWK_WINDOW) == -1:
        return None
    return check_quoted(text, start, end)


def _check_xml_key_part(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A private part of an <RSAKeyValue> (an element "<P>" elsewhere is no key's)."""
    if text.rfind("<RSAKeyValue>", max(0, start - _RSA_XML_WINDOW), start) == -1:
        return None
    return check_element_text(text, start, end)


#: Longer than a 4096-bit key's <RSAKeyValue> up to its last private part.
_RSA_XML_WINDOW = 6144


def _check_setting_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A setting's value: quoted, or to a blank, a "<" (XML) or a call's "," or ")";
    not code that fetches it ("dbutils.secrets.get(…)")."""
    if text[end] in "\"'":
        return check_quoted(text, start, end)
    value_end = stop_at(text, end, " \t\r\n;\"'<,)(")
    if text[value_end : value_end + 1] == "(" or is_masked(text[end:value_end]):
        return None
    return end, value_end


def _check_recovery_code(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A recovery code after the words that name them; a word in between is prose."""
    code = _CODE_AT.match(text, end)
    if code is None:
        return None
    low = max(0, start - _RECOVERY_WINDOW)
    # Every word for them holds "od" (Spanish's "ód"): most candidates of a long
    # list of codes (or of hex ids) are told by a few finds, not a case-insensitive search.
    if all(text.find(pair, low, start) == -1 for pair in ("od", "OD", "\u00f3d", "\u00d3D")):
        return None
    if _RECOVERY_WORDS.search(text, low, start) is None:
        return None
    return end, code.end()


def may_hold_labelled_secret(text: str) -> bool:
    """Whether a label of ``LABEL_MARKS`` is in the text and its test holds: the
    plan (``screen``) asks the same of each mark it finds, in one pass."""
    folded = text.casefold()
    return any(mark in folded and test(text) for mark, test in LABEL_MARKS)


# The tests read the text as the scan does (``re.ASCII``).
_LOGIN_TEST = re.compile(_LOGIN_LABEL, re.ASCII)
_STATS_AUTH = re.compile(r"stats[ \t]+auth[ \t]")
_INFLUX_TEST = re.compile(r"[?&]u=[^&\s]*&p=", re.ASCII)
_LINE_TEST = re.compile(f"{_PGPASS_LINE}|{_SASL_LINE}", re.ASCII)
_CRACKED_PASSWD_TEST = re.compile(_CRACKED_PASSWD, re.ASCII)
_MSF_SET_TEST = re.compile(_MSF_SET, re.ASCII)
_HONEYPOT_TEST = re.compile(_HONEYPOT_LOGIN, re.ASCII)
_SERIALIZED_TEST = re.compile(_PHP_SERIALIZED, re.ASCII)
_TURN_USER_TEST = re.compile(_TURN_USER, re.ASCII)
_PRINTED_TEST = re.compile(_PRINTED, re.ASCII)
_SLASH_TEST = re.compile(_USER_SLASH_PASSWORD, re.ASCII)
_ONE_TIME_TEST = re.compile(_ONE_TIME_CODE, re.ASCII)
_BITLOCKER_TEST = re.compile(r"-[0-9]{6}-[0-9]{6}-[0-9]{6}-")
_DEFINED_TEST = re.compile(_DEFINED, re.ASCII)
_NTP_TEST = re.compile(_NTP_KEY, re.ASCII)
_AWS_PAIR_TEST = re.compile(_AWS_PAIR, re.ASCII)
_COMMAND_TOKEN_TEST = re.compile(_COMMAND_TOKEN, re.ASCII)
_DEFAULT_TEST = re.compile(_DEFAULT_VALUE, re.ASCII)
_SASL_PLAIN_TEST = re.compile(_SASL_PLAIN, re.ASCII)
_NGINX_TEST = re.compile(_NGINX_HEADER, re.ASCII)
_AZURE_STORAGE_TEST = re.compile(_AZURE_STORAGE_KEY, re.ASCII)
_CARD_CODE_TEST = re.compile(_CARD_CODE, re.ASCII)
_PIN_CODE_TEST = re.compile(_PIN_CODE, re.ASCII)
_KEY_BYTES_TEST = re.compile(_KEY_BYTES, re.ASCII)
_USERLIST_TEST = re.compile(_USERLIST, re.ASCII)
_QUOTED_PAIR_TEST = re.compile(_QUOTED_PAIR, re.ASCII)
_EXPECT_SEND_TEST = re.compile(_EXPECT_SEND, re.ASCII)
_PUTTY_PRIVATE_AT = re.compile(_PUTTY_PRIVATE, re.ASCII)
_JWK_TEST = re.compile(_JWK_PRIVATE, re.ASCII)
_REDIS_CONFIG_TEST = re.compile(_REDIS_CONFIG_REPLY, re.ASCII)
_GOSSIP_KEY_TEST = re.compile(_GOSSIP_KEY, re.ASCII)
_USING_TEST = re.compile(_USING_PASSWORD, re.ASCII)
_UCI_TEST = re.compile(_UCI_WIRELESS_KEY, re.ASCII)
_SAML_TEST = re.compile(_SAML_PASSWORD, re.ASCII)
#: The key types of NTP's and chrony's key files, case-folded as the marks are.
_NTP_KINDS = ("md5", "sha1", "sha256", "sha384", "sha512", "aes128cmac", "aes256cmac", "m")


#: The marks of ``may_hold_labelled_secret``, case-folded, each with its own test.
LABEL_MARKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    # "auth" and what follows it in such a pair: lines that say "auth:",
    # "authentication" or "oauth" hold no mark.
    *(
        (mark, lambda text: _AUTH_TEST.search(text) is not None)
        for mark in ('auth"', "auth'", 'auth\\"', "_auth=", "_auth ", "_auth\t")
    ),
    ("wifi:", lambda text: "WIFI:" in text),
    ("clear-text=", lambda text: "clear-text=" in text),
    ("key content", lambda text: "Key Content" in text),
    ("neo4j_auth=", lambda text: "NEO4J_AUTH=" in text),
    *(
        (mark, lambda text: _DEFINED_TEST.search(text) is not None)
        for mark in ("define", "environ.get(", "getenv(", "env(")
    ),
    *((f" {kind} ", lambda text: _NTP_TEST.search(text) is not None) for kind in _NTP_KINDS),
    ("userlist.txt", lambda text: _USERLIST_TEST.search(text) is not None),
    ('" "', _may_hold_quoted_pair),
    ("send", lambda text: "expect" in text and _EXPECT_SEND_TEST.search(text) is not None),
    *(
        (mark, lambda text: _REDIS_CONFIG_TEST.search(text) is not None)
        for mark in ('requirepass"', 'masterauth"')
    ),
    ("private-lines:", lambda text: "Private-Lines:" in text),
    ('"kty"', lambda text: _JWK_TEST.search(text) is not None),
    ("<rsakeyvalue>", lambda text: "<RSAKeyValue>" in text),
    *(
        (mark, lambda text: _RECOVERY_WORDS.search(text) is not None)
        for mark in (
            *("recovery code", "recovery_code", "recovery-code", "backup code", "backup_code"),
            *("recoverycode", "backupcode"),
            *("backup-code", "rescue code", "c\u00f3digos de", "codes de"),
            "wiederherstellungscode",
        )
    ),
    ("encrypt", lambda text: _GOSSIP_KEY_TEST.search(text) is not None),
    ("<auth-user-pass>", lambda text: "<auth-user-pass>" in text),
    ("sqlconnectinfo", lambda text: "SQLConnectInfo" in text),
    (" using ", lambda text: _USING_TEST.search(text) is not None),
    ("', p'", lambda text: "u'" in text),
    ("$user", lambda text: "$USER" in text),
    ("auth\\r\\n$", lambda text: "\\r\\n$" in text),
    ("auth\r\n$", lambda text: "\r\n$" in text),
    ("wireless.", lambda text: _UCI_TEST.search(text) is not None),
    ("attributevalue", lambda text: _SAML_TEST.search(text) is not None),
    *((mark, lambda text: _AWS_PAIR_TEST.search(text) is not None) for mark in ("akia", "asia")),
    ("[redacted", lambda text: _AWS_PAIR_TEST.search(text) is not None),
    ("authtoken", lambda text: _COMMAND_TOKEN_TEST.search(text) is not None),
    ("cloudflared", lambda text: _COMMAND_TOKEN_TEST.search(text) is not None),
    ("snyk", lambda text: _COMMAND_TOKEN_TEST.search(text) is not None),
    ("shodan", lambda text: _COMMAND_TOKEN_TEST.search(text) is not None),
    ("unseal", lambda text: _COMMAND_TOKEN_TEST.search(text) is not None),
    ("op_session_", lambda text: _COMMAND_TOKEN_TEST.search(text) is not None),
    ("${", lambda text: _DEFAULT_TEST.search(text) is not None),
    ("mechanism=", lambda text: _SASL_PLAIN_TEST.search(text) is not None),
    ("at+cgauth=", lambda text: "AT+CGAUTH=" in text),
    ("at+qicsgp=", lambda text: "AT+QICSGP=" in text),
    ("proxy_set_header", lambda text: _NGINX_TEST.search(text) is not None),
    ("fs.azure.", lambda text: _AZURE_STORAGE_TEST.search(text) is not None),
    *(
        (mark, lambda text: _CARD_CODE_TEST.search(text) is not None)
        for mark in ("cvv", "cvc", "csc", "cvn", "pr\u00fcfnummer")
    ),
    *(
        (mark, lambda text: _PIN_CODE_TEST.search(text) is not None)
        for mark in (
            *("pin=", "pin:", "pin>", 'pin"', "pin'", "pin =", "pin :", "pin]"),
            *("pincode", "pin code", "pin_code", "pin-code"),
        )
    ),
    *(
        (word + separator, lambda text: _KEY_BYTES_TEST.search(text) is not None)
        for word in ("key", "secret", "psk")
        for separator in (": [", ":[", " = [", "=[", '": [', '":[', "': [")
    ),
    # A CSV export's header with a password column (``secret_columns``).
    # (A settings table's row may be a secret by its type alone: "SecureString", "encrypted".)
    *(
        (mark, may_hold_secret_column)
        for mark in ("pass", "pw", "secret", "psk", "key", "token", "secure", "encrypted")
    ),
    # ... a PIN's column, a name of its own ("pin" is in "ping" and "shipping"), or a
    # compound's, as rare as it is.
    *(
        (f"pin{end}", may_hold_secret_column)
        for end in (",", ";", "\t", "|", "\n", "\r", '"', "'", "`", "]", " ")
    ),
    *(
        (name, may_hold_secret_column)
        for name in ("pincode", "pin code", "pin_code", "pin-code", "pin.code")
    ),
    ("unseal key", lambda text: "Unseal Key" in text),
    ("recovery key", lambda text: "Recovery Key" in text),
    ("ls0tls1crudjti", lambda text: "LS0tLS1CRUdJTi" in text),
    ("ugfzc3dvcmq6", lambda text: "UGFzc3dvcmQ6" in text),
    ("{plain}", lambda text: "{PLAIN}" in text),
    ("{clear", lambda text: "{CLEAR" in text),
    ("eyJ2ZXIiOi".casefold(), lambda text: "eyJ2ZXIiOi" in text),
    ("login=", lambda text: _LOGIN_TEST.search(text) is not None),
    ("stats", lambda text: "auth" in text and _STATS_AUTH.search(text) is not None),
    ("addauth", lambda text: _LOGIN_TEST.search(text) is not None),
    ("&p=", lambda text: _INFLUX_TEST.search(text) is not None),
    ("\n", lambda text: _PRINTED_TEST.search(text) is not None),
    # (And the names themselves for a password glued to its user, "creds admin/x!y":
    # "login" and "account" are too common for a search on every line holding them.)
    *(
        (mark, lambda text: _SLASH_TEST.search(text) is not None)
        for mark in (" / ", "credentials", "creds")
    ),
    *(
        (mark, lambda text: _ONE_TIME_TEST.search(text) is not None)
        for mark in (
            *("verification", "security code", "security pin", "one-time", "one time"),
            *("einmalcode", "best\u00e4tigungscode", "sicherheitscode", "verifizierungscode"),
            *("anmeldecode", "code de v\u00e9rification", "code de confirmation"),
            *("c\u00f3digo de verifica", "codice di verifica"),
        )
    ),
    *(
        (f"{word} {kind}", lambda text: _ONE_TIME_TEST.search(text) is not None)
        for word in (
            *("login", "sign-in", "signin", "sign in", "authentication", "otp", "2fa", "mfa"),
            *("voicemail", "sim", "card", "door", "alarm", "access"),
        )
        for kind in ("code", "pin", "passcode")
    ),
    *(
        (mark, lambda text: _ONE_TIME_TEST.search(text) is not None)
        for mark in ("otp ", "otp:", "otp=")
    ),
    # A .pgpass or sasl_passwd line: a port, or .pgpass's "*", between colons.
    *((mark, lambda text: _LINE_TEST.search(text) is not None) for mark in (":*:", "]:")),
    *((f":{port}:", lambda text: _LINE_TEST.search(text) is not None) for port in ("5432", "6432")),
    ("login attempt [", lambda text: _HONEYPOT_TEST.search(text) is not None),
    ('";s:', lambda text: _SERIALIZED_TEST.search(text) is not None),
    # (In coturn's own texts: "user=www-data:www-data" elsewhere is a user and a group.)
    *(
        (mark, lambda text: _TURN_USER_TEST.search(text) is not None)
        for mark in ("turnserver", "lt-cred-mech", "turnadmin")
    ),
    # Metasploit's "set"/"setg" of a password.
    *((mark, lambda text: _MSF_SET_TEST.search(text) is not None) for mark in ("setg ", "set ")),
    # A passwd-format line, by its shell's path.
    *(
        (mark, lambda text: _CRACKED_PASSWD_TEST.search(text) is not None)
        for mark in (":/bin/", ":/sbin/", ":/usr/")
    ),
    *program_secrets.MARKS,
    *prose_keys.MARKS,
    # BitLocker's recovery keys, in a text that names them or says "password".
    *(
        (mark, lambda text: _BITLOCKER_TEST.search(text) is not None)
        for mark in ("bitlocker", "recovery", "password")
    ),
)

LABELLED_SCAN = Scan(
    f"{_AUTH}(?P<basic_login>)|{_WIFI}(?P<wifi_password>)|{_KEY_SHARE_LABEL}(?P<key_share>)"
    f"|{_ENCODED_PEM}(?P<encoded_pem>)|{_SMTP_PASSWORD_PROMPT}(?P<smtp_password>)"
    f"|{_BITLOCKER}(?P<bitlocker>)|{_PLAIN_SCHEME}(?P<plain_scheme>)"
    f"|{_PGPASS_LINE}(?P<pgpass_line>)|{_SASL_LINE}(?P<sasl_line>)"
    f"|{_CRACKED_PASSWD}(?P<cracked_passwd>)"
    f"|{_MSF_SET}(?P<msf_password>)"
    f"|{_HONEYPOT_LOGIN}(?P<honeypot_password>)"
    f"|{_PHP_SERIALIZED}(?P<serialized_secret>)"
    f"|{_TURN_USER}(?P<turn_password>)"
    f"|{_LOGIN_LABEL}(?P<labelled_login>)|{_INFLUX_PASSWORD}(?P<influx_password>)"
    f"|{_ENROLLMENT}(?P<enrollment_token>)|{_PRINTED}(?P<printed_secret>)"
    f"|{_ONE_TIME_CODE}(?P<one_time_code>)|{_USER_SLASH_PASSWORD}(?P<slash_password>)"
    f"|{_CLEAR_TEXT}(?P<clear_text>)|{_KEY_CONTENT}(?P<key_content>)"
    f"|{_NEO4J_AUTH}(?P<neo4j_auth>)|{_DEFINED}(?P<defined_secret>)"
    f"|{_NTP_KEY}(?P<ntp_key>)|{_USERLIST}(?P<userlist_password>)"
    f"|{_QUOTED_PAIR}(?P<quoted_pair>)|{_EXPECT_SEND}(?P<sent_password>)"
    f"|{_REDIS_CONFIG_REPLY}(?P<redis_config>)|{_PUTTY_PRIVATE}(?P<ppk_private>)"
    f"|{_JWK_PRIVATE}(?P<jwk_private>)|{_XML_KEY_PART}(?P<xml_key_part>)"
    f"|{_RECOVERY_CODE}(?P<recovery_code>)"
    f"|{_GOSSIP_KEY}(?P<gossip_key>)|{_USING_PASSWORD}(?P<using_password>)"
    f"|{_MQTT_CONNECT}(?P<mqtt_password>)|{_NAGIOS_MACRO}(?P<nagios_macro>)"
    f"|{_RESP_AUTH}(?P<resp_auth>)|{_UCI_WIRELESS_KEY}(?P<uci_key>)"
    f"|{_OPENVPN_INLINE}(?P<openvpn_inline>)|{_SQL_CONNECT_INFO}(?P<sql_connect_info>)"
    f"|{_SAML_PASSWORD}(?P<saml_password>)|{ROW_START}(?P<column_secret>)"
    f"|{_AWS_PAIR}(?P<aws_secret>)|{_COMMAND_TOKEN}(?P<command_token>)"
    f"|{_DEFAULT_VALUE}(?P<default_secret>)|{_SASL_PLAIN}(?P<sasl_plain>)"
    f"|{_MODEM_AUTH}(?P<modem_password>)|{_NGINX_HEADER}(?P<nginx_header>)"
    f"|{_AZURE_STORAGE_KEY}(?P<azure_storage_key>)"
    f"|{_CARD_CODE}(?P<card_code>)|{_PIN_CODE}(?P<pin_code>)|{_KEY_BYTES}(?P<key_bytes>)"
    f"|{program_secrets.PATTERN}|{prose_keys.PATTERN}",
    {
        **program_secrets.KINDS,
        **prose_keys.KINDS,
        "key_bytes": Kind("secrets", "SECRET", _check_key_bytes),
        "card_code": Kind("secrets", "SECRET", _check_one_time_code),
        "pin_code": Kind("secrets", "SECRET", _check_pin),
        "aws_secret": Kind("secrets", "SECRET", _check_aws_secret),
        "command_token": Kind("secrets", "TOKEN", check_to_word_end),
        "default_secret": Kind("secrets", "SECRET", check_until_delimiter),
        "sasl_plain": Kind("secrets", "SECRET", check_element_text),
        "modem_password": Kind("secrets", "SECRET", check_quoted),
        "nginx_header": Kind("secrets", "SECRET", check_until_delimiter),
        "azure_storage_key": Kind("secrets", "SECRET", _check_setting_value),
        "column_secret": Kind(
            "secrets",
            "SECRET",
            check_secret_field,
            also=Kind("secrets", "SECRET", _check_recovery_code),
        ),
        "ntp_key": Kind("secrets", "SECRET", _check_ntp_key),
        "userlist_password": Kind("secrets", "SECRET", check_quoted),
        "quoted_pair": Kind("secrets", "SECRET", _check_quoted_pair),
        "sent_password": Kind("secrets", "SECRET", _check_sent),
        "redis_config": Kind("secrets", "SECRET", check_quoted),
        "ppk_private": Kind("secrets", "SECRET", _check_ppk_lines),
        "jwk_private": Kind("secrets", "SECRET", _check_jwk_member),
        "xml_key_part": Kind("secrets", "SECRET", _check_xml_key_part),
        "recovery_code": Kind("secrets", "SECRET", _check_recovery_code),
        "gossip_key": Kind("secrets", "SECRET", _check_gossip_key),
        "using_password": Kind("secrets", "SECRET", _check_using),
        "mqtt_password": Kind("secrets", "SECRET", check_quoted),
        "nagios_macro": Kind("secrets", "SECRET", _check_rest_of_line),
        "resp_auth": Kind("secrets", "SECRET", _check_resp_auth),
        "uci_key": Kind("secrets", "SECRET", check_until_delimiter),
        "openvpn_inline": Kind("secrets", "SECRET", _check_rest_of_line),
        "sql_connect_info": Kind("secrets", "SECRET", check_until_delimiter),
        "saml_password": Kind("secrets", "SECRET", check_element_text),
        "clear_text": Kind("secrets", "SECRET", check_quoted),
        "key_content": Kind("secrets", "SECRET", _check_rest_of_line),
        "neo4j_auth": Kind("secrets", "SECRET", check_to_word_end),
        "defined_secret": Kind("secrets", "SECRET", check_quoted),
        "one_time_code": Kind("secrets", "SECRET", _check_one_time_code),
        "slash_password": Kind("secrets", "SECRET", _check_slash_password),
        "printed_secret": Kind("secrets", "SECRET", _check_printed),
        "bitlocker": Kind("secrets", "SECRET", lambda text, start, end: (start, end)),
        "plain_scheme": Kind("secrets", "SECRET", _check_plain_scheme),
        "pgpass_line": Kind("secrets", "SECRET", _check_rest_of_line),
        "cracked_passwd": Kind("secrets", "SECRET", _check_passwd_field),
        "msf_password": Kind("secrets", "SECRET", _check_rest_of_line),
        "honeypot_password": Kind("secrets", "SECRET", _check_tried_password),
        "serialized_secret": Kind("secrets", "SECRET", _check_serialized),
        "turn_password": Kind("secrets", "SECRET", _check_rest_of_line),
        "sasl_line": Kind("secrets", "SECRET", _check_sasl_line),
        "labelled_login": Kind("secrets", "SECRET", _check_login),
        "influx_password": Kind("secrets", "SECRET", _check_influx_password),
        "enrollment_token": Kind("secrets", "TOKEN", _check_enrollment),
        "smtp_password": Kind("secrets", "SECRET", _check_smtp_password),
        "encoded_pem": Kind("secrets", "SECRET", _check_encoded_pem),
        "basic_login": Kind("secrets", "SECRET", _check_basic_login),
        "wifi_password": Kind("secrets", "SECRET", _check_wifi),
        "key_share": Kind("secrets", "SECRET", _check_key_share),
    },
    trigger=may_hold_labelled_secret,
    flags=re.ASCII,
)
