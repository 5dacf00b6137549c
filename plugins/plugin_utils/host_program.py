# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stdlib-only programs for managed hosts, built on the controller.

An action plugin whose host side needs nothing from ``ansible.module_utils`` can run it
as ``python3 program.pyz`` instead of as a new-style module: the zip holds the
collection's ``module_utils`` files the program imports (at their package paths, so the
imports read the same as in a module), a ``__main__.py`` that calls the entry module's
``main()`` and the arguments as ``args.json``. What it saves on every host is AnsiballZ's
wrapper and the import of ``ansible.module_utils.basic``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import io
import json
import os
import zipfile

from ansible_collections.sslclm.acme.plugins.module_utils.program_args import ARGS_MEMBER

PACKAGE_PATH = ('ansible_collections', 'sslclm', 'acme', 'plugins', 'module_utils')
MODULE_UTILS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'module_utils')

_sources = {}


def _source(name):
    """Text of ``module_utils/<name>.py`` (read once per controller process)."""
    if name not in _sources:
        with open(os.path.join(MODULE_UTILS_DIR, name + '.py'), 'rb') as handle:
            _sources[name] = handle.read()
    return _sources[name]


def build(modules, entry, args):
    """Zip bytes of a program that runs ``module_utils/<entry>.py``'s ``main()``.

    ``modules``: every ``module_utils`` module the entry imports, itself included (names
    without ``.py``); ``args``: JSON-serialisable arguments, read back by the entry.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_STORED) as bundle:
        for depth in range(1, len(PACKAGE_PATH) + 1):
            bundle.writestr('/'.join(PACKAGE_PATH[:depth]) + '/__init__.py', '')
        for name in modules:
            bundle.writestr('/'.join(PACKAGE_PATH + (name + '.py',)), _source(name))
        bundle.writestr('__main__.py', 'import sys\nfrom %s.%s import main\nsys.exit(main())\n' % (
            '.'.join(PACKAGE_PATH), entry))
        bundle.writestr(ARGS_MEMBER, json.dumps(args))
    return buffer.getvalue()
