#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_deploy
short_description: Deploy a certificate and its key to a host - validate, reload, verify by TLS handshake, roll back
version_added: 0.1.0
description:
  - Writes a certificate, its chain, the full chain, its private key and optionally a combined PEM (HAProxy style)
    on the managed host, then validates the service configuration, reloads the service and opens TLS connections
    until the server really serves the new certificate.
  - B(Refuses before touching anything) when the private key does not match the certificate or the chain does not
    link. These checks run on the controller (action plugin, C(cryptography)); the part that runs on the host needs
    nothing but Python 3.8+ and its standard library.
  - Every file is written atomically (temporary file in the same directory, fsync, rename; the key first), and the
    previous version of each replaced file is kept as a backup.
  - If O(validate), O(reload) or O(verify) fails, the previous files are put back, the service is reloaded again
    (when a reload had run), the module waits for the old certificate to be served, and the task fails with a
    message that says what failed and that the old certificate is back - or, if that could not be confirmed, why.
  - Idempotent. When every file already has the desired content, mode and owner (and, with O(verify), the server
    already serves this certificate) nothing is written and nothing reloaded. If the files are current but the
    server serves another certificate (an earlier reload never happened), the service is reloaded and verified.
  - Returns C(reloaded), so playbooks and handlers can chain on it.
  - With O(state=absent) it removes the destination files instead - only when the service still validates without
    them. The files are renamed aside in their own directory (keeping content, mode, owner and SELinux context),
    O(validate) runs, and if it fails they are renamed back exactly as they were and the task fails with the command's
    output; if it passes, O(reload) runs (the service drops the configuration that used them) and they are deleted.
    O(validate) is required then - for files no service reads, V([/bin/true]) says so.
author:
  - sslclm.acme developers (@sslclm)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    description:
      - An action plugin checks the certificate material on the controller before anything reaches the host.
      - On the host the deploy code (standard library only) runs as a plain Python program - on the interpreter's
        standard input where the connection passes it, else from a file in the remote temporary directory - with the
        interpreter modules would get (C(ansible_python_interpreter) or interpreter discovery), honouring C(become) and
        C(environment). It skips the module start-up (AnsiballZ and
        C(ansible.module_utils.basic)), the bulk of a per-host task's cost in a fleet run. Connections that run modules
        on the controller (for example C(network_cli)) run it as an ordinary module.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    description: Reports which files would change (or, with O(state=absent), be removed) and whether a reload would
      happen; writes and runs nothing.
  diff_mode:
    support: full
    description:
      - Shows subject, SANs, serial, issuer, validity and fingerprint of the certificate deployed before and after
        (with O(state=absent), before, and the files removed). Never file contents, never key material.
  platform:
    platforms: posix
  safe_file_operations:
    support: full
    description: Atomic writes (temporary file in the destination directory, fsync, rename) with modes and owners set
      before the rename; the previous files are restored if the deployment fails.
  vault:
    support: full
    description: O(private_key_src) and the other C(*_src) files on the controller can be vault-encrypted.
options:
  state:
    description:
      - V(present) deploys the certificate. V(absent) removes the files named by the C(*_path) options (and the deploy
        record of O(record_name)) if O(validate) passes without them; the certificate options are then not needed.
      - A symbolic link at a destination is removed itself, never the file it points to.
    type: str
    choices: [present, absent]
    default: present
  record_name:
    description:
      - Record this deployment on the host as O(record_dir)/NAME.json (which files, the certificate's fingerprint, when -
        no key material), so that M(sslclm.acme.acme_discover) with O(sslclm.acme.acme_discover#module:record_dir) can
        tell a certificate this collection put there from the rest. Written after a successful deploy, or when the files
        are current and the record is missing; removed with O(state=absent). A record that cannot be written is a
        warning. Letters, digits, C(.), C(_) and C(-). The renewal role passes the certificate's name.
    type: str
  record_dir:
    description: Directory of the deploy records on the host (created, 0755, when needed).
    type: path
    default: /var/lib/sslclm-acme/deployed
  certificate:
    description:
      - The certificate (leaf) as PEM text. With O(chain), or give O(fullchain) instead.
    type: str
  chain:
    description:
      - The intermediate certificates as PEM text, each issued by the next one.
    type: str
  fullchain:
    description:
      - The certificate followed by its chain, as PEM text (what M(sslclm.acme.acme_enroll) writes to C(fullchain_path)).
    type: str
  private_key:
    description:
      - The certificate's private key as PEM text (unencrypted). Never logged, never returned.
      - Required with O(private_key_path) or O(combined_path).
    type: str
  certificate_src:
    description:
      - A file B(on the controller) holding O(certificate). Relative paths are searched like C(copy)'s C(src).
    type: path
  chain_src:
    description:
      - A file on the controller holding O(chain).
    type: path
  fullchain_src:
    description:
      - A file on the controller holding O(fullchain).
    type: path
  private_key_src:
    description:
      - A file on the controller holding O(private_key); it may be vault-encrypted.
    type: path
  cert_path:
    description: Where the certificate alone is written on the host.
    type: path
  chain_path:
    description: Where the chain alone is written on the host.
    type: path
  fullchain_path:
    description: Where the certificate followed by its chain is written (nginx C(ssl_certificate)).
    type: path
  private_key_path:
    description: Where the private key is written (mode O(key_mode)).
    type: path
  combined_path:
    description:
      - Where the full chain followed by the private key is written in one file (HAProxy C(crt)), mode O(key_mode).
    type: path
  owner:
    description:
      - Owner (name or uid) of the written files.
      - Default - a replaced file keeps the owner it had (as M(ansible.builtin.copy) does); a new file belongs to the
        user the module runs as.
    type: str
  group:
    description:
      - Group (name or gid) of the written files.
      - Default - a replaced file keeps its group; a new file gets the group of the user the module runs as.
    type: str
  key_group:
    description:
      - Group of the private key and the combined file, instead of O(group). With O(key_mode=0640) a service whose
        user is in that group reads the key without owning it (Debian's C(ssl-cert) group pattern).
    type: str
  follow:
    description:
      - What a destination that is a symbolic link becomes.
      - V(false) (as M(ansible.builtin.copy)) replaces the link itself by a regular file; the file it pointed to is
        never written, moved or chowned.
      - V(true) writes the file the link points to, but only when that file lies in the same directory as the link;
        a link that leads anywhere else is refused before anything is written.
    type: bool
    default: false
  mode:
    description:
      - Mode of the certificate, chain and full chain files. Quote it (V('0644')) or write it as a YAML octal (C(0644)).
    type: raw
    default: '0644'
  key_mode:
    description:
      - Mode of the private key and the combined file.
    type: raw
    default: '0600'
  backup:
    description:
      - Keep the previous version of every replaced file, written atomically with the old owner; backups of the key
        and combined files get mode 0600. One previous version is kept.
      - Beside the file as the dotfile C(.<name>.bak) (C(/etc/haproxy/certs/.www.pem.bak) for
        C(/etc/haproxy/certs/www.pem)), or in O(backup_dir) as C(<name>.bak). Dotfiles, because services that load every
        file of a directory skip them - HAProxy C(crt <directory>) would otherwise load the backup as one more
        certificate and serve the old one for its names.
    type: bool
    default: true
  backup_dir:
    description:
      - Directory for the backups instead of beside each file (it must exist).
    type: path
  validate:
    description:
      - A command, as a list of arguments (never a shell string), run after the files are written and before the
        reload, for example V([nginx, -t]) or V([haproxy, -c, -f, /etc/haproxy/haproxy.cfg]). A non-zero exit rolls back.
      - With O(state=absent), run while the files are aside; required.
    type: list
    elements: str
  reload:
    description:
      - How the service picks up the new files.
      - A service name (V(nginx)) - C(systemctl reload NAME) where systemd runs, else C(service NAME reload). A service
        that is not running is not started, not reloaded and not verified (with a warning); the files take effect when
        it starts.
      - Or a command as a list of arguments, for example V([nginx, -s, reload]).
      - A non-zero exit rolls back.
    type: raw
  verify:
    description:
      - After the reload, open TLS connections to this endpoint until the served leaf certificate's SHA-256
        fingerprint is the new certificate's (O(verify.confirmations) times in a row). Not reaching it within
        O(verify.timeout) rolls back.
      - The handshake compares the served certificate with the deployed one byte for byte; it does not need to trust
        the issuing CA.
      - Before anything is written, one handshake also tells whether the server already serves this certificate.
    type: dict
    suboptions:
      host:
        description: Address or name to connect to, as seen from the managed host.
        type: str
        default: localhost
      port:
        description: TCP port.
        type: int
        default: 443
      server_name:
        description:
          - SNI name to send. Default - the certificate's subject name if it is a DNS name of the certificate, else its
            first DNS name that is not a wildcard; no SNI for certificates with only wildcards and IP addresses.
        type: str
      timeout:
        description: Seconds to wait for the new (and, when rolling back, the old) certificate to be served.
        type: int
        default: 30
      confirmations:
        description:
          - How many handshakes in a row must see the certificate. Right after a reload the old worker processes of
            a server (nginx) can still accept a few connections, so one handshake is not yet proof that every client
            gets the new certificate.
        type: int
        default: 3
  command_timeout:
    description: Seconds a O(validate) or O(reload) command may run before it counts as failed.
    type: int
    default: 60
notes:
  - Symbolic links at the destinations are followed - the file they point to is replaced and the link stays.
  - The destination directories must exist.
  - The private key travels to the host inside the task's arguments (in the program on the interpreter's standard
    input, or in the program's file in the remote temporary directory, mode 0700, removed as the program starts), like
    C(copy)'s C(content); use C(no_log) on tasks that template it from variables.
  - Not part of the C(group/sslclm.acme.acme) action group - it takes none of the CA connection options.
seealso:
  - module: sslclm.acme.acme_enroll
  - module: ansible.builtin.copy
'''

EXAMPLES = r'''
- name: Issue on the controller
  sslclm.acme.acme_enroll:
    ca: "{{ le.ca }}"
    identifiers: [www.example.com]
    dns01: {provider: challtestsrv}
    private_key_path: "{{ playbook_dir }}/certs/www.key"
    fullchain_path: "{{ playbook_dir }}/certs/www.pem"
  delegate_to: localhost
  run_once: true

- name: Deploy to every web server; nginx -t, reload, verify by handshake; roll back on failure
  sslclm.acme.acme_deploy:
    fullchain_src: "{{ playbook_dir }}/certs/www.pem"
    private_key_src: "{{ playbook_dir }}/certs/www.key"
    fullchain_path: /etc/nginx/tls/www.pem
    private_key_path: /etc/nginx/tls/www.key
    owner: root
    group: root
    validate: [nginx, -t]
    reload: nginx
    verify:
      host: 127.0.0.1
      port: 443
  register: deployed

- name: Chain on the reload
  ansible.builtin.debug:
    msg: "nginx reloaded, now serving {{ deployed.certificate.serial }}"
  when: deployed.reloaded

- name: Retire - remove the files once nginx no longer uses them (else they are put back and the task fails)
  sslclm.acme.acme_deploy:
    state: absent
    fullchain_path: /etc/nginx/tls/old.pem
    private_key_path: /etc/nginx/tls/old.key
    validate: [nginx, -t]
    reload: nginx

- name: HAProxy - one combined PEM per certificate, backups outside the crt directory
  sslclm.acme.acme_deploy:
    fullchain: "{{ lookup('ansible.builtin.file', 'certs/api.pem') }}"
    private_key: "{{ vault_api_key }}"
    combined_path: /etc/haproxy/certs/api.pem
    backup_dir: /var/backups/haproxy-certs
    validate: [haproxy, -c, -f, /etc/haproxy/haproxy.cfg]
    reload: haproxy
    verify: {port: 443, server_name: api.example.com}
  no_log: true
'''

RETURN = r'''
changed:
  description: Whether files were written (or their modes/owners fixed) or the service reloaded.
  returned: always
  type: bool
reason:
  description: Why something was (or would be) done, or why not.
  returned: success
  type: str
  sample: 'files differ: private_key_path updated, fullchain_path updated'
reloaded:
  description: Whether the service was reloaded to pick up the new certificate (false in check mode).
  returned: always
  type: bool
reloads:
  description: How many reload commands ran, including the one after a rollback.
  returned: always
  type: int
verified:
  description:
    - True when the server was seen serving the new certificate (after the reload, or already before when nothing
      changed); false when that check failed; null without O(verify) or when it was skipped.
  returned: always
  type: bool
fingerprint_sha256:
  description: SHA-256 fingerprint of the certificate being deployed.
  returned: when the module ran
  type: str
previous_fingerprint_sha256:
  description: SHA-256 fingerprint of the certificate found at the destination before, or null.
  returned: when the module ran
  type: str
certificate:
  description:
    - The certificate being deployed, described with the keys of the C(certificate) result of M(sslclm.acme.acme_enroll)
      (C(serial), C(subject), C(issuer), C(chain_root_issuer), C(identifiers), C(not_before), C(not_after),
      C(fingerprint_sha256)). Never key material.
  returned: when the module ran
  type: dict
previous_certificate:
  description: The certificate at the destination before the task (same keys as RV(certificate)), or null.
  returned: when the module ran
  type: dict
files:
  description: One entry per destination - C(option), C(path) (symlinks resolved), C(state) (V(created), V(updated),
    V(attributes), V(unchanged); with O(state=absent) V(removed), V(absent) - not there - or V(kept) - put back),
    C(mode) and, when a backup was written, C(backup).
  returned: when the module ran
  type: list
  elements: dict
served_before:
  description: What O(verify) saw before anything was written - C(host), C(port), C(server_name),
    C(fingerprint_sha256) (or C(error)) and C(matches).
  returned: with verify
  type: dict
served:
  description: The verification after the reload - C(fingerprint_sha256) last seen (or C(error)), C(attempts), C(seconds).
  returned: when a verification after a reload ran
  type: dict
timings:
  description: Seconds spent in C(validate), C(reload), C(verify), C(rollback) and in C(total).
  returned: when the module ran
  type: dict
failed_step:
  description: The step that failed - V(write), V(validate), V(reload) or V(verify) (with O(state=absent), V(validate)
    or V(reload)).
  returned: failure after files were written
  type: str
rolled_back:
  description: True when a failure was rolled back.
  returned: failure after files were written
  type: bool
removed:
  description: With O(state=absent), the paths removed (or, in check mode, that would be); empty when they were put back.
  returned: with state=absent
  type: list
  elements: str
record_removed:
  description: With O(state=absent), whether the deploy record of O(record_name) was (would be) removed.
  returned: with state=absent
  type: bool
record:
  description: The deploy record's path, with O(record_name).
  returned: with record_name and state=present
  type: str
rollback:
  description:
    - What the rollback did - C(files_restored), C(files_removed), C(reloaded), C(old_certificate_served) (true, false,
      or null when not checked), C(errors) and C(complete).
  returned: failure after files were written
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.host.commands import run_command
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_options import (
    MUTUALLY_EXCLUSIVE,
    REQUIRED_IF,
    REQUIRED_ONE_OF,
    DeployError,
    argument_spec,
)
from ansible_collections.sslclm.acme.plugins.module_utils.host.deploy_remove import converge


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(),
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        required_one_of=REQUIRED_ONE_OF,
        required_if=REQUIRED_IF,
        supports_check_mode=True,
    )
    try:
        result = converge(module.params, module.check_mode, run_command)
    except DeployError as error:
        for warning in error.result.pop('_warnings', []):
            module.warn(warning)
        module.fail_json(msg=error.msg, **error.result)
    for warning in result.pop('_warnings', []):
        module.warn(warning)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
