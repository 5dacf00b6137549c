# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PEM text split into blocks: the one splitter of the controller (``x509.py``) and the hosts.

Standard library only. Blocks come back normalised (64-column base64, ``\n`` line ends), so
two copies of one certificate compare equal whatever their line ends or wrapping.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def pem_blocks(data, label='CERTIFICATE'):
    """PEM blocks of type ``label`` in ``data`` (text or bytes), normalised to ``\\n`` line ends.

    Found with ``str.find``, not a regular expression: ``re`` (with ``enum`` behind it) is a large part of a
    host program's start, and this is the only thing a deploy needed it for."""
    if isinstance(data, bytes):
        data = data.decode('ascii', 'replace')
    begin, end = '-----BEGIN %s-----' % label, '-----END %s-----' % label
    blocks, position = [], 0
    while True:
        start = data.find(begin, position)
        if start < 0:
            return blocks
        body_start = start + len(begin)
        if data[body_start:body_start + 1] not in ('\r', '\n'):  # the BEGIN line must end there
            position = body_start
            continue
        stop = data.find(end, body_start)
        if stop < 0:
            return blocks
        body = ''.join(data[body_start:stop].split())
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        blocks.append('-----BEGIN %s-----\n%s\n-----END %s-----\n' % (label, '\n'.join(lines), label))
        position = stop + len(end)
