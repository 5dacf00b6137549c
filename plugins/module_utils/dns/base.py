# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DNS provider interface for DNS-01: add our TXT values, remove exactly those."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeError


class DnsProviderError(AcmeError):
    """A DNS API refused or failed; the message carries the provider's own words."""


class DnsProvider:
    """Subclasses implement ``add_txt`` and ``remove_txt`` for one DNS API.

    Names are fully qualified without the trailing dot. ``values`` is every value we
    want on that name (apex and wildcard share ``_acme-challenge.<domain>``); a provider
    must keep values it did not add.
    """

    name = 'base'
    # The option names this provider takes, and which of them are secrets.
    options = {}

    def __init__(self, options):
        self.config = options or {}

    def add_txt(self, record_name, values):
        raise NotImplementedError

    def remove_txt(self, record_name, values):
        raise NotImplementedError
