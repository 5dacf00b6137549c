# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection version, sent in our User-Agent (kept equal to galaxy.yml by a unit test)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

COLLECTION_VERSION = '0.2.0'
USER_AGENT = 'sslclm.acme/%s' % COLLECTION_VERSION
