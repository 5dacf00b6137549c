# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# WANT_JSON
"""Benchmark prototype, not part of the collection: the file-writing core of a deploy as an
old-style (WANT_JSON) module - standard library only, no AnsiballZ wrapper, no
ansible.module_utils import - to measure what a per-host deploy task costs without the
new-style module start-up. Arguments: fullchain, private_key (PEM text), fullchain_path,
private_key_path. Writes atomically (temp file, fsync, rename; key first, 0600), idempotent.
"""

import json
import os
import sys
import tempfile


def write(path, content, mode):
    data = content.encode()
    try:
        with open(path, 'rb') as handle:
            if handle.read() == data and (os.stat(path).st_mode & 0o7777) == mode:
                return False
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.' + os.path.basename(path) + '.')
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return True


def main():
    with open(sys.argv[1]) as handle:
        args = json.load(handle)
    try:
        changed = write(args['private_key_path'], args['private_key'], 0o600)
        changed = write(args['fullchain_path'], args['fullchain'], 0o644) or changed
    except (KeyError, OSError) as exc:
        print(json.dumps({'failed': True, 'msg': 'deploy failed: %s' % exc}))
        return
    print(json.dumps({'changed': changed}))


if __name__ == '__main__':
    main()
