"""Secrets where software and people put them: in sentences, calls, connection
strings, cookies, signed URLs and configuration written with spaces.

And the near misses each rule must keep: messages after a password's name,
masks that show a few characters, references, data keys, fingerprints.
"""

from __future__ import annotations

import pytest

from tenantlog.redaction import Redactor

_TYPED = Redactor(style="typed")
_SECRET = "[REDACTED:SECRET]"
_TOKEN = "[REDACTED:TOKEN]"
_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
_KEY_ID_OUT = "[REDACTED:AWS_KEY]"
_HEX64 = "6f1ed002ab5595859014ebf0951522d9a8f7dc3b5b2e8a4c9d1e0f7a6b5c4d3e"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # sentences: words between the name and its verb, a quoted value after it
        (
            "the password we agreed on was Tulip#2031 ok",
            f"the password we agreed on was {_SECRET} ok",
        ),
        ('his old pw was "river2040", rotate', f'his old pw was "{_SECRET}", rotate'),
        ('admin password set to "Adm1n#x" by ops', f'admin password set to "{_SECRET}" by ops'),
        # configuration with a space: Cisco's secret, a secret key in base64, .netrc
        (
            "username ops privilege 15 secret Sw1tch#Pw",
            f"username ops privilege 15 secret {_SECRET}",
        ),
        (
            "aws_secret_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY bucket",
            f"aws_secret_key {_SECRET} bucket",
        ),
        (
            "machine git.example.com login ci password 9f86d081884c7d659a2feaa0",
            f"machine git.example.com login ci password {_SECRET}",
        ),
        # names: credentials, a connection string's keys with spaces
        ('bindCredential="Ld4p!Bind"', f'bindCredential="{_SECRET}"'),
        (
            "Server=db;User Id=app;Pwd=Db#Pass1;Connect Timeout=30",
            f"Server=db;User Id=app;Pwd={_SECRET};Connect Timeout=30",
        ),
        ("password='o''reilly-Pw1' next", f"password='{_SECRET}' next"),
        # calls: a login's second string, a connect's third, a hashed literal
        ("ftp.login('backup', 'Ftp#Back2')", f"ftp.login('backup', '{_SECRET}')"),
        (
            'conn.simple_bind_s("cn=ro,dc=x", "R3ad!only")',
            f'conn.simple_bind_s("cn=ro,dc=x", "{_SECRET}")',
        ),
        (
            'DBI->connect("dbi:mysql:app", "app", "Perl#Db9")',
            f'DBI->connect("dbi:mysql:app", "app", "{_SECRET}")',
        ),
        ("new PDO($dsn, 'web', 'Php!Pdo7')", f"new PDO($dsn, 'web', '{_SECRET}')"),
        ("'password' => Hash::make('Lara!vel8')", f"'password' => Hash::make('{_SECRET}')"),
        (
            "params {username=[ann], password=[Spr1ng!x]}",
            f"params {{username=[ann], password=[{_SECRET}]}}",
        ),
        # command lines: IMAP-like and Redis arguments, a here-string, ipmitool, brackets
        ('"AUTH redisPw42" received', f'"AUTH {_SECRET}" received'),
        ("ACL SETUSER app on >Acl#Pw9 ~* +@all", f"ACL SETUSER app on >{_SECRET} ~* +@all"),
        ('sudo -S <<< "Sud0!pw" whoami', f'sudo -S <<< "{_SECRET}" whoami'),
        (
            "ipmitool -H bmc -U admin -P Ipmi#42 power status",
            f"ipmitool -H bmc -U admin -P {_SECRET} power status",
        ),
        ("(docker login -u ci -p Reg!stry9)", f"(docker login -u ci -p {_SECRET})"),
        (
            "cmdkey /add:fs /user:CORP\\ann /pass:Cmd#Key1",
            f"cmdkey /add:fs /user:CORP\\ann /pass:{_SECRET}",
        ),
        # other languages: a verb, a colon after words, a full-width colon
        ("la contraseña es Mar#Azul77, gracias", f"la contraseña es {_SECRET}, gracias"),
        ("Mot de passe provisoire : Bienvenue2031!", f"Mot de passe provisoire : {_SECRET}"),
        ("пароль от админки: Zima_2031#", f"пароль от админки: {_SECRET}"),
        ("初期パスワード: Hello456!jp です", f"初期パスワード: {_SECRET} です"),
        ("密码\uff1aShanghai@2031\uff0c请勿外传", f"密码\uff1a{_SECRET}\uff0c请勿外传"),
        # names glued to a short word, Cisco without a type, ODBC's escaped brace
        ("uname=BK|initpw=Init!2031xx|role=Z", f"uname=BK|initpw={_SECRET}|role=Z"),
        (
            "setSysAdm?admuser=admin&admpass=Rout3r!X&submit=1",
            f"setSysAdm?admuser=admin&admpass={_SECRET}&submit=1",
        ),
        ("enable password En@ble8", f"enable password {_SECRET}"),
        ("Uid=rw;Pwd={Cl@ims;Rw}}8};", f"Uid=rw;Pwd={{{_SECRET}}};"),
        # logins: a user given before "-p", lftp, DB2, requests' auth tuple, a credential
        ('hdbsql -u SYSTEM -p Hana!Sys02 "SELECT 1"', f'hdbsql -u SYSTEM -p {_SECRET} "SELECT 1"'),
        ("lftp -u 'upload,Upl0ad;3' sftp://files", f"lftp -u 'upload,{_SECRET}' sftp://files"),
        (
            "CONNECT TO SAMPLE USER db2inst1 USING Db2!Inst2",
            f"CONNECT TO SAMPLE USER db2inst1 USING {_SECRET}",
        ),
        (
            'requests.get(u, auth=("svc", "Svc!Pass9"))',
            f'requests.get(u, auth=("svc", "{_SECRET}"))',
        ),
        (
            'new NetworkCredential("relay", "R3lay#Net2")',
            f'new NetworkCredential("relay", "{_SECRET}")',
        ),
        # a name inside a password names nothing: the archive after it stays
        ("zip -r -P Zip!Secret7 payroll.zip ./p/", f"zip -r -P {_SECRET} payroll.zip ./p/"),
        # a URL's user that is an address
        (
            "smtp://alerts@example.org:Sm7p@Pw@mail.example.org:587",
            "smtp://[REDACTED:EMAIL]:" + _SECRET + "@mail.example.org:587",
        ),
    ],
)
def test_passwords_where_they_are_used(text: str, expected: str) -> None:
    assert _TYPED.redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # signatures of signed requests and URLs
        (
            f"GET /o?X-Amz-Credential={_KEY_ID}%2F20240101%2Feu-1&X-Amz-Signature={_HEX64}",
            f"GET /o?X-Amz-Credential={_KEY_ID_OUT}%2F20240101%2Feu-1&X-Amz-Signature={_TOKEN}",
        ),
        (
            f"Credential={_KEY_ID}/20240101/eu-west-1/sqs/aws4_request, Signature={_HEX64}",
            f"Credential={_KEY_ID_OUT}/20240101/eu-west-1/sqs/aws4_request, Signature={_TOKEN}",
        ),
        # a bare "key" whose value no person wrote; authentication cookies
        ("app_id=42 key=9c1f3e5a7b2d4c6e8f0a1b3c cluster=eu", f"app_id=42 key={_TOKEN} cluster=eu"),
        (
            '{"kid":"k1","key":"Qm9vaDN+Zm9vL2Jhcj1iYXo4OUFCQ0RFRkc="}',
            f'{{"kid":"k1","key":"{_TOKEN}"}}',
        ),
        (
            "Cookie: .ASPXAUTH=0A1B2C3D4E5F60718293A4B5C6D7E8F9; lang=en",
            f"Cookie: .ASPXAUTH={_TOKEN}; lang=en",
        ),
        (
            "Cookie: .AspNetCore.Cookies=CfDJ8AbCdEf12345; x=1",
            f"Cookie: .AspNetCore.Cookies={_TOKEN}; x=1",
        ),
        # a session no person could have written, outside a cookie header too
        (
            "laravel_session=TdsibGushx6gCcW/AYlMPWM/G+rqq7x7pSZr; x=1",
            f"laravel_session={_TOKEN}; x=1",
        ),
        # a HAR export's cookies, written as name and value fields
        (
            '"cookies": [{"name": "PHPSESSID", "value": "8f1c2a9b7d6e5f4a3b2c1d0e9f8a7b6c"}]',
            f'"cookies": [{{"name": "PHPSESSID", "value": "{_TOKEN}"}}]',
        ),
        (
            '{"name":"laravel_session","value":"eyJpdiI6IkR4b1B3Wm5HQ2h6eWxT","path":"/"}',
            f'{{"name":"laravel_session","value":"{_TOKEN}","path":"/"}}',
        ),
        # one token whose parts a "$" joins
        ("access_token=access_token$sandbox$a1b2c3d4$e5f6", f"access_token={_TOKEN}"),
    ],
)
def test_tokens_where_they_are_used(text: str, expected: str) -> None:
    assert _TYPED.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Invalid password: must be at least 12 characters",
        "credentials: expired for user ann",
        "password for user1 is incorrect",
        "the password policy for tenant 42 is strict",
        "secret_key ****************9fKd loaded",
        "api_key=sk_live_...4f2a rotated",
        "key=user:42:profile",
        "key=tenant-0042-orders-2024",
        "signature=valid",
        "GITHUB_TOKEN=$GITHUB_TOKEN",
        # a session's id as a field elsewhere is a correlation id, a count a count
        '{"name": "session_id", "value": "3f2a1b0c-4d5e-6f70-8192-a3b4c5d6e7f8"}',
        '{"name": "sessions_active", "value": 42}',
        "client.login(username, password)",
        "conn = sqlite3.connect('app.db')",
        "password = getpass.getpass()",
        '"fingerprint":"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"',
        "Failed LOGIN attempt for user bob",
        # a constructor is no value; Postfix's and ISO 8583's "AUTH"; OAuth's token type
        "Credentials = new CredentialCache()",
        "lost connection after AUTH from unknown[host]",
        "AUTH REQ 0100 DE4=000000001000",
        "token_type=Bearer expires_in=3600",
        # a SIP user, ports after -p, MySQL's prompt, a correlation id, prose
        "contact=sip:1001@pbx.example:5060",
        "docker run -u 1000 -p 8080:80 nginx",
        "mysql -h db -u app -p shop",
        "session_id=3f2a9c0e5b7d4e1f8a6b2c9d ok",
        "password reset for user bob: done",
        "zip -r -P [REDACTED] payroll_2031.zip",
    ],
)
def test_near_misses_are_kept(text: str) -> None:
    assert _TYPED.redact(text) == text
