#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bare ``acme`` library baseline: N single-name HTTP-01 orders in one Python process, T threads.

    baseline_acme.py --directory URL --ca-bundle FILE --account-key FILE --account-uri URL \
                     --jobs FILE.json [--threads 8] [--timeout 120]

FILE.json: [[name, key_path, fullchain_path], ...]. The names must resolve (through the
CA's DNS) to a responder that answers every token for the account key's thumbprint (the
bench's stateless acme_agent fleet). Per certificate: new order (+ its authorization),
answer the HTTP-01 challenge, poll the authorization, finalize, poll the order, download -
the protocol floor of 7 requests, plus polls, one directory GET, one HEAD newNonce per
thread and badNonce retries. Polls start at 50 ms and back off (x1.5, at most 1 s); no
self-check, no files but the key and full chain. Prints one JSON object on stdout.
"""

from __future__ import absolute_import, division, print_function

import argparse
import faulthandler
import json
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

T_START = time.perf_counter()

from acme import challenges, client, crypto_util, errors, messages  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
import josepy  # noqa: E402

T_IMPORTED = time.perf_counter()


def _retry_bad_nonce(call, attempts=5):
    for attempt in range(attempts):
        try:
            return call()
        except messages.Error as error:
            if error.code != 'badNonce' or attempt == attempts - 1:
                raise
        except errors.BadNonce:
            if attempt == attempts - 1:
                raise
    return None


def _poll(fetch, done, deadline):
    interval = 0.05
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise RuntimeError('timed out polling')
        time.sleep(interval)
        interval = min(1.0, interval * 1.5)


class Baseline:
    def __init__(self, args):
        with open(args.account_key, 'rb') as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            self.jwk, self.alg = josepy.JWKEC(key=key), {256: josepy.ES256, 384: josepy.ES384}[key.curve.key_size]
        else:
            self.jwk, self.alg = josepy.JWKRSA(key=key), josepy.RS256
        self.account = messages.RegistrationResource(body=messages.Registration(), uri=args.account_uri)
        self.ca_bundle = args.ca_bundle
        self.timeout = args.timeout
        self.local = threading.local()
        net = self._network()
        self.directory = client.ClientV2.get_directory(args.directory, net)  # once for all threads

    def _network(self):
        net = client.ClientNetwork(self.jwk, alg=self.alg, account=self.account, verify_ssl=self.ca_bundle,
                                   user_agent='sslclm-bench-baseline')
        return net

    def client(self):
        acme = getattr(self.local, 'client', None)
        if acme is None:
            acme = client.ClientV2(self.directory, self._network())
            self.local.client = acme
        return acme

    def one(self, job):
        name, key_path, fullchain_path = job
        acme = self.client()
        deadline = time.monotonic() + self.timeout
        key = ec.generate_private_key(ec.SECP256R1())
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        csr_pem = crypto_util.make_csr(key_pem, [name])
        orderr = _retry_bad_nonce(lambda: acme.new_order(csr_pem))
        for authzr in orderr.authorizations:
            if authzr.body.status == messages.STATUS_VALID:
                continue
            challb = next(c for c in authzr.body.challenges if isinstance(c.chall, challenges.HTTP01))
            response = challb.response(acme.net.key)
            _retry_bad_nonce(lambda c=challb, r=response: acme.answer_challenge(c, r))
            final = _poll(lambda a=authzr: _retry_bad_nonce(lambda: acme.poll(a))[0],
                          lambda a: a.body.status != messages.STATUS_PENDING, deadline)
            if final.body.status != messages.STATUS_VALID:
                raise RuntimeError('%s: authorization %s' % (name, final.body.status))
        orderr = _retry_bad_nonce(lambda: acme.begin_finalization(orderr))

        def fetch_order():
            response = _retry_bad_nonce(lambda: acme._post_as_get(orderr.uri))  # pylint: disable=protected-access
            return messages.Order.from_json(response.json())

        body = orderr.body
        if body.status != messages.STATUS_VALID:
            body = _poll(fetch_order, lambda o: o.status in (messages.STATUS_VALID, messages.STATUS_INVALID), deadline)
        if body.status != messages.STATUS_VALID:
            raise RuntimeError('%s: order %s' % (name, body.status))
        cert = _retry_bad_nonce(lambda: acme._post_as_get(body.certificate)).text  # pylint: disable=protected-access
        with open(key_path, 'wb') as handle:
            handle.write(key_pem)
        with open(fullchain_path, 'w') as handle:
            handle.write(cert)
        return name


# a run the bench kills for taking too long (SIGTERM) leaves every thread's stack in its stderr.log
faulthandler.register(signal.SIGTERM, all_threads=True, chain=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--directory', required=True)
    parser.add_argument('--ca-bundle', required=True)
    parser.add_argument('--account-key', required=True)
    parser.add_argument('--account-uri', required=True)
    parser.add_argument('--jobs', required=True)
    parser.add_argument('--threads', type=int, default=8)
    parser.add_argument('--timeout', type=float, default=120.0)
    args = parser.parse_args(argv)
    with open(args.jobs) as handle:
        jobs = json.load(handle)
    t0 = time.perf_counter()
    baseline = Baseline(args)
    failures = []

    def run(job):
        try:
            return baseline.one(job)
        except Exception as exc:  # pylint: disable=broad-except
            failures.append('%s: %s' % (job[0], exc))
            return None

    with ThreadPoolExecutor(max_workers=max(1, args.threads)) as pool:
        done = [n for n in pool.map(run, jobs) if n]
    t1 = time.perf_counter()
    json.dump({'issued': len(done), 'failures': failures, 'threads': args.threads,
               'import_s': T_IMPORTED - T_START, 'work_s': t1 - t0, 'total_s': t1 - T_START}, sys.stdout)
    sys.stdout.write('\n')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
