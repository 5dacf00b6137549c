# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that shape a fleet's desired state into the work of one convergence run (see the YAML docs beside)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_plan import deploy_names, deployed_path, plan, report_entries


def renewal_plan(hosts, store_dir):
    try:
        return plan(hosts, store_dir)
    except AcmeError as error:
        raise AnsibleFilterError(error.msg)


def renewal_report_entries(certificates, results, deploy_failures=None):
    return report_entries(certificates, results, deploy_failures)


def renewal_deploy_names(certificates, results, host):
    return deploy_names(certificates, results, host)


def renewal_discovery_item(certificate):
    return {'name': certificate.get('name'), 'path': deployed_path(certificate)}


def renewal_deploy_failure(result, host):
    return {'name': (result.get('item') or {}).get('name'), 'host': host, 'msg': result.get('msg')}


class FilterModule(object):
    def filters(self):
        return {
            'renewal_plan': renewal_plan,
            'renewal_report_entries': renewal_report_entries,
            'renewal_discovery_item': renewal_discovery_item,
            'renewal_deploy_names': renewal_deploy_names,
            'renewal_deploy_failure': renewal_deploy_failure,
        }
