# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provider name → class. A new provider is one file plus one line here (Ansible bundles
module_utils by static import, so providers cannot be discovered at run time).

The ``dns01`` argument spec of the modules is built from the providers' option
declarations, so a provider's options (and which of them are secrets) live in its file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import COMMON_OPTIONS
from ansible_collections.sslclm.acme.plugins.module_utils.dns.challtestsrv import ChalltestsrvProvider
from ansible_collections.sslclm.acme.plugins.module_utils.dns.cloudflare import CloudflareProvider
from ansible_collections.sslclm.acme.plugins.module_utils.dns.command import CommandProvider
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lexicon_provider import LexiconProvider
from ansible_collections.sslclm.acme.plugins.module_utils.dns.rfc2136 import Rfc2136Provider
from ansible_collections.sslclm.acme.plugins.module_utils.dns.route53 import Route53Provider

PROVIDERS = {cls.name: cls for cls in (
    ChalltestsrvProvider,
    CloudflareProvider,
    CommandProvider,
    LexiconProvider,
    Rfc2136Provider,
    Route53Provider,
)}


def dns01_options():
    """Suboptions of the ``dns01`` module option: provider, the shared options, every provider's own."""
    spec = dict(provider=dict(type='str', required=True, choices=sorted(PROVIDERS)))
    spec.update(copy.deepcopy(COMMON_OPTIONS))
    for cls in PROVIDERS.values():
        for option, option_spec in cls.options.items():
            if option in spec and spec[option] != option_spec:
                raise AssertionError('dns01.%s is declared differently by two providers' % option)
            spec[option] = copy.deepcopy(option_spec)
    return spec


def _secrets(spec, options):
    found = []
    for name, option_spec in spec.items():
        value = options.get(name)
        if value in (None, ''):
            continue
        if option_spec.get('no_log'):
            found.extend(str(v) for v in (value.values() if isinstance(value, dict) else [value]) if v not in (None, ''))
        elif isinstance(value, dict) and option_spec.get('options'):
            found.extend(_secrets(option_spec['options'], value))
    return found


def secret_values(options):
    """The values of the secret (no_log) options set in one ``dns01`` dict - also inside its dict options
    (``lexicon_options``) and every value of a secret dict (``command_env``) - e.g. to mask them where the
    dict did not pass through an argument spec."""
    return _secrets(dns01_options(), options or {})


def make_provider(options):
    options = dict(options or {})
    kind = options.pop('provider', None)
    if kind not in PROVIDERS:
        raise AcmeInputError('dns01.provider must be one of %s, got %r' % (', '.join(sorted(PROVIDERS)), kind))
    return PROVIDERS[kind](options)
