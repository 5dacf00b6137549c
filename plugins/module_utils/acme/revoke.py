# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Revoking a certificate (RFC 8555 §7.6), the flow behind ``sslclm.acme.acme_revoke``.

The request is signed either by an account key (``kid``: the issuing account, or one holding valid
authorizations for every identifier of the certificate) or by the certificate's own private key (the
JWS embeds its public key, no account involved). A certificate the CA already revoked is "ok,
unchanged". The ledger records each revocation, so that the next enrollment replaces the certificate
and, after ``keyCompromise``, never uses its key again (``acme/revocations.py``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64

from ansible_collections.sslclm.acme.plugins.module_utils.acme.account import AccountClient
from ansible_collections.sslclm.acme.plugins.module_utils.acme.directories import resolve_directory
from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_options import definition_options, fallback_item_options
from ansible_collections.sslclm.acme.plugins.module_utils.acme.enroll_run import with_definitions
from ansible_collections.sslclm.acme.plugins.module_utils.acme.errors import AcmeProblem
from ansible_collections.sslclm.acme.plugins.module_utils.acme.lookup_cache import lookup_cache_argument_spec, open_lookup_cache
from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import account_key_argument_spec, connection_argument_spec
from ansible_collections.sslclm.acme.plugins.module_utils.acme.revocations import REASONS, RevocationBook, record_revocation
from ansible_collections.sslclm.acme.plugins.module_utils.acme.session import open_session, resolve_connection
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.keys import AccountKey, load_account_key, load_private_key, read_key_file
from ansible_collections.sslclm.acme.plugins.module_utils.state.backend import open_state
from ansible_collections.sslclm.acme.plugins.module_utils.x509 import authority_key_id, describe, fingerprint_sha256, key_matches, load_certificates

try:
    from cryptography.hazmat.primitives.serialization import Encoding
except ImportError:  # reported by deps.ensure_deps()
    pass


def revoke_argument_spec():
    """The options of ``acme_revoke``: connection, account key, lookup cache, what to revoke and why; with
    ``connector_definition`` and ``ca_definition`` as ``acme_enroll`` has them (the renewal role's inventory)."""
    options = connection_argument_spec()
    options.update(account_key_argument_spec())
    options.update(lookup_cache_argument_spec())
    options.update(
        connector=dict(type='dict'),
        ca=dict(type='dict'),
        certificate_src=dict(type='path'),
        certificate_content=dict(type='str'),
        private_key_src=dict(type='path'),
        private_key_content=dict(type='str', no_log=True),
        reason=dict(type='str', choices=list(REASONS)),
        state_dir=dict(type='path'),
    )
    options.update(definition_options())
    options.update(fallback=dict(type='list', elements='dict', options=fallback_item_options()))
    return options


REVOKE_RULES = dict(
    mutually_exclusive=[('certificate_src', 'certificate_content'), ('private_key_src', 'private_key_content'),
                        ('account_key_src', 'account_key_content'), ('ca', 'connector'), ('ca', 'ca_definition'),
                        ('connector', 'ca_definition'), ('ca', 'connector_definition'),
                        ('connector', 'connector_definition')],
    required_one_of=[('certificate_src', 'certificate_content')],
    required_together=[('ca_definition', 'connector_definition')],
)


def _leaf(params):
    """The certificate to revoke: the first certificate of the PEM given (a full chain will do)."""
    if params.get('certificate_content'):
        pem, source = params['certificate_content'], 'certificate_content'
    else:
        pem, source = read_key_file(params['certificate_src'], 'the certificate'), params['certificate_src']
    try:
        certs = load_certificates(pem)
    except ValueError as exc:
        raise AcmeInputError('%s holds a certificate that cannot be read: %s' % (source, exc))
    if not certs:
        raise AcmeInputError('%s holds no PEM certificate' % source)
    return certs[0]


def _knows(records, directory, key_id):
    if not directory:
        return False
    # the issuers are recorded under the connector's directory URL; a definition may name a preset
    return any(key_id in records.known_issuers(url) for url in set([directory, resolve_directory(directory)]))


def issuing_definitions(params, records, leaf):
    """``params`` with the definitions of the CA instance that issued ``leaf``: the task's own, or the first
    ``fallback`` item whose directory's known issuers (the state's, as ``IssuerChain.issued_by`` reads them) include
    the leaf's issuer; the task's own when none is known. A fallback CA instance signs with its own account."""
    fallback = params.get('fallback') or []
    if not fallback:
        return params
    if not params.get('ca_definition'):
        raise AcmeInputError('fallback needs ca_definition and connector_definition (not ca or connector): each CA '
                             'instance is given by its definitions')
    key_id = authority_key_id(leaf)
    if not key_id or _knows(records, params['connector_definition'].get('directory'), key_id):
        return params
    for item in fallback:
        if _knows(records, item['connector_definition'].get('directory'), key_id):
            return dict(params, ca=None, account_key_src=None, account_key_content=None,
                        connector_definition=item['connector_definition'], ca_definition=item['ca_definition'])
    return params


def _certificate_key(params, leaf):
    """The certificate's own key as a signer (an ``AccountKey``: it is only a JWK here), or None."""
    if params.get('private_key_content'):
        key = load_private_key(params['private_key_content'], 'private_key_content')
    elif params.get('private_key_src'):
        key = load_private_key(read_key_file(params['private_key_src'], 'the private key'),
                               'the private key %s' % params['private_key_src'])
    else:
        return None
    if not key_matches(key, leaf):
        raise AcmeInputError('the private key given is not the key of the certificate %s; nothing was sent to the CA'
                             % format(leaf.serial_number, 'x'))
    return AccountKey(key)


class Revocation:
    """One ``acme_revoke`` task: who signs, what the ledger knows, the request."""

    def __init__(self, params, check_mode=False):
        self.leaf = _leaf(params)
        self.state = open_state(params)  # shared with the other controllers when state_url is set
        # with fallback: the definitions of the CA instance that issued the certificate
        params = issuing_definitions(params, self.state.records, self.leaf)
        # with ca_definition: the account and the CA instance as the inventory defines them (the lookup cache)
        params, self.account_actions, self.warnings = with_definitions(params, check_mode)
        ca = params.get('ca') or {}
        if params.get('ca') and not ca.get('connector'):
            raise AcmeInputError('ca must be the ca object returned by sslclm.acme.acme_ca')
        self.ca_name = ca.get('name')
        self.connector = ca.get('connector') or params.get('connector') or {}
        self.params = dict(params, connector=self.connector)
        self.reason = params.get('reason')
        self.directory = resolve_directory(resolve_connection(self.params)['directory'])
        self.signer = _certificate_key(params, self.leaf)
        self.by = 'certificate_key' if self.signer is not None else 'account'
        if self.signer is None:
            self.signer = load_account_key(self.params)
            if self.signer is None:
                raise AcmeInputError('give the account key (account_key_src or account_key_content, or a connector that '
                                     'names it) or the certificate\'s own key (private_key_src or private_key_content)')
            thumbprint = self.connector.get('key_thumbprint')
            if thumbprint and thumbprint != self.signer.thumbprint:
                raise AcmeInputError('the account key does not belong to the connector (thumbprint %s, connector %s)'
                                     % (self.signer.thumbprint, thumbprint))
        self.ledger = self.state.ledger()
        self.book = RevocationBook(self.ledger, self.directory)

    def missing(self):
        """What the ledger lacks of this revocation: (the certificate's revocation, its key's compromise)."""
        certificate = fingerprint_sha256(self.leaf) not in self.book.revoked
        key = self.reason == 'keyCompromise' and self.book.key_problem(self.leaf) is None
        return certificate, key

    def _account_uri(self, session):
        if self.by != 'account':
            return None
        if self.connector.get('account_uri') and self.connector.get('key_thumbprint') == self.signer.thumbprint:
            return self.connector['account_uri']
        account = AccountClient(session).find()
        if account is None or not account.uri:
            raise AcmeInputError('the account key holds no %saccount at %s: revoke with the account that ordered the '
                                 'certificate, or with the certificate\'s own key'
                                 % ('valid ' if account is not None else '', self.directory))
        return account.uri

    def send(self):
        """→ (account URI or None, True when the CA revoked it now, False when it was revoked already)."""
        session = open_session(self.params, self.signer)
        open_lookup_cache(self.params).load_directory(session)
        account_uri = self._account_uri(session)
        session.use_account(account_uri)  # None: the JWS embeds the certificate key
        payload = {'certificate': base64.urlsafe_b64encode(self.leaf.public_bytes(Encoding.DER)).rstrip(b'=').decode('ascii')}
        if self.reason:
            payload['reason'] = REASONS[self.reason]
        try:
            session.post(session.url('revokeCert'), payload)
        except AcmeProblem as problem:
            if problem.code == 'alreadyRevoked':
                return account_uri, False
            raise problem.with_context('Revoking the certificate %s failed' % format(self.leaf.serial_number, 'x'),
                                       hint=_hint(problem, self.by))
        return account_uri, True


def _hint(problem, by):
    if problem.code == 'unauthorized' and by == 'account':
        return ('Only the account that ordered the certificate, or one holding valid authorizations for every name in '
                'it, may revoke it: use that account\'s key, or the certificate\'s own key (private_key_src)')
    if problem.code == 'badRevocationReason':
        return 'The CA does not accept this reason; Let\'s Encrypt accepts unspecified, keyCompromise, superseded, ' \
               'cessationOfOperation and affiliationChanged'
    return None


def revoke(params, check_mode):
    """Module entry: revoke (or, in check mode, say whether it would) and record it in the ledger."""
    job = Revocation(params, check_mode)
    cert = describe(job.leaf)
    result = {'certificate': cert, 'reason': job.reason, 'reason_code': REASONS.get(job.reason),
              'revoked_by': job.by, 'directory': job.directory, 'key_compromised': job.reason == 'keyCompromise'}
    if job.account_actions:
        result['account_actions'] = job.account_actions
    if job.warnings:
        result['_warnings'] = job.warnings
    try:
        missing = job.missing()
        if check_mode:
            # ACME offers no status query: the ledger tells whether this controller revoked it before
            result.update(changed=any(missing) or bool(job.account_actions), already_revoked=not missing[0])
        else:
            account_uri, now = job.send()
            result.update(changed=now or bool(job.account_actions), already_revoked=not now, account_uri=account_uri)
            if any(missing):
                record_revocation(job.ledger, job.directory, job.leaf, job.reason or 'unspecified', job.by,
                                  account=account_uri, ca_name=job.ca_name, certificate=missing[0])
    finally:
        job.ledger.close()
    before = {'serial': cert['serial'], 'status': 'revoked' if result['already_revoked'] else 'valid'}
    result['diff'] = {'before': before, 'after': dict(before, status='revoked', reason=job.reason or 'unspecified')}
    return result
