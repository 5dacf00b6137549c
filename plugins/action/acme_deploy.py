# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller half of ``sslclm.acme.acme_deploy`` (the way ``copy``/``template`` split their work).

On the controller: read ``*_src`` files (vault-encrypted ones too), parse the certificate,
chain and key with ``cryptography``, refuse a key that does not match or a chain that
does not link - before anything reaches the host - and pick the SNI name for ``verify``.
On the host: the stdlib-only deploy code writes, validates, reloads, verifies and rolls back.
Back on the controller: describe the old and new certificates for the result and the diff.

The host side runs as a plain program (``python3 acme_deploy.pyz``, see
``plugins/plugin_utils/program_runner.py``) with the arguments validated here: a deploy is
the one per-host task of a fleet run, and a new-style module start (AnsiballZ plus
``ansible.module_utils.basic``) costs about 30 times the deploy itself. Where that cannot
apply (a connection that runs modules on the controller, e.g. network_cli) the module
``sslclm.acme.acme_deploy`` runs the same code the usual way.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import (
    CONTENT_OPTIONS,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_IF,
    REQUIRED_ONE_OF,
    DeployError,
    argument_spec,
    check_options,
)
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_remove import check_removal_options
from ansible_collections.sslclm.acme.plugins.plugin_utils.deploy_material import describe_pem, diff_text, prepare
from ansible_collections.sslclm.acme.plugins.plugin_utils.program_runner import HostProgramAction

MODULE = 'sslclm.acme.acme_deploy'


class ActionModule(HostProgramAction, ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def _read_source(self, src, option):
        """Content of a controller file, found like ``copy``'s ``src`` (role ``files/`` first); decrypts vault."""
        try:
            path = self._find_needle('files', src)
            real = self._loader.get_real_file(path, decrypt=True)
        except AnsibleError as exc:
            raise DeployError('%s: %s' % (option, to_text(exc.message)))
        try:
            with open(real, 'rb') as handle:
                return to_text(handle.read(), errors='surrogate_or_strict')
        except (IOError, OSError, UnicodeError) as exc:
            raise DeployError('%s: cannot read %s: %s' % (option, src, getattr(exc, 'strerror', None) or exc))
        finally:
            self._loader.cleanup_tmp_file(real)

    def _module_args(self, validated):
        """Validated args with ``*_src`` read, the material checked and normalised; or DeployError."""
        args = dict(validated)
        check_options(args)
        for option in CONTENT_OPTIONS:
            src = args.pop(option + '_src', None)
            if src:
                args[option] = self._read_source(src, option + '_src')
        material = prepare(args)
        args.pop('fullchain', None)
        args['certificate'] = material.leaf_pem
        args['chain'] = material.chain_pem or None
        if material.key_pem:
            args['private_key'] = material.key_pem
        if args.get('verify') is not None:
            verify = dict(args['verify'])
            if not verify.get('server_name'):
                verify['server_name'] = material.default_server_name()
            args['verify'] = verify
        return args, material

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # not used
        task_vars = task_vars or {}
        # Same checks as the module, before anything is read or sent (raises AnsibleActionFail).
        validation, validated = self.validate_argument_spec(
            argument_spec=argument_spec(), mutually_exclusive=MUTUALLY_EXCLUSIVE, required_one_of=REQUIRED_ONE_OF,
            required_if=REQUIRED_IF)
        del validation  # errors raised already
        if validated.get('state') == 'absent':
            return self._remove(result, validated, task_vars)
        try:
            module_args, material = self._module_args(validated)
        except DeployError as error:
            result.update(failed=True, changed=False, msg=error.msg)
            return result
        module_result = self._on_host(module_args, task_vars)
        previous = describe_pem(module_result.pop('previous_certificate_pem', None))
        result.update(module_result)
        if 'fingerprint_sha256' not in module_result:  # the module did not run (e.g. no Python on the host)
            return result
        result['certificate'] = material.description
        result['previous_certificate'] = previous
        if material.warnings:
            result['warnings'] = list(result.get('warnings') or []) + material.warnings
        if self._task.diff and result.get('changed') and not result.get('failed'):
            result['diff'] = {
                'before_header': 'certificate deployed before',
                'before': diff_text(previous),
                'after_header': 'certificate deployed now',
                'after': diff_text(material.description),
            }
        return result

    def _on_host(self, module_args, task_vars):
        """The host side's result: as a plain program, or as the module where modules run on the controller."""
        try:
            if self._runs_as_program():
                return self._run_host_program('acme_deploy', 'deploy_program', {
                    'params': module_args, 'check_mode': bool(self._task.check_mode)}, task_vars)
            return self._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _remove(self, result, validated, task_vars):
        """``state: absent``: no certificate to read; the host removes the files if the service validates without
        them. The diff shows the certificate and the files that go."""
        module_args = dict((k, v) for k, v in validated.items() if not k.endswith('_src'))
        try:
            check_removal_options(module_args)
        except DeployError as error:
            result.update(failed=True, changed=False, msg=error.msg)
            return result
        module_result = self._on_host(module_args, task_vars)
        previous = describe_pem(module_result.pop('previous_certificate_pem', None))
        result.update(module_result)
        if 'files' not in module_result:
            return result
        result['previous_certificate'] = previous
        if self._task.diff and result.get('changed') and not result.get('failed'):
            result['diff'] = {
                'before_header': 'deployed files',
                'before': diff_text(previous) + ''.join('file: %s\n' % p for p in result.get('removed') or []),
                'after_header': 'removed',
                'after': '',
            }
        return result
