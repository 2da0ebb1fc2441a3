"""Passwords on command lines, logins before an "@", passwords in sentences and
repeated secrets: each found whole, whatever it holds, and each near miss kept.
"""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor
from tenantlog.redaction.passwords import _NAME, _NAME_ONLY, _SECRETS_NAME, is_masked

_TYPED = Redactor(style="typed")
_SECRET = "[REDACTED:SECRET]"
_ANY_LABEL = re.compile(r"\[REDACTED:[A-Z_]+\]")
# A secret's name: glued to a flag's "-", the name of a flag of its own.
# ... or ends with one: "-p0PW shop" is a flag named "PW" and its value.
_NAMED_FLAG = re.compile(f"(?:{_NAME})\\Z", re.ASCII | re.IGNORECASE)

# What a password on a command line may hold unquoted: no space, quote or
# shell separator; it starts with no "-" (that would be the next flag).
_UNQUOTED = st.text(
    string.ascii_letters + string.digits + "!#%*+.:=?@^_~/,", min_size=1, max_size=20
).filter(lambda value: not value.startswith("-"))
_QUOTED = st.text(
    string.ascii_letters + string.digits + "!#$%*+-.:=?@^_~ ,;&()[]{}<>|", min_size=1, max_size=20
)

# Each form: the text before the value, the text after it, and whether the
# value is written in single quotes.
_FORMS = st.sampled_from(
    [
        ("mysql -u root -p", " shop", False),
        ("mysqldump -h db -u backup -p'", "' orders", True),
        ("docker login -u ci -p ", " registry.example.io", False),
        ("sshpass -p '", "' ssh -p 2222 bastion", True),
        ("ldapsearch -x -D cn=admin -w ", " -b dc=corp", False),
        ("redis-cli -h cache -a ", " ping", False),
        ("sqlcmd -S db -U sa -P '", "' -Q x", True),
        ("keytool -list -storepass ", " -keystore a.jks", False),
        ("curl -u deploy:", " https://x.example/v1", False),
        ("curl --user 'svc:", "' https://x.example/v1", True),
        ("echo '", "' | sudo -S apt-get update", True),
        ("htpasswd -b /etc/nginx/.htpasswd admin ", "", False),
        ("$p = ConvertTo-SecureString '", "' -AsPlainText -Force", True),
        ("SET PASSWORD FOR 'u'@'%' = PASSWORD('", "')", True),
        ("define( 'DB_PASSWORD', '", "' );", True),
        ("INSERT INTO users (name, password, role) VALUES ('bob', '", "', 'admin')", True),
        ('"adminPassword": {"value": "', '"}', True),
    ]
)


@settings(max_examples=300)
@given(_FORMS.flatmap(lambda form: st.tuples(st.just(form), _QUOTED if form[2] else _UNQUOTED)))
# A value that reads like a prompt inside MySQL's PASSWORD('…') is still its value.
@example((("SET PASSWORD FOR 'u'@'%' = PASSWORD('", "')", True), "AA :"))
def test_a_command_line_password_is_removed_whole(
    case: tuple[tuple[str, str, bool], str],
) -> None:
    (before, after, quoted), value = case
    # (values masked already, "***" or "null", and shell references are kept)
    assume(value.strip() and not value.startswith("$") and not is_masked(value))
    assume(not quoted or "'" not in value)
    # (a value that names a command, "login", "mongo" or IRC's "IDENTIFY", is read as one)
    assume(not any(word in value.lower() for word in ("login", "mongo", "sshpass", "identify")))
    # (a value that comes again in the command is removed there too; after a
    # user's ":" a path is a host's, "rsync -a host:/srv")
    assume(value not in before + after)
    assume(not (before.endswith(":") and value[0] in "/~"))
    # (mysql's "-pW shop" reads as plink's "-pw shop" too: a password that
    # makes a name with the "p" ("w", "sk", "assord") also takes the next word)
    assume(not (before.endswith("-p") and _NAMED_FLAG.search("p" + value)))
    # (a lone ":" or "=" after a flag named as a password is the name's delimiter:
    # "-storepass : -keystore" reads as "storepass: -keystore")
    assume(value not in (":", "="))
    # (a value "@-" or "@/path" is where the tool reads the value from: curl's "-d @-")
    assume(re.fullmatch(r"@(?:-|[~.]{0,2}/.*)", value) is None)
    # (a value between "%" is a Windows variable's reference: "-p%DB_PW%")
    assume(re.fullmatch(r"%\w+%", value) is None)
    # (a value ending in "=" makes a pair of the next word: "-p OAUTH2_PROXY= host")
    assume(not value.endswith("="))
    # (an auth scheme's word starts a credential of its own: "-p BEARER x")
    assume(value.lower() not in ("bearer", "basic", "token"))
    # (a value that is a secret's field name, "pwd" or "password" in any case, names a
    # field, or stands for the value: "VALUES ('bob', 'PASSWORD')")
    assume(value.lower() not in _NAME_ONLY)
    # (... nor another secret's name, "client_secret", "apiToken": External Secrets'
    # "secretKey: client_secret" names the key)
    assume(_SECRETS_NAME.fullmatch(value) is None)
    # (a value that is a game server's console variable takes the next word as
    # its value: "-p+sv_setsteamaccount shop" reads as "+sv_setsteamaccount <token>")
    assume(not value.startswith("+"))
    text = before + value + after
    # WHEN redacted
    result = _TYPED.redact(text)
    # THEN the value is gone whole (another detector may name it: an "@"
    # or digits can make it an email or a number), and the command is kept
    assert _ANY_LABEL.sub(_SECRET, result) == before + _SECRET + after


@pytest.mark.parametrize(
    "text",
    [
        "ssh -p 2222 deploy@10.0.0.5",
        "docker run --rm -u 1000:1000 -p 8080:80 nginx",
        "docker exec --user app:app web sh",
        "mysql -h db -P 3306 -u app -p shop",
        "curl -s -w '%{http_code}' https://x.example/health",
        "git checkout -b feature/x && git push -u origin HEAD",
        "mkdir -p /srv/app && cp -pr a b && tar -pxzf a.tgz",
        "curl -u $API_USER:$API_PASS https://x.example",
        "ssh -p 2222 host; sshpass -p",
        "sudo -S reboot",
        "rsync -a host:dir/ /srv/backup",
        "WARNING! Using --password via the CLI is insecure. Use --password-stdin.",
    ],
)
def test_flags_that_are_no_password_are_kept(text: str) -> None:
    redacted = _TYPED.redact(text)
    assert "SECRET" not in redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Go's MySQL DSN: the password, not the user or the address
        ("app:Go!pw@tcp(db:3306)/shop", f"app:{_SECRET}@tcp(db:3306)/shop"),
        ("app:pw2@unix(/run/mysqld.sock)/shop", f"app:{_SECRET}@unix(/run/mysqld.sock)/shop"),
        # Oracle's user/password@database, after its tools or in a JDBC URL
        ("sqlplus scott/T1ger@ORCL @x.sql", f"sqlplus scott/{_SECRET}@ORCL @x.sql"),
        ("jdbc:oracle:thin:hr/Hr!pw@//ora:1521/S", f"jdbc:oracle:thin:hr/{_SECRET}@//ora:1521/S"),
        # a proxy's login, with its domain
        (
            "proxy=CORP\\jo:W1nter@proxy.corp.example:8080",
            f"proxy=CORP\\jo:{_SECRET}@proxy.corp.example:8080",
        ),
        # kept: an Oracle URL without a login, a path with "/" before an "@"
        ("jdbc:oracle:thin:@ora01:1521/ORCL", "jdbc:oracle:thin:@ora01:1521/ORCL"),
        ("see icons/logo@2x", "see icons/logo@2x"),
    ],
)
def test_logins_before_an_at_sign(text: str, expected: str) -> None:
    assert _TYPED.redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "login failed with password Sp1ng!field, retrying",
            f"login failed with password {_SECRET}, retrying",
        ),
        ("my password is Kangaroo2024 and", f"my password is {_SECRET} and"),
        ("set the password to Orange$Tree5 now", f"set the password to {_SECRET} now"),
        # words after "password" that no password looks like
        ("password reset requested for user 42", None),
        ("password is incorrect", None),
        ("password hash sha256 mismatch", None),
        ('<wsse:Password Type="PasswordText">[REDACTED]</wsse:Password>', None),
    ],
)
def test_passwords_in_sentences(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


def test_a_named_secret_is_removed_where_it_is_repeated() -> None:
    text = '{"password":"Kat3!Winter*","confirm":"Kat3!Winter*","hint":"Kat3!Winter*x"}'
    # THEN each whole repeat goes; a longer word that holds it is another value
    assert _TYPED.redact(text) == (
        f'{{"password":"{_SECRET}","confirm":"{_SECRET}","hint":"Kat3!Winter*x"}}'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an X12 enrolment: the SSN known by its qualifier (34), again in a reference
        (
            "NM1*IL*1*DOE*JANE****34*523119874~REF*0F*523119874~",
            "NM1*IL*1*DOE*JANE****34*[REDACTED:SSN]~REF*0F*[REDACTED:SSN]~",
        ),
        (
            "Authorization: Bearer abcDEF123456ghiJKL789 echo abcDEF123456ghiJKL789",
            "Authorization: Bearer [REDACTED:TOKEN] echo [REDACTED:TOKEN]",
        ),
        # alone, neither repeat is a value
        ("REF*0F*523119874~", None),
        ("echo abcDEF123456ghiJKL789", None),
        # a number in a longer one is another number
        (
            "NM1*IL*1*DOE*JANE****34*523119874~REF*0F*5231198740~",
            "NM1*IL*1*DOE*JANE****34*[REDACTED:SSN]~REF*0F*5231198740~",
        ),
    ],
)
def test_a_value_known_by_its_place_is_removed_where_it_is_repeated(
    text: str, expected: str | None
) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"key":"smtp.password","value":"m@il;2024"}',
            f'{{"key":"smtp.password","value":"{_SECRET}"}}',
        ),
        (
            "- name: DB_PASSWORD\\n  value: Pg!99\\n- name: X",
            f"- name: DB_PASSWORD\\n  value: {_SECRET}\\n- name: X",
        ),
        ("- name: DB_PASSWORD\n  value: 'Pg!99'", f"- name: DB_PASSWORD\n  value: '{_SECRET}'"),
        ("settings['PASSWORD'] = 'dj4ng0'", f"settings['PASSWORD'] = '{_SECRET}'"),
        ("db:\\n  password: Tr0ub4dor&3\\n  pool: 20", f"db:\\n  password: {_SECRET}\\n  pool: 20"),
        # a secret from another store: its reference, not its value
        ("- name: DB_PASSWORD\n  valueFrom:\n    secretKeyRef: {name: db}", None),
    ],
)
def test_a_password_named_in_another_field(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Rails' bind values, a Python tuple: the pair's value
        (
            '[["email", "a@b.co"], ["password", "Sup3r S3cret"]]',
            f'[["email", "[REDACTED:EMAIL]"], ["password", "{_SECRET}"]]',
        ),
        ("('passwd', 'x,y')", f"('passwd', '{_SECRET}')"),
        # SQL: the literal in the password's column
        (
            "INSERT INTO users (name, password, created_at) VALUES ('bob', 'Tr0ub4dor&3', now())",
            f"INSERT INTO users (name, password, created_at) VALUES ('bob', '{_SECRET}', now())",
        ),
        (
            "insert into `u` (`login`,`pwd`) values ('o''brien', 'it''s, (x)')",
            f"insert into `u` (`login`,`pwd`) values ('o''brien', '{_SECRET}')",
        ),
        (
            'INSERT OR REPLACE INTO "creds" ("password", "n") VALUES (Secr3t, 1)',
            f'INSERT OR REPLACE INTO "creds" ("password", "n") VALUES ({_SECRET}, 1)',
        ),
        # kept: a list of names, bind parameters, a call, a condition
        ('("email", "password", "name")', None),
        ('INSERT INTO "users" ("email", "password") VALUES ($1, $2)', None),
        ("INSERT INTO u (login, password) VALUES (?, ?)", None),
        ("INSERT INTO u (login, password) VALUES (:login, :password)", None),
        ("INSERT INTO u (login, password) VALUES ('a', crypt('x', gen_salt('bf')))", None),
        ("SELECT 1 FROM u WHERE (email, password) IN (...)", None),
        ("reset the password (twice), then log in", None),
    ],
)
def test_a_password_in_a_pair_or_a_sql_column(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "SENTRY_DSN=https://3f2a9c0e5b7d4e1f8a6b2c9d0e1f2a3b@o1.ingest.sentry.io/7",
            f"SENTRY_DSN=https://{_SECRET}@o1.ingest.sentry.io/7",
        ),
        (
            "git clone https://a1b2c3d4e5f6a7b8c9d0e1f2@git.example.com/o/r.git",
            f"git clone https://{_SECRET}@git.example.com/o/r.git",
        ),
        # kept: a user's name, however long, and git's own user
        ("git clone https://deploy_bot_for_production@git.example.com/o/r.git", None),
        ("ssh://git@git.example.com/o/r.git", None),
    ],
)
def test_a_key_as_a_urls_user(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # calls, SQL strings and statements
        ("= PASSWORD('old_pw_99')", f"= PASSWORD('{_SECRET}')"),
        ('.username("rusty").password("Ferr1s#Crab")', f'.username("rusty").password("{_SECRET}")'),
        ("WITH PASSWORD = N'Etl$Load2024', X", f"WITH PASSWORD = N'{_SECRET}', X"),
        (
            'ALTER USER r IDENTIFIED WITH mysql_native_password BY "Repl#1";',
            f'ALTER USER r IDENTIFIED WITH mysql_native_password BY "{_SECRET}";',
        ),
        ("define( 'DB_PASSWORD', 'wp_Db#2024' );", f"define( 'DB_PASSWORD', '{_SECRET}' );"),
        # structures around the value
        ('"adminPassword": {"value": "Arm!Templ8"}', f'"adminPassword": {{"value": "{_SECRET}"}}'),
        ("'password': ['Dj4ngo!x']}", f"'password': ['{_SECRET}']}}"),
        ("UID=report;PWD={Rep0rt;ing};Encrypt=yes", f"UID=report;PWD={{{_SECRET}}};Encrypt=yes"),
        (
            '<property name="hibernate.connection.password">H1bern@te</property>',
            f'<property name="hibernate.connection.password">{_SECRET}</property>',
        ),
        ("<AdminPassword><Value>Unatt3nd!</Value>", f"<AdminPassword><Value>{_SECRET}</Value>"),
        # configuration files and devices
        ("requirepass R3quire_me", f"requirepass {_SECRET}"),
        ("username admin password 0 C1sco!Adm", f"username admin password 0 {_SECRET}"),
        ("enable secret 5 $1$mERr$hx5rVt7rPNo", f"enable secret 5 {_SECRET}"),
        ("password 7 0822455D0A16", f"password 7 {_SECRET}"),
        ("echo 'deploy:Chp4sswd!' | chpasswd", f"echo 'deploy:{_SECRET}' | chpasswd"),
        ("mosquitto_pub -u s -P Mqtt#42x -t t", f"mosquitto_pub -u s -P {_SECRET} -t t"),
        ("snmpget -A auth#1 -X priv#2 sw1", f"snmpget -A {_SECRET} -X {_SECRET} sw1"),
        (
            "cat ~/.pgpass => db:5432:*:repl:Repl1cat0r!",
            f"cat ~/.pgpass => db:5432:*:repl:{_SECRET}",
        ),
        ("wrote ~/.pgpass (mode 0600)", None),
        # kept: references, code that reads the value, getters, plain words, other commands
        ("POSTGRES_PASSWORD=${DB_PASSWORD:?DB_PASSWORD must be set}", None),
        ("pw = os.environ['password']", None),
        # but brackets inside a password are no code
        ("UID=dwh;PWD=Dwh(Load)2024;", f"UID=dwh;PWD={_SECRET};"),
        ("password = getpass.getpass()", None),
        ("db_password: !vault |", None),
        ('cfg.getPassword("db.main")', None),
        ("failed password 0 times", None),
        ("tar -X exclude.txt -A file", None),
    ],
)
def test_passwords_in_calls_structures_and_configuration(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Redis: a command, MONITOR's quoted form, a user before the password
        ("redis> AUTH s3cretRedis", f"redis> AUTH {_SECRET}"),
        ('1718 [0 unix:/r.sock] "AUTH" "m0nitor_x"', f'1718 [0 unix:/r.sock] "AUTH" "{_SECRET}"'),
        (
            "redis.client: AUTH default Red1s-Pw -> OK",
            f"redis.client: AUTH default {_SECRET} -> OK",
        ),
        # RabbitMQ
        ("rabbitmqctl add_user telemetry T3lem!Rmq", f"rabbitmqctl add_user telemetry {_SECRET}"),
        (
            "rabbitmqctl -n rabbit@h change_password ops 'N3w Pass!'",
            f"rabbitmqctl -n rabbit@h change_password ops '{_SECRET}'",
        ),
        # SMTP's and IMAP's AUTH: the credential after the mechanism, if any
        ("C: AUTH PLAIN AGJvYgBodW50ZXIy", f"C: AUTH PLAIN {_SECRET}"),
        ("AUTH LOGIN user=mailer", None),
        ("AUTH XOAUTH2", None),
        # IMAP's LOGIN after its tag: the user, then the password
        ("C: a001 LOGIN jdoe Imap#Pw42", f"C: a001 LOGIN jdoe {_SECRET}"),
        ('A12 LOGIN "ops" "pass W0rd!"', f'A12 LOGIN "ops" "{_SECRET}"'),
        # Windows' net user and net use
        ("net user svc_backup B4ckup!2024 /add", f"net user svc_backup {_SECRET} /add"),
        (
            r"NET USE Z: \\fs01\share Winter2024! /USER:CORP\bob",
            rf"NET USE Z: \\fs01\share {_SECRET} /USER:CORP\bob",
        ),
        ("net user alice * /add", None),
        (r"net use Z: \\fs01\share /user:bob", None),
        ("Failed LOGIN attempt for user bob", None),
        ("S: * OK LOGIN completed", None),
        ("ERR AUTH <password> called without any password configured", None),
        # kept: prose, masks, references, other uses of the word
        ("AUTH failed for user bob", None),
        ("NOAUTH Authentication required", None),
        ('"AUTH" "<redacted>"', None),
        ("rabbitmqctl add_user ops $RMQ_PASS", None),
        ("upstream=auth status=200 oauth flow ok", None),
        ('"auth" "lower-case, as no client sends it"', None),
        ("rabbitmqctl list_users", None),
    ],
)
def test_passwords_as_a_commands_argument(text: str, expected: str | None) -> None:
    assert _TYPED.redact(text) == (text if expected is None else expected)
