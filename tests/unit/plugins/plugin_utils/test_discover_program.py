# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""acme_discover's host program, run by a bare interpreter (``-I -S``: standard library only)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import subprocess
import sys

from ansible_collections.sslclm.acme.plugins.plugin_utils.program_runner import build

CERT = '-----BEGIN CERTIFICATE-----\nMIIBdGVzdA==\n-----END CERTIFICATE-----'
KEY = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleQ==\n-----END PRIVATE KEY-----'


def run_program(tmp_path, certificates):
    program = tmp_path / 'acme_discover.py'
    program.write_bytes(build('discover_program', {'certificates': certificates}))
    done = subprocess.run([sys.executable, '-I', '-S', str(program)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    assert done.stderr == b'', done.stderr
    return done.returncode, json.loads(done.stdout.decode())


def test_reads_certificate_blocks_only_and_reports_missing_files(tmp_path):
    combined = tmp_path / 'combined.pem'
    combined.write_text(KEY + '\n' + CERT + '\n' + CERT + '\n')
    rc, result = run_program(tmp_path, [{'name': 'web', 'path': str(combined)},
                                        {'name': 'gone', 'path': str(tmp_path / 'missing.pem')}])
    assert rc == 0 and result['changed'] is False
    assert result['certificates']['web']['exists'] is True
    assert result['certificates']['web']['pem'] == CERT + '\n' + CERT + '\n'
    assert 'PRIVATE KEY' not in json.dumps(result)
    assert result['certificates']['gone'] == {'path': str(tmp_path / 'missing.pem'), 'exists': False, 'pem': '',
                                              'mtime': None}


def test_an_item_without_a_path_fails_clearly(tmp_path):
    rc, result = run_program(tmp_path, [{'name': 'web'}])
    assert rc == 1 and result['failed'] is True
    assert result['msg'] == "each certificate needs a name and a path, got {'name': 'web'}"
