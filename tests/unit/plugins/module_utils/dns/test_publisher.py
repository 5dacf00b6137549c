# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provider registry and the DNS-01 publisher: options, CNAME following, exact cleanup."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme import publishers
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.resolver import LookupFailed
from ansible_collections.sslclm.acme.plugins.module_utils.dns import registry
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import COMMON_OPTIONS, DnsProvider, Zone


def test_every_provider_is_registered_under_its_name_and_declares_its_options():
    assert sorted(registry.PROVIDERS) == ['challtestsrv', 'cloudflare', 'command', 'lexicon', 'rfc2136', 'route53']
    spec = registry.dns01_options()
    assert spec['provider']['choices'] == sorted(registry.PROVIDERS)
    for cls in registry.PROVIDERS.values():
        assert issubclass(cls, DnsProvider)
        for option in cls.options:
            assert option in spec
    assert set(COMMON_OPTIONS) <= set(spec)


def test_secrets_are_no_log_and_found_in_a_dns01_dict():
    spec = registry.dns01_options()
    secrets = sorted(name for name, option in spec.items() if option.get('no_log'))
    assert secrets == ['api_token', 'aws_secret_access_key', 'aws_session_token', 'command_env', 'key_secret', 'proxy']
    lexicon = spec['lexicon_options']['options']
    assert lexicon['auth_token']['no_log'] is True and lexicon['auth_username']['no_log'] is False
    assert all(isinstance(option.get('no_log'), bool) for option in lexicon.values())  # every one decided
    assert sorted(registry.secret_values({'provider': 'cloudflare', 'api_token': 'T', 'key_secret': '', 'zone': 'z'})) == ['T']
    assert sorted(registry.secret_values({'provider': 'lexicon', 'lexicon_options': {
        'auth_token': 'T', 'auth_username': 'u', 'auth_password': None}})) == ['T']
    assert sorted(registry.secret_values({'provider': 'command', 'command': ['x'], 'command_env': {'A': 'a', 'B': 7}})) == ['7', 'a']
    assert registry.secret_values(None) == []


def test_unknown_provider_and_missing_required_options():
    with pytest.raises(AcmeInputError, match='dns01.provider must be one of challtestsrv, cloudflare, command, lexicon, rfc2136, route53'):
        registry.make_provider({'provider': 'bind'})
    with pytest.raises(AcmeInputError, match='dns01.provider cloudflare needs dns01.api_token'):
        registry.make_provider({'provider': 'cloudflare'})


class Recorder(DnsProvider):
    """Keeps TXT values per name in memory; ``existing`` are values someone else put there."""

    name = 'recorder'

    def __init__(self, options, existing=None, fail_on=None):
        super(Recorder, self).__init__(options)
        self.values = dict((k, list(v)) for k, v in (existing or {}).items())
        self.calls = []
        self.fail_on = fail_on

    def _find_zone(self, record_name):
        return Zone('example.com', None)

    def add_txt(self, record_name, values):
        self.calls.append(('add', record_name, list(values)))
        if record_name == self.fail_on:
            raise AcmeError('provider refused %s' % record_name)
        have = self.values.setdefault(record_name, [])
        added = [v for v in values if v not in have]
        have.extend(added)
        return added

    def remove_txt(self, record_name, values):
        self.calls.append(('remove', record_name, list(values)))
        self.values[record_name] = [v for v in self.values.get(record_name, []) if v not in values]


class FakeLookup:
    def __init__(self, cnames=None, broken=False):
        self.cnames = cnames or {}
        self.broken = broken

    def cname_target(self, name):
        if self.broken:
            raise LookupFailed('198.51.100.53 did not answer CNAME %s within 5.0s' % name)
        return self.cnames.get(name, name)


def publisher(monkeypatch, provider, options=None, lookup=None, waits=None):
    monkeypatch.setattr(publishers, 'make_provider', lambda opts: provider)
    monkeypatch.setattr(publishers, 'DnsLookup', lambda nameservers: lookup or FakeLookup())

    class Check:
        def __init__(self, lookup, **kwargs):
            self.kwargs = kwargs

        def wait(self, records):
            if waits is not None:
                waits.append(records)
            return 1.5
    monkeypatch.setattr(publishers, 'PropagationCheck', Check)
    return publishers.DnsPublisher(dict({'provider': 'recorder'}, **(options or {})))


def challenges(*pairs):
    return [{'record_name': name, 'txt_value': value} for name, value in pairs]


def test_apex_and_wildcard_values_go_in_together_and_only_ours_are_removed(monkeypatch):
    provider = Recorder({}, existing={'_acme-challenge.example.com': ['foreign']})
    waits = []
    dns = publisher(monkeypatch, provider, waits=waits)
    dns.publish(challenges(('_acme-challenge.example.com', 'apex'), ('_acme-challenge.example.com', 'wild')))
    assert provider.calls == [('add', '_acme-challenge.example.com', ['apex', 'wild'])]
    assert waits == [{'_acme-challenge.example.com': ['apex', 'wild']}]
    assert dns.waited == 1.5
    dns.cleanup()
    assert provider.values == {'_acme-challenge.example.com': ['foreign']}
    assert provider.calls[-1] == ('remove', '_acme-challenge.example.com', ['apex', 'wild'])


def test_a_value_that_was_already_there_is_checked_but_not_removed(monkeypatch):
    provider = Recorder({}, existing={'_acme-challenge.example.com': ['apex']})
    waits = []
    dns = publisher(monkeypatch, provider, waits=waits)
    dns.publish(challenges(('_acme-challenge.example.com', 'apex')))
    assert waits == [{'_acme-challenge.example.com': ['apex']}]
    dns.cleanup()
    assert provider.values['_acme-challenge.example.com'] == ['apex']


def test_a_cname_is_followed_and_the_record_written_at_its_target(monkeypatch):
    provider = Recorder({})
    waits = []
    lookup = FakeLookup({'_acme-challenge.app.example.com': 'app.acme-dns.example.net'})
    dns = publisher(monkeypatch, provider, lookup=lookup, waits=waits)
    dns.publish(challenges(('_acme-challenge.app.example.com', 'v')))
    assert provider.calls == [('add', 'app.acme-dns.example.net', ['v'])]
    assert waits == [{'app.acme-dns.example.net': ['v']}]
    dns.cleanup()
    assert provider.calls[-1] == ('remove', 'app.acme-dns.example.net', ['v'])


def test_following_can_be_switched_off_and_a_failed_lookup_is_explained(monkeypatch):
    lookup = FakeLookup({'_acme-challenge.app.example.com': 'elsewhere.example.net'})
    provider = Recorder({})
    publisher(monkeypatch, provider, {'follow_cname': False}, lookup=lookup).publish(
        challenges(('_acme-challenge.app.example.com', 'v')))
    assert provider.calls == [('add', '_acme-challenge.app.example.com', ['v'])]
    with pytest.raises(AcmeError, match='Cannot tell whether _acme-challenge.app.example.com is a CNAME') as failed:
        publisher(monkeypatch, Recorder({}), lookup=FakeLookup(broken=True)).publish(
            challenges(('_acme-challenge.app.example.com', 'v')))
    assert 'follow_cname: false' in failed.value.hint


def test_when_a_later_name_fails_the_earlier_ones_are_still_cleaned_up(monkeypatch):
    provider = Recorder({}, fail_on='_acme-challenge.b.example.com')
    dns = publisher(monkeypatch, provider)
    with pytest.raises(AcmeError, match='provider refused'):
        dns.publish(challenges(('_acme-challenge.a.example.com', 'va'), ('_acme-challenge.b.example.com', 'vb')))
    dns.cleanup()
    assert provider.values == {'_acme-challenge.a.example.com': []}
    assert ('remove', '_acme-challenge.b.example.com', ['vb']) not in provider.calls


def test_propagation_and_cname_defaults_follow_the_provider(monkeypatch):
    public = publisher(monkeypatch, Recorder({}))
    assert public.follow_cname is True and public.propagation is not None
    test_ca = Recorder({})
    test_ca.public_dns = False
    local = publisher(monkeypatch, test_ca)
    assert local.follow_cname is False and local.propagation is None
    listed = publisher(monkeypatch, test_ca, {'propagation': {'servers': ['127.0.0.1:8053']}})
    assert listed.propagation.kwargs['servers'] == ['127.0.0.1:8053']
    off = publisher(monkeypatch, Recorder({}), {'propagation': {'enabled': False, 'timeout': 5}})
    assert off.propagation is None
