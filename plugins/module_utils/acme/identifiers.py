# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identifiers of a certificate: normalise, validate, and pick a validation method for each.

Pure logic, run before any request to the CA, so bad input costs no order and no
failed-validation budget.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError

try:
    import idna as _idna
except ImportError:  # the stdlib codec (IDNA 2003) is the fallback
    _idna = None

_LABEL = re.compile(r'^(?!-)[a-z0-9-]{1,63}(?<!-)$')
METHODS = ('http-01', 'dns-01', 'tls-alpn-01', 'dns-persist-01')
DNS_METHODS = ('dns-01', 'dns-persist-01')


class Identifier:
    """One ACME identifier: ``type`` is ``dns`` or ``ip``; ``value`` is normalised."""

    __slots__ = ('type', 'value')

    def __init__(self, id_type, value):
        self.type = id_type
        self.value = value

    @property
    def is_wildcard(self):
        return self.value.startswith('*.')

    @property
    def base_domain(self):
        """The name the CA validates: a wildcard's parent name."""
        return self.value[2:] if self.is_wildcard else self.value

    def to_acme(self):
        return {'type': self.type, 'value': self.value}

    def __eq__(self, other):
        return isinstance(other, Identifier) and (self.type, self.value) == (other.type, other.value)

    def __hash__(self):
        return hash((self.type, self.value))

    def __repr__(self):
        return 'Identifier(%s:%s)' % (self.type, self.value)


def _to_ascii(label_text, original):
    try:
        if _idna is not None:
            return _idna.encode(label_text, uts46=True).decode('ascii')
        return label_text.encode('idna').decode('ascii')
    except Exception:  # pylint: disable=broad-except
        raise AcmeInputError('identifier %r is not a valid internationalised domain name' % original)


def _check_a_label(label, original):
    """An ``xn--`` label must be the punycode of a valid internationalised label (IDNA decode and back)."""
    try:
        if _idna is not None:
            unicode_label = _idna.decode(label)
            valid = _idna.encode(unicode_label).decode('ascii') == label
        else:
            unicode_label = label.encode('ascii').decode('idna')
            valid = unicode_label.encode('idna').decode('ascii') == label
    except Exception:  # pylint: disable=broad-except
        valid = False
    if not valid:
        raise AcmeInputError('identifier %r: label %r is not valid punycode (an xn-- label must be the IDNA encoding of '
                             'an internationalised label)' % (original, label))


def parse_identifier(raw):
    """One user-supplied name → ``Identifier``; the error names the offending value."""
    if not isinstance(raw, str) or not raw.strip():
        raise AcmeInputError('identifier %r is empty' % (raw,))
    text = raw.strip()
    candidate = text[1:-1] if text.startswith('[') and text.endswith(']') else text
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        address = None
    if address is not None:
        if getattr(address, 'scope_id', None):
            raise AcmeInputError('identifier %r: a scoped address (%%%s) names an interface of one host; a CA cannot '
                                 'validate it' % (raw, address.scope_id))
        return Identifier('ip', address.compressed)
    if '%' in candidate and ':' in candidate:
        raise AcmeInputError('identifier %r: a scoped IPv6 address cannot be certified' % raw)
    name = text.rstrip('.').lower() if text.endswith('.') and not text.endswith('..') else text.lower()
    wildcard = name.startswith('*.')
    body = name[2:] if wildcard else name
    if '*' in body:
        raise AcmeInputError('identifier %r: a wildcard is only allowed as the whole leftmost label (*.example.com)' % raw)
    if any(ord(c) > 127 for c in body):
        body = '.'.join(_to_ascii(label, raw) if any(ord(c) > 127 for c in label) else label
                        for label in body.split('.'))
    labels = body.split('.')
    if any(label == '' for label in labels):
        raise AcmeInputError('identifier %r has an empty label' % raw)
    for label in labels:
        if not _LABEL.match(label):
            raise AcmeInputError('identifier %r: label %r must be 1-63 letters, digits or hyphens, '
                                 'not starting or ending with a hyphen' % (raw, label))
        if label.startswith('xn--'):
            _check_a_label(label, raw)
    if len(labels) < 2:
        raise AcmeInputError('identifier %r is not a fully qualified domain name' % raw)
    value = ('*.' if wildcard else '') + body
    if len(value) > 253:
        raise AcmeInputError('identifier %r is longer than 253 characters' % raw)
    return Identifier('dns', value)


def parse_identifiers(names, max_names=None):
    """An ordered list of unique identifiers; duplicates (after normalisation) are errors, and so are more
    than ``max_names`` (the CA's limit per certificate), before anything is sent."""
    names = list(names)
    if max_names and len(names) > max_names:
        raise AcmeInputError('%d identifiers in one certificate; the CA accepts at most %d (the CA instance\'s '
                             'max_names): split them into several certificates' % (len(names), max_names))
    seen = {}
    result = []
    for raw in names:
        ident = parse_identifier(raw)
        if ident in seen:
            raise AcmeInputError('identifier %r duplicates %r' % (raw, seen[ident]))
        seen[ident] = raw
        result.append(ident)
    if not result:
        raise AcmeInputError('at least one identifier is required')
    return result


def method_fits(ident, method):
    """Whether ``method`` can validate ``ident`` at all: wildcards need DNS, IP addresses cannot use it."""
    if ident.is_wildcard:
        return method in DNS_METHODS
    return not (ident.type == 'ip' and method in DNS_METHODS)


def assign_methods(identifiers, default_method, overrides, allowed):
    """Map each identifier to its validation method.

    ``overrides`` maps user-written names to methods; names are normalised like the
    identifiers so ``Example.COM`` overrides ``example.com``.
    """
    normalised_overrides = {}
    for raw, method in (overrides or {}).items():
        ident = parse_identifier(raw)
        if ident not in identifiers:
            raise AcmeInputError('validation override for %r names no identifier of this certificate' % raw)
        normalised_overrides[ident] = method
    methods = {}
    for ident in identifiers:
        method = normalised_overrides.get(ident, default_method)
        if method not in METHODS:
            raise AcmeInputError('%s: unknown validation method %r; use %s' % (ident.value, method, ', '.join(METHODS)))
        if allowed and method not in allowed:
            raise AcmeInputError('%s: validation method %s is not allowed by the CA instance (allowed: %s)'
                                 % (ident.value, method, ', '.join(allowed)))
        if not method_fits(ident, method):
            raise AcmeInputError(
                '%s: a wildcard can only be validated with dns-01 or dns-persist-01, not %s' % (ident.value, method)
                if ident.is_wildcard else '%s: an IP address cannot be validated with %s (RFC 8738); use http-01 or '
                'tls-alpn-01' % (ident.value, method))
        methods[ident] = method
    return methods
