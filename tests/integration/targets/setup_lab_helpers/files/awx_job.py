#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: run a playbook as an AWX job runs it - ansible-runner (the package AWX uses) in a fresh
private data directory with a fresh HOME, and credentials injected the way their credential types'
injectors say (env, extra_vars, file templates, rendered with Jinja2 like AWX does).

    awx_job.py SPEC.json

SPEC: {"private_data_dir": ..., "playbook": "x.yml" (copied into project/), "playbook_text": "...",
       "inventory": "inventory text", "job_id": 7, "env": {...},
       "credentials": [{"type": "path/to/credential_type.yml", "inputs": {...}}, ...]}

Prints one JSON document: rc, status, stdout, warnings (lines) and the names of the job event files.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys

import ansible_runner
import jinja2.sandbox
import yaml


def _write(path, text, mode=0o600):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write(text)
    os.chmod(path, mode)


def inject(credential, private_data_dir, env, extra_vars):
    """Apply one credential's injectors (AWX: awx/main/models/credential/__init__.py, CredentialType.inject_credential)."""
    with open(credential['type']) as handle:
        credential_type = yaml.safe_load(handle)
    injectors = credential_type.get('injectors') or {}
    inputs = dict(credential['inputs'])
    for field in credential_type['inputs']['fields']:
        inputs.setdefault(field['id'], '')
    templates = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    filenames = {}
    for key, template in (injectors.get('file') or {}).items():
        name = key.split('.', 1)[1] if '.' in key else 'filename'
        path = os.path.join(private_data_dir, 'credentials', 'cred_%s_%s' % (len(filenames), name))
        _write(path, templates.from_string(template).render(**inputs))
        filenames[name] = path
    context = dict(inputs, tower={'filename': filenames if len(filenames) != 1 or 'filename' not in filenames
                                  else filenames['filename']})
    for name, template in (injectors.get('env') or {}).items():
        env[name] = templates.from_string(template).render(**context)
    for name, template in (injectors.get('extra_vars') or {}).items():
        extra_vars[name] = templates.from_string(template).render(**context)


def main():
    with open(sys.argv[1]) as handle:
        spec = json.load(handle)
    pdd = spec['private_data_dir']
    home = os.path.join(pdd, 'home')
    os.makedirs(home, exist_ok=True)
    # what AWX sets in every job's environment (awx/main/tasks/jobs.py, build_env)
    env = {'HOME': home, 'JOB_ID': str(spec['job_id']), 'AWX_HOST': 'https://awx.example', 'INVENTORY_ID': '1',
           'ANSIBLE_RETRY_FILES_ENABLED': 'False',
           'ANSIBLE_COLLECTIONS_PATH': os.environ.get('ANSIBLE_COLLECTIONS_PATH', '')}
    env.update(spec.get('env') or {})
    extra_vars = {}
    for credential in spec.get('credentials') or []:
        inject(credential, pdd, env, extra_vars)
    _write(os.path.join(pdd, 'inventory', 'hosts.yml'), spec['inventory'])
    _write(os.path.join(pdd, 'project', 'job.yml'), spec['playbook_text'])
    _write(os.path.join(pdd, 'env', 'envvars'), json.dumps(env))
    _write(os.path.join(pdd, 'env', 'extravars'), json.dumps(extra_vars))
    runner = ansible_runner.run(private_data_dir=pdd, playbook='job.yml', ident='job%s' % spec['job_id'], quiet=True)
    stdout = runner.stdout.read()
    events = sorted(os.listdir(os.path.join(pdd, 'artifacts', 'job%s' % spec['job_id'], 'job_events')))
    print(json.dumps({'rc': runner.rc, 'status': runner.status, 'stdout': stdout, 'events': events,
                      'warnings': [line for line in stdout.splitlines() if 'WARNING' in line]}))


if __name__ == '__main__':
    main()
