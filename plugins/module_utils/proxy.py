# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An explicit HTTP proxy (the ``proxy`` option of the CA connection and of ``dns01``).

``http://user:password@host:port`` (or ``https://``): HTTPS requests are tunnelled with CONNECT,
plain HTTP ones are sent to the proxy as absolute URLs; credentials go as Basic
``Proxy-Authorization``. The credentials are secret: ``label`` (scheme, host and port) is what
messages name, ``scrub()`` masks the URL, user:password and password in any text. Standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from urllib.parse import unquote, urlsplit

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError, redact


# what http.client raises when the proxy answers CONNECT with anything but 200 (urllib3 and urllib quote it)
TUNNEL_REFUSED = re.compile(r'Tunnel connection failed: (\d{3})( [^\'"()]*)?')
# tinyproxy 1.11 answers a CONNECT with wrong credentials 401, other proxies 407
CREDENTIALS_REFUSED = (401, 407)


class ProxyFailure(AcmeError):
    """The proxy refused the connection or the credentials: nothing reached the server behind it."""


def tunnel_status(text):
    """The HTTP status with which a proxy refused a CONNECT, as quoted in an exception's text; None if not one."""
    match = TUNNEL_REFUSED.search(str(text))
    return int(match.group(1)) if match else None


class Proxy:
    """A parsed ``proxy`` option. ``option`` names it in messages (``proxy``, ``dns01.proxy``)."""

    def __init__(self, url, option='proxy'):
        self.option = option
        url = (url or '').strip()
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in ('http', 'https') or not parts.hostname or port is None \
                or parts.path not in ('', '/') or parts.query or parts.fragment:
            raise AcmeInputError('%s must be a URL like http://host:port or http://user:password@host:port '
                                 '(scheme http or https, with a port); got %s' % (option, self._masked_input(url)))
        self.url = url.rstrip('/')
        self.scheme = parts.scheme
        host = parts.hostname
        self.address = '%s:%d' % ('[%s]' % host if ':' in host else host, port)
        self.label = '%s://%s' % (self.scheme, self.address)
        self.has_credentials = parts.username is not None or parts.password is not None
        self._secrets = [s for s in (url, self.url, parts.netloc.rpartition('@')[0] if '@' in parts.netloc else None,
                                     parts.password, unquote(parts.password or '')) if s]

    @staticmethod
    def _masked_input(url):
        """A refused value, without what may be credentials."""
        if '@' in url:
            return '%s://********@%s' % (url.split('://')[0] if '://' in url else '?', url.rpartition('@')[2])
        return url or 'nothing'

    def scrub(self, text):
        """``text`` with the proxy's URL and credentials masked."""
        return redact(text, self._secrets)

    def via(self):
        """What a message about a failed request adds: the route it took."""
        return ' (through the proxy %s)' % self.label

    def refused(self, status, from_server):
        """True when an answer with HTTP ``status`` came from the proxy rather than the server behind it: 407, or
        401 when the answer is not the server's own (``from_server`` False) - tinyproxy answers wrong credentials
        with 401."""
        return status == 407 or (status == 401 and not from_server)

    def mapping(self):
        """The proxies of ``requests`` / ``botocore`` / ``urllib``: every scheme through this proxy."""
        return {'http': self.url, 'https': self.url}

    def failure(self, reason, target):
        """A ``ProxyFailure`` naming the proxy (never its credentials) and what it did."""
        reason = self.scrub(reason)
        match = TUNNEL_REFUSED.search(reason) or re.search(r'HTTP (\d{3})( [^;()]*)?', reason)
        status = int(match.group(1)) if match else None
        if status in CREDENTIALS_REFUSED:
            what = 'refused the credentials (HTTP %s%s)' % (status, (match.group(2) or '').rstrip())
            hint = 'Check the user name and password in %s' % self.option
        elif status is not None:
            what = 'refused the request (HTTP %s%s)' % (status, (match.group(2) or '').rstrip())
            hint = 'Check that the proxy lets this controller connect to %s (for CONNECT: to its port)' % target
        elif any(words in reason.lower() for words in ('refused', 'unable to connect', 'cannot connect', 'failed to connect')):
            what = 'could not be reached (%s)' % reason
            hint = 'Check the host and port in %s and that the proxy runs' % self.option
        else:
            what = 'failed (%s)' % reason
            hint = 'Check %s and that the proxy may connect to %s' % (self.option, target)
        return ProxyFailure('The proxy %s (%s) %s; nothing was sent to %s' % (self.label, self.option, what, target),
                            hint=hint)


def proxy_from(value, option='proxy'):
    """A ``Proxy`` for a set option, None for an unset one."""
    if value in (None, ''):
        return None
    return Proxy(value, option)
