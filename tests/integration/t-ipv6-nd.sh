#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# IPv6 keeps working with the firewall on: neighbour discovery in both
# directions after the neighbour caches are flushed, echo both ways, and
# IPv4 echo too.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
fwd_start

flush() {
	ip -n "$HOST" neigh flush dev veth0
	ip -n "$PEER" neigh flush dev veth1
}

flush
if ping_ok "$PEER" "$H6"; then pass "ping -6 peer -> host after flush"
else fail "ping -6 peer -> host after flush"; sed 's/^/       | /' "$T/ping.out"; fi
flush
if ping_ok "$HOST" "$P6"; then pass "ping -6 host -> peer after flush"
else fail "ping -6 host -> peer after flush"; sed 's/^/       | /' "$T/ping.out"; fi
expect_match "host learned the peer's link-layer address" \
	'lladdr' "$(ip -n "$HOST" -6 neigh show "$P6")"

# link-local, the address ND itself uses
ll=$(ip -n "$HOST" -6 addr show dev veth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2 }')
flush
if ping_ok "$PEER" "$ll%veth1"; then pass "ping -6 peer -> host link-local $ll"
else fail "ping -6 peer -> host link-local $ll"; sed 's/^/       | /' "$T/ping.out"; fi

flush
if ping_ok "$PEER" "$H4"; then pass "ping peer -> host IPv4"
else fail "ping peer -> host IPv4"; sed 's/^/       | /' "$T/ping.out"; fi
if ping_ok "$HOST" "$P4"; then pass "ping host -> peer IPv4"
else fail "ping host -> peer IPv4"; sed 's/^/       | /' "$T/ping.out"; fi

# TCP over IPv6 after a flush: ND must work for connections too
listen_tcp "$HOST" 8443
fwc_ok "allow in proto tcp port 8443" allow in proto tcp port 8443
flush
expect_tcp "tcp/v6 to an allowed port after flush" "$PEER" "$H6" 8443 open

t_done
