# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""provider: lexicon around the installed dns-lexicon: options, the zone, changes, errors, quiet and time-limited runs.

lexicon's own provider classes are replaced (``wrap_provider``) by in-memory ones that keep the real option
parser, except where a real one runs: lexicon's Cloudflare against the lab's API stand-in, lexicon's Route 53
over a recorded-response client.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import socket
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import quote

import pytest

pytest.importorskip('lexicon.client')

import requests  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns import lexicon_support  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProviderError  # noqa: E402
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lexicon_provider import (  # noqa: E402
    LexiconProvider,
    coerce,
    env_name,
)

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'lab')
NAME = '_acme-challenge.www.sub.zone.test'
SECRET = 'k+y/with=odd&chars'


class Response:
    def __init__(self, status, text, reason=''):
        self.status_code, self.text, self.reason = status, text, reason


def http_error(status, text, reason=''):
    return requests.exceptions.HTTPError('%s Error for url: https://api.test/x?key=%s' % (status, quote(SECRET, safe='')),
                                         response=Response(status, text, reason))


def memory(store, fail=None, create_result=True, forget_deletes=False, seen=None):
    """``wrap_provider`` giving an in-memory provider that keeps the real class's option parser.

    ``store``: name -> [values]; ``fail``: {'authenticate'|'create'|'delete': exception, or a list of
    exceptions raised one per call until it is empty}; ``seen``: list the provider appends the domain lexicon gave it to."""
    def failing(where):
        error = (fail or {}).get(where)
        if isinstance(error, list):
            return error.pop(0) if error else None
        return error

    def wrap(real):
        class Memory(real):
            def __init__(self, config):  # pylint: disable=super-init-not-called  # nothing of the real one
                self.config = config
                self.domain = config.resolve('lexicon:domain')

            def authenticate(self):
                if seen is not None:
                    seen.append((self.domain, self.config.resolve('lexicon:ttl')))
                error = failing('authenticate')
                if error:
                    raise error

            def list_records(self, rtype=None, name=None, content=None):
                return [{'type': 'TXT', 'name': name, 'content': '"%s"' % v} for v in store.get(name, [])]

            def create_record(self, rtype, name, content):
                error = failing('create') if store.get(name) else None
                if error:
                    raise error
                if create_result:
                    store.setdefault(name, []).append(content)
                return create_result

            def delete_record(self, identifier=None, rtype=None, name=None, content=None):
                assert content is not None  # else lexicon providers delete the whole record set
                error = failing('delete')
                if error:
                    raise error
                if not forget_deletes:
                    store[name].remove(content)
                return True

            def cleanup(self):
                pass
        return Memory
    return wrap


def provider(wrap=None, environ=None, sleep=None, **options):
    config = dict({'lexicon_provider': 'powerdns', 'zone': 'sub.zone.test', 'ttl': 60, 'timeout': 5,
                   'lexicon_options': {'pdns_server': 'https://api.test', 'auth_token': SECRET}}, **options)
    return LexiconProvider(config, environ=environ or {}, wrap_provider=wrap, sleep=sleep or (lambda seconds: None))


def test_values_on_the_name_are_kept_and_only_ours_are_removed():
    store, seen = {NAME: ['foreign']}, []
    dns = provider(memory(store, seen=seen))
    assert dns.add_txt(NAME, ['a', 'b', 'foreign']) == ['a', 'b']
    assert dns.add_txt(NAME, ['a', 'c']) == ['c']
    dns.remove_txt(NAME, ['a', 'b', 'c'])
    assert store[NAME] == ['foreign']
    # lexicon was told the zone (not its public-suffix guess) and the TTL, with a fresh client per change
    assert seen == [('sub.zone.test', 60)] * 3


def test_the_zone_comes_from_the_soa_when_not_given(monkeypatch):
    from ansible_collections.sslclm.acme.plugins.module_utils.dns import lexicon_provider
    asked = []

    class Lookup:
        def __init__(self, nameservers, timeout):
            asked.append(nameservers)

        def zone_of(self, name):
            return 'sub.zone.test'
    monkeypatch.setattr(lexicon_provider, 'DnsLookup', Lookup)
    seen = []
    dns = provider(memory({}, seen=seen), zone=None, nameservers=['192.0.2.53'])
    dns.add_txt(NAME, ['a'])
    assert seen[0][0] == 'sub.zone.test' and asked == [['192.0.2.53']]
    with pytest.raises(AcmeInputError, match='is not in dns01.zone other.test'):
        provider(memory({}), zone='other.test').add_txt(NAME, ['a'])


def test_a_create_that_reports_failure_is_an_error_and_what_was_created_is_taken_back():
    store = {}
    with pytest.raises(DnsProviderError, match='did not create TXT .*the provider reported failure'):
        provider(memory(store, create_result=False)).add_txt(NAME, ['a'])
    with pytest.raises(DnsProviderError, match=r'failed to change TXT records in zone sub.zone.test: HTTP 500 .*\(tried 3 times\)'):
        provider(memory(store, fail={'create': http_error(500, 'boom')})).add_txt(NAME, ['a', 'b'])
    assert store[NAME] == []  # 'a' was created, then removed again when 'b' failed (at each of the 3 tries)


def test_transient_failures_are_tried_again_from_a_fresh_read_and_others_are_not():
    store, seen, slept = {NAME: ['foreign']}, [], []
    flaky = [http_error(503, 'busy'), requests.exceptions.ConnectionError('connection reset')]
    dns = provider(memory(store, fail={'create': flaky}, seen=seen), sleep=slept.append)
    assert dns.add_txt(NAME, ['a']) == ['a']
    assert store[NAME] == ['foreign', 'a'] and len(seen) == 3 and slept == [1.0, 3.0]
    seen[:] = []
    with pytest.raises(DnsProviderError, match=r'HTTP 401 Unauthorized: no\)$'):
        provider(memory(store, fail={'authenticate': http_error(401, 'no', 'Unauthorized')}, seen=seen)).add_txt(NAME, ['b'])
    assert len(seen) == 1  # bad credentials stay bad


def test_a_removal_is_read_back():
    store = {NAME: []}
    dns = provider(memory(store, forget_deletes=True))
    dns.add_txt(NAME, ['a'])
    with pytest.raises(DnsProviderError, match=r'did not remove TXT %s \(1 of our values are still there\)' % NAME):
        dns.remove_txt(NAME, ['a'])
    dns.remove_txt(NAME, [])  # nothing to do, nothing asked


@pytest.mark.parametrize('where,status,message', [
    ('authenticate', 401, 'lexicon powerdns refused the credentials when looking up zone sub.zone.test (HTTP 401 Unauthorized: no zone'),
    ('authenticate', 404, 'No lexicon powerdns zone the credentials can see is sub.zone.test (HTTP 404 Not Found: no zone'),
    ('authenticate', 500, 'lexicon powerdns failed when looking up zone sub.zone.test: HTTP 500'),
    ('create', 403, 'lexicon powerdns refused the credentials for a change in zone sub.zone.test (HTTP 403'),
])
def test_api_failures_become_one_sentence_with_every_secret_masked(where, status, message):
    reason = {401: 'Unauthorized', 404: 'Not Found'}.get(status, '')
    error = http_error(status, 'no zone; you sent key=%s (%s)' % (quote(SECRET, safe=''), SECRET), reason)
    store = {NAME: ['foreign']}
    with pytest.raises(DnsProviderError) as caught:
        provider(memory(store, fail={where: error})).add_txt(NAME, ['a'])
    text = caught.value.to_result()['msg']
    assert message in text
    assert SECRET not in text and quote(SECRET, safe='') not in text and '********' in text
    assert store == {NAME: ['foreign']}


def test_lexicon_authentication_errors_mean_the_zone_is_not_there():
    from lexicon.exceptions import AuthenticationError
    with pytest.raises(DnsProviderError, match=r'No lexicon powerdns zone .* is sub.zone.test \(AuthenticationError: No domain found\)'):
        provider(memory({}, fail={'authenticate': AuthenticationError('No domain found')})).add_txt(NAME, ['a'])


def test_unknown_provider_unknown_option_and_missing_extras(monkeypatch):
    with pytest.raises(AcmeInputError, match=r"dns01.lexicon_provider 'nosuchdns' is not a provider of the installed "
                                             r"dns-lexicon \(it has: .*powerdns.*\)"):
        provider(lexicon_provider='nosuchdns')
    with pytest.raises(AcmeInputError, match=r'dns01.lexicon_options auth_username: not an option of lexicon provider powerdns '
                                             r'\(its options: auth_token, pdns_disable_notify, pdns_server, pdns_server_id\)'):
        provider(lexicon_options={'auth_username': 'me'})
    with pytest.raises(AcmeInputError, match='dns01.zone_id is an option of the route53 and cloudflare providers'):
        provider(zone_id='Z1')
    import lexicon.client
    monkeypatch.setattr(lexicon.client, '_find_providers', lambda: {'route53': False})
    with pytest.raises(AcmeInputError, match=r"lexicon provider route53 needs packages that are not installed: "
                                             r"pip install 'dns-lexicon\[route53\]'"):
        provider(lexicon_provider='route53', lexicon_options={})


def test_without_dns_lexicon_the_error_names_the_pip_command(monkeypatch):
    monkeypatch.setattr(lexicon_support, 'HAS_LEXICON', False)
    with pytest.raises(AcmeInputError, match='needs the Python package dns-lexicon on the controller: pip install dns-lexicon$'):
        provider()
    with pytest.raises(AcmeInputError, match=r"pip install 'dns-lexicon\[route53\]'"):
        provider(lexicon_provider='route53', lexicon_options={})


def parser_action(provider_name, dest):
    import argparse
    from lexicon._private.discovery import load_provider_module
    parser = argparse.ArgumentParser(add_help=False)
    load_provider_module(provider_name).Provider.configure_parser(parser)
    return next(a for a in parser._actions if a.dest == dest)  # pylint: disable=protected-access


def test_values_are_made_what_the_provider_parser_would_make():
    sandbox = parser_action('namecheap', 'auth_sandbox')  # a flag
    assert [coerce('namecheap', sandbox, v) for v in (True, 'yes', 'false', 0)] == [True, True, False, False]
    with pytest.raises(AcmeInputError, match='is a flag: true or false'):
        coerce('namecheap', sandbox, 'maybe')
    sleep = parser_action('rackspace', 'sleep_time')  # type=float
    assert coerce('rackspace', sleep, '2.5') == 2.5
    with pytest.raises(AcmeInputError, match='must be a float'):
        coerce('rackspace', sleep, 'soon')
    entry = parser_action('ovh', 'auth_entrypoint')  # choices
    assert coerce('ovh', entry, 'ovh-eu') == 'ovh-eu'
    with pytest.raises(AcmeInputError, match='must be one of ovh-eu, ovh-ca'):
        coerce('ovh', entry, 'ovh-us')
    private = parser_action('route53', 'private_zone')  # a string the provider compares with "true"
    assert coerce('route53', private, False) == 'false' and coerce('route53', private, 12) == '12'
    with pytest.raises(AcmeInputError, match='must be a string, number or boolean'):
        coerce('route53', private, {'a': 1})


def test_options_come_from_defaults_then_the_environment_then_the_task():
    environ = {env_name('namecheap', 'auth_token'): 'from-env', env_name('namecheap', 'auth_username'): 'env-user',
               'LEXICON_NAMECHEAP_AUTH_SANDBOX': 'true', 'LEXICON_OTHER_AUTH_TOKEN': 'not-ours'}
    dns = provider(lexicon_provider='namecheap', lexicon_options={'auth_username': 'task-user'}, environ=environ)
    assert dns.settings == {'auth_token': 'from-env', 'auth_username': 'task-user', 'auth_sandbox': True,
                            'auth_client_ip': '127.0.0.1'}  # the parser's default
    assert dns.secrets == ['from-env']
    assert env_name('google-cloud', 'auth_token') == 'LEXICON_GOOGLE_CLOUD_AUTH_TOKEN'


def test_stdout_stays_clean_while_providers_print_also_from_threads(capsys):
    def printing(real):
        memory_class = memory({})(real)

        class Printing(memory_class):
            def authenticate(self):
                print('provider chatter on stdout')
        return Printing

    workers = [threading.Thread(target=provider(printing).add_txt, args=('_acme-challenge.%d.sub.zone.test' % i, ['a']))
               for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print('the module result')
    assert capsys.readouterr().out == 'the module result\n'


def test_http_requests_without_a_time_limit_get_the_provider_timeout():
    silent = socket.socket()
    silent.bind(('127.0.0.1', 0))
    silent.listen(5)  # accepts, never answers
    url = 'http://127.0.0.1:%d/zones' % silent.getsockname()[1]

    def hanging(real):
        class Hanging(memory({})(real)):
            def authenticate(self):
                requests.get(url)  # no timeout, as lexicon's providers call it
        return Hanging

    dns = provider(hanging, timeout=1)
    dns.retry_waits = ()  # one try: this test times one request
    start = time.monotonic()
    try:
        with pytest.raises(DnsProviderError, match='failed when looking up zone sub.zone.test: ReadTimeout'):
            dns.add_txt(NAME, ['a'])
    finally:
        silent.close()
    assert time.monotonic() - start < 4


# ----------------------------------------------------------- lexicon's Cloudflare against the lab's stand-in
@pytest.fixture
def cloudflare_api():
    sys.path.insert(0, LAB)
    import cloudflare_fake  # pylint: disable=import-error,import-outside-toplevel
    state = cloudflare_fake.State({'zones': ['zone.test', 'sub.zone.test'], 'name_servers': ['ns.zone.test'],
                                   'tokens': {'e' * 40: 'edit', 'r' * 40: 'read'}, 'ns_address': '127.0.0.1',
                                   'max_per_page': 5})
    server = ThreadingHTTPServer(('127.0.0.1', 0), cloudflare_fake.make_handler(state))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, 'http://127.0.0.1:%d/client/v4' % server.server_address[1]
    server.shutdown()
    server.server_close()


def at(endpoint):
    """Test only: lexicon's Cloudflare provider has api.cloudflare.com built in."""
    def wrap(real):
        class Redirected(real):
            def __init__(self, config):
                super(Redirected, self).__init__(config)
                self.api_endpoint = endpoint
        return Redirected
    return wrap


def cloudflare(endpoint, token='e' * 40, **options):
    return provider(at(endpoint), lexicon_provider='cloudflare', lexicon_options={'auth_token': token}, **options)


def test_lexicon_cloudflare_publishes_and_removes_only_our_values(cloudflare_api):
    state, endpoint = cloudflare_api
    zone_id = next(z['id'] for z in state.zones.values() if z['name'] == 'sub.zone.test')
    state.create(state.zones[zone_id], {'type': 'TXT', 'name': NAME, 'content': 'foreign', 'ttl': 60})
    dns = cloudflare(endpoint)
    assert dns.add_txt(NAME, ['a', 'b', 'foreign']) == ['a', 'b']
    assert sorted((r['zone_name'], r['content']) for r in state.records.values()) == [
        ('sub.zone.test', 'a'), ('sub.zone.test', 'b'), ('sub.zone.test', 'foreign')]
    dns.remove_txt(NAME, ['a', 'b'])
    assert [r['content'] for r in state.records.values()] == ['foreign']


def test_lexicon_cloudflare_errors(cloudflare_api):
    state, endpoint = cloudflare_api
    with pytest.raises(DnsProviderError, match=r'No lexicon cloudflare zone the credentials can see is other.test '
                                               r'\(AuthenticationError: No domain found\)'):
        cloudflare(endpoint, zone='other.test').add_txt('_acme-challenge.other.test', ['a'])
    with pytest.raises(DnsProviderError, match=r'lexicon cloudflare refused the credentials for a change in zone sub.zone.test '
                                               r'\(HTTP 403 Forbidden: .*Authentication error'):
        cloudflare(endpoint, token='r' * 40).add_txt(NAME, ['a'])
    assert state.records == {}


# ----------------------------------------------------------- lexicon's Route 53 over recorded answers
class RecordedRoute53:
    """The calls lexicon's Route 53 provider makes, answered as Route 53 answered them; changes can be refused."""

    def __init__(self, refuse=None):
        self.refuse = refuse
        self.sets = [{'Name': 'sub.zone.test.', 'Type': 'SOA', 'TTL': 900, 'ResourceRecords': [{'Value': 'ns. h. 1 2 3 4 5'}]}]

    def list_hosted_zones_by_name(self, **kwargs):
        return {'HostedZones': [{'Id': '/hostedzone/Z1', 'Name': 'sub.zone.test.', 'Config': {'PrivateZone': False}}],
                'IsTruncated': False}

    def list_resource_record_sets(self, **kwargs):
        return {'ResourceRecordSets': self.sets, 'IsTruncated': False}

    def change_resource_record_sets(self, HostedZoneId, ChangeBatch):  # noqa: N803 (boto3 naming)
        from botocore.exceptions import ClientError  # pylint: disable=import-outside-toplevel
        if self.refuse:
            raise ClientError({'Error': {'Code': 'AccessDenied', 'Message': self.refuse}}, 'ChangeResourceRecordSets')
        change = ChangeBatch['Changes'][0]
        record_set = change['ResourceRecordSet']
        self.sets = [s for s in self.sets if (s['Name'], s['Type']) != (record_set['Name'], record_set['Type'])]
        if change['Action'] != 'DELETE':
            self.sets.append(record_set)
        return {'ChangeInfo': {'Id': 'C1', 'Status': 'INSYNC'}}


def route53(client):
    pytest.importorskip('boto3')

    def wrap(real):
        class Recorded(real):
            def __init__(self, config):
                super(Recorded, self).__init__(config)
                self.r53_client = client
        return Recorded
    return provider(wrap, lexicon_provider='route53', lexicon_options={'auth_access_key': 'AKIA', 'auth_access_secret': SECRET})


def test_lexicon_route53_changes_and_the_failures_it_swallows():
    client = RecordedRoute53()
    dns = route53(client)
    assert dns.add_txt(NAME, ['a', 'b']) == ['a', 'b']
    assert [s['ResourceRecords'] for s in client.sets if s['Type'] == 'TXT'] == [[{'Value': '"a"'}, {'Value': '"b"'}]]
    client.refuse = 'not allowed to change'
    # lexicon logs the AccessDenied and returns False from create, and nothing from delete: both are caught
    with pytest.raises(DnsProviderError, match='did not create TXT .*the provider reported failure'):
        dns.add_txt(NAME, ['c'])
    with pytest.raises(DnsProviderError, match=r'did not remove TXT .* \(2 of our values are still there\)'):
        dns.remove_txt(NAME, ['a', 'b'])
    client.refuse = None
    dns.remove_txt(NAME, ['a', 'b'])
    assert [s for s in client.sets if s['Type'] == 'TXT'] == []


# ----------------------------------------------------------- the AWX credential type example
def test_the_awx_credential_type_injects_what_the_provider_reads():
    import re
    import yaml
    from ansible_collections.sslclm.acme.plugins.module_utils.dns.lexicon_catalog import OPTIONS
    path = os.path.join(LAB, '..', '..', 'extensions', 'awx', 'credential_types', 'dns_lexicon_powerdns.yml')
    with open(path) as handle:
        credential = yaml.safe_load(handle)
    fields = dict((field['id'], field) for field in credential['inputs']['fields'])
    inputs = {'api_url': 'https://pdns.example.com:8081', 'api_key': 'the-api-key', 'server_id': ''}  # optional: empty
    environ = {}
    for variable, template in credential['injectors']['env'].items():
        field = re.match(r'^\{\{ (\w+) \}\}$', template).group(1)
        option = variable[len('LEXICON_POWERDNS_'):].lower()
        assert env_name('powerdns', option) == variable and option in OPTIONS
        assert bool(fields[field].get('secret')) == OPTIONS[option], '%s must be secret exactly when %s is' % (field, option)
        environ[variable] = inputs[field]
    dns = provider(lexicon_options=None, environ=environ)
    assert dns.settings == {'pdns_server': 'https://pdns.example.com:8081', 'auth_token': 'the-api-key'}
    assert dns.secrets == ['the-api-key']
