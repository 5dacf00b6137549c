# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of ``sslclm.acme.acme_challenge``: the key of a TLS-ALPN-01 challenge certificate.

``acme_enroll`` with ``step: order`` keeps that key in a controller file (``key_src``) so that
no result, and so no log or job event, ever holds it. Here it is read and handed to the host
module as ``key_pem``, an option the module declares ``no_log``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.sslclm.acme.plugins.module_utils.host.challenge_files import argument_spec

MODULE = 'sslclm.acme.acme_challenge'


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # not used
        validation, args = self.validate_argument_spec(argument_spec=argument_spec())
        del validation  # errors raised already
        challenges = []
        for item in args['challenges']:
            item = dict((k, v) for k, v in item.items() if v is not None)
            key_src = item.pop('key_src', None)
            if key_src and args['state'] == 'present':
                try:
                    with open(key_src, 'rb') as handle:
                        item['key_pem'] = to_text(handle.read())
                except (IOError, OSError) as exc:
                    result.update(failed=True, changed=False,
                                  msg='cannot read the challenge key %s on the controller: %s (run acme_enroll '
                                      'step: order again)' % (key_src, getattr(exc, 'strerror', None) or exc))
                    return result
            challenges.append(item)
        module_args = dict(args, challenges=challenges)
        result.update(self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars))
        return result
