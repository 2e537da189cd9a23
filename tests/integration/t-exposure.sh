#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `fwctl exposure` lists every listening socket beyond loopback with the
# program, user and whether a remote peer can reach it; the reachable
# column must match what a port scan from the peer finds open. Its hint
# for an open port closes it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
for p in 9001 9002 9003 9004 9005 9009; do listen_tcp "$HOST" "$p"; done
for p in 9006 9007; do listen_udp "$HOST" "$p"; done
ip netns exec "$HOST" socat TCP4-LISTEN:9008,bind=127.0.0.1,fork,reuseaddr \
	SYSTEM:'echo hello-fwd' 2>/dev/null &
BG_PIDS+=($!)
wait_listen "$HOST" t 9008
fwd_start

fwc_ok "allow 9001" allow in proto tcp port 9001
fwc_ok "allow 9003 from $P4B only" allow in proto tcp port 9003 from "$P4B"
fwc_ok "allow 9004" allow in proto tcp port 9004
fwc_ok "deny 9004" deny in proto tcp port 9004
fwc_ok "reject 9005" reject in proto tcp port 9005
fwc_ok "allow udp 9006" allow in proto udp port 9006
fwc_ok "allow 9009 from a network the peer is not in" \
	allow in proto tcp port 9009 from 10.99.0.0/16

fwc_ok "exposure --json" --json exposure
printf '%s' "$OUT" >"$T/exp.json"

# reach PROTO PORT ADDR: the reachable field of that row ("None" if absent)
reach() {
	json_get "next((str(r['reachable']).lower() for r in rows if r['proto'] == '$1' and r['port'] == $2 and r['addr'] == '$3'), None)" <"$T/exp.json"
}
field() { # PROTO PORT ADDR FIELD
	json_get "next((r['$4'] for r in rows if r['proto'] == '$1' and r['port'] == $2 and r['addr'] == '$3'), None)" <"$T/exp.json"
}

# scan: open from any of the peer's addresses of that family
scan() { # PROTO PORT FAMILY(4|6)
	local dst src r
	if [ "$3" = 4 ]; then dst=$H4; set -- "$1" "$2" "$P4" "$P4B"
	else dst=$H6; set -- "$1" "$2" "$P6" "$P6B"; fi
	for src in "$3" "$4"; do
		r=$(probe_"$1" "$PEER" "$dst" "$2" "$src")
		[ "$r" = open ] && { echo true; return; }
	done
	echo false
}

rows=(
	"tcp 9001" "tcp 9002" "tcp 9003" "tcp 9004" "tcp 9005" "udp 9006" "udp 9007"
)
i=0
pids=()
for r in "${rows[@]}"; do
	read -r proto port <<<"$r"
	scan "$proto" "$port" 4 >"$T/scan4.$i" &
	pids+=($!)
	scan "$proto" "$port" 6 >"$T/scan6.$i" &
	pids+=($!)
	i=$((i + 1))
done
wait "${pids[@]}"   # not the listeners
i=0
for r in "${rows[@]}"; do
	read -r proto port <<<"$r"
	expect_eq "$proto $port IPv4: exposure agrees with the scan" \
		"$(cat "$T/scan4.$i")" "$(reach "$proto" "$port" 0.0.0.0)"
	expect_eq "$proto $port IPv6: exposure agrees with the scan" \
		"$(cat "$T/scan6.$i")" "$(reach "$proto" "$port" ::)"
	i=$((i + 1))
done

# what the scan found, written down, so agreement on nothing cannot pass
expect_eq "9001 reachable" true "$(reach tcp 9001 0.0.0.0)"
expect_eq "9002 not reachable" false "$(reach tcp 9002 0.0.0.0)"
expect_eq "9003 reachable (from one address)" true "$(reach tcp 9003 0.0.0.0)"
expect_eq "9003 from" "$P4B" "$(field tcp 9003 0.0.0.0 from)"
expect_eq "9004 not reachable (deny wins)" false "$(reach tcp 9004 0.0.0.0)"
expect_eq "9005 not reachable (reject)" false "$(reach tcp 9005 ::)"
expect_eq "udp 9006 reachable" true "$(reach udp 9006 ::)"
expect_eq "9009 reachable from 10.99.0.0/16" "10.99.0.0/16" "$(field tcp 9009 0.0.0.0 from)"
expect_eq "9001 via its rule" "$(rule_id 'port 9001')" "$(field tcp 9001 0.0.0.0 rule_id)"
expect_eq "9001 from anywhere" anywhere "$(field tcp 9001 0.0.0.0 from)"
expect_eq "the program is named" /usr/bin/socat "$(field tcp 9001 0.0.0.0 app)"
expect_eq "the user is named" root "$(field tcp 9001 0.0.0.0 user)"
expect_eq "a loopback-only listener is not listed" None "$(reach tcp 9008 127.0.0.1)"
expect_eq "blocked sockets get no hint" "" "$(field tcp 9002 0.0.0.0 hint)"

# text: the table and the hints under it
fwc_ok "exposure (text)" exposure
expect_match "text: header" '^PROTO +ADDRESS +PORT +PROGRAM +USER +REACHABLE +VIA' "$OUT"
expect_match "text: 9001 row" "^tcp +0\.0\.0\.0 +9001 +/usr/bin/socat +root +yes +rule [0-9]+" "$OUT"
expect_match "text: 9003 row names the source" "9003 .* yes +rule [0-9]+ from $P4B" "$OUT"
expect_match "text: 9002 row" "^tcp +0\.0\.0\.0 +9002 .* no +-" "$OUT"
expect_match "text: a hint for 9001" "9001/tcp .*close with: fwctl delete [0-9]+" "$OUT"

# following the hint closes the port
hint=$(field tcp 9001 0.0.0.0 hint)
cmd=${hint#close with: fwctl }
# shellcheck disable=SC2086
fwc_ok "follow the hint: fwctl $cmd" $cmd
fwc_ok "exposure after the hint" --json exposure
printf '%s' "$OUT" >"$T/exp.json"
expect_eq "9001 no longer reachable" false "$(reach tcp 9001 0.0.0.0)"
expect_tcp "9001 filtered after the hint" "$PEER" "$H4" 9001 filtered

# a broad rule gets a deny hint, which also closes the port
fwc_ok "allow a range" allow in proto tcp port 9001-9002
fwc_ok "exposure with the range" --json exposure
printf '%s' "$OUT" >"$T/exp.json"
hint=$(field tcp 9002 0.0.0.0 hint)
expect_eq "range: a deny hint" "close with: fwctl deny in proto tcp port 9002" "$hint"
expect_tcp "9002 open through the range" "$PEER" "$H4" 9002 open
cmd=${hint#close with: fwctl }
# shellcheck disable=SC2086
fwc_ok "follow the hint: fwctl $cmd" $cmd
expect_tcp "9002 filtered after the deny" "$PEER" "$H4" 9002 filtered
expect_tcp "9001 still open through the range" "$PEER" "$H4" 9001 open

# panic: nothing is reachable
fwc panic on
if [ "$RC" = 0 ]; then
	fwc_ok "exposure in panic mode" --json exposure
	printf '%s' "$OUT" >"$T/exp.json"
	expect_eq "panic: nothing reachable" "[]" \
		"$(json_get "[r['port'] for r in rows if r['reachable']]" <"$T/exp.json")"
	fwc_ok "panic off" panic off
else
	say "panic is not available in this build ($ERR); skipping the panic checks"
fi

make_user
fwc_as "$TEST_USER" exposure
expect_eq "an unprivileged user may list the exposure" 0 "$RC"

t_done
