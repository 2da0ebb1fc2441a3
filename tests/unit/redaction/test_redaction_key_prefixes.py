"""Prefixed API keys are found whole wherever a log quotes them, and only them.

Providers prefix their keys so that scanners can find them in any context;
each key below is tried bare, in an environment assignment, a JSON field,
a header, prose and quotes. The near misses are words, ids and publishable
keys that share a prefix, and keys cut short or glued to a longer token.
"""

from __future__ import annotations

import re

import pytest

from tenantlog.redaction import Redaction, Redactor

_HEX64 = "0123456789abcdef" * 4
_ALNUM = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"  # 36 characters
_LETTERS = "AbCdEfGhIjKlMnOpQrStUvWxYz"  # 26 characters
# Mailchimp's keys: 32 lower-case hex and the data centre.
_MAILCHIMP_HEX = "3f9c2a7b1e0d4c8a9b6f5e4d3c2b1a0f"

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
    "perplexity": "pplx-" + _ALNUM + "AbCdEfGhIjKl",
    "heroku_without_aa": "HRKU-" + "a1B2-c3D4_" * 6,
    "netlify": "nfp_" + _ALNUM,
    "netlify_long": "nfp_" + _ALNUM + "AbCd",
    "shippo_live": "shippo_live_" + _HEX64[:40],
    "shippo_test": "shippo_test_" + _HEX64[24:64],
    "mailchimp": _MAILCHIMP_HEX + "-us14",
    "mailchimp_digits_first": "0123456789" + _HEX64[10:32] + "-us6",
    "mailchimp_b": "b" + _MAILCHIMP_HEX[1:] + "-us21",
    "mailchimp_d": "d" + _MAILCHIMP_HEX[1:] + "-us3",
    # found from its suffix: whatever its first hex character
    "mailchimp_a": "a" + _MAILCHIMP_HEX[1:] + "-us3",
    "mailchimp_f": "f" + _MAILCHIMP_HEX[1:] + "-us19",
    "supabase": "sbp_" + _HEX64[:40],
    "docker": "dckr_pat_" + _ALNUM[:25] + "-_",
    "docker_org": "dckr_oat_" + _ALNUM[:32],
    "planetscale_token": "pscale_tkn_" + _ALNUM + "AbCdEfG",
    "planetscale_password": "pscale_pw_" + _ALNUM + "AbCdEfG",
    "planetscale_oauth": "pscale_oauth_" + _ALNUM + "AbCdEfG",
    "langsmith_personal": "lsv2_pt_" + _HEX64[:32] + "_" + _HEX64[:10],
    "langsmith_service": "lsv2_sk_" + _HEX64[32:] + "_" + _HEX64[5:15],
    "anthropic": "sk-ant-api03-" + (_ALNUM + "-_") * 2 + _ALNUM[:17] + "AA",
    "anthropic_admin": "sk-ant-admin01-" + (_ALNUM + "-_") * 2 + _ALNUM[:17] + "AA",
    "deepseek": "sk-" + _HEX64[:32],
    "openrouter": "sk-or-v1-" + _HEX64,
    "clerk": "sk_live_" + _ALNUM + "AbCd",
    "gitlab_ci_job": "glcbt-64_" + _ALNUM[:20],
    "gitlab_incoming_mail": "glimt-" + _ALNUM[:25],
    "gitlab_agent": "glagent-" + _ALNUM + _LETTERS[:14],
    "gitlab_oauth_secret": "gloas-" + _HEX64,
    "slack_refresh": "xoxe-1-" + _ALNUM * 3,
    "slack_config": "xoxe.xoxp-1-" + _ALNUM * 3,
}

_CONTEXTS = (
    "{key}",
    "export API_IDENTITY={key}",
    '{{"identity": "{key}", "level": "info"}}',
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
    lengths.update({"perplexity": 53, "heroku_without_aa": 65, "netlify": 40, "netlify_long": 44})
    lengths.update({"shippo_live": 52, "shippo_test": 52, "supabase": 44, "docker": 36})
    lengths.update({"langsmith_personal": 51, "langsmith_service": 51, "anthropic": 108})
    lengths.update({"deepseek": 35, "planetscale_token": 54})
    lengths.update({"mailchimp": 37, "mailchimp_digits_first": 36, "mailchimp_b": 37})
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
        # A webhook's last segment is its secret, with or without the URL's
        # scheme; the workspace's and channel's ids stay.
        (
            "hooks.slack.com/services/T00000000/B00000000/" + _LETTERS[:24],
            "hooks.slack.com/services/T00000000/B00000000/[REDACTED:TOKEN]",
        ),
        (
            "POST http://hooks.slack.com/services/T00000000/B00000000/" + _LETTERS[:24],
            "POST http://hooks.slack.com/services/T00000000/B00000000/[REDACTED:TOKEN]",
        ),
        (
            "POST https://discord.com/api/webhooks/1182736450918273645/" + _ALNUM * 2 + " 204",
            "POST https://discord.com/api/webhooks/1182736450918273645/[REDACTED:TOKEN] 204",
        ),
    ],
)
def test_key_with_a_part_before_its_prefix(text: str, expected: str) -> None:
    assert _redact(text) == Redaction(expected, {"TOKEN": 1})


@pytest.mark.parametrize(
    "text",
    [
        "id 1234567:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",  # a bot id is 8 to 10 digits
        # a Twilio account's id named as one, or in the API's path: an id
        "TWILIO_ACCOUNT_SID=AC" + _HEX64[16:48],
        "AccountSid=AC" + _HEX64[16:48] + " MessageStatus=delivered",
        "GET /2010-04-01/Accounts/AC" + _HEX64[16:48] + "/Messages.json 201",
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
        "pplx-",  # a prefix alone
        "pplx-" + _ALNUM + "AbCdEfGhIjK",  # one short
        "api-pplx-" + _ALNUM + "AbCdEfGhIjKl",  # inside a longer word
        "HRKU-",
        "HRKU-" + _ALNUM,
        "the HRKU-rotation job",
        "nfp_",
        "nfp_" + _ALNUM[:35],
        "nfp_" + _ALNUM + "AbCdE",  # longer than a token
        "mnfp_" + _ALNUM,
        "shippo_live_",
        "shippo_live_" + _HEX64[:39],
        "shippo_test_" + "g" * 40,  # not hex
        "my_shippo_live_" + _HEX64[:40],
        "sbp_" + _HEX64[:39],
        "sbp_" + "abcdef" * 6 + "abcd",  # hex without a digit
        "dckr_pat_",
        "dckr_pat_short",
        "pscale_tkn_",
        "pscale_tkn_" + _ALNUM[:31],
        "pscale_conn_" + _ALNUM,
        "lsv2_pt_" + _HEX64[:32],
        "lsv2_pt_" + _HEX64[:31] + "_" + _HEX64[:10],
        _MAILCHIMP_HEX[1:] + "-us14",  # 31 hex
        _MAILCHIMP_HEX + "-us",
        _MAILCHIMP_HEX + "-us123",
        _MAILCHIMP_HEX + "-user",
        _MAILCHIMP_HEX + "-eu1",
        "0" + _MAILCHIMP_HEX + "-us14",  # 33 hex
        "id-" + _MAILCHIMP_HEX + "-us14",  # inside a longer id
        "3F9C2A7B1E0D4C8A9B6F5E4D3C2B1A0F-us14",  # upper case
        "glcbt-short",
        "xoxe-1",
        "xoxe.xoxp-",
    ],
)
def test_near_miss_is_kept(text: str) -> None:
    # GIVEN a word, id or value that shares a prefix; WHEN redacted THEN kept
    assert Redactor(["secrets"], style="typed").redact_counted(text) == Redaction(text, {})


# Azure AD's client secrets: three signs, a digit, "Q~", 34 more (40 in all).
_AZURE_SECRET = "7RZ8Q~V910cS84K8kS2Rekyaby1w4f3LCUIZ4y0p"


@pytest.mark.parametrize(
    "context",
    [
        "{key}",
        "AZURE_CLIENT_SECRET={key}",
        '{{"clientSecret": "{key}", "tenant": "contoso"}}',
        "secreto de cliente {key} (vence 2025-11-30)",
        "az ad sp credential reset returned '{key}'",
    ],
)
def test_an_azure_client_secret_is_found_by_its_mark_whatever_names_it(context: str) -> None:
    # (Under a secret's name the name's scan may find it first, as a TOKEN.)
    assert len(_AZURE_SECRET) == 40
    result = _redact(context.format(key=_AZURE_SECRET))
    assert sum(result.counts.values()) == 1
    assert re.sub(r"\[REDACTED:[A-Z]+\]", "[REDACTED]", result.text) == context.format(
        key="[REDACTED]"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Q~ is a tilde after a capital, " + "x" * 40,  # no three signs and a digit before it
        "abcd8Q~V910cS84K8kS2Rekyaby1w4f3LCUIZ4y0p",  # four signs before the digit
        "7RZ8Q~short",  # too short after the mark
        "7RZ8Q~" + "a" * 40,  # too long after it
        "7RZxQ~V910cS84K8kS2Rekyaby1w4f3LCUIZ4y0p",  # no digit before the mark
    ],
)
def test_near_misses_of_an_azure_secret_are_kept(text: str) -> None:
    assert _redact(text) == Redaction(text, {})


def test_a_shodan_key_given_to_its_cli_is_found() -> None:
    text = "analyst@soc:~$ shodan init eAXuQ6mfagfV12VR6PyeBUnFowlObScc\nSuccessfully initialized"
    redacted = "analyst@soc:~$ shodan init [REDACTED:TOKEN]\nSuccessfully initialized"
    assert _redact(text).text == redacted
