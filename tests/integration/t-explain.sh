#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `fwctl explain` against the kernel: for a set of packets (TCP ports that
# are allowed, denied, rejected, rate-limited, allowed only from one peer
# address; UDP allowed, unlisted, rejected; IPv4 and IPv6) explain must
# give the verdict and rule written down here, and a real connection
# attempt from the peer must end the way that verdict says:
# accept -> connects, drop -> times out, reject -> refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
for p in 8001 8002 8003 8004 8005 8006 8010; do listen_tcp "$HOST" "$p"; done
for p in 8007 8008 8009; do listen_udp "$HOST" "$p"; done
fwd_start

fwc_ok "allow 8001" allow in proto tcp port 8001
fwc_ok "allow 8002" allow in proto tcp port 8002
fwc_ok "deny 8002" deny in proto tcp port 8002
fwc_ok "reject 8003" reject in proto tcp port 8003
fwc_ok "limit 8004" add limit 100/minute in proto tcp port 8004
fwc_ok "allow 8005 from $P4B only" allow in proto tcp port 8005 from "$P4B"
fwc_ok "allow 8006" allow in proto tcp port 8006
fwc_ok "deny 8006 from $P4B" deny in proto tcp port 8006 from "$P4B"
fwc_ok "allow udp 8007" allow in proto udp port 8007
fwc_ok "reject udp 8009" reject in proto udp port 8009
fwc_ok "allow 8010 on veth0 only" allow in proto tcp port 8010 iface veth0

id_allow2=$(rule_id "allow in proto tcp port 8002")
id_deny2=$(rule_id "deny in proto tcp port 8002")

# explain PROTO PORT SRC: sets VERDICT, RULE_ID, WHY
explain() {
	fwc --json explain in "$1" "$2" from "$3"
	VERDICT=$(printf '%s' "$OUT" | json_get 'obj["verdict"]' 2>&1)
	RULE_ID=$(printf '%s' "$OUT" | json_get 'obj["rule_id"]' 2>&1)
	WHY=$(printf '%s' "$OUT" | json_get 'obj["why"]' 2>&1)
}

kernel_of() {
	case $1 in accept) echo open ;; drop) echo filtered ;; reject) echo refused ;;
	*) echo "unknown verdict $1" ;; esac
}

# each: PROTO PORT SRC DST EXPECTED-VERDICT EXPECTED-RULE-TEXT (- = policy)
cases=(
	"tcp 8001 $P4 $H4 accept allow in proto tcp port 8001"
	"tcp 8001 $P6 $H6 accept allow in proto tcp port 8001"
	"tcp 8002 $P4 $H4 drop deny in proto tcp port 8002"
	"tcp 8003 $P4 $H4 reject reject in proto tcp port 8003"
	"tcp 8003 $P6 $H6 reject reject in proto tcp port 8003"
	"tcp 8004 $P4 $H4 accept limit 100/minute in proto tcp port 8004"
	"tcp 8005 $P4B $H4 accept allow in proto tcp port 8005 from $P4B"
	"tcp 8005 $P4 $H4 drop -"
	"tcp 8006 $P4 $H4 accept allow in proto tcp port 8006"
	"tcp 8006 $P4B $H4 drop deny in proto tcp port 8006 from $P4B"
	"tcp 8011 $P4 $H4 drop -"
	"udp 8007 $P4 $H4 accept allow in proto udp port 8007"
	"udp 8007 $P6 $H6 accept allow in proto udp port 8007"
	"udp 8008 $P4 $H4 drop -"
	"udp 8009 $P4 $H4 reject reject in proto udp port 8009"
)

specs=()
for c in "${cases[@]}"; do
	read -r proto port src dst want text <<<"$c"
	explain "$proto" "$port" "$src"
	expect_eq "explain in $proto $port from $src: verdict" "$want" "$VERDICT"
	if [ "$text" = - ]; then
		expect_eq "explain in $proto $port from $src: decided by the policy" 0 "$RULE_ID"
		expect_match "explain in $proto $port from $src: why names the policy" \
			'policy in drop' "$WHY"
	else
		expect_eq "explain in $proto $port from $src: rule" "$(rule_id "$text")" "$RULE_ID"
	fi
	specs+=("kernel agrees: $proto $port from $src ($VERDICT)|$proto|$PEER|$dst|$port|$(kernel_of "$VERDICT")|$src")
done
expect_many "${specs[@]}"

# block wins, and the why says so
explain tcp 8002 "$P4"
expect_eq "8002: the deny decides" "$id_deny2" "$RULE_ID"
expect_match "8002: the why names the allow that lost" \
	"rule $id_allow2 \\(allow in proto tcp port 8002\\) also matches, but block rules win" "$WHY"

# an interface rule: unknown interface decides nothing, the right one does
fwc --json explain in tcp 8010
expect_eq "8010 without an interface: the policy" drop \
	"$(printf '%s' "$OUT" | json_get 'obj["verdict"]')"
expect_match "8010 without an interface: the why names veth0" 'interface veth0' "$OUT"
expect_tcp "8010 is open from the peer through veth0" "$PEER" "$H4" 8010 open

# text output, as documented
fwc_ok "explain text" explain in tcp 8005 from 192.0.2.7
expect_match "text: header line" '^in tcp 8005 from 192\.0\.2\.7: DROP$' "$OUT"
expect_match "text: why names the policy" '^  by policy in drop: no rule allows it' "$OUT"
fwc explain out tcp 443 to 192.0.2.7
expect_match "out with the default policy accepts" 'ACCEPT' "$OUT"
fwc explain in icmp from "$P4"
expect_match "ping is answered (rate-limited)" 'ACCEPT' "$OUT"
if ping_ok "$PEER" "$H4"; then pass "ping gets through"; else fail "ping gets through"; fi

# bad input: usage errors with a message
fwc explain in tcp 22 from 10.0.0.0/8
expect_eq "a network instead of an address: exit 2" 2 "$RC"
expect_match "... says so" 'not a network' "$ERR"
fwc explain in sctp 22
expect_eq "unknown protocol: exit 2" 2 "$RC"
fwc explain in icmp 8
expect_eq "icmp with a port: exit 2" 2 "$RC"
fwc explain sideways tcp 22
expect_eq "bad direction: exit 2" 2 "$RC"

# any user may ask
make_user
fwc_as "$TEST_USER" explain in tcp 8001 from "$P4"
expect_eq "an unprivileged user may explain" 0 "$RC"

t_done
