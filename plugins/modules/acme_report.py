#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: acme_report
short_description: Write the certificate report of a convergence run (JSON, HTML, Prometheus)
version_added: 0.1.0
description:
  - Writes, atomically, a JSON report, a self-contained HTML page with an expiry timeline people can read at a glance,
    and a Prometheus textfile (expiry, renewal moment, last success, last failure per certificate) for
    node_exporter's textfile collector.
  - Returns an end-of-run summary - issued, renewed, deployed, not due with the next date, failed with the reason,
    and how many requests had to be sent again.
  - Runs on the controller.
author:
  - sslclm.acme developers (@sslclm)
attributes:
  check_mode:
    support: full
    description: Returns the summary without writing files.
  diff_mode:
    support: none
    description: Reports are rewritten on every run.
options:
  entries:
    description:
      - Report entries, as built by P(sslclm.acme.renewal_report_entries#filter), each with a C(status) of V(failed),
        V(renewed), V(issued), V(deployed) (issued by an earlier run, deployed now), V(current) or V(decommissioned)
        (retired with C(state=absent); no Prometheus series, so no expiry alert), and optional
        C(retries) (requests sent again), summed up on the summary's last line.
      - With issuer fallback, C(issuer_ca) (the CA instance that issued, when not C(ca)) and C(fallback) (why the
        others were passed over) are added to the summary line and the HTML page, as C(issued by X (fallback from ...)).
        The Prometheus series keep the label C(ca).
    type: list
    elements: dict
    required: true
  json_path:
    description: Where the JSON report is written.
    type: path
  html_path:
    description: Where the HTML report is written.
    type: path
  prometheus_path:
    description: Where the Prometheus textfile is written (a C(.prom) file in node_exporter's textfile directory).
    type: path
'''

EXAMPLES = r'''
- name: Reports of the run
  sslclm.acme.acme_report:
    entries:
      - name: www
        ca: le
        hosts: [web1, web2]
        identifiers: [www.example.com]
        status: current
        not_after: "2027-02-01T00:00:00Z"
        renew_at: "2027-01-02T00:00:00Z"
        next_action: renew at 2027-01-02T00:00:00Z
    json_path: /tmp/certificates.json
    html_path: /tmp/certificates.html
    prometheus_path: /tmp/sslclm_acme.prom
'''

RETURN = r'''
counts:
  description: Certificates per status.
  returned: always
  type: dict
  sample: {failed: 0, renewed: 1, issued: 0, deployed: 0, current: 4}
summary:
  description: One line per certificate.
  returned: always
  type: list
  elements: str
failed_names:
  description: Names of the certificates that failed.
  returned: always
  type: list
  elements: str
paths:
  description: Files written.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sslclm.acme.plugins.module_utils.acme.report import STATUS_ORDER, summarise, write_reports


def main():
    module = AnsibleModule(
        argument_spec=dict(
            entries=dict(type='list', elements='dict', required=True),
            json_path=dict(type='path'),
            html_path=dict(type='path'),
            prometheus_path=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    entries = params['entries']
    for entry in entries:
        if entry.get('status') not in STATUS_ORDER or not entry.get('name'):
            module.fail_json(msg='each entry needs a name and a status of %s: %r' % (', '.join(STATUS_ORDER), entry))
    if module.check_mode:
        counts, lines = summarise(entries, None)
        paths = []
    else:
        counts, lines, paths = write_reports(entries, params['json_path'], params['html_path'], params['prometheus_path'])
    module.exit_json(changed=bool(paths), counts=counts, summary=lines, paths=paths,
                     failed_names=[e['name'] for e in entries if e['status'] == 'failed'])


if __name__ == '__main__':
    main()
