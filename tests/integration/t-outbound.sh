#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Outbound is allowed by default and replies come back in (established),
# over IPv4 and IPv6, TCP and UDP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$PEER" 8080
listen_udp "$PEER" 5353
fwd_start

expect_many \
	"host -> peer tcp/v4|tcp|$HOST|$P4|8080|open" \
	"host -> peer tcp/v6|tcp|$HOST|$P6|8080|open" \
	"host -> peer udp/v4 reply comes back|udp|$HOST|$P4|5353|open" \
	"host -> peer udp/v6 reply comes back|udp|$HOST|$P6|5353|open" \
	"host -> peer closed port refused (RST is related)|tcp|$HOST|$P4|8081|refused" \
	"host -> peer closed udp port refused (ICMP is related)|udp|$HOST|$P4|8081|refused"

# and the opposite direction is still closed
expect_tcp "peer -> host still filtered" "$PEER" "$H4" 8080 filtered

t_done
