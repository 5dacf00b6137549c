# -*- coding: utf-8 -*-
# Copyright: sslclm.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names, zones and TXT values: the pure logic every DNS provider shares (standard library only)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# RFC 1035 §3.3: one character-string holds at most 255 octets; longer TXT data is split.
MAX_STRING = 255


def normalize_name(name):
    """``'_ACME-Challenge.Example.COM.'`` → ``'_acme-challenge.example.com'`` (no trailing dot)."""
    return str(name or '').strip().rstrip('.').lower()


def is_subdomain(name, zone):
    """True when ``name`` is ``zone`` or below it, label by label (``ub.example.com`` is not under ``b.example.com``)."""
    name, zone = normalize_name(name), normalize_name(zone)
    return name == zone or name.endswith('.' + zone)


def zone_candidates(name):
    """Every suffix of ``name``, longest first: ``a.b.c`` → ``['a.b.c', 'b.c', 'c']``."""
    labels = normalize_name(name).split('.')
    return ['.'.join(labels[i:]) for i in range(len(labels)) if labels[i]]


def longest_suffix_match(name, zones):
    """The zone among ``zones`` (names, or ``(name, data)`` pairs) that holds ``name`` most specifically, or None.

    Returns the matching item as given. Ties (the same zone name twice) keep the first.
    """
    best, best_len = None, -1
    for zone in zones:
        zone_name = normalize_name(zone[0] if isinstance(zone, (tuple, list)) else zone)
        if is_subdomain(name, zone_name) and len(zone_name) > best_len:
            best, best_len = zone, len(zone_name)
    return best


def relative_name(name, zone):
    """``_acme-challenge.www`` for ``_acme-challenge.www.example.com`` in ``example.com``; ``@`` for the apex."""
    name, zone = normalize_name(name), normalize_name(zone)
    if not is_subdomain(name, zone):
        raise ValueError('%s is not in the zone %s' % (name, zone))
    return '@' if name == zone else name[:-len(zone) - 1]


def quote_txt(value):
    """A TXT value in zone-file presentation: ``"..."`` strings of at most 255 octets, ``"`` and ``\\`` escaped."""
    data = value.encode('utf-8') if not isinstance(value, bytes) else value
    chunks = [data[i:i + MAX_STRING] for i in range(0, len(data), MAX_STRING)] or [b'']
    return ' '.join('"%s"' % chunk.decode('utf-8', 'replace').replace('\\', '\\\\').replace('"', '\\"')
                    for chunk in chunks)


def unquote_txt(text):
    """Inverse of ``quote_txt``: ``'"ab" "cd"'`` → ``'abcd'``; text without quotes is returned as it is.

    Understands ``\\"``, ``\\\\`` and ``\\DDD`` escapes inside quoted strings.
    """
    text = (text or '').strip()
    if not text.startswith('"'):
        return text
    out, i, inside = [], 0, False
    while i < len(text):
        char = text[i]
        if not inside:
            if char == '"':
                inside = True
            i += 1
            continue
        if char == '"':
            inside = False
        elif char == '\\' and text[i + 1:i + 4].isdigit() and len(text[i + 1:i + 4]) == 3:
            out.append(chr(int(text[i + 1:i + 4])))
            i += 3
        elif char == '\\' and i + 1 < len(text):
            out.append(text[i + 1])
            i += 1
        else:
            out.append(char)
        i += 1
    return ''.join(out)


def _identity(value):
    return value


def missing_values(existing, wanted, key=_identity):
    """The values of ``wanted`` that ``existing`` lacks (once each, in order).

    ``key`` turns an item of ``existing`` into a plain value (for example ``unquote_txt``
    for Route53's quoted values, or a record's content). What this returns is what a
    provider adds, and so the only values it may remove later: a value that was already
    on the name belongs to someone else.
    """
    have = set(key(item) for item in existing)
    missing = []
    for value in wanted:
        if value not in have and value not in missing:
            missing.append(value)
    return missing


def without_values(existing, ours, key=_identity):
    """The items of ``existing`` whose value is not one of ``ours``, in order: what stays after our cleanup."""
    ours = set(ours)
    return [item for item in existing if key(item) not in ours]
