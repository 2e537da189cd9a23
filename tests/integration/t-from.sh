#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `from ADDR` narrows an exception to one peer address; a prefix to a
# network; an IPv4 address narrows the rule to IPv4.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
listen_tcp "$HOST" 2222
listen_tcp "$HOST" 3333
listen_tcp "$HOST" 4444
fwd_start

fwc_ok "allow port 2222 from $P4" allow in proto tcp port 2222 from "$P4"
fwc_ok "allow port 3333 from $P6B" allow in proto tcp port 3333 from "$P6B"
fwc_ok "allow port 4444 from 10.77.$NET.0/24" allow in proto tcp port 4444 from "10.77.$NET.0/24"

expect_many \
	"2222 from $P4 open|tcp|$PEER|$H4|2222|open|$P4" \
	"2222 from $P4B filtered|tcp|$PEER|$H4|2222|filtered|$P4B" \
	"2222 over IPv6 filtered (rule is IPv4 only)|tcp|$PEER|$H6|2222|filtered|$P6" \
	"3333 from $P6B open|tcp|$PEER|$H6|3333|open|$P6B" \
	"3333 from $P6 filtered|tcp|$PEER|$H6|3333|filtered|$P6" \
	"3333 over IPv4 filtered|tcp|$PEER|$H4|3333|filtered|$P4" \
	"4444 from $P4 (in /24) open|tcp|$PEER|$H4|4444|open|$P4" \
	"4444 from $P4B (in /24) open|tcp|$PEER|$H4|4444|open|$P4B" \
	"4444 over IPv6 filtered|tcp|$PEER|$H6|4444|filtered|$P6"

t_done
