# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A multi-line secret inside a dict option (the PEM account key of connector_definition) never reaches the
invocation log: ansible-core logs str() of the dict, where the newlines are escaped and its own masking misses."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils import basic

from ansible_collections.sslclm.acme.plugins.module_utils.acme.ansible_module import SecretSafeModule
from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_options import enroll_argument_spec
from ansible_collections.sslclm.acme.plugins.module_utils.acme.revoke import revoke_argument_spec
from ansible_collections.sslclm.acme.tests.unit.compat.module_args import module_args

KEY = ('-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvOo47GDvE2uJUwii\n'
       'RNzyt4KqfMoh8DbKbhVJlZR+0W+hRANCAASN2V/sVNbON7KHSo+olxMU6/3Dv5Pe\n-----END PRIVATE KEY-----\n')
ARGS = {'connector_definition': {'directory': 'https://ca.example/dir', 'account_key_content': KEY,
                                 'eab_kid': 'kid-1', 'eab_hmac_key': 'hmac-secret-value'},
        'ca_definition': {'name': 'example'},
        'identifiers': ['www.example.com'], 'private_key_path': '/tmp/www.key', 'fullchain_path': '/tmp/www.pem'}


REVOKE_ARGS = {'connector_definition': ARGS['connector_definition'], 'ca_definition': {'name': 'example'},
               'certificate_src': '/tmp/www.fullchain.pem', 'reason': 'cessationOfOperation'}


def _logged(module_class, monkeypatch, spec=enroll_argument_spec, args=None):
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    with module_args(args or ARGS):
        module_class(argument_spec=spec(), supports_check_mode=True)
    return ' '.join(logged)


def test_core_alone_leaks_the_key_line(monkeypatch):
    """The reason for SecretSafeModule; if ansible-core ever fixes this, this test says so."""
    assert 'MIGHAgEAMBMGByqGSM49' in _logged(basic.AnsibleModule, monkeypatch)


def test_nested_multiline_secret_is_masked_in_the_log(monkeypatch):
    text = _logged(SecretSafeModule, monkeypatch)
    assert 'Invoked with' in text and 'https://ca.example/dir' in text and 'www.example.com' in text
    assert 'MIGHAgEA' not in text and 'RNzyt4Kq' not in text and 'hmac-secret-value' not in text


def test_acme_revoke_masks_the_key_of_its_connector_definition(monkeypatch):
    assert 'MIGHAgEAMBMGByqGSM49' in _logged(basic.AnsibleModule, monkeypatch, revoke_argument_spec, REVOKE_ARGS)
    text = _logged(SecretSafeModule, monkeypatch, revoke_argument_spec, REVOKE_ARGS)
    assert 'Invoked with' in text and 'cessationOfOperation' in text
    assert 'MIGHAgEA' not in text and 'RNzyt4Kq' not in text and 'hmac-secret-value' not in text
