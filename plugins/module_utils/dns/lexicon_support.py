# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What running dns-lexicon inside an Ansible module needs around it.

- Imported on first use, with a ``pip install`` hint when it is missing.
- No network access of its own: ``lexicon.client`` guesses the zone with tldextract, which
  downloads the public suffix list; the zone is found by the provider instead and the guess is
  replaced by an extractor that returns the zone it is given (``offline_zone_guess``). Providers
  that call ``tldextract.extract`` themselves get the suffix list tldextract ships.
- Quiet: lexicon logs through the root logger and some providers ``print()``; the module's
  stdout carries its JSON result, so stdout goes to a sink while lexicon runs (``quiet``).
- A time limit: lexicon's providers call ``requests`` without one, so a hung API would hang the
  task; every HTTP request made without a limit inside ``quiet`` gets the provider's timeout.
- lexicon's list of installed providers is read once per process, not at every client.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import io
import logging
import sys
import threading
from importlib.util import find_spec

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.dns.lexicon_catalog import EXTRAS

HAS_LEXICON = find_spec('lexicon') is not None
BODY_EXCERPT = 300

_setup_lock = threading.Lock()
_state = {'installed': False, 'quiet_depth': 0, 'stdout': None}
_local = threading.local()


def pip_command(provider):
    return "pip install 'dns-lexicon[%s]'" % provider if provider in EXTRAS else 'pip install dns-lexicon'


def load_lexicon(provider):
    """``(Client, ConfigResolver, DictConfigSource)`` of the installed dns-lexicon."""
    if not HAS_LEXICON:
        raise AcmeInputError('dns01.provider lexicon needs the Python package dns-lexicon on the controller: %s'
                             % pip_command(provider))
    try:
        from lexicon.client import Client  # pylint: disable=import-outside-toplevel
        from lexicon.config import ConfigResolver, DictConfigSource  # pylint: disable=import-outside-toplevel
    except Exception as exc:  # pylint: disable=broad-except  # a broken install raises anything
        raise AcmeInputError('dns-lexicon cannot be imported (%s: %s): %s' % (type(exc).__name__, exc, pip_command(provider)))
    _install()
    return Client, ConfigResolver, DictConfigSource


def known_providers():
    """Names of the installed lexicon's providers (empty when its private discovery module moved)."""
    try:
        from lexicon._private.discovery import find_providers  # pylint: disable=import-outside-toplevel
        return sorted(name for name in find_providers() if name != 'auto')
    except Exception:  # pylint: disable=broad-except  # only used to make a message more helpful
        return []


class _ZoneAsGiven:
    """Stands in for ``tldextract.TLDExtract`` in ``lexicon.client``: the domain it is given is the zone."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, domain, *args, **kwargs):
        first, dot, rest = str(domain).partition('.')
        return _Parts(first, rest)


class _Parts:
    def __init__(self, domain, suffix):
        self.domain = domain
        self.suffix = suffix


class _ZoneGuessModule:
    TLDExtract = _ZoneAsGiven


def _install():
    """Once per process: the offline zone guess, silenced loggers, the request time limit."""
    with _setup_lock:
        if _state['installed']:
            return
        import lexicon.client  # pylint: disable=import-outside-toplevel
        if hasattr(lexicon.client, 'tldextract'):
            lexicon.client.tldextract = _ZoneGuessModule
        if hasattr(lexicon.client, '_find_providers'):  # read once, not at every client (0.1-0.2 s each)
            lexicon.client._find_providers = _once(lexicon.client._find_providers)  # pylint: disable=protected-access
        _offline_suffix_list()
        root = logging.getLogger()
        if not root.handlers:  # else lexicon's logging.debug() calls basicConfig(), a handler writing to stderr
            root.addHandler(logging.NullHandler())
        for name in ('lexicon', 'tldextract', 'filelock'):
            logger = logging.getLogger(name)
            logger.addHandler(logging.NullHandler())
            logger.propagate = False
        _limit_requests()
        _state['installed'] = True


def _once(function):
    results = []

    def cached():
        if not results:
            results.append(function())
        return results[0]
    return cached


def _offline_suffix_list():
    """``tldextract.extract`` (used by a few providers) with the suffix list tldextract ships, never a download."""
    try:
        import tldextract  # pylint: disable=import-outside-toplevel
        import tldextract.tldextract as implementation  # pylint: disable=import-outside-toplevel
        implementation.TLD_EXTRACTOR = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)
    except Exception:  # pylint: disable=broad-except  # another tldextract: it keeps its own behaviour
        pass


def _limit_requests():
    try:
        from requests.adapters import HTTPAdapter  # pylint: disable=import-outside-toplevel
    except ImportError:
        return
    original = HTTPAdapter.send

    def send(self, request, stream=False, timeout=None, *args, **kwargs):
        if timeout is None:
            timeout = getattr(_local, 'timeout', None)
        proxies = getattr(_local, 'proxies', None)
        if proxies:  # dns01.proxy: whatever the session or the environment chose
            if len(args) >= 3:
                args = args[:2] + (dict(proxies),) + args[3:]
            else:
                kwargs['proxies'] = dict(proxies)
        return original(self, request, stream, timeout, *args, **kwargs)

    HTTPAdapter.send = send


@contextlib.contextmanager
def quiet(timeout, proxies=None):
    """While lexicon runs in this thread: stdout to a sink (shared by concurrent threads), HTTP time limit, and
    the proxies (``dns01.proxy``) every ``requests`` call of the provider goes through."""
    with _setup_lock:
        if _state['quiet_depth'] == 0:
            _state['stdout'] = sys.stdout
            sys.stdout = io.StringIO()
        _state['quiet_depth'] += 1
    _local.timeout = timeout
    _local.proxies = proxies
    try:
        yield
    finally:
        _local.timeout = None
        _local.proxies = None
        with _setup_lock:
            _state['quiet_depth'] -= 1
            if _state['quiet_depth'] == 0:
                sys.stdout = _state['stdout']


def describe(exc):
    """One line for an exception of a lexicon provider: HTTP status and the API's answer, an AWS error code, or its text."""
    response = getattr(exc, 'response', None)
    status = getattr(response, 'status_code', None)
    if status is not None:
        body = ' '.join((getattr(response, 'text', '') or '').split())
        if len(body) > BODY_EXCERPT:
            body = body[:BODY_EXCERPT] + '...'
        reason = getattr(response, 'reason', '') or ''
        if body == reason:
            body = ''
        return 'HTTP %s %s%s' % (status, reason, (': ' + body) if body else '')
    if isinstance(response, dict) and isinstance(response.get('Error'), dict):  # botocore ClientError
        error = response['Error']
        return '%s: %s' % (error.get('Code'), error.get('Message'))
    text = ' '.join(str(exc).split())
    return '%s: %s' % (type(exc).__name__, text) if text else type(exc).__name__


def http_status(exc):
    return getattr(getattr(exc, 'response', None), 'status_code', None)


TRANSIENT_TYPES = ('ConnectionError', 'ConnectTimeout', 'ReadTimeout', 'Timeout', 'ChunkedEncodingError',
                   'EndpointConnectionError', 'ConnectTimeoutError', 'ReadTimeoutError')


def is_transient(exc):
    """HTTP 429 or 5xx, or no answer at all (requests' and botocore's connection errors): worth another try."""
    status = http_status(exc)
    if status is not None:
        return status == 429 or status >= 500
    return type(exc).__name__ in TRANSIENT_TYPES
