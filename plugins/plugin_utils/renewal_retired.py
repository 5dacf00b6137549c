# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificates leaving the desired state, for the renewal role (pure data shaping, no network).

* ``remove_files`` of a retired entry (``state: absent``): checked in the plan (it needs the entry's
  ``deploy.validate`` on every host), turned into the removals of ``acme_deploy state=absent`` per host
  (``removals``) and, after they ran, into what the report says of the files (``files_outcome``);
* ``unmanaged``: certificates a host holds by this collection's deploy record (``acme_discover``'s
  ``records``) whose name the host's ``acme_certificates`` no longer lists - reported, never touched.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import PATH_OPTIONS
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import describe, load_certificates


def remove_files_option(cert, state, deploy, where):
    """The entry's ``remove_files`` (bool), checked: for a retired entry only, and with ``deploy.validate``."""
    value = cert.get('remove_files')
    if value in (None, False, ''):
        return False
    if value is not True:
        raise AcmeInputError('%s: remove_files must be true or false, not %r' % (where, value))
    if state != 'absent':
        raise AcmeInputError('%s: remove_files applies to a retired certificate only (state: absent)' % where)
    if not deploy.get('validate'):
        raise AcmeInputError('%s: remove_files needs deploy.validate - the command that checks the service still works '
                             'without the files (e.g. [nginx, -t]); for files no service reads, validate: [/bin/true]'
                             % where)
    return True


def _paths(deploy):
    return set(deploy[option] for option in PATH_OPTIONS if deploy.get(option))


def check_removals_spare_live_files(certificates, retired):
    """A retired entry's ``remove_files`` must not reach a file a present entry deploys on the same host (a renamed
    entry on the old paths, a shared chain file): the removal would run after every deploy, on every run."""
    for cert in retired:
        if not cert.get('remove_files'):
            continue
        for live in certificates:
            for host in set(cert['hosts']) & set(live['hosts']):
                shared = sorted(_paths(cert['deploy'][host]) & _paths(live['deploy'][host]))
                if shared:
                    raise AcmeInputError(
                        'host %s: certificate %s is retired with remove_files, but %s deploys %s there too - removing '
                        'them would take a live certificate away; give %s paths of its own, or drop remove_files'
                        % (host, cert['name'], live['name'], ', '.join(shared), live['name']))


def removals(retired):
    """``{host: [{'name', 'deploy'}]}``: what ``acme_deploy state=absent`` removes on each host."""
    found = {}
    for cert in retired:
        if cert.get('remove_files'):
            for host in cert['hosts']:
                found.setdefault(host, []).append({'name': cert['name'], 'deploy': cert['deploy'][host]})
    return found


def removal_results(removed):
    """``{name: [(host, result)]}`` from ``{host: registered result of the removal loop}``."""
    by_name = {}
    for host, task in sorted((removed or {}).items()):
        for result in (task or {}).get('results') or []:
            by_name.setdefault((result.get('item') or {}).get('name'), []).append((host, result))
    return by_name


def files_outcome(cert, results):
    """(what the report says of the files, failure messages naming the host, files and validate output)."""
    if not cert.get('remove_files'):
        return 'files kept on the hosts (remove_files not set)', []
    failures = ['%s: %s' % (host, r.get('msg')) for host, r in results if r.get('failed')]
    removed = sorted(set(host for host, r in results if not r.get('failed') and r.get('removed')))
    gone = sorted(set(host for host, r in results if not r.get('failed')) - set(removed))
    kept = sorted(set(host for host, r in results if r.get('failed')))
    parts = (['files removed from %s' % ', '.join(removed)] if removed else []) + \
        (['no files left on %s' % ', '.join(gone)] if gone else []) + \
        (['files kept on %s (the service still needs them)' % ', '.join(kept)] if kept else [])
    return '; '.join(parts) or 'files not removed (no removal ran)', failures


def unmanaged(entries, records_by_host):
    """Certificates deployed by this collection (a deploy record on the host) that the host's ``acme_certificates``
    no longer names, by name → ``[{'name', 'hosts', 'files': {host: files}, 'pems': [...]}]``. ``entries``: the plan's
    certificates by name (their hosts and normalised deploy blocks); ``records_by_host``: what acme_discover read, in
    the play's host order."""
    names, claimed = {}, {}
    for entry in entries.values():
        for host in entry['hosts']:
            names.setdefault(host, set()).add(entry['name'])
            # a record whose files a listed entry now deploys (a renamed entry) is not a certificate left behind
            claimed.setdefault(host, set()).update(_paths(entry['deploy'][host]))
    found = {}
    for host, records in records_by_host:
        for name, record in sorted(records.items()):
            files = set(str(v) for v in (record.get('files') or {}).values() if v)
            if name in names.get(host, ()) or not record.get('exists') or (files and files <= claimed.get(host, set())):
                continue
            entry = found.setdefault(name, {'name': name, 'hosts': [], 'files': {}, 'pems': []})
            entry['hosts'].append(host)
            entry['files'][host] = record.get('files') or {}
            if record.get('pem') and record['pem'] not in entry['pems']:
                entry['pems'].append(record['pem'])
    return [found[name] for name in sorted(found)]


def unmanaged_entry(cert):
    """The report entry of an unmanaged certificate: status V(unmanaged), what its hosts hold, nothing to do."""
    leaves = [certs[0] for certs in (load_certificates(pem) for pem in cert.get('pems') or []) if certs]
    described = [describe(leaf) for leaf in leaves]
    first = min(described, key=lambda d: d['not_after']) if described else {}
    return {'name': cert['name'], 'ca': None, 'hosts': cert['hosts'], 'identifiers': first.get('identifiers'),
            'not_after': first.get('not_after'), 'serial': first.get('serial'), 'serials': [d['serial'] for d in described],
            'renew_at': None, 'reason': 'deployed by sslclm.acme, no longer in the inventory', 'validation': None,
            'retries': 0, 'files': cert.get('files'), 'status': 'unmanaged',
            'next_action': 'none: left alone; retire it (state: absent, remove_files: true) to remove it, or add it back'}
