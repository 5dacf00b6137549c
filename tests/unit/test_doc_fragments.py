# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Doc fragments that must say the same thing twice (sanity's yamllint needs literal fragment strings)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import yaml

from ansible_collections.sslclm.acme.plugins.doc_fragments.dns_provider import ModuleDocFragment as DnsProvider
from ansible_collections.sslclm.acme.plugins.doc_fragments.enroll_certificate import ModuleDocFragment
from ansible_collections.sslclm.acme.plugins.module_utils.dns.registry import dns01_options


def test_the_dns01_suboptions_of_acme_dns_persist_are_acme_enrolls():
    enroll = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']['dns01']['suboptions']
    persist = yaml.safe_load(DnsProvider.DOCUMENTATION)['options']['dns01']['suboptions']
    assert persist == enroll
    assert sorted(persist) == sorted(dns01_options())


def test_the_fallback_items_of_acme_enroll_are_its_definitions():
    from ansible_collections.sslclm.acme.plugins.doc_fragments.enroll_definitions import ModuleDocFragment as Definitions
    from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_options import fallback_item_options
    definitions = yaml.safe_load(Definitions.DOCUMENTATION)['options']
    items = yaml.safe_load(Definitions.FALLBACK)['options']['fallback']['suboptions']
    for name, option in items.items():
        assert option.pop('required') is True
        assert option == definitions[name]
    assert sorted(items) == sorted(fallback_item_options())
