#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_notify
short_description: Tell people about failed and expiring certificates (webhook, e-mail)
version_added: 0.2.0
description:
  - Sends one notification at the end of a renewal run when a certificate failed, or expires within
    O(days_before_expiry) days and was not renewed in this run - by a webhook (a JSON POST, signed with HMAC-SHA256
    when O(webhook.secret) is set, retried with back-off), by e-mail (SMTP with STARTTLS or TLS and login), or both.
  - A certificate whose renewal moment (C(renew_at)) is still ahead is on schedule and raises no alarm, however
    close its expiry - short-lived certificates renew days before they expire. A failed certificate is always
    reported, and marked as expiring when its certificate in use expires within O(days_before_expiry) days.
  - With O(on_success=true), a run that issued, renewed or deployed certificates sends a summary of them too.
  - A run with nothing to report sends nothing. Let's Encrypt no longer sends expiry e-mails, so this, or the
    Prometheus alerting rules in C(extensions/prometheus/) of the collection, is how a fleet learns of a missed
    renewal.
  - Each channel is tried even when another failed; the task then fails naming every failure and what was sent.
  - Runs on the controller. The role C(sslclm.acme.renewal) (C(renewal_notify_*) variables) calls it after its report.
author:
  - sslclm.acme developers (@sslclm)
attributes:
  check_mode:
    support: full
    description: Builds the notification and returns it (C(notification), C(subject)) without sending it.
  diff_mode:
    support: none
    description: A notification is an event, not a state.
  idempotent:
    support: none
    description:
      - A notification is an event. C(changed) means it was sent (in check mode, would be sent), so a run that
        notifies reports a change each time it notifies; a run with nothing to report changes nothing.
options:
  entries:
    description:
      - The report entries of the run, as built by P(sslclm.acme.renewal_report_entries#filter) and written by
        M(sslclm.acme.acme_report) - each with C(name), C(status) (V(failed), V(renewed), V(issued), V(deployed) or
        V(current)), and optionally C(ca), C(hosts), C(identifiers), C(not_after) and C(renew_at)
        (C(YYYY-MM-DDTHH:MM:SSZ)), C(reason), C(msg), C(next_action).
    type: list
    elements: dict
    required: true
  days_before_expiry:
    description:
      - A certificate not renewed in this run whose certificate expires within this many days is reported (unless
        its renewal moment is still ahead).
    type: float
    default: 14
  on_success:
    description: Also notify when certificates were issued, renewed or deployed (a summary of them).
    type: bool
    default: false
  origin:
    description: Where the run happened, named in the message (the controller, an AWX job). Defaults to the host name.
    type: str
  webhook:
    description: Send the notification as a JSON POST. The body is the RV(notification) document.
    type: dict
    suboptions:
      url:
        description:
          - An C(http://) or C(https://) URL. Messages and results name it without user information and query
            string. Its C(text) field makes the body acceptable to Slack- and Mattermost-style incoming webhooks.
        type: str
        required: true
      secret:
        description:
          - Shared secret. When set, the header O(webhook.signature_header) carries C(sha256=) and the hexadecimal
            HMAC-SHA256 of the exact body bytes, so the receiver can check who sent it (compare in constant time).
        type: str
      signature_header:
        description: Header of the signature.
        type: str
        default: X-Sslclm-Signature
      headers:
        description: Further request headers (for example C(Authorization)). Values are not logged.
        type: dict
      attempts:
        description: Attempts in all; connection errors, timeouts, HTTP 429 and 5xx are retried, other answers are not.
        type: int
        default: 4
      retry_delay:
        description: Seconds before the first retry; doubled for each further one, capped at 30 s. A C(Retry-After) is honoured up to 30 s.
        type: float
        default: 1.0
      timeout:
        description: Seconds to wait for each answer.
        type: int
        default: 10
      validate_certs:
        description: Check the server's TLS certificate.
        type: bool
        default: true
      ca_bundle:
        description: CA certificates (PEM) that sign the server's certificate, for a private CA.
        type: path
  smtp:
    description: Send the notification as a plain-text e-mail.
    type: dict
    suboptions:
      host:
        description: SMTP server.
        type: str
        required: true
      port:
        description: Port. Defaults to 587 with V(starttls), 465 with V(tls) and 25 with V(none).
        type: int
      security:
        description:
          - V(starttls) upgrades the connection and fails when the server does not offer it (never a silent
            downgrade), V(tls) connects with TLS at once, V(none) sends in the clear and refuses a login.
        type: str
        choices: [starttls, tls, none]
        default: starttls
      username:
        description: Login name; no login when unset.
        type: str
      password:
        description: Password of the login.
        type: str
      sender:
        description: The C(From) address.
        type: str
        required: true
      to:
        description: Recipients.
        type: list
        elements: str
        required: true
      timeout:
        description: Seconds to wait for the server.
        type: int
        default: 30
      validate_certs:
        description: Check the server's TLS certificate.
        type: bool
        default: true
      ca_bundle:
        description: CA certificates (PEM) that sign the server's certificate, for a private CA.
        type: path
notes:
  - The webhook body is JSON with C(source), C(origin), C(generated), C(severity) (V(critical) when a certificate
    expires soon, V(warning) for failures, V(info) for a summary), C(subject), C(text), C(days_before_expiry),
    C(counts), and the lists C(failed), C(expiring) and C(renewed) of report items with their C(days_left). The
    header C(X-Sslclm-Event) names the most serious trigger (V(failed), V(expiring) or V(renewed)).
seealso:
  - module: sslclm.acme.acme_report
'''

EXAMPLES = r'''
- name: Webhook (signed) and e-mail when a certificate failed or expires within 14 days unrenewed
  sslclm.acme.acme_notify:
    entries:
      - name: www
        ca: le
        hosts: [web1, web2]
        identifiers: [www.example.com]
        status: failed
        msg: "Self-check failed: www.example.com does not serve the HTTP-01 token"
        not_after: "2027-02-01T00:00:00Z"
        renew_at: "2027-01-02T00:00:00Z"
    webhook:
      url: https://alerts.example.com/hooks/sslclm
      secret: "{{ vault_webhook_secret }}"
    smtp:
      host: smtp.example.com
      username: acme-alerts
      password: "{{ vault_smtp_password }}"
      sender: acme@example.com
      to: [ops@example.com]
  register: notified

- name: Also a summary of what was renewed, to a chat webhook
  sslclm.acme.acme_notify:
    entries:
      - name: api
        ca: le
        status: renewed
        not_after: "2027-04-01T00:00:00Z"
        renew_at: "2027-03-02T00:00:00Z"
    on_success: true
    origin: awx job renew
    webhook:
      url: https://chat.example.com/hooks/ops
'''

RETURN = r'''
notified:
  description: Whether the run gave a reason to notify (in check mode too).
  returned: always
  type: bool
channels:
  description: The channels configured.
  returned: always
  type: list
  elements: str
  sample: [webhook, smtp]
sent:
  description: The channels the notification was sent by (none in check mode).
  returned: always
  type: list
  elements: str
subject:
  description: Subject of the notification (the e-mail's subject line).
  returned: when notified
  type: str
  sample: "[sslclm.acme] certificates 1 failed: www; 1 expiring within 14 days: api"
severity:
  description: V(critical), V(warning) or V(info).
  returned: when notified
  type: str
notification:
  description: The document sent (the webhook's body; its C(text) is the e-mail's body).
  returned: when notified
  type: dict
failed_names:
  description: Certificates reported as failed.
  returned: when notified
  type: list
  elements: str
expiring_names:
  description: Certificates reported as expiring within O(days_before_expiry) days and not renewed.
  returned: when notified
  type: list
  elements: str
renewed_names:
  description: Certificates reported as issued, renewed or deployed (with O(on_success)).
  returned: when notified
  type: list
  elements: str
webhook:
  description: The webhook's answer - C(url) (without user information and query), C(status), C(attempts).
  returned: when sent by webhook
  type: dict
  sample: {url: https://alerts.example.com/hooks/sslclm, status: 200, attempts: 1}
smtp:
  description: The mail server (C(server)), the C(recipients) it accepted and those it C(refused).
  returned: when sent by e-mail
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.module_support import run_module
from ansible_collections.sslclm.acme.plugins.module_utils.acme.notify import run


def argument_spec():
    webhook = dict(
        url=dict(type='str', required=True),
        secret=dict(type='str', no_log=True),
        signature_header=dict(type='str', default='X-Sslclm-Signature'),
        headers=dict(type='dict', no_log=True),
        attempts=dict(type='int', default=4),
        retry_delay=dict(type='float', default=1.0),
        timeout=dict(type='int', default=10),
        validate_certs=dict(type='bool', default=True),
        ca_bundle=dict(type='path'),
    )
    smtp = dict(
        host=dict(type='str', required=True),
        port=dict(type='int'),
        security=dict(type='str', choices=['starttls', 'tls', 'none'], default='starttls'),
        username=dict(type='str'),
        password=dict(type='str', no_log=True),
        sender=dict(type='str', required=True),
        to=dict(type='list', elements='str', required=True),
        timeout=dict(type='int', default=30),
        validate_certs=dict(type='bool', default=True),
        ca_bundle=dict(type='path'),
    )
    return dict(
        entries=dict(type='list', elements='dict', required=True),
        days_before_expiry=dict(type='float', default=14),
        on_success=dict(type='bool', default=False),
        origin=dict(type='str'),
        webhook=dict(type='dict', options=webhook),
        smtp=dict(type='dict', options=smtp),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    # standard library only: no ACME package needed
    run_module(module, lambda m: run(m.params, check_mode=m.check_mode), needs_deps=False)


if __name__ == '__main__':
    main()
