# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client-supplied text made safe for a log line (stdlib only: used on hosts).

A request line, a Host header or a TLS server name comes from whoever connects. Written
raw, a newline forges a second log line and an escape sequence repaints the terminal of
whoever reads the log. ``loggable`` keeps printable ASCII and writes everything else as
a Python-style escape (``\\n``, ``\\x1b``, ``\\u2028``), backslash included, so the
line stays one line and says exactly what was received.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

MAX_LOGGED = 200

_NAMED = {'\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t'}


def _escape(char):
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0x20 <= code < 0x7f:
        return char
    if code <= 0xff:
        return '\\x%02x' % code
    return '\\u%04x' % code if code <= 0xffff else '\\U%08x' % code


def loggable(value, limit=MAX_LOGGED):
    """``value`` (str, bytes or None) as one line of printable ASCII, at most ``limit`` characters kept."""
    if value is None:
        return '-'
    if isinstance(value, bytes):
        value = value.decode('latin-1')
    value = str(value)
    text = ''.join(_escape(char) for char in value[:limit])
    return text + ('...(%d characters)' % len(value) if len(value) > limit else '')
