# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Enrollment of one or many certificates: order → challenges → finalize → download → write.

``EnrollRun`` holds what the certificates of one task share (CA, account session,
order store, self-check settings); ``enroll_certificate`` is the whole life of one
certificate request and is safe to run in parallel threads.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.sslclm.acme.plugins.module_utils.acme.challenges import challenge_material, dns_records, identifier_key, public_challenge
from ansible_collections.sslclm.acme.plugins.module_utils.acme.dns_persist_enroll import PersistValidation
from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_options import CERTIFICATE_KEYS
from ansible_collections.sslclm.acme.plugins.module_utils.acme.issuer_chain import IssuerChain
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeProblem, AcmeRateLimited
from ansible_collections.sslclm.acme.plugins.module_utils.acme.identifiers import assign_methods, parse_identifier, parse_identifiers
from ansible_collections.sslclm.acme.plugins.module_utils.acme.policy import DEFAULT_MAX_NAMES
from ansible_collections.sslclm.acme.plugins.module_utils.acme.order import AcmeValidationError, OrderClient
from ansible_collections.sslclm.acme.plugins.module_utils.acme.publishers import make_publishers
from ansible_collections.sslclm.acme.plugins.module_utils.acme.ari import cert_id
from ansible_collections.sslclm.acme.plugins.module_utils.acme.budget import BudgetExceeded
from ansible_collections.sslclm.acme.plugins.module_utils.acme.destination import restore_pending, write_certificate
from ansible_collections.sslclm.acme.plugins.module_utils.acme.preflight import preflight
from ansible_collections.sslclm.acme.plugins.module_utils.acme.renewal import csr_given, decide, due_reason, user_csr
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError, AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.keys import generate_private_key, load_private_key, private_key_to_pem, read_key_file
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import (
    fingerprint_sha256,
    not_before,
    authority_key_id,
    cert_identifiers,
    csr_identifiers,
    describe,
    key_matches,
    make_csr,
    pick_chain,
)

try:
    from cryptography.hazmat.primitives.serialization import Encoding
except ImportError:  # reported by deps.ensure_deps()
    pass

RESUMABLE_ORDER_STATES = ('pending', 'ready', 'processing', 'valid')
FINALIZED_ORDER_STATES = ('processing', 'valid')  # the CSR, and so the key, was sent by an earlier run


def certificate_spec_identifiers(spec, max_names=None):
    if spec.get('identifiers'):
        names = spec['identifiers']
    elif spec.get('domain'):
        names = [spec['domain']] + list(spec.get('sans') or [])
    elif user_csr(spec) is not None:
        names = sorted(i.split(':', 1)[1] for i in csr_identifiers(user_csr(spec)))
    else:
        raise AcmeInputError('give identifiers (or domain and sans, or a CSR)')
    return parse_identifiers(names, max_names)


class CertificateEnrollment:
    """The life of one certificate request within an ``EnrollRun``."""

    def __init__(self, run, spec):
        self.run = run
        self.spec = spec
        self.identifiers = certificate_spec_identifiers(spec, run.policy.get('max_names', DEFAULT_MAX_NAMES))
        self.by_value = dict((i.value, i) for i in self.identifiers)
        policy = run.policy
        default_method = spec.get('validation') or policy.get('default_validation') or 'http-01'
        self.methods = assign_methods(self.identifiers, default_method, spec.get('validation_overrides'),
                                      policy.get('validation_methods'))
        self.persist = PersistValidation(run, spec, self.identifiers, self.methods)
        self.name = spec.get('name') or self.identifiers[0].value
        self._check_outputs()
        csr = user_csr(spec)
        if csr is not None:
            wanted = set('%s:%s' % (i.type, i.value) for i in self.identifiers)
            if csr_identifiers(csr) != wanted:
                raise AcmeInputError('the CSR does not request exactly the identifiers %s'
                                     % ', '.join(i.value for i in self.identifiers))
        self.csr = csr
        self.replaces = None   # ARI certificate id of the certificate this order replaces
        self.replaces_dropped = None
        self.held_key_pem = None  # the key of a CSR an earlier run sent for the resumed order
        self.renew_at = None
        self.reuse_refused = None  # why the key at the destination must not be reused (reported compromised)
        self.profile = None  # the profile the order names: set by the preflight (preflight.order_profile)

    def _due_reason(self, leaf):
        """ARI when the CA offers it and the policy allows, else the policy's thresholds (``renewal.py``)."""
        reason, self.renew_at, replaces = due_reason(leaf, self.run.policy, self.run.ari_offered, self.run.renewal_info)
        if replaces:
            self.replaces = replaces
        return reason

    def _renew_at_of(self, leaf):
        """When a certificate just issued is due: its ARI moment when the CA offers ARI, from the first report on.
        The window is not kept: the next run asks for it again (the CA may move it soon after issuance)."""
        run = self.run
        unused_reason, renew_at, unused_replaces = due_reason(
            leaf, run.policy, run.ari_offered, lambda cert: run.renewal_info(cert, remember=False))
        return renew_at

    def _check_outputs(self):
        spec = self.spec
        if not (spec.get('cert_path') or spec.get('fullchain_path')):
            raise AcmeInputError('%s: cert_path or fullchain_path is required' % self.name_hint())
        if not csr_given(spec) and not spec.get('private_key_path'):
            raise AcmeInputError('%s: private_key_path is required (or a CSR with csr_path / csr_content)'
                                 % self.name_hint())
        for option in ('cert_path', 'chain_path', 'fullchain_path', 'private_key_path'):
            path = spec.get(option)
            if path and not spec.get('create_directories') and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
                raise AcmeInputError('%s: the directory of %s %s does not exist' % (self.name_hint(), option, path))
            if path and os.path.isdir(path):
                raise AcmeInputError('%s: %s %s is a directory; give the path of the file' % (self.name_hint(), option, path))

    def name_hint(self):
        return self.spec.get('name') or self.identifiers[0].value

    def base_result(self):
        return {
            'name': self.name,
            'identifiers': [i.value for i in self.identifiers],
            'validation': dict((i.value, self.methods[i]) for i in self.identifiers),
            'changed': False,
        }

    # -- the flow ----------------------------------------------------------
    def _decide(self):
        run = self.run
        return decide(self.spec, self.identifiers, run.known_issuers(), self._due_reason,
                      revoked=run.revocations().certificate_problem)

    def _keep(self, result, decision, reason=None):
        """No order: the certificate in use is current, or one issued earlier waits to be deployed."""
        result.update(reason=reason or decision.reason or 'certificate is current', certificate=describe(*decision.existing))
        if decision.action == 'pending':
            result['pending_deploy'] = True
        if self.renew_at:
            result['renew_at'] = self.renew_at
        return result

    def _replace(self, decision, result):
        """RFC 9773: an order for a certificate with a predecessor names it (``replaces``), forced ones too."""
        if not self.replaces and decision.predecessor is not None and self.run.ari_offered:
            try:
                self.replaces = cert_id(decision.predecessor)
            except AcmeError:  # no Authority Key Identifier: ARI cannot name it
                self.replaces = None
        if self.replaces:
            result['replaces'] = self.replaces
        wanted = set('%s:%s' % (i.type, i.value) for i in self.identifiers)
        if decision.predecessor is not None and cert_identifiers(decision.predecessor) == wanted:
            result['predecessor'] = fingerprint_sha256(decision.predecessor)

    def _stages_for_hosts(self):
        """Whether the destination is a staging copy for hosts that serve the certificate (the renewal role
        gives what they serve): only then can a certificate be issued and not deployed yet. For a plain
        task the destination is the deployment, and another task's certificate is never put there."""
        spec = self.spec
        return (spec.get('deployed_certificates') is not None or bool(spec.get('current_certificate'))) and \
            not csr_given(spec) and bool(spec.get('private_key_path'))

    def _restore_pending(self):
        """A certificate issued by another job or controller and not deployed yet (shared state) comes to the
        destination when it is newer than what is there: the decision then deploys it instead of ordering."""
        run, spec = self.run, self.spec
        if self._stages_for_hosts():
            pending = run.state.load_pending(run.connector['account_uri'], self.identifiers)
            if pending is not None:
                restore_pending(spec, pending)

    def run_flow(self):
        run, spec = self.run, self.spec
        result = self.base_result()
        result.update(self.persist.planned())
        if run.step != 'finalize':
            self._restore_pending()
            decision = self._decide()
            if decision.action != 'issue':
                return self._keep(result, decision)
            result['reason'] = decision.reason
            self._replace(decision, result)
        preflight(self, result)  # CAA and compromised keys: a refusal sends and records nothing
        if run.check_mode:
            violations = [] if run.budget.override or run.step == 'finalize' else run.budget.violations(
                self, replaces=bool(self.replaces))
            if violations:  # the real run would be refused: so is this one
                raise BudgetExceeded(violations)
            result['changed'] = True
            result.update(self.persist.preflight(report_only=True), **self.persist.outcome())
            return result
        if run.step != 'finalize':
            self.persist.preflight()  # raises before any order when a record does not authorize
        with run.state.lock(run.connector['account_uri'], self.identifiers, self.name, run.lock_timeout) as lock:
            if lock.contended and run.step == 'auto' and not spec.get('force'):
                # another run held the lock: it may have issued this very certificate meanwhile (here, or
                # on another controller of a shared state: then it comes from there)
                self._restore_pending()
                decision = self._decide()
                if decision.action != 'issue':
                    return self._keep(result, decision, 'issued meanwhile by a concurrent run')
            return self._locked_flow(result)

    def _locked_flow(self, result):
        run = self.run
        orders = OrderClient(run.session(), poller=run.poller)
        order = self._resume_or_create(orders)
        try:
            return self._order_flow(orders, order, result)
        except Exception:
            # no certificate comes of this order in this run: it stops counting as one to be
            run.budget.settle_order(order['url'])
            raise

    def _order_flow(self, orders, order, result):
        run = self.run
        result['order_url'] = order['url']
        if self.replaces_dropped:
            result.pop('replaces', None)
            result['replaces_dropped'] = 'ordered again without replaces (%s)' % self.replaces_dropped
        pending = self._pending_challenges(orders, order)
        result.update(self.persist.outcome())
        if run.step == 'order':
            self._remember_order(order)
            result.update(changed=True, order_status=order.get('status'), dns_records=dns_records(pending),
                          challenges=[public_challenge(p, self._keep_challenge_key(order, p)) for p in pending])
            return result
        self._remember_order(order)
        if pending:
            try:
                self._validate(orders, pending)
            finally:
                run.store.forget_challenge_keys(order['url'])
        # No fetch of the order here: finalize goes out at once (OrderClient.finalize copes with a CA
        # that does not see the order ready yet).
        written = self._finish(orders, order)
        run.store.forget(run.connector['account_uri'], self.identifiers)
        result.update(written)
        result['changed'] = True
        return result

    def _keep_challenge_key(self, order, item):
        if item['method'] != 'tls-alpn-01':
            return None
        return self.run.store.keep_challenge_key(order['url'], item['identifier'], item['key_pem'])

    def _remember_order(self, order):
        """The order in progress, for a rerun to resume (with the key once a CSR for it is sent)."""
        record = {'order_url': order['url'], 'name': self.name, 'identifiers': [i.value for i in self.identifiers]}
        if self.held_key_pem:
            record['key_pem'] = self.held_key_pem
        self.run.store.save(self.run.connector['account_uri'], self.identifiers, record)

    def _key_for_finalized_order(self):
        """Whether this run has the key of a CSR sent earlier: held in the order record, the existing key
        with ``reuse_key``, or no key needed (CSR input)."""
        reused = self.spec.get('reuse_key') and not self.reuse_refused and os.path.exists(self.spec['private_key_path'])
        return bool(self.csr is not None or self.held_key_pem or reused)

    def _resume_or_create(self, orders):
        run = self.run
        record = run.store.load(run.connector['account_uri'], self.identifiers)
        if record and record.get('order_url'):
            try:
                order = orders.fetch_order(record['order_url'])
            except AcmeError:
                order = None
            self.held_key_pem = record.get('key_pem')
            # An order finalized with a key nobody kept would give a certificate without its key: order anew.
            if order and order.get('status') in RESUMABLE_ORDER_STATES and (
                    order['status'] not in FINALIZED_ORDER_STATES or self._key_for_finalized_order()):
                order['resumed'] = True
                return order
            self.held_key_pem = None
            run.store.forget(run.connector['account_uri'], self.identifiers)
        if run.step == 'finalize':
            raise AcmeInputError('%s: no order in progress to finalize; run step: order first' % self.name)
        reservation = run.budget.reserve_order(self, replaces=bool(self.replaces))
        profile = self.profile
        try:
            try:
                order = orders.new_order(self.identifiers, profile=profile, replaces=self.replaces)
            except AcmeProblem as problem:
                if not self.replaces or isinstance(problem, AcmeRateLimited) or \
                        problem.code not in ('alreadyReplaced', 'conflict', 'malformed'):
                    raise
                # RFC 9773: the certificate was replaced already (or the CA rejects replaces):
                # order once more without it, and say so.
                self.replaces_dropped = '%s: %s' % (problem.code, problem.detail)
                self.replaces = None
                # without replaces the order is no longer exempt: the budget applies
                run.budget.forget(reservation)
                reservation = None
                reservation = run.budget.reserve_order(self)
                order = orders.new_order(self.identifiers, profile=profile)
        except AcmeError as error:
            run.budget.order_refused(reservation, error, self)
            raise
        run.budget.order_sent(reservation, order)
        order['resumed'] = False
        return order

    def _pending_challenges(self, orders, order):
        if order.get('status') != 'pending':
            return []
        pending = []
        for authz_url, authz in orders.authorizations(order):
            if authz.get('status') == 'valid':
                continue  # reused authorization: nothing to prove
            if authz.get('status') != 'pending':
                raise AcmeError('Authorization for %s is %s; the order %s cannot complete'
                                % (identifier_key(authz), authz.get('status'), order['url']))
            ident = self.by_value.get(identifier_key(authz)) or parse_identifier(identifier_key(authz))
            if self.methods.get(ident) is None:
                raise AcmeError('The CA asked to authorize %s, which this certificate does not name' % ident.value)
            method = self.persist.choose(ident, authz)
            pending.append(self.persist.material(ident, authz_url, authz) if method == 'dns-persist-01' else
                           challenge_material(ident, method, self.run.account_key.thumbprint, authz_url, authz))
        return pending

    def _validate(self, orders, pending):
        run = self.run
        publishers = make_publishers(self.spec) if run.step == 'auto' else {}
        used = []
        try:
            for method in ('http-01', 'dns-01', 'tls-alpn-01'):
                items = [p for p in pending if p['method'] == method]
                if items and method in publishers:
                    used.append(publishers[method])
                    publishers[method].publish(items)
                elif items and run.step == 'auto':
                    raise AcmeInputError('%s: nothing can publish %s challenges in step auto; configure %s' % (
                        self.name, method, {'dns-01': 'dns01.provider'}.get(method, method.replace('-', ''))))
            run.self_checker.verify(pending)
            for item in pending:
                if item.get('challenge_status') == 'pending':
                    orders.answer(item['challenge_url'])
            try:
                orders.wait_for_authorizations(pending, run.timeout)
            except AcmeValidationError as error:
                failed = set(f['identifier'] for f in error.failures)
                for failure in error.failures:
                    run.budget.record('validation_failure', self, identifiers=[failure['identifier']], detail=failure['detail'])
                self._record_successes([p['identifier'] for p in pending if p['identifier'] not in failed])
                raise
            self._record_successes([p['identifier'] for p in pending])
        finally:
            cleanup_errors = []
            for publisher in used:
                try:
                    publisher.cleanup()
                except AcmeError as exc:
                    cleanup_errors.append(exc.msg)
            if cleanup_errors:
                raise AcmeError('; '.join(cleanup_errors))

    def _record_successes(self, identifiers):
        if identifiers:
            self.run.budget.record('validation_success', self, identifiers=identifiers)

    def _finish(self, orders, order):
        run, spec = self.run, self.spec
        key = key_pem = None
        if self.csr is not None:
            csr_der = self.csr.public_bytes(Encoding.DER)
        else:
            key_path = spec['private_key_path']
            if self.held_key_pem:
                key_pem = self.held_key_pem.encode('ascii')
                key = load_private_key(key_pem, 'the private key held for order %s' % order['url'])
            elif spec.get('reuse_key') and not self.reuse_refused and os.path.exists(key_path):
                key = load_private_key(read_key_file(key_path, 'the private key'), 'the private key %s' % key_path)
            else:
                key = generate_private_key(spec.get('key_type') or run.policy.get('key_type') or 'ec256')
                key_pem = private_key_to_pem(key)
                # kept (0600, state dir) before the CSR goes out: a rerun after a crash can still use the certificate
                self.held_key_pem = key_pem.decode('ascii')
                self._remember_order(order)
            csr_der = make_csr(key, self.identifiers)
        if order.get('status') != 'valid':
            order = orders.finalize(order, csr_der, run.timeout)
        chains = orders.download(order['certificate'])
        preferred = spec.get('preferred_chain') or run.policy.get('preferred_chain')
        certs = pick_chain(list(chains), preferred)[1]
        leaf, chain = certs[0], certs[1:]
        wanted = set('%s:%s' % (i.type, i.value) for i in self.identifiers)
        if cert_identifiers(leaf) != wanted:
            raise AcmeError('The CA issued a certificate for %s, not the requested %s'
                            % (sorted(cert_identifiers(leaf)), sorted(wanted)))
        if key is not None and not key_matches(key, leaf):
            raise AcmeError('The certificate of order %s does not match the private key of its CSR; nothing was '
                            'written' % order['url'])
        try:
            fullchain_pem = write_certificate(spec, leaf, chain, key_pem)
        except (IOError, OSError) as exc:
            raise AcmeError('%s: the CA issued the certificate (order %s) but writing it failed: %s. No file was '
                            'replaced; run again to finish this order with the key kept for it'
                            % (self.name, order['url'], getattr(exc, 'strerror', None) or exc))
        run.store.remember_issuer(run.connector['directory'], authority_key_id(leaf))
        if key_pem is not None and self._stages_for_hosts():  # for the other jobs and controllers of a shared state
            run.state.save_pending(run.connector['account_uri'], self.identifiers, self.name,
                                   fullchain_pem.decode('ascii'), key_pem.decode('ascii'), not_before(leaf).timestamp())
        described = describe(leaf, chain)
        with run.budget.ledger().transaction():  # one step: the certificate counts, the order no longer as one to be
            run.budget.record('certificate', self, detail=format(leaf.serial_number, 'x'), replaces=bool(self.replaces),
                              data={'serial': format(leaf.serial_number, 'x'), 'not_after': described['not_after'],
                                    'validation': dict((i.value, m) for i, m in self.methods.items()),
                                    'order': order['url']})
            run.budget.settle_order(order['url'])
        return {
            'certificate': described,
            'renew_at': self._renew_at_of(leaf),
            'chain_count': len(chains),
            'paths': dict((option, spec.get(option)) for option in
                          ('private_key_path', 'cert_path', 'chain_path', 'fullchain_path') if spec.get(option)),
        }


def _enroll_one(run, spec):
    """One certificate, with the requests it had to send again (``retries``). An account the CA no longer knows
    (a CA reset) is found or registered again, and the certificate tried once more."""
    before = run.retries()
    try:
        try:
            result = CertificateEnrollment(run, spec).run_flow()
        except AcmeProblem as problem:
            if problem.code != 'accountDoesNotExist' or not run.connector.get('key_thumbprint'):
                raise
            stale = run.connector['account_uri']
            run.recover_account(stale)
            result = CertificateEnrollment(run, spec).run_flow()
            result['account_recovered'] = 'the CA no longer knew %s; now %s' % (stale, run.connector['account_uri'])
    except AcmeError as error:
        error.retries = _retries_since(before, run.retries())
        raise
    result['retries'] = _retries_since(before, run.retries())
    return result


def _retries_since(before, after):
    return dict((cause, count - before.get(cause, 0)) for cause, count in after.items() if count > before.get(cause, 0))


def _run_one(chain, spec):
    try:
        return chain.enroll(spec, _enroll_one)
    except Exception as error:  # pylint: disable=broad-except
        # one certificate's failure, whatever it is, must not stop the others
        failed = error.to_result() if isinstance(error, AcmeError) else {
            'msg': 'unexpected %s: %s' % (type(error).__name__, error)}
        failed.update(name=spec.get('name') or (spec.get('identifiers') or [spec.get('domain')])[0],
                      failed=True, changed=False)
        return failed


def enroll(params, check_mode):
    """Module entry: one certificate from the top-level options, or many from ``certificates``."""
    chain = IssuerChain(params, check_mode)  # the task's CA instance, then its fallback ones
    if params.get('certificates'):
        specs = []
        for item in params['certificates']:
            spec = dict((k, params.get(k)) for k in CERTIFICATE_KEYS if k not in ('name', 'identifiers', 'domain', 'sans'))
            spec.update((k, v) for k, v in item.items() if v is not None)
            specs.append(spec)
        workers = max(1, min(int(params.get('max_workers') or 8), len(specs)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda s: _run_one(chain, s), specs))
        result = _summary(results)
    else:
        result = chain.enroll(dict((k, params.get(k)) for k in CERTIFICATE_KEYS), _enroll_one)
    account_actions, warnings = chain.outcome()
    if account_actions:
        result.update(account_actions=account_actions, changed=True)
    if warnings:
        result['_warnings'] = result.get('_warnings', []) + warnings
    return result


def _summary(results):
    failed = [r for r in results if r.get('failed')]
    retries = {}
    for one in results:
        for cause, count in (one.get('retries') or {}).items():
            retries[cause] = retries.get(cause, 0) + count
    summary = {'changed': any(r.get('changed') for r in results), 'certificates': results,
               'failed_count': len(failed), 'retries': retries,
               '_warnings': [w for r in results for w in r.pop('_warnings', [])]}
    if failed:
        summary['failed'] = True
        summary['msg'] = '%d of %d certificates failed: %s' % (
            len(failed), len(results), '; '.join('%s: %s' % (r['name'], r['msg']) for r in failed))
    return summary
