# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import parse_nameserver, resolve_addresses


def test_ip_literals_resolve_to_themselves():
    assert resolve_addresses('127.0.0.41') == ['127.0.0.41']
    assert resolve_addresses('[::1]') == ['::1']
    assert resolve_addresses('2001:DB8::1') == ['2001:db8::1']


@pytest.mark.parametrize('spec, expected', [
    ('127.0.0.1', ('127.0.0.1', 53)),
    ('127.0.0.1:8053', ('127.0.0.1', 8053)),
    ('::1', ('::1', 53)),
    ('[::1]:8053', ('::1', 8053)),
])
def test_nameserver_specs(spec, expected):
    assert parse_nameserver(spec) == expected


def test_nameserver_must_be_an_address():
    with pytest.raises(ValueError):
        parse_nameserver('ns1.example.test:53')
