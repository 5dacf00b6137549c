#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: turn the EXAMPLES of the collection's modules into one playbook that runs against the lab.

    examples_playbook.py SETTINGS_JSON

Reads EXAMPLES from the module files (as text, without importing them) in the collection found on
the settings' collections paths, keeps every task, and rewrites only the values that tie an example
to somebody's environment: CA directory presets, file system paths, the TLS-ALPN-01 responder's
address and port, the challtestsrv URL. Anything else that looks environment-specific (an absolute
path, a directory URL, a variable nobody defines, ...) fails the run, so a new example cannot slip
past the test unrunnable or untested.

SETTINGS_JSON (a JSON object): collections_paths (list), scratch (directory; the playbook and every
rewritten path go under it), main_directory and eab_directory (lab directory URLs),
challtestsrv_management, responder_address, tls_port, play_vars, module_defaults.

Writes SCRATCH/examples.yml and prints a JSON manifest: tasks per module, the task names in run
order, the rewrites made, directories and keys the examples expect to exist beforehand, and the
certificates they write.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import copy
import json
import os
import re
import sys

import yaml

COLLECTION = ('sslclm', 'acme')
MODULES = ('acme_connector', 'acme_ca', 'acme_dns_persist_info', 'acme_enroll', 'acme_challenge', 'acme_ledger_info',
           'acme_state', 'acme_discover', 'acme_report', 'acme_notify', 'acme_revoke')

# Modules whose EXAMPLES need services at system paths; each has its own integration target
# that makes the same calls against test servers.
NOT_RUN = {
    'acme_deploy': 'reloads nginx/haproxy at system paths; the acme_deploy target runs it against a test nginx',
    'acme_dns_persist': 'writes records through a DNS API (RFC 2136, Route 53); the dns_persist target runs it against BIND',
}

# The connector's first example creates the account the other modules' examples use; its later
# examples roll the account key over and deactivate the account, so they run last.
RUN_ORDER = (
    ('acme_connector', 0, 1),
    ('acme_ca', 0, None),
    ('acme_dns_persist_info', 0, None),
    ('acme_enroll', 0, None),
    ('acme_challenge', 0, None),
    ('acme_ledger_info', 0, None),
    ('acme_state', 0, None),  # shows and prunes the ledger the examples above wrote, copies it into PostgreSQL
    ('acme_discover', 0, None),
    ('acme_report', 0, None),
    ('acme_notify', 0, None),
    ('acme_revoke', 0, None),  # revokes certificates the acme_enroll examples wrote, and issues one again
    ('acme_connector', 1, None),
)

# Directory presets of the examples -> lab instance (key of the settings).
DIRECTORIES = {
    'letsencrypt_staging': 'main_directory',
    'letsencrypt': 'main_directory',
    'zerossl': 'eab_directory',
}

# Options whose value is a file the module reads or writes (their parent directory must exist).
FILE_OPTIONS = ('account_key_src', 'new_account_key_src', 'private_key_path', 'cert_path', 'chain_path',
                'fullchain_path', 'csr_path', 'json_path', 'html_path', 'prometheus_path')

# Variables the examples may use without defining them.
MAGIC_VARIABLES = ('item', 'playbook_dir', 'inventory_hostname', 'ansible_loop', 'omit')

JINJA = re.compile(r'\{\{\s*([A-Za-z_][A-Za-z0-9_]*)')


class ExampleError(Exception):
    pass


def module_file(collections_paths, module):
    for base in collections_paths:
        path = os.path.join(base, 'ansible_collections', COLLECTION[0], COLLECTION[1], 'plugins', 'modules', module + '.py')
        if os.path.isfile(path):
            return path
    raise ExampleError('%s.py not found under ansible_collections/%s/%s in %s' % (module, COLLECTION[0], COLLECTION[1], collections_paths))


def read_examples(path):
    """The EXAMPLES string of a module file, read with ast (the module is not imported)."""
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == 'EXAMPLES' for t in node.targets):
            return ast.literal_eval(node.value)
    raise ExampleError('%s has no EXAMPLES' % path)


def parse_examples(module, text):
    tasks = yaml.safe_load(text)
    if not isinstance(tasks, list) or not tasks or not all(isinstance(t, dict) for t in tasks):
        raise ExampleError('EXAMPLES of %s is not a non-empty list of tasks' % module)
    # Cross-check the YAML parse with the text: every task starts with "- " in column 0.
    starts = len([line for line in text.splitlines() if line.startswith('- ')])
    if starts != len(tasks):
        raise ExampleError('EXAMPLES of %s: %d tasks parsed but %d task starts in the text' % (module, len(tasks), starts))
    for task in tasks:
        if not task.get('name'):
            raise ExampleError('EXAMPLES of %s: a task without a name: %r' % (module, task))
    return tasks


class Rewriter:
    def __init__(self, settings):
        scratch = settings['scratch'].rstrip('/')
        self.scratch = scratch
        self.webroot = scratch + '/webroot'
        self.settings = settings
        # (prefix, replacement); a prefix matches a whole path component or a following Jinja expression.
        self.prefixes = (
            ('{{ playbook_dir }}/', scratch + '/'),
            ('/var/www/html', self.webroot),
            ('/etc/ssl/', scratch + '/etc/ssl/'),
            ('/srv/tls/', scratch + '/srv/tls/'),
            ('/var/lib/sslclm-acme/', scratch + '/var/lib/sslclm-acme/'),
            ('/etc/nginx/', scratch + '/etc/nginx/'),
            ('/tmp/', scratch + '/tmp/'),
            ('/usr/local/bin/', scratch + '/usr/local/bin/'),  # dns01.command programs (their examples run in check mode)
        )
        self.rewrites = []
        self.external = False
        self.check_mode_only = []
        self.dirs = set([self.webroot])
        self.new_keys = []

    def _record(self, where, old, new):
        self.rewrites.append({'where': where, 'from': old, 'to': new})

    def _path(self, where, value):
        for prefix, replacement in self.prefixes:
            if value == prefix or (value.startswith(prefix) and (prefix.endswith('/') or value[len(prefix)] in '/{')):
                new = replacement + value[len(prefix):]
                self._record(where, value, new)
                return new
        return value

    def _string(self, where, value):
        value = self._path(where, value)
        if value.startswith('/') and not value.startswith(self.scratch + '/'):
            raise ExampleError('%s: absolute path %r has no rewrite rule' % (where, value))
        if 'playbook_dir' in value or '0.0.0.0' in value:
            raise ExampleError('%s: %r has no rewrite rule' % (where, value))
        return value

    def _directory(self, where, value):
        if value not in DIRECTORIES:
            raise ExampleError('%s: directory %r has no lab instance (known: %s)' % (where, value, ', '.join(sorted(DIRECTORIES))))
        new = self.settings[DIRECTORIES[value]]
        self._record(where, value, new)
        return new

    def _http01(self, where, value):
        if value.get('mode', 'webroot') != 'webroot' or not value.get('webroot'):
            raise ExampleError('%s: only http01 webroot mode can be answered in the lab (got %r)' % (where, value))
        return value

    def _dns01(self, where, value):
        if value.get('provider') != 'challtestsrv':
            # A real DNS API (RFC2136 server, Route53, Cloudflare) is not reachable from here: the task
            # runs in check mode, which validates every option against the module's argument spec
            # and the identifiers and methods against the CA instance, but sends nothing.
            self.external = True
            return value
        new = dict(value, management_url=self.settings['challtestsrv_management'])
        self._record(where + '.management_url', value.get('management_url'), new['management_url'])
        return new

    def _tls_alpn01(self, where, value):
        new = dict(value, listen_address=self.settings['responder_address'], listen_port=self.settings['tls_port'])
        for key in ('listen_address', 'listen_port'):
            self._record('%s.%s' % (where, key), value.get(key, '(default)'), new[key])
        return new

    def walk(self, where, value):
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                here = '%s.%s' % (where, key)
                if key == 'directory' and isinstance(item, str):
                    out[key] = self._directory(here, item)
                    continue
                if key == 'http01' and isinstance(item, dict):
                    item = self._http01(here, item)
                elif key == 'dns01' and isinstance(item, dict):
                    item = self._dns01(here, item)
                elif key == 'tls_alpn01' and isinstance(item, dict):
                    item = self._tls_alpn01(here, item)
                elif key in ('webhook', 'smtp') and isinstance(item, dict):
                    # acme_notify's receivers are somebody's webhook and mail server: check mode builds and
                    # checks the notification and sends nothing (the renewal_notify target sends for real)
                    self.external = True
                out[key] = self.walk(here, item)
                if key in FILE_OPTIONS and isinstance(out[key], str):
                    self.dirs.add(os.path.dirname(out[key]))
                    if key == 'new_account_key_src':
                        self.new_keys.append(out[key])
                if key == 'webroot' and isinstance(out[key], str):
                    self.dirs.add(out[key])
            return out
        if isinstance(value, list):
            return [self.walk('%s[%d]' % (where, index), item) for index, item in enumerate(value)]
        if isinstance(value, str):
            return self._string(where, value)
        return value


def check_variables(tasks, play_vars):
    """Every variable a task uses is defined by the play or registered by an earlier task."""
    known = set(play_vars) | set(MAGIC_VARIABLES)
    for task in tasks:
        used = set(JINJA.findall(json.dumps(task)))
        missing = sorted(used - known)
        if missing:
            raise ExampleError('task %r uses %s, defined by no earlier task (is the run order right?)' % (task['name'], ', '.join(missing)))
        if task.get('register'):
            known.add(task['register'])


def certificates(tasks):
    """(identifiers, files) of each certificate the acme_enroll tasks write."""
    found = []
    for task in tasks:
        args = task.get('sslclm.acme.acme_enroll')
        if not isinstance(args, dict) or args.get('step') == 'order' or task.get('check_mode'):
            continue
        for spec in args.get('certificates') or [{}]:
            merged = dict((k, v) for k, v in args.items() if k != 'certificates')
            merged.update(spec)
            names = merged.get('identifiers') or [merged['domain']] + list(merged.get('sans') or [])
            found.append({
                'task': task['name'],
                'identifiers': [name.lower() for name in names],
                'certificate': merged.get('cert_path') or merged.get('fullchain_path'),
                'files': [merged[k] for k in ('private_key_path', 'cert_path', 'chain_path', 'fullchain_path') if merged.get(k)],
            })
    return found


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    with open(argv[0]) as handle:
        settings = json.load(handle)
    paths = [p for p in settings['collections_paths'] if p]

    examples = {}
    for module in MODULES:
        source = module_file(paths, module)
        examples[module] = {'file': source, 'tasks': parse_examples(module, read_examples(source))}

    rewriter = Rewriter(settings)
    tasks, names = [], []
    for module, start, stop in RUN_ORDER:
        for index, task in list(enumerate(examples[module]['tasks']))[start:stop]:
            rewriter.external = False
            rewritten = rewriter.walk('%s EXAMPLES task %d (%s)' % (module, index + 1, task['name']), copy.deepcopy(task))
            if rewriter.external:
                rewritten['check_mode'] = True
                rewriter.check_mode_only.append(task['name'])
                for variable in sorted(set(JINJA.findall(json.dumps(rewritten)))):
                    if variable.startswith('vault_') and variable not in settings['play_vars']:
                        settings['play_vars'][variable] = 'placeholder-secret-for-check-mode'
            tasks.append(rewritten)
            names.append({'module': module, 'index': index + 1, 'name': task['name']})

    counts = dict((module, len(examples[module]['tasks'])) for module in MODULES)
    if len(tasks) != sum(counts.values()):
        raise ExampleError('run order covers %d tasks, the EXAMPLES have %d' % (len(tasks), sum(counts.values())))
    check_variables(tasks, settings['play_vars'])

    play = {
        'name': 'EXAMPLES of the sslclm.acme modules against the lab',
        'hosts': 'localhost',
        'gather_facts': False,
        'module_defaults': settings['module_defaults'],
        'vars': settings['play_vars'],
        'tasks': tasks,
    }
    playbook = os.path.join(settings['scratch'], 'examples.yml')
    with open(playbook, 'w') as handle:
        handle.write('---\n# Generated by %s from the modules\' EXAMPLES\n' % os.path.basename(__file__))
        yaml.safe_dump([play], handle, default_flow_style=False, sort_keys=False, width=1000)

    json.dump({
        'playbook': playbook,
        'module_files': dict((module, examples[module]['file']) for module in MODULES),
        'counts': counts,
        'tasks': names,
        'rewrites': rewriter.rewrites,
        'dirs': sorted(rewriter.dirs),
        'new_keys': rewriter.new_keys,
        'check_mode_only': rewriter.check_mode_only,
        'not_run': NOT_RUN,
        'certificates': certificates(tasks),
    }, sys.stdout, indent=1)


if __name__ == '__main__':
    try:
        main(sys.argv[1:])
    except ExampleError as exc:
        sys.exit('examples_playbook.py: %s' % exc)
