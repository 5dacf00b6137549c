# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One name for one certificate's state (its lock, its order in flight, its pending copy) in every back end."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib


def certificate_text(account_uri, identifiers):
    """The account and the sorted identifiers, one per line: the same whatever the order of the SANs."""
    return '\n'.join([account_uri or ''] + sorted('%s:%s' % (i.type, i.value) for i in identifiers))


def same_names(recorded, wanted):
    """Whether a record's identifiers (values) are ``wanted`` - True when either is unknown (records written
    before identifiers were kept, or a caller that gives names only)."""
    if not recorded or not wanted:
        return True
    return sorted(set(str(i).lower() for i in recorded)) == sorted(set(str(i).lower() for i in wanted))


def certificate_id(account_uri, identifiers):
    """32 hex digits naming ``certificate_text`` (file names, database keys)."""
    return hashlib.sha256(certificate_text(account_uri, identifiers).encode('utf-8')).hexdigest()[:32]
