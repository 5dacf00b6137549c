# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The challenge agent's configuration file, checked whole before anything uses it (stdlib only).

    {"http01": {"enabled": true, "address": "::", "port": 80, "challenge_dir": "/var/lib/sslclm-acme/http01",
                "thumbprint": null},
     "tls_alpn01": {"enabled": false, "address": "::", "port": 443, "cert_dir": "/var/lib/sslclm-acme/tls-alpn01"},
     "limits": {"max_connections": 256, "max_connections_per_client": 16, "request_timeout": 10,
                "client_hello_timeout": 3}}

``load_config`` returns it with every default filled in, or raises ``ConfigError`` naming
the setting and what is wrong: the agent refuses to start with a bad file, and a reload
(SIGHUP) with one keeps the configuration it runs. The listeners (address and port of each
enabled responder) are bound once at start; ``listeners()`` tells whether a new file
changes them, which takes a restart.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import json
import os

from ansible_collections.sslclm.acme.plugins.module_utils.host.tokens import THUMBPRINT_RE

MAX_CONFIG_SIZE = 65536

DEFAULTS = {
    'http01': {'enabled': True, 'address': '::', 'port': 80, 'challenge_dir': None, 'thumbprint': None},
    'tls_alpn01': {'enabled': False, 'address': '::', 'port': 443, 'cert_dir': None},
    'limits': {'max_connections': 256, 'max_connections_per_client': 16, 'request_timeout': 10.0,
               'client_hello_timeout': 3.0},
}
_INT_LIMITS = {'max_connections': (1, 65536), 'max_connections_per_client': (1, 65536)}
_TIME_LIMITS = {'request_timeout': (1.0, 300.0), 'client_hello_timeout': (0.5, 60.0)}


class ConfigError(ValueError):
    pass


def _address(name, value):
    try:
        if isinstance(value, str):
            return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    return _fail(name, value, 'an IP address (:: for IPv6 and IPv4, 0.0.0.0 for IPv4, or one address of the host)')


def _fail(name, value, what=None):
    raise ConfigError('%s: %r is not %s' % (name, value, what or 'valid here'))


def _port(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        _fail(name, value, 'a port number (1-65535)')
    return value


def _directory(name, value):
    if value is None:
        return None
    if not isinstance(value, str) or not os.path.isabs(value) or '\0' in value or '\n' in value:
        _fail(name, value, 'an absolute path')
    return os.path.normpath(value)


def _checked_section(section, raw, checks):
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError('%s must be an object, not %s' % (section, type(raw).__name__))
    unknown = sorted(set(raw) - set(DEFAULTS[section]))
    if unknown:
        raise ConfigError('%s: unknown setting(s) %s' % (section, ', '.join(unknown)))
    merged = dict(DEFAULTS[section], **raw)
    for key, check in checks.items():
        merged[key] = check('%s.%s' % (section, key), merged[key])
    return merged


def _enabled(name, value):
    if not isinstance(value, bool):
        _fail(name, value, 'true or false')
    return value


def _thumbprint(name, value):
    if value in (None, ''):
        return None
    if not isinstance(value, str) or not THUMBPRINT_RE.match(value):
        _fail(name, value, 'an account key thumbprint (43 base64url characters)')
    return value


def _limit(name, value):
    key = name.split('.', 1)[1]
    low, high = _INT_LIMITS.get(key) or _TIME_LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        _fail(name, value, 'a number from %g to %g' % (low, high))
    return int(value) if key in _INT_LIMITS else float(value)


def check_config(raw):
    """The complete configuration from the parsed JSON ``raw``, or ConfigError."""
    if not isinstance(raw, dict):
        raise ConfigError('the configuration must be a JSON object')
    unknown = sorted(set(raw) - set(DEFAULTS))
    if unknown:
        raise ConfigError('unknown section(s) %s' % ', '.join(unknown))
    listener = {'enabled': _enabled, 'address': _address, 'port': _port}
    config = {
        'http01': _checked_section('http01', raw.get('http01'), dict(listener, challenge_dir=_directory,
                                                                     thumbprint=_thumbprint)),
        'tls_alpn01': _checked_section('tls_alpn01', raw.get('tls_alpn01'), dict(listener, cert_dir=_directory)),
        'limits': _checked_section('limits', raw.get('limits'), dict((key, _limit) for key in DEFAULTS['limits'])),
    }
    bound = listeners(config)
    if not bound:
        raise ConfigError('neither http01 nor tls_alpn01 is enabled: nothing to serve')
    if len(set((address, port) for unused, address, port in bound)) < len(bound):
        raise ConfigError('http01 and tls_alpn01 cannot listen on the same address and port')
    return config


def load_config(path):
    """Read and check the file at ``path``; ConfigError for every problem, the path named."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read(MAX_CONFIG_SIZE + 1)
    except (IOError, OSError) as exc:
        raise ConfigError('cannot read %s: %s' % (path, exc.strerror or exc))
    if len(data) > MAX_CONFIG_SIZE:
        raise ConfigError('%s is larger than %d bytes' % (path, MAX_CONFIG_SIZE))
    try:
        raw = json.loads(data.decode('utf-8'))
    except ValueError as exc:
        raise ConfigError('%s is not valid JSON: %s' % (path, exc))
    try:
        return check_config(raw)
    except ConfigError as exc:
        raise ConfigError('%s: %s' % (path, exc))


def listeners(config):
    """[(responder, address, port)] of the enabled responders: what binding decides."""
    return [(name, config[name]['address'], config[name]['port'])
            for name in ('http01', 'tls_alpn01') if config[name]['enabled']]
