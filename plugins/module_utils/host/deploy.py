# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deploy a certificate on a host: write, validate, reload, verify - or roll back.

Stdlib only (runs on managed hosts with Python 3.8+). X.509 checks that need a parser
(key matches certificate, chain links, names for diffs) happen before this runs, on the
controller (``plugins/action/acme_deploy.py``); here the content is only placed.

The sequence, for one certificate on one host:

1. plan: desired bytes, mode and owner of every destination file, compared with what is
   there; with ``verify``, one TLS probe of what the server serves now;
2. nothing differs (and the server serves this certificate) → no change, no reload;
3. back up each file being replaced (``DIR/.NAME.bak``, or ``backup_dir``), then write every
   file atomically - temp file in the same directory, fsync, rename, key first;
4. ``validate`` (argv), ``reload`` (argv, or a service name), ``verify`` (TLS handshakes
   until the new leaf is served, within a deadline);
5. any of them failing: put the previous files back, reload again if a reload had run,
   wait for the old certificate to be served, and fail with a message that says what
   failed and what state the host is in now.

Nothing returned contains key material.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.commands import detail_of, show
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_files import (
    backup_path,
    build_targets,
    file_state,
    keep_ids,
    read_existing,
)
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import (
    KEY_PATH_OPTIONS,
    LEAF_PATH_OPTIONS,
    SRC_OPTIONS,
    DeployError,
    StepFailed,
    check_options,
    checked_record_path,
    material,
    reload_argv,
)
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_record import write_record
from ansible_collections.sslclm.acme.plugins.module_utils.host.files import SymbolicLink, atomic_write_many, remove_files
from ansible_collections.sslclm.acme.plugins.module_utils.host.pem import pem_blocks
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_probe import (
    fingerprint_pem,
    probe,
    short,
    wait_for_fingerprint,
)

PROBE_TIMEOUT = 5.0


class Deployment:
    """One run of ``acme_deploy`` on this host. ``run_command`` is ``commands.run_command``;
    ``probe_once`` and ``wait`` are injectable for unit tests; ``systemd`` (None: detect) picks
    the service manager."""

    def __init__(self, params, check_mode, run_command, probe_once=probe,
                 wait=wait_for_fingerprint, systemd=None, clock=time.monotonic):
        self.params = params
        self.check_mode = check_mode
        self.run_command = run_command
        self.probe_once = probe_once
        self.wait = wait
        self.systemd = os.path.isdir('/run/systemd/system') if systemd is None else systemd
        self.clock = clock
        self.verify = params.get('verify')
        self.timeout = params.get('command_timeout') or 60
        self.reload_kind, self.reload_value = reload_argv(params.get('reload'))
        self.warnings = []
        self.reloads = 0
        self.reload_attempted = False
        self.skip_verify = False
        self.written = False
        self.targets = []
        self.timings = {}
        self.result = {}

    # ------------------------------------------------------------------ plan
    def _plan(self):
        check_options(self.params)
        for option in SRC_OPTIONS:
            if self.params.get(option):
                raise DeployError('%s is read on the controller by the acme_deploy action plugin; '
                                  'it cannot reach the module directly' % option)
        leaf, chain, key = material(self.params)
        self.new_fp = fingerprint_pem(leaf)
        self.targets = build_targets(self.params, leaf, chain, key)
        for target in self.targets:
            target.existing = read_existing(target.path)
            keep_ids(target)
            target.state = file_state(target)
        if self.params.get('backup_dir'):
            if not os.path.isdir(self.params['backup_dir']):
                raise DeployError('backup_dir %s does not exist' % self.params['backup_dir'])
            names = [backup_path(t, self.params['backup_dir']) for t in self.targets]
            if len(set(names)) != len(names):
                raise DeployError('two files would have the same backup name in backup_dir; '
                                  'give them different file names or leave backup_dir unset')
        self.old_pem = None
        for target in self.targets:
            if target.option in LEAF_PATH_OPTIONS and target.existing is not None and target.existing.link is None:
                blocks = pem_blocks(target.existing.content)
                if blocks:
                    self.old_pem = blocks[0]
                    break
        self.old_fp = fingerprint_pem(self.old_pem) if self.old_pem else None

    def _endpoint(self):
        v = self.verify
        return '%s:%s%s' % (v['host'], v['port'], ' (SNI %s)' % v['server_name'] if v.get('server_name') else '')

    def _base_result(self):
        self.result = {
            'changed': False,
            'reloaded': False,
            'reloads': 0,
            'verified': None,
            'fingerprint_sha256': self.new_fp,
            'previous_fingerprint_sha256': self.old_fp,
            'previous_certificate_pem': self.old_pem,
            'files': [{'option': t.option, 'path': t.path, 'state': t.state, 'mode': '%04o' % t.mode}
                      for t in self.targets],
        }
        return self.result

    # ------------------------------------------------------------------- run
    def run(self):
        start = self.clock()
        self._plan()
        result = self._base_result()
        content_changed = any(t.state in ('created', 'updated') for t in self.targets)
        served_other = False
        if self.verify:
            before = self.probe_once(self.verify['host'], self.verify['port'], self.verify.get('server_name'),
                                     min(PROBE_TIMEOUT, float(self.verify['timeout'])))
            result['served_before'] = dict(self._served(before), matches=before['fingerprint'] == self.new_fp)
            served_other = before['fingerprint'] is not None and before['fingerprint'] != self.new_fp
            if not content_changed:
                if before['fingerprint'] == self.new_fp:
                    result['verified'] = True
                elif before['fingerprint'] is None:
                    self.warnings.append('Files are current, but nothing answered TLS on %s (%s): not verified'
                                         % (self._endpoint(), before['error']))
        changed = content_changed or served_other or any(t.state == 'attributes' for t in self.targets)
        result['changed'] = changed
        if content_changed:
            result['reason'] = 'files differ: %s' % ', '.join(
                '%s %s' % (t.option, t.state) for t in self.targets if t.state in ('created', 'updated'))
        elif served_other:
            result['reason'] = ('files are current, but %s serves another certificate (sha256 %s)'
                                % (self._endpoint(), short(result['served_before']['fingerprint_sha256'])))
        elif changed:
            result['reason'] = 'modes or owners differ'
        else:
            result['reason'] = 'certificate already deployed'
        if self.check_mode or not changed:
            self._keep_record()
            return self._finish(start)
        step = 'backup'
        try:
            self._backup()
            step = 'write'
            self._write()
            if content_changed or served_other:
                step = 'validate'
                self._validate()
                step = 'reload'
                self._reload()
                step = 'verify'
                self._verify_new()
        # Anything that goes wrong after the first write rolls back.
        except Exception as failure:  # pylint: disable=broad-except
            detail = str(failure) if isinstance(failure, StepFailed) else 'unexpected error: %s' % failure
            self._fail(step, detail, start)
        self._keep_record()
        return self._finish(start)

    def _keep_record(self):
        """With ``record_name``: the record of what this deploy placed (see ``deploy_record.py``), written when it
        is missing or says something else. A record that cannot be written is a warning, not a failed deploy."""
        path = checked_record_path(self.params)
        if path is None:
            return
        files = dict((t.option, t.path) for t in self.targets)
        try:
            if self.check_mode:
                written = not os.path.isfile(path)
            else:
                written = write_record(path, self.params['record_name'], files, self.new_fp)
        except (IOError, OSError) as exc:
            self.warnings.append('The deploy record %s could not be written (%s): runs cannot report this certificate '
                                 'as unmanaged once it leaves the inventory' % (path, getattr(exc, 'strerror', None) or exc))
            return
        self.result['record'] = path
        if written and not self.result['changed']:
            self.result.update(changed=True, reason='certificate already deployed; deploy record %s written' % path)

    def _finish(self, start):
        self.result['reloads'] = self.reloads
        self.result['timings'] = dict(self.timings, total=round(self.clock() - start, 3))
        if self.warnings:
            self.result['_warnings'] = self.warnings
        return self.result

    def _served(self, outcome):
        v = self.verify
        return {'host': v['host'], 'port': v['port'], 'server_name': v.get('server_name'),
                'fingerprint_sha256': outcome.get('fingerprint'), 'error': outcome.get('error')}

    # ----------------------------------------------------------------- steps
    def _backup(self):
        if not self.params.get('backup', True):
            return
        items = []
        for target in self.targets:
            if target.state == 'updated':
                old = target.existing
                target.backup = backup_path(target, self.params.get('backup_dir'))
                mode = 0o600 if target.option in KEY_PATH_OPTIONS else old.mode
                items.append((target.backup, _previous(old), mode, old.uid, old.gid))
        if items:
            atomic_write_many(items)
        for entry, target in zip(self.result['files'], self.targets):
            if target.backup:
                entry['backup'] = target.backup

    def _write(self):
        self.written = True
        atomic_write_many([(t.path, t.content, t.mode, t.uid, t.gid)
                           for t in self.targets if t.state in ('created', 'updated')])
        for target in self.targets:
            if target.state == 'attributes':
                if target.uid != -1 or target.gid != -1:
                    os.chown(target.path, target.uid, target.gid)
                os.chmod(target.path, target.mode)

    def _validate(self):
        argv = self.params.get('validate')
        if not argv:
            return
        command = self.run_command(list(argv), self.timeout)
        self.timings['validate'] = command['seconds']
        if command['rc'] != 0:
            raise StepFailed(detail_of(command, 'validate command %s' % show(argv)))

    def _service_active(self, name):
        if self.systemd:
            argv = ['systemctl', 'is-active', '--quiet', name]
        else:
            argv = ['service', name, 'status']
        return self.run_command(argv, self.timeout)['rc'] == 0

    def _reload_argv(self):
        if self.reload_kind == 'command':
            return self.reload_value
        name = self.reload_value
        if self.systemd:
            return ['systemctl', 'reload', name]
        import shutil  # pylint: disable=import-outside-toplevel  # here only: it costs every deploy 2 ms to import
        if not shutil.which('service'):
            raise StepFailed('cannot reload service %s: neither systemd nor the service command is present; '
                             'give reload as a command (a list of arguments)' % name)
        return ['service', name, 'reload']

    def _reload(self, again=False):
        """Run the reload; False when a service is not running (nothing to reload)."""
        if not self.reload_kind:
            return True
        if self.reload_kind == 'service' and not self._service_active(self.reload_value):
            if not again:
                self.warnings.append('Service %s is not running: not reloaded%s; the new files take effect when it '
                                     'starts' % (self.reload_value, ', not verified' if self.verify else ''))
            self.skip_verify = True
            return False
        argv = self._reload_argv()
        self.reload_attempted = True
        command = self.run_command(argv, self.timeout)
        self.reloads += 1
        self.timings['rollback_reload' if again else 'reload'] = command['seconds']
        if command['rc'] != 0:
            raise StepFailed(detail_of(command, 'reload command %s' % show(argv)))
        if not again:
            self.result['reloaded'] = True
        return True

    def _verify_new(self):
        if not self.verify or self.skip_verify:
            return
        outcome = self._wait_for(self.new_fp)
        self.timings['verify'] = outcome['seconds']
        self.result['served'] = dict(self._served(outcome), attempts=outcome['attempts'], seconds=outcome['seconds'])
        self.result['verified'] = outcome['ok']
        if not outcome['ok']:
            hint = ''
            before = self.result.get('served_before') or {}
            if outcome['fingerprint'] is None and before.get('fingerprint_sha256') is None:
                hint = ' (nothing answered there before the deploy either: check verify host, port and server_name)'
            raise StepFailed('%s did not serve the new certificate (sha256 %s) within %s s: %s%s'
                             % (self._endpoint(), short(self.new_fp), self.verify['timeout'], self._last(outcome),
                                hint))

    def _wait_for(self, fingerprint):
        v = self.verify
        return self.wait(v['host'], v['port'], v.get('server_name'), fingerprint, v['timeout'],
                         confirmations=v.get('confirmations') or 1)

    @staticmethod
    def _last(outcome):
        if outcome['fingerprint']:
            return 'it served sha256 %s (%d attempts)' % (short(outcome['fingerprint']), outcome['attempts'])
        return '%s (%d attempts)' % (outcome['error'], outcome['attempts'])

    # -------------------------------------------------------------- rollback
    def _restore_files(self, errors):
        restored = []
        writes = [t for t in self.targets if t.state == 'updated']
        try:
            atomic_write_many([(t.path, _previous(t.existing), t.existing.mode, t.existing.uid, t.existing.gid)
                               for t in writes])
            restored.extend(t.option for t in writes)
        except (IOError, OSError) as exc:
            errors.append('could not restore %s: %s (backups: %s)' % (
                ', '.join(t.path for t in writes), exc, ', '.join(t.backup for t in writes if t.backup) or 'none'))
        created = [t for t in self.targets if t.state == 'created']
        try:
            remove_files([t.path for t in created])
        except (IOError, OSError) as exc:
            errors.append('could not remove the new %s: %s' % (', '.join(t.path for t in created), exc))
        for target in self.targets:
            if target.state == 'attributes':
                try:
                    os.chown(target.path, target.existing.uid, target.existing.gid)
                    os.chmod(target.path, target.existing.mode)
                    restored.append(target.option)
                except (IOError, OSError) as exc:
                    errors.append('could not restore the mode of %s: %s' % (target.path, exc))
        return restored, [t.option for t in created]

    def _fail(self, step, detail, start):
        rollback_start = self.clock()
        errors = []
        files_changed = self.written and any(t.state in ('created', 'updated') for t in self.targets)
        restored, removed = self._restore_files(errors) if self.written else ([], [])
        parts = []
        if restored:
            parts.append('restored the previous %s' % ', '.join(restored))
        if removed:
            parts.append('removed the new %s (there was no previous file)' % ', '.join(removed))
        reloaded_again = None
        if self.reload_attempted and files_changed:
            try:
                self._reload(again=True)
                reloaded_again = True
                parts.append('reloaded again (%s)' % show(self._reload_argv()))
            except StepFailed as exc:
                reloaded_again = False
                errors.append('the reload after restoring failed: %s' % exc)
        elif files_changed and self.reload_kind:
            parts.append('no reload had run, so the server kept its certificate')
        old_served = None
        if self.verify and self.old_fp and files_changed and not self.skip_verify:
            outcome = self._wait_for(self.old_fp)
            self.timings['rollback_verify'] = outcome['seconds']
            old_served = outcome['ok']
            if outcome['ok']:
                parts.append('the old certificate (sha256 %s) is served on %s' % (short(self.old_fp), self._endpoint()))
            else:
                errors.append('could NOT confirm that the old certificate (sha256 %s) is served on %s: %s'
                              % (short(self.old_fp), self._endpoint(), self._last(outcome)))
        elif self.old_fp and files_changed:
            parts.append('the old certificate (sha256 %s) is back in place (not verified: no verify settings)'
                         % short(self.old_fp))
        elif files_changed:
            parts.append('there was no previous certificate')
        self.timings['rollback'] = round(self.clock() - rollback_start, 3)
        complete = not [e for e in errors if not e.startswith('could NOT confirm')]
        rollback = {'complete': complete, 'files_restored': restored, 'files_removed': removed,
                    'reloaded': reloaded_again, 'old_certificate_served': old_served, 'errors': errors}
        self.result.update(changed=self.written or self.reloads > 0, failed_step=step, rolled_back=files_changed,
                           rollback=rollback)
        if files_changed:
            msg = 'acme_deploy failed at %s: %s. Rolled back: %s.' % (step, detail.rstrip('.'), '; '.join(parts))
        else:
            msg = 'acme_deploy failed at %s: %s. No deployed file had changed%s.' % (
                step, detail.rstrip('.'), ('; ' + '; '.join(parts)) if parts else '')
        if errors:
            msg += ' %s: %s.' % ('ROLLBACK INCOMPLETE' if not complete else 'But', '; '.join(errors))
        raise DeployError(msg, self._finish(start))


def _previous(existing):
    """What puts ``existing`` back: its bytes, or the symbolic link it was."""
    return SymbolicLink(existing.link) if existing.link is not None else existing.content


def deploy(params, check_mode, run_command, **kwargs):
    """Run a deployment → result dict; raises ``DeployError`` (with ``.result``) on failure."""
    return Deployment(params, check_mode, run_command, **kwargs).run()
