#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# fwd owns one table and nothing else: an unrelated table created before fwd
# starts survives start, changes, kill -9, restart, disable and enable.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
ip netns exec "$HOST" nft -f - <<NFT || { fail "could not create the foreign tables"; t_done; }
table inet fwt_other {
	set blocked { type ipv4_addr; elements = { 192.0.2.7 } }
	chain input {
		type filter hook input priority 10; policy accept;
		ip saddr @blocked counter drop
		tcp dport 9 counter accept comment "unrelated"
	}
}
table ip fwt_legacy {
	chain output {
		type filter hook output priority 0; policy accept;
		udp dport 9 counter
	}
}
NFT
other() { ip netns exec "$HOST" nft -s list table inet fwt_other; \
	  ip netns exec "$HOST" nft -s list table ip fwt_legacy; }
other >"$T/other.before" 2>&1

check_other() {
	other >"$T/other.now" 2>&1
	expect_same "foreign tables intact $1" "$T/other.before" "$T/other.now"
}

fwd_start
check_other "after start"
fwc_ok "add a rule" allow in proto tcp port 8080
check_other "after add"
fwc_ok "delete it" delete "$(rule_id 'port 8080')"
check_other "after delete"
printf 'policy in reject\npolicy out accept\nallow in proto udp port 53\n' >"$T/new.rules"
fwc_ok "apply a file" apply "$T/new.rules"
check_other "after apply"
fwd_kill KILL
check_other "after kill -9"
fwd_start
check_other "after restart"
fwc_ok "disable" disable
check_other "after disable"
fwc_ok "enable" enable
check_other "after enable"
fwd_kill TERM
check_other "after SIGTERM"
fwd_start
check_other "after second restart"

t_done
