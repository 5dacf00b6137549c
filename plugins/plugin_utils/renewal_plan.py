# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From a fleet's desired state and what its hosts serve, to the work of one convergence run.

Pure data shaping (no network): the certificates named in the hosts' ``acme_certificates``,
grouped by name (one certificate may be served by many hosts), each with the PEM its hosts
really serve; and, after enrollment and deployment, the report entries.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.acme.renewal import served_certificate
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import fingerprint_sha256, load_certificates

ENROLL_KEYS = ('identifiers', 'validation', 'validation_overrides', 'http01', 'dns01', 'tls_alpn01', 'key_type',
               'preferred_chain', 'profile', 'force')


def deployed_path(cert):
    """The deployed file whose leaf tells what the host serves (a combined PEM's key is never read)."""
    deploy = cert.get('deploy') or {}
    return deploy.get('fullchain') or deploy.get('cert') or deploy.get('combined')


def plan(hosts, store_dir):
    """``hosts``: {host: {'certificates': [...desired...], 'deployed': {name: {'pem': ...}}}} → certificates."""
    by_name = {}
    for host in sorted(hosts):
        for cert in hosts[host].get('certificates') or []:
            name = cert.get('name')
            if not name or not cert.get('identifiers') or not cert.get('ca'):
                raise AcmeInputError('host %s: every acme_certificates entry needs name, identifiers and ca (got %r)'
                                     % (host, cert))
            if not deployed_path(cert):
                raise AcmeInputError('host %s, certificate %s: deploy.fullchain, deploy.cert or deploy.combined is required' % (host, name))
            entry = by_name.setdefault(name, {'name': name, 'ca': cert['ca'], 'hosts': [], 'pems': {}, 'desired': cert})
            if sorted(entry['desired'].get('identifiers') or []) != sorted(cert['identifiers']) or entry['ca'] != cert['ca']:
                raise AcmeInputError('certificate %s is defined differently on %s and %s (identifiers or ca)'
                                     % (name, entry['hosts'][0], host))
            entry['hosts'].append(host)
            entry['pems'][host] = ((hosts[host].get('deployed') or {}).get(name) or {}).get('pem') or ''
    certificates = []
    for name in sorted(by_name):
        entry = by_name[name]
        spec = dict((k, entry['desired'][k]) for k in ENROLL_KEYS if entry['desired'].get(k) is not None)
        base = '%s/%s/%s' % (store_dir.rstrip('/'), entry['ca'], name)
        spec.update(name=name, private_key_path=base + '.key', cert_path=base + '.crt', chain_path=base + '.chain.pem',
                    fullchain_path=base + '.fullchain.pem')
        current = served_certificate(entry['pems'].values())
        if current:
            spec['current_certificate'] = current
        else:
            spec['force'] = True if len(set(entry['pems'].values())) > 1 else spec.get('force', False)
        certificates.append({'name': name, 'ca': entry['ca'], 'hosts': entry['hosts'], 'spec': spec,
                             'hosts_disagree': len(set(entry['pems'].values())) > 1,
                             'served': dict((host, _leaf_fingerprint(pem)) for host, pem in entry['pems'].items())})
    return certificates


def _leaf_fingerprint(pem):
    certs = load_certificates(pem) if pem else []
    return fingerprint_sha256(certs[0]) if certs else None


def deploy_names(certificates, results, host):
    """Certificates to deploy on ``host``: enrolled fine, and not what the host serves already."""
    by_name = dict((r.get('name'), r) for r in results or [])
    names = []
    for cert in certificates:
        result = by_name.get(cert['name']) or {}
        if host not in cert['hosts'] or result.get('failed') or not result.get('certificate'):
            continue
        if result.get('changed') or cert['served'].get(host) != result['certificate'].get('fingerprint_sha256'):
            names.append(cert['name'])
    return names


def report_entries(certificates, results, deploy_failures):
    """One report entry per certificate from the plan, the enrollment results and failed deployments."""
    by_name = dict((r.get('name'), r) for r in results or [])
    failed_deploys = {}
    for failure in deploy_failures or []:
        failed_deploys.setdefault(failure['name'], []).append('%s: %s' % (failure['host'], failure.get('msg')))
    entries = []
    for cert in certificates:
        result = by_name.get(cert['name'], {})
        info = result.get('certificate') or {}
        entry = {'name': cert['name'], 'ca': cert['ca'], 'hosts': cert['hosts'],
                 'identifiers': result.get('identifiers') or cert['spec'].get('identifiers'),
                 'not_after': info.get('not_after'), 'serial': info.get('serial'), 'renew_at': result.get('renew_at'),
                 'reason': result.get('reason'), 'validation': result.get('validation')}
        if result.get('failed') or not result:
            entry.update(status='failed', msg=result.get('msg') or 'no enrollment result',
                         next_action='fix and re-run: %s' % (result.get('msg') or 'no result')[:200])
        elif cert['name'] in failed_deploys:
            entry.update(status='failed', msg='deploy failed on ' + '; '.join(failed_deploys[cert['name']]),
                         next_action='fix the deployment; the previous certificate is still served')
        elif result.get('changed'):
            entry.update(status='renewed' if cert['spec'].get('current_certificate') or cert['hosts_disagree'] else 'issued',
                         next_action='renew at %s' % (result.get('renew_at') or 'the policy threshold'))
        else:
            entry.update(status='current', next_action='renew at %s' % (result.get('renew_at') or '-'))
        entries.append(entry)
    return entries
