# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provider name → class. A new provider is one file plus one line here (Ansible bundles
module_utils by static import, so providers cannot be discovered at run time)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.challtestsrv import ChalltestsrvProvider

PROVIDERS = {cls.name: cls for cls in (ChalltestsrvProvider,)}


def make_provider(options):
    options = dict(options or {})
    kind = options.pop('provider', None)
    if kind not in PROVIDERS:
        raise AcmeInputError('dns01.provider must be one of %s, got %r' % (', '.join(sorted(PROVIDERS)), kind))
    return PROVIDERS[kind](options)
