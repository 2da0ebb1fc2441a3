"""Secrets in one program's syntax (``program_secrets``): a value of any shape is
removed whole from each syntax, and the words around it stay."""

from __future__ import annotations

import re
import string

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tenantlog.redaction import Redactor
from tests.unit.redaction.test_redaction_secrets_properties import _plausible

_TYPED = Redactor(style="typed")
_SECRET = "[REDACTED:SECRET]"
_ANY_LABEL = re.compile(r"\[REDACTED:[A-Z_]+\]")

# What a quoted value may hold in every syntax below: no quote, no "<", no "$"
# (a shell's variable is echoed as a reference), no line break.
_VALUE = st.text(
    string.ascii_letters + string.digits + "!#%*+-./:=?@^_~ ,;&()[]{}|", min_size=4, max_size=24
)

# Each syntax, and what it comes out as: "{}" is the value; a fixed secret of its
# own is written as its placeholder in the second.
_SYNTAXES = st.sampled_from(
    [
        *(
            (template, template)
            for template in (
                'ipsec.secrets: carol : XAUTH "{}"',
                "+ echo '{}' | sudo -S systemctl restart app",
                "#0 Connector.php(70): PDO->__construct('mysql:host=db', 'app', '{}', Array)",
                "await page.fill('#password', '{}');",
                "\t<key>Password</key>\n\t<string>{}</string>",
            )
        ),
        ('  ~ db_password = "Old-1!x" -> "{}"', f'  ~ db_password = "{_SECRET}" -> "{{}}"'),
        (
            'snmp-server user nms G v3 auth sha "{}" priv aes 128 "Pv9!privKey"',
            f'snmp-server user nms G v3 auth sha "{{}}" priv aes 128 "{_SECRET}"',
        ),
    ]
)


@settings(max_examples=300)
@given(_SYNTAXES, _VALUE)
def test_a_value_in_each_programs_syntax_is_removed_whole(
    syntax: tuple[str, str], value: str
) -> None:
    template, expected = syntax
    assume(_plausible(value) and value.strip() == value)
    # a number or a word alone is a setting's new value, not a password
    assume(not value.isdigit() and not value.isalpha())
    # (a value that holds an address or a key of its own gives it a label of its own)
    assume("@" not in value)
    redacted = _TYPED.redact(template.format(value))
    assert _ANY_LABEL.sub(_SECRET, redacted) == expected.format(_SECRET)
