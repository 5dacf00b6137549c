# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which deployed file tells the renewal role what a host serves, and which deploy blocks are complete."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_plan import discovery_item, normalize_deploy


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
    assert discovery_item(cert(**deploy))['path'] == expected


def test_a_combined_pem_alone_is_a_complete_deploy():
    deprecations = []
    assert normalize_deploy({'combined': '/etc/haproxy/certs/www.pem'}, 'lb1', deprecations) == \
        {'combined_path': '/etc/haproxy/certs/www.pem'}
    assert deprecations == ['lb1: deploy.combined is deprecated, use deploy.combined_path']


@pytest.mark.parametrize('deploy', [{'private_key_path': '/k'}, {'fullchain_path': '/f.pem'}])
def test_a_deploy_needs_certificate_and_key(deploy):
    with pytest.raises(AcmeInputError, match='fullchain_path or cert_path with private_key_path, or combined_path'):
        normalize_deploy(deploy, 'web1', [])
