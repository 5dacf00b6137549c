# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a fleet's desired state and what its hosts serve, to the work of one convergence run.

Pure data shaping (no network), used by the renewal role's filters:

* ``plan`` - the certificates named in the hosts' ``acme_certificates``, grouped by name (one
  certificate may be served by many hosts), each with what its hosts serve (by handshake where
  the certificate has ``verify``, else their files). No secret: DNS-01 credentials join the
  enrollment task only (``enroll_items``), so facts and job events never carry them;
* ``outcome`` - after enrollment, what to deploy where;
* ``report_entries`` - after deployment, one report entry per certificate.

An entry with ``state: absent`` is retired: never enrolled or deployed again, it goes into the plan's
``retired`` list (what its hosts serve, to revoke when it says ``revoke: <reason>``, and the controller
store paths to remove; with ``remove_files: true`` its deployed files, see ``renewal_retired.py``) and is reported
as ``decommissioned``. A certificate a host holds by this collection's deploy record but no longer lists is
``unmanaged``: reported, never touched.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.sslclm.acme.plugins.module_utils.acme.revocations import REASONS
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import describe, fingerprint_sha256, load_certificates, not_after
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_retired import (
    check_removals_spare_live_files,
    files_outcome,
    removal_results,
    removals,
    remove_files_option,
    unmanaged,
    unmanaged_entry,
)

# enrollment options of a certificate entry that go into the plan (secret-free)
PLAN_KEYS = ('identifiers', 'validation', 'validation_overrides', 'dns_persist01', 'key_type', 'preferred_chain', 'profile',
             'reuse_key')
# joined from the inventory at enrollment time only: dns01 holds DNS API credentials
ENROLL_ONLY_KEYS = ('dns01', 'http01', 'tls_alpn01')
DEPLOY_PATHS = ('private_key_path', 'combined_path', 'cert_path', 'chain_path', 'fullchain_path')
DEPLOY_KEYS = DEPLOY_PATHS + ('owner', 'group', 'key_group', 'mode', 'key_mode', 'follow', 'backup', 'backup_dir',
                              'validate', 'reload', 'verify', 'command_timeout')
# the names of acme_deploy, and the short ones of 0.1.0 (deprecated)
OLD_DEPLOY_NAMES = {'fullchain': 'fullchain_path', 'key': 'private_key_path', 'cert': 'cert_path',
                    'chain': 'chain_path', 'combined': 'combined_path'}
STATES = ('present', 'absent')
STORE_SUFFIXES = ('.key', '.crt', '.chain.pem', '.fullchain.pem')  # the controller store's files of one certificate
NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$')  # becomes a file name in the store


def _checked_name(kind, value, where):
    if not isinstance(value, str) or not NAME.match(value):
        raise AcmeInputError('%s: %s %r must be letters, digits, ".", "_" or "-" (it names files on the controller), '
                             'not %r' % (where, kind, value, value))
    return value


def normalize_deploy(deploy, where, deprecations):
    """The ``deploy`` block with acme_deploy's option names; the 0.1.0 short names still work (deprecated)."""
    result = {}
    for key, value in (deploy or {}).items():
        if key in OLD_DEPLOY_NAMES:
            deprecations.append('%s: deploy.%s is deprecated, use deploy.%s' % (where, key, OLD_DEPLOY_NAMES[key]))
            key = OLD_DEPLOY_NAMES[key]
        elif key not in DEPLOY_KEYS:
            raise AcmeInputError('%s: deploy.%s is not a deploy option (use %s)' % (where, key, ', '.join(DEPLOY_KEYS)))
        result[key] = value
    if not (result.get('combined_path') or (result.get('fullchain_path') or result.get('cert_path'))
            and result.get('private_key_path')):
        raise AcmeInputError('%s: deploy needs fullchain_path or cert_path with private_key_path, or combined_path '
                             'alone (HAProxy)' % where)
    return result


def _served(discovered, name):
    """(PEM the host serves, fingerprint) for certificate ``name``: the handshake where there was one, else the file."""
    entry = ((discovered or {}).get('certificates') or {}).get(name) or {}
    served = entry.get('served') or {}
    pem = served.get('pem') if served.get('fingerprint') else entry.get('pem')
    certs = load_certificates(pem) if pem else []
    return (pem or '', fingerprint_sha256(certs[0]) if certs else None)


def _forced(force, name):
    if not force:
        return False
    names = force if isinstance(force, (list, tuple)) else [n.strip() for n in str(force).split(',')]
    return 'all' in names or name in names


def plan(hostvars, hosts, store_dir, force=None, cas=None):
    """→ ``{'certificates': [...], 'retired': [...], 'cas': [...], 'deprecations': [...]}`` for the play's hosts.

    ``cas``: the CA instances with something to enroll; a retired certificate's CA must be defined too (its
    revocation signs with that account)."""
    deprecations = []
    by_name = {}
    records = []  # (host, the deploy records acme_discover read there), for the unmanaged ones
    for host in hosts:
        variables = hostvars[host]
        records.append((host, ((variables.get('renewal_discovered') or {}).get('records')) or {}))
        certificates = variables.get('acme_certificates')
        if certificates is None and variables.get('renewal_certificates') is not None:
            deprecations.append('host %s: renewal_certificates is deprecated, use acme_certificates' % host)
            certificates = variables.get('renewal_certificates')
        # the role's argument spec is checked once per run (its first host); each host's entries are checked here
        if certificates is not None and (not isinstance(certificates, list)
                                         or not all(isinstance(cert, dict) for cert in certificates)):
            raise AcmeInputError('host %s: acme_certificates must be a list of dictionaries, got %r' % (host, certificates))
        for cert in certificates or []:
            _add(by_name, host, cert, variables.get('renewal_discovered'), deprecations)
    certificates = [_plan_entry(by_name[name], store_dir, force) for name in sorted(by_name)
                    if by_name[name]['state'] == 'present']
    retired = [_retired_entry(by_name[name], store_dir) for name in sorted(by_name) if by_name[name]['state'] == 'absent']
    check_removals_spare_live_files(certificates, retired)
    unknown = sorted(set(c['ca'] for c in certificates + retired) - set(cas or {})) if cas is not None else []
    if unknown:
        raise AcmeInputError('certificates name CA instances that acme_cas does not define: %s' % ', '.join(unknown))
    return {'certificates': certificates, 'retired': retired, 'cas': sorted(set(c['ca'] for c in certificates)),
            'unmanaged': unmanaged(by_name, records), 'deprecations': deprecations}


def _state(cert, where):
    """(``state``, ``revoke``) of an entry, checked: the reason is an RFC 5280 name that ``acme_revoke`` knows."""
    state = cert.get('state') or 'present'
    if state not in STATES:
        raise AcmeInputError('%s: state must be present or absent, not %r' % (where, state))
    revoke = cert.get('revoke')
    if revoke in (None, '', False):
        return state, None
    if state != 'absent':
        raise AcmeInputError('%s: revoke applies to a retired certificate only (state: absent)' % where)
    if revoke not in REASONS:
        raise AcmeInputError('%s: revoke must be an RFC 5280 reason name - %s - not %r'
                             % (where, ', '.join(REASONS), revoke))
    return state, revoke


def _add(by_name, host, cert, discovered, deprecations):
    name = cert.get('name')
    where = 'host %s, certificate %s' % (host, name)
    if not name or not cert.get('identifiers') or not cert.get('ca'):
        raise AcmeInputError('host %s: every acme_certificates entry needs name, identifiers and ca (got %s)'
                             % (host, ', '.join(sorted(cert))))
    _checked_name('certificate name', name, 'host %s' % host)
    _checked_name('ca', cert['ca'], where)
    state, revoke = _state(cert, where)
    entry = by_name.setdefault(name, {'name': name, 'ca': cert['ca'], 'hosts': [], 'served': {}, 'pems': {},
                                      'desired': cert, 'source_host': host, 'deploy': {}, 'state': state,
                                      'revoke': revoke})
    if sorted(entry['desired'].get('identifiers') or []) != sorted(cert['identifiers']) or entry['ca'] != cert['ca']:
        raise AcmeInputError('certificate %s is defined differently on %s and %s (identifiers or ca)'
                             % (name, entry['hosts'][0], host))
    if (entry['state'], entry['revoke']) != (state, revoke):
        raise AcmeInputError('certificate %s has state %s%s on %s but %s%s on %s: retire it on every host that names '
                             'it, or remove the entry from the hosts that no longer serve it'
                             % (name, entry['state'], _revoke_text(entry['revoke']), entry['hosts'][0], state,
                                _revoke_text(revoke), host))
    entry['hosts'].append(host)
    entry['deploy'][host] = normalize_deploy(cert.get('deploy'), where, deprecations)
    remove_files = remove_files_option(cert, state, entry['deploy'][host], where)
    if entry.setdefault('remove_files', remove_files) != remove_files:
        raise AcmeInputError('certificate %s has remove_files %s on %s but %s on %s: give it the same on every host'
                             % (name, entry['remove_files'], entry['hosts'][0], remove_files, host))
    entry['pems'][host], entry['served'][host] = _served(discovered, name)


def _plan_entry(entry, store_dir, force):
    desired = entry['desired']
    spec = dict((k, desired[k]) for k in PLAN_KEYS if desired.get(k) is not None)
    base = '%s/%s/%s' % (store_dir.rstrip('/'), entry['ca'], entry['name'])
    spec.update(name=entry['name'], private_key_path=base + '.key', cert_path=base + '.crt',
                chain_path=base + '.chain.pem', fullchain_path=base + '.fullchain.pem',
                # the store's directories (0700) are made by acme_enroll when it writes: no task of their own
                create_directories=True,
                force=bool(desired.get('force')) or _forced(force, entry['name']),
                # every distinct certificate the hosts serve ('' where a host has none): the truth
                deployed_certificates=sorted(set(entry['pems'].values())))
    return {'name': entry['name'], 'ca': entry['ca'], 'hosts': entry['hosts'], 'source_host': entry['source_host'],
            # which challenge options the entry sets (names only: their values may hold credentials)
            'enroll_options': [k for k in ENROLL_ONLY_KEYS if k in desired],  # not read: templating them may look secrets up
            'spec': spec, 'served': entry['served'], 'deploy': entry['deploy'],
            'store': {'certificate_src': spec['cert_path'], 'chain_src': spec['chain_path'],
                      'private_key_src': spec['private_key_path']}}


def _revoke_text(reason):
    return ' (revoke: %s)' % reason if reason else ''


def _retired_entry(entry, store_dir):
    """A retired certificate: its hosts, the distinct certificates they serve (by leaf fingerprint), the revocation
    reason (None: not revoked) and the controller store files to remove."""
    served = {}
    for host in entry['hosts']:
        if entry['served'].get(host):
            served.setdefault(entry['served'][host], entry['pems'][host])
    base = '%s/%s/%s' % (store_dir.rstrip('/'), entry['ca'], entry['name'])
    return {'name': entry['name'], 'ca': entry['ca'], 'hosts': entry['hosts'],
            'identifiers': entry['desired'].get('identifiers'),
            'certificates': [served[fingerprint] for fingerprint in sorted(served)], 'revoke': entry['revoke'],
            'store': [base + suffix for suffix in STORE_SUFFIXES], 'remove_files': entry['remove_files'],
            'deploy': entry['deploy']}


def enroll_items(certificates, hostvars):
    """The ``certificates`` of one ``acme_enroll`` task: the plan's specs, with the challenge options (DNS-01
    credentials among them) taken from the inventory now, inside the task whose argument spec hides them. Only the
    entries that set one are read again (a host's variables cost a templating of its whole list)."""
    items = []
    for cert in certificates:
        if not cert.get('enroll_options'):
            items.append(dict(cert['spec']))
            continue
        variables = hostvars[cert['source_host']]
        entries = variables.get('acme_certificates')
        if entries is None:
            entries = variables.get('renewal_certificates') or []
        desired = next((c for c in entries if c.get('name') == cert['name']), {})
        item = dict(cert['spec'])
        item.update((k, desired[k]) for k in ENROLL_ONLY_KEYS if desired.get(k) is not None)
        items.append(item)
    return items


def outcome(run, enrolled):
    """After enrollment: ``{'results': {name: result}, 'deploys': {host: [items]}, 'deploy_hosts': [...]}``.

    A host gets a certificate that was issued now or earlier and not deployed yet (``pending_deploy``), or one
    that differs from what it serves. ``enrolled``: the ``results`` of the enrollment loop.
    """
    results = {}
    for task in enrolled or []:
        for result in task.get('certificates') or []:
            results[result.get('name')] = result
        if task.get('failed') and not task.get('certificates'):  # the task itself failed (a CA, an account)
            for cert in run['certificates']:
                if cert['ca'] == task.get('item'):
                    results[cert['name']] = {'name': cert['name'], 'failed': True, 'msg': task.get('msg')}
    deploys = {}
    for cert in run['certificates']:
        result = results.get(cert['name']) or {}
        fingerprint = (result.get('certificate') or {}).get('fingerprint_sha256')
        if result.get('failed') or not fingerprint:
            continue
        for host in cert['hosts']:
            if result.get('changed') or result.get('pending_deploy') or cert['served'].get(host) != fingerprint:
                deploys.setdefault(host, []).append(dict(cert['store'], name=cert['name'], deploy=cert['deploy'][host]))
    removing = removals(run.get('retired') or [])
    return {'results': results, 'deploys': deploys, 'removals': removing,
            'deploy_hosts': sorted(set(deploys) | set(removing))}


def report_entries(run, done, deployed, revoked=None, removed=None):
    """One report entry per certificate. ``done``: ``outcome``; ``deployed``: {host: results of its deploy loop};
    ``revoked``: the results of the loop that revokes the retired certificates (its items: [retired entry, PEM]);
    ``removed``: {host: results of its loop that removes the files of retired certificates}."""
    failures = {}
    for host, task in sorted((deployed or {}).items()):
        for result in (task or {}).get('results') or []:
            if result.get('failed'):
                failures.setdefault((result.get('item') or {}).get('name'), []).append(
                    '%s: %s' % (host, result.get('msg')))
    revocations = {}
    for result in revoked or []:
        item = result.get('item') or [{}]
        revocations.setdefault(item[0].get('name'), []).append(result)
    removals_done = removal_results(removed)
    return ([_entry(cert, done['results'].get(cert['name']) or {}, failures.get(cert['name']))
             for cert in run['certificates']]
            + [_decommissioned(cert, revocations.get(cert['name']) or [], removals_done.get(cert['name']) or [])
               for cert in run.get('retired') or []]
            + [unmanaged_entry(cert) for cert in run.get('unmanaged') or []])


def revocation_outcome(cert, results):
    """What happened to a retired certificate's revocation: V(revoked now), V(already revoked) or V(not revoked)."""
    if not cert.get('revoke'):
        return 'not revoked'
    if not cert.get('certificates'):
        return 'not revoked (no host serves it)'
    if any(r.get('changed') for r in results):
        return 'revoked now (%s)' % cert['revoke']
    if results and all(r.get('already_revoked') for r in results):
        return 'already revoked'
    return 'not revoked'


def _decommissioned(cert, results, removed):
    serials = [describe(certs[0])['serial'] for certs in (load_certificates(pem) for pem in cert.get('certificates') or [])
               if certs]
    entry = {'name': cert['name'], 'ca': cert['ca'], 'hosts': cert['hosts'], 'identifiers': cert.get('identifiers'),
             'not_after': None, 'serial': serials[0] if len(serials) == 1 else None, 'serials': serials,
             'renew_at': None, 'reason': 'retired (state: absent)', 'validation': None, 'retries': 0,
             'revocation': revocation_outcome(cert, results)}
    entry['files'], removal_failures = files_outcome(cert, removed)
    failed = ['%s: %s' % ((r.get('certificate') or {}).get('serial') or 'certificate', r.get('msg')) for r in results
              if r.get('failed')]
    if failed or removal_failures:
        msg = '; '.join((['revocation failed: ' + '; '.join(failed)] if failed else [])
                        + (['files not removed on ' + '; '.join(removal_failures)] if removal_failures else []))
        entry.update(status='failed', msg=msg, next_action='fix and run again: %s' % msg[:200])
    else:
        entry.update(status='decommissioned', next_action='none: retired')
    return entry


def in_use(cert):
    """What a failed renewal leaves in place: of the certificates the hosts serve, the one that expires first."""
    leaves = [certs[0] for certs in (load_certificates(pem) for pem in cert['spec'].get('deployed_certificates') or [] if pem)
              if certs]
    return describe(min(leaves, key=not_after)) if leaves else {}


def _entry(cert, result, deploy_failures):
    # a failed enrollment has no certificate: the report shows the expiry of the one still in use
    info = result.get('certificate') or (in_use(cert) if result.get('failed') or not result else {})
    entry = {'name': cert['name'], 'ca': cert['ca'], 'hosts': cert['hosts'],
             'identifiers': result.get('identifiers') or cert['spec'].get('identifiers'),
             'not_after': info.get('not_after'), 'serial': info.get('serial'), 'renew_at': result.get('renew_at'),
             'reason': result.get('reason'), 'validation': result.get('validation'),
             'retries': sum((result.get('retries') or {}).values()),
             # issuer fallback: the CA instance that issued it (another than ca when the fallback did)
             'issuer_ca': result.get('issuer_ca', cert['ca'])}
    if result.get('fallback_note'):
        entry['fallback'] = result['fallback_note']
    if result.get('failed') or not result:
        msg = result.get('msg') or 'no enrollment result'
        entry.update(status='failed', msg=msg, next_action='fix and run again: %s' % msg[:200])
    elif deploy_failures:
        entry.update(status='failed', msg='deploy failed on ' + '; '.join(deploy_failures),
                     next_action='fix the deployment; the next run deploys the certificate already issued (no order)')
    elif result.get('changed'):
        entry.update(status='renewed' if result.get('predecessor') else 'issued',
                     next_action='renew at %s' % (result.get('renew_at') or 'the policy threshold'))
    elif result.get('pending_deploy'):
        entry.update(status='deployed', next_action='renew at %s' % (result.get('renew_at') or '-'))
    else:
        entry.update(status='current', next_action='renew at %s' % (result.get('renew_at') or '-'))
    return entry
