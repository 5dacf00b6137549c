# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DNS-01 secrets never reach the invocation log, which AnsibleModule writes (syslog / journald) before any code of
the module runs: a lexicon provider's secret options (dns01.lexicon_options, top level and in certificates items) and
the values of dns01.command_env are masked because the argument spec declares them no_log."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils import basic

from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_options import enroll_argument_spec
from ansible_collections.sslclm.acme.tests.unit.compat.module_args import module_args

SECRETS = ('pdns-api-key-top', 'gandi-token-in-item', 'ovh-secret-in-item', 'hook-env-secret')


def test_the_invocation_log_masks_every_dns01_secret(monkeypatch):
    logged = []
    monkeypatch.setattr(basic.AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append((msg, log_args)))
    args = {
        'ca': {},
        'dns01': {'provider': 'lexicon', 'lexicon_provider': 'powerdns',
                  'lexicon_options': {'pdns_server': 'https://pdns.example.com', 'auth_token': SECRETS[0]}},
        'certificates': [
            {'identifiers': ['a.example.com'],
             'dns01': {'provider': 'lexicon', 'lexicon_provider': 'gandi', 'lexicon_options': {'auth_token': SECRETS[1]}}},
            {'identifiers': ['b.example.com'],
             'dns01': {'provider': 'lexicon', 'lexicon_provider': 'ovh',
                       'lexicon_options': {'auth_entrypoint': 'ovh-eu', 'auth_application_secret': SECRETS[2]}}},
            {'identifiers': ['c.example.com'],
             'dns01': {'provider': 'command', 'command': ['/usr/local/bin/dns-hook'], 'command_env': {'TOKEN': SECRETS[3]}}},
        ],
    }
    with module_args(args):
        module = basic.AnsibleModule(argument_spec=enroll_argument_spec(), supports_check_mode=True)
    assert set(SECRETS) <= set(module.no_log_values)
    text = repr(logged)
    assert 'Invoked with' in text and 'pdns.example.com' in text and 'ovh-eu' in text  # the log is there, not empty
    assert [secret for secret in SECRETS if secret in text] == []
