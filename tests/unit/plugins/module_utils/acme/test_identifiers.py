# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import (
    assign_methods,
    parse_identifier,
    parse_identifiers,
)


@pytest.mark.parametrize('raw, id_type, value', [
    ('Example.COM', 'dns', 'example.com'),
    ('www.example.com.', 'dns', 'www.example.com'),
    ('*.Example.com', 'dns', '*.example.com'),
    ('bücher.example', 'dns', 'xn--bcher-kva.example'),
    ('192.0.2.10', 'ip', '192.0.2.10'),
    ('2001:DB8::0:1', 'ip', '2001:db8::1'),
    ('[2001:db8::1]', 'ip', '2001:db8::1'),
    ('xn--bcher-kva.example', 'dns', 'xn--bcher-kva.example'),
])
def test_normalisation(raw, id_type, value):
    ident = parse_identifier(raw)
    assert (ident.type, ident.value) == (id_type, value)


@pytest.mark.parametrize('raw, message', [
    ('', 'is empty'),
    ('a..example.com', 'empty label'),
    ('www.*.example.com', 'leftmost label'),
    ('*foo.example.com', 'leftmost label'),
    ('-bad.example.com', "label '-bad'"),
    ('under_score.example.com', "label 'under_score'"),
    ('localhost', 'not a fully qualified'),
    ('a' * 64 + '.example.com', 'label'),
    ('.'.join(['abcdefghi'] * 26) + '.com', 'longer than 253'),
    ('xn--zz-zz.example', 'not valid punycode'),
    ('xn--.example', "label 'xn--'"),
    ('xn--abc-def.example', 'not valid punycode'),
    ('fe80::1%eth0', 'scoped'),
    ('[fe80::1%25eth0]', 'scoped'),
])
def test_bad_names_are_named(raw, message):
    with pytest.raises(AcmeInputError, match=message) as info:
        parse_identifier(raw)
    if raw:
        assert repr(raw)[:20].strip("'") in str(info.value)


def test_more_names_than_the_ca_takes_are_refused_before_parsing():
    names = ['n%d.example.com' % n for n in range(101)]
    assert len(parse_identifiers(names[:100], max_names=100)) == 100
    with pytest.raises(AcmeInputError, match='101 identifiers in one certificate; the CA accepts at most 100'):
        parse_identifiers(names, max_names=100)


def test_duplicates_after_normalisation():
    with pytest.raises(AcmeInputError, match="'WWW.example.com' duplicates 'www.example.com'"):
        parse_identifiers(['www.example.com', 'WWW.example.com'])


def test_wildcards_may_use_dns_persist():
    idents = parse_identifiers(['example.com', '*.example.com'])
    methods = assign_methods(idents, 'dns-persist-01', {}, ['dns-persist-01', 'dns-01'])
    assert [methods[i] for i in idents] == ['dns-persist-01', 'dns-persist-01']


def test_mixed_methods_with_overrides():
    idents = parse_identifiers(['example.com', '*.example.com', 'www.example.com', '192.0.2.1'])
    methods = assign_methods(idents, 'http-01', {'*.Example.com': 'dns-01', 'example.com': 'dns-01'},
                             ['http-01', 'dns-01'])
    assert [methods[i] for i in idents] == ['dns-01', 'dns-01', 'http-01', 'http-01']


@pytest.mark.parametrize('names, default, overrides, allowed, message', [
    (['*.example.com'], 'http-01', {}, None, 'wildcard can only be validated with dns-01 or dns-persist-01, not http-01'),
    (['*.example.com'], 'tls-alpn-01', {}, None, 'not tls-alpn-01'),
    (['192.0.2.1'], 'dns-01', {}, None, 'IP address cannot be validated with dns-01'),
    (['192.0.2.1'], 'dns-persist-01', {}, None, 'IP address cannot be validated with dns-persist-01'),
    (['example.com'], 'dns-persist-01', {}, ['http-01', 'dns-01'], 'dns-persist-01 is not allowed by the CA instance'),
    (['example.com'], 'tls-alpn-01', {}, ['http-01'], 'not allowed by the CA instance'),
    (['example.com'], 'http-01', {'other.example.com': 'dns-01'}, None, 'names no identifier'),
    (['example.com'], 'http-02', {}, None, 'unknown validation method'),
])
def test_method_errors(names, default, overrides, allowed, message):
    with pytest.raises(AcmeInputError, match=message):
        assign_methods(parse_identifiers(names), default, overrides, allowed)
