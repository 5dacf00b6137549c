# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Report entries of a failed certificate carry the expiry of the certificate still in use (notifications and the
Prometheus expiry metric need it)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.x509 import not_after
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_plan import report_entries


def run_of(pems):
    return {'certificates': [{'name': 'www', 'ca': 'le', 'hosts': ['web1', 'web2'],
                              'spec': {'identifiers': ['www.example.test'], 'deployed_certificates': pems}}]}


def test_failed_entry_has_the_expiry_of_the_certificate_served_that_expires_first(pki):
    soon, unused = pki.leaf(days=3)
    later, unused = pki.leaf(days=30)
    done = {'results': {'www': {'name': 'www', 'failed': True, 'msg': 'Self-check failed'}}}
    entry = report_entries(run_of(['', pki.pem(later), pki.pem(soon)]), done, {})[0]
    assert entry['status'] == 'failed'
    assert entry['not_after'] == not_after(soon).strftime('%Y-%m-%dT%H:%M:%SZ')
    assert entry['serial'] == format(soon.serial_number, 'x')
    assert entry['renew_at'] is None


def test_failed_entry_without_any_certificate_served():
    done = {'results': {}}
    entry = report_entries(run_of(['']), done, {})[0]
    assert entry['status'] == 'failed' and entry['not_after'] is None and entry['msg'] == 'no enrollment result'


def test_current_entry_keeps_its_own_certificate(pki):
    served, unused = pki.leaf(days=3)
    result = {'name': 'www', 'certificate': {'not_after': '2030-01-01T00:00:00Z', 'serial': 'ab'}, 'renew_at': '2029-12-01T00:00:00Z'}
    entry = report_entries(run_of([pki.pem(served)]), {'results': {'www': result}}, {})[0]
    assert entry['status'] == 'current' and entry['not_after'] == '2030-01-01T00:00:00Z'
