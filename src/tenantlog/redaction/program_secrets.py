"""Secrets in the syntax of one device, tool or program, where no secret's name
stands close enough for the names' scans: a branch of ``labelled_secrets``'
scan, behind its trigger, with its own marks.

* Network devices and VPNs: SNMPv3's passwords after their protocols (Cisco's
  ``snmp-server user … auth sha <pw> priv aes 128 <pw>``, net-snmp's
  ``createUser``), strongSwan's ``: EAP "…"`` and ``: XAUTH …``, a key after its
  form (``pre-shared-key ascii-text key …``, ``set-key ascii …``), hostapd's
  ``wpa_passphrase=`` to its line's end (it may hold blanks), NUT's ``MONITOR``
  line, OpenVPN's pushed ``auth-token``.
* Headers and clients: a header named ``…-Auth`` (ZeroTier's ``X-ZT1-Auth``) or
  ``X-…-Key``/``-Api``/``-Token`` (Palo Alto's ``X-PAN-KEY``), an Authorization
  header's short scheme (Infobip's ``App``, cPanel's ``cpanel user:token``), an
  access key's id under ``Access Key ID:`` in words, an SDK's client made with
  its one key (``cohere.Client("…")``), Pushover's user key, a Steam server's
  ``+sv_setsteamaccount`` token.
* Tables and plans: a box-drawn or piped table's row whose cell names a
  password (FreeRADIUS' ``radcheck``), a Terraform plan's new value after
  ``->``.
* Commands and their output: a password echoed into a command that reads it
  from its input (``echo '…' | sudo -S``, ``… --password-stdin``), Bitwarden's
  ``bw unlock "…"``, FNDCPASS' logins, a reset tool's ``New value:``, a
  secret's name ending its line with its value alone on the next (Salt's and
  YAML's output), a property list's ``<key>Password</key><string>…``.
* Code and tests: PHP's ``PDO->__construct('dsn', 'user', '…')`` in a stack
  trace, a test typing into a password's field (Playwright's ``fill``,
  Selenium's ``send_keys``, Cypress' ``type``), a sentence that sets a
  password to a value ("… password for account 'x' to …").
* One-time links: a reset's, a verification's or an invitation's token in the
  link's path.
* Servers' own words: Wazuh's ``OSSEC K:'…'`` agent key, Redis' ``ACL SETUSER …
  >password``, a settings row set in SQL (``SET value = '…' WHERE name =
  'smtppass'``), a validation message's ``"JWT_SECRET" with value "…"``, a
  signature's or a key's hex on the line after its name (botocore's
  ``Signature:``).

* Cookies and URLs: a cookie whose value no person wrote, in a ``Cookie`` or
  ``Set-Cookie`` header or after the word (whatever its name: ``unifises``,
  PSN's ``npsso``; not an analytics' ``_ga``); a credential in a URL's path
  where its service puts one (conda's ``/t/<token>/``, a Hue bridge's
  ``/api/<user>/lights``), a posted ``SAMLResponse`` or SAML artifact.
* Devices and servers' own syntaxes: Z-Wave JS' network keys
  (``"S2_AccessControl": "<hex>"``), a SIM's ``Ki``, ``OPc`` and ``KIc`` (its ``K``
  and ``OP`` on an IMSI's line), a SIP account's ``ha1`` digests,
  PAN-OS' ``<pre-shared-key><key>…``, Junos' ``md5 1 key "…"``, Kamailio's
  ``modparam("auth", "secret", "…")``, SSIS' configured values and dtexec's
  ``/SET …[User::SftpPassword].Properties[Value];…``.
* FreeRADIUS' logins as it logs them: ``Login incorrect: [user/password]``.
* Webhooks' signature headers (Slack's, GitHub's, Stripe's, Svix', Shopify's,
  Telnyx'), the scheme's version and a timestamp kept; SIP2's passwords (a
  library kiosk's login ``CO``, a patron's ``AD``, a terminal's ``AC``); a Digest
  header's ``response`` hash; SteamCMD's ``+login user password``.
* OCPP 2.0's ``SetVariables`` of a password or a key (``BasicAuthPassword``), SAP
  HANA's ``hdbuserstore SET``, unixODBC's ``isql DSN user password``, Bitnami's
  first-start banner ("username and password is 'user' and '…'"), FileZilla's
  ``<Pass encoding="base64">``, a live stream's key in its RTMP URL, Magento's
  ``config:set`` of a path that names a secret; a GDS booking's form of payment
  (``FP CCVI4111…/0926``: the card, after its network's code).
* Payment HSMs' keys beside their check value or kind; FIX's logon password
  (tags 554, 925); FCM registration tokens; Jenkins' crumb; a KeePass export's
  password and TOTP seed (``<Key>Password</Key><Value …>``); QRadar's ``SEC:``
  token.
* Clients' credentials in code: Go's MySQL DSN (``user:pw@tcp(host)/db``),
  Python's requests ``auth=('user', 'pw')``, a client's class given a user and a
  password (``InverterClient("installer", "…")``); Ethereum's providers' keys in
  their URLs (Alchemy's ``/v2/<key>``, Infura's ``/v3/<id>``).
* Package managers' logins: Poetry's and Composer's ``config http-basic.<repo>
  <user> <password>``, Yarn's ``npmAuthIdent: "user:password"``.
* Shells and SQL*Plus: PowerShell's ``ConvertTo-SecureString "…" -AsPlainText``;
  ``SQL> CONNECT user/password``.
* Tables aligned by blanks: a row's cell after a secret's name (``vault kv get``,
  Symfony's ``debug:dotenv``, keytool's listing); Elasticsearch's
  ``PASSWORD elastic = …``.

Each value is found after its label by a look-ahead, and its checker says
where it ends and whether it hides anything (a flag, a word of a sentence, a
number, a variable).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from urllib.parse import unquote

from tenantlog.redaction import validators
from tenantlog.redaction.credentials import is_lower_session_key, looks_random
from tenantlog.redaction.kinds import Kind
from tenantlog.redaction.passwords import is_masked, looks_like_password, mixes_cases_and_digits
from tenantlog.redaction.validators import HEX_DIGITS
from tenantlog.redaction.value_ends import (
    blank_after,
    check_element_text,
    check_quoted,
    check_to_word_end,
    check_until_delimiter,
    matches_at_word,
    stop_at,
)

# SNMPv3's passwords after their protocols, on a line about SNMP (``_check_snmp``):
# Cisco's "snmp-server user zbx GRP v3 auth sha <pw> priv aes 128 <pw>", net-snmp's
# 'createUser monitor SHA "<pw>" AES "<pw>"'.
_SNMP_PASSWORD = (
    r"(?<![\w\-])(?:(?i:auth)[ \t]+(?i:md5|sha(?:-?(?:1|224|256|384|512))?)"
    r"|(?i:priv)[ \t]+(?i:des|3des|aes(?:-?(?:128|192|256))?)(?:[ \t]+(?:128|192|256))?"
    r"|(?:MD5|SHA(?:-?(?:224|256|384|512))?|DES|AES(?:-?(?:128|192|256))?))[ \t]+(?=[^\s])"
)

# strongSwan's ipsec.secrets: ': EAP "…"', 'carol : XAUTH "…"' (a PSK's is named).
_IPSEC_SECRET = r"(?<![^\s]):[ \t]*(?:EAP|XAUTH|NTLM)[ \t]+(?=[^\s])"

# A network device's key after its name and the form it is written in: "pre-shared-key
# key …", "set-key ascii …", "authentication-key 0 …" (``_check_device_key``).
_DEVICE_KEY = (
    r"(?<=\w)-key[ \t]+(?i:ascii(?:-text)?|hex|text|plain(?:text)?|key|[07])"
    r"(?:[ \t]+key)?[ \t]+(?=[^\s])"
)

# A header named "…-Auth" (ZeroTier's "X-ZT1-Auth: …"): its value is the credential.
# (It starts on the "-": a name's letters first would be tried at every letter of a text.)
# (Also as a dict's key: "{'x-tableau-auth': '…'}".)
_AUTH_HEADER = r"(?<=[A-Za-z0-9])-(?i:auth)(?:[\"'][ \t]*:[ \t]*[\"']|[ \t]*:[ \t]*)(?=[^\s\"'])"

# OpenVPN's session token, pushed in a comma list ("PUSH_REPLY,…,auth-token <token>,…").
_OPENVPN_TOKEN = r"(?<![\w\-])auth-token[ \t]+(?=[^\s,'\"])"

# A table's row whose cell names a password, the value in the next cell: a box-drawn
# "│ password │ s3cr3t │", FreeRADIUS' radcheck "| bob | Cleartext-Password | := | pw |"
# (an operator's cell between).
_TABLE_SEPARATORS = "|\u2502\u2503"
_TABLE_CELL = (
    rf"[{_TABLE_SEPARATORS}][ \t]*[\w\-]{{0,24}}"
    r"(?i:password|passwd|passphrase|secret|token|api[ _\-]?key)[\w\-]{0,12}[ \t]*"
    rf"[{_TABLE_SEPARATORS}](?:[ \t]*(?::=|==|=|\+=)[ \t]*[{_TABLE_SEPARATORS}])?"
    rf"[ \t]*(?=[^\s{_TABLE_SEPARATORS}])"
)

# A Terraform plan's change of a secret's value: '~ admin_password = "old" -> "new"' (the
# old value is the name's; the new one follows the arrow).
_PLAN_CHANGE = (
    r"(?i:pass|secret|token|key|pwd)[\w\-]{0,24}[\"']?[ \t]*[:=][ \t]*\"[^\"\n]{0,256}\""
    r"[ \t]*->[ \t]*(?=\")"
)

# An access key's id under its label written in words (Cloudflare R2's "Access Key ID:").
_ACCESS_KEY_ID = r"(?<![\w\-])(?i:access[ \t]key[ \t]id)[ \t]*[:=][ \t]*(?=[A-Za-z0-9])"

# An SDK's client made with its key as the first argument: 'cohere.Client("…")'.
_CLIENT_KEY = r"Client\([ \t]*(?=[\"'][A-Za-z0-9_\-]{20,}[\"'])"

# hostapd's and wpa_supplicant's passphrase, which may hold blanks: to its line's end.
_WPA_PASSPHRASE = r"(?:(?<![\w.])|(?<=\\n))wpa_passphrase[ \t]*=[ \t]*(?=[^\s])"

# Oracle E-Business Suite's FNDCPASS: "FNDCPASS apps/<pw> 0 Y system/<pw> …", both logins'
# passwords (``_check_fndcpass``).
_FNDCPASS = r"(?:FNDCPASS[ \t]+|(?<=[ \t]Y[ \t]))[\w$#]{1,30}/(?=[^\s/])"

# A Steam game server's login token on its command line.
_STEAM_ACCOUNT = r"\+sv_setsteamaccount[ \t]+(?=[^\s])"
# SteamCMD's login on its command line: "+login <user> <password>" (a third word is
# Steam Guard's code; "+login anonymous" has none).
_STEAMCMD_LOGIN = r"\+login[ \t]+(?!anonymous[ \t])[^\s+]{1,64}[ \t]+(?=[^\s+])"

# HTTP's and SIP's Digest authentication: the "response" is a hash of the password
# under the server's nonce, which a dictionary recovers the password from.
_DIGEST_RESPONSE = r"(?<=[ ,])response=\"(?=[0-9a-f]{32,64}\")"

# Pushover's user key, thirty characters under "user", in a line about Pushover.
_PUSHOVER_USER = (
    r"(?<![\w\-])user(?:_?key)?[\"']?[ \t]*[:=][ \t]*[\"']?(?=[A-Za-z0-9]{30}(?![A-Za-z0-9]))"
)

# A password echoed into a command that reads it from its input: "echo 'pw' | sudo -S …",
# "echo "$X" | docker login … --password-stdin" (a variable stays), "| kinit admin",
# OpenConnect's "--passwd-on-stdin", Perforce's "| p4 … login".
_STDIN_COMMAND = (
    r"(?:sudo[ \t]+(?:-S|--stdin)|passwd[ \t]+--stdin|kinit|keepassxc-cli|bw[ \t]+unlock"
    r"|cryptsetup|[^\n|]{0,160}?(?:--password-stdin|--passwd-on-stdin|--passphrase-fd[ \t]+0"
    # (adcli's "join --stdin-password"; Samba's "smbpasswd -s", its "silent" input.)
    r"|-passin[ \t]+stdin|--stdin-password)|smbpasswd[ \t](?:[^\n|]{0,40}?[ \t])?-s(?![\w\-])"
    r"|p4(?:\.exe)?[ \t][^\n|]{0,160}?[ \t]login(?![\w\-]))"
)

_ECHOED_PASSWORD = (
    r"(?<![\w\-])echo[ \t]+(?:-[neE][ \t]+)?"
    r"(?=(?:'[^'\n$]{4,128}'|\"[^\"\n$]{4,128}\"|[^\s'\"$|]{4,128})[ \t]*\|[ \t]*"
    + _STDIN_COMMAND
    + ")"
)

# A here-string into a login that reads its password, or a token, from its input:
# "kinit admin <<< 'pw'", "az devops login --organization … <<< \"<PAT>\"".
_HERE_STRING_LOGIN = (
    r"(?<![\w\-])(?:kinit|az[ \t]+devops[ \t]+login|docker[ \t]+login|passwd)"
    r"(?:[ \t][^\n|<>;&]{0,160}?)?[ \t]<<<[ \t]*(?=['\"]?[^\s'\"$<])"
)

# PHP's database connections, whose third argument is the password, as a stack trace
# shows them: "PDO->__construct('mysql:host=…', 'shop_rw', '…', Array)", mysqli's.
_PHP_CONNECT = (
    r"(?:PDO->__construct|new[ \t]+PDO|mysqli->__construct|mysqli->real_connect|mysqli_connect"
    r"|new[ \t]+mysqli)\([ \t]*(?:'[^'\n]*'|\"[^\"\n]*\")[ \t]*,[ \t]*"
    r"(?:'[^'\n]*'|\"[^\"\n]*\"|NULL|null)[ \t]*,[ \t]*(?=['\"])"
)

# ClickHouse's table functions and engines that read another database, the password
# fifth: "mysql('db:3306', 'shop', 'orders', 'ro', '…')", "ENGINE = PostgreSQL(…)".
_CLICKHOUSE_REMOTE = (
    r"(?<![\w.])(?i:mysql|postgresql|mongodb)\([ \t]*(?:'[^'\n]{0,256}'[ \t]*,[ \t]*){4}(?=')"
)

# SQL's AES functions, the key second: "aes_encrypt(card_holder, '…', 'GCM')" (Spark,
# MySQL, Databricks).
# (The first may be a call: "aes_decrypt(unbase64(col), '…')".)
_AES_KEY_ARGUMENT = (
    r"(?<![\w.])(?i:aes_(?:en|de)crypt)\([ \t]*"
    r"(?:[^,()'\"\n]|\([^()'\"\n]{0,64}\)){1,128}+,[ \t]*(?=')"
)
# CyberArk's Central Credential Provider answers with the account's secret in
# "Content": '{"Content":"…","UserName":"svc","PolicyID":"WinDomain",…}'
# (``_check_vault_content``: the answer's other fields next to it).
_VAULT_CONTENT = r"(?<=[{,])[ \t]*\"Content\"[ \t]*:[ \t]*(?=\"[^\"])"
# A key's literal in code that computes an HMAC: Go's 'hmac.New(sha256.New, []byte("…"))',
# Python's 'hmac.new(b"…", …)', Node's "crypto.createHmac('sha256', '…')", Java's
# 'new SecretKeySpec("…".getBytes(), "HmacSHA256")'.
_HMAC_KEY_LITERAL = (
    r"(?:hmac\.New\([ \t]*[\w.]{1,64}[ \t]*,[ \t]*\[\]byte\(|hmac\.new\([ \t]*b?"
    r"|createHmac\([ \t]*['\"][\w\-]{1,16}['\"][ \t]*,[ \t]*|SecretKeySpec\([ \t]*)(?=[\"'])"
)
# A PKCS#12 file's password given with it in code: Go's 'pkcs12.Decode(p12, "…")', Rust's
# 'Identity::from_pkcs12(&der, "…")', .NET's 'new X509Certificate2("qseal.pfx", "…", …)'.
_PKCS12_PASSWORD = (
    r"(?:(?i:pkcs12)(?:\.[A-Za-z]\w{0,32})?|X509Certificate2)\([ \t]*"
    r"(?:\"[^\"\n]{0,256}\"|[^()\"'\n,]{1,64})[ \t]*,[ \t]*(?=\")"
)
# curl's client certificate and its password: "--cert transport.pem:'…'", "-E c.p12:…".
_CURL_CERT_PASSWORD = (
    r"(?<![\w\-])(?:--cert|-E)[ \t=]+['\"]?[^\s:'\"]{1,256}\.(?:pem|crt|cer|p12|pfx|key)"
    r":(?=['\"]?[^\s'\"])"
)
# A PKCS#11 URI's PIN (RFC 7512): "pkcs11:token=…;object=…?module-path=…&pin-value=…".
_PKCS11_PIN = r"(?<=[?&;])pin-value=(?=[^&;\s\"']+)"
# AWS KMS' data key in the clear, next to its encrypted copy ("generate-data-key").
_KMS_PLAINTEXT = r"\"Plaintext\"[ \t]*:[ \t]*(?=\"[A-Za-z0-9+/]{16,}={0,2}\")"
# Schema Registry's client login, "key:secret": "basic.auth.user.info=KEY:SECRET".
_REGISTRY_USER_INFO = (
    r"(?<![\w\-])(?:schema\.registry\.)?basic\.auth\.user\.info[\"']?[ \t]*[=:][ \t]*[\"']?"
    r"[^\s:\"']{1,128}:(?=[^\s\"'])"
)

# A tool's answer after it resets a password: "New value: …" (Elasticsearch's).
_NEW_VALUE = r"(?:\A|(?<=\n))[ \t]*New[ \t]+value:[ \t]*(?=\S)"

# A secret's name ending its line, its value alone on the next, indented further (YAML,
# Salt's and Ansible's output): "    root_password:\n        S4ltP1llar#Root".
_NEXT_LINE_VALUE = (
    r"(?:\A|(?<=\n))(?P<indent>[ \t]*)[\w.\-]{0,40}"
    r"(?i:password|passwd|passphrase|secret|token|api[_\-]?key|private[_\-]?key):[ \t]*\r?\n"
    r"(?P=indent)[ \t]+(?=[^\s\-#][^\s]*[ \t]*(?:\r?\n|\Z))"
)

# A property list's key naming a password, then its string: "<key>Password</key>\n<string>…".
_PLIST_VALUE = (
    r"<key>[^<\n]{0,40}(?i:password|passwd|passphrase|secret|token|psk)[^<\n]{0,20}</key>"
    r"\s{0,64}<string>(?=[^<])"
)

# A one-time link's token, in the path after what the link does: Nextcloud's
# "/lostpassword/reset/form/<token>/alice", "/verify/<token>", "/magic-link/<token>".
_LINK_TOKEN = (
    # (Okta's "/signin/reset-password/<token>".)
    # (Rails' "/password_resets/<token>/edit"; Zendesk's signed "/attachments/token/<token>/",
    # its survey's "/satisfaction/new/<token>".)
    r"/(?i:reset|lostpassword|password[_\-]?resets?|reset[_\-]?password|verify|verification"
    r"|confirm|activate|attachments/token|satisfaction/new"
    # (A segment may come between: "/reset/form/<token>", Django's "/reset/<uidb64>/<token>/".)
    # (Not a record's number: Laravel's "/email/verify/<id>/<hash of the address>".)
    r"|magic[_\-]?link|invite|invitation)(?:/(?![0-9]+/)[A-Za-z0-9_\-]{1,16})?/"
    r"(?=[A-Za-z0-9_\-]{16,256}(?:[/?#\s\"']|\Z))"
)

# Bitwarden's CLI given the master password: 'bw unlock "…"', "bw login <email> …".
# (Not its flags, "bw login --apikey", nor the shell's operators after them: "&&".)
_BW_PASSWORD = (
    r"(?<![\w\-])bw[ \t]+(?:unlock|login[ \t]+(?!-)[^\s]{1,128})[ \t]+(?=['\"]?[^\s'\"\-&|;<>])"
)

# A webhook's signature header, the HMAC (or Ed25519 signature) of its body under the
# endpoint's secret: Slack's "X-Slack-Signature: v0=<hex>", GitHub's "X-Hub-Signature-256:
# sha256=<hex>", Stripe's "Stripe-Signature: t=…,v1=<hex>,v0=<hex>", Svix' "svix-signature:
# v1,<base64>", Shopify's "X-Shopify-Hmac-Sha256: <base64>", Telnyx' "…-signature-ed25519=".
# The scheme's version and a timestamp stay; each signature goes (Stripe's second after
# the first: ``_STRIPE_MORE``).
_WEBHOOK_SIGNATURE = (
    # (The HMAC's name only a header's last part: Vault's audit log writes a value as
    # "hmac-sha256:<hex>", a hash of what it hides.)
    # Exchanges' request signatures: Coinbase's "CB-ACCESS-SIGN", Kraken's "API-Sign",
    # Bybit's "X-BAPI-SIGN", OKX's '"sign":'.
    r"(?i:signature(?:[-_]256|-ed25519|provided)?|(?<=-)hmac-sha(?:1|256|512)|(?<=-)sign"
    r"|(?<=[\"'])sign(?=[\"']))"
    # (After a blank, a quote: "X-Twilio-Signature 'ubs6…='".)
    r"(?:[\"']?[ \t]*[:=][ \t]*[\"']?|[ \t]+[\"'])"
    # (A scheme's name before it: "v1=", "sha256=", EasyPost's "hmac-sha256-hex=".)
    r"(?:t=[0-9]{9,11},)?(?:(?i:v[0-9]|[a-z]{1,8}[0-9]{0,3}(?:-[a-z0-9]{1,8}){0,3})[=,])?"
    r"(?=[A-Za-z0-9+/_\-]{20,})"
)
_STRIPE_MORE = r"(?<=[0-9a-f]{64},)v[0-9]=(?=[0-9a-f]{64}(?![0-9A-Za-z]))"
#: A detached JWS's empty payload and its signature, after its header.
_DETACHED_JWS_REST = re.compile(r"\.\.[A-Za-z0-9_\-]{20,1024}(?![A-Za-z0-9_\-])")


#: A signature's characters (hex, base64, base64url) and its padding.
_SIGNATURE_VALUE = re.compile(r"[A-Za-z0-9+/_\-]{20,512}={0,2}(?![A-Za-z0-9+/=_\-])")

# SIP2, the protocol of libraries' self-service kiosks: a login's "CO" (its password)
# after "CN" (its user), a patron's "AD" (PIN or password) and a terminal's "AC"
# password, each a "|"-delimited field (``_check_sip2``).
_SIP2_PASSWORD = r"(?<=\|)(?:CO|AD|AC)(?=[^|\r\n]{1,64}\|)"
#: Fields only a SIP2 message holds: its institution ("AO"), its sequence number and
#: checksum ("AY0AZF1C4"), a login's user after the message's code ("9300CN…").
_SIP2_MESSAGE = re.compile(r"\|AO|\|AY[0-9]AZ[0-9A-F]{4}|(?<![0-9])93[0-9]{2}CN")

# OCPP 2.0's SetVariables: a variable named as a password or a key ("BasicAuthPassword"),
# its "attributeValue" before or after its "variable" object, in the same entry.
_OCPP_VARIABLE_NAME = r"\"name\"[ \t]*:[ \t]*\"[A-Za-z]{0,40}(?:Password|Key|Secret)\""
_OCPP_ATTRIBUTE = (
    r"\"attributeValue\"[ \t]*:[ \t]*(?=\"[^\"\n]{1,256}\"[^\[\]\n]{0,300}?"
    r"\"variable\"[ \t]*:[ \t]*\{[ \t]*" + _OCPP_VARIABLE_NAME + ")"
    r"|(?<=\"variable\")[ \t]*:[ \t]*\{[ \t]*" + _OCPP_VARIABLE_NAME + r"[ \t]*\}"
    r"[^\[\]\n]{0,300}?\"attributeValue\"[ \t]*:[ \t]*(?=\")"
)

# SAP HANA's secure store set on the command line: "hdbuserstore SET <key> <host:port>
# <user> <password>" (options before "SET").
_HDBUSERSTORE = (
    r"hdbuserstore[ \t]+(?:-[A-Za-z]+[ \t]+)*(?i:set)[ \t]+[^\s]{1,64}[ \t]+[^\s]{1,256}[ \t]+"
    r"[^\s]{1,128}[ \t]+(?=[^\s])"
)
# unixODBC's isql: "isql [-v] <DSN> <user> <password>" (Sybase's isql takes flags alone).
_UNIXODBC_ISQL = (
    r"(?<![\w\-])isql[ \t]+(?:-[a-z0-9]+[ \t]+)*[^\s\-][^\s]{0,63}[ \t]+[^\s\-][^\s]{0,63}[ \t]+"
    r"(?=[^\s\-])"
)
# Bitnami's images at their first start: "The default username and password is 'user' and
# '<password>'."
_BITNAMI_DEFAULT = (
    r"(?i:username[ \t]+and[ \t]+password[ \t]+(?:is|are))[ \t]+"
    r"(?:'[^'\n]{1,64}'|\"[^\"\n]{1,64}\")[ \t]+and[ \t]+(?=['\"])"
)
# FileZilla's site manager: "<Pass encoding=\"base64\">…</Pass>".
_FILEZILLA_PASS = r"<Pass[ \t]+encoding=\"base64\">(?=[^<\s])"
# A live stream's key, the last segment of its RTMP URL: YouTube's
# "rtmp://a.rtmp.youtube.com/live2/<key>", Facebook's "…/rtmp/FB-…", any server's
# "rtmp://host/app/<key>" (``_check_stream_key``).
_RTMP_STREAM = r"rtmps?://[^\s/\"']{1,128}/(?:[^\s/\"']{1,64}/){1,3}(?=[^\s/\"';]{16,200})"
# A stream's key beside its server, as OBS' service.json and restreaming configurations
# write it ('"server":"rtmp://…","key":"sunday-main-8f3kq2"', "server: rtmp://…\n key: …"):
# a "key" that starts a line or an object's pair, in a text that names an RTMP or SRT
# server (``_check_stream_key_pair``).
_STREAM_KEY_PAIR = (
    r"(?:(?m:^)|(?<=[{,]))[ \t]*[\"']?(?i:stream_?key|key)[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?=[^\s\"',}{$<]{6,128})"
)
_STREAMING_SERVER = re.compile(r"(?:rtmps?|srt)://", re.IGNORECASE)
# Wowza's SecureToken hash and WMSPanel's signature in a playback URL's query:
# "?wowzatokenstarttime=…&wowzatokenhash=…", "?wmsAuthSign=…".
_PLAYBACK_TOKEN = r"(?<=[?&;])(?i:wowzatokenhash|wmsauthsign)=(?=[^\s&\"'#]{16,})"
# DRM servers' secrets: PlayReady's key seed ("<KeySeed>…</KeySeed>", "key_seed=…"),
# FairPlay's application secret key ("FAIRPLAY_ASK=<32 hex>", "ask=" in a "[fairplay]"
# section).
_DRM_SECRET = (
    r"(?<![\w\-])(?i:key_?seed)[\"']?[ \t]*(?:[:=>]|\\?\"[ \t]*:)[ \t]*[\"']?(?=[A-Za-z0-9+/]{20,})"
    r"|(?<![\w\-])(?i:(?:fairplay|fps)_?ask)[\"']?[ \t]*[:=][ \t]*[\"']?(?=[0-9A-Fa-f]{32})"
    r"|(?<![\w\-])ask[ \t]*=[ \t]*(?=[0-9A-Fa-f]{32}(?![0-9A-Za-z]))"
)
# A MIFARE Classic sector's keys, twelve hex digits after their names: "keyA=682776B9923C".
_MIFARE_KEY = (
    r"(?<![\w\-])(?i:key_?[ab])[\"']?[ \t]*[:=][ \t]*[\"']?(?=[0-9A-Fa-f]{12}(?![0-9A-Za-z]))"
)
# Cisco's IKE pre-shared key: "authentication remote pre-share key <key>", "pre-shared-key
# [0|6] <key>" (a type's digit first).
_PRE_SHARE_KEY = (
    r"(?<![\w\-])pre-share[ \t]+key[ \t]+(?:[06][ \t]+)?(?=[^\s])"
    r"|(?m:^)[ \t]*pre-shared-key[ \t]+(?:[06][ \t]+)?(?=[^\s])"
)
# Network devices' keys and communities in their configurations, each after its own
# keywords (``_check_device_secret``): Cisco's "key 7 <hex>" under a TACACS+ or
# RADIUS server, a key chain's "key-string [password] …", OSPF's
# "message-digest-key 1 md5 …", IOS XR's "password encrypted …", Ericsson's
# "encrypted-key …", SNMP communities ("snmp-server community …", Huawei's
# "snmp-agent community read cipher …"), Huawei's reversible "cipher %^%#…%^%#",
# Junos' reversible "$9$…", DOCSIS' "cable shared-secret 0 …", tac_plus' users.
_DEVICE_SECRET = (
    r"(?m:^)[ \t]+key[ \t]+(?:7[ \t]+(?=[0-9A-Fa-f]{8,}(?![\w\-]))|0[ \t]+(?=\S))"
    r"|(?<![\w\-])key-string[ \t]+(?:password[ \t]+|[07][ \t]+)?(?=\S)"
    r"|(?<![\w\-])message-digest-key[ \t]+[0-9]{1,3}[ \t]+md5[ \t]+(?:[07][ \t]+)?(?=\S)"
    r"|(?<![\w\-])(?:password[ \t]+encrypted|encrypted-key)[ \t]+(?=\S)"
    r"|(?<![\w\-])snmp-(?:server|agent)[ \t]+community[ \t]+(?:(?:read|write)[ \t]+)?"
    r"(?:cipher[ \t]+)?(?=\S)"
    r"|(?<![\w\-])cipher[ \t]+(?=%\^%#)"
    # (Not crypt's "$1$9$…": a salt of "9".)
    r"|(?<![\w$./])\$9\$(?=[^\s\"']{8,})"
    r"|(?<![\w\-])shared-(?:secondary-)?secret[ \t]+(?:index[ \t]+[0-9]+[ \t]+)?[07][ \t]+(?=\S)"
    # tac_plus' users: 'login = cleartext "…"', "enable = des …".
    r"|(?<![\w\-])(?:login|enable|pap|chap|arap|opap)[ \t]*=[ \t]*(?:cleartext|des)[ \t]+\"?"
    r"(?=[^\s\"])"
)
# A Salesforce session id (an access token): the org's id, "!", the token
# ("<sessionId>00D5g000004ABCD!AQ0AQZ/eKEW…</sessionId>", "Bearer 00D…!…").
_SALESFORCE_SESSION = r"(?<![\w!])00D[A-Za-z0-9]{12,15}!(?=[A-Za-z0-9._/+=]{40,})"
# A Kaltura session (KS) in a playback URL's path: "…/playManifest/…/ks/djJ8…/a.m3u8".
_KALTURA_KS = r"/ks/(?=[A-Za-z0-9+_\-]{40,})"
# Magento's "bin/magento config:set <path> <value>", a path that names a secret
# ("payment/authorizenet_acceptjs/trans_key", "…/api_password").
_MAGENTO_SECRET_PATH = (
    r"config:set[ \t]+(?:--[a-z\-]+(?:=[^\s]+|[ \t]+[^\s\-][^\s]*)?[ \t]+)*"
    r"[a-z0-9_]+(?:/[a-z0-9_]+){1,4}(?:key|password|passwd|secret|token)[ \t]+(?=[^\s\-])"
)

# Orthanc's users, a JSON object of names and their passwords: '"RegisteredUsers" :
# { "orthanc" : "…", "viewer" : "…" }' (``_check_registered_user``: each pair inside).
_REGISTERED_USER = r"(?<=[{,\n])[ \t]*\"[^\"\n]{1,64}\"[ \t]*:[ \t]*(?=\"[^\"\n]*\")"
_REGISTERED_USERS = re.compile(r"\"RegisteredUsers\"[ \t]*:[ \t]*\{[^{}]*\Z")

# X12's interchange header: "ISA*00*<auth>*01*<password>*ZZ*…" (the "01" says a
# password follows; "00" none).
_X12_PASSWORD = (
    r"(?<![A-Za-z0-9])ISA\*[0-9]{2}\*[^*\n]{0,10}\*01\*(?=[^*\n]{0,9}[^*\s][^*\n]{0,9}\*)"
)
# EDIFACT's interchange header: "UNB+<syntax>+<sender>+<recipient>+<date:time>+<ref>+
# <password>:<qualifier>+…", the recipient's reference or password.
_EDIFACT_PASSWORD = (
    r"(?<![A-Za-z0-9])UNB\+[^+'\n]{1,40}\+[^+'\n]{1,60}\+[^+'\n]{1,60}\+[0-9:]{6,14}\+"
    r"[^+'\n]{1,14}\+(?=[^+:'\n]{1,14}:[A-Z0-9]{2}(?:[+']|\Z))"
)

# Oracle's Easy Connect login: "user/password@host:1521/service" (after "=", a quote or
# a blank: "LIS_DB=lisuser/…@lisdb:1521/LISPRD").
_EZCONNECT = (
    r"(?<=[=\s\"'])[A-Za-z][\w$#]{0,29}/"
    r"(?=[^\s/@\"']{1,64}@[A-Za-z0-9][\w.\-]{0,252}:[0-9]{2,5}/[A-Za-z0-9])"
)

# A message authentication code's key as code writes it: Python's "hmac.new(b'<key>', …)",
# Node's "crypto.createHmac('sha256', '<key>')".
_HMAC_KEY = (
    r"hmac\.new\([ \t]*b?(?=['\"])"
    r"|createHmac\([ \t]*['\"][\w\-]{2,16}['\"][ \t]*,[ \t]*(?=['\"])"
)

# S3's answer to a bad signature, which quotes the one the client sent.
_SIGNATURE_PROVIDED = r"<SignatureProvided>(?=[0-9a-f]{64}<)"

# HL7 v2's patient identification segment: its nineteenth field is the patient's SSN.
_HL7_SSN = (
    r"(?:(?<=\A)|(?<=[\r\n]))PID\|(?:[^|\r\n]*\|){18}"
    r"(?=[0-9]{3}-?[0-9]{2}-?[0-9]{4}(?:[|^\r\n]|\Z))"
)

# A payment HSM's keys in hex (a zone PIN key, a terminal master key, a component of
# one), the key scheme's letter first ("U…"), as key management logs them with their
# check value: "ZPK(under ZMK)=U2D75BB8… KCV=3F9A1C", "TMK component 1 = F817BE38…".
_HSM_KEY = r"(?<![0-9A-Za-z])(?=[UTXY]?(?:[0-9A-F]{48}|[0-9A-F]{32})(?![0-9A-Za-z]))"
#: The words around such a key: its check value after it, or its kind before it.
_HSM_KEY_WORDS = re.compile(
    r"\b(?:KCV|kcv|check(?:[ _]value\b|(?==))|ZMK|ZPK|TMK|TPK|TAK|BDK|IPEK|KEK|ZEK|PVK|CVK"
    r"|component)\b"
)

# FIX's logon: tag 554 is the password, 925 a new one ("…|553=user|554=<pw>|…").
_FIX_PASSWORD = r"(?<=[|\x01])(?:554|925)=(?=[^|\x01\n]+[|\x01])"

# Firebase Cloud Messaging's registration tokens: "<id>:APA91b…" (a device's address for
# pushes, which anyone holding the server's key can message).
_FCM_TOKEN = r"(?<![A-Za-z0-9_\-])(?=[A-Za-z0-9_\-]{11,64}:APA91b[A-Za-z0-9_\-]{60,})"

# Jenkins' CSRF crumb, a header that stands for the session's login.
_JENKINS_CRUMB = r"(?i:Jenkins-Crumb)[ \t]*:[ \t]*(?=[0-9a-f]{32,64}(?![0-9a-f]))"

# A KeePass XML export's entry: "<Key>Password</Key><Value ProtectInMemory=\"True\">…",
# a TOTP seed's too.
_KEEPASS_VALUE = (
    r"<Key>[^<\n]{0,40}(?i:password|passwort|secret|seed|token|pin)[^<\n]{0,20}</Key>"
    r"\s{0,64}<Value(?:[ \t][^<>\n]{0,80})?>(?=[^<])"
)
# IBM QRadar's API token, its own header "SEC: <uuid>".
_QRADAR_TOKEN = (
    r"(?<![\w\-])SEC[ \t]*:[ \t]*(?=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
# OpenWrt's LuCI session token in its URLs' path: "/cgi-bin/luci/;stok=<32 hex>/admin".
_LUCI_STOK = r";stok=(?=[0-9a-f]{32}(?![0-9A-Za-z]))"
# A password or a token changed, its values named "old=" and "new=" after it:
# "password changed old=… new=…", "rotated refresh token … old=… new=…" (``_check_rotated``).
_ROTATED = r"(?<![\w\-])(?:old|new)=(?=[^\s\"'&,;])"
_ROTATED_SUBJECT = re.compile(r"(?i:password|passwd|passphrase|token|secret)[^\n]{0,80}\Z")
# An ODBC string URL-encoded in a URL (SQLAlchemy's "odbc_connect="): "…%3BPWD%3D<pw>%3B…".
_ENCODED_PWD = r"(?i:(?<=%3B)|(?<=[?&=]))(?i:pwd|password)%3D(?=[^\s&%\"']|%[0-9A-Fa-f]{2})"
# Signatures in image CDNs' URLs: Cloudinary's "/s--<8>--/", imgix's "&s=<32 hex>".
_CDN_SIGNATURE = (
    r"(?<=/s--)(?=[A-Za-z0-9_\-]{8}--/)"
    r"|(?<=[?&]s=)(?=[0-9a-f]{32}(?![0-9A-Za-z]))"
)
# A Fernet key given to Python's cryptography: "Fernet(b'…')".
_FERNET_KEY = r"(?<![\w.])Fernet\([ \t]*b?(?=[\"'][A-Za-z0-9_\-]{43}=[\"'])"
# Akamai's token in a URL ("hdnts=exp=…~acl=…~hmac=<hex>"); an Apple push token as a
# device's id ("device=<64 hex>", APNs' delivery logs).
_AKAMAI_HMAC = r"(?<=~)hmac=(?=[0-9a-f]{40,}(?![0-9A-Za-z]))"
_APNS_DEVICE = r"(?<![\w\-])device(?:_token)?[=:][ \t]*(?=[0-9a-f]{64}(?![0-9A-Za-z]))"
# RepRapFirmware's G-code that sets the web and telnet password: 'M551 P"…"'.
_GCODE_PASSWORD = r"(?<![\w])M551[ \t]+P(?=\"[^\"\n]+\")"
# Terraform Cloud's tokens: an id of fourteen, ".atlasv1.", the secret (the id with it).
_TFC_TOKEN = r"(?<![\w.\-])[A-Za-z0-9]{14}\.atlasv1\.(?=[A-Za-z0-9_\-]{60,})"
# DeepL's API keys on its free plan: a UUID and ":fx".
_DEEPL_KEY = r"(?<![\w\-])(?=[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}:fx(?![A-Za-z0-9]))"

# A GDS booking's form of payment: "FP CCVI4111…/0926", the card's network glued before
# its number (``_check_gds_card``).
# (Or UATP's card, the airlines' own: "TP" and 15 digits from "1", no "CC" before it.)
_GDS_CARD = (
    r"(?<![A-Za-z])FP[ \t]+(?:(?:PAX|INF)[ \t]+)?\*?"
    r"(?:CC[A-Z]{2}(?=[0-9]{13,19}(?![0-9]))|TP(?=1[0-9]{14}(?![0-9])))"
)

# NUT's upsmon.conf: "MONITOR <ups>@<host> <power> <user> <password> primary".
_NUT_MONITOR = (
    r"MONITOR[ \t]+[^\s@]{1,64}@[^\s]{1,128}[ \t]+[0-9]{1,3}[ \t]+[^\s]{1,64}[ \t]+"
    r"(?=[^\s]{1,128}[ \t]+(?:primary|secondary|master|slave)\b)"
)

# A test that types a password into its field: Playwright's "page.fill('#password', '…')",
# Selenium's 'find_element(By.ID, "password").send_keys("…")', Cypress' ".type('…')".
_TYPED_PASSWORD = (
    r"(?i:pass(?:word|wd)?|pwd)(?:\\?[\"'])?\]?['\"]\)*"
    r"(?:[ \t]*,[ \t]*|\.(?:fill|type|send_keys|sendKeys|setValue)\([ \t]*)(?=['\"])"
)

_TYPING_CALL = re.compile(r"(?:fill|type|send_keys|sendKeys|setValue)\(")

#: How far before a field's name its call may start: "page.fill('input[name=…password…]'".
_TYPING_WINDOW = 80

# A password set to a value in a sentence: Intune's "Setting local administrator password
# for account 'LAPSAdmin' to …", "password changed to …".
_PASSWORD_SET_TO = r"(?i:password)(?:[ \t][^\n]{0,60}?)?[ \t](?i:to)[ \t]+(?=[^\s])"

# Wazuh's (OSSEC's) agent key in the manager's answer: "OSSEC K:'<base64>'".
_OSSEC_KEY = r"OSSEC[ \t]K:(?=['\"])"
# A validation message that quotes a secret's value: Joi's '"JWT_SECRET" with value "…"'.
_WITH_VALUE = (
    r"(?i:pass(?:word|wd)?|secret|token|key)[\w\-]{0,12}[\"']?[ \t]+with[ \t]+value[ \t]+"
    r"(?=[\"'])"
)
# A settings table's row set by its name in SQL: "UPDATE mdl_config SET value = '…'
# WHERE name = 'smtppass'".
_SQL_SETTING = (
    r"(?i:set)[ \t]+(?i:value)[ \t]?=[ \t]*(?='[^'\n]{1,256}'[ \t]+(?i:where)[ \t]+"
    r"(?i:name|key)[ \t]*=[ \t]*'[\w.\-]{0,40}(?i:pass|secret|token|key|pwd))"
)
# Redis' ACL rule that sets a password: 'ACL SETUSER worker on >…' ('"SETUSER" … ">…"'
# as MONITOR quotes it).
_REDIS_ACL_PASSWORD = r"(?i:setuser)[^\n>]{0,200}?[ \t\"']>(?=[^\s\"'<])"
# A signature's or a key's name ending its line, the value alone on the next (botocore's
# "Signature:\n<hex>").
_KEY_LINE = (
    r"(?i:signature|secret|token|password|key):[ \t]*\r?\n"
    r"(?=(?:[0-9a-f]{32,}|[A-Za-z0-9+/]{32,}={0,2})[ \t]*(?:\r?\n|\Z))"
)
# A credential in a URL's path, where its service documents it: conda's channel token
# ("conda.anaconda.org/t/<token>/channel"), the user a Philips Hue bridge made for an app
# ("/api/<user>/lights/7/state"); a SAML response posted back ("SAMLResponse=<base64>"):
# its assertion logs in whoever holds it.
_PATH_TOKEN = (
    r"(?:(?<=anaconda\.org/t/)|(?<=anaconda\.com/t/)|(?<=anaconda\.cloud/t/))"
    r"(?=[A-Za-z0-9_\-]{20,}/)"
    r"|(?<=/api/)(?=[A-Za-z0-9_\-]{30,}/(?:lights|groups|config|sensors|scenes|schedules|rules"
    r"|resourcelinks|capabilities)(?![\w\-]))"
    # Ethereum's node providers: Alchemy's "…alchemy.com/v2/<key>", Infura's "…infura.io/v3/<id>".
    r"|(?<=alchemy\.com/v2/)(?=[A-Za-z0-9_\-]{20,})|(?<=infura\.io/v3/)(?=[0-9a-f]{32})"
    # IFTTT's webhooks: "maker.ifttt.com/trigger/<event>/with/key/<key>".
    r"|(?<=/with/key/)(?=[A-Za-z0-9_\-]{16,})"
    # MarineTraffic's API key after its service's version: "…/exportvessels/v:8/<40 hex>/".
    r"|(?<=/v:[0-9])/(?=[0-9a-f]{40}/)"
    # Backtrace's submission token after its universe: "submit.backtrace.io/<u>/<64 hex>/json".
    r"|(?<=[\w\-])/(?=[0-9a-f]{64}/(?:minidump|json|post|symbols)(?![\w\-]))"
)
# A credential in base64 that may hold "/", to its "&" or a blank: a posted SAMLResponse
# or SAML artifact, Sumo Logic's HTTP source's token ("…/receiver/v1/http/<token>").
_BASE64_TOKEN = (
    r"(?<![\w\-])(?i:SAMLResponse|SAMLart)=(?=[A-Za-z0-9+/%_\-]{40})"
    r"|(?<=/receiver/v1/http/)(?=[A-Za-z0-9+/=_\-]{40,})"
)
# FreeRADIUS' login as it logs one (``auth_badpass``, ``auth_goodpass``): "Login incorrect
# (pap: …): [user/password] (from client …)"; a user's name holds no "/", the password may.
_RADIUS_LOGIN = (
    r"(?<![\w\-])Login[ \t]+(?:incorrect|OK)(?:[ \t]*\([^()\n]{0,200}\))?[ \t]*:[ \t]*"
    r"\[[^\[\]/\s]{1,128}/(?=[^\n]{1,128}\](?:[ \t]|\Z))"
)
# A table aligned by blanks, a secret's name in one column and its value in the next,
# two blanks or more apart: Symfony's "debug:dotenv", "vault kv get", keytool's and
# Pulumi's listings ("  Keystore password   <value>"), each row a line of its own (its
# break real or escaped); Elasticsearch's "PASSWORD elastic = <value>".
_ALIGNED_ROW = (
    r"(?:(?<![^\n])|(?<=\\n))[ \t]*"
    r"(?:[A-Za-z][\w.\-]{0,40}[ _\-.]?)?"
    r"(?i:password|passwd|passphrase|secret|token|api[_\-]?key|private[_\-]?key|access[_\-]?key)"
    r"[ \t]{2,}(?=[^\s])"
    r"|(?<![^\n])PASSWORD [\w.\-]{1,64}[ \t]+=[ \t]+(?=[^\s])"
)
# An Authorization header's scheme of a few letters, then its credential (a longer
# scheme's name reads as a token's value to the parameter scans): Infobip's "App <key>",
# cPanel's and WHM's "cpanel user:<token>", "whm root:<token>" (the token after the user).
_SHORT_SCHEME = (
    r"(?<![\w\-])(?i:authorization)[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?i:app|cpanel|whm|key|apikey|sharedkey|hmac)[ \t]+(?:[\w.\-]{1,64}:)?"
    r"(?=[A-Za-z0-9_\-+/=.]{16,})"
)
# Headers named for the key they carry: Palo Alto's "X-PAN-KEY:", JFrog's
# "X-JFrog-Art-Api:", Binance's "X-MBX-APIKEY:", a game's "X-Game-Session:".
_KEY_HEADER = (
    # (Not a URL's login: "https://x-access-token:<token>@github.com/…".)
    r"(?<![\w\-/])[Xx]-[A-Za-z0-9\-]{1,32}-(?i:key|api|apikey|token|session|(?<=honeycomb-)team)"
    # (Or "=": OpenTelemetry's "OTEL_EXPORTER_OTLP_HEADERS=x-honeycomb-team=…".)
    r"(?: ?:|=)[ \t]*(?=[^\s\"']{16,})"
)
# A module's parameter set in Kamailio's or OpenSIPS' configuration: 'modparam("auth",
# "secret", "…")', 'modparam("db_mysql", "db_password", "…")'.
_MODPARAM = (
    r"modparam\([ \t]*\"\w+\"[ \t]*,[ \t]*\"\w*(?i:secret|passw(?:or)?d|pass)\"[ \t]*,[ \t]*(?=\")"
)
# A SIM's keys as an HSS or a SIM vendor's file provisions them: the subscriber key
# "Ki" and the operator's "OPc", an OTA key "KIc", 32 hex each (and "K"/"OP", on a line
# about a SIM, "IMSI=…"); a SIP account's digests "ha1"/"ha1b", as Kamailio stores them.
_SIM_KEY = (
    r"(?<![\w\-])(?:(?i:ki|opc|kic|ha1b?)|K|OP)[\"']?[ \t]*[:=][ \t]*[\"']?"
    r"(?=[0-9A-Fa-f]{32}(?![0-9A-Za-z]))"
)
# Keys written in a device's own syntax: PAN-OS' XML "<pre-shared-key><key>…</key>",
# Junos' "md5 1 key \"…\";" under an interface's authentication.
_DEVICE_SYNTAX_KEY = (
    r"<pre-shared-key>[ \t]*(?:\\n|\r?\n)?[ \t]*<key>(?=[^<\s])"
    r"|(?<![\w\-])md5[ \t]+[0-9]{1,3}[ \t]+key[ \t]+(?=[^\s;])"
)
# SSIS' package configurations: a property named as a password, its value next:
# '…Properties[ServerPassword]" ValueType="String"><ConfiguredValue>…', and dtexec's
# "/SET \Package.Variables[User::SftpPassword].Properties[Value];…".
_SSIS_VALUE = (
    r"[Pp]assword\]\.Properties\[Value\];(?=[^\s])"
    r"|\]\.Properties\[\w*[Pp]assword\]\"[^<>\n]{0,200}><ConfiguredValue>(?=[^<])"
)
# Go's MySQL DSN, "user:password@tcp(host:3306)/db", and Python's requests' auth tuple,
# "'auth': ('user', 'password')" or "auth=('user', 'password')".
_GO_DSN = (
    r"(?<![\w/:@\[])[\w.\-]{1,64}:"
    # (Without its protocol, no ":" in the password: JDBC's "oracle:thin:@(DESCRIPTION=…".)
    # (The password may hold "@" before the protocol's: "u:M@tch(rw)@tcp(db:3306)/x".)
    r"(?=[^\s/\[]{1,128}?@(?:tcp|unix)\(|[^\s@/\[:]{1,128}@\()"
)
# A client's constructor given a user, then a password, as literals: a Python SDK's
# 'FusionSolarClient("api_pv", "…")', 'SmaSession("installer", "…")' (a password only if it
# looks like one: ``_check_client_password``).
# (The class's name is read back by the checker: a pattern led by a capital was tried
# at every capital of a text.)
_CLIENT_LOGIN = (
    # (Or an authentication's, a credential's: Java's 'PasswordAuthentication("u", "…"
    # .toCharArray())', trino's 'BasicAuthentication(…)', .NET's 'NetworkCredential(…)'.)
    r"(?<=\w)(?:Client|Api|API|Session|Connection|Login|Authentication|Credentials?)\([ \t]*"
    r"[\"'][^\"'\n]{1,64}[\"'][ \t]*,[ \t]*(?=[\"'])"
)
# Yarn's login for a registry, "user:password": 'npmAuthIdent: "ci-bot:…"'.
_NPM_AUTH_IDENT = r"(?<![\w\-])npmAuthIdent[\"']?[ \t]*[:=][ \t]*[\"']?[^\s:\"']{1,64}:(?=[^\s\"'])"
# A package manager's login for a repository: Poetry's and Composer's "config
# http-basic.<repo> <user> <password>".
_HTTP_BASIC_CONFIG = (
    # (Each flag read once: "--?" before a name that may start with "-" again was tried
    # both ways at every flag, twice as long for each one more.)
    r"(?<![\w\-])(?:poetry|composer)[ \t]+config[ \t]+(?:-[\w\-]++[ \t]++)*+"
    r"http-basic\.\S{1,128}[ \t]+[^\s\-]\S{0,127}[ \t]+(?=[^\s\-])"
)
_AUTH_TUPLE = (
    r"(?<![\w\-])auth(?: ?= ?|[\"']: ?)\([ \t]*[\"'][^\"'\n]{1,64}[\"'][ \t]*,[ \t]*(?=[\"'])"
)
# ... whose password is empty: the user is an API key (Mixpanel's, Recurly's, Stripe's
# "auth=('<key>', '')"), quoted or as a program printed it.
_AUTH_KEY_USER = (
    r"(?<![\w\-])auth(?: ?= ?|[\"']: ?)\([ \t]*[\"']?"
    r"(?=[\w\-]{16,128}[\"']?[ \t]*,[ \t]*(?:\"\"|''|None)[ \t]*\))"
)
# Z-Wave's network keys, as Z-Wave JS names them ('"S2_AccessControl":"<32 hex>"'): a
# network's devices are controlled by whoever holds them.
_ZWAVE_KEY = (
    r"(?<![\w\-])(?:S2_(?:Unauthenticated|Authenticated|AccessControl)|S0_Legacy)[\"']?"
    r"[ \t]*[:=][ \t]*[\"']?(?=[0-9A-Fa-f]{32}(?![0-9A-Za-z]))"
)
# A cookie of a request's or a response's header, or after the word, whatever its name
# ("Set-Cookie: unifises=…", "Cookie: …; smid=…", "exchanging cookie npsso=…"): a value no
# person wrote is a login's (``_check_cookie``). Not an analytics' cookie ("_ga", "_gid").
_COOKIE_PAIR = (
    # (A header as a logger writes it: "Cookie: …", or "Cookie=…" in a list of headers.)
    r"(?:(?<!\w)(?i:cookies?)[ \t]*[:=]?[ \t]*|(?<=;)[ \t]*)"
    r"(?!(?i:_ga|_gid|_gat|__utm|_fb[pc]|_hj|ajs_|_pk_|mp_|amp_|_gcl|_uet|_clck|_clsk))"
    r"[\w.\-]{1,64}=(?=[^\s;,\"']{20})"
)
# An object named as a secret, its "value" inside: Terraform's output ('"db_master_secret":
# {"sensitive": true, "type": "string", "value": "…"}'), Azure's parameters file.
_OBJECT_VALUE = (
    r"(?i:pass(?:word)?|secret|token|key|pwd)[\w\-]{0,24}\"[ \t]*:[ \t]*\{[^{}]{0,200}?"
    r"\"value\"[ \t]*:[ \t]*(?=\")"
)
# cloud-init's "chpasswd: { list: "user:password" }" (or its lines after "list: |").
_CHPASSWD_LIST = (
    r"chpasswd:[^\n]{0,40}?list:[ \t]*[\"'|]?[ \t]*(?:\r?\n[ \t]*)?[\w.\-]{1,32}:(?=[^\s\"'])"
)
# SQL*Plus' login with its password in quotes: 'sqlplus admin/"…"@tns'.
_SQLPLUS_QUOTED = r"(?i:sqlplus|connect)[ \t]+(?:-\w+[ \t]+)*[\w$#]{1,30}/(?=\")"
# PowerShell's secure string made from plain text: 'ConvertTo-SecureString -String "…"
# -Force -AsPlainText' (the text is the password; without "-AsPlainText" it is encrypted).
_SECURE_STRING = (
    r"(?i:ConvertTo-SecureString)[ \t]+(?:-String[ \t]+)?"
    r"(?=[\"'][^\"'\n]+[\"'][^\n]*(?i:-AsPlainText))"
)
# ... and at its prompt, unquoted, with no database after it: "SQL> CONNECT rx_dba/… AS SYSDBA".
_SQLPLUS_CONNECT = r"SQL>[ \t]*(?i:conn|connect)[ \t]+[\w$#]{1,30}/(?=[^\s\"/@]{1,64}(?:[ \t]|$))"

#: How far back on its line a program's word may be from the value it announces.
_LINE_WINDOW = 256


def _line_before(text: str, start: int) -> str:
    """The value's line up to ``start``, case-folded, at most ``_LINE_WINDOW`` back."""
    low = max(0, start - _LINE_WINDOW)
    return text[text.rfind("\n", low, start) + 1 or low : start].casefold()


def _check_snmp(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A password after its protocol, on a line that configures SNMP ("auth sha256
    verified" in any other line is a checksum's)."""
    line = _line_before(text, start)
    if "snmp" not in line and "createuser" not in line:
        return None
    span = _check_device_key(text, start, end)
    if span is None or text[end] in "\"'":
        return span
    if text[span[0] : span[1]].isdigit() or text[span[0]] == "-" or "=" in text[span[0] : span[1]]:
        # A key's length ("AES 256"), a flag ("snmpset -a SHA -A …"), the next pair
        # ("authProtocol=SHA authPassphrase=…", found by its name).
        return None
    return span


def _check_device_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The key, quoted or to a blank, unless a word of a sentence follows where it would
    stand ("the pre-shared-key key mismatch", "charon: EAP method …")."""
    span = check_until_delimiter(text, start, end)
    if span is None or (text[end] not in "\"'" and text[span[0] : span[1]].isalpha()):
        return None
    return span


def _check_credential(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A credential after its label, to a blank, quote, "," or ";" (or a ")", a
    backslash): one no word is."""
    value_end = end
    while value_end < len(text) and text[value_end] not in " \t\r\n,;\"'\\)":
        value_end += 1  # (to a ")" around it, or an escaped line break: "…\\r\\n")
    value = text[end:value_end]
    if len(value) < 8 or is_masked(value) or (value.isalpha() and value.islower()):
        return None
    return end, value_end


def _check_path_token(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The path's segment, or the parameter's value, to its "/", "&" or a blank."""
    value_end = stop_at(text, end, "/&\"' \t\r\n")
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_base64_token(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The base64 credential, to its "&" or a blank (its "/" are its own)."""
    value_end = stop_at(text, end, "&\"' \t\r\n")
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_radius_login(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password, to the "]" that ends the login before a blank or the text's end."""
    close = _LOGIN_END.search(text, end, end + 130)
    if close is None or is_masked(text[end : close.start()]):
        return None
    if text[end] == "<" and text[close.start() - 1] == ">":
        return None  # no password but what stood for it: "<via Auth-Type = eap>"
    return end, close.start()


_LOGIN_END = re.compile(r"\](?=[ \t]|\Z)")


def _check_aligned_cell(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The cell after the name: to two blanks or the line's end (real or escaped); one
    a person wrote as a word, a mask or "n/a" hides nothing."""
    value_end = end
    while (
        value_end < len(text)
        and text[value_end] not in "\r\n"
        and not (text.startswith(("  ", "\t", "\\n"), value_end))
    ):
        value_end += 1
    value = text[end:value_end].rstrip()
    if not value or is_masked(value) or value.lower() in _NO_VALUE or value.startswith("***"):
        return None  # (a mask that shows the key's end: "aws configure list")
    if " " in value or (value.isalpha() and not mixes_cases_and_digits(value)):
        return None  # words: "Password   changed at …", a column's header
    if value.startswith(("REG_", ":", "=")) or TYPE_PATH.fullmatch(value):
        # A registry value's type ("reg query"), a delimiter after the padding ("Token
        # :"), a type's name ("kubectl get secrets": "kubernetes.io/dockerconfigjson").
        return None
    return end, end + len(value)


#: A type named by its domain: "kubernetes.io/tls", "helm.sh/release.v1".
TYPE_PATH = re.compile(r"[a-z0-9\-]+(?:\.[a-z0-9\-]+)+/[\w.\-]+")
#: A cell that says there is no value.
_NO_VALUE = frozenset({"n/a", "-", "none", "null", "unset", "empty", "(none)", "(empty)"})


#: A URL's scheme and user name up to where a header's name would be: its login.
_URL_USER_BEFORE = re.compile(r"://[\w.\-]{1,64}\Z")


def _check_auth_header(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A header named "…-Auth", unless it is a URL's user ("https://x-token-auth:<token>@…",
    Bitbucket's, whose password the URL's scan takes)."""
    if _URL_USER_BEFORE.search(text, max(0, start - 72), start):
        return None
    if _SNAKE_WORD.match(text, end) and not _CAPITAL_BEFORE.search(text, max(0, start - 32), start):
        # A service's name in small letters, then a field's: "roku-auth: refresh_token
        # grant failed" (a header's name has capitals: "X-Auth: …").
        return None
    return _check_credential(text, start, end)


#: The header's name before "-Auth" holds a capital.
_CAPITAL_BEFORE = re.compile(r"[A-Z][\w\-]*\Z")
#: A word of small letters joined by "_", whole: a field's or a grant's name, no credential;
#: or a method's in camelCase, letters alone: "firebase-auth: signInWithPhoneNumber ok".
_SNAKE_WORD = re.compile(r"(?:[a-z]+(?:_[a-z]+)+|[a-z]+(?:[A-Z][a-z]+)+)(?![\w\-.:/=+])")


def _names_rotated(text: str) -> bool:
    """Whether a word of what ``_ROTATED_SUBJECT`` names is in the text, in any case."""
    folded = text.lower()
    return "pass" in folded or "token" in folded or "secret" in folded


def _check_key_user(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The key given as the user of an auth tuple, to its quote or comma."""
    return end, stop_at(text, end, "\"', \t")


def _check_tfc_token(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole token, its id included, to the secret's last character."""
    return start, stop_at(text, end, " \t\r\n\"'&,;)]}")


def _check_hex_run(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The hex after its name, to its last hex digit."""
    value_end = end
    while value_end < len(text) and text[value_end] in HEX_DIGITS:
        value_end += 1
    return end, value_end


def _check_rotated(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The old or new value of a password or a token changed just before."""
    if not _names_rotated(text[max(0, start - 120) : start]):
        return None
    if _ROTATED_SUBJECT.search(text, max(0, start - 120), start) is None:
        return None
    value_end = stop_at(text, end, " \t\r\n\"'&,;)")
    value = text[end:value_end]
    if is_masked(value) or value.isdigit() or len(value) < 6:
        return None
    return end, value_end


def _check_encoded_pwd(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The URL-encoded ODBC string's password, to its encoded ";" ("%3B")."""
    value_end = stop_at(text, end, " \t\r\n\"'&")
    encoded_end = text.lower().find("%3b", end, value_end)
    value_end = value_end if encoded_end == -1 else encoded_end
    return None if value_end == end or is_masked(text[end:value_end]) else (end, value_end)


def _check_cdn_signature(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Cloudinary's eight characters, or imgix's 32 hex (its host named in the text)."""
    if text[end - 3 : end] == "s--":
        return end, end + 8
    return (end, end + 32) if "imgix" in text else None


def _check_signature(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The signature after its header's name and scheme: random characters, with a digit."""
    found = _SIGNATURE_VALUE.match(text, end)
    if found is None:
        return None
    detached = _DETACHED_JWS_REST.match(text, found.end())
    # (A JWS header is base64url of a JSON object: '{"' encodes as "eyJ".)
    if detached is not None and found.group().startswith("eyJ"):
        return found.start(), detached.end()  # a detached JWS: "<header>..<signature>"
    value = found.group()
    # (A digit, or base64's own signs with both cases: Twilio's "yDExzTPV…/QbS…=".)
    random = any(c.isdigit() for c in value) or (
        ("/" in value or "+" in value or value.endswith("="))
        and value != value.lower()
        and value != value.upper()
    )
    if not random or is_masked(value):
        return None
    return found.span()


def _check_stripe_more(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Stripe's second signature, after the first in the same header."""
    if _WEBHOOK_TEST.search(text, max(0, start - 200), start) is None:
        return None
    return end, end + 64


def _check_digest_response(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The hash in a Digest header's "response", its scheme named before it."""
    if text.rfind("Digest ", max(0, start - 600), start) == -1:
        return None
    return end, text.index('"', end)


#: A stream key's shape: YouTube's groups of four ("abcd-efgh-ijkl-mnop-qrst"), or
#: letters and digits no person wrote (Facebook's "FB-<id>-0-<key>", Twitch's
#: "live_<id>_<key>").
_STREAM_KEY_SHAPE = re.compile(r"[a-z0-9]{4}(?:-[a-z0-9]{4}){3,4}")


def _check_stream_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The RTMP URL's last segment, if it looks like a key (not "live/stream1")."""
    value_end = stop_at(text, end, " \t\r\n\"';?")
    while value_end > end and text[value_end - 1] == ".":
        value_end -= 1  # an ellipsis after it: OBS' "Connecting to RTMP URL …/<key>..."
    value = text[end:value_end]
    compact = value.replace("-", "").replace("_", "")
    if _STREAM_KEY_SHAPE.fullmatch(value) or looks_random(compact):
        return end, value_end
    return None


def _check_stream_key_pair(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A "key" beside an RTMP or SRT server: its value, unless masked."""
    if not _STREAMING_SERVER.search(text):
        return None
    value_end = stop_at(text, end, " \t\r\n\"',}")
    value = text[end:value_end]
    if is_masked(value) or value.lower() in ("true", "false", "null", "none"):
        return None
    return end, value_end


def _check_drm_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The key seed or the ASK, to its end; a bare "ask=" only in a "[fairplay]" section."""
    if text[start : start + 3] == "ask" and "[fairplay]" not in text.lower():
        return None
    return end, stop_at(text, end, " \t\r\n\"'<&,;")


def _check_pre_share_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The key's word, unless a keyword of the syntax stands there ("ascii-text …")."""
    value_end = stop_at(text, end, " \t\r\n")
    value = text[end:value_end]
    if "=" in value or value in _PRE_SHARE_KEYWORDS or is_masked(value):
        return None
    return end, value_end


_PRE_SHARE_KEYWORDS = frozenset({"ascii-text", "hexadecimal", "address", "local", "remote"})


def _check_device_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The key or community after its keywords: Huawei's cipher text to its closing
    "%^%#", Junos' "$9$…" whole, any other to its blank (not a keyword left bare)."""
    if text.startswith("%^%#", end):
        close = text.find("%^%#", end + 4)
        return None if close == -1 else (end, close + 4)
    if text[end - 3 : end] == "$9$":
        return end - 3, stop_at(text, end, " \t\r\n\"';")
    value_end = stop_at(text, end, " \t\r\n\"'")
    value = text[end:value_end]
    if value.lower() in _DEVICE_KEYWORDS or is_masked(value):
        return None
    return end, value_end


#: Words a device's syntax puts where its key would be, when none is given; and SNMP's
#: well-known default community, "public".
_DEVICE_KEYWORDS = frozenset(
    {"ro", "rw", "view", "read", "write", "md5", "cipher", "simple", "public"}
)


def _check_whole_session(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The session id whole, the org's id with its token."""
    return start, stop_at(text, end, " \t\r\n\"'<&,;)")


def _check_to_pair_end(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The parameter's value, to the query's next pair or the URL's end."""
    return end, stop_at(text, end, " \t\r\n\"'&#")


def _check_to_segment_end(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The path segment, to its "/" or the URL's end."""
    return end, stop_at(text, end, " \t\r\n\"'/?&#")


def _check_default_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The quoted password of a banner, if one was generated ('admin' is a manual's)."""
    span = check_quoted(text, start, end)
    if span is None:
        return None
    value = text[span[0] : span[1]]
    return span if looks_like_password(value) or mixes_cases_and_digits(value) else None


def _check_registered_user(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A pair's value inside Orthanc's "RegisteredUsers" object."""
    if _REGISTERED_USERS.search(text, max(0, start - 2000), start) is None:
        return None
    return check_quoted(text, start, end)


def _check_x12_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """ISA04, to its "*", its padding blanks left out."""
    value_end = text.index("*", end)
    value = text[end:value_end].rstrip(" ")
    return None if is_masked(value) else (end, end + len(value))


def _check_edifact_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The recipient's reference or password, to its ":"."""
    value_end = text.index(":", end)
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_ezconnect(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password, to the "@" before the host."""
    value_end = text.index("@", end)
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_hmac_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The key's literal; a variable's name in quotes is none ("'SECRET'" is a key too)."""
    span = check_quoted(text, start, end)
    if span is None or len(text[span[0] : span[1]]) < 8:
        return None
    return span


def _check_hl7_ssn(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The SSN in PID-19, if it is one."""
    value_end = stop_at(text, end, "|^\r\n")
    digits = text[end:value_end].replace("-", "")
    return (end, value_end) if validators.ssn_ok(digits) else None


def _check_hsm_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The key's hex (its scheme's letter with it), a key's word within 60 characters."""
    value_end = end
    while value_end < len(text) and text[value_end].isalnum():
        value_end += 1
    if _HSM_KEY_WORDS.search(text, max(0, end - 60), min(len(text), value_end + 60)) is None:
        return None
    return end, value_end


def _check_fix_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The field's value, to its delimiter, in a FIX message."""
    if "8=FIX" not in text:
        return None
    value_end = stop_at(text, end, "|\x01")
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_fcm_token(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The token whole: the device's id, its ":", the rest (the pattern saw them)."""
    value_end = end
    while value_end < len(text) and (text[value_end].isalnum() or text[value_end] in "_-:"):
        value_end += 1
    return end, value_end


def _check_gds_card(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The card number after its network's code, if it is a card's."""
    digits_end = end
    while digits_end < len(text) and text[digits_end].isdigit():
        digits_end += 1
    digits = text[end:digits_end]
    if text[end - 2 : end] == "TP":
        return (end, digits_end) if validators.luhn_ok(digits) else None
    return (end, digits_end) if validators.card_ok(digits) else None


def _check_sip2(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A SIP2 field's password, to its "|", in a SIP2 message's line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    if _SIP2_MESSAGE.search(text, line_start, line_end) is None:
        return None
    value_end = text.find("|", end)
    return None if is_masked(text[end:value_end]) else (end, value_end)


#: What follows the names "K" and "OP" (not "Ki", "OPc").
_SIM_NAME_ENDS = frozenset("=: \t\"'")


def _check_sim_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The 32 hex of a SIM's key ("K" and "OP" only on a line that names a SIM by its
    IMSI: one letter or two name too much else)."""
    name_end = start + 1 if text[start] == "K" else start + 2
    if not (text.startswith(("K", "OP"), start) and text[name_end] in _SIM_NAME_ENDS):
        return end, end + 32  # "Ki", "OPc", "KIc", "ha1": no other key is named so
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end == -1 else line_end]
    return (end, end + 32) if "imsi" in line.lower() else None


def _check_syntax_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """An element's text, a quoted value, or a word to a blank or ";"."""
    if text[end - 1] == ">":
        return check_element_text(text, start, end)
    return check_until_delimiter(text, start, end)


def _check_key_header(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The header's credential; a hash written with its scheme ("{SHA256}…") is none.
    After "=" (a pair, not a header's line), to the pair's end: "&", "," or a bracket."""
    if text[end] == "{":
        return None
    if text[start:end].lower().startswith("x-idempotency-"):
        return None  # a request's idempotency key names the request, no credential
    if "=" in text[start:end]:
        value_end = stop_at(text, end, " \t\r\n\"'&,;)]}")
        return None if value_end - end < 16 or is_masked(text[end:value_end]) else (end, value_end)
    return _check_credential(text, start, end)


_GO_DSN_AT = re.compile(r"@(?:tcp|unix)?\(")


def _check_client_password(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The second literal given to a client's class, if it looks like a password."""
    name_start = start
    while name_start > max(0, start - 40) and (
        text[name_start - 1].isalnum() or text[name_start - 1] == "_"
    ):
        name_start -= 1
    if not text[name_start].isupper() or text[name_start - 1 : name_start] == "_":
        return None  # a method ("self.login(…)") or no class's name (a module's may lead it:
        # "trino.auth.BasicAuthentication(…)")
    span = check_quoted(text, start, end)
    if span is None or not looks_like_password(text[span[0] : span[1]]):
        return None
    return span


def _check_vault_content(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The "Content" of a credential provider's answer, next to its account's fields."""
    window = text[max(0, start - _VAULT_ANSWER_WINDOW) : end + _VAULT_ANSWER_WINDOW]
    if '"PolicyID"' not in window and '"PasswordChangeInProcess"' not in window:
        return None  # any other JSON's content: a message's, a file's
    return check_quoted(text, start, end)


#: How far the answer's other fields may stand from its "Content".
_VAULT_ANSWER_WINDOW = 400


def _check_uri_attribute(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A URI's attribute value, to the next attribute's "&" or ";"."""
    value_end = stop_at(text, end, "&; \t\r\n\"'")
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_kms_plaintext(text: str, start: int, end: int) -> tuple[int, int] | None:
    """KMS' "Plaintext", where its "CiphertextBlob" is in the same answer."""
    window = text[max(0, start - _KMS_ANSWER_WINDOW) : end + _KMS_ANSWER_WINDOW]
    if '"CiphertextBlob"' not in window:
        return None
    return check_quoted(text, start, end)


#: How far KMS' answer may spread around its "Plaintext".
_KMS_ANSWER_WINDOW = 2000


def _check_go_dsn(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The password, to the "@" before "tcp(", "unix(" or "(" (it may hold "@" itself)."""
    found = _GO_DSN_AT.search(text, end)
    at = -1 if found is None else found.start()
    if at == -1 or is_masked(text[end:at]) or "[REDACTED" in text[end:at]:
        return None  # (replaced in a pass before: no second placeholder inside the first)
    return end, at


def _check_cookie(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A cookie's value that looks random, in a header or after the word "cookie"."""
    line_start = max(text.rfind("\n", 0, start), text.rfind("\\n", 0, start))
    if "cookie" not in text[line_start + 1 : start].lower() and not text[
        start:end
    ].lower().startswith("cookie"):
        return None  # a ";" of any other line
    value_end = end
    while value_end < len(text) and text[value_end] not in " \t\r\n,;\"'\\":
        value_end += 1
    value = text[end:value_end]
    if not _COOKIE_VALUE.fullmatch(value):
        return None  # pairs inside ("sap-language=DE&…")
    if HEX_DIGITS.issuperset(value) and not _NAMES_A_LOGIN.search(text, max(start, end - 40), end):
        # Hex under any other name: a version's hash (Magento's "private_content_version"),
        # a client's id (Outlook's "ClientId"), a server's affinity ("exchangecookie").
        return None
    if "&" in unquote(value) or "=" in unquote(value).rstrip("="):
        return None  # pairs encoded: WordPress' "wp-settings-1=libraryContent%3Dbrowse"
    # (Or small letters and digits, as Magento's "admin=lk8t7j0pdla6ixqiioitdl1qlaldumdc".)
    random = looks_random(value.replace(".", "")) or is_lower_session_key(value)
    return (end, value_end) if random and not is_masked(value) else None


#: A cookie's name that says its hex is a login's: Citrix's "CtxsAuthId", "sessid".
#: NetScaler's "NSC_AAAC" too.
_NAMES_A_LOGIN = re.compile(r"(?i:auth|sess|sid|token|login|key|cookie|nsc_aaa)[\w.\-]{0,24}=\Z")
#: A cookie's value as a server makes one: base64 or URL-safe characters, padding last;
#: dots between its parts (a JWT after the user's id: Steam's "steamLoginSecure=<id>%7C%7C
#: eyJ…"). (Outlook's canary ends with a ".".)
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9+/_\-%]+(?:\.[A-Za-z0-9+/_\-%]+)*={0,2}\.?")


def _check_cell(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The next cell's text, without the blanks around it; a word alone is a header's."""
    value_end = end
    while value_end < len(text) and text[value_end] not in _TABLE_SEPARATORS + "\r\n":
        value_end += 1
    while value_end > end and text[value_end - 1] in " \t":
        value_end -= 1
    value = text[end:value_end]
    if value.isalpha() or value.isdigit() or is_masked(value) or value.replace("_", "").isalpha():
        return None
    return end, value_end


def _check_plan_change(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The new value, unless a number or a word: a setting named after a token
    ("token_ttl") changes to "7200", a password's policy to "strict"."""
    span = check_quoted(text, start, end)
    if span is None or text[span[0] : span[1]].isdigit() or text[span[0] : span[1]].isalpha():
        return None
    return span


def _check_client_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The one key a client is made with; before a second one, the first is an account's
    id (Twilio's 'Client("AC…", "<auth token>")')."""
    span = check_quoted(text, start, end)
    if span is None or not looks_random(text[span[0] : span[1]]):
        return None
    return None if _NEXT_ARGUMENT.match(text, span[1] + 1) else span


_NEXT_ARGUMENT = re.compile(r"[ \t]*,[ \t]*[\"']")


def _check_line_rest(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The value to its line's end (a real or an escaped line break, a closing quote)."""
    value_end = end
    while (
        value_end < len(text)
        and text[value_end] not in "\r\n\"'"
        and not (text[value_end] == "\\" and text[value_end + 1 : value_end + 2] in ("n", "r"))
    ):
        value_end += 1
    while value_end > end and text[value_end - 1] in " \t":
        value_end -= 1
    return None if is_masked(text[end:value_end]) else (end, value_end)


def _check_fndcpass(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text[start] != "F" and "fndcpass" not in _line_before(text, start):
        return None
    return check_to_word_end(text, start, end)


def _check_pushover(text: str, start: int, end: int) -> tuple[int, int] | None:
    value = text[end : end + 30]
    near = text[max(0, start - _LINE_WINDOW) : end + 30 + _LINE_WINDOW].casefold()
    if "pushover" not in near or value.isalpha() or value.isdigit():
        return None
    return end, end + 30


def _check_echoed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The echoed word, without its quotes."""
    if text[end] in "'\"":
        return check_quoted(text, start, end)
    return check_to_word_end(text, start, end)


def _check_new_value(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The value a reset printed, after a command about a password."""
    if "password" not in text[max(0, start - _LINE_WINDOW) : start].casefold():
        return None
    return check_to_word_end(text, start, end)


def _check_next_line(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The next line's one word, unless it names something ("key:", "None")."""
    span = check_to_word_end(text, start, end)
    if span is None:
        return None
    value = text[span[0] : span[1]]
    if value.endswith(":") or value in ("None", "null", "~", "true", "false") or value.isdigit():
        return None
    return span


def _check_link_token(text: str, start: int, end: int) -> tuple[int, int] | None:
    value_end = stop_at(text, end, "/?# \t\r\n\"'")
    token = text[end:value_end]
    return (end, value_end) if looks_random(token) or _DJANGO_TOKEN.fullmatch(token) else None


#: Django's password reset tokens: a timestamp in base 36, "-", an HMAC's hex.
_DJANGO_TOKEN = re.compile(r"[0-9a-z]{1,13}-[0-9a-f]{20,40}")


def _check_typed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The string typed into a password's field, in a test's call that types it."""
    if not _TYPING_CALL.search(text, max(0, start - _TYPING_WINDOW), end):
        return None
    return check_quoted(text, start, end)


def _check_set_to(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The word a password was set to, if it looks like one (CMTrace's "]LOG]" cut off)."""
    value_end = blank_after(text, end)
    cut = text.find("]LOG]", end, value_end)
    if cut != -1:
        value_end = cut
    while value_end > end and text[value_end - 1] in ".,;":
        value_end -= 1
    value = text[end:value_end].strip("'\"")
    if not looks_like_password(value):
        return None
    quoted = text[end] in "'\""
    return end + quoted, value_end - quoted


_SNMP_TEST = re.compile(_SNMP_PASSWORD, re.ASCII)
_ECHOED_TEST = re.compile(_ECHOED_PASSWORD, re.ASCII)
_PHP_CONNECT_TEST = re.compile(_PHP_CONNECT, re.ASCII)
_CLICKHOUSE_REMOTE_TEST = re.compile(_CLICKHOUSE_REMOTE, re.ASCII)
_AES_KEY_TEST = re.compile(_AES_KEY_ARGUMENT, re.ASCII)
_REGISTRY_USER_INFO_TEST = re.compile(_REGISTRY_USER_INFO, re.ASCII)
_VAULT_CONTENT_TEST = re.compile(_VAULT_CONTENT, re.ASCII)
_HMAC_KEY_TEST = re.compile(_HMAC_KEY_LITERAL, re.ASCII)
_PKCS12_TEST = re.compile(_PKCS12_PASSWORD, re.ASCII)
_CURL_CERT_TEST = re.compile(_CURL_CERT_PASSWORD, re.ASCII)
_PKCS11_PIN_TEST = re.compile(_PKCS11_PIN, re.ASCII)
_KMS_PLAINTEXT_TEST = re.compile(_KMS_PLAINTEXT, re.ASCII)
_NEXT_LINE_TEST = re.compile(_NEXT_LINE_VALUE, re.ASCII)
_PLIST_TEST = re.compile(_PLIST_VALUE, re.ASCII)
_LINK_TOKEN_TEST = re.compile(_LINK_TOKEN, re.ASCII)
_BW_TEST = re.compile(_BW_PASSWORD, re.ASCII)
_HERE_STRING_TEST = re.compile(_HERE_STRING_LOGIN, re.ASCII)
_TYPED_TEST = re.compile(_TYPED_PASSWORD, re.ASCII)
_SET_TO_TEST = re.compile(_PASSWORD_SET_TO, re.ASCII)
_IPSEC_TEST = re.compile(_IPSEC_SECRET, re.ASCII)
_DEVICE_KEY_TEST = re.compile(_DEVICE_KEY, re.ASCII)
_AUTH_HEADER_TEST = re.compile(_AUTH_HEADER, re.ASCII)
_TABLE_TEST = re.compile(_TABLE_CELL, re.ASCII)
_PLAN_CHANGE_TEST = re.compile(_PLAN_CHANGE, re.ASCII)
_ACCESS_KEY_ID_TEST = re.compile(_ACCESS_KEY_ID, re.ASCII)
_CLIENT_KEY_TEST = re.compile(_CLIENT_KEY, re.ASCII)
_PUSHOVER_TEST = re.compile(_PUSHOVER_USER, re.ASCII)
_WITH_VALUE_TEST = re.compile(_WITH_VALUE, re.ASCII)
_SQL_SETTING_TEST = re.compile(_SQL_SETTING, re.ASCII)
_REDIS_ACL_TEST = re.compile(_REDIS_ACL_PASSWORD, re.ASCII)
_KEY_LINE_TEST = re.compile(_KEY_LINE, re.ASCII)
_OBJECT_VALUE_TEST = re.compile(_OBJECT_VALUE, re.ASCII)
_SQLPLUS_TEST = re.compile(_SQLPLUS_QUOTED, re.ASCII)
_SQLPLUS_CONNECT_TEST = re.compile(_SQLPLUS_CONNECT, re.ASCII)
_COOKIE_TEST = re.compile(_COOKIE_PAIR, re.ASCII)
_PATH_TOKEN_TEST = re.compile(_PATH_TOKEN, re.ASCII)
_BASE64_TOKEN_TEST = re.compile(_BASE64_TOKEN, re.ASCII)
_ZWAVE_TEST = re.compile(_ZWAVE_KEY, re.ASCII)
_RADIUS_TEST = re.compile(_RADIUS_LOGIN, re.ASCII)
_ALIGNED_TEST = re.compile(_ALIGNED_ROW, re.ASCII)
_SHORT_SCHEME_TEST = re.compile(_SHORT_SCHEME, re.ASCII)
_KEY_HEADER_TEST = re.compile(_KEY_HEADER, re.ASCII)
_MODPARAM_TEST = re.compile(_MODPARAM, re.ASCII)
_SIM_KEY_TEST = re.compile(_SIM_KEY, re.ASCII)
_WEBHOOK_TEST = re.compile(_WEBHOOK_SIGNATURE, re.ASCII)
_SIP2_TEST = re.compile(_SIP2_PASSWORD, re.ASCII)
_STEAMCMD_TEST = re.compile(_STEAMCMD_LOGIN, re.ASCII)
_DIGEST_TEST = re.compile(_DIGEST_RESPONSE, re.ASCII)
_OCPP_TEST = re.compile(_OCPP_ATTRIBUTE, re.ASCII)
_HDBUSERSTORE_TEST = re.compile(_HDBUSERSTORE, re.ASCII)
_UNIXODBC_ISQL_TEST = re.compile(_UNIXODBC_ISQL, re.ASCII)
_BITNAMI_TEST = re.compile(_BITNAMI_DEFAULT, re.ASCII)
_RTMP_TEST = re.compile(_RTMP_STREAM, re.ASCII)
_STREAM_KEY_PAIR_TEST = re.compile(_STREAM_KEY_PAIR, re.ASCII)
_PLAYBACK_TOKEN_TEST = re.compile(_PLAYBACK_TOKEN, re.ASCII)
_KALTURA_KS_TEST = re.compile(_KALTURA_KS, re.ASCII)
_SALESFORCE_SESSION_TEST = re.compile(_SALESFORCE_SESSION, re.ASCII)
_DRM_SECRET_TEST = re.compile(_DRM_SECRET, re.ASCII)
_MIFARE_KEY_TEST = re.compile(_MIFARE_KEY, re.ASCII)
_DEVICE_SECRET_TEST = re.compile(_DEVICE_SECRET, re.ASCII)
_PRE_SHARE_KEY_TEST = re.compile(_PRE_SHARE_KEY, re.ASCII)
_MAGENTO_TEST = re.compile(_MAGENTO_SECRET_PATH, re.ASCII)
_GDS_CARD_TEST = re.compile(_GDS_CARD, re.ASCII)
_REGISTERED_TEST = re.compile(_REGISTERED_USER, re.ASCII)
_X12_TEST = re.compile(_X12_PASSWORD, re.ASCII)
_EDIFACT_TEST = re.compile(_EDIFACT_PASSWORD, re.ASCII)
_EZCONNECT_TEST = re.compile(_EZCONNECT, re.ASCII)
_HMAC_TEST = re.compile(_HMAC_KEY, re.ASCII)
_HL7_TEST = re.compile(_HL7_SSN, re.ASCII)
_HSM_TEST = re.compile(_HSM_KEY, re.ASCII)
_FCM_TEST = re.compile(_FCM_TOKEN, re.ASCII)
_KEEPASS_TEST = re.compile(_KEEPASS_VALUE, re.ASCII)
_QRADAR_TEST = re.compile(_QRADAR_TOKEN, re.ASCII)
_DEEPL_TEST = re.compile(_DEEPL_KEY, re.ASCII)
_LUCI_TEST = re.compile(_LUCI_STOK, re.ASCII)
_FERNET_TEST = re.compile(_FERNET_KEY, re.ASCII)
_TFC_TEST = re.compile(_TFC_TOKEN, re.ASCII)
_GCODE_TEST = re.compile(_GCODE_PASSWORD, re.ASCII)
_APNS_TEST = re.compile(_APNS_DEVICE, re.ASCII)
_ROTATED_TEST = re.compile(_ROTATED, re.ASCII)
_ENCODED_PWD_TEST = re.compile(_ENCODED_PWD, re.ASCII)
_CDN_SIGNATURE_TEST = re.compile(_CDN_SIGNATURE, re.ASCII)
_DEVICE_SYNTAX_TEST = re.compile(_DEVICE_SYNTAX_KEY, re.ASCII)
_SSIS_TEST = re.compile(_SSIS_VALUE, re.ASCII)
_GO_DSN_TEST = re.compile(_GO_DSN, re.ASCII)
_AUTH_TUPLE_TEST = re.compile(f"{_AUTH_TUPLE}|{_AUTH_KEY_USER}", re.ASCII)
_HTTP_BASIC_CONFIG_TEST = re.compile(_HTTP_BASIC_CONFIG, re.ASCII)
_CLIENT_LOGIN_TEST = re.compile(_CLIENT_LOGIN, re.ASCII)
_NPM_AUTH_IDENT_TEST = re.compile(_NPM_AUTH_IDENT, re.ASCII)


PATTERN = (
    # (Before the cookie pairs, which start on the same ";".)
    f"{_LUCI_STOK}(?P<luci_stok>)|{_SNMP_PASSWORD}(?P<snmp_password>)|{_IPSEC_SECRET}(?P<ipsec_secret>)"
    f"|{_DEVICE_KEY}(?P<device_key>)|{_AUTH_HEADER}(?P<auth_header>)"
    f"|{_OPENVPN_TOKEN}(?P<openvpn_token>)|{_TABLE_CELL}(?P<table_secret>)"
    f"|{_PLAN_CHANGE}(?P<plan_change>)|{_ACCESS_KEY_ID}(?P<access_key_id>)"
    f"|{_CLIENT_KEY}(?P<client_key>)|{_WPA_PASSPHRASE}(?P<wpa_passphrase>)"
    f"|{_FNDCPASS}(?P<fndcpass>)|{_STEAM_ACCOUNT}(?P<steam_token>)"
    f"|{_PUSHOVER_USER}(?P<pushover_user>)"
    f"|{_ECHOED_PASSWORD}(?P<echoed_password>)|{_PHP_CONNECT}(?P<php_connect>)"
    f"|{_CLICKHOUSE_REMOTE}(?P<clickhouse_remote>)|{_AES_KEY_ARGUMENT}(?P<aes_key_argument>)"
    f"|{_REGISTRY_USER_INFO}(?P<registry_user_info>)|{_VAULT_CONTENT}(?P<vault_content>)"
    f"|{_HMAC_KEY_LITERAL}(?P<hmac_key_literal>)|{_PKCS12_PASSWORD}(?P<pkcs12_password>)"
    f"|{_CURL_CERT_PASSWORD}(?P<curl_cert_password>)|{_PKCS11_PIN}(?P<pkcs11_pin>)"
    f"|{_KMS_PLAINTEXT}(?P<kms_plaintext>)"
    f"|{_NEW_VALUE}(?P<new_value>)|{_NEXT_LINE_VALUE}(?P<next_line_value>)"
    f"|{_PLIST_VALUE}(?P<plist_value>)"
    f"|{_LINK_TOKEN}(?P<link_token>)|{_BW_PASSWORD}(?P<bw_password>)"
    f"|{_HERE_STRING_LOGIN}(?P<here_string_login>)"
    f"|{_NUT_MONITOR}(?P<nut_password>)|{_TYPED_PASSWORD}(?P<typed_password>)"
    f"|{_PASSWORD_SET_TO}(?P<password_set_to>)"
    f"|{_OSSEC_KEY}(?P<ossec_key>)|{_WITH_VALUE}(?P<with_value>)"
    f"|{_SQL_SETTING}(?P<sql_setting>)|{_REDIS_ACL_PASSWORD}(?P<redis_acl_password>)"
    f"|{_KEY_LINE}(?P<key_line>)|{_OBJECT_VALUE}(?P<object_value>)"
    f"|{_CHPASSWD_LIST}(?P<chpasswd_list>)|{_SQLPLUS_QUOTED}(?P<sqlplus_quoted>)"
    f"|{_SQLPLUS_CONNECT}(?P<sqlplus_connect>)|{_SECURE_STRING}(?P<secure_string>)"
    f"|{_COOKIE_PAIR}(?P<cookie_pair>)|(?:{_PATH_TOKEN})(?P<path_token>)"
    f"|(?:{_BASE64_TOKEN})(?P<base64_token>)"
    f"|{_ZWAVE_KEY}(?P<zwave_key>)|{_RADIUS_LOGIN}(?P<radius_login>)"
    f"|(?:{_ALIGNED_ROW})(?P<aligned_cell>)|{_SHORT_SCHEME}(?P<short_scheme>)"
    f"|{_KEY_HEADER}(?P<key_header>)|{_MODPARAM}(?P<modparam>)"
    f"|{_SIM_KEY}(?P<sim_key>)|(?:{_DEVICE_SYNTAX_KEY})(?P<device_syntax_key>)"
    f"|(?:{_SSIS_VALUE})(?P<ssis_value>)|{_GO_DSN}(?P<go_dsn>)|{_AUTH_KEY_USER}(?P<auth_key_user>)"
    f"|{_AUTH_TUPLE}(?P<auth_tuple>)|{_HTTP_BASIC_CONFIG}(?P<http_basic_config>)"
    f"|{_CLIENT_LOGIN}(?P<client_login>)|{_NPM_AUTH_IDENT}(?P<npm_auth_ident>)"
    f"|{_WEBHOOK_SIGNATURE}(?P<webhook_signature>)|{_STRIPE_MORE}(?P<stripe_more>)"
    f"|{_SIP2_PASSWORD}(?P<sip2_password>)|{_STEAMCMD_LOGIN}(?P<steamcmd_login>)"
    f"|{_DIGEST_RESPONSE}(?P<digest_response>)|(?:{_OCPP_ATTRIBUTE})(?P<ocpp_attribute>)"
    f"|{_HDBUSERSTORE}(?P<hdbuserstore>)|{_UNIXODBC_ISQL}(?P<unixodbc_isql>)"
    f"|{_BITNAMI_DEFAULT}(?P<bitnami_default>)|{_FILEZILLA_PASS}(?P<filezilla_pass>)"
    f"|{_RTMP_STREAM}(?P<rtmp_stream>)|{_MAGENTO_SECRET_PATH}(?P<magento_secret>)"
    f"|{_STREAM_KEY_PAIR}(?P<stream_key_pair>)|{_PLAYBACK_TOKEN}(?P<playback_token>)"
    f"|{_KALTURA_KS}(?P<kaltura_ks>)|{_SALESFORCE_SESSION}(?P<salesforce_session>)"
    f"|(?:{_DRM_SECRET})(?P<drm_secret>)|{_MIFARE_KEY}(?P<mifare_key>)"
    f"|(?:{_PRE_SHARE_KEY})(?P<pre_share_key>)|(?:{_DEVICE_SECRET})(?P<device_secret>)"
    f"|{_GDS_CARD}(?P<gds_card>)|{_REGISTERED_USER}(?P<registered_user>)"
    f"|{_X12_PASSWORD}(?P<x12_password>)|{_EDIFACT_PASSWORD}(?P<edifact_password>)"
    f"|{_EZCONNECT}(?P<ezconnect>)|(?:{_HMAC_KEY})(?P<hmac_key>)"
    f"|{_SIGNATURE_PROVIDED}(?P<signature_provided>)|{_HL7_SSN}(?P<hl7_ssn>)"
    f"|{_HSM_KEY}(?P<hsm_key>)|{_FIX_PASSWORD}(?P<fix_password>)|{_FCM_TOKEN}(?P<fcm_token>)"
    f"|{_JENKINS_CRUMB}(?P<jenkins_crumb>)|{_KEEPASS_VALUE}(?P<keepass_value>)"
    f"|{_QRADAR_TOKEN}(?P<qradar_token>)|{_DEEPL_KEY}(?P<deepl_key>)"
    f"|{_GCODE_PASSWORD}(?P<gcode_password>)|{_TFC_TOKEN}(?P<tfc_token>)|{_AKAMAI_HMAC}(?P<akamai_hmac>)|{_APNS_DEVICE}(?P<apns_device>)"
    f"|{_FERNET_KEY}(?P<fernet_key>)|{_ROTATED}(?P<rotated>)|{_ENCODED_PWD}(?P<encoded_pwd>)|(?:{_CDN_SIGNATURE})(?P<cdn_signature>)"
)

KINDS = {
    "webhook_signature": Kind("secrets", "TOKEN", _check_signature),
    "stripe_more": Kind("secrets", "TOKEN", _check_stripe_more),
    "sip2_password": Kind("secrets", "SECRET", _check_sip2),
    "steamcmd_login": Kind("secrets", "SECRET", check_to_word_end),
    "digest_response": Kind("secrets", "TOKEN", _check_digest_response),
    "ocpp_attribute": Kind("secrets", "SECRET", check_quoted),
    "hdbuserstore": Kind("secrets", "SECRET", check_to_word_end),
    "unixodbc_isql": Kind("secrets", "SECRET", check_to_word_end),
    "bitnami_default": Kind("secrets", "SECRET", _check_default_password),
    "filezilla_pass": Kind("secrets", "SECRET", check_element_text),
    "rtmp_stream": Kind("secrets", "TOKEN", _check_stream_key),
    "stream_key_pair": Kind("secrets", "TOKEN", _check_stream_key_pair),
    "playback_token": Kind("secrets", "TOKEN", _check_to_pair_end),
    "kaltura_ks": Kind("secrets", "TOKEN", _check_to_segment_end),
    "salesforce_session": Kind("secrets", "TOKEN", _check_whole_session),
    "drm_secret": Kind("secrets", "SECRET", _check_drm_secret),
    "mifare_key": Kind("secrets", "SECRET", _check_hex_run),
    "pre_share_key": Kind("secrets", "SECRET", _check_pre_share_key),
    "device_secret": Kind("secrets", "SECRET", _check_device_secret),
    "magento_secret": Kind("secrets", "SECRET", check_to_word_end),
    "gds_card": Kind("card", "CARD", _check_gds_card),
    "registered_user": Kind("secrets", "SECRET", _check_registered_user),
    "x12_password": Kind("secrets", "SECRET", _check_x12_password),
    "edifact_password": Kind("secrets", "SECRET", _check_edifact_password),
    "ezconnect": Kind("secrets", "SECRET", _check_ezconnect),
    "hmac_key": Kind("secrets", "SECRET", _check_hmac_key),
    "signature_provided": Kind("secrets", "TOKEN", check_element_text),
    "hl7_ssn": Kind("ssn", "SSN", _check_hl7_ssn),
    "hsm_key": Kind("secrets", "SECRET", _check_hsm_key),
    "fix_password": Kind("secrets", "SECRET", _check_fix_password),
    "fcm_token": Kind("secrets", "TOKEN", _check_fcm_token),
    "jenkins_crumb": Kind("secrets", "TOKEN", check_to_word_end),
    "keepass_value": Kind("secrets", "SECRET", check_element_text),
    "qradar_token": Kind("secrets", "TOKEN", lambda text, start, end: (end, end + 36)),
    "deepl_key": Kind("secrets", "TOKEN", lambda text, start, end: (end, end + 39)),
    "luci_stok": Kind("secrets", "TOKEN", lambda text, start, end: (end, end + 32)),
    "rotated": Kind("secrets", "SECRET", _check_rotated),
    "fernet_key": Kind("secrets", "SECRET", check_quoted),
    "akamai_hmac": Kind("secrets", "TOKEN", _check_hex_run),
    "tfc_token": Kind("secrets", "TOKEN", _check_tfc_token),
    "gcode_password": Kind("secrets", "SECRET", check_quoted),
    "apns_device": Kind("secrets", "TOKEN", lambda text, start, end: (end, end + 64)),
    "encoded_pwd": Kind("secrets", "SECRET", _check_encoded_pwd),
    "cdn_signature": Kind("secrets", "TOKEN", _check_cdn_signature),
    "go_dsn": Kind("secrets", "SECRET", _check_go_dsn),
    "http_basic_config": Kind("secrets", "SECRET", check_until_delimiter),
    "client_login": Kind("secrets", "SECRET", _check_client_password),
    "npm_auth_ident": Kind("secrets", "SECRET", check_to_word_end),
    "auth_tuple": Kind("secrets", "SECRET", check_quoted),
    "auth_key_user": Kind("secrets", "SECRET", _check_key_user),
    "device_syntax_key": Kind("secrets", "SECRET", _check_syntax_key),
    "ssis_value": Kind("secrets", "SECRET", _check_syntax_key),
    "sim_key": Kind("secrets", "SECRET", _check_sim_key),
    "modparam": Kind("secrets", "SECRET", check_quoted),
    "short_scheme": Kind("secrets", "TOKEN", _check_credential),
    "key_header": Kind("secrets", "TOKEN", _check_key_header),
    "aligned_cell": Kind("secrets", "SECRET", _check_aligned_cell),
    "radius_login": Kind("secrets", "SECRET", _check_radius_login),
    "zwave_key": Kind("secrets", "SECRET", lambda text, start, end: (end, end + 32)),
    "path_token": Kind("secrets", "TOKEN", _check_path_token),
    "base64_token": Kind("secrets", "TOKEN", _check_base64_token),
    "cookie_pair": Kind("secrets", "TOKEN", _check_cookie),
    "object_value": Kind("secrets", "SECRET", check_quoted),
    "chpasswd_list": Kind("secrets", "SECRET", check_to_word_end),
    "sqlplus_quoted": Kind("secrets", "SECRET", check_quoted),
    "sqlplus_connect": Kind("secrets", "SECRET", check_to_word_end),
    "secure_string": Kind("secrets", "SECRET", check_quoted),
    "ossec_key": Kind("secrets", "SECRET", check_quoted),
    "with_value": Kind("secrets", "SECRET", check_quoted),
    "sql_setting": Kind("secrets", "SECRET", check_quoted),
    "redis_acl_password": Kind("secrets", "SECRET", check_to_word_end),
    "key_line": Kind("secrets", "SECRET", check_to_word_end),
    "echoed_password": Kind("secrets", "SECRET", _check_echoed),
    "here_string_login": Kind("secrets", "SECRET", _check_echoed),
    "php_connect": Kind("secrets", "SECRET", check_quoted),
    "clickhouse_remote": Kind("secrets", "SECRET", check_quoted),
    "aes_key_argument": Kind("secrets", "SECRET", check_quoted),
    "vault_content": Kind("secrets", "SECRET", _check_vault_content),
    "hmac_key_literal": Kind("secrets", "SECRET", check_quoted),
    "pkcs12_password": Kind("secrets", "SECRET", check_quoted),
    "curl_cert_password": Kind("secrets", "SECRET", _check_echoed),
    "pkcs11_pin": Kind("secrets", "SECRET", _check_uri_attribute),
    "kms_plaintext": Kind("secrets", "SECRET", _check_kms_plaintext),
    "registry_user_info": Kind("secrets", "SECRET", check_to_word_end),
    "new_value": Kind("secrets", "SECRET", _check_new_value),
    "next_line_value": Kind("secrets", "SECRET", _check_next_line),
    "plist_value": Kind("secrets", "SECRET", check_element_text),
    "link_token": Kind("secrets", "TOKEN", _check_link_token),
    "bw_password": Kind("secrets", "SECRET", _check_echoed),
    "nut_password": Kind("secrets", "SECRET", check_to_word_end),
    "typed_password": Kind("secrets", "SECRET", _check_typed),
    "password_set_to": Kind("secrets", "SECRET", _check_set_to),
    "snmp_password": Kind("secrets", "SECRET", _check_snmp),
    "ipsec_secret": Kind("secrets", "SECRET", _check_device_key),
    "device_key": Kind("secrets", "SECRET", _check_device_key),
    "auth_header": Kind("secrets", "TOKEN", _check_auth_header),
    "openvpn_token": Kind("secrets", "TOKEN", _check_credential),
    "table_secret": Kind("secrets", "SECRET", _check_cell),
    "plan_change": Kind("secrets", "SECRET", _check_plan_change),
    "access_key_id": Kind("secrets", "SECRET", _check_credential),
    "client_key": Kind("secrets", "TOKEN", _check_client_key),
    "wpa_passphrase": Kind("secrets", "SECRET", _check_line_rest),
    "fndcpass": Kind("secrets", "SECRET", _check_fndcpass),
    "steam_token": Kind("secrets", "TOKEN", check_to_word_end),
    "pushover_user": Kind("secrets", "TOKEN", _check_pushover),
}


def _may_type_password(text: str) -> bool:
    # Most texts with "pass" type nothing: the calls, looked for as written, say so first.
    return (
        "fill(" in text or "type(" in text or "eys(" in text or "setValue(" in text
    ) and _TYPED_TEST.search(text) is not None


#: How far into its line a row's name may reach (blanks, a prefix, the name), and its
#: words (the pattern's names all hold one).
_ROW_NAME_REACH = 96
_ROW_NAME_WORDS = ("pass", "secret", "token", "key")


def _may_hold_aligned_row(text: str) -> bool:
    """Whether a row of a table aligned by blanks names a secret: a row starts a line,
    so a text without a line break (real or escaped) is tried at its start alone."""
    # (A backslash first: one character is searched at memory speed, two are not.)
    if "\n" in text or ("\\" in text and "\\n" in text):
        return _ALIGNED_TEST.search(text) is not None
    head = text[:_ROW_NAME_REACH].lower()
    return any(word in head for word in _ROW_NAME_WORDS) and _ALIGNED_TEST.match(text) is not None


#: The marks of the labels above, case-folded, each with its own test (``screen``).
MARKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("cookie", lambda text: _COOKIE_TEST.search(text) is not None),
    # (Matched where the header's name is: a search tried the case-blind name at every
    # character.)
    ("authorization", functools.partial(matches_at_word, _SHORT_SCHEME_TEST, "authorization")),
    ("modparam(", lambda text: _MODPARAM_TEST.search(text) is not None),
    *(
        (mark, lambda text: _SIM_KEY_TEST.search(text) is not None)
        for mark in (
            *("imsi", "opc"),
            *(name + end for name in ("ki", "kic", "ha1", "ha1b") for end in "=:\"' \t"),
        )
    ),
    *(
        (mark, lambda text: _WEBHOOK_TEST.search(text) is not None)
        for mark in ("signature", "-hmac-sha", "-sign", '"sign"', "'sign'")
    ),
    *(
        (
            mark,
            lambda text: (
                _SIP2_TEST.search(text) is not None and _SIP2_MESSAGE.search(text) is not None
            ),
        )
        for mark in ("|co", "|ad", "|ac")
    ),
    *(
        (mark, lambda text: _DEVICE_SYNTAX_TEST.search(text) is not None)
        for mark in ("<pre-shared-key>", "md5")
    ),
    ("].properties[", lambda text: _SSIS_TEST.search(text) is not None),
    *(
        (mark, lambda text: _GO_DSN_TEST.search(text) is not None)
        for mark in ("@tcp(", "@unix(", "@(")
    ),
    ("http-basic.", lambda text: _HTTP_BASIC_CONFIG_TEST.search(text) is not None),
    *(
        (mark, lambda text: _CLIENT_LOGIN_TEST.search(text) is not None)
        for mark in (
            *("client(", "api(", "session(", "connection(", "login(", "authentication("),
            *("credential(", "credentials("),
        )
    ),
    ("npmauthident", lambda text: _NPM_AUTH_IDENT_TEST.search(text) is not None),
    *(
        (mark, lambda text: _AUTH_TUPLE_TEST.search(text) is not None)
        for mark in (
            *("auth=(", "auth= (", "auth =(", "auth = (", "auth':(", "auth': ("),
            *('auth":(', 'auth": ('),
        )
    ),
    *(
        (
            f"-{kind}{end}",
            lambda text: (
                ("X-" in text or "x-" in text) and _KEY_HEADER_TEST.search(text) is not None
            ),
        )
        for kind in ("key", "api", "apikey", "token", "session", "team")
        for end in (":", " :", "=")
    ),
    # (A line of its own only at the text's start, unless it holds a line break.)
    *((mark, _may_hold_aligned_row) for mark in ("pass", "secret", "token", "key")),
    ("password ", lambda text: "PASSWORD " in text and _ALIGNED_TEST.search(text) is not None),
    *((f"login{blank}", lambda text: _RADIUS_TEST.search(text) is not None) for blank in " \t"),
    *((mark, lambda text: _ZWAVE_TEST.search(text) is not None) for mark in ("s2_", "s0_legacy")),
    *(
        (mark, lambda text: _PATH_TOKEN_TEST.search(text) is not None)
        for mark in (
            *(
                "anaconda.",
                "alchemy.com/v2/",
                "infura.io/v3/",
                "/lights",
                "/groups",
                "/config",
                "/sensors",
            ),
            *("/scenes", "/schedules", "/rules", "/resourcelinks", "/capabilities"),
            "/with/key/",
            "marinetraffic.com/api/",
            "backtrace.io/",
        )
    ),
    *(
        (mark, lambda text: _BASE64_TOKEN_TEST.search(text) is not None)
        for mark in ("samlresponse=", "samlart=", "/receiver/v1/http/")
    ),
    ('"value"', lambda text: "{" in text and _OBJECT_VALUE_TEST.search(text) is not None),
    ("chpasswd:", lambda text: "list:" in text),
    ('/"', lambda text: _SQLPLUS_TEST.search(text) is not None),
    ("sql>", lambda text: _SQLPLUS_CONNECT_TEST.search(text) is not None),
    ("convertto-securestring", lambda text: "-asplaintext" in text.lower()),
    ("ossec k:", lambda text: "OSSEC K:" in text),
    *(
        (f"with{blank}value", lambda text: _WITH_VALUE_TEST.search(text) is not None)
        for blank in " \t"
    ),
    *(
        (mark, lambda text: _SQL_SETTING_TEST.search(text) is not None)
        for mark in ("value=", "value =", "value\t=")
    ),
    ("setuser", lambda text: _REDIS_ACL_TEST.search(text) is not None),
    *((mark, lambda text: _SNMP_TEST.search(text) is not None) for mark in ("snmp", "createuser")),
    *(
        (f"{kind}{blank}", lambda text: _IPSEC_TEST.search(text) is not None)
        for kind in ("eap", "xauth", "ntlm")
        for blank in " \t"
    ),
    *((f"-key{blank}", lambda text: _DEVICE_KEY_TEST.search(text) is not None) for blank in " \t"),
    ("-auth", lambda text: _AUTH_HEADER_TEST.search(text) is not None),
    *((f"auth-token{blank}", lambda text: "auth-token" in text) for blank in " \t"),
    *(
        (separator, lambda text: _TABLE_TEST.search(text) is not None)
        for separator in _TABLE_SEPARATORS
    ),
    ("->", lambda text: '"' in text and _PLAN_CHANGE_TEST.search(text) is not None),
    *(
        (f"access{first}key{second}id", lambda text: _ACCESS_KEY_ID_TEST.search(text) is not None)
        for first in " \t"
        for second in " \t"
    ),
    ("client(", lambda text: _CLIENT_KEY_TEST.search(text) is not None),
    ("wpa_passphrase", lambda text: "wpa_passphrase" in text),
    ("fndcpass", lambda text: "FNDCPASS" in text),
    ("+sv_setsteamaccount", lambda text: "+sv_setsteamaccount" in text),
    ("+login", lambda text: _STEAMCMD_TEST.search(text) is not None),
    ('"attributevalue"', lambda text: _OCPP_TEST.search(text) is not None),
    ("hdbuserstore", lambda text: _HDBUSERSTORE_TEST.search(text) is not None),
    ("isql", lambda text: _UNIXODBC_ISQL_TEST.search(text) is not None),
    ("username and password", lambda text: _BITNAMI_TEST.search(text) is not None),
    ('<pass encoding="base64">', lambda text: '<Pass encoding="base64">' in text),
    ("rtmp", lambda text: _RTMP_TEST.search(text) is not None),
    *(
        (mark, lambda text: _STREAM_KEY_PAIR_TEST.search(text) is not None)
        for mark in ("rtmp://", "rtmps://", "srt://")
    ),
    *(
        (mark, lambda text: _PLAYBACK_TOKEN_TEST.search(text) is not None)
        for mark in ("wowzatokenhash=", "wmsauthsign=")
    ),
    ("/ks/", lambda text: _KALTURA_KS_TEST.search(text) is not None),
    ("00d", lambda text: _SALESFORCE_SESSION_TEST.search(text) is not None),
    *(
        (mark, lambda text: _MIFARE_KEY_TEST.search(text) is not None)
        for mark in ("keya", "keyb", "key_a", "key_b")
    ),
    *(
        (mark, lambda text: _DEVICE_SECRET_TEST.search(text) is not None)
        for mark in (
            *("key 7 ", "key 0 ", "key-string", "message-digest-key", "password encrypted"),
            *("encrypted-key", "snmp-server community", "snmp-agent community"),
            *("cipher %^%#", "$9$", "shared-secret", "shared-secondary-secret"),
            *("cleartext", "= des ", "=des "),
        )
    ),
    *(
        (mark, lambda text: _PRE_SHARE_KEY_TEST.search(text) is not None)
        for mark in ("pre-share key", "pre-shared-key")
    ),
    *(
        (mark, lambda text: _DRM_SECRET_TEST.search(text) is not None)
        for mark in ("keyseed", "key_seed", "fairplay_ask", "fps_ask", "fpsask", "[fairplay]")
    ),
    ("config:set", lambda text: _MAGENTO_TEST.search(text) is not None),
    *((f"fp{blank}", lambda text: _GDS_CARD_TEST.search(text) is not None) for blank in " \t"),
    ('"registeredusers"', lambda text: _REGISTERED_TEST.search(text) is not None),
    ("isa*", lambda text: _X12_TEST.search(text) is not None),
    ("unb+", lambda text: _EDIFACT_TEST.search(text) is not None),
    (
        "@",
        lambda text: "/" in text and ":" in text and _EZCONNECT_TEST.search(text) is not None,
    ),
    *(
        (mark, lambda text: _HMAC_TEST.search(text) is not None)
        for mark in ("hmac.new(", "createhmac(")
    ),
    ("<signatureprovided>", lambda text: "<SignatureProvided>" in text),
    ("pid|", lambda text: _HL7_TEST.search(text) is not None),
    *(
        (
            mark,
            lambda text: (
                _HSM_KEY_WORDS.search(text) is not None and _HSM_TEST.search(text) is not None
            ),
        )
        for mark in (
            *("kcv", "check value", "check_value", "check=", "zmk", "zpk", "tmk", "tpk", "tak"),
            *("bdk", "ipek", "kek", "zek", "pvk", "cvk", "component"),
        )
    ),
    *((mark, lambda text: "8=FIX" in text) for mark in ("|554=", "\x01554=", "|925=", "\x01925=")),
    (":apa91b", lambda text: _FCM_TEST.search(text) is not None),
    ("jenkins-crumb", lambda text: True),
    ("</key>", lambda text: _KEEPASS_TEST.search(text) is not None),
    ("sec:", lambda text: _QRADAR_TEST.search(text) is not None),
    (":fx", lambda text: _DEEPL_TEST.search(text) is not None),
    (";stok=", lambda text: _LUCI_TEST.search(text) is not None),
    ("fernet(", lambda text: _FERNET_TEST.search(text) is not None),
    ("~hmac=", lambda text: True),
    (".atlasv1.", lambda text: _TFC_TEST.search(text) is not None),
    *((f"m551{blank}p", lambda text: _GCODE_TEST.search(text) is not None) for blank in " \t"),
    *(
        (mark, lambda text: _APNS_TEST.search(text) is not None)
        for mark in ("device=", "device:", "device_token")
    ),
    # (And a subject's word: "config old=v1 new=v2" has none for the checker to find.)
    *(
        (mark, lambda text: _ROTATED_TEST.search(text) is not None and _names_rotated(text))
        for mark in ("old=", "new=")
    ),
    *(
        (mark, lambda text: _ENCODED_PWD_TEST.search(text) is not None)
        for mark in ("pwd%3d", "password%3d")
    ),
    *(
        (mark, lambda text: _CDN_SIGNATURE_TEST.search(text) is not None)
        for mark in ("/s--", "?s=", "&s=")
    ),
    ('response="', lambda text: "Digest " in text and _DIGEST_TEST.search(text) is not None),
    ("pushover", lambda text: _PUSHOVER_TEST.search(text) is not None),
    ("echo", lambda text: _ECHOED_TEST.search(text) is not None),
    ("<<<", lambda text: _HERE_STRING_TEST.search(text) is not None),
    *(
        (mark, lambda text: _PHP_CONNECT_TEST.search(text) is not None)
        for mark in ("pdo", "mysqli")
    ),
    *(
        (mark, lambda text: _CLICKHOUSE_REMOTE_TEST.search(text) is not None)
        for mark in ("mysql(", "postgresql(", "mongodb(")
    ),
    *(
        (mark, lambda text: _AES_KEY_TEST.search(text) is not None)
        for mark in ("aes_encrypt(", "aes_decrypt(")
    ),
    ("basic.auth.user.info", lambda text: _REGISTRY_USER_INFO_TEST.search(text) is not None),
    ('"content"', lambda text: _VAULT_CONTENT_TEST.search(text) is not None),
    *(
        (mark, lambda text: _HMAC_KEY_TEST.search(text) is not None)
        for mark in ("hmac.new(", "createhmac(", "secretkeyspec(")
    ),
    *(
        (mark, lambda text: _PKCS12_TEST.search(text) is not None)
        for mark in ("pkcs12", "x509certificate2(")
    ),
    *((mark, lambda text: _CURL_CERT_TEST.search(text) is not None) for mark in ("--cert", "-e ")),
    ("pin-value=", lambda text: _PKCS11_PIN_TEST.search(text) is not None),
    ('"plaintext"', lambda text: _KMS_PLAINTEXT_TEST.search(text) is not None),
    ("new value:", lambda text: "New value:" in text),
    *(
        (
            mark,
            lambda text: (
                _NEXT_LINE_TEST.search(text) is not None or _KEY_LINE_TEST.search(text) is not None
            ),
        )
        for mark in (":\n", ":\r\n")
    ),
    ("</key>", lambda text: _PLIST_TEST.search(text) is not None),
    *(
        (mark + "/", lambda text: _LINK_TOKEN_TEST.search(text) is not None)
        for mark in (
            "reset",
            "lostpassword",
            "verify",
            "verification",
            "confirm",
            "activate",
            "password",
            "resets",
            "attachments/token",
            "satisfaction/new",
        )
    ),
    *(
        (mark + "/", lambda text: _LINK_TOKEN_TEST.search(text) is not None)
        for mark in ("magic-link", "magic_link", "magiclink", "invite", "invitation")
    ),
    *((mark, lambda text: _BW_TEST.search(text) is not None) for mark in ("bw unlock", "bw login")),
    ("monitor", lambda text: "MONITOR" in text),
    # (The names the next two ask for: rarer than their calls' and sentences' words.)
    *((mark, _may_type_password) for mark in ("pass", "pwd")),
    ("password", lambda text: " to" in text and _SET_TO_TEST.search(text) is not None),
)
