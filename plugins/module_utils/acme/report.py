# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificate report of a convergence run: JSON, a self-contained HTML page with an expiry
timeline, and a Prometheus textfile (node_exporter's textfile collector)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import html
import json
import os

from ansible_collections.sslclm.acme.plugins.module_utils.errors import AcmeInputError
from ansible_collections.sslclm.acme.plugins.module_utils.host.files import atomic_write

STATUS_ORDER = ('failed', 'renewed', 'issued', 'deployed', 'current', 'decommissioned', 'unmanaged')
# not (or no longer) in the desired state: reported, never alerted on (no Prometheus series, no notification)
UNTRACKED = ('decommissioned', 'unmanaged')
METRIC_PREFIX = 'sslclm_acme_certificate_'
LABELS = {'renewed': 'RENEWED', 'issued': 'ISSUED', 'deployed': 'DEPLOYED', 'current': 'NOT DUE', 'failed': 'FAILED',
          'decommissioned': 'RETIRED', 'unmanaged': 'UNMANAGED'}


def _parse(value):
    if not value:
        return None
    return datetime.datetime.strptime(value, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)


def _issuer(entry):
    """'; issued by CA (fallback from ...: why)' when a CA instance of the fallback chain other than ``ca`` issued."""
    if not entry.get('issuer_ca') or entry['issuer_ca'] == entry.get('ca'):
        return ''
    return '; issued by %s%s' % (entry['issuer_ca'], ' (%s)' % entry['fallback'] if entry.get('fallback') else '')


def summarise(entries, now):
    """→ (counts per status, one line per certificate, and a last line with the run's retries)."""
    counts = dict((status, 0) for status in STATUS_ORDER)
    lines = []
    for entry in sorted(entries, key=lambda e: (STATUS_ORDER.index(e['status']), e['name'])):
        counts[entry['status']] += 1
        label = '%-8s %s' % (LABELS[entry['status']], entry['name'])
        if entry['status'] == 'failed':
            lines.append('%s: %s' % (label, entry.get('msg') or entry.get('reason')))
        elif entry['status'] == 'current':
            lines.append('%s: next renewal %s (expires %s)' % (label, entry.get('renew_at') or '-', entry.get('not_after')))
        elif entry['status'] == 'decommissioned':
            lines.append('%s: %s; %s; hosts %s' % (label, entry.get('revocation') or 'not revoked',
                                                   entry.get('files') or 'files kept',
                                                   ', '.join(entry.get('hosts') or []) or '-'))
        elif entry['status'] == 'unmanaged':
            lines.append('%s: on %s, no longer in the inventory; left alone (expires %s)'
                         % (label, ', '.join(entry.get('hosts') or []) or '-', entry.get('not_after') or '-'))
        else:
            lines.append('%s: %s; expires %s%s' % (label, entry.get('reason', ''), entry.get('not_after'), _issuer(entry)))
    retries = sum(int(e.get('retries') or 0) for e in entries)
    if retries:
        lines.append('requests sent again (badNonce, server errors, connections): %d' % retries)
    return counts, lines


def render_json(entries, counts, now):
    return json.dumps({'generated': now.strftime('%Y-%m-%dT%H:%M:%SZ'), 'counts': counts,
                       'certificates': sorted(entries, key=lambda e: e['name'])}, indent=2, sort_keys=True)


def _days_left(entry, now):
    end = _parse(entry.get('not_after'))
    return None if end is None else (end - now).total_seconds() / 86400.0


def render_html(entries, counts, now):
    horizon = max([90.0] + [d for d in (_days_left(e, now) for e in entries) if d is not None])
    rows = []
    for entry in sorted(entries, key=lambda e: (_days_left(e, now) is None, _days_left(e, now) or 0, e['name'])):
        days = _days_left(entry, now)
        renew_days = None
        if entry.get('renew_at'):
            renew_days = (_parse(entry['renew_at']) - now).total_seconds() / 86400.0
        width = 0 if days is None else max(0.0, min(100.0, 100.0 * days / horizon))
        marker = '' if renew_days is None else (
            '<span class="renew" style="left:%.1f%%" title="renewal %s"></span>'
            % (max(0.0, min(100.0, 100.0 * renew_days / horizon)), html.escape(entry['renew_at'])))
        level = 'failed' if entry['status'] == 'failed' else ('soon' if days is not None and days < 14 else 'ok')
        rows.append(
            '<tr class="%s"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>'
            '<td><div class="bar"><span class="fill" style="width:%.1f%%"></span>%s</div></td><td>%s</td><td>%s</td></tr>' % (
                level, html.escape(entry['name']), html.escape(', '.join(entry.get('identifiers') or [])),
                html.escape((entry.get('ca') or '') + _issuer(entry)), html.escape(', '.join(entry.get('hosts') or [])),
                html.escape(entry['status']), width, marker,
                '%s<br><small>%s</small>' % (html.escape(entry.get('not_after') or '-'),
                                             '' if days is None else '%.1f days left' % days),
                html.escape(entry.get('next_action') or '')))
    summary = ' &middot; '.join('%d %s' % (counts[s], s) for s in STATUS_ORDER)
    return '''<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sslclm.acme certificates</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}table{border-collapse:collapse;width:100%%}
th,td{border-bottom:1px solid #ddd;padding:.4em .6em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f4f4f4}.bar{position:relative;background:#eee;height:1em;min-width:12em;border-radius:3px}
.fill{position:absolute;left:0;top:0;bottom:0;background:#3a9d5d;border-radius:3px}
tr.soon .fill{background:#e69a1d}tr.failed .fill{background:#c62828}tr.failed td{color:#b00020}
.renew{position:absolute;top:-3px;bottom:-3px;width:2px;background:#1f4e9b}
</style></head><body>
<h1>Certificates</h1>
<p>Generated %s UTC. %s. Bars show the time left until expiry (full width = %d days); the blue mark is the renewal moment.</p>
<table><thead><tr><th>Name</th><th>Identifiers</th><th>CA</th><th>Hosts</th><th>Status</th><th>Expiry timeline</th>
<th>Not after</th><th>Next action</th></tr></thead><tbody>
%s
</tbody></table></body></html>
''' % (now.strftime('%Y-%m-%d %H:%M'), summary, horizon, '\n'.join(rows))


def _labels(entry):
    def esc(value):
        return (value or '').replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')
    return '{name="%s",ca="%s"}' % (esc(entry['name']), esc(entry.get('ca')))


def parse_textfile(text):
    """Previous values per (metric, labels), so 'last success' survives runs that renew nothing."""
    values = {}
    for line in (text or '').splitlines():
        if line.startswith('#') or ' ' not in line:
            continue
        key, value = line.rsplit(' ', 1)
        try:
            values[key] = float(value)
        except ValueError:
            continue
    return values


def render_prometheus(entries, now, previous):
    metrics = (
        ('expiry_timestamp_seconds', 'When the certificate expires.'),
        ('renew_at_timestamp_seconds', 'When the certificate is due for renewal.'),
        ('last_success_timestamp_seconds', 'When the certificate was last issued or renewed successfully.'),
        ('last_failure_timestamp_seconds', 'When the last issuance or renewal of the certificate failed.'),
        ('failed', '1 if the last run failed for this certificate.'),
    )
    out = []
    # a retired or unmanaged certificate has no metrics: its series end, so no expiry alert fires for it
    entries = [e for e in entries if e['status'] not in UNTRACKED]
    for metric, help_text in metrics:
        name = METRIC_PREFIX + metric
        out.append('# HELP %s %s' % (name, help_text))
        out.append('# TYPE %s gauge' % name)
        for entry in sorted(entries, key=lambda e: e['name']):
            key = name + _labels(entry)
            value = None
            if metric == 'expiry_timestamp_seconds' and entry.get('not_after'):
                value = _parse(entry['not_after']).timestamp()
            elif metric == 'renew_at_timestamp_seconds' and entry.get('renew_at'):
                value = _parse(entry['renew_at']).timestamp()
            elif metric == 'last_success_timestamp_seconds':
                value = now.timestamp() if entry['status'] in ('renewed', 'issued', 'deployed') else previous.get(key)
            elif metric == 'last_failure_timestamp_seconds':
                value = now.timestamp() if entry['status'] == 'failed' else previous.get(key)
            elif metric == 'failed':
                value = 1 if entry['status'] == 'failed' else 0
            if value is not None:
                out.append('%s %s' % (key, repr(float(value)) if metric != 'failed' else value))
    return '\n'.join(out) + '\n'


def _write(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    atomic_write(path, text.encode('utf-8'), 0o644)


def write_reports(entries, json_path=None, html_path=None, prometheus_path=None, now=None):
    """Write the reports asked for (their directories are made when missing) → (counts, lines, paths)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    counts, lines = summarise(entries, now)
    written = []
    if json_path:
        _write(json_path, render_json(entries, counts, now))
        written.append(json_path)
    if html_path:
        _write(html_path, render_html(entries, counts, now))
        written.append(html_path)
    if prometheus_path:
        try:
            with open(prometheus_path) as handle:
                previous = parse_textfile(handle.read())
        except (IOError, OSError):
            previous = {}
        _write(prometheus_path, render_prometheus(entries, now, previous))
        written.append(prometheus_path)
    return counts, lines, written


def argument_spec():
    return dict(
        entries=dict(type='list', elements='dict', required=True),
        json_path=dict(type='path'),
        html_path=dict(type='path'),
        prometheus_path=dict(type='path'),
    )


def report_result(params, check_mode):
    """What ``acme_report`` returns for its validated ``params``: the reports written (none in check mode), counts,
    summary lines and the names that failed. AcmeInputError on an entry without a name or a known status."""
    entries = params['entries']
    for entry in entries:
        if entry.get('status') not in STATUS_ORDER or not entry.get('name'):
            raise AcmeInputError('each entry needs a name and a status of %s: %r' % (', '.join(STATUS_ORDER), entry))
    if check_mode:
        counts, lines = summarise(entries, None)
        paths = []
    else:
        counts, lines, paths = write_reports(entries, params['json_path'], params['html_path'], params['prometheus_path'])
    return dict(changed=bool(paths), counts=counts, summary=lines, paths=paths,
                failed_names=[e['name'] for e in entries if e['status'] == 'failed'])
