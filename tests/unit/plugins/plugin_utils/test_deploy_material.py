# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side checks of acme_deploy's material: key match, chain links, normalisation, diffs."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import DeployError
from ansible_collections.sslclm.acme.plugins.plugin_utils.deploy_material import describe_pem, diff_text, prepare


def test_certificate_and_chain(pki):
    cert, key = pki.leaf(names=('www.example.test', 'example.test'))
    material = prepare({'certificate': pki.pem(cert), 'chain': pki.pem(pki.intermediate), 'private_key': key})
    assert material.leaf_pem == pki.pem(cert) and material.chain_pem == pki.pem(pki.intermediate)
    assert material.key_pem == key
    assert material.description['serial'] == format(cert.serial_number, 'x')
    assert material.default_server_name() == 'www.example.test'
    assert material.warnings == []


def test_fullchain_is_split_and_normalised(pki):
    cert, key = pki.leaf()
    text = (pki.pem(cert) + pki.pem(pki.intermediate)).replace('\n', '\r\n') + '\n\n'
    material = prepare({'fullchain': text, 'private_key': '\n' + key + '\n\n'})
    assert material.leaf_pem == pki.pem(cert) and material.chain_pem == pki.pem(pki.intermediate)
    assert material.key_pem == key


def test_key_mismatch_is_refused_without_echoing_the_key(pki):
    cert, unused = pki.leaf()
    other, other_key = pki.leaf()
    with pytest.raises(DeployError) as info:
        prepare({'certificate': pki.pem(cert), 'private_key': other_key})
    assert 'does not match the certificate' in info.value.msg and 'nothing was written' in info.value.msg
    assert other_key.splitlines()[1] not in info.value.msg


def test_chain_that_does_not_link(pki):
    cert, unused = pki.leaf()
    with pytest.raises(DeployError, match='the chain does not link'):
        prepare({'certificate': pki.pem(cert), 'chain': pki.pem(pki.root)})
    with pytest.raises(DeployError, match='the chain does not link'):
        prepare({'fullchain': pki.pem(cert) + pki.pem(pki.root) + pki.pem(pki.intermediate)})


def test_longer_chain_links(pki):
    cert, unused = pki.leaf()
    material = prepare({'fullchain': pki.pem(cert) + pki.pem(pki.intermediate) + pki.pem(pki.root)})
    assert material.chain_pem == pki.pem(pki.intermediate) + pki.pem(pki.root)


def test_several_certificates_as_certificate_are_refused(pki):
    cert, unused = pki.leaf()
    with pytest.raises(DeployError, match='holds 2 certificates'):
        prepare({'certificate': pki.pem(cert) + pki.pem(pki.intermediate)})


def test_chain_path_needs_a_chain(pki):
    cert, unused = pki.leaf()
    with pytest.raises(DeployError, match='no chain'):
        prepare({'certificate': pki.pem(cert), 'chain_path': '/x/chain.pem'})


@pytest.mark.parametrize('text, message', [('', 'holds no PEM certificate'), ('hello', 'holds no PEM certificate'),
                                           ('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
                                            'not valid PEM certificate data')])
def test_bad_certificate_text(text, message):
    with pytest.raises(DeployError, match=message):
        prepare({'certificate': text})


def test_bad_key_text(pki):
    cert, unused = pki.leaf()
    with pytest.raises(DeployError, match='Cannot use private_key'):
        prepare({'certificate': pki.pem(cert),
                 'private_key': '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n'})


SNI_CASES = [
    (('*.example.test', 'api.example.test'), 'api.example.test'),
    (('*.example.test',), None),
    (('b.example.test', 'a.example.test'), 'b.example.test'),
]


@pytest.mark.parametrize('names, expected', SNI_CASES)
def test_server_name_defaults(pki, names, expected):
    cert, unused = pki.leaf(names=names)
    assert prepare({'certificate': pki.pem(cert)}).default_server_name() == expected


def test_expired_certificate_warns(pki):
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=40)
    cert, key = pki.leaf(start=start, days=30)
    assert 'expired' in prepare({'certificate': pki.pem(cert), 'private_key': key}).warnings[0]


def test_diff_shows_names_serial_dates_never_keys(pki):
    cert, key = pki.leaf()
    material = prepare({'certificate': pki.pem(cert), 'chain': pki.pem(pki.intermediate), 'private_key': key})
    text = diff_text(material.description)
    for label in ('subject: www.example.test', 'SANs: www.example.test', 'serial: ', 'not_after: ', 'sha256: '):
        assert label in text
    assert 'PRIVATE' not in text and 'PRIVATE' not in json.dumps(material.description)
    assert diff_text(None) == ''


def test_describe_pem(pki):
    cert, unused = pki.leaf()
    assert describe_pem(pki.pem(cert))['serial'] == format(cert.serial_number, 'x')
    assert describe_pem(None) is None and describe_pem('junk') is None
