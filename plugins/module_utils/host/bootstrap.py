# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``__main__`` of every host program: the zip is held in memory and imported from there.

A deploy's zip holds a private key. Given on stdin (``STDIN_BOOTSTRAP``) it never touches
the disk; run from a file (connections without pipelining), the file is read and removed
before anything else happens, so a killed program leaves no key behind. Nothing here may
import the collection before ``MemoryImporter`` is in place. Standard library only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import importlib.abc
import importlib.util
import io
import json
import os
import sys
import zipfile

ARGS_MEMBER = 'args.json'
ENTRY_MEMBER = 'entry.txt'
PACKAGE = 'ansible_collections.sslclm.acme.plugins.module_utils.host'


class MemoryImporter(importlib.abc.MetaPathFinder, importlib.abc.InspectLoader):
    """Imports the ``.py`` members of a zip held as bytes."""

    def __init__(self, members):
        self.members = members

    def _member(self, fullname):
        base = fullname.replace('.', '/')
        for name, package in ((base + '/__init__.py', True), (base + '.py', False)):
            if name in self.members:
                return name, package
        return None, False

    def find_spec(self, fullname, path=None, target=None):
        name, package = self._member(fullname)
        if name is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin='<memory>/' + name, is_package=package)

    def get_source(self, fullname):
        return self.members[self._member(fullname)[0]].decode('utf-8')

    def is_package(self, fullname):
        return self._member(fullname)[1]


def load(archive):
    """``archive``: the zip's bytes, or the path of the zip file, which is removed once read."""
    if not isinstance(archive, bytes):
        with open(archive, 'rb') as handle:
            data = handle.read()
        try:
            os.unlink(archive)
        except OSError:  # become to another user may not own the directory: the action plugin removes it then
            pass
        archive = data
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        return dict((name, bundle.read(name)) for name in bundle.namelist())


def main(archive):
    members = load(archive)
    for name in [m for m in sys.modules if m == 'ansible_collections' or m.startswith('ansible_collections.')]:
        del sys.modules[name]  # imported from the file, which is gone: from memory from now on
    sys.meta_path.insert(0, MemoryImporter(members))
    entry = importlib.import_module('%s.%s' % (PACKAGE, members[ENTRY_MEMBER].decode('ascii').strip()))
    return entry.main(json.loads(members[ARGS_MEMBER].decode('utf-8')))


if __name__ == '__main__':
    sys.exit(main(globals().get("ARCHIVE") or sys.argv[0]))  # pylint: disable=ansible-bad-function
