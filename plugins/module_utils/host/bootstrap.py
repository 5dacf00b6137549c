# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The start of every host program: its modules are held in memory and imported from there.

A program (``plugins/plugin_utils/program_runner.py``) is one Python script: this file's source,
then the payload - the sources of the ``host/`` modules it needs, the entry module's name and the
arguments, as a Python literal (plain dicts, lists, strings and numbers: the interpreter reads it as it
compiles the script, where JSON would cost the ``json`` module and ``re`` behind it) - and a line that
calls ``run``. A deploy's payload holds a
private key. Given on stdin (``STDIN_BOOTSTRAP``) it never touches the disk; run from a file
(connections without pipelining), the file is removed before anything else happens, so a killed
program leaves no key behind. Nothing here may import the collection before ``MemoryImporter``
is in place. Standard library only, and as little of it as will do: every host's deploy pays
for these imports (``zipfile`` and ``importlib.abc`` cost more than the deploy itself; ``json``, with ``re``
and ``enum``, a quarter of the program's start).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys
from importlib.machinery import ModuleSpec

PACKAGE = 'ansible_collections.sslclm.acme.plugins.module_utils.host'


class MemoryImporter:
    """Imports modules from ``{dotted name: source text}``; the packages above them are empty."""

    def __init__(self, sources):
        self.sources = dict(sources)
        parts = PACKAGE.split('.')
        self.packages = set('.'.join(parts[:depth]) for depth in range(1, len(parts) + 1))

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.sources and fullname not in self.packages:
            return None
        return ModuleSpec(fullname, self, origin='<memory>/' + fullname, is_package=fullname in self.packages)

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module):
        code = compile(self.get_source(module.__name__), module.__spec__.origin, 'exec')
        exec(code, module.__dict__)  # pylint: disable=exec-used

    def get_source(self, fullname):
        """The source (tracebacks of a crashed program show its lines)."""
        return self.sources.get(fullname, '')


def run(payload, program_file=None):
    """``payload``: the document the program carries (entry, modules, args); ``program_file``: the file it was run
    from, removed first."""
    if program_file:
        try:
            os.unlink(program_file)
        except OSError:  # become to another user may not own the directory: the action plugin removes it then
            pass
    document = payload
    for name in [m for m in sys.modules if m == 'ansible_collections' or m.startswith('ansible_collections.')]:
        del sys.modules[name]  # only the program's own modules, from memory
    sys.meta_path.insert(0, MemoryImporter(('%s.%s' % (PACKAGE, name), source)
                                           for name, source in document['modules'].items()))
    entry = __import__('%s.%s' % (PACKAGE, document['entry']), fromlist=['main'])
    return entry.main(document['args'])
