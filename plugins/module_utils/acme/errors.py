# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a CA answers when it refuses: RFC 7807 problem documents, rate limits, an unreachable CA.

Each is an ``AcmeError`` (``errors.py``), so modules report the CA's problem document, not a
traceback. Nothing here imports a third-party package.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError

ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:'


class AcmeUnreachable(AcmeError):
    """The CA could not be reached (DNS, TCP, TLS or timeout), after retries."""

    def __init__(self, url, reason, attempts=1):
        msg = 'Cannot reach the ACME server at %s after %d attempt(s): %s' % (url, attempts, reason)
        super(AcmeUnreachable, self).__init__(
            msg, hint='Check the directory URL, the network path to the CA, and ca_bundle / validate_certs for private CAs')
        self.url = url
        self.reason = reason

    def to_result(self):
        result = super(AcmeUnreachable, self).to_result()
        result['url'] = self.url
        return result


class AcmeUntrusted(AcmeUnreachable):
    """The CA's TLS certificate is not trusted here: asking again cannot help, so it is not retried."""

    def __init__(self, url, reason):
        super(AcmeUntrusted, self).__init__(url, reason)
        self.msg = 'The ACME server at %s presents a TLS certificate this controller does not trust (%s)' % (url, reason)
        self.hint = 'Give the CA certificate that signs it as ca_bundle (a PEM file), or fix the directory URL'
        self.args = (self.msg,)


class AcmeProblem(AcmeError):
    """An RFC 7807 problem document returned by the CA."""

    def __init__(self, problem_type, detail, status=None, url=None, subproblems=None,
                 identifier=None, retry_after=None, hint=None, context=None):
        self.type = problem_type or 'about:blank'
        self.detail = detail or ''
        self.status = status
        self.url = url
        self.subproblems = subproblems or []
        self.identifier = identifier
        self.retry_after = retry_after  # datetime (UTC) or None
        self.context = context
        super(AcmeProblem, self).__init__(self._compose_message(), hint=hint)

    @property
    def code(self):
        """The short ACME error code (``badNonce``) or None for non-ACME types."""
        if self.type.startswith(ACME_ERROR_PREFIX):
            return self.type[len(ACME_ERROR_PREFIX):]
        return None

    def _compose_message(self):
        parts = []
        if self.context:
            parts.append(self.context)
        label = self.code or self.type
        where = ' for %s' % self.identifier if self.identifier else ''
        parts.append('the CA answered %s%s%s: %s' % (
            label, where, ' (HTTP %s)' % self.status if self.status else '', self.detail or '(no detail)'))
        for sub in self.subproblems:
            parts.append('%s: %s %s' % (sub.get('identifier') or '-', sub.get('code') or sub.get('type'), sub.get('detail', '')))
        if self.retry_after is not None:
            parts.append('retry after %s' % self.retry_after.strftime('%Y-%m-%dT%H:%M:%SZ'))
        msg = '; '.join(parts)
        return msg[0].upper() + msg[1:]

    def with_context(self, context, hint=None):
        """Return a copy that says what we were doing when the CA refused."""
        return type(self)(self.type, self.detail, status=self.status, url=self.url,
                          subproblems=self.subproblems, identifier=self.identifier,
                          retry_after=self.retry_after, hint=hint or self.hint, context=context)

    def to_result(self):
        result = super(AcmeProblem, self).to_result()
        result['problem'] = {
            'type': self.type,
            'code': self.code,
            'detail': self.detail,
            'status': self.status,
            'url': self.url,
            'identifier': self.identifier,
            'subproblems': self.subproblems,
        }
        if self.retry_after is not None:
            result['retry_after'] = self.retry_after.strftime('%Y-%m-%dT%H:%M:%SZ')
        return result


class AcmeRateLimited(AcmeProblem):
    """``rateLimited``: carries the time the CA allows the next attempt."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('hint', 'The CA refused because a rate limit was reached; do not retry before the '
                                  'retry_after time. Test against a staging directory to avoid production limits')
        super(AcmeRateLimited, self).__init__(*args, **kwargs)


def problem_from_document(document, status=None, url=None, retry_after=None):
    """Build the right ``AcmeProblem`` subclass from a problem document (dict)."""
    document = document if isinstance(document, dict) else {}
    subproblems = []
    for sub in document.get('subproblems') or []:
        ident = sub.get('identifier') or {}
        sub_type = sub.get('type') or ''
        subproblems.append({
            'type': sub_type,
            'code': sub_type[len(ACME_ERROR_PREFIX):] if sub_type.startswith(ACME_ERROR_PREFIX) else None,
            'detail': sub.get('detail') or '',
            'identifier': ident.get('value'),
        })
    identifier = (document.get('identifier') or {}).get('value')
    problem_type = document.get('type') or 'about:blank'
    cls = AcmeRateLimited if problem_type == ACME_ERROR_PREFIX + 'rateLimited' else AcmeProblem
    return cls(problem_type, document.get('detail') or document.get('title') or '', status=status, url=url,
               subproblems=subproblems, identifier=identifier, retry_after=retry_after)
