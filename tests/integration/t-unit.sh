#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `unit` rules are matched by the kernel (socket cgroupv2): the test lays
# out cgroups as systemd does (a slice with two services, created only for
# this test), runs listeners inside them, and checks that
#   - allow in unit S opens exactly S's sockets, IPv4, IPv6 and UDP;
#   - with fwd frozen (SIGSTOP), a new listener of S is reachable at once
#     and a port S gave up and another unit took is closed at once: no
#     daemon in the path, no window;
#   - deny in unit beats a port rule; a slice covers its services;
#   - a restarted unit (new cgroup) is matched again within the poll;
#   - deny out unit blocks that unit's connections and nobody else's;
#   - bad unit names are refused with their reason.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup

CGMNT=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' \
	/proc/self/mountinfo | head -n 1)
[ -n "$CGMNT" ] || skip "no cgroup v2 hierarchy mounted"
SLICE=fwt$$.slice
WEB=fwt$$-web.service
OTHER=fwt$$-other.service
mkdir "$CGMNT/$SLICE" 2>/dev/null || skip "cannot create a cgroup under $CGMNT"

# the test's processes are gone when this runs (lib.sh's cleanup)
cgroup_cleanup() {
	local d i
	for d in "$CGMNT/$SLICE/$WEB" "$CGMNT/$SLICE/$OTHER" "$CGMNT/$SLICE"; do
		[ -d "$d" ] || continue
		for i in $(seq 50); do
			rmdir "$d" 2>/dev/null && break
			[ -f "$d/cgroup.procs" ] && xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null
			sleep 0.1
		done
		[ -d "$d" ] && printf 'FAIL %s: cgroup %s left behind\n' "$TEST_NAME" "$d"
	done
}
CLEANUP_HOOKS+=(cgroup_cleanup)
mkdir "$CGMNT/$SLICE/$WEB" "$CGMNT/$SLICE/$OTHER" || fail "mkdir the unit cgroups"

# in_unit UNIT CMD...: run CMD in the host namespace inside UNIT's cgroup.
# Only in a subshell (& or $(...)): it execs, so $! is the command itself.
in_unit() {
	local cg=$CGMNT/$SLICE/$1
	shift
	exec sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" ip netns exec "$HOST" "$@"
}

# listen_unit UNIT PORT [udp]: a dual-stack listener of UNIT, in the background
listen_unit() {
	if [ "${3:-}" = udp ]; then
		in_unit "$1" socat UDP6-RECVFROM:"$2",ipv6only=0,fork \
			SYSTEM:'read -r l; echo pong' 2>/dev/null &
		BG_PIDS+=($!)
		wait_listen "$HOST" u "$2"
	else
		in_unit "$1" socat TCP6-LISTEN:"$2",ipv6only=0,fork,reuseaddr \
			SYSTEM:'echo hello-fwd' 2>/dev/null &
		BG_PIDS+=($!)
		wait_listen "$HOST" t "$2"
	fi
	LAST_BG=$!
}

# connect_from UNIT|- ADDR PORT: open | blocked | other, from inside UNIT (- = none)
connect_from() {
	if [ "$1" = - ]; then
		connect_out "$2" "$3"
	else
		connect_out "$2" "$3" in_unit "$1"
	fi
}

listen_unit "$WEB" 7101
listen_unit "$WEB" 7102 udp
listen_unit "$OTHER" 7103
listen_tcp "$HOST" 7104                 # outside the test's units
listen_tcp "$PEER" 8080
FWD_CGROUP_MOUNT=1
fwd_start

# --- bad names: refused with the reason, nothing stored ---
n_before=$(status_field rules)
fwc allow in unit "fwt$$-web.socket"
expect_eq "a .socket unit is refused (exit 1)" 1 "$RC"
expect_match "the reason names the .service" "name the .service it starts" "$ERR"
fwc allow in unit fwtweb
expect_eq "a name without a unit type is refused" 1 "$RC"
fwc allow in unit "$WEB" user root
expect_eq "unit with user is refused" 1 "$RC"
expect_match "and says why" "'unit' and 'user' do not mix" "$ERR"
expect_eq "nothing was stored" "$n_before" "$(status_field rules)"

# --- allow in unit: exactly the unit's sockets ---
fwc_ok "allow in unit WEB" allow in unit "$WEB"
expect_match "the kernel matches the socket's cgroup" "socket cgroupv2 level 2" "$(nft_host)"
expect_many \
	"WEB's tcp port over IPv4|tcp|$PEER|$H4|7101|open" \
	"WEB's tcp port over IPv6|tcp|$PEER|$H6|7101|open" \
	"OTHER's port stays filtered|tcp|$PEER|$H4|7103|filtered" \
	"a port outside the units stays filtered|tcp|$PEER|$H4|7104|filtered"
expect_udp "WEB's udp port over IPv4" "$PEER" "$H4" 7102 open
expect_udp "WEB's udp port over IPv6" "$PEER" "$H6" 7102 open
# exposure is exact for unit rules: it knows each socket's cgroup
reach() {
	"$FWCTL" --socket "$T/fwd.sock" --json exposure | json_get \
		"sorted(set(str(r['reachable']) for r in rows if r['port'] == $1 and r['proto'] == '$2'))"
}
expect_eq "exposure: WEB's tcp port is reachable" "['True']" "$(reach 7101 tcp)"
expect_eq "exposure: WEB's udp port is reachable" "['True']" "$(reach 7102 udp)"
expect_eq "exposure: OTHER's port is not" "['False']" "$(reach 7103 tcp)"
expect_eq "exposure: the port outside the units is not" "['False']" "$(reach 7104 tcp)"

# --- no daemon in the path: freeze fwd, then change listeners ---
kill -STOP "$FWD_PID"
listen_unit "$WEB" 7105
expect_tcp "fwd frozen: WEB's brand-new listener is reachable at once" "$PEER" "$H4" 7105 open
kill "$LAST_BG" 2>/dev/null
for _ in $(seq 50); do
	ip netns exec "$HOST" ss -lnt "sport = :7105" | grep -q :7105 || break
	sleep 0.1
done
listen_unit "$OTHER" 7105
expect_tcp "fwd frozen: the port WEB gave up and OTHER took is closed at once" \
	"$PEER" "$H4" 7105 filtered
kill -CONT "$FWD_PID"

# --- block wins; a slice covers its services ---
fwc_ok "allow in proto tcp port 7103" allow in proto tcp port 7103
expect_tcp "port rule opens OTHER's port" "$PEER" "$H4" 7103 open
fwc_ok "deny in unit OTHER" deny in unit "$OTHER"
expect_tcp "deny unit beats the port rule" "$PEER" "$H4" 7103 filtered
expect_tcp "deny of OTHER leaves WEB open" "$PEER" "$H4" 7101 open
fwc_ok "delete the deny" delete "$(rule_id "deny in unit $OTHER")"
fwc_ok "delete the port rule" delete "$(rule_id "port 7103")"
fwc_ok "allow in unit SLICE" allow in unit "$SLICE" proto tcp
expect_match "a slice is matched one level up" "socket cgroupv2 level 1" "$(nft_host)"
expect_tcp "the slice rule opens OTHER's tcp port" "$PEER" "$H4" 7103 open
fwc_ok "delete the slice rule" delete "$(rule_id "unit $SLICE")"
expect_tcp "OTHER closed again" "$PEER" "$H4" 7103 filtered

# --- a unit not running matches nothing; a restarted one is found again ---
fwc_ok "allow in unit that is not running" allow in unit "fwt$$-later.service" proto tcp port 7106
listen_tcp "$HOST" 7106
expect_tcp "a process outside the unit gets nothing from it" "$PEER" "$H4" 7106 filtered
old_id=$(stat -c %i "$CGMNT/$SLICE/$WEB")
xargs -r kill <"$CGMNT/$SLICE/$WEB/cgroup.procs" 2>/dev/null
for _ in $(seq 50); do rmdir "$CGMNT/$SLICE/$WEB" 2>/dev/null && break; sleep 0.1; done
expect_eq "WEB stopped (its cgroup is gone)" no "$([ -d "$CGMNT/$SLICE/$WEB" ] && echo yes || echo no)"
mkdir "$CGMNT/$SLICE/$WEB"
new_id=$(stat -c %i "$CGMNT/$SLICE/$WEB")
expect_ne "the restarted unit has a new cgroup id" "$old_id" "$new_id"
listen_unit "$WEB" 7101
ok=
for _ in $(seq 25); do
	nft_host | grep -q "\b$new_id\b" && { ok=1; break; }
	sleep 0.1
done
expect_eq "the new cgroup id is in force within the 1 s poll (+ margin)" 1 "${ok:-0}"
expect_nomatch "the old id is gone from the kernel" "\b$old_id\b" "$(nft_host)"
expect_tcp "the restarted WEB is reachable" "$PEER" "$H4" 7101 open

# --- outbound: exactly the unit's connections ---
expect_eq "before: OTHER may connect out" open "$(connect_from "$OTHER" "$P4" 8080)"
fwc_ok "deny out unit OTHER" deny out unit "$OTHER"
expect_eq "OTHER cannot connect out (v4)" blocked "$(connect_from "$OTHER" "$P4" 8080)"
expect_eq "OTHER cannot connect out (v6)" blocked "$(connect_from "$OTHER" "$P6" 8080)"
expect_eq "WEB still connects out" open "$(connect_from "$WEB" "$P4" 8080)"
expect_eq "a process outside the units still connects out" open "$(connect_from - "$P4" 8080)"

# --- what users see ---
fwc_ok "fwctl list" list
expect_match "list shows the unit rule" "allow in unit $WEB" "$OUT"
fwc_ok "fwctl status" status
ip netns exec "$HOST" nft list ruleset >/dev/null 2>&1
expect_eq "nft can still list the table" 0 "$?"
roundtrip_check

# --- no cgroup v2 where fwd runs: unit rules match nothing, and status says so ---
fwd_stop_quietly
FWD_CGROUP_MOUNT=
fwd_start
expect_match "without cgroup v2 status names the problem" "no cgroup v2" "$(status_field problem)"
expect_tcp "and the unit's port stays closed" "$PEER" "$H4" 7101 filtered
for id in $("$FWCTL" --socket "$T/fwd.sock" list --json | json_get \
	"' '.join(str(r['id']) for r in rows if ' unit ' in r['rule'])"); do
	fwc delete "$id" >/dev/null
done
expect_eq "with no unit rule left, no problem" "" "$(status_field problem)"

t_done noroundtrip
