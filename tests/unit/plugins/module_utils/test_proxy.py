# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The proxy option: parsing, masking of its credentials, how a refusal is told, and where the CA connection,
the lookup cache and the DNS providers take it. Requests through a real proxy: the acme_proxy integration target."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import reach_key, resolve_connection
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lexicon_support import load_lexicon, quiet
from ansible_collections.sslclm.acme.plugins.module_utils.dns.registry import make_provider
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.proxy import Proxy, proxy_from, tunnel_status

URL = 'http://alice:s%40cret-Pass@proxy.example:3128'


def test_parsed_without_its_credentials_in_what_messages_name():
    proxy = Proxy(URL)
    assert proxy.label == 'http://proxy.example:3128'
    assert proxy.address == 'proxy.example:3128'
    assert proxy.has_credentials
    assert proxy.mapping() == {'http': URL, 'https': URL}
    assert not Proxy('http://proxy.example:3128').has_credentials
    assert proxy_from(None) is None and proxy_from('') is None


def test_scrub_masks_the_url_the_userinfo_and_the_password_decoded_or_not():
    text = Proxy(URL).scrub('to %s: alice:s%%40cret-Pass@ and s@cret-Pass and s%%40cret-Pass' % URL)
    assert 'cret-Pass' not in text
    assert 'alice:' not in text


@pytest.mark.parametrize('url', ['proxy.example:3128', 'socks5://proxy.example:1080', 'http://proxy.example',
                                 'http://u:p@proxy.example:3128/path', 'http://:3128', 'http://u:p@host:notaport'])
def test_a_url_that_cannot_work_is_refused_without_its_credentials(url):
    with pytest.raises(AcmeInputError) as error:
        Proxy(url, 'dns01.proxy')
    assert 'dns01.proxy must be a URL' in error.value.msg
    if '@' in url:
        assert 'u:p' not in error.value.msg


@pytest.mark.parametrize('reason, words', [
    ("ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: 407 Proxy Authentication Required'))",
     'refused the credentials (HTTP 407 Proxy Authentication Required from ********)'),
    ("OSError('Tunnel connection failed: 401 Unauthorized')", 'refused the credentials (HTTP 401 Unauthorized)'),
    ("OSError('Tunnel connection failed: 403 Forbidden')", 'refused the request (HTTP 403 Forbidden)'),
    ('[Errno 111] Connection refused', 'could not be reached ([Errno 111] Connection refused)'),
    ('Failed to connect to proxy URL: "http://***:***@proxy.example:3128"',
     'could not be reached (Failed to connect to proxy URL: "http://***:***@proxy.example:3128")'),
    ('HTTP 407', 'refused the credentials (HTTP 407)'),
])
def test_a_refusal_names_the_proxy_and_what_it_did(reason, words):
    failure = Proxy(URL).failure(reason.replace('Required', 'Required from %s' % URL), 'https://ca.example/dir')
    assert failure.msg.startswith('The proxy http://proxy.example:3128 (proxy) ' + words)
    assert 'nothing was sent to https://ca.example/dir' in failure.msg
    assert 'cret-Pass' not in failure.msg


def test_tunnel_status_reads_the_status_of_a_refused_connect():
    assert tunnel_status('Tunnel connection failed: 407 Proxy Authentication Required') == 407
    assert tunnel_status('[Errno 111] Connection refused') is None


def test_an_answer_without_the_servers_own_form_is_the_proxys():
    proxy = Proxy(URL)
    assert proxy.refused(407, True)
    assert proxy.refused(401, False)      # tinyproxy: wrong credentials are a 401
    assert not proxy.refused(401, True)   # the API's own 401 (JSON envelope, AWS error code)
    assert not proxy.refused(403, False)


def test_the_task_proxy_is_used_and_a_connector_made_through_one_needs_it_again():
    connector = {'directory': 'https://ca.example/dir', 'proxy_address': 'proxy.example:3128'}
    assert resolve_connection({'connector': connector, 'proxy': URL})['proxy'] == URL
    assert resolve_connection({'directory': 'https://ca.example/dir'})['proxy'] is None
    with pytest.raises(AcmeInputError) as error:
        resolve_connection({'connector': connector})
    assert 'made through the proxy proxy.example:3128; give proxy on this task too' in error.value.msg


def test_the_lookup_cache_tells_routes_apart_by_the_proxy_never_by_its_credentials():
    direct = reach_key({'directory': 'https://ca.example/dir'})
    proxied = reach_key({'directory': 'https://ca.example/dir', 'proxy': URL})
    other_password = reach_key({'directory': 'https://ca.example/dir', 'proxy': URL.replace('cret', 'CRET')})
    assert direct == 'validate_certs:True'
    assert proxied == 'validate_certs:True,proxy:http://proxy.example:3128' == other_password


@pytest.mark.parametrize('options, words', [
    ({'provider': 'rfc2136', 'server': '127.0.0.1'}, 'RFC 2136 updates are DNS messages'),
    ({'provider': 'command', 'command': ['/bin/true']}, 'give it a proxy through dns01.command_env'),
    ({'provider': 'challtestsrv'}, 'cannot use a proxy'),
])
def test_a_dns_provider_that_cannot_use_the_proxy_refuses_it(options, words):
    with pytest.raises(AcmeInputError) as error:
        make_provider(dict(options, proxy=URL))
    assert words in error.value.msg
    assert 'cret-Pass' not in error.value.msg


def test_cloudflare_takes_the_proxy_and_masks_it():
    provider = make_provider({'provider': 'cloudflare', 'api_token': 'token-123', 'proxy': URL})
    assert provider.proxy.label == 'http://proxy.example:3128'
    assert provider.scrub('%s token-123' % URL) == '******** ********'


def test_a_lexicon_provider_without_requests_refuses_the_proxy():
    with pytest.raises(AcmeInputError) as error:
        make_provider({'provider': 'lexicon', 'lexicon_provider': 'route53', 'proxy': URL})
    assert 'lexicon provider route53 does not send its requests through the requests library' in error.value.msg
    assert 'use dns01.provider route53' in error.value.msg


def test_lexicons_requests_go_to_the_proxy_while_it_runs_and_direct_after():
    pytest.importorskip('lexicon.client')  # as test_lexicon.py: dns-lexicon is in the py311 venv, not in core217's
    requests = pytest.importorskip('requests')
    load_lexicon('powerdns')  # installs the HTTPAdapter hook
    with quiet(5, {'http': 'http://127.0.0.1:9', 'https': 'http://127.0.0.1:9'}):
        with pytest.raises(requests.exceptions.ProxyError):
            requests.get('http://127.0.0.1:1/', timeout=5)
    with pytest.raises(requests.exceptions.ConnectionError) as direct:
        requests.Session().send(requests.Request('GET', 'http://127.0.0.1:1/').prepare(), timeout=5)
    assert not isinstance(direct.value, requests.exceptions.ProxyError)


def test_orders_take_the_route_of_the_definition_not_the_tasks(monkeypatch):
    """The task's proxy (module_defaults) fills a definition that sets none; a definition's own proxy - a fallback
    CA reached another way - carries the orders too, not only the account look-up."""
    pytest.importorskip('acme')
    from ansible_collections.sslclm.acme.plugins.module_utils.acme import enroll_run

    def definitions(params, check_mode):  # what ca_from_definitions returns, the CA's network left out
        own = params['connector_definition'].get('proxy')
        return ({'policy': {}, 'connector': {}}, {'account_key_src': '/k', 'account_key_content': None,
                                                  'proxy': own if own is not None else params.get('proxy')}, {'actions': []}, [])
    monkeypatch.setattr(enroll_run, 'ca_from_definitions', definitions)
    task = {'ca_definition': {'name': 'zerossl'}, 'proxy': 'http://task-proxy:3128'}
    params = enroll_run.with_definitions(dict(task, connector_definition={'proxy': 'http://other:8080'}), False)[0]
    assert params['proxy'] == 'http://other:8080'
    assert enroll_run.with_definitions(dict(task, connector_definition={}), False)[0]['proxy'] == 'http://task-proxy:3128'
    assert enroll_run.with_definitions(dict(task, connector_definition={'proxy': ''}), False)[0]['proxy'] is None
