# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A program of the user's as the DNS API (lego's ``exec`` provider): for in-house DNS APIs.

For each value: ``PROGRAM... present FQDN VALUE`` before validation and ``PROGRAM... cleanup FQDN
VALUE`` after it. FQDN carries a trailing dot, as lego passes it, so lego hook scripts work
unchanged. An argument list, never a shell; the program's secrets come in its environment
(``command_env``, every value a secret); each run is limited to ``dns01.timeout`` seconds.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError, redact
from ansible_collections.sslclm.acme.plugins.module_utils.dns.base import DnsProvider, DnsProviderError
from ansible_collections.sslclm.acme.plugins.module_utils.host.commands import detail_of, run_command


def env_value(name, value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (str, int, float)):
        return str(value)
    raise AcmeInputError('dns01.command_env.%s must be a string, number or boolean' % name)


class CommandProvider(DnsProvider):
    name = 'command'
    proxy_refusal = ('the program makes its own connections; give it a proxy through dns01.command_env '
                     '(for example HTTPS_PROXY)')
    options = dict(
        command=dict(type='list', elements='str'),
        command_env=dict(type='dict', no_log=True),
    )
    required = ('command',)

    def __init__(self, options, runner=None):
        super(CommandProvider, self).__init__(options)
        self.argv = [str(part) for part in self.config['command']]
        program = self.argv[0]
        found = shutil.which(program) if os.sep not in program else (program if os.access(program, os.X_OK) else None)
        if not found:
            hint = (' (dns01.command is an argument list - the program, then each argument - not a command line)'
                    if any(c.isspace() for c in program) else '')
            raise AcmeInputError('dns01.command: %s is not an executable program%s' % (program, hint))
        extra = dict((str(k), env_value(k, v)) for k, v in (self.config.get('command_env') or {}).items())
        self.secrets = list(extra.values())
        environment = dict(os.environ, **extra)
        self.run = runner or (lambda argv, timeout: run_command(argv, timeout, env=environment))

    def _call(self, action, record_name, value):
        """None when the program succeeded, else what went wrong (secrets masked)."""
        argv = self.argv + [action, record_name + '.', value]
        result = self.run(argv, int(self.timeout))
        if result['rc'] == 0:
            return None
        return redact(detail_of(result, '%s %s %s.' % (self.argv[0], action, record_name)), self.secrets)

    def add_txt(self, record_name, values):
        done = []
        for value in values:
            done.append(value)  # a program that failed or ran out of time may have published it: clean it up too
            problem = self._call('present', record_name, value)
            if problem:
                undone = [p for p in (self._call('cleanup', record_name, v) for v in done) if p]
                raise DnsProviderError('dns01.command failed: %s%s' % (
                    problem, ('; cleaning up failed too: ' + '; '.join(undone)) if undone else
                    '; cleanup ran for the %d value(s) presented' % len(done)))
        return list(values)

    def remove_txt(self, record_name, values):
        problems = [p for p in (self._call('cleanup', record_name, value) for value in values) if p]
        if problems:
            raise DnsProviderError('dns01.command cleanup failed: %s' % '; '.join(problems))
