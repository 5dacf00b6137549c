# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Host entry point of ``acme_discover`` when its action plugin runs it as a plain program
(``plugins/plugin_utils/program_runner.py``): the renewal role discovers on every host on
every run, so the module start-up it skips is paid by the whole fleet each time."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_record import read_records
from ansible_collections.sslclm.acme.plugins.module_utils.host.discover import DiscoverError, discover
from ansible_collections.sslclm.acme.plugins.module_utils.host.program import serve


def run(args):
    try:
        result = {'changed': False, 'certificates': discover(args['certificates'])}
        if args.get('record_dir'):
            result['records'] = read_records(args['record_dir'])
        return result
    except DiscoverError as error:
        return {'failed': True, 'changed': False, 'msg': error.msg}


def main(args):
    return serve(run, 'acme_discover', args)
