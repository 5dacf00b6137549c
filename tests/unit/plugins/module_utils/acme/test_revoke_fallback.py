# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""acme_revoke with fallback: the certificate is revoked by the CA instance whose known issuers include its issuer."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme import revoke
from ansible_collections.sslclm.acme.plugins.module_utils.acme.directories import resolve_directory
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError


class Records:
    def __init__(self, **issuers):
        self.issuers = issuers  # directory → authority key ids
        self.asked = []

    def known_issuers(self, directory):
        self.asked.append(directory)
        return set(self.issuers.get(directory, ()))


def definition(name, directory=None):
    return {'connector_definition': {'directory': directory or 'https://%s/dir' % name, 'account_key_src': '/k/%s' % name},
            'ca_definition': {'name': name}}


def params(*fallback):
    return dict(definition('le'), fallback=list(fallback), account_key_src='/task.key', account_key_content=None,
                ca=None, certificate_content='PEM', reason='cessationOfOperation')


@pytest.fixture(autouse=True)
def leaf_is_its_issuer_key_id(monkeypatch):
    # the "leaf" of these tests is its authority key id
    monkeypatch.setattr(revoke, 'authority_key_id', lambda leaf: leaf)


def test_without_fallback_the_task_definitions_are_used_and_the_state_is_not_asked():
    records = Records()
    task = dict(params(), fallback=None)
    assert revoke.issuing_definitions(task, records, 'aki-z') is task
    assert records.asked == []


def test_a_certificate_a_fallback_ca_instance_issued_is_revoked_by_that_instance_and_its_own_account():
    task = params(definition('zerossl'), definition('gts'))
    chosen = revoke.issuing_definitions(task, Records(**{'https://gts/dir': ['aki-g']}), 'aki-g')
    assert chosen['ca_definition'] == {'name': 'gts'}
    assert chosen['connector_definition']['directory'] == 'https://gts/dir'
    assert chosen['account_key_src'] is None and chosen['account_key_content'] is None  # never the task's key
    assert chosen['certificate_content'] == 'PEM' and chosen['reason'] == 'cessationOfOperation'


def test_the_first_ca_instance_wins_when_it_knows_the_issuer():
    task = params(definition('zerossl'))
    records = Records(**{'https://le/dir': ['aki-1'], 'https://zerossl/dir': ['aki-1']})
    assert revoke.issuing_definitions(task, records, 'aki-1') is task


def test_an_unknown_issuer_or_none_goes_to_the_first_ca_instance():
    task = params(definition('zerossl'))
    records = Records(**{'https://zerossl/dir': ['aki-z']})
    assert revoke.issuing_definitions(task, records, 'aki-other') is task
    assert revoke.issuing_definitions(task, records, None) is task


def test_a_preset_directory_matches_the_issuers_recorded_under_its_url():
    task = params(definition('staging', 'letsencrypt_staging'))
    records = Records(**{resolve_directory('letsencrypt_staging'): ['aki-s']})
    assert revoke.issuing_definitions(task, records, 'aki-s')['ca_definition'] == {'name': 'staging'}


def test_fallback_needs_the_definitions():
    task = dict(params(definition('zerossl')), ca_definition=None, connector_definition=None, ca={'name': 'le'})
    with pytest.raises(AcmeInputError, match='fallback needs ca_definition'):
        revoke.issuing_definitions(task, Records(), 'aki-z')


def test_every_secret_of_the_fallback_items_is_no_log():
    items = revoke.revoke_argument_spec()['fallback']['options']
    connector = items['connector_definition']['options']
    assert items['connector_definition']['required'] and items['ca_definition']['required']
    for secret in ('account_key_content', 'eab_hmac_key', 'proxy'):
        assert connector[secret]['no_log'] is True
    assert connector == revoke.revoke_argument_spec()['connector_definition']['options']
