# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which deployed file tells the renewal role what a host serves, and which deploy blocks are complete."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.host.discover import item_of_entry, wanted
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_plan import enroll_items, normalize_deploy, plan


def cert(**deploy):
    return {'name': 'www', 'identifiers': ['www.example.test'], 'ca': 'le', 'deploy': deploy}


@pytest.mark.parametrize('deploy, expected', [
    ({'fullchain_path': '/f.pem', 'cert_path': '/c.pem', 'combined_path': '/h.pem', 'private_key_path': '/k'}, '/f.pem'),
    ({'cert_path': '/c.pem', 'combined_path': '/h.pem', 'private_key_path': '/k'}, '/c.pem'),
    ({'combined_path': '/etc/haproxy/certs/www.pem'}, '/etc/haproxy/certs/www.pem'),  # HAProxy: one file
    ({'combined': '/etc/haproxy/certs/www.pem'}, '/etc/haproxy/certs/www.pem'),  # the 0.1.0 name
    ({'private_key_path': '/k'}, None),
])
def test_the_file_discovery_reads(deploy, expected):
    assert item_of_entry(cert(**deploy))['path'] == expected


def test_a_combined_pem_alone_is_a_complete_deploy():
    deprecations = []
    assert normalize_deploy({'combined': '/etc/haproxy/certs/www.pem'}, 'lb1', deprecations) == \
        {'combined_path': '/etc/haproxy/certs/www.pem'}
    assert deprecations == ['lb1: deploy.combined is deprecated, use deploy.combined_path']


@pytest.mark.parametrize('deploy', [{'private_key_path': '/k'}, {'fullchain_path': '/f.pem'}])
def test_a_deploy_needs_certificate_and_key(deploy):
    with pytest.raises(AcmeInputError, match='fullchain_path or cert_path with private_key_path, or combined_path'):
        normalize_deploy(deploy, 'web1', [])


@pytest.mark.parametrize('certificates', [
    {'name': 'www'},  # a dict, not a list
    ['www'],  # a list of names
    [{'name': 'www', 'identifiers': ['www.example.test'], 'ca': 'le'}, 'api'],
])
def test_each_hosts_entries_must_be_a_list_of_dictionaries(certificates):
    """The role's argument spec is validated once per run, on its first host; the plan checks every host's entries,
    so a malformed list on the tenth host is still a clear error before anything is ordered."""
    hostvars = {'web1': {'acme_certificates': [cert(fullchain_path='/f.pem', private_key_path='/k')]},
                'web2': {'acme_certificates': certificates}}
    with pytest.raises(AcmeInputError, match='host web2: acme_certificates must be a list of dictionaries'):
        plan(hostvars, ['web1', 'web2'], '/store', cas={'le': {}})


def test_discovery_reads_entries_as_the_inventory_holds_them():
    """acme_discover's entries: the path from deploy, verify with the first non-wildcard identifier as SNI."""
    entry = dict(cert(fullchain_path='/f.pem', private_key_path='/k', verify={'port': 8443}),
                 identifiers=['*.example.test', 'www.example.test'])
    assert wanted({'certificates': None, 'entries': [entry]}) == [
        {'name': 'www', 'path': '/f.pem', 'verify': {'host': 'localhost', 'port': 8443, 'server_name': 'www.example.test'}}]
    given = [{'name': 'api', 'path': '/a.pem'}]
    assert wanted({'certificates': given, 'entries': None}) is given


class CountingHostvars(dict):
    """hostvars whose reads are counted (each read templates a host's variables in a real run)."""

    def __init__(self, *args):
        super(CountingHostvars, self).__init__(*args)
        self.reads = []

    def __getitem__(self, host):
        self.reads.append(host)
        return super(CountingHostvars, self).__getitem__(host)


def test_enroll_items_read_the_inventory_only_for_entries_with_challenge_options():
    """The plan keeps DNS-01 credentials out of its result; the enrollment task takes them from the inventory - only
    for the entries that set them, so a fleet whose challenge options are role-wide costs no second read."""
    secret = {'provider': 'rfc2136', 'key_secret': 's3cret'}
    hostvars = {'web1': {'acme_certificates': [cert(fullchain_path='/f.pem', private_key_path='/k')]},
                'web2': {'acme_certificates': [dict(cert(fullchain_path='/f.pem', private_key_path='/k'),
                                                    name='api', dns01=secret)]}}
    run = plan(hostvars, ['web1', 'web2'], '/store', cas={'le': {}})
    assert 's3cret' not in repr(run)
    assert [c['enroll_options'] for c in run['certificates']] == [['dns01'], []]
    counting = CountingHostvars(hostvars)
    items = enroll_items(run['certificates'], counting)
    assert counting.reads == ['web2']
    assert [i.get('dns01') for i in items] == [secret, None]
    assert items[1]['name'] == 'www' and items[1]['fullchain_path'] == '/store/le/www.fullchain.pem'
