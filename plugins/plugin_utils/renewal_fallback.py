# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issuer fallback in the renewal role: ``acme_cas.<name>.fallback`` names other CA instances, in order.

Pure data shaping: ``check_fallback`` refuses a fallback list that names an unknown CA instance, the
CA instance itself, one twice, or a CA instance whose connector is not defined - before anything is
enrolled; ``fallback_definitions`` turns the names into ``acme_enroll``'s ``fallback`` items.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError

# keys of an acme_cas entry that belong to the role, not to acme_ca (never in a ca_definition)
ROLE_KEYS = ('fallback', 'fallback_sticky')


def fallback_names(cas, name):
    names = (cas.get(name) or {}).get('fallback') or []
    if isinstance(names, str):
        names = [names]
    return list(names)


def check_fallback(cas, connectors, used):
    """Raise ``AcmeInputError`` for a fallback list of a CA instance in ``used`` that cannot work."""
    for name in used:
        names = fallback_names(cas, name)
        unknown = [n for n in names if n not in cas]
        if unknown:
            raise AcmeInputError('acme_cas.%s.fallback names CA instances that acme_cas does not define: %s'
                                 % (name, ', '.join(map(str, unknown))))
        if name in names or len(set(names)) != len(names):
            raise AcmeInputError('acme_cas.%s.fallback must name other CA instances, each once (got %s)'
                                 % (name, ', '.join(names)))
        for other in names:
            if (cas[other] or {}).get('connector') not in (connectors or {}):
                raise AcmeInputError('acme_cas.%s (in the fallback of %s) names connector %r, which acme_connectors '
                                     'does not define' % (other, name, (cas[other] or {}).get('connector')))


def ca_definition(definition, name):
    """An ``acme_cas`` entry as ``acme_enroll``'s ``ca_definition``: its name added, the role's own keys left out."""
    return dict(((k, v) for k, v in (definition or {}).items() if k not in ROLE_KEYS), name=name)


def fallback_definitions(cas, connectors, name):
    """``acme_enroll``'s ``fallback`` for CA instance ``name``: its fallback CA instances' definitions, in order."""
    check_fallback(cas, connectors, [name])
    return [{'connector_definition': connectors[cas[other]['connector']],
             'ca_definition': ca_definition(cas[other], other)} for other in fallback_names(cas, name)]
