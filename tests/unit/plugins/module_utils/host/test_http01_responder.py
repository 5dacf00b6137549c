# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading

import pytest

from http.client import HTTPConnection

from ansible_collections.sslclm.acme.plugins.module_utils.host.challenge_files import (
    ChallengeFileError,
    planned_files,
    publish,
    remove,
)
from ansible_collections.sslclm.acme.plugins.module_utils.host.http01_responder import Http01Responder

THUMB = 'T' * 43
KEY = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n'
TOKEN = 'PublishedToken0123456789'


def get(responder, path):
    conn = HTTPConnection('127.0.0.51', responder.port, timeout=5)
    try:
        conn.request('GET', path, headers={'Host': 'www.example.com'})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def challenge_dir(tmp_path):
    directory = tmp_path / 'http01'
    directory.mkdir()
    (directory / TOKEN).write_text(TOKEN + '.' + 'P' * 43 + '\n')
    secret = tmp_path / 'secret.txt'
    secret.write_text('do not serve')
    os.symlink(str(secret), str(directory / 'SymlinkTokenSymlinkToken'))
    return directory


def test_publishing_and_stateless_answers(challenge_dir):
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir), thumbprint=THUMB) as responder:
        assert get(responder, '/.well-known/acme-challenge/' + TOKEN) == (200, TOKEN + '.' + 'P' * 43)
        assert get(responder, '/.well-known/acme-challenge/OtherToken_-abcdef') == (200, 'OtherToken_-abcdef.' + THUMB)
        # a symlink is never followed: the token gets the stateless answer, not the file
        assert get(responder, '/.well-known/acme-challenge/SymlinkTokenSymlinkToken') == (
            200, 'SymlinkTokenSymlinkToken.' + THUMB)
        for path in ('/', '/.well-known/acme-challenge/', '/.well-known/acme-challenge/../secret.txt',
                     '/.well-known/acme-challenge/..%2Fsecret.txt', '/.well-known/acme-challenge/a/b',
                     '/other/' + TOKEN):
            assert get(responder, path)[0] == 404, path


def test_publishing_only_mode_and_thumbprint_switch(challenge_dir):
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir)) as responder:
        assert get(responder, '/.well-known/acme-challenge/OtherToken_-abcdef')[0] == 404
        assert get(responder, '/.well-known/acme-challenge/SymlinkTokenSymlinkToken')[0] == 404
        responder.set_thumbprint(THUMB)
        assert get(responder, '/.well-known/acme-challenge/OtherToken_-abcdef') == (200, 'OtherToken_-abcdef.' + THUMB)
    with pytest.raises(ValueError):
        Http01Responder('127.0.0.51', 0, thumbprint='short')


def test_concurrent_requests(challenge_dir):
    results = []
    with Http01Responder('127.0.0.51', 0, challenge_dir=str(challenge_dir), thumbprint=THUMB) as responder:
        threads = [threading.Thread(target=lambda: results.append(get(responder, '/.well-known/acme-challenge/' + TOKEN)))
                   for unused in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert len(results) == 12 and set(status for status, unused in results) == {200}


def test_planned_files_validate_everything_first(tmp_path):
    good = {'method': 'http-01', 'token': TOKEN, 'content': TOKEN + '.' + THUMB}
    bad = {'method': 'http-01', 'token': '../' + TOKEN, 'content': '../' + TOKEN + '.' + THUMB}
    with pytest.raises(ChallengeFileError, match='not a base64url ACME token'):
        planned_files([good, bad], http01_dir=str(tmp_path))
    with pytest.raises(ChallengeFileError, match='not its key authorization'):
        planned_files([dict(good, content='something else')], http01_dir=str(tmp_path))
    with pytest.raises(ChallengeFileError, match='not a lowercase DNS name'):
        planned_files([{'method': 'tls-alpn-01', 'sni': '../etc', 'cert_pem': 'x', 'key_pem': 'y'}], tls_alpn01_dir=str(tmp_path))
    assert os.listdir(str(tmp_path)) == []


def test_publish_is_idempotent_and_remove_exact(tmp_path):
    items = [{'method': 'http-01', 'token': TOKEN, 'content': TOKEN + '.' + THUMB},
             {'method': 'dns-01', 'record_name': '_acme-challenge.example.com', 'value': 'v'},
             {'method': 'tls-alpn-01', 'sni': 'www.example.com', 'cert_pem': 'CERT', 'key_pem': KEY}]
    files = planned_files(items, http01_dir=str(tmp_path / 'h'), tls_alpn01_dir=str(tmp_path / 't'))
    assert len(files) == 3
    assert len(publish(files)) == 3
    assert publish(files) == []
    assert oct(os.stat(str(tmp_path / 't' / 'www.example.com.key.pem')).st_mode & 0o777) == '0o600'
    (tmp_path / 'h' / 'unrelated').write_text('keep me')
    without_key = [dict(item, key_pem=None) for item in items]  # state absent: the action plugin reads no key
    files = planned_files(without_key, http01_dir=str(tmp_path / 'h'), tls_alpn01_dir=str(tmp_path / 't'), publishing=False)
    assert len(remove(files)) == 3
    assert sorted(os.listdir(str(tmp_path / 'h'))) == ['unrelated']
    assert remove(files) == []
    with pytest.raises(ChallengeFileError, match='no private key'):
        planned_files(without_key[2:], tls_alpn01_dir=str(tmp_path / 't'))
