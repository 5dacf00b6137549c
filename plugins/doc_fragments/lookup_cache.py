# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  cache_max_age:
    description:
      - Seconds for which the CA's directory document (and, for M(sslclm.acme.acme_connector), the account that the
        key holds at the CA) is taken from the controller-side ledger instead of being asked for again. A scheduled
        converge run with nothing due then makes no request to the CA at all.
      - Whatever changes the account (creation, contacts, key rollover, deactivation) always goes to the CA, and the
        CA's answer replaces the cached one. V(0) asks the CA every time.
    type: int
    default: 86400
  ledger_path:
    description:
      - The controller-side ledger (SQLite) that holds the cache, next to rate-limit budgets, CA C(Retry-After) times,
        failure back-off and history. Losing it loses history and budgets, never a certificate.
      - Defaults to C($SSLCLM_ACME_LEDGER) or C(~/.ansible/sslclm_acme/ledger.sqlite).
    type: path
'''
