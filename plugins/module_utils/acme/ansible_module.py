# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``AnsibleModule`` whose syslog line ("Invoked with ...") masks secrets inside dict and list options too.

ansible-core logs a dict or list option as its ``str()``, in which a multi-line ``no_log`` value - the PEM
account key in ``connector_definition.account_key_content`` - appears with its newlines escaped, so the
value no longer matches and reaches syslog / the journal in clear (results and ``-vvv`` mask it; only
the log line does not). Masking the structure before it is turned into text closes that.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.parameters import remove_values


class SecretSafeModule(AnsibleModule):

    def _log_invocation(self):
        params = self.params
        self.params = remove_values(params, self.no_log_values)
        try:
            super(SecretSafeModule, self)._log_invocation()
        finally:
            self.params = params
