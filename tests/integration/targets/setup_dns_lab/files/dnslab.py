#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper for the DNS lab: look at what a server serves, poke a secondary, set up Route 53 zones in moto.

    dnslab.py txt SERVER NAME                 -> {"rcode", "aa", "values"}  (no recursion; SERVER ip or ip:port)
    dnslab.py notify SERVER ZONE              -> {"rcode"}  NOTIFY for ZONE, as its primary sends it
    dnslab.py r53 ENDPOINT zone NAME ADDRESS  -> {"id"}  hosted zone delegated to ns1.NAME at ADDRESS
    dnslab.py r53 ENDPOINT upsert ZONE_ID NAME TYPE VALUE...
    dnslab.py r53 ENDPOINT get ZONE_ID NAME TYPE        -> {"values": [...]} exactly as Route 53 stores them
    dnslab.py r53 ENDPOINT delete_zone ZONE_ID

Prints one JSON document. Runs with the controller's Python (dnspython, boto3).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import sys
import time

import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype


def _server(spec):
    host, sep, port = spec.rpartition(':') if spec.count(':') == 1 else (spec, '', '53')
    return host, int(port)


def txt(server, name):
    host, port = _server(server)
    query = dns.message.make_query(name, 'TXT')
    query.flags &= ~dns.flags.RD
    response = dns.query.udp(query, host, port=port, timeout=5)
    values = []
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.TXT:
            values.extend(b''.join(rdata.strings).decode() for rdata in rrset)
    return {'rcode': dns.rcode.to_text(response.rcode()), 'aa': bool(response.flags & dns.flags.AA), 'values': sorted(values)}


def notify(server, zone):
    host, port = _server(server)
    message = dns.message.make_query(zone, 'SOA')
    message.flags = dns.flags.AA  # the opcode lives in the flags word too: set it after
    message.set_opcode(dns.opcode.NOTIFY)
    response = dns.query.udp(message, host, port=port, timeout=5)
    return {'rcode': dns.rcode.to_text(response.rcode())}


def r53(endpoint, action, args):
    import boto3
    client = boto3.session.Session(aws_access_key_id='lab', aws_secret_access_key='lab').client(
        'route53', region_name='us-east-1', endpoint_url=endpoint)

    def change(zone_id, name, rtype, values, action='UPSERT'):
        client.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={'Changes': [{
            'Action': action, 'ResourceRecordSet': {'Name': name, 'Type': rtype, 'TTL': 60,
                                                    'ResourceRecords': [{'Value': v} for v in values]}}]})

    if action == 'zone':
        name, address = args
        zone_id = client.create_hosted_zone(Name=name, CallerReference='lab-%s-%s' % (name, time.time()))['HostedZone']['Id']
        change(zone_id, name + '.', 'NS', ['ns1.%s.' % name])
        change(zone_id, 'ns1.%s.' % name, 'A', [address])
        return {'id': zone_id}
    if action == 'upsert':
        change(args[0], args[1], args[2], args[3:])
        return {}
    if action == 'get':
        zone_id, name, rtype = args
        for rrset in client.list_resource_record_sets(HostedZoneId=zone_id)['ResourceRecordSets']:
            if rrset['Name'].rstrip('.') == name.rstrip('.') and rrset['Type'] == rtype:
                return {'values': [r['Value'] for r in rrset['ResourceRecords']]}
        return {'values': []}
    if action == 'delete_zone':
        zone_id = args[0]
        zone_name = client.get_hosted_zone(Id=zone_id)['HostedZone']['Name']
        for rrset in client.list_resource_record_sets(HostedZoneId=zone_id)['ResourceRecordSets']:
            if rrset['Type'] not in ('SOA', 'NS') or rrset['Name'] != zone_name:
                change(zone_id, rrset['Name'], rrset['Type'], [r['Value'] for r in rrset['ResourceRecords']], 'DELETE')
        client.delete_hosted_zone(Id=zone_id)
        return {}
    raise SystemExit('unknown r53 action %s' % action)


def main(argv):
    if argv[:1] == ['txt'] and len(argv) == 3:
        result = txt(argv[1], argv[2])
    elif argv[:1] == ['notify'] and len(argv) == 3:
        result = notify(argv[1], argv[2])
    elif argv[:1] == ['r53'] and len(argv) >= 3:
        result = r53(argv[1], argv[2], argv[3:])
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == '__main__':
    main(sys.argv[1:])
