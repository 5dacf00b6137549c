# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runtime of the host programs built by ``plugins/plugin_utils/program_runner.py``.

A program is one script that starts with ``bootstrap.py``, which hands the entry module's
``main`` the arguments packed into the script; the result is one JSON document on
stdout, like a module's.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import sys

# JSON string escapes (ASCII only, as ``json.dumps`` writes by default: a host's stdout may be ASCII)
_ESCAPES = dict((code, '\\u%04x' % code) for code in range(0x20))
_ESCAPES.update({ord('"'): '\\"', ord('\\'): '\\\\', ord('\n'): '\\n', ord('\r'): '\\r', ord('\t'): '\\t'})


def serve(run, name, args):
    """Print ``run(args)`` as JSON → exit code; a crash becomes ``failed`` with the traceback.

    The arguments (key material, for a deploy) are never echoed, not even on a crash.
    """
    try:
        result = run(args)
    except Exception as exc:  # pylint: disable=broad-except
        import traceback  # pylint: disable=import-outside-toplevel
        result = {'failed': True, 'msg': '%s host program failed: %s: %s' % (name, type(exc).__name__, exc),
                  'exception': traceback.format_exc()}
    sys.stdout.write(to_json(result))
    sys.stdout.write('\n')
    return 1 if result.get('failed') else 0


def to_json(value):
    """``value`` (dicts with string keys, lists, strings, numbers, booleans, None) as JSON text: what
    ``json.dumps`` writes, without importing ``json`` (with ``re`` and ``enum`` behind it, a quarter of a host
    program's start)."""
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if not -float('inf') < value < float('inf'):  # NaN compares false too
            raise ValueError('%r is not JSON' % value)
        return repr(value)
    if isinstance(value, dict):
        return '{%s}' % ', '.join('%s: %s' % (_string(_key(k)), to_json(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return '[%s]' % ', '.join(to_json(v) for v in value)
    raise TypeError('Object of type %s is not JSON serializable' % type(value).__name__)


def _key(key):
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return to_json(key)
    raise TypeError('keys must be str, int, float, bool or None, not %s' % type(key).__name__)


def _string(text):
    text = text.translate(_ESCAPES)
    if not text.isascii():
        text = ''.join(c if ord(c) < 0x80 else _unicode_escape(ord(c)) for c in text)
    return '"%s"' % text


def _unicode_escape(code):
    if code < 0x10000:
        return '\\u%04x' % code
    code -= 0x10000
    return '\\u%04x\\u%04x' % (0xd800 | (code >> 10), 0xdc00 | (code & 0x3ff))
