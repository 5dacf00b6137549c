# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host program reads and writes text without ``json`` and ``re`` (a quarter of its start): each replacement
gives what the standard library's own gives, which serves here as the oracle."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import re

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import DeployError, parse_mode, reload_argv
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_record import valid_name
from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks
from ansible_collections.sslclm.acme.plugins.module_utils.host.program import to_json

# the regular expressions these functions replaced
OLD_PEM_BLOCK = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----[\r\n]+(.*?)-----END \1-----', re.S)
OLD_MODE = re.compile(r'^0?[0-7]{3,4}$')
OLD_SERVICE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.@:-]*$')
OLD_RECORD_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$')

BODY = 'MIIBszCCAVmgAwIBAgIUQ' * 9


def old_pem_blocks(data, label='CERTIFICATE'):
    if isinstance(data, bytes):
        data = data.decode('ascii', 'replace')
    blocks = []
    for match in OLD_PEM_BLOCK.finditer(data):
        if match.group(1) == label:
            body = ''.join(match.group(2).split())
            lines = [body[i:i + 64] for i in range(0, len(body), 64)]
            blocks.append('-----BEGIN %s-----\n%s\n-----END %s-----\n' % (label, '\n'.join(lines), label))
    return blocks


def block(label, body=BODY, newline='\n'):
    return '-----BEGIN %s-----%s%s%s-----END %s-----%s' % (label, newline, body, newline, label, newline)


@pytest.mark.parametrize('data', [
    block('CERTIFICATE'),
    block('CERTIFICATE', newline='\r\n') + block('CERTIFICATE', body='AAAA\nBBBB\n'),
    'text before\n' + block('PRIVATE KEY') + block('CERTIFICATE') + 'after',
    block('CERTIFICATE REQUEST') + block('TRUSTED CERTIFICATE') + block('X509 CERTIFICATE'),
    '-----BEGIN CERTIFICATE-----' + BODY + '-----END CERTIFICATE-----\n',  # no line end after BEGIN
    '-----BEGIN CERTIFICATE-----\n' + BODY,  # no END
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n',
    block('CERTIFICATE').encode('ascii'),
    b'\xff\xfe' + block('CERTIFICATE').encode('ascii'),
    '',
])
@pytest.mark.parametrize('label', ['CERTIFICATE', 'PRIVATE KEY', 'EC PRIVATE KEY'])
def test_pem_blocks_are_what_the_regular_expression_found(data, label):
    assert pem_blocks(data, label) == old_pem_blocks(data, label)


@pytest.mark.parametrize('value', [
    None, True, False, 0, -7, 2 ** 70, 1.5, 1e16, -0.0, '', 'plain', 'quote " backslash \\ slash /',
    'control \x00\x01\x08\x0c\x1f\x7f\n\r\t', 'caf\xe9 \u20ac \U0001f512', ['a', [1, {'b': None}]], ('t', 1),
    {'msg': 'x', 'nested': {'list': [True, False, None]}, 'files': {'/etc/ssl/\xe9.pem': 'changed'}},
    {2: 'int key', 2.5: 'float key', True: 'bool key', None: 'none key'},
])
def test_to_json_reads_back_as_json_dumps_writes(value):
    written = to_json(value)
    assert written.isascii()
    assert json.loads(written) == json.loads(json.dumps(value))


@pytest.mark.parametrize('value', [float('nan'), float('inf'), {'set': {1}}, {(1, 2): 'tuple key'}, b'bytes'])
def test_to_json_refuses_what_json_cannot_hold(value):
    with pytest.raises((TypeError, ValueError)):
        to_json(value)


@pytest.mark.parametrize('text', ['644', '0644', '00644', '4755', '0755', '7777', '07777', '12345', '64', '0o644',
                                  '0648', '06444', '000644', '', '0', 'abc', '٦٤٤'])
def test_mode_text_is_what_the_regular_expression_took(text):
    taken = True
    try:
        parse_mode(text, 'mode')
    except DeployError:
        taken = False
    assert taken == bool(OLD_MODE.match(text))


@pytest.mark.parametrize('name', ['nginx', 'php8.2-fpm', 'getty@tty1', 'a:b', 'x_y', '-nginx', '.hidden', 'nginx;reboot',
                                  'ngi nx', 'nginx/../x', 'nginx\n', 'naïve', '٣nginx', 'N'])
def test_service_names_are_what_the_regular_expression_took_but_a_trailing_newline(name):
    taken = True
    try:
        reload_argv(name)
    except DeployError:
        taken = False
    assert taken == (bool(OLD_SERVICE.match(name)) and not name.endswith('\n'))


@pytest.mark.parametrize('name', ['www', 'www.example.com', 'a_b-c', 'x' * 128, 'x' * 129, '-www', '.www', 'www/..',
                                  'www\n', 'wéb', '٣www', 'w w'])
def test_record_names_are_what_the_regular_expression_took_but_a_trailing_newline(name):
    assert valid_name(name) == (bool(OLD_RECORD_NAME.match(name)) and not name.endswith('\n'))
