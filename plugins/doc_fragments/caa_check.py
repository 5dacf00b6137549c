# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The CAA preflight of acme_enroll (module_utils/acme/caa.py, dns/caa.py).
    DOCUMENTATION = r'''
options:
  caa_check:
    description:
      - Before ordering, the CAA records of every DNS identifier are read as the CA reads them (RFC 8659 - the name, then
        its parents up to the top-level domain, following CNAMEs) and compared with the CA instance's CAA identities
        (C(caaIdentities) of its directory, or C(caa_identities) of M(sslclm.acme.acme_ca)), honouring C(issuewild) for
        wildcards and the RFC 8657 parameters C(accounturi) and C(validationmethods).
      - A certificate that CAA does not allow this CA to issue fails before any order, naming the record
        (RV(caa_violations)); nothing is sent to the CA and nothing counts against a rate limit. No CAA record at all
        allows every CA. Check mode checks too.
      - Runs only for certificates about to be ordered, so a converge run with nothing due makes no look-up.
    type: dict
    suboptions:
      enabled:
        description: Run the CAA check.
        type: bool
        default: true
      nameservers:
        description:
          - Recursive resolvers (C(ip) or C(ip:port)) for the CAA look-ups. Defaults to O(self_check.nameservers), else
            the controller's resolvers.
        type: list
        elements: str
      timeout:
        description: Seconds to wait for each answer.
        type: int
        default: 5
      lookup_failure:
        description:
          - What a failed look-up (no resolver answers, SERVFAIL) does. V(warn) orders anyway with a warning naming the
            identifier and the failure (the CA checks CAA itself and refuses if it must); V(fail) refuses the certificate
            before ordering.
          - A CA whose CAA identities are unknown (its directory advertises none and the CA instance gives no
            C(caa_identities)) cannot be checked against C(issue) records naming CAs; that always warns. Records that
            allow no CA at all (C(0 issue ";")) refuse it anyway.
        type: str
        choices: [warn, fail]
        default: warn
'''
