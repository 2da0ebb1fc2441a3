"""Prefixed API keys are found whole wherever a log quotes them, and only them.

Providers prefix their keys so that scanners can find them in any context;
each key below is tried bare, in an environment assignment, a JSON field,
a header, prose and quotes. The near misses are words, ids and publishable
keys that share a prefix, and keys cut short or glued to a longer token.
"""

from __future__ import annotations

import pytest

from tenantlog.redaction import Redaction, Redactor

_HEX64 = "0123456789abcdef" * 4
_ALNUM = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"  # 36 characters
_LETTERS = "AbCdEfGhIjKlMnOpQrStUvWxYz"  # 26 characters

KEYS = {
    "npm": "npm_" + _ALNUM,
    "pypi": "pypi-AgEIcHlwaS5vcmc" + "CJDEyMzQ1Njc4LTEyMzQtMTIzNC0xMjM0LTEyMzQ1Njc4OTAxMgACKlsz",
    "huggingface": "hf_" + _LETTERS + "AbCdEfGh",
    "vault_service": "hvs.CAESIJ3kZ8L1xQvBn7mYtR2pWsKdFgHjKlZxCvBnMqWeRtYu",
    "vault_batch": "hvb.AAAAAQJdE3kZ8L1xQvBn7mYtR2pWsKdFgHjKl",
    "vault_recovery": "hvr.AbCdEfGhIjKlMnOpQrStUvWxYz",
    "digitalocean_pat": "dop_v1_" + _HEX64,
    "digitalocean_oauth": "doo_v1_" + _HEX64,
    "digitalocean_refresh": "dor_v1_" + _HEX64,
    "linear": "lin_api_" + _ALNUM + "AbCd",
    "databricks": "dapi" + _HEX64[:32],
    "pulumi": "pul-" + _HEX64[:40],
    "sentry_user": "sntryu_" + _HEX64,
    "sentry_org": "sntrys_eyJpYXQiOjE2ODQ4MjYxNTMuMjQzNzA0LCJ1cmwiOiJodHRwczovL3NlbnRyeS5pbyJ9_"
    + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfG",
    "notion": "ntn_" + "123456789012" + _ALNUM[:34],
    "notion_legacy": "secret_" + _ALNUM + "AbCdEfG",
    "buildkite": "bkua_" + _HEX64[:40],
    "contentful": "CFPAT-" + _ALNUM + "AbCdEfG",
    "dynatrace": "dt0c01.ABCDEFGHIJKLMNOPQRSTUVWX." + (_LETTERS.upper() + "0123456789" * 4)[:64],
    "mapbox": "sk.eyJ1IjoibWFwYm94IiwiYSI6ImNqZXh0In0.AbCdEfGhIjKlMnOpQrStUv",
    "heroku": "HRKU-AA" + _ALNUM + "abcdefghijklmnopqrstuv",
    "atlassian": "ATATT3xFfGF0" + _ALNUM * 5 + "=0123ABCD",
    "doppler_personal": "dp.pt." + _ALNUM + "AbCdEfG",
    "doppler_service": "dp.st." + _ALNUM + "AbCdEfG",
    "doppler_scim": "dp.scim." + _ALNUM + "AbCdEfG",
    "stripe_webhook": "whsec_" + _ALNUM,
    "twilio_key": "SK" + _HEX64[:32],
    "twilio_account": "AC" + _HEX64[16:48],
    "gitlab_runner": "glrt-" + _LETTERS[:20],
    "gitlab_deploy": "gldt-" + _LETTERS[:20],
    "gitlab_trigger": "glptt-" + _HEX64[:40],
    "gitlab_feed": "glft-" + _LETTERS[:20],
    "gitlab_scim": "glsoat-" + _LETTERS[:20],
    "groq": "gsk_" + _ALNUM + _LETTERS[:16],
    "replicate": "r8_" + _ALNUM + "A",
    "brevo": "xkeysib-" + _HEX64 + "-" + _LETTERS[:16],
    "xai": "xai-" + _ALNUM * 2 + "AbCdEfGh",
    "google_oauth_secret": "GOCSPX-" + _LETTERS + "01",
    "telegram": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",
    "slack_webhook": "https://hooks.slack.com/services/T00000000/B00000000/" + _LETTERS[:24],
}

_CONTEXTS = (
    "{key}",
    "export API_CREDENTIAL={key}",
    '{{"credential": "{key}", "level": "info"}}',
    "X-Upstream-Auth: {key}",
    "deploy failed: the provider refused {key} for this project",
    "config loaded with '{key}' from the vault",
)


def _redact(text: str) -> Redaction:
    return Redactor(style="typed").redact_counted(text)


def test_every_key_is_exactly_as_long_as_its_format() -> None:
    # The fixture's keys are themselves checked, so that a test does not
    # pass by a key longer or shorter than a real one.
    lengths = {"npm": 40, "huggingface": 37, "databricks": 36, "pulumi": 44, "linear": 48}
    lengths.update({"twilio_key": 34, "twilio_account": 34, "groq": 56, "replicate": 40})
    lengths.update({"xai": 84, "google_oauth_secret": 35, "brevo": 89, "heroku": 65})
    lengths.update({"contentful": 49, "buildkite": 45, "dynatrace": 96, "stripe_webhook": 42})
    for name, length in lengths.items():
        assert len(KEYS[name]) == length, name


@pytest.mark.parametrize("context", _CONTEXTS)
@pytest.mark.parametrize("name", sorted(KEYS))
def test_prefixed_key_is_found_whole_in_context(name: str, context: str) -> None:
    # GIVEN a key in a line; WHEN redacted THEN the whole key is one TOKEN
    text = context.format(key=KEYS[name])
    assert _redact(text) == Redaction(context.format(key="[REDACTED:TOKEN]"), {"TOKEN": 1})


@pytest.mark.parametrize("name", sorted(KEYS))
def test_prefixed_key_is_found_by_a_tenant_with_secrets_alone(name: str) -> None:
    # A plan with the secrets detector alone lets each key through by its own
    # marks: a digit in or before the key counts for it too.
    text = f"using {KEYS[name]} now"
    result = Redactor(["secrets"], style="typed").redact_counted(text)
    assert result == Redaction("using [REDACTED:TOKEN] now", {"TOKEN": 1})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The bot's id is part of the token, at the start of the text too,
        # and in the Bot API's own path.
        ("12345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1", "[REDACTED:TOKEN]"),
        ("bot=1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1", "bot=[REDACTED:TOKEN]"),
        (
            "GET https://api.telegram.org/bot1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1/getMe",
            "GET https://api.telegram.org/bot[REDACTED:TOKEN]/getMe",
        ),
        # A webhook's URL is the secret, with or without its scheme.
        ("hooks.slack.com/services/T00000000/B00000000/" + _LETTERS[:24], "[REDACTED:TOKEN]"),
        (
            "POST http://hooks.slack.com/services/T00000000/B00000000/" + _LETTERS[:24],
            "POST [REDACTED:TOKEN]",
        ),
    ],
)
def test_key_with_a_part_before_its_prefix(text: str, expected: str) -> None:
    assert _redact(text) == Redaction(expected, {"TOKEN": 1})


@pytest.mark.parametrize(
    "text",
    [
        "id 1234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",  # a bot id is 8 to 10 digits
        "x=ab12345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",  # glued to a word
    ],
)
def test_telegram_near_miss_is_kept(text: str) -> None:
    kept = Redactor(["secrets"], style="typed").redact_counted(text)
    assert kept.counts == {}


def test_okta_scheme_keeps_its_name() -> None:
    token = "00" + _ALNUM + "AbCd"
    text = f"Authorization: SSWS {token}"
    assert _redact(text) == Redaction("Authorization: SSWS [REDACTED:TOKEN]", {"TOKEN": 1})


@pytest.mark.parametrize(
    "text",
    [
        "pk_live_AbCdEfGhIjKlMnOpQrStUvWx",  # publishable: meant for browsers
        "txn_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "ord_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "pi_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        "pip install sk-learn and hf_hub_download",
        "npm_config_cache=/home/app/.npm",
        "the dapi endpoint answered",
        "hf_" + _LETTERS,  # too short for a token
        "npm_" + _ALNUM[:30],
        "mask_npm_" + _ALNUM,  # inside a longer word
        "npm_" + _ALNUM + "X",  # longer than a token
        "pul-" + "g" * 40,  # not hex
        "SKU" + _HEX64[:32],
        "SK" + "abcdef" * 5 + "ab",  # hex without a digit: not taken for a key
        "dapi" + _HEX64[:31],
        "hvs.short",
        "dp.pt.short",
        "whsec_short",
        "secret_" + _ALNUM,  # shorter than Notion's 43
        "12345:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",  # a bot id is 8 to 10 digits
        "id-123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",
        "https://example.com/services/T00000000/B00000000/" + _LETTERS[:24],
        "Authorization: SSWS short",
    ],
)
def test_near_miss_is_kept(text: str) -> None:
    # GIVEN a word, id or value that shares a prefix; WHEN redacted THEN kept
    assert Redactor(["secrets"], style="typed").redact_counted(text) == Redaction(text, {})
