# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that shape a fleet's desired state into the work of one convergence run (see the YAML docs beside)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeError
from ansible_collections.sslclm.acme.plugins.module_utils.host.discover import item_of_entry
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_fallback import ca_definition, check_fallback, fallback_definitions
from ansible_collections.sslclm.acme.plugins.plugin_utils.renewal_plan import (
    enroll_items,
    outcome,
    plan,
    report_entries,
)

display = Display()


def _deprecated(messages):
    for message in messages:
        display.deprecated(message, version='1.0.0', collection_name='sslclm.acme')


def renewal_plan(hostvars, hosts, store_dir, force=None, cas=None, legacy=None, connectors=None):
    try:
        run = plan(hostvars, hosts, store_dir, force, cas)
        if cas is not None and connectors is not None:
            check_fallback(cas, connectors, run['cas'])
    except AcmeError as error:
        raise AnsibleFilterError(error.msg)
    legacy = ['%s is deprecated, use acme_%s' % (name, name.split('_', 1)[1]) for name in legacy or []]
    _deprecated(run.pop('deprecations') + legacy)
    return run


def renewal_ca_definition(definition, name):
    """A CA instance of the inventory as ``acme_enroll``'s ``ca_definition`` (``validation`` → ``default_validation``)."""
    result = ca_definition(definition, name)
    if 'validation' in result:
        _deprecated(['acme_cas.%s.validation is deprecated, use default_validation' % name])
        result.setdefault('default_validation', result.pop('validation'))
        result.pop('validation', None)
    return result


def renewal_fallback(name, cas, connectors):
    try:
        return fallback_definitions(cas or {}, connectors or {}, name)
    except AcmeError as error:
        raise AnsibleFilterError(error.msg)


def renewal_enroll_items(certificates, hostvars):
    return enroll_items(certificates, hostvars)


def renewal_outcome(run, enrolled):
    return outcome(run, enrolled)


def renewal_report_entries(run, done, deployed=None, revoked=None, removed=None):
    return report_entries(run, done, deployed, revoked, removed)


def renewal_discovery_item(certificate):
    return item_of_entry(certificate)


class FilterModule(object):
    def filters(self):
        return {
            'renewal_plan': renewal_plan,
            'renewal_ca_definition': renewal_ca_definition,
            'renewal_fallback': renewal_fallback,
            'renewal_enroll_items': renewal_enroll_items,
            'renewal_outcome': renewal_outcome,
            'renewal_report_entries': renewal_report_entries,
            'renewal_discovery_item': renewal_discovery_item,
        }
