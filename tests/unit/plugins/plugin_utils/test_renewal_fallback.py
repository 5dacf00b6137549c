# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The renewal role's issuer fallback: acme_cas.<name>.fallback checked and turned into acme_enroll's fallback; the
report names the CA instance that issued."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.report import render_html, summarise
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_fallback import ca_definition, check_fallback, fallback_definitions
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_plan import report_entries

CONNECTORS = {'le': {'directory': 'https://le/dir', 'account_key_src': '/k/le'},
              'zerossl': {'directory': 'https://zerossl/dir', 'account_key_src': '/k/z', 'eab_kid': 'k', 'eab_hmac_key': 's'}}
CAS = {'le': {'connector': 'le', 'fallback': ['zerossl'], 'fallback_sticky': True, 'rate_limits': {'duplicate_certificates': 5}},
       'zerossl': {'connector': 'zerossl', 'key_type': 'rsa2048'}}


def test_fallback_names_become_definitions_in_order():
    zerossl = {'connector': 'zerossl', 'key_type': 'rsa2048', 'name': 'zerossl'}
    assert fallback_definitions(CAS, CONNECTORS, 'le') == [{'connector_definition': CONNECTORS['zerossl'],
                                                            'ca_definition': zerossl}]
    assert fallback_definitions(CAS, CONNECTORS, 'zerossl') == []


def test_the_role_keys_never_reach_acme_enroll():
    assert ca_definition(CAS['le'], 'le') == {'connector': 'le', 'rate_limits': {'duplicate_certificates': 5}, 'name': 'le'}


@pytest.mark.parametrize('fallback, words', [
    (['gts'], 'does not define: gts'),
    (['le'], 'other CA instances, each once'),
    (['zerossl', 'zerossl'], 'other CA instances, each once'),
])
def test_a_fallback_list_that_cannot_work_is_refused(fallback, words):
    cas = dict(CAS, le=dict(CAS['le'], fallback=fallback))
    with pytest.raises(AcmeInputError) as raised:
        check_fallback(cas, CONNECTORS, ['le'])
    assert words in raised.value.msg


def test_a_fallback_ca_instance_without_its_connector_is_refused():
    cas = dict(CAS, zerossl={'connector': 'missing'})
    with pytest.raises(AcmeInputError) as raised:
        check_fallback(cas, CONNECTORS, ['le'])
    assert "names connector 'missing'" in raised.value.msg
    check_fallback(cas, CONNECTORS, ['zerossl'])  # only the CA instances in use are checked


def test_the_report_names_the_ca_instance_that_issued():
    run = {'certificates': [{'name': 'www', 'ca': 'le', 'hosts': ['web1'], 'spec': {'identifiers': ['www.example.test']}}]}
    result = {'name': 'www', 'changed': True, 'issuer_ca': 'zerossl', 'reason': 'certificate is missing',
              'fallback_note': 'fallback from le: unreachable: connection refused',
              'certificate': {'not_after': '2030-03-01T00:00:00Z', 'serial': 'ab'}}
    entry = report_entries(run, {'results': {'www': result}}, {})[0]
    assert entry['ca'] == 'le' and entry['issuer_ca'] == 'zerossl' and entry['status'] == 'issued'
    now = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    counts, lines = summarise([entry], now)
    assert lines == ['ISSUED   www: certificate is missing; expires 2030-03-01T00:00:00Z; issued by zerossl '
                     '(fallback from le: unreachable: connection refused)']
    assert 'le; issued by zerossl' in render_html([entry], counts, now)
    # no fallback configured: the entry's CA instance issued, nothing more is said
    plain = report_entries(run, {'results': {'www': dict(result, issuer_ca=None, fallback_note=None)}}, {})[0]
    plain.pop('issuer_ca')
    assert summarise([plain], now)[1] == ['ISSUED   www: certificate is missing; expires 2030-03-01T00:00:00Z']
