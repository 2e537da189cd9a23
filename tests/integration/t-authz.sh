#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The authorization matrix of SPEC.md ("Who may do what"): every fwctl
# command run as root, as a member of the admin group, as an unrelated user
# and, for answer and delete of a prompt rule, as the owner of the prompted
# program. root and admins may do everything; any user status, list,
# export, history, log, services, explain, exposure, check and their own
# prompts; everything else exits 4 with "permission denied" and fwd logs the
# refusal with the uid. A command this fwd does not implement yet (exit 2,
# "not supported by this fwd yet" or "unknown command") is reported as not
# implemented instead of failing the permission check, so the test becomes
# fully strict once it exists.
#
# The admin group is a throwaway group named in fwd.conf (admin-group), not
# the host's fwadm, so parallel runs and the host's accounts are untouched.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v runuser >/dev/null || skip "runuser not installed"
setup
ADM_GROUP=fwt$$g
ADM_USER=
OTHER_USER=
t_exit() {
	local rc=$?
	[ -n "$ADM_USER" ] && remove_user "$ADM_USER"
	[ -n "$OTHER_USER" ] && remove_user "$OTHER_USER"
	getent group "$ADM_GROUP" >/dev/null && groupdel "$ADM_GROUP" 2>/dev/null
	(exit $rc)
	cleanup
}
trap t_exit EXIT
groupadd --system "$ADM_GROUP" || skip "groupadd failed"
make_user                                   # TEST_USER: owns the prompted program
ADM_USER=fwt$$a
useradd --system --no-create-home --shell /usr/sbin/nologin -G "$ADM_GROUP" "$ADM_USER" ||
	skip "useradd failed"
OTHER_USER=fwt$$o
useradd --system --no-create-home --shell /usr/sbin/nologin "$OTHER_USER" ||
	skip "useradd failed"
printf 'admin-group %s\nuser-prompts yes\nprompt-timeout 120s\n' "$ADM_GROUP" >>"$T/fwd.conf"

printf 'policy in drop\npolicy out accept\nallow in proto tcp port 7100\n' >"$T/a.rules"
chmod 644 "$T/a.rules"
fwd_start

NOT_IMPL=()
# run_as WHO ARGS...: WHO is root or a user name; sets RC OUT ERR
run_as() {
	local who=$1
	shift
	if [ "$who" = root ]; then fwc "$@"; else fwc_as "$who" "$@"; fi
}

unimplemented() { # RC TEXT
	[ "$1" = 2 ] && printf '%s\n' "$2" | grep -Eqi 'not supported by this fwd|unknown command|EOPNOTSUPP'
}

# expect_allowed WHO ARGS...: must not be refused; exit 0
expect_allowed() {
	local who=$1
	shift
	run_as "$who" "$@"
	if unimplemented "$RC" "$OUT$ERR"; then
		NOT_IMPL+=("$*")
		say "not implemented: fwctl $* ($who): $ERR"
		return
	fi
	if [ "$RC" = 0 ]; then
		pass "$who: fwctl $* allowed (exit 0)"
	else
		fail "$who: fwctl $* should be allowed (exit 0), got exit $RC"
		printf '%s\n' "$OUT" "$ERR" | sed 's/^/       | /' | head -n 8
	fi
}

# expect_denied WHO ARGS...: exit 4 "permission denied"
expect_denied() {
	local who=$1
	shift
	run_as "$who" "$@"
	if unimplemented "$RC" "$OUT$ERR"; then
		NOT_IMPL+=("$*")
		say "not implemented: fwctl $* ($who): $ERR"
		return
	fi
	if [ "$RC" = 4 ] && printf '%s\n' "$OUT$ERR" | grep -q 'permission denied'; then
		pass "$who: fwctl $* denied (exit 4, permission denied)"
	else
		fail "$who: fwctl $* should exit 4 with 'permission denied', got exit $RC"
		printf '%s\n' "$OUT" "$ERR" | sed 's/^/       | /' | head -n 8
	fi
}

# --- a prompt owned by TEST_USER, if this fwd raises prompts ---------------------
cp "$(command -v socat)" "$T/app"
chmod 755 "$T/app"
ip netns exec "$HOST" runuser -u "$TEST_USER" -- "$T/app" \
	TCP-LISTEN:7300,fork,reuseaddr SYSTEM:'echo hello-fwd' 2>/dev/null &
BG_PIDS+=($!)
wait_listen "$HOST" t 7300
ip netns exec "$PEER" socat -u "TCP:$H4:7300,connect-timeout=20" STDOUT >/dev/null 2>&1 &
BG_PIDS+=($!)
wait_prompt_id 7300 50

# --- the read-only commands: everyone ---------------------------------------------
READ_CMDS=("status" "list" "export" "history" "log" "services" "prompts"
	   "explain in tcp 22" "exposure" "check $T/a.rules"
	   "status --json" "list --json")
for who in root "$ADM_USER" "$OTHER_USER"; do
	for cmd in "${READ_CMDS[@]}"; do
		# shellcheck disable=SC2086
		expect_allowed "$who" $cmd
	done
done

# --- the changes: root and admin everything, in an order that leaves a usable state
admin_round() { # WHO PORT-BASE
	local who=$1 b=$2 id rev
	expect_allowed "$who" add allow in proto tcp port "$b"
	expect_allowed "$who" allow in proto tcp port $((b + 1))
	expect_allowed "$who" deny in proto tcp port $((b + 2))
	expect_allowed "$who" reject in proto tcp port $((b + 3))
	id=$(rule_id "port $b")
	expect_allowed "$who" delete "$id"
	rev=$(status_field revision)
	expect_allowed "$who" apply "$T/a.rules" --confirm 60
	expect_allowed "$who" confirm
	expect_allowed "$who" rollback "$rev"
	expect_allowed "$who" panic on
	expect_allowed "$who" panic off
	expect_allowed "$who" disable
	expect_allowed "$who" enable
}
admin_round root 7010
admin_round "$ADM_USER" 7020

# --- the changes: an unrelated user nothing -----------------------------------------
fwc allow in proto tcp port 7030
victim=$(rule_id "port 7030")
rev=$(status_field revision)
export_to "$T/export.before"
for cmd in "add allow in proto tcp port 7031" "allow in proto tcp port 7032" \
	   "deny in proto tcp port 7030" "reject in proto tcp port 7030" \
	   "delete $victim" "apply $T/a.rules" "apply $T/a.rules --confirm 60" \
	   "confirm" "rollback $rev" "panic on" "panic off" "disable" "enable"; do
	for who in "$OTHER_USER" "$TEST_USER"; do
		# shellcheck disable=SC2086
		expect_denied "$who" $cmd
	done
done
run_as "$OTHER_USER" apply - <"$T/a.rules"
expect_eq "$OTHER_USER: fwctl apply - exits 4" 4 "$RC"
export_to "$T/export.after"
expect_same "the refused attempts changed nothing" "$T/export.before" "$T/export.after"
expect_tcp "the table still filters (7031 closed)" "$PEER" "$H4" 7031 filtered

log=$(cat "$T/fwd.log")
for who in "$OTHER_USER" "$TEST_USER"; do
	uid=$(id -u "$who")
	expect_match "fwd logs the refusals of uid $uid" "(permission denied|denied|refus).*uid $uid|uid $uid.*(permission denied|denied|refus)" "$log"
done

# --- prompts: answer and delete by owner / other / admin --------------------------------
if [ -z "$PROMPT_ID" ]; then
	say "SKIP the prompt-owner column: no prompt was raised for $T/app on port 7300"
	fwc prompts
	say "fwctl prompts: exit $RC $OUT $ERR"
else
	say "prompt $PROMPT_ID raised for $TEST_USER's program"
	fwc_as "$OTHER_USER" prompts --json
	expect_nomatch "an unrelated user does not see another's prompt" "\"id\": *$PROMPT_ID\\b" "$OUT"
	expect_denied "$OTHER_USER" answer "$PROMPT_ID" allow
	expect_allowed "$TEST_USER" answer "$PROMPT_ID" allow
	pid=$(rule_id "$T/app")
	if [ -n "$pid" ] && [ "${pid#Traceback}" = "$pid" ]; then
		expect_denied "$OTHER_USER" delete "$pid"
		expect_allowed "$TEST_USER" delete "$pid"
	else
		fail "no rule of origin prompt for $T/app after the owner's answer"
	fi
	# an admin may answer anyone's prompt: raise another
	ip netns exec "$PEER" socat -u "TCP:$H4:7300,connect-timeout=20" STDOUT >/dev/null 2>&1 &
	BG_PIDS+=($!)
	wait_prompt_id 7300 80
	if [ -n "$PROMPT_ID" ]; then
		expect_allowed "$ADM_USER" answer "$PROMPT_ID" deny
	else
		say "no second prompt raised after the delete: admin answer not checked"
	fi
fi

if [ ${#NOT_IMPL[@]} -gt 0 ]; then
	say "not implemented by this fwd (checked nothing): $(printf '%s; ' "${NOT_IMPL[@]}" | sort -u)"
fi
t_done
