#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `allow in user U1` opens only the ports of sockets U1 owns; `group` those
# of the group's members (supplementary membership included); a deny user
# rule beats a port rule. Outbound, `deny out user U2` blocks U2's
# connections and nobody else's (meta skuid in the kernel).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
command -v useradd >/dev/null || skip "useradd not installed"

U1=fwta$$
U2=fwtb$$
G=fwtg$$
MY_USERS=()
MY_GROUP=

# lib.sh's cleanup removes one TEST_USER; these are ours
owner_cleanup() {
	local rc=$? u
	for u in "${MY_USERS[@]}"; do
		remove_user "$u"
	done
	[ -n "$MY_GROUP" ] && groupdel "$MY_GROUP" 2>/dev/null
	return $rc
}
trap 'owner_cleanup; cleanup' EXIT

groupadd --system "$G" || skip "groupadd failed"
MY_GROUP=$G
for u in "$U1" "$U2"; do
	useradd --system --no-create-home --shell /usr/sbin/nologin "$u" ||
		skip "useradd failed"
	MY_USERS+=("$u")
done
usermod -a -G "$G" "$U2" || fail "usermod -a -G $G $U2"

# as USER CMD...: in the host namespace with USER's uid, gid and groups
as() {
	local u=$1
	shift
	ip netns exec "$HOST" setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups "$@"
}

# listen_as USER PORT: a dual-stack TCP listener owned by USER
listen_as() {
	as "$1" socat TCP6-LISTEN:"$2",ipv6only=0,fork,reuseaddr \
		SYSTEM:'echo hello-fwd' 2>/dev/null &
	BG_PIDS+=($!)
	wait_listen "$HOST" t "$2"
}

# connect_as USER ADDR PORT: open | blocked | other:... (root: no uid change)
connect_as() {
	if [ "$1" = root ]; then
		connect_out "$2" "$3"
	else
		connect_out "$2" "$3" as "$1"
	fi
}

listen_as "$U1" 9101
listen_as "$U2" 9102
listen_tcp "$HOST" 9103                 # root's
listen_tcp "$PEER" 8080
fwd_start

fwc_ok "allow in user U1" allow in user "$U1"
expect_many \
	"U1's port over IPv4|tcp|$PEER|$H4|9101|open" \
	"U1's port over IPv6|tcp|$PEER|$H6|9101|open" \
	"U2's port stays filtered|tcp|$PEER|$H4|9102|filtered" \
	"root's port stays filtered|tcp|$PEER|$H4|9103|filtered"

fwc_ok "allow in user by uid" allow in user "$(id -u "$U2")" proto udp
expect_tcp "a udp-only user rule does not open U2's tcp port" "$PEER" "$H4" 9102 filtered
fwc_ok "delete it" delete "$(last_rule_id)"

fwc_ok "allow in group G (U2 is a supplementary member)" allow in group "$G"
expect_many \
	"group member U2's port opens|tcp|$PEER|$H4|9102|open" \
	"group member U2's port opens over IPv6|tcp|$PEER|$H6|9102|open" \
	"root (not a member) stays filtered|tcp|$PEER|$H4|9103|filtered"
fwc_ok "delete the group rule" delete "$(rule_id "group $G")"
expect_tcp "U2's port closed again" "$PEER" "$H4" 9102 filtered

# block wins
fwc_ok "allow in proto tcp port 9101" allow in proto tcp port 9101
fwc_ok "deny in user U1" deny in user "$U1"
expect_many \
	"deny user U1 beats the allow rules (v4)|tcp|$PEER|$H4|9101|filtered" \
	"deny user U1 beats the allow rules (v6)|tcp|$PEER|$H6|9101|filtered"
fwc_ok "delete the deny" delete "$(rule_id "deny in user $U1")"
expect_tcp "U1 open again" "$PEER" "$H4" 9101 open

# outbound, exactly in the kernel
expect_eq "before: U2 may connect out" open "$(connect_as "$U2" "$P4" 8080)"
fwc_ok "deny out user U2" deny out user "$U2"
expect_eq "U2 cannot connect out (v4)" blocked "$(connect_as "$U2" "$P4" 8080)"
expect_eq "U2 cannot connect out (v6)" blocked "$(connect_as "$U2" "$P6" 8080)"
expect_eq "U1 still connects out" open "$(connect_as "$U1" "$P4" 8080)"
expect_eq "root still connects out" open "$(connect_as root "$P4" 8080)"
expect_eq "root still connects out (v6)" open "$(connect_as root "$P6" 8080)"
expect_tcp "U1's inbound exception is not affected by the outbound rule" \
	"$PEER" "$H4" 9101 open
fwc_ok "delete the outbound deny" delete "$(rule_id "deny out user $U2")"
expect_eq "U2 connects out again" open "$(connect_as "$U2" "$P4" 8080)"

t_done
