# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tree shows the architecture, and these tests keep it so (README, "Layout").

Imports run one way: modules/action/filter → plugin_utils → acme/ → dns/ → state/ → the ground
floor (errors, keys, x509, checks). ``host/`` stands apart: anyone may use it, it imports
nothing but ``host/`` and the standard library, and every module of it imports under
``python -I -S`` with no third-party package in reach.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import os
import re
import subprocess
import sys

import pytest
import yaml

COLLECTION = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(COLLECTION, 'plugins')
HOST = os.path.join(PLUGINS, 'module_utils', 'host')
PREFIX = 'ansible_collections.sslclm.acme.plugins.'
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80

# A layer may import its own and every lower layer; host/ is outside the ranking.
RANKS = {'top': 5, 'plugin_utils': 4, 'acme': 3, 'dns': 2, 'state': 1.5, 'base': 1}


def python_files(top=PLUGINS):
    for directory, unused, files in os.walk(top):
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.join(directory, name)


def layer(dotted):
    """Layer of a module given as ``plugins.<...>`` dotted path (without the collection prefix)."""
    parts = dotted.split('.')
    if parts[0] in ('modules', 'action', 'filter', 'lookup', 'callback', 'doc_fragments'):
        return 'top'
    if parts[0] == 'plugin_utils':
        return 'plugin_utils'
    if parts[0] == 'module_utils' and len(parts) > 2 and parts[1] in ('acme', 'dns', 'state', 'host'):
        return parts[1]
    return 'base'


def collection_imports(path):
    """Dotted names (``module_utils.x.y``) this file imports from the collection."""
    tree = ast.parse(open(path, 'rb').read())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
            found.append(node.module[len(PREFIX):])
        elif isinstance(node, ast.Import):
            found.extend(a.name[len(PREFIX):] for a in node.names if a.name.startswith(PREFIX))
    return found


def own_name(path):
    return os.path.relpath(path, PLUGINS)[:-3].replace(os.sep, '.')


def test_imports_run_one_way():
    wrong = []
    for path in python_files():
        mine = layer(own_name(path))
        for target in collection_imports(path):
            theirs = layer(target)
            if mine == 'host':
                ok = theirs == 'host'
            elif theirs == 'host':
                ok = True
            else:
                ok = RANKS[theirs] <= RANKS[mine]
            if not ok:
                wrong.append('%s (%s) imports %s (%s)' % (own_name(path), mine, target, theirs))
    assert wrong == []


def test_no_module_of_dns_imports_acme():
    assert [p for p in python_files(os.path.join(PLUGINS, 'module_utils', 'dns'))
            if any(t.startswith('module_utils.acme') for t in collection_imports(p))] == []


def test_files_and_functions_stay_short():
    too_long = []
    for path in python_files():
        source = open(path, 'rb').read()
        lines = source.count(b'\n')
        if lines > MAX_FILE_LINES:
            too_long.append('%s: %d lines' % (own_name(path), lines))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append('%s.%s: %d lines' % (own_name(path), node.name, length))
    assert too_long == []


HOST_MODULES = sorted(name[:-3] for name in os.listdir(HOST) if name.endswith('.py') and name != '__init__.py')

# Runs under "python -I -S": no site-packages; and a finder that refuses every module that is neither
# standard library nor this collection, in case the interpreter's path holds one anyway.
ISOLATED_IMPORT = r'''
import importlib, sys
sys.path.insert(0, sys.argv[1])
allowed = set(sys.stdlib_module_names) | {'ansible_collections', '__main__'}

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] not in allowed:
            raise ImportError('host code imported the third-party package %s' % name)
        return None

sys.meta_path.insert(0, Refuse())
for module in sys.argv[2:]:
    importlib.import_module('ansible_collections.sslclm.acme.plugins.module_utils.host.' + module)
outside = sorted(m for m in sys.modules if m.split('.')[0] not in allowed)
assert not outside, outside
print('ok')
'''


def test_every_host_module_imports_with_the_standard_library_alone():
    collections_root = os.path.dirname(os.path.dirname(os.path.dirname(COLLECTION)))
    done = subprocess.run([sys.executable, '-I', '-S', '-c', ISOLATED_IMPORT, collections_root] + HOST_MODULES,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, b'ok', b'')


@pytest.mark.parametrize('module', HOST_MODULES)
def test_host_modules_import_only_host_modules(module):
    imports = collection_imports(os.path.join(HOST, module + '.py'))
    assert [i for i in imports if not re.match(r'^module_utils\.host\.\w+$', i)] == []


def test_the_agent_role_installs_the_whole_agent_program():
    from ansible_collections.sslclm.acme.plugins.plugin_utils.program_runner import program_modules
    with open(os.path.join(COLLECTION, 'roles', 'acme_agent', 'vars', 'main.yml')) as handle:
        listed = yaml.safe_load(handle)['acme_agent_program_modules']
    assert sorted(listed) == program_modules('agent')
