#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Least privilege: once started, fwd keeps only CAP_NET_ADMIN (effective and
# permitted), an empty bounding set, no inheritable or ambient capabilities,
# no_new_privs; its /proc helper keeps only CAP_SYS_PTRACE and
# CAP_DAC_READ_SEARCH. Everything fwd does after start-up still works with
# that: changes (nf_tables), disable and enable (table delete/create), the
# drop log (nflog), the owner of another user's listener (the helper), and
# SIGHUP.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
make_user
cp "$(command -v socat)" "$T/appU"

# CAP_NET_ADMIN is bit 12; CAP_DAC_READ_SEARCH bit 2, CAP_SYS_PTRACE bit 19
NET_ADMIN=0000000000001000
HELPER=0000000000080004
NONE=0000000000000000

status_of() { cat "/proc/$1/status" 2>/dev/null; }
field() { printf '%s\n' "$1" | awk -v k="$2:" '$1 == k { print $2 }'; }

ip netns exec "$HOST" setpriv --reuid "$TEST_USER" --regid "$(id -g "$TEST_USER")" \
	--init-groups "$T/appU" TCP4-LISTEN:9301,fork,reuseaddr SYSTEM:'echo hello-fwd' \
	2>/dev/null &
BG_PIDS+=($!)
wait_listen "$HOST" t 9301
listen_tcp "$HOST" 9300
fwd_start

st=$(status_of "$FWD_PID")
say "fwd: $(printf '%s\n' "$st" | grep -E '^(Uid|Cap|NoNewPrivs)' | tr -s '\t\n' '  ')"
expect_eq "fwd CapEff: CAP_NET_ADMIN only" "$NET_ADMIN" "$(field "$st" CapEff)"
expect_eq "fwd CapPrm: CAP_NET_ADMIN only" "$NET_ADMIN" "$(field "$st" CapPrm)"
expect_eq "fwd CapBnd: empty" "$NONE" "$(field "$st" CapBnd)"
expect_eq "fwd CapInh and CapAmb: empty" "$NONE $NONE" \
	"$(field "$st" CapInh) $(field "$st" CapAmb)"
expect_eq "fwd has no_new_privs" 1 "$(field "$st" NoNewPrivs)"

helper=$(awk '{print $1}' "/proc/$FWD_PID/task/$FWD_PID/children" 2>/dev/null)
if [ -n "$helper" ]; then
	hst=$(status_of "$helper")
	say "helper: $(printf '%s\n' "$hst" | grep -E '^(Cap|NoNewPrivs)' | tr -s '\t\n' '  ')"
	expect_eq "helper CapEff: CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH only" \
		"$HELPER" "$(field "$hst" CapEff)"
	expect_eq "helper CapBnd: empty" "$NONE" "$(field "$hst" CapBnd)"
else
	fail "fwd has no /proc helper process"
fi

# after the drop: a change, traffic through it, disable/enable
fwc_ok "a change after the drop (nf_tables needs CAP_NET_ADMIN)" \
	allow in proto tcp port 9300
expect_tcp "the new rule is enforced" "$PEER" "$H4" 9300 open
fwc_ok "disable after the drop (deletes the table)" disable
fwc_ok "enable after the drop (creates it again)" enable
expect_tcp "the rule is enforced again" "$PEER" "$H4" 9300 open

# the drop log reads nflog; the helper names another user's program
expect_tcp "another user's listener is filtered" "$PEER" "$H4" 9301 filtered
for _ in $(seq 20); do
	fwc log && printf '%s\n' "$OUT" | grep -q " 9301 " && break
	sleep 0.2
done
row=$(printf '%s\n' "$OUT" | grep -E " 9301 " | head -n 1)
expect_match "the drop is logged after the drop (nflog)" "in +tcp +$P4:[0-9]+ +9301 " "$row"
expect_match "... with the other user's program (the helper's capabilities)" "$T/appU" "$row"

kill -HUP "$FWD_PID"
sleep 0.3
fwc_ok "fwd answers after SIGHUP" status
expect_eq "capabilities unchanged after SIGHUP" "$NET_ADMIN" \
	"$(field "$(status_of "$FWD_PID")" CapEff)"

t_done
