#!/bin/sh
# A DNS-01 hook for dns01.provider command, writing to the lab's BIND with nsupdate:
#
#   nsupdate_hook.sh SERVER ZONE KEY_NAME LOG MODE present|cleanup FQDN VALUE
#
# The TSIG secret comes in the environment (HOOK_TSIG_SECRET), as a DNS API's credentials would.
# Each call appends "ACTION FQDN VALUE" to LOG. MODE makes it misbehave after doing its work:
# fail-present / fail-cleanup exit 3 with a message on stderr that quotes the secret,
# hang-present sleeps far beyond any time limit; ok does nothing more.
set -eu
server=$1 zone=$2 key_name=$3 log=$4 mode=$5 action=$6 fqdn=$7 value=$8
echo "$action $fqdn $value" >> "$log"
case "$action" in
    present) update="update add $fqdn 60 TXT \"$value\"" ;;
    cleanup) update="update delete $fqdn TXT \"$value\"" ;;
    *) echo "unknown action $action" >&2; exit 2 ;;
esac
keyfile=$(mktemp)
trap 'rm -f "$keyfile"' EXIT
printf 'key "%s" { algorithm hmac-sha256; secret "%s"; };\n' "$key_name" "$HOOK_TSIG_SECRET" > "$keyfile"
printf 'server %s\nzone %s\n%s\nsend\n' "$server" "$zone" "$update" | nsupdate -k "$keyfile"
case "$mode" in
    "fail-$action") echo "the DNS API refused $fqdn with key $HOOK_TSIG_SECRET" >&2; exit 3 ;;
    "hang-$action") sleep 120 ;;
esac
