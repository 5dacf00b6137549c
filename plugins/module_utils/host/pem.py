# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PEM text split into blocks: the one splitter of the controller (``x509.py``) and the hosts.

Standard library only. Blocks come back normalised (64-column base64, ``\n`` line ends), so
two copies of one certificate compare equal whatever their line ends or wrapping.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

_PEM_BLOCK = re.compile(r'-----BEGIN ([A-Z0-9 ]+)-----[\r\n]+(.*?)-----END \1-----', re.S)


def pem_blocks(data, label='CERTIFICATE'):
    """PEM blocks of type ``label`` in ``data`` (text or bytes), normalised to ``\\n`` line ends."""
    if isinstance(data, bytes):
        data = data.decode('ascii', 'replace')
    blocks = []
    for match in _PEM_BLOCK.finditer(data):
        if match.group(1) == label:
            body = ''.join(match.group(2).split())
            lines = [body[i:i + 64] for i in range(0, len(body), 64)]
            blocks.append('-----BEGIN %s-----\n%s\n-----END %s-----\n' % (label, '\n'.join(lines), label))
    return blocks
