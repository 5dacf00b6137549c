# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Zone matching, TXT quoting and the record-set arithmetic every provider relies on."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.dns.records import (
    is_subdomain,
    longest_suffix_match,
    missing_values,
    normalize_name,
    quote_txt,
    relative_name,
    unquote_txt,
    without_values,
    zone_candidates,
)


def test_normalize_name():
    assert normalize_name(' _ACME-Challenge.Example.COM. ') == '_acme-challenge.example.com'
    assert normalize_name(None) == ''


@pytest.mark.parametrize('name, zone, expected', [
    ('a.example.com', 'example.com', True),
    ('example.com', 'example.com.', True),
    ('A.EXAMPLE.COM', 'example.com', True),
    ('ub.example.com', 'b.example.com', False),   # a string suffix is not a label suffix
    ('example.com', 'a.example.com', False),
    ('badexample.com', 'example.com', False),
])
def test_is_subdomain(name, zone, expected):
    assert is_subdomain(name, zone) is expected


def test_zone_candidates_longest_first():
    assert zone_candidates('_acme-challenge.www.example.com.') == [
        '_acme-challenge.www.example.com', 'www.example.com', 'example.com', 'com']


def test_longest_suffix_match_prefers_the_most_specific_zone():
    zones = ['example.com', 'sub.example.com', 'ub.example.com', 'com.example']
    assert longest_suffix_match('_acme-challenge.x.sub.example.com', zones) == 'sub.example.com'
    assert longest_suffix_match('_acme-challenge.x.example.com', zones) == 'example.com'
    assert longest_suffix_match('_acme-challenge.example.org', zones) is None


def test_longest_suffix_match_keeps_the_item_and_the_first_of_equal_names():
    zones = [('example.com.', 'Z1'), ('Example.com', 'Z2'), ('sub.example.com', 'Z3')]
    assert longest_suffix_match('a.example.com', zones) == ('example.com.', 'Z1')
    assert longest_suffix_match('a.sub.example.com', zones) == ('sub.example.com', 'Z3')


def test_relative_name():
    assert relative_name('_acme-challenge.www.example.com', 'example.com') == '_acme-challenge.www'
    assert relative_name('example.com.', 'EXAMPLE.com') == '@'
    with pytest.raises(ValueError):
        relative_name('www.example.org', 'example.com')


@pytest.mark.parametrize('value, quoted', [
    ('abc', '"abc"'),
    ('', '""'),
    ('say "hi"', '"say \\"hi\\""'),
    ('back\\slash', '"back\\\\slash"'),
])
def test_quote_txt(value, quoted):
    assert quote_txt(value) == quoted
    assert unquote_txt(quoted) == value


def test_long_values_are_split_into_255_octet_strings_and_joined_back():
    value = 'x' * 300
    quoted = quote_txt(value)
    assert quoted == '"%s" "%s"' % ('x' * 255, 'x' * 45)
    assert unquote_txt(quoted) == value


def test_unquote_txt_understands_decimal_escapes_and_bare_text():
    assert unquote_txt('"a\\098c"') == 'abc'
    assert unquote_txt('plain value') == 'plain value'
    assert unquote_txt('  "a" "b"  ') == 'ab'


def test_missing_values_adds_each_new_value_once_in_order():
    assert missing_values(['a'], ['b', 'a', 'c', 'b']) == ['b', 'c']
    assert missing_values([], []) == []


def test_missing_values_compares_through_key():
    existing = ['"foreign"', '"v1"']
    assert missing_values(existing, ['v1', 'v2'], key=unquote_txt) == ['v2']


def test_without_values_keeps_foreign_values_in_order():
    existing = ['"foreign"', '"v1"', '"other"', '"v2"']
    assert without_values(existing, ['v1', 'v2'], key=unquote_txt) == ['"foreign"', '"other"']
    assert without_values(existing, [], key=unquote_txt) == existing
