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
  - Runs on the controller. There (a local connection without become, as with C(delegate_to=localhost)) its action
    plugin writes the reports itself, without a module start; on another target, or with become, the module runs
    there.
author:
  - sslclm.acme developers (@sslclm)
attributes:
  action:
    support: full
    description: On the controller the action plugin writes the reports in its own process.
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
        V(renewed), V(issued), V(deployed) (issued by an earlier run, deployed now), V(current), V(decommissioned)
        (retired with C(state=absent)) or V(unmanaged) (deployed by the collection, no longer in the inventory; left
        alone) - these two have no Prometheus series, so no expiry alert - and optional
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

from ansible_collections.sslclm.acme.plugins.module_utils.acme.report import argument_spec, report_result
from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    try:
        result = report_result(module.params, module.check_mode)
    except AcmeError as error:
        module.fail_json(msg=error.msg)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
