# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.account import normalize_contacts
from ansible_collections.sslclm.acme.plugins.module_utils.acme.directories import (
    eab_source_hint,
    resolve_directory,
)
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError


def test_contacts_get_mailto_and_are_deduplicated():
    assert normalize_contacts(['admin@example.com', 'mailto:admin@example.com', ' ops@example.org ']) == [
        'mailto:admin@example.com', 'mailto:ops@example.org']


@pytest.mark.parametrize('bad', ['admin', 'a@b@c', 'mailto:', 'admin@example.com,evil@example.com', 'x@-bad-'])
def test_bad_contacts_are_named(bad):
    with pytest.raises(AcmeInputError, match='is not an email address'):
        normalize_contacts([bad])


def test_presets_and_urls():
    assert resolve_directory('letsencrypt_staging') == 'https://acme-staging-v02.api.letsencrypt.org/directory'
    assert resolve_directory('https://127.0.0.1:14000/dir') == 'https://127.0.0.1:14000/dir'
    with pytest.raises(AcmeInputError, match='letsencrypt_staging'):
        resolve_directory('lets-encrypt')


def test_eab_hint_names_where_credentials_come_from():
    assert 'ZeroSSL dashboard' in eab_source_hint(resolve_directory('zerossl'))
    assert 'gcloud publicca' in eab_source_hint(resolve_directory('google'))
    assert 'CA operator' in eab_source_hint('https://ca.internal/dir')
