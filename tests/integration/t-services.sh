#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The service catalog: `fwctl services` lists the shipped services (text
# and JSON); `allow in service https` opens exactly the service's ports
# (tcp 443 and udp 443, not 80); an unknown service is an error naming the
# closest ones and changes nothing.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 443
listen_udp "$HOST" 443
listen_tcp "$HOST" 80
listen_tcp "$HOST" 22
fwd_start

fwc_ok "services --json" --json services
names=$(printf '%s' "$OUT" | json_get '" ".join(r["name"] for r in d)')
expect_eq "22 services in the catalog" 22 "$(printf '%s' "$OUT" | json_get 'len(d)')"
for s in dhcp dhcpv6 dns http https imap imaps ipp kdeconnect mdns mysql nfs ntp \
	 postgresql rdp redis samba smtp ssh syncthing vnc wireguard; do
	expect_match "catalog lists $s" "(^| )$s( |\$)" "$names"
done
expect_eq "https ports" "tcp 443 udp 443" \
	"$(printf '%s' "$OUT" | json_get '[r["ports"] for r in d if r["name"] == "https"][0]')"
expect_eq "samba ports" "tcp 139,445 udp 137-138" \
	"$(printf '%s' "$OUT" | json_get '[r["ports"] for r in d if r["name"] == "samba"][0]')"
expect_match "every service has a description" '^True$' \
	"$(printf '%s' "$OUT" | json_get 'all(r["description"] for r in d)')"

fwc_ok "services (text)" services
expect_match "text: header" '^NAME +PORTS +DESCRIPTION' "$OUT"
expect_match "text: ssh row" '^ssh +tcp 22 +[A-Za-z]' "$OUT"
expect_eq "text: one line per service plus the header" 23 "$(printf '%s\n' "$OUT" | wc -l)"

fwc services extra
expect_eq "services takes no arguments: exit 2" 2 "$RC"

# a service rule opens the service's ports and nothing else
fwc_ok "allow in service https" allow in service https
expect_many \
	"https: tcp/v4 443 open|tcp|$PEER|$H4|443|open" \
	"https: tcp/v6 443 open|tcp|$PEER|$H6|443|open" \
	"https: udp/v4 443 open (HTTP/3)|udp|$PEER|$H4|443|open" \
	"https: udp/v6 443 open (HTTP/3)|udp|$PEER|$H6|443|open" \
	"https: tcp 80 stays filtered|tcp|$PEER|$H4|80|filtered" \
	"https: tcp 22 stays filtered|tcp|$PEER|$H4|22|filtered"
fwc_ok "list" list
expect_match "the rule is listed by service name" 'allow in service https' "$OUT"
fwc_ok "explain names the service rule" explain in udp 443 from "$P4"
expect_match "explain: udp 443 accepted by the service rule" 'ACCEPT' "$OUT"
expect_match "explain: ... which is the https rule" 'service https' "$OUT"

# unknown service: exit 1, the closest names suggested, nothing changed
before=$(status_field revision)
fwc allow in service htps
expect_eq "unknown service: exit 1" 1 "$RC"
expect_match "unknown service: says so" "unknown service 'htps'" "$ERR"
expect_match "unknown service: names the closest" "https" "$ERR"
expect_eq "unknown service: no new revision" "$before" "$(status_field revision)"
fwc allow in service sshh
expect_match "unknown service sshh: suggests ssh" "'ssh'" "$ERR"

# deleting the service rule closes its ports again
id=$(rule_id "service https")
fwc_ok "delete the https rule" delete "$id"
expect_many \
	"after delete: tcp 443 filtered|tcp|$PEER|$H4|443|filtered" \
	"after delete: udp 443 filtered|udp|$PEER|$H4|443|filtered"

t_done
