# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The errors every layer raises: the ground floor that everything may import.

Every failure that reaches a module is an ``AcmeError``; ``to_result()`` gives the
fields a module passes to ``fail_json``, so users read a sentence, not a traceback.
ACME problem documents from a CA are ``acme/errors.py``. Standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from urllib.parse import quote, quote_plus


class AcmeError(Exception):
    """Base class: a message meant for the user plus structured fields."""

    def __init__(self, msg, hint=None):
        super(AcmeError, self).__init__(msg)
        self.msg = msg
        self.hint = hint

    def to_result(self):
        result = {'msg': self.msg if not self.hint else '%s. %s' % (self.msg.rstrip('.'), self.hint)}
        if getattr(self, 'retries', None):
            result['retries'] = self.retries
        return result


class AcmeInputError(AcmeError):
    """The user's input cannot work; raised before any request to the CA."""


class StateError(AcmeError):
    """The controller-side state (ledger, locks, orders in flight) cannot be used; nothing was ordered."""


MASK = '********'


def redact(text, secrets):
    """``text`` with every secret masked - as given, and URL-encoded (APIs that take a secret in the query
    string repeat it, encoded, in their errors)."""
    text = str(text)
    forms = set()
    for secret in secrets or ():
        if isinstance(secret, str) and secret:
            forms.update((secret, quote(secret, safe=''), quote_plus(secret)))
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text
