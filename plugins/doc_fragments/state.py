# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Where the collection keeps its state (module_utils/state/backend.py).
    DOCUMENTATION = r'''
options:
  state_url:
    description:
      - A PostgreSQL database for the state that several jobs or controllers must share - rate-limit budgets,
        C(Retry-After), back-off, the lookup cache, per-certificate locks, orders in flight and certificates issued but
        not deployed yet - as a URL C(postgresql://user:password@host:port/database). Never logged.
      - Defaults to C($SSLCLM_ACME_STATE_URL); without either, the embedded SQLite state on this controller
        (O(ledger_path), C(state_dir)) is used, which AWX throws away with each job's container.
      - The schema is created and migrated by the collection. A database that cannot be reached is an error before
        anything is ordered (see O(state_degraded)).
    type: str
  state_encryption_key:
    description:
      - Secret that seals private keys (of orders in flight and of certificates not deployed yet) in the shared state
        (AES-256-GCM, key derived with scrypt). Never logged. Defaults to C($SSLCLM_ACME_STATE_KEY).
      - Without it no private key is stored in the database, so another job cannot finish such an order or deploy such
        a certificate; it orders again. Every controller of one database needs the same key.
    type: str
  state_degraded:
    description:
      - When the PostgreSQL state cannot be reached, run on the local SQLite state instead of failing (a warning says
        so). Budgets and locks are then this controller's alone.
    type: bool
    default: false
'''
