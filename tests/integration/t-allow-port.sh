#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `fwctl allow in proto tcp port N` opens exactly N (IPv4 and IPv6); N+1
# and UDP N stay closed; a port without proto opens TCP and UDP; a range
# opens its ends and nothing outside; delete closes again.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081
listen_udp "$HOST" 8080
listen_tcp "$HOST" 9000
listen_udp "$HOST" 9000
listen_tcp "$HOST" 9100
listen_tcp "$HOST" 9102
listen_tcp "$HOST" 9103
fwd_start

fwc_ok "fwctl allow in proto tcp port 8080" allow in proto tcp port 8080
fwc_ok "fwctl add allow in port 9000 (tcp and udp)" add allow in port 9000
fwc_ok "fwctl allow in proto tcp port 9100-9102" allow in proto tcp port 9100-9102

expect_many \
	"tcp/v4 8080 open|tcp|$PEER|$H4|8080|open" \
	"tcp/v6 8080 open|tcp|$PEER|$H6|8080|open" \
	"tcp/v4 8081 still filtered|tcp|$PEER|$H4|8081|filtered" \
	"tcp/v6 8081 still filtered|tcp|$PEER|$H6|8081|filtered" \
	"udp 8080 still filtered (rule said tcp)|udp|$PEER|$H4|8080|filtered" \
	"tcp 9000 open (no proto)|tcp|$PEER|$H4|9000|open" \
	"udp/v4 9000 open (no proto)|udp|$PEER|$H4|9000|open" \
	"udp/v6 9000 open (no proto)|udp|$PEER|$H6|9000|open" \
	"range start 9100 open|tcp|$PEER|$H4|9100|open" \
	"range end 9102 open|tcp|$PEER|$H6|9102|open" \
	"9103 after the range filtered|tcp|$PEER|$H4|9103|filtered"

fwc_ok "fwctl list" list
expect_match "list shows the rule" 'allow in proto tcp port 8080' "$OUT"

# delete the 8080 rule by its id and see the port close again
id=$(rule_id "port 8080")
expect_match "rule 8080 has a numeric id" '^[0-9]+$' "$id"
fwc_ok "fwctl delete $id" delete "$id"
expect_tcp "8080 filtered after delete" "$PEER" "$H4" 8080 filtered
expect_tcp "9000 still open after deleting another rule" "$PEER" "$H4" 9000 open

t_done
