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
3. back up each file being replaced (``PATH.bak``, or ``backup_dir``), then write every
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
import re
import shutil
import time

from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write_many, remove_files
from ansible_collections.sslclm.acme.plugins.module_utils.host.tls_probe import (
    fingerprint_pem,
    pem_blocks,
    probe,
    short,
    wait_for_fingerprint,
)

try:
    import grp
    import pwd
except ImportError:  # not on POSIX; owner/group then cannot be resolved by name
    grp = pwd = None

# Write order: files holding the key first, so a reader that finds the new certificate
# also finds its key. Each role's content is derived from the same material.
PATH_OPTIONS = ('private_key_path', 'combined_path', 'cert_path', 'chain_path', 'fullchain_path')
KEY_PATH_OPTIONS = ('private_key_path', 'combined_path')
LEAF_PATH_OPTIONS = ('cert_path', 'fullchain_path', 'combined_path')  # files that begin with the leaf
CONTENT_OPTIONS = ('certificate', 'chain', 'fullchain', 'private_key')
SRC_OPTIONS = tuple(option + '_src' for option in CONTENT_OPTIONS)
BACKUP_SUFFIX = '.bak'
PROBE_TIMEOUT = 5.0
OUTPUT_TAIL = 1500

MUTUALLY_EXCLUSIVE = [
    ('certificate', 'certificate_src', 'fullchain', 'fullchain_src'),
    ('chain', 'chain_src', 'fullchain', 'fullchain_src'),
    ('private_key', 'private_key_src'),
]
REQUIRED_ONE_OF = [
    ('certificate', 'certificate_src', 'fullchain', 'fullchain_src'),
    PATH_OPTIONS,
]


def argument_spec():
    """Options of ``sslclm.acme.acme_deploy``, shared by the module and its action plugin."""
    return dict(
        certificate=dict(type='str'),
        chain=dict(type='str'),
        fullchain=dict(type='str'),
        private_key=dict(type='str', no_log=True),
        certificate_src=dict(type='path'),
        chain_src=dict(type='path'),
        fullchain_src=dict(type='path'),
        private_key_src=dict(type='path'),
        cert_path=dict(type='path'),
        chain_path=dict(type='path'),
        fullchain_path=dict(type='path'),
        private_key_path=dict(type='path'),
        combined_path=dict(type='path'),
        owner=dict(type='str'),
        group=dict(type='str'),
        mode=dict(type='raw', default='0644'),
        key_mode=dict(type='raw', default='0600', no_log=False),
        backup=dict(type='bool', default=True),
        backup_dir=dict(type='path'),
        validate=dict(type='list', elements='str'),
        reload=dict(type='raw'),
        verify=dict(type='dict', options=dict(
            host=dict(type='str', default='localhost'),
            port=dict(type='int', default=443),
            server_name=dict(type='str'),
            timeout=dict(type='int', default=30),
            confirmations=dict(type='int', default=3),
        )),
        command_timeout=dict(type='int', default=60),
    )


class DeployError(Exception):
    """A deploy that cannot go ahead, or that failed and was rolled back; ``result`` goes to fail_json."""

    def __init__(self, msg, result=None):
        super(DeployError, self).__init__(msg)
        self.msg = msg
        self.result = result or {}


class _StepFailed(Exception):
    pass


def _given(params, option):
    return bool(params.get(option) or params.get(option + '_src'))


def check_options(params):
    """Checks that need no X.509 parser; the action plugin runs them before reading anything."""
    key_paths = [o for o in KEY_PATH_OPTIONS if params.get(o)]
    if key_paths and not _given(params, 'private_key'):
        raise DeployError('private_key or private_key_src is required with %s' % ' and '.join(key_paths))
    if _given(params, 'private_key') and not key_paths:
        raise DeployError('private_key is given but neither private_key_path nor combined_path says where to write it')
    if params.get('chain_path') and not (_given(params, 'chain') or _given(params, 'fullchain')):
        raise DeployError('chain_path needs the chain: give chain, chain_src, fullchain or fullchain_src')
    paths = [params[o] for o in PATH_OPTIONS if params.get(o)]
    if len(set(paths)) != len(paths):
        raise DeployError('two destination options name the same file')
    parse_mode(params.get('mode', '0644'), 'mode')
    parse_mode(params.get('key_mode', '0600'), 'key_mode')
    reload_argv(params.get('reload'))
    validate = params.get('validate')
    if validate is not None and not [a for a in validate if a]:
        raise DeployError('validate must be a command as a list of arguments, e.g. [nginx, -t]')


def parse_mode(value, option):
    """An octal mode from ``'0644'``/``'644'`` or an int (YAML ``0644``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    elif isinstance(value, str) and re.match(r'^0?[0-7]{3,4}$', value.strip()):
        mode = int(value.strip(), 8)
    else:
        raise DeployError('%s must be an octal mode such as "0644", got %r' % (option, value))
    if mode < 0 or mode > 0o7777:
        raise DeployError('%s %r is not a file mode' % (option, value))
    return mode


def reload_argv(reload):
    """``reload`` as (kind, value): ('command', argv), ('service', name) or (None, None)."""
    if reload is None or reload == '' or reload == []:
        return None, None
    if isinstance(reload, (list, tuple)):
        argv = [str(a) for a in reload]
        if not argv or not argv[0]:
            raise DeployError('reload must be a service name or a non-empty list of arguments')
        return 'command', argv
    if isinstance(reload, str):
        if not re.match(r'^[A-Za-z0-9][A-Za-z0-9_.@:-]*$', reload):
            raise DeployError('reload %r is not a service name; give a command as a list of arguments, '
                              'e.g. [nginx, -s, reload] (it never runs through a shell)' % reload)
        return 'service', reload
    raise DeployError('reload must be a service name or a list of arguments, not %s' % type(reload).__name__)


def _uid(owner):
    if owner is None or owner == '':
        return -1
    if str(owner).isdigit():
        return int(owner)
    try:
        return pwd.getpwnam(owner).pw_uid
    except (KeyError, AttributeError):
        raise DeployError('owner %s: no such user on this host' % owner)


def _gid(group):
    if group is None or group == '':
        return -1
    if str(group).isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except (KeyError, AttributeError):
        raise DeployError('group %s: no such group on this host' % group)


def material(params):
    """(leaf PEM, chain PEM, key PEM or None) as bytes, from the content options."""
    if params.get('fullchain'):
        certs = pem_blocks(params['fullchain'])
        if not certs:
            raise DeployError('fullchain holds no PEM certificate')
        leaf, chain = certs[0], certs[1:]
    else:
        certs = pem_blocks(params.get('certificate') or '')
        if not certs:
            raise DeployError('certificate holds no PEM certificate')
        leaf, chain = certs[0], certs[1:] + pem_blocks(params.get('chain') or '')
    key = params.get('private_key')
    if key:
        if 'PRIVATE KEY-----' not in key:
            raise DeployError('private_key is not a PEM private key')
        key = key.strip() + '\n'
    return leaf.encode('ascii'), ''.join(chain).encode('ascii'), key.encode('ascii') if key else None


class Target:
    """One destination file: what it must contain, its mode and owner."""

    def __init__(self, option, path, content, mode, uid, gid):
        self.option = option
        self.path = path
        self.content = content
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.existing = None
        self.state = None
        self.backup = None


class Existing:
    def __init__(self, content, mode, uid, gid):
        self.content = content
        self.mode = mode
        self.uid = uid
        self.gid = gid


def _real_destination(path, option):
    """The file to replace: symlinks are followed (a link stays a link)."""
    real = os.path.realpath(path)
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        raise DeployError('%s: directory %s does not exist (create it first)' % (option, directory))
    if os.path.exists(real) and not os.path.isfile(real):
        raise DeployError('%s: %s exists and is not a regular file' % (option, real))
    return real


def read_existing(path):
    try:
        with open(path, 'rb') as handle:
            st = os.fstat(handle.fileno())
            return Existing(handle.read(), st.st_mode & 0o7777, st.st_uid, st.st_gid)
    except FileNotFoundError:
        return None
    except (IOError, OSError) as exc:
        raise DeployError('Cannot read %s: %s' % (path, exc.strerror or exc))


def build_targets(params, leaf, chain, key):
    mode, key_mode = parse_mode(params['mode'], 'mode'), parse_mode(params['key_mode'], 'key_mode')
    uid, gid = _uid(params.get('owner')), _gid(params.get('group'))
    contents = {
        'private_key_path': key,
        'combined_path': leaf + chain + (key or b''),
        'cert_path': leaf,
        'chain_path': chain,
        'fullchain_path': leaf + chain,
    }
    targets = []
    for option in PATH_OPTIONS:
        if params.get(option):
            path = _real_destination(params[option], option)
            targets.append(Target(option, path, contents[option], key_mode if option in KEY_PATH_OPTIONS else mode,
                                  uid, gid))
    if len(set(t.path for t in targets)) != len(targets):
        raise DeployError('two destination options resolve to the same file')
    return targets


def file_state(target):
    existing = target.existing
    if existing is None:
        return 'created'
    if existing.content != target.content:
        return 'updated'
    if existing.mode != target.mode or target.uid not in (-1, existing.uid) or target.gid not in (-1, existing.gid):
        return 'attributes'
    return 'unchanged'


def backup_path(target, backup_dir):
    if backup_dir:
        return os.path.join(backup_dir, os.path.basename(target.path) + BACKUP_SUFFIX)
    return target.path + BACKUP_SUFFIX


def _tail(data):
    text = _text(data).strip()
    return text if len(text) <= OUTPUT_TAIL else '...' + text[-OUTPUT_TAIL:]


TIMEOUT_RC = 124  # coreutils timeout: the command ran out of time


def _runner(execute, timeout_bin):
    """``run(argv, timeout) → {'rc', 'output', 'seconds'}`` around ``execute(argv) → (rc, out, err)``.

    Arguments are passed literally (no shell, no ``~``/``$VAR`` expansion); errors starting the
    command come back as rc 127 instead of ending the run, so a rollback can still run.
    The time limit comes from coreutils ``timeout`` where the host has it (rc None = timed out).
    """
    def run(argv, timeout):
        command = list(argv)
        if timeout_bin and timeout:
            command = [timeout_bin, '--kill-after=5', str(int(timeout))] + command
        start = time.monotonic()
        try:
            rc, out, err = execute(command)
        except (IOError, OSError) as exc:
            return {'rc': 127, 'output': 'cannot run %s: %s' % (argv[0], exc.strerror or exc),
                    'seconds': round(time.monotonic() - start, 3)}
        output = _tail('\n'.join(part for part in (_text(out).strip(), _text(err).strip()) if part))
        if timeout_bin and timeout and rc in (TIMEOUT_RC, 128 + 9, -9):
            rc, output = None, 'timed out after %d s%s' % (timeout, (': ' + output) if output else '')
        return {'rc': rc, 'output': output, 'seconds': round(time.monotonic() - start, 3)}
    return run


def _text(data):
    return data.decode('utf-8', 'replace') if isinstance(data, bytes) else (data or '')


def command_runner(module):
    """The runner inside the Ansible module (``module.run_command``)."""
    def execute(command):
        return module.run_command(command, expand_user_and_vars=False, handle_exceptions=False)
    return _runner(execute, module.get_bin_path('timeout'))


def subprocess_runner():
    """The runner of the action plugin's host program (no ``ansible.module_utils`` there).

    Like ``run_command``: no shell, stdin closed, output captured.
    """
    def execute(command):
        # run_command needs AnsibleModule, which the host program does not load (that is its point);
        # imported here, only deploys that run commands pay for subprocess
        import subprocess  # pylint: disable=import-outside-toplevel
        completed = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,  # pylint: disable=ansible-bad-function
                                   stderr=subprocess.PIPE, check=False)
        return completed.returncode, completed.stdout, completed.stderr
    return _runner(execute, shutil.which('timeout'))


def _show(argv):
    return ' '.join(argv)


def _detail(command, what):
    if command['rc'] is None:
        return '%s %s' % (what, command['output'])
    return '%s exited %s%s' % (what, command['rc'], (': ' + command['output']) if command['output'] else '')


class Deployment:
    """One run of ``acme_deploy`` on this host. ``run_command`` is ``command_runner(module)``;
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
            if target.option in LEAF_PATH_OPTIONS and target.existing is not None:
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
            detail = str(failure) if isinstance(failure, _StepFailed) else 'unexpected error: %s' % failure
            self._fail(step, detail, start)
        return self._finish(start)

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
                items.append((target.backup, old.content, mode, old.uid, old.gid))
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
            raise _StepFailed(_detail(command, 'validate command %s' % _show(argv)))

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
        if not shutil.which('service'):
            raise _StepFailed('cannot reload service %s: neither systemd nor the service command is present; '
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
            raise _StepFailed(_detail(command, 'reload command %s' % _show(argv)))
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
            raise _StepFailed('%s did not serve the new certificate (sha256 %s) within %s s: %s%s'
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
            atomic_write_many([(t.path, t.existing.content, t.existing.mode, t.existing.uid, t.existing.gid)
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
                parts.append('reloaded again (%s)' % _show(self._reload_argv()))
            except _StepFailed as exc:
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


def deploy(params, check_mode, run_command, **kwargs):
    """Run a deployment → result dict; raises ``DeployError`` (with ``.result``) on failure."""
    return Deployment(params, check_mode, run_command, **kwargs).run()
