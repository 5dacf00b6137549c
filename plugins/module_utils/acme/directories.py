# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Known ACME directories: presets users name instead of URLs, and what we know of each CA."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError

# Let's Encrypt's published limits; the default budget of every CA instance.
LETSENCRYPT_RATE_LIMITS = {
    'certificates_per_registered_domain': 50,   # per 7 days
    'duplicate_certificates': 5,                # same identifier set, per 7 days
    'failed_validations_per_hour': 5,           # per identifier, per account
    'new_orders_per_3_hours': 300,              # per account
}

# Let's Encrypt staging is far more generous; it exists to be hammered by tests.
LETSENCRYPT_STAGING_RATE_LIMITS = {
    'certificates_per_registered_domain': 30000,
    'duplicate_certificates': 30000,
    'failed_validations_per_hour': 200,
    'new_orders_per_3_hours': 1500,
}

PRESETS = {
    'letsencrypt': {
        'url': 'https://acme-v02.api.letsencrypt.org/directory',
        'rate_limits': LETSENCRYPT_RATE_LIMITS,
    },
    'letsencrypt_staging': {
        'url': 'https://acme-staging-v02.api.letsencrypt.org/directory',
        'rate_limits': LETSENCRYPT_STAGING_RATE_LIMITS,
    },
    'zerossl': {
        'url': 'https://acme.zerossl.com/v2/DV90',
        'eab_source': 'ZeroSSL dashboard > Developer > "Generate" EAB credentials (or its API '
                      'https://api.zerossl.com/acme/eab-credentials-email)',
    },
    'google': {
        'url': 'https://dv.acme-v02.api.pki.goog/directory',
        'eab_source': '`gcloud publicca external-account-keys create` in a Google Cloud project '
                      'with the Public CA API enabled',
    },
    'google_staging': {
        'url': 'https://dv.acme-v02.test-api.pki.goog/directory',
        'eab_source': '`gcloud publicca external-account-keys create` with the staging endpoint '
                      '(gcloud config set api_endpoint_overrides/publicca https://preprod-publicca.googleapis.com/)',
    },
}


def resolve_directory(value):
    """Turn a preset name or URL into the directory URL."""
    value = (value or '').strip()
    if value in PRESETS:
        return PRESETS[value]['url']
    if value.startswith('https://') or value.startswith('http://'):
        return value
    raise AcmeInputError('directory must be one of %s or an http(s) URL, got %r'
                         % (', '.join(sorted(PRESETS)), value))


def preset_for_url(url):
    for name, preset in PRESETS.items():
        if preset['url'] == url:
            return name
    return None


def eab_source_hint(url):
    """Where a user gets EAB credentials for this CA, as a sentence."""
    preset = PRESETS.get(preset_for_url(url) or '', {})
    if preset.get('eab_source'):
        return 'Get a key id and HMAC key from %s and pass them as eab_kid and eab_hmac_key' % preset['eab_source']
    return 'Ask the CA operator for an External Account Binding key id and HMAC key and pass them as eab_kid and eab_hmac_key'


def default_rate_limits(url):
    """The rate-limit budget a CA instance gets unless the user overrides it."""
    preset = PRESETS.get(preset_for_url(url) or '', {})
    return dict(preset.get('rate_limits', LETSENCRYPT_RATE_LIMITS))
