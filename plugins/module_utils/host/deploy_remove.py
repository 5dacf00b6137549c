# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remove a certificate's deployed files (``acme_deploy`` with ``state: absent``) - only when the service's
configuration still validates without them (stdlib only: runs on managed hosts).

1. the destination paths that exist are renamed aside in their own directory (``.NAME.sslclm-removed``):
   a rename keeps content, mode, owner, SELinux context and timestamps, and a dotfile is not loaded by a
   service that reads a whole directory (HAProxy ``crt DIR``);
2. ``validate`` runs (required: without it nothing says the service no longer needs the files);
3. it fails → every file is renamed back, exactly as it was, and the task fails with the command's output;
4. it passes → ``reload`` (the service drops the configuration that used them; a service that is not
   running is not started), then the files aside are deleted for good, and the deploy record with them.
   A failed reload also renames the files back.

A symbolic link at a destination is removed itself, never the file it points to.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy import Deployment, deploy
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import (
    LEAF_PATH_OPTIONS,
    PATH_OPTIONS,
    DeployError,
    StepFailed,
    checked_record_path,
    reload_argv,
)
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_record import remove_record
from ansible_collections.sslclm.acme.plugins.module_utils.host.files import remove_files
from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_probe import fingerprint_pem

ASIDE = '.%s.sslclm-removed'


def check_removal_options(params):
    """What ``state: absent`` needs: the paths to remove, and ``validate``."""
    paths = [params[o] for o in PATH_OPTIONS if params.get(o)]
    if not paths:
        raise DeployError('state: absent needs the paths to remove (fullchain_path, cert_path, chain_path, '
                          'private_key_path, combined_path)')
    if len(set(paths)) != len(paths):
        raise DeployError('two destination options name the same file')
    if not [a for a in params.get('validate') or [] if a]:
        raise DeployError('state: absent removes files only when the service still validates without them: give '
                          'validate (e.g. [nginx, -t]); for files no service reads, validate: [/bin/true] says so')
    reload_argv(params.get('reload'))
    checked_record_path(params)


class Removal(Deployment):
    """One run of ``acme_deploy`` with ``state: absent`` on this host."""

    def _plan(self):
        check_removal_options(self.params)
        self.record = checked_record_path(self.params)
        self.recovered = []
        self.present = []
        self.files = []
        self.old_pem = None
        for option in PATH_OPTIONS:
            if not self.params.get(option):
                continue
            path = os.path.abspath(self.params[option])
            self._recover_aside(option, path)
            exists = os.path.lexists(path) or path in self.recovered  # check mode: still aside, would be back
            if exists and not os.path.islink(path) and not os.path.isfile(path) and path not in self.recovered:
                raise DeployError('%s: %s exists and is not a regular file; refusing to remove it' % (option, path))
            self.files.append({'option': option, 'path': path, 'state': 'removed' if exists else 'absent'})
            if exists:
                self.present.append(path)
                if self.old_pem is None and option in LEAF_PATH_OPTIONS and os.path.isfile(path) and not os.path.islink(path):
                    self.old_pem = _first_block(path)

    def _recover_aside(self, option, path):
        """A file a killed run left aside (connection lost, host rebooted while ``validate`` ran) is put back first,
        so this run decides about it again - never "nothing to remove" while a key lies in a dotfile."""
        aside = _aside_path(path)
        if not os.path.lexists(aside):
            return
        if os.path.lexists(path):
            raise DeployError('%s: both %s and %s (left aside by an interrupted removal) exist; keep the one the service '
                              'should use at %s, delete the other, and run again' % (option, path, aside, path))
        if not self.check_mode:
            try:
                os.rename(aside, path)
            except OSError as exc:
                raise DeployError('%s: cannot put %s back to %s: %s' % (option, aside, path, exc.strerror or exc))
        self.recovered.append(path)

    def run(self):
        start = self.clock()
        self._plan()
        record_there = self.record is not None and os.path.lexists(self.record)
        self.result = {
            'changed': bool(self.present) or record_there, 'state': 'absent', 'reloaded': False, 'reloads': 0,
            'verified': None, 'files': self.files, 'removed': list(self.present), 'record_removed': False,
            'previous_fingerprint_sha256': fingerprint_pem(self.old_pem) if self.old_pem else None,
            'previous_certificate_pem': self.old_pem,
        }
        if not self.present:
            self.result['reason'] = 'nothing to remove: no file is there'
            self.result['record_removed'] = remove_record(self.record, self.check_mode)
            return self._finish(start)
        self.result['reason'] = 'files to remove: %s' % ', '.join(self.present)
        if self.check_mode:
            self.result['record_removed'] = record_there
            return self._finish(start)
        aside = self._move_aside()
        step = 'validate'
        try:
            self._validate()
            step = 'reload'
            self._reload()
        except StepFailed as failure:
            self._put_back(aside, step, str(failure), start)
        remove_files([a for a, unused in aside])
        self.result['record_removed'] = remove_record(self.record, False)
        return self._finish(start)

    def _move_aside(self):
        moved = []
        try:
            for path in self.present:
                target = _aside_path(path)
                os.rename(path, target)
                moved.append((target, path))
        except OSError as exc:
            errors = _rename_back(moved)
            raise DeployError('cannot move %s aside: %s; nothing was removed%s' % (
                path, exc.strerror or exc, ('; ' + '; '.join(errors)) if errors else ''),
                dict(self.result, changed=False))
        return moved

    def _put_back(self, aside, step, detail, start):
        errors = _rename_back(aside)
        for entry in self.files:
            if entry['state'] == 'removed':
                entry['state'] = 'kept'
        self.result.update(changed=self.reloads > 0, removed=[], failed_step=step)
        self._finish(start)
        names = ', '.join(self.present)
        if errors:
            raise DeployError('acme_deploy state=absent: %s failed without %s: %s. PUTTING THE FILES BACK FAILED: %s'
                              % (step, names, detail.rstrip('.'), '; '.join(errors)), self.result)
        raise DeployError('acme_deploy state=absent: the service needs %s - %s failed without them: %s. The files are '
                          'back as they were (content, mode, owner); change the service so that it no longer uses '
                          'them, then run again' % (names, step, detail.rstrip('.')), self.result)


def _aside_path(path):
    return os.path.join(os.path.dirname(path), ASIDE % os.path.basename(path))


def _rename_back(moved):
    errors = []
    for target, path in reversed(moved):
        try:
            os.rename(target, path)
        except OSError as exc:
            errors.append('%s is still at %s: %s' % (path, target, exc.strerror or exc))
    return errors


def _first_block(path):
    try:
        with open(path, 'rb') as handle:
            blocks = pem_blocks(handle.read(256 * 1024))
    except (IOError, OSError):
        return None
    return blocks[0] if blocks else None


def remove(params, check_mode, run_command, **kwargs):
    """Remove the deployed files → result dict; raises ``DeployError`` (with ``.result``) on failure."""
    return Removal(params, check_mode, run_command, **kwargs).run()


def converge(params, check_mode, run_command, **kwargs):
    """``acme_deploy`` on this host: remove with ``state: absent``, else deploy."""
    if params.get('state') == 'absent':
        return remove(params, check_mode, run_command, **kwargs)
    return deploy(params, check_mode, run_command, **kwargs)
