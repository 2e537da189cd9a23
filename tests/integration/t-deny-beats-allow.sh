#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Block wins: a deny matching the packet beats any allow, whatever the order
# in which the rules were added.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 5000
listen_tcp "$HOST" 5001
listen_udp "$HOST" 5002
fwd_start

# allow first, then deny one peer
fwc_ok "allow port 5000" allow in proto tcp port 5000
fwc_ok "deny port 5000 from $P4B" deny in proto tcp port 5000 from "$P4B"
# deny first, then allow
fwc_ok "deny port 5001" deny in proto tcp port 5001
fwc_ok "allow port 5001" allow in proto tcp port 5001
# a deny without port beats an allowed port for that address
fwc_ok "allow udp port 5002" allow in proto udp port 5002
fwc_ok "deny from $P6B" deny in from "$P6B"

expect_many \
	"5000 from $P4 open|tcp|$PEER|$H4|5000|open|$P4" \
	"5000 from $P4B filtered (deny wins)|tcp|$PEER|$H4|5000|filtered|$P4B" \
	"5000 over IPv6 open|tcp|$PEER|$H6|5000|open|$P6" \
	"5001 filtered (deny added before allow)|tcp|$PEER|$H4|5001|filtered" \
	"udp 5002 from $P6 open|udp|$PEER|$H6|5002|open|$P6" \
	"udp 5002 from $P6B filtered|udp|$PEER|$H6|5002|filtered|$P6B" \
	"tcp 5000 from $P6B filtered|tcp|$PEER|$H6|5000|filtered|$P6B"

t_done
