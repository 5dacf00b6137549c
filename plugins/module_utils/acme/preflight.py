# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is checked once a certificate is to be issued and before anything goes to the CA.

* CAA allows this CA for every identifier (``acme/caa.py``): a refusal names the record, and no
  order is sent or recorded.
* A certificate's own ``profile`` is one the CA advertises; otherwise the order falls back to the CA
  instance's profile (or the CA default) with a warning, as the CA instance's own profile does - or
  fails where the CA instance has ``profile_required``.
* No key reported compromised (``acme/revocations.py``) goes into the CSR: a user's CSR with such a
  key is refused; with ``reuse_key`` the key at the destination is not reused, a new one is made and a
  warning says so (failing instead would leave the revoked certificate in service).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.acme.policy import choose_profile
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.keys import load_private_key, read_key_file


def check_keys(enrollment):
    """Refuse a CSR whose key is compromised; → why the key at ``private_key_path`` must not be reused, or None."""
    run, spec = enrollment.run, enrollment.spec
    book = run.revocations()
    if enrollment.csr is not None:
        problem = book.key_problem(enrollment.csr)
        if problem:
            raise AcmeInputError('%s: the key of the CSR %s; make a CSR with a new key' % (enrollment.name, problem))
        return None
    key_path = spec.get('private_key_path')
    if not spec.get('reuse_key') or not key_path or not os.path.exists(key_path):
        return None
    key = load_private_key(read_key_file(key_path, 'the private key'), 'the private key %s' % key_path)
    problem = book.key_problem(key)
    if problem is None:
        return None
    reason = 'reuse_key ignored: the key at %s %s; a new key is made for this certificate' % (key_path, problem)
    run.warnings.append('%s: %s' % (enrollment.name, reason))
    return reason


def order_profile(enrollment, result):
    """Sets ``enrollment.profile``, the profile its order names; adds ``profile`` to ``result``."""
    run, wanted = enrollment.run, enrollment.spec.get('profile')
    instance_profile = run.policy.get('profile')
    if not wanted:
        enrollment.profile = instance_profile
    else:
        enrollment.profile, warning = choose_profile(
            wanted, run.policy.get('profile_required'), run.ca['directory'], 'the CA instance', instance_profile)
        if warning:
            run.warnings.append('%s: %s' % (enrollment.name, warning))
    if enrollment.profile:
        result['profile'] = enrollment.profile


def preflight(enrollment, result):
    """The checks before an order (also in check mode: they fail where the real run would). Adds ``profile``,
    ``caa`` and ``reuse_key_refused`` to ``result``; raises ``CaaForbidden`` or ``AcmeInputError``."""
    run = enrollment.run
    order_profile(enrollment, result)
    enrollment.reuse_refused = check_keys(enrollment)
    if enrollment.reuse_refused:
        result['reuse_key_refused'] = enrollment.reuse_refused
    if run.step == 'finalize':
        return  # the order exists: CAA was checked before it was made
    verdicts, warnings = run.caa.check(run.ca, enrollment.identifiers, enrollment.methods)
    if verdicts:
        result['caa'] = verdicts
    run.warnings.extend('%s: %s' % (enrollment.name, w) for w in warnings)
