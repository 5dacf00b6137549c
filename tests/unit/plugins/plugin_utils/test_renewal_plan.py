# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which deployed file tells the renewal role what a host serves."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_plan import deployed_path, plan


def cert(**deploy):
    return {'name': 'www', 'identifiers': ['www.example.test'], 'ca': 'le', 'deploy': deploy}


@pytest.mark.parametrize('deploy, expected', [
    ({'fullchain': '/f.pem', 'cert': '/c.pem', 'combined': '/h.pem', 'key': '/k'}, '/f.pem'),
    ({'cert': '/c.pem', 'combined': '/h.pem', 'key': '/k'}, '/c.pem'),
    ({'combined': '/etc/haproxy/certs/www.pem'}, '/etc/haproxy/certs/www.pem'),  # HAProxy: one file
    ({'key': '/k'}, None),
])
def test_deployed_path(deploy, expected):
    assert deployed_path(cert(**deploy)) == expected


def test_plan_takes_a_combined_pem_alone():
    hosts = {'lb1': {'certificates': [cert(combined='/etc/haproxy/certs/www.pem')], 'deployed': {}}}
    planned = plan(hosts, '/store')
    assert [(c['name'], c['hosts'], c['spec']['force']) for c in planned] == [('www', ['lb1'], False)]


def test_plan_needs_a_certificate_file():
    with pytest.raises(AcmeInputError, match='deploy.fullchain, deploy.cert or deploy.combined is required'):
        plan({'web1': {'certificates': [cert(key='/k')]}}, '/store')
