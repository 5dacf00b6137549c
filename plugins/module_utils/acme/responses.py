# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading HTTP responses of the CA (no import of requests or acme: this module stays light)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def json_object(response):
    """The response's JSON object, or None when the body is not one."""
    try:
        document = response.json()
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
