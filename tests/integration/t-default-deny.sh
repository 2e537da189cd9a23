#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# With the shipped default policy, unsolicited inbound TCP and UDP to
# listeners on the host are dropped (filtered, not refused), over IPv4 and
# IPv6, and a scan of closed ports sees them filtered too.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup

listen_tcp "$HOST" 8080
listen_udp "$HOST" 5353

# control: without fwd the listeners answer and closed ports are refused,
# so a "filtered" below is the firewall's doing
expect_many \
	"control: tcp/v4 open before fwd|tcp|$PEER|$H4|8080|open" \
	"control: tcp/v6 open before fwd|tcp|$PEER|$H6|8080|open" \
	"control: udp/v4 answers before fwd|udp|$PEER|$H4|5353|open" \
	"control: udp/v6 answers before fwd|udp|$PEER|$H6|5353|open" \
	"control: closed port refused before fwd|tcp|$PEER|$H4|7001|refused"

fwd_start

expect_many \
	"tcp/v4 listener filtered|tcp|$PEER|$H4|8080|filtered" \
	"tcp/v6 listener filtered|tcp|$PEER|$H6|8080|filtered" \
	"udp/v4 listener filtered|udp|$PEER|$H4|5353|filtered" \
	"udp/v6 listener filtered|udp|$PEER|$H6|5353|filtered" \
	"scan v4 7001 filtered|tcp|$PEER|$H4|7001|filtered" \
	"scan v4 7002 filtered|tcp|$PEER|$H4|7002|filtered" \
	"scan v4 7003 filtered|tcp|$PEER|$H4|7003|filtered" \
	"scan v4 22 filtered|tcp|$PEER|$H4|22|filtered" \
	"scan v4 443 filtered|tcp|$PEER|$H4|443|filtered" \
	"scan v6 7001 filtered|tcp|$PEER|$H6|7001|filtered" \
	"scan v6 22 filtered|tcp|$PEER|$H6|22|filtered" \
	"scan udp v4 7001 filtered|udp|$PEER|$H4|7001|filtered" \
	"scan udp v6 7001 filtered|udp|$PEER|$H6|7001|filtered"

# loopback is always accepted
expect_tcp "loopback v4 inside the host open" "$HOST" 127.0.0.1 8080 open
expect_tcp "loopback v6 inside the host open" "$HOST" ::1 8080 open

fwc_ok "fwctl status" status
expect_match "status says enabled" 'enabled' "$OUT"
expect_match "inbound policy drop" 'drop' "$OUT"

t_done
