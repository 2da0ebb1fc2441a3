"""API keys that announce themselves by a prefix, and private keys in PEM form.

Providers prefix their keys so that secret scanners can find them anywhere,
whatever the parameter or header around them:

* Stripe ``sk_live_…``, ``rk_live_…`` (and their ``_test_`` twins, which
  Clerk's keys share) and webhook secrets ``whsec_``; Shippo
  ``shippo_live_``/``shippo_test_``; Twilio ``SK…`` and ``AC…`` (32 hex; an
  ``AC…`` named as the account's id, ``AccountSid=``, stays);
  Discord's bot tokens; Firebase Cloud Messaging's server keys
  ``AAAA…:APA91b…``; NATS' nkey seeds ``SU…``, ``SA…``, ``SO…``; Mailchimp
  ``<32 hex>-us<n>`` and Azure AD's client secrets ``<3 signs><digit>Q~…``
  (``INFIX_SCAN``, found by the mark inside them);
* GitHub ``ghp_ gho_ ghu_ ghs_ ghr_`` and ``github_pat_``; GitLab
  ``glpat- glrt- gldt- glptt- glft- glsoat- glcbt- glimt- glagent-
  gloas-``; Buildkite ``bkua_``; npm ``npm_``; crates.io ``cio…``; Snowflake
  ``ver:1-hint:…``; PyPI ``pypi-AgEIcHlwaS5vcmc…``; Pulumi ``pul-``; Docker Hub
  ``dckr_pat_``/``dckr_oat_``; Netlify ``nfp_``; Supabase ``sbp_``;
  PlanetScale ``pscale_tkn_ pscale_pw_ pscale_oauth_``;
* Slack ``xoxa- xoxb- xoxp- xoxr- xoxs- xoxe-``, ``xoxe.xoxp-``,
  ``xapp-`` and incoming webhook URLs
  (``https://hooks.slack.com/services/T…/B…/…``, and Discord's
  ``https://discord.com/api/webhooks/…``: their last segment, the ids kept);
  Telegram bot tokens (``<bot id>:AA…``, the id included);
* SendGrid ``SG.…``; Brevo ``xkeysib-``; Postman ``PMAK-``; New Relic
  ``NRAK-``; Sentry ``sntryu_``/``sntrys_``; Dynatrace ``dt0c01.``;
  Contentful ``CFPAT-``; Notion ``ntn_`` and ``secret_``; Linear
  ``lin_api_``; Atlassian ``ATATT3``; Airtable ``pat…``; Heroku ``HRKU-``;
  Mapbox secret tokens ``sk.eyJ…``;
* Google ``AIza…``, OAuth client secrets ``GOCSPX-``, access tokens ``ya29.`` and
  refresh tokens ``1//0…``; OpenAI-style
  ``sk-…`` (Anthropic's ``sk-ant-``, DeepSeek's, OpenRouter's ``sk-or-``
  too); xAI ``xai-``; Groq ``gsk_``; Replicate ``r8_``; Hugging Face
  ``hf_``; Perplexity ``pplx-``; LangSmith ``lsv2_pt_``/``lsv2_sk_``;
  Grafana ``glc_``/``glsa_``; RubyGems ``rubygems_``; Figma ``figd_``; Twitch's
  stream keys ``live_<channel>_…``;
* Alibaba Cloud ``LTAI`` key ids, Tencent Cloud ``AKID``, Mercado Pago
  ``APP_USR-``, Xendit ``xnd_production_``/``xnd_development_``, Dropbox
  ``sl.``, Fly.io ``fm2_`` (after ``FlyV1``), Salesforce's ``00D…!…`` sessions;
  HubSpot's ``pat-na1-…``; CAS' tickets ``ST-…``;
* HashiCorp Vault ``hvs. hvb. hvr.``; Doppler ``dp.pt. dp.st. dp.sa.
  dp.ct. dp.scim.``; DigitalOcean ``dop_v1_ doo_v1_ dor_v1_``; Databricks
  ``dapi``; Shopify ``shpat_ shpss_ shpca_ shppa_``; Square
  ``sq0atp-``/``sq0csp-``; age's ``AGE-SECRET-KEY-1``; JFrog's ``AKCp…``;
  Mailgun's ``key-<32 hex>``; Okta's
  ``SSWS <token>`` scheme (the token alone, as for "Bearer"); Expo's push
  tokens ``ExponentPushToken[…]`` (what the brackets hold); PASETO's
  ``v4.local.…`` and ``v4.public.…`` tokens; Tailscale's ``tskey-…``;
  NuGet's ``oy2…``; BIP32's extended private keys ``xprv…`` (``tprv``,
  ``yprv``, ``zprv``...); Adyen's ``AQE…``; SumUp's ``sup_sk_``; Sabre's
  session tokens ``T1RLAQ…``; Checkout.com's ``sk_sbox_``; connect-redis'
  ``sess:<id>``; Laravel Passport's ``def50200…`` tokens; hapi's sealed cookies
  ``Fe26.2**…`` (Kibana's ``sid``); WooCommerce's ``ck_``/``cs_`` keys; eBay's
  ``v^1.1#i^1#…`` and ``AgAAAA**…`` tokens; New Relic's licence keys ``…NRAL``
  (``INFIX_SCAN``).

The key is replaced whole; a private key's PEM block from its
``-----BEGIN`` line to its ``-----END`` line, markers included (the type of
key a log held is not worth the risk of a marker cut in half). Certificates
and public keys are public and are left alone, as are Stripe's publishable
``pk_live_`` keys.

Lengths are the least a real key has, lowered where providers' formats
vary; a prefix alone or a short word after it ("sk-learn",
"hf_hub_download", "npm_config_cache") is not a key. Terraform Cloud's
``<id>.atlasv1.<secret>`` is not here: its first part is any 14 letters
and digits, which no delimiter-started branch can start on cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tenantlog.redaction.credentials import is_placeholder
from tenantlog.redaction.kinds import DELIMITER, Checker, Kind, Scan

# The branches of ``PREFIXED_SCAN``. Each branch costs a test at every
# value's start, so there is one per first letter (one for five capitals,
# whose checker tells them apart). Every key holds one of ``KEY_MARKS``.
_B64URL = r"[A-Za-z0-9_\-]"


def _hex_with_digit(count: int) -> str:
    # One key in about 10**13 has no digit in 32 hex characters: a run of hex
    # without one is a word or an id.
    return f"(?=[a-fA-F]{{0,{count - 1}}}[0-9])[0-9a-fA-F]{{{count}}}"


_SLACK_HOOK = r"ooks\.slack\.com/services/T[A-Z0-9]{8,}/B[A-Z0-9]{8,}/[A-Za-z0-9]{24}"
_DISCORD_HOOK = r"discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_\-]{60,}+"

#: A Mollie key's body: 30 letters and digits, with a digit, a capital and a small letter.
_MOLLIE_KEY = (
    r"(?=[A-Za-z0-9]{0,29}[0-9])(?=[A-Za-z0-9]{0,29}[A-Z])(?=[A-Za-z0-9]{0,29}[a-z])"
    r"[A-Za-z0-9]{30}(?![A-Za-z0-9_\-])"
)
BRANCHES = (
    r"r(?:k_(?:live|test)_[A-Za-z0-9]{10,}+(?P<key_stripe_restricted>)"
    r"|8_[A-Za-z0-9]{37}(?P<key_replicate>)"
    r"|ubygems_" + _hex_with_digit(48) + r"(?P<key_rubygems>))",
    r"g(?:(?:h[pousr]_[A-Za-z0-9]{20,}+|ithub_pat_[A-Za-z0-9_]{20,}+)(?P<key_github>)"
    r"|l(?:(?:pat|rt|dt|ptt|ft|soat|cbt|imt|agent|oas)-[A-Za-z0-9_\-]{20,}+(?P<key_gitlab>)"
    r"|c_[A-Za-z0-9+/]{32,}+={0,2}(?P<key_grafana>)"
    r"|sa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}(?P<key_grafana_sa>))"
    r"|sk_[A-Za-z0-9]{52}(?P<key_groq>)"
    # Fernet tokens (OpenStack Keystone's, "openstack token issue"): version byte 0x80
    # and a time, "gAAAAA" in base64url, then a hundred characters and more.
    r"|AAAAA[A-Za-z0-9_\-]{100,}+={0,2}(?P<key_fernet>))",
    r"x(?:ox(?:[abprse]|e\.xox[bp])-[A-Za-z0-9\-]{10,}+(?P<key_slack>)"
    r"|app-[0-9]-[A-Za-z0-9\-]{10,}+(?P<key_slack_app>)"
    r"|keysib-" + _hex_with_digit(64) + r"-[A-Za-z0-9]{16}(?P<key_brevo>)"
    r"|ai-[A-Za-z0-9]{80}(?P<key_xai>)"
    r"|nd_(?:production|development)_[A-Za-z0-9]{40,}+(?P<key_xendit>))",
    r"S(?:G\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{30,}+(?P<key_sendgrid>)"
    # Okta's API tokens: 42 characters from "00"; the scheme is kept.
    r"|SWS[ \t]+00[A-Za-z0-9_\-]{40}(?P<key_okta>))",
    r"A(?:Iza[0-9A-Za-z_\-]{30,}+(?P<key_google>)"
    r"|GE-SECRET-KEY-1[0-9A-Z]{58}(?P<key_age>)"
    # Telegram's bot tokens, after the bot's id and a colon (``_check_telegram``).
    r"|A[A-Za-z0-9_\-]{33}(?P<key_telegram>)"
    # Tencent Cloud's SecretId; Mercado Pago's access tokens.
    r"|KID[A-Za-z0-9]{32}(?P<key_tencent>)"
    # JFrog Artifactory's API keys: "AKCp" and 69 more.
    r"|KCp[A-Za-z0-9]{69}(?P<key_jfrog>)"
    r"|PP_USR-[0-9]{16}-[0-9]{6}-[0-9a-f]{32}-[0-9]{6,12}(?P<key_mercadopago>)"
    r"|TATT3[A-Za-z0-9_\-]{150,}+(?:=[A-Fa-f0-9]{8})?(?P<key_atlassian>)"
    # Adyen's API keys: "AQE", base64, then two more parts after "-" (the last may
    # hold any symbol but a delimiter).
    # (Its last part is sixteen signs, any but a blank or a quote: "…=-qKEA;lCsXMjORLmR";
    # shorter, it stops at the delimiters that may follow it.)
    r"|QE[A-Za-z0-9+/]{30,}+={0,2}-[A-Za-z0-9+/]{20,}+={0,2}-"
    r"(?:[^\s\"']{16}|[^\s,;\"'}]{8,32})(?P<key_adyen>))",
    r"s(?:k(?:_(?:live|test)_[A-Za-z0-9]{10,}+(?P<key_stripe>)"
    # Checkout.com's sandbox secret keys.
    r"|_sbox_[a-z0-9]{20,}+(?P<key_checkout>)"
    r"|-[A-Za-z0-9_\-]{20,}+(?P<key_openai>)"
    r"|\.eyJ" + _B64URL + r"{10,}+\." + _B64URL + r"{20,}+(?P<key_mapbox>))"
    r"|h(?:p(?:at|ss|ca|pa)_[A-Fa-f0-9]{32}(?P<key_shopify>)"
    r"|ippo_(?:live|test)_[A-Fa-f0-9]{40}(?P<key_shippo>))"
    r"|bp_" + _hex_with_digit(40) + r"(?P<key_supabase>)"
    r"|q0(?:atp|csp)-[0-9A-Za-z_\-]{22,}+(?P<key_square>)"
    r"|ntry[us]_[A-Za-z0-9+/=_]{64,}+(?P<key_sentry>)"
    r"|ecret_[A-Za-z0-9]{43}(?P<key_notion>)"
    # SumUp's secret API keys.
    r"|up_sk_[A-Za-z0-9]{20,}+(?P<key_sumup>)"
    # Dropbox's short-lived access tokens.
    r"|l\.[A-Za-z0-9_\-]{100,}+(?P<key_dropbox>))",
    # Alibaba Cloud's AccessKey ids.
    r"LTAI[A-Za-z0-9]{12,20}(?P<key_alibaba>)",
    # Postman, New Relic, Contentful, Heroku, Google OAuth client secrets: the
    # class lets "HMAK-" through, which ``_check_capital_prefix`` turns away.
    r"[CGHNP](?:MAK-[A-Fa-f0-9]{24}-[A-Fa-f0-9]{34}(?P<key_postman>)"
    r"|RAK-[A-Z0-9]{27}(?P<key_newrelic>)"
    r"|FPAT-[A-Za-z0-9_\-]{43}(?P<key_contentful>)"
    # Heroku: "HRKU-AA" and 58 more; a UUID after "HRKU-" too.
    r"|RKU-(?:[A-Za-z0-9_\-]{50,}+|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b)(?P<key_heroku>)"
    r"|OCSPX-[A-Za-z0-9_\-]{28}(?P<key_google_oauth>))",
    r"bkua_" + _hex_with_digit(40) + r"(?P<key_buildkite>)",
    # Figma's personal access tokens.
    r"figd_[A-Za-z0-9_\-]{32,}+(?P<key_figma>)",
    # Braintree's access tokens, as an SDK is given them: "access_token$production$…$…".
    r"access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32}(?P<key_braintree>)",
    r"n(?:pm_[A-Za-z0-9]{36}(?P<key_npm>)"
    # Nostr's private keys, bech32 "nsec1" and 58 characters.
    r"|sec1[02-9ac-hj-np-z]{58}(?P<key_nostr>)"
    r"|tn_[A-Za-z0-9]{40,}+(?P<key_notion_ntn>)"
    r"|fp_[A-Za-z0-9]{36,40}+(?P<key_netlify>))",
    # (Hugging Face's: 34 letters, and in some tools' output digits among them.)
    r"h(?:f_[A-Za-z0-9]{34,}+(?P<key_huggingface>)"
    r"|v[sbr]\.[A-Za-z0-9_\-]{24,}+(?P<key_vault>)"
    # Slack's incoming webhooks: the URL's last segment is the secret.
    r"|ttps?://h" + _SLACK_HOOK + r"(?P<key_slack_webhook>)"
    r"|" + _SLACK_HOOK + r"(?P<key_slack_webhook_bare>)"
    r"|ttps?://" + _DISCORD_HOOK + r"(?P<key_discord_webhook>))",
    r"d(?:o[por]_v1_[a-f0-9]{64}(?P<key_digitalocean>)"
    r"|" + _DISCORD_HOOK + r"(?P<key_discord_webhook_bare>)"
    r"|api" + _hex_with_digit(32) + r"(?:-[0-9])?(?P<key_databricks>)"
    # (A service token may name its environment: "dp.st.prd.<40>".)
    r"|p\.(?:pt|st|sa|ct|scim)\.(?:[a-z0-9_\-]{1,32}\.)?[A-Za-z0-9]{40,}+(?P<key_doppler>)"
    r"|t0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}(?P<key_dynatrace>)"
    r"|ckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,}+(?P<key_docker>)"
    # Duffel's access tokens (flights' API): "duffel_test_" or "duffel_live_", then 43.
    r"|uffel_(?:test|live)_[A-Za-z0-9_\-]{40,}+(?P<key_duffel>))",
    r"p(?:ypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}+(?P<key_pypi>)"
    # Airtable's personal access tokens: an id, a dot, 64 hex.
    r"|at[A-Za-z0-9]{14}\.[a-f0-9]{64}(?P<key_airtable>)"
    r"|ul-" + _hex_with_digit(40) + r"(?P<key_pulumi>)"
    r"|plx-[A-Za-z0-9]{48}(?P<key_perplexity>)"
    r"|scale_(?:tkn|pw|oauth)_[A-Za-z0-9_\-]{32,64}+(?P<key_planetscale>))",
    # crates.io's API tokens ("cargo login …"): "cio" and 32 letters and digits.
    r"cio(?=[A-Za-z0-9]{0,31}[0-9])(?=[A-Za-z0-9]{0,31}[A-Z])[A-Za-z0-9]{32}(?![A-Za-z0-9])"
    r"(?P<key_crates>)",
    # WooCommerce's REST API keys: "ck_" (consumer key) or "cs_" (its secret) and 40 hex.
    r"c[ks]_" + _hex_with_digit(40) + r"(?![0-9A-Za-z])(?P<key_woocommerce>)",
    # eBay's OAuth user tokens ("v^1.1#i^1#p^3#…") and Auth'n'Auth tokens ("AgAAAA**…").
    r"(?:v\^1\.1#i\^1#|AgAAAA\*\*)[A-Za-z0-9+/=^#*._\-]{40,}+(?P<key_ebay>)",
    # Snowflake's session and master tokens: "ver:1-hint:<number>-", then base64.
    r"ver:1-hint:[0-9]{1,12}-[A-Za-z0-9+/]{40,}+={0,2}(?P<key_snowflake>)",
    # Mailgun's API keys: "key-" and 32 hex.
    r"key-[0-9a-f]{32}(?![0-9A-Za-z])(?P<key_mailgun>)",
    r"l(?:in_api_[A-Za-z0-9]{40}(?P<key_linear>)"
    # Twitch's stream keys: "live_", the channel's number, then the key.
    r"|ive_[0-9]{6,12}_[A-Za-z0-9]{20,}+(?P<key_twitch_stream>)"
    # Mollie's API keys: "live_" or "test_", then 30 letters and digits, mixed.
    r"|ive_" + _MOLLIE_KEY + r"(?P<key_mollie>)"
    r"|sv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}(?P<key_langsmith>))",
    # Google's OAuth access tokens, as "gcloud auth print-access-token" prints them.
    # A service account's starts "ya29.c.".
    r"ya29\.(?:c\.)?[0-9A-Za-z_\-]{20,}+(?P<key_google_access>)",
    # ... and its refresh tokens ("firebase login:ci" prints one): "1//0", then the token.
    # (Not inside crypt's alphabet: a hash's "…1//0…".)
    r"(?<![A-Za-z0-9./$])1//0[0-9A-Za-z_\-]{40,}+(?P<key_google_refresh>)",
    # K3s' cluster tokens: "K10", the CA's hash, "::", the user, ":", the password.
    r"K10[0-9a-f]{64}::[a-z]{1,16}:[0-9A-Za-z]{16,}+(?P<key_k3s>)",
    # Laravel's application key ("php artisan key:generate --show"): 32 bytes in base64.
    r"base64:[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])(?P<key_laravel>)",
    # PHP's session files, named after the session's id: "/var/lib/php/sessions/sess_…".
    r"sess_[a-z0-9\-]{26,128}+(?P<key_php_session>)",
    # connect-redis' session keys in Redis ("sess:<id>", as MONITOR shows them).
    r"sess:[A-Za-z0-9_\-]{24,64}+(?P<key_redis_session>)",
    # Laravel Passport's (league/oauth2-server's) encrypted tokens: "def50200" and hex.
    r"def50200[0-9a-f]{100,}+(?P<key_defuse>)",
    r"whsec_[A-Za-z0-9+/]{32,}+={0,2}(?P<key_stripe_webhook>)",
    # Fly.io's macaroon tokens ("FlyV1 fm2_…,fm2_…": the scheme stays).
    r"fm[12][ar]?_[A-Za-z0-9+/=_\-]{40,}+(?:,fm[12][ar]?_[A-Za-z0-9+/=_\-]{20,}+)*+(?P<key_fly>)",
    # CAS' tickets (service, proxy, proxy-granting, ticket-granting): the kind,
    # a counter, the random part in both cases, the server's suffix after it.
    r"(?:ST|PT|PGT|TGT)-[0-9]{1,12}-(?=[A-Za-z0-9]*[a-z])(?=[A-Za-z0-9]*[A-Z])"
    r"[A-Za-z0-9]{15,}+(?:-[A-Za-z0-9.\-]{1,64}+)?(?P<key_cas>)",
    # Slack's request signatures wherever a log prints them ("expected=v0=<64 hex>"):
    # the version stays.
    r"v0=[0-9a-f]{64}(?![0-9A-Za-z])(?P<key_slack_signature>)",
    # HubSpot's private app tokens: "pat-", the data centre ("na1", "eu1"), a UUID.
    r"pat-(?:na|eu|ap)[0-9]-[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}(?![0-9A-Za-z])"
    r"(?P<key_hubspot>)",
    # Salesforce's session ids and access tokens: the org's id ("00D…"), "!", the session.
    r"00D[A-Za-z0-9]{12,15}![A-Za-z0-9._\-]{40,}+(?P<key_salesforce>)",
    # PASETO's tokens: "v4.local." (encrypted) and "v4.public." (signed), then the token.
    r"v(?:1|2|3|4)\.(?:local|public)\.[A-Za-z0-9_\-]{40,}+(?:\.[A-Za-z0-9_\-]+)?(?P<key_paseto>)",
    # Expo's push tokens, which send to a device without any other key: the
    # part in brackets ("ExponentPushToken[…]", the wrapper kept).
    r"Expo(?:nent)?PushToken\[[A-Za-z0-9_\-]{16,64}\](?P<key_expo_push>)",
    # Tailscale's keys: "tskey-", the kind, the key's id, the secret.
    r"tskey-(?:api|auth|client|scim|webhook)-[A-Za-z0-9]{4,}-[A-Za-z0-9]{20,}+(?P<key_tailscale>)",
    # NuGet's API keys: "oy2" and 43 small letters and digits.
    r"oy2[a-z0-9]{43}(?![A-Za-z0-9])(?P<key_nuget>)",
    # AWS' session tokens (STS), base64 that starts the same for every one of them:
    # "FwoGZXIvYXdz…" and "IQoJb3JpZ2lu…" (a long-term key's id and secret go with it).
    r"(?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9+/]{80,}+={0,2}(?P<key_aws_session>)",
    # hapi's and Kibana's sealed cookies (iron): "Fe26.2**<id>*<salt>*<iv>*…", parts
    # that may be empty between their "*" (no mask, whatever its stars).
    r"Fe26\.2\*[A-Za-z0-9_\-*]{40,}+(?P<key_iron>)",
    # Sabre's session tokens ("Authorization: Bearer T1RLAQ…", a "*" may end them).
    r"T1RLAQ[A-Za-z0-9+/=]{40,}+\**(?P<key_sabre>)",
    # BIP32's extended private keys (a wallet's every key derives from one):
    # "xprv" (mainnet), "tprv" (testnet), "yprv"/"zprv" (SegWit), "uprv"/"vprv",
    # then 107 or 108 base58 characters. Their public twins ("xpub…") stay.
    r"[tuvxyz]prv[1-9A-HJ-NP-Za-km-z]{107,108}(?P<key_bip32>)",
    # Square's access tokens, "EAAA" and 60 more (Meta's "EAA…" tokens go on otherwise).
    r"EAAA[A-Za-z0-9_\-]{60}(?![A-Za-z0-9_\-])(?P<key_square_access>)",
    # Flutterwave's secret keys: "FLWSECK-" (or "FLWSECK_TEST-"), 32 hex, "-X".
    r"FLWSECK(?:_TEST)?-[0-9a-f]{32}-X(?P<key_flutterwave>)",
    r"test_" + _MOLLIE_KEY + r"(?P<key_mollie_test>)",
    # EasyPost's API keys: "EZAK" (production) or "EZTK" (test), then 54 hex.
    r"EZ[AT]K[0-9a-f]{54}(?![0-9A-Za-z])(?P<key_easypost>)",
)


# Keys without a literal of their own to mark them, each starting on a capital
# and holding digits: branches of the combined scan (see ``scans``), which
# starts on capitals anyway and runs on every line with a digit.
# * Twilio's keys and account ids, "SK" or "AC" and 32 hex with a digit (as
#   marks of ``PREFIXED_SCAN`` the two capitals would be found in a line of
#   words in two of five lines: "ACK", "TRACE", "DESK");
# * Discord's bot tokens: the bot's id in base64 (which starts on "M", "N"
#   or "O" for the digits of an id), a timestamp and an HMAC, dot-separated;
# * Firebase Cloud Messaging's legacy server keys, "AAAA…:APA91b…";
# * NATS' nkey seeds, "SU…" and 56 base32 characters.
UNMARKED_BRANCHES = (
    r"SK" + _hex_with_digit(32) + r"(?P<key_twilio>)",
    r"AC" + _hex_with_digit(32) + r"(?P<key_twilio_sid>)",
    r"[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40}+(?P<key_discord>)",
    r"AAAA[A-Za-z0-9_\-]{7}:APA91b[A-Za-z0-9_\-]{100,}+(?P<key_fcm>)",
    # NATS' nkey seeds: "S", the key's type (user, account, operator, server,
    # cluster, curve), 56 base32 characters. Their public keys ("U…", "A…") stay.
    r"S[UAONCX][A-Z2-7]{56}(?P<key_nkey_seed>)",
)


def _value_end_ok(text: str, end: int) -> bool:
    # A key runs on to the end of its token.
    return end == len(text) or not (text[end].isalnum() or text[end] in "_-")


def _check_key(text: str, start: int, end: int) -> tuple[int, int] | None:
    # "sk-" prefixes words too, so such a key must mix digits or cases and
    # not read as a slug of words.
    if not _value_end_ok(text, end) or is_placeholder(text[start:end]):
        return None
    if text[start + 2] == "-":
        value = text[start + 3 : end]
        if value.isalpha() and (value.islower() or value.isupper()):
            return None
        if "--" in value or value.endswith("-"):
            return None  # "sk-cluster-prod-eu-west-1-nodes-"
    return start, end


def _check_php_session(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The session's id in its file's name: the "sess_" of the name stays."""
    return None if _check_key(text, start, end) is None else (start + len("sess_"), end)


def _check_after_version(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The signature after its version's "v0=", which stays."""
    return None if not _value_end_ok(text, end) else (start + len("v0="), end)


def _check_telegram(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The bot's id is part of the token: 8 to 10 digits and a colon before "AA"."""
    if not _value_end_ok(text, end) or start < 9 or text[start - 1] != ":":
        return None
    digits = start - 1
    while digits > 0 and start - 1 - digits < 10 and text[digits - 1] in "0123456789":
        digits -= 1
    if not 8 <= start - 1 - digits <= 10:
        return None
    before = text[digits - 1 : digits]  # "" at the start of the text
    glued = before.isalnum() or (before != "" and before in "_.-")
    # Glued to a word: only the Bot API's own path, ".../bot<token>/getMe".
    if glued and not text.endswith("/bot", 0, digits):
        return None
    return digits, end


def _check_webhook(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A webhook URL's last segment, its secret: the host, the workspace's and
    the channel's ids (Slack's ``T…/B…``, Discord's hook id) say where it posts
    and stay, as they do in the providers' own consoles."""
    if _check_key(text, start, end) is None:
        return None
    return text.rfind("/", start, end) + 1, end


#: The name of a Twilio account's id before it ("AccountSid=", "TWILIO_ACCOUNT_SID=",
#: '"account_sid": "'), or its place in the API's paths ("/Accounts/AC…").
_SID_NAMED = re.compile(r"(?:sid[\"']?[ \t]*[=:][ \t]*[\"']?|/Accounts/)\Z", re.IGNORECASE)


def _check_twilio_sid(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A Twilio account's id: the API's user name, so a secret where it stands alone
    or as a credential (``X-Api-Auth: AC…``); named as the account's id, an id. Given
    with its auth token ("-u AC…:<token>", 'Client("AC…", "<token>")'), the user name
    of a login: the token goes, the id stays."""
    token = _TOKEN_AFTER_SID.match(text, end)
    if token is not None:
        # (Replaced in a pass before: the id stays, as it did then.)
        return None if token.group(1).startswith("[REDACTED") else token.span(1)
    if _SID_NAMED.search(text, max(0, start - 24), start):
        return None
    return _check_key(text, start, end)


#: A Twilio auth token (32 hex) after its account's id, as a login's password or the
#: next argument of a call.
_TOKEN_AFTER_SID = re.compile(
    r"(?::|[\"'][ \t]*,[ \t]*[\"'])([0-9a-f]{32}(?![0-9A-Za-z])|\[REDACTED)"
)


_CAPITAL_PREFIXES = ("PMAK-", "NRAK-", "CFPAT-", "HRKU-", "GOCSPX-")


def _check_capital_prefix(text: str, start: int, end: int) -> tuple[int, int] | None:
    if not text.startswith(_CAPITAL_PREFIXES, start):
        return None
    return _check_key(text, start, end)


def _check_bracketed(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The token inside its wrapper's brackets: "ExponentPushToken[…]" (not the
    documentation's "ExponentPushToken[xxxxxxxxxxxxxxxxxxxxxx]")."""
    inner = text.index("[", start) + 1
    return None if len(set(text[inner : end - 1])) == 1 else (inner, end - 1)


def _check_okta(text: str, start: int, end: int) -> tuple[int, int] | None:
    # The scheme stays, as "Bearer" does: only the token after it is replaced.
    if not _value_end_ok(text, end):
        return None
    value = start + len("SSWS")
    while text[value] in " \t":
        value += 1
    return value, end


_GROUPS = (
    "key_aws_session",
    "key_woocommerce",
    "key_ebay",
    "key_iron",
    "key_tailscale",
    "key_nuget",
    "key_paseto",
    "key_jfrog",
    "key_mailgun",
    "key_stripe",
    "key_stripe_restricted",
    "key_replicate",
    "key_rubygems",
    "key_google_access",
    "key_google_refresh",
    "key_crates",
    "key_snowflake",
    "key_github",
    "key_gitlab",
    "key_grafana",
    "key_grafana_sa",
    "key_groq",
    "key_slack",
    "key_slack_app",
    "key_brevo",
    "key_xai",
    "key_sendgrid",
    "key_google",
    "key_age",
    "key_atlassian",
    "key_openai",
    "key_mapbox",
    "key_shopify",
    "key_square",
    "key_sentry",
    "key_notion",
    "key_buildkite",
    "key_airtable",
    "key_npm",
    "key_notion_ntn",
    "key_huggingface",
    "key_vault",
    "key_digitalocean",
    "key_databricks",
    "key_doppler",
    "key_dynatrace",
    "key_pypi",
    "key_pulumi",
    "key_linear",
    "key_twitch_stream",
    "key_figma",
    "key_braintree",
    "key_stripe_webhook",
    "key_shippo",
    "key_supabase",
    "key_netlify",
    "key_docker",
    "key_duffel",
    "key_fernet",
    "key_square_access",
    "key_flutterwave",
    "key_easypost",
    "key_mollie",
    "key_mollie_test",
    "key_perplexity",
    "key_planetscale",
    "key_langsmith",
    "key_xendit",
    "key_tencent",
    "key_mercadopago",
    "key_dropbox",
    "key_alibaba",
    "key_fly",
    "key_salesforce",
    "key_cas",
    "key_hubspot",
    "key_k3s",
    "key_adyen",
    "key_sumup",
    "key_sabre",
    "key_checkout",
    "key_defuse",
)


def _tokens(check: Checker, *groups: str) -> dict[str, Kind]:
    """The kinds of ``groups``, each a TOKEN confirmed by ``check``."""
    return {group: Kind("secrets", "TOKEN", check) for group in groups}


KINDS = {
    **_tokens(_check_key, *_GROUPS),
    **_tokens(_check_telegram, "key_telegram"),
    **_tokens(
        _check_capital_prefix,
        *("key_postman", "key_newrelic", "key_contentful", "key_heroku", "key_google_oauth"),
    ),
    **_tokens(_check_okta, "key_okta"),
    **_tokens(_check_bracketed, "key_expo_push"),
    # Private keys and a framework's encryption key: secrets, not tokens.
    "key_nostr": Kind("secrets", "SECRET", _check_key),
    "key_bip32": Kind("secrets", "SECRET", _check_key),
    "key_laravel": Kind("secrets", "SECRET", _check_key),
    **_tokens(_check_php_session, "key_php_session", "key_redis_session"),
    **_tokens(_check_after_version, "key_slack_signature"),
    **_tokens(
        _check_webhook,
        *("key_slack_webhook", "key_slack_webhook_bare", "key_discord_webhook"),
        "key_discord_webhook_bare",
    ),
}
UNMARKED_KINDS = {
    **_tokens(_check_key, "key_twilio", "key_discord", "key_fcm"),
    **_tokens(_check_twilio_sid, "key_twilio_sid"),
    "key_nkey_seed": Kind("secrets", "SECRET", _check_key),
}

# The key types a PEM private key is labelled with: "PRIVATE KEY", "RSA
# PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY", "PGP PRIVATE
# KEY BLOCK"...
# OpenVPN's static key (tls-auth, tls-crypt) is a shared secret in the same form.
_PEM_BEGIN = (
    r"-----BEGIN (?P<pem_type>(?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?"
    r"|OpenVPN Static key V[0-9])-----"
)
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


#: Literals one of which every key of ``BRANCHES`` holds, as written: its
#: prefix, or for Telegram's tokens the ":AA" after the bot's id, or for the
#: Slack webhook the host. A test derives each branch's literal prefixes
#: from its pattern and checks that one of these is in each.
KEY_MARKS = (
    *("rk_live_", "rk_test_", "r8_", "rubygems_"),
    *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "gsk_", "glc_", "glsa_"),
    *("glpat-", "glrt-", "gldt-", "glptt-", "glft-", "glsoat-", "glcbt-", "glimt-"),
    *("glagent-", "gloas-"),
    *("xox", "xapp-", "xkeysib-", "xai-", "xnd_production_", "xnd_development_"),
    *("AKID", "AKCp", "APP_USR-", "sl.", "LTAI"),
    *("SG.", "SSWS", "AIza", "AGE-SECRET-KEY-1", ":AA", "ATATT3"),
    *("sk_live_", "sk_test_", "sk-", "sk.eyJ", "shpat_", "shpss_", "shpca_", "shppa_"),
    *("shippo_live_", "shippo_test_", "sbp_", "sq0atp-", "sq0csp-", "sntryu_", "sntrys_"),
    "secret_",
    *("PMAK-", "NRAK-", "CFPAT-", "HRKU-", "GOCSPX-"),
    *("bkua_", "npm_", "ntn_", "nfp_", "hf_", "hvs.", "hvb.", "hvr.", "hooks.slack.com"),
    *("figd_", "access_token$"),
    *("dop_v1_", "doo_v1_", "dor_v1_", "dapi", "dp.pt.", "dp.st.", "dp.sa.", "dp.ct."),
    *("dp.scim.", "dt0c01.", "dckr_pat_", "dckr_oat_", "discord.com/api", "discordapp.com/api"),
    *("pypi-AgEIcHlwaS5vcmc", "pul-", "pplx-", "pscale_tkn_", "pscale_pw_", "pscale_oauth_"),
    *("lin_api_", "lsv2_pt_", "lsv2_sk_", "ya29.", "1//0", "whsec_", "fm1", "fm2"),
    *("nsec1", "K10", "base64:", "sess_", "ExponentPushToken[", "ExpoPushToken["),
    *("v1.local.", "v2.local.", "v3.local.", "v4.local."),
    *("v1.public.", "v2.public.", "v3.public.", "v4.public."),
    *("tskey-", "oy2", "FwoGZXIvYXdz", "IQoJb3JpZ2lu", "Fe26.2*", "ck_", "cs_"),
    *("v^1.1#i^1#", "AgAAAA**"),
    *("xprv", "tprv", "yprv", "zprv", "uprv", "vprv"),
    *("AQE", "sup_sk_", "T1RLAQ", "sk_sbox_", "sess:", "def50200", "v0=", "ver:1-hint:"),
    *("duffel_test_", "duffel_live_", "EAAA", "FLWSECK", "gAAAAA", "EZAK", "EZTK"),
)


#: Marks too common in words to run the scan wherever they are ("pat" of
#: "path"), each with the test that the key's start is there.
TESTED_KEY_MARKS: tuple[tuple[str, Callable[[str], object]], ...] = (
    ("pat", re.compile(r"pat[A-Za-z0-9]{14}\.|pat-(?:na|eu|ap)[0-9]-[0-9a-f]{8}-").search),
    ("00d", re.compile(r"00D[A-Za-z0-9]{12,15}!").search),
    ("key-", re.compile(r"key-[0-9a-f]{32}(?![0-9A-Za-z])").search),
    # "cio" is in words ("precio", "social"): crates.io's token is tested where it is.
    ("cio", re.compile(r"cio[A-Za-z0-9]{32}(?![A-Za-z0-9])").search),
    # "live_" is in names ("is_live_event"): a Twitch stream key is tested where it is.
    # ... and Mollie's "live_"/"test_" keys (``_MOLLIE_KEY``).
    ("live_", re.compile(r"live_[0-9]{6,12}_[A-Za-z0-9]{20}|live_" + _MOLLIE_KEY).search),
    ("test_", re.compile(r"test_" + _MOLLIE_KEY).search),
    # "st-" ends "host-", "list-" and "first-": tested where it is.
    *(
        (mark, re.compile(r"(?:ST|PT|PGT|TGT)-[0-9]{1,12}-[A-Za-z0-9]{15}").search)
        for mark in ("st-", "pt-", "pgt-", "tgt-")
    ),
)


def may_hold_prefixed_key(text: str) -> bool:
    """Whether a key of ``BRANCHES`` can occur: the trigger of ``PREFIXED_SCAN``.

    The plan (``screen``) finds the marks in one pass and asks this only of
    a text holding one of them in some case.
    """
    return any(mark in text for mark in KEY_MARKS) or any(
        test(text) for _, test in TESTED_KEY_MARKS
    )


# A PEM block may follow a letter: JSON writes its line breaks "\n", so the
# block starts right after an "n". Its scan starts on the rare literal.
_MAILCHIMP_HEX = 32
_LOWER_HEX = frozenset("0123456789abcdef")


def _hex_before(count: int) -> Callable[[str, int, int], tuple[int, int] | None]:
    """A checker of ``count`` lower-case hex before the mark, as a word of their own."""

    def check(text: str, start: int, end: int) -> tuple[int, int] | None:
        key_start = start - count
        if key_start < 0 or not _LOWER_HEX.issuperset(text[key_start:start]):
            return None
        if key_start and (text[key_start - 1].isalnum() or text[key_start - 1] in "_-"):
            return None
        return key_start, end

    return check


#: Mailchimp's: 32 hex before the data centre.
_check_mailchimp = _hex_before(_MAILCHIMP_HEX)


#: What an Azure AD (Entra ID) client secret is made of: "abc8Q~" and 31 to 34 more.
_AZURE_SECRET_SIGNS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.-"
)


def _check_azure_secret(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The three signs and the digit before "Q~", as the start of a word of their own."""
    key_start = start - 4
    if key_start < 0 or not "0" <= text[start - 1] <= "9":
        return None
    if not _AZURE_SECRET_SIGNS.issuperset(text[key_start:start]):
        return None
    if key_start and text[key_start - 1] in _AZURE_SECRET_SIGNS:
        return None
    return key_start, end


#: New Relic's licence keys: 36 hex before "NRAL".
_check_newrelic_license = _hex_before(36)
#: Canvas LMS' access tokens: the account's number, "~", then 64 letters and digits.
_CANVAS_TOKEN = re.compile(r"[0-9]~[A-Za-z0-9]{64}(?![A-Za-z0-9])")
_CANVAS_ACCOUNT_DIGITS = 5


def _check_canvas(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The account's digits before "~", as the start of a word of their own."""
    key_start = start
    while key_start > max(0, start - _CANVAS_ACCOUNT_DIGITS) and text[key_start - 1].isdigit():
        key_start -= 1
    if key_start == start or (
        key_start and (text[key_start - 1].isalnum() or text[key_start - 1] in "_-")
    ):
        return None
    return key_start, end


def may_hold_infix_key(text: str) -> bool:
    return (
        "-us" in text
        or "Q~" in text
        or "NRAL" in text
        or ("~" in text and _CANVAS_TOKEN.search(text) is not None)
    )


# Mailchimp's keys are 32 hex and their data centre ("…-us14"), with no
# prefix: found from the suffix, a literal the scan skips to in C, and read
# backwards by the checker. As a branch of the combined scan, starting on
# the hex, every number and word starting with a-f would have tried it.
# Keys start where the combined scan's values do (see ``scans``), and after
# the same delimiters: a prefix inside a longer word or id ("mask_sk_live_",
# "desk-top") does not start a key. A scan of their own, behind their marks:
# inside the combined scan, their lower-case first letters made ``re``
# enter the alternation after every delimiter followed by a word starting
# with one of them (a third of that scan's time on a short line).
PREFIXED_SCAN = Scan(
    "|".join(BRANCHES),
    KINDS,
    flags=re.ASCII,
    lead=DELIMITER,
    starts="01ACEFGHIKLNPSTabcdfghklnoprstuvwxyz",
    trigger=may_hold_prefixed_key,
)

# Keys known by a mark inside them, read back from it by their checkers: Mailchimp's
# data centre ("…-us14"); Azure AD's client secrets, "Q~" after three signs and a
# digit ("7RZ8Q~V910…": a secret in any sentence, whatever names it).
INFIX_SCAN = Scan(
    r"-us[0-9]{1,2}(?![0-9A-Za-z])(?P<key_mailchimp>)"
    # (A sentence's full stop after it is no part of it.)
    r"|Q~[A-Za-z0-9_~.\-]{31,34}(?![A-Za-z0-9_~\-]|\.[A-Za-z0-9_~.\-])(?P<key_azure_secret>)"
    # New Relic's licence keys: 36 hex and "NRAL".
    r"|NRAL(?![0-9A-Za-z])(?P<key_newrelic_license>)"
    r"|~[A-Za-z0-9]{64}(?![A-Za-z0-9])(?P<key_canvas>)",
    {
        "key_mailchimp": Kind("secrets", "TOKEN", _check_mailchimp),
        "key_azure_secret": Kind("secrets", "SECRET", _check_azure_secret),
        "key_newrelic_license": Kind("secrets", "SECRET", _check_newrelic_license),
        "key_canvas": Kind("secrets", "TOKEN", _check_canvas),
    },
    trigger=may_hold_infix_key,
    flags=re.ASCII,
)

PEM_SCAN = Scan(
    _PEM_BEGIN + "(?P<pem_block>)",
    {"pem_block": Kind("secrets", "SECRET", _check_pem)},
    trigger=may_hold_pem,
    flags=re.ASCII,
    # The block is the whole rest of the text when its END line is missing,
    # so nothing is read twice.
    skip_rejected=True,
)
