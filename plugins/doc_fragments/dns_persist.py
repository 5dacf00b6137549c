# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Which dns-persist-01 records a module works on (acme_dns_persist_info, acme_dns_persist);
    # the argument spec is acme/dns_persist_records.py's records_argument_spec().
    DOCUMENTATION = r'''
options:
  ca:
    description:
      - The C(ca) object returned by M(sslclm.acme.acme_ca); its C(validation_methods) must allow V(dns-persist-01).
    type: dict
    required: true
  identifiers:
    description:
      - DNS names (wildcards as C(*.example.com)) to make records for.
    type: list
    elements: str
  certificates:
    description:
      - Certificates as in a host's C(acme_certificates) or M(sslclm.acme.acme_enroll)'s O(certificates) - each with
        C(identifiers) (or C(domain) and C(sans)), optional C(validation) and C(validation_overrides). Records are made
        for the names whose method, under the CA instance's policy, is V(dns-persist-01); other keys are ignored.
    type: list
    elements: dict
  persist_until:
    description:
      - C(persistUntil) of the records, as UNIX seconds or an ISO 8601 UTC date or time (V(2027-06-30)). The CA stops
        accepting a record after it.
    type: str
  policy_wildcard:
    description:
      - C(policy=wildcard) in every record (it also authorizes subdomains). Records of wildcard names always carry it.
    type: bool
    default: false
'''
