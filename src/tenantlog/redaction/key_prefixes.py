"""API keys that announce themselves by a prefix, and private keys in PEM form.

Providers prefix their keys so that secret scanners can find them anywhere,
whatever the parameter or header around them: Stripe ``sk_live_…``,
``rk_live_…`` (and their ``_test_`` twins), GitHub ``ghp_ gho_ ghu_ ghs_
ghr_`` and ``github_pat_``, GitLab ``glpat-``, Slack ``xoxa- xoxb- xoxp-
xoxr- xoxs-`` and ``xapp-``, SendGrid ``SG.…``, Google ``AIza…``,
OpenAI-style ``sk-…``, Grafana ``glc_``/``glsa_``, Shopify ``shpat_ shpss_
shpca_ shppa_``, Square ``sq0atp-``/``sq0csp-``, Postman ``PMAK-``, New
Relic ``NRAK-`` and age's ``AGE-SECRET-KEY-1``. The key is replaced whole; a
private key's PEM block from its ``-----BEGIN`` line to its ``-----END``
line, markers included (the type of key a log held is not worth the risk
of a marker cut in half). Certificates and public keys are public and are
left alone.

Lengths are the least a real key has, lowered where providers' formats
vary; a prefix alone or a short word after it ("sk-learn") is not a key.
"""

from __future__ import annotations

import re

from tenantlog.redaction.kinds import Kind, Scan

# Branches of the combined scan (see ``scans``), which starts them after a
# delimiter: a prefix inside a longer word or id ("mask_sk_live_",
# "desk-top") does not start a key.
BRANCHES = (
    r"[sr]k_(?:live|test)_[A-Za-z0-9]{10,}+(?P<key_stripe>)",
    # One branch per first letter: each branch is a test at every word starting so.
    r"g(?:(?:h[pousr]_[A-Za-z0-9]{20,}+|ithub_pat_[A-Za-z0-9_]{20,}+)(?P<key_github>)"
    r"|l(?:pat-[A-Za-z0-9_\-]{20,}+(?P<key_gitlab>)"
    r"|c_[A-Za-z0-9+/]{32,}+={0,2}(?P<key_grafana>)"
    r"|sa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?P<key_grafana_sa>)))",
    r"x(?:ox[abprs]-[A-Za-z0-9\-]{10,}+(?P<key_slack>)"
    r"|app-[0-9]-[A-Za-z0-9\-]{10,}+(?P<key_slack_app>))",
    r"SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{30,}+(?P<key_sendgrid>)",
    r"A(?:Iza[0-9A-Za-z_\-]{30,}+(?P<key_google>)"
    r"|GE-SECRET-KEY-1[0-9A-Z]{58}(?P<key_age>))",
    r"s(?:k-[A-Za-z0-9_\-]{20,}+(?P<key_openai>)"
    r"|hp(?:at|ss|ca|pa)_[A-Fa-f0-9]{32}(?P<key_shopify>)"
    r"|q0(?:atp|csp)-[0-9A-Za-z_\-]{22,}+(?P<key_square>))",
    r"PMAK-[A-Fa-f0-9]{24}-[A-Fa-f0-9]{34}(?P<key_postman>)",
    r"NRAK-[A-Z0-9]{27}(?P<key_newrelic>)",
)


def _check_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    # A key runs on to the end of its token; "sk-" prefixes words too, so
    # such a key must mix digits or cases and not read as a slug of words.
    if end < len(text) and (text[end].isalnum() or text[end] in "_-"):
        return None
    if text[start + 2] == "-":
        value = text[start + 3 : end]
        if value.isalpha() and (value.islower() or value.isupper()):
            return None
        if "--" in value or value.endswith("-"):
            return None  # "sk-cluster-prod-eu-west-1-nodes-"
    return start, end


KINDS = {
    group: Kind("secrets", "TOKEN", _check_key)
    for group in (
        "key_stripe",
        "key_github",
        "key_slack",
        "key_slack_app",
        "key_gitlab",
        "key_grafana",
        "key_grafana_sa",
        "key_sendgrid",
        "key_google",
        "key_age",
        "key_openai",
        "key_shopify",
        "key_square",
        "key_postman",
        "key_newrelic",
    )
}

# The key types a PEM private key is labelled with: "PRIVATE KEY", "RSA
# PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE
# KEY BLOCK"...
_PEM_BEGIN = r"-----BEGIN (?P<pem_type>(?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?)-----"
_PEM_TYPE = re.compile(_PEM_BEGIN)


def _check_pem(text: str, start: int, end: int) -> tuple[int, int] | None:
    # Up to the END line of the same type; without one (a log cut short) the
    # rest of the text, which is the key's body.
    begin = _PEM_TYPE.match(text, start)
    assert begin is not None  # the scan matched this very pattern
    marker = f"-----END {begin.group('pem_type')}-----"
    found = text.find(marker, end)
    return start, len(text) if found == -1 else found + len(marker)


def may_hold_pem(text: str) -> bool:
    return "-----BEGIN" in text


def may_hold_prefixed_key(text: str) -> bool:
    """Whether a key of ``BRANCHES`` or a PEM block can occur: each holds one of these marks.

    Grouped by a character of their own ("_" or "-"), which one search at
    memory speed rules out for many lines, before the longer marks. Square's
    and age's keys hold a digit in their prefix, which lets a text through
    before this test.
    """
    return (
        (
            "_" in text
            and (
                "_live_" in text
                or "_test_" in text
                or "gh" in text
                or "_pat_" in text
                or "shp" in text
                or "gl" in text
            )
        )
        or (
            "-" in text
            and (
                "sk-" in text
                or "xox" in text
                or "-----BEGIN" in text
                or "glpat-" in text
                or "xapp-" in text
                or "AK-" in text
            )
        )
        or ("z" in text and "AIza" in text)
        or ("." in text and "SG." in text)
    )


# A PEM block may follow a letter: JSON writes its line breaks "\n", so the
# block starts right after an "n". Its scan starts on the rare literal.
PEM_SCAN = Scan(
    _PEM_BEGIN + "(?P<pem_block>)",
    {"pem_block": Kind("secrets", "SECRET", _check_pem)},
    trigger=may_hold_pem,
    flags=re.ASCII,
    # The block is the whole rest of the text when its END line is missing,
    # so nothing is read twice.
    skip_rejected=True,
)
