#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The database under attack. What SPEC.md promises ("Fail-closed promises"):
# - corrupt or unreadable at start (garbage over the first pages, truncated):
#   fwd applies the built-in default (inbound denied: the port allowed
#   before is CLOSED), keeps running, reports the problem in `fwctl status`
#   and its log; a change is refused with a clear error and nothing changes;
# - deleted while fwd is stopped: indistinguishable from a first start; the
#   default policy file applies (closed here: policy in drop, no rule);
# - read-only at start: readable, not writable; SPEC promises only that the
#   host stays closed: the stored rules or the built-in default (the test
#   says which it got); a change is refused;
# - deleted while fwd runs: fwd keeps running and the rules stay in force
#   (what a change does then is reported, not judged: SPEC says nothing);
# - full while fwd runs (and read-only while it runs, when the kernel
#   allows that remount, which it refuses while fwd holds the file open
#   for writing): a change that cannot be
#   stored is refused (exit 1, a clear message) and "the database and the
#   kernel never disagree after a failed change": the last committed rules
#   stay in force (the allowed port STAYS OPEN), fwd keeps running and
#   answers; `fwctl status` must name the problem (checked, and reported as
#   a finding when it does not).
# The read-only and full filesystems are tmpfs mounted inside a private
# mount namespace that only fwd lives in (a wrapper runs `unshare -m`), so
# no mount of the machine is touched; they vanish with fwd.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
setup
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"
command -v nsenter >/dev/null || skip "nsenter (util-linux) not installed"
listen_tcp "$HOST" 8080
listen_tcp "$HOST" 8081

nft_norm() {
	nft_host_stateless 2>&1 | sed -E -e 's/ counter packets [0-9]+ bytes [0-9]+//g' \
		-e 's/ comment "rule [0-9]+"//g' -e 's/,$//' | LC_ALL=C sort
}

# a good database holding "allow 8080", kept as a template for each case
fwd_start
fwc_ok "allow in proto tcp port 8080" allow in proto tcp port 8080
expect_many \
	"baseline: 8080 open|tcp|$PEER|$H4|8080|open" \
	"baseline: 8081 filtered|tcp|$PEER|$H4|8081|filtered"
fwd_kill TERM
cp "$T/fwd.db" "$T/good.db"
db_size=$(stat -c %s "$T/good.db")
say "good database: $db_size bytes"

# must_stay_up WHAT: fwd alive and answering status
must_stay_up() {
	if fwd_alive && fwc status; then
		pass "$1: fwd runs and answers status"
	else
		fail "$1: fwd is not running or does not answer (status exit ${RC:-?})"
		tail -n 15 "$T/fwd.log" | sed 's/^/       | /'
		t_done noroundtrip
	fi
}

# change_refused WHAT: `fwctl add` refused, exit 1, clear message, kernel untouched
change_refused() {
	nft_norm >"$T/nft.pre"
	export_to "$T/export.pre"
	fwc allow in proto tcp port 8081
	if [ "$RC" = 1 ] && [ -n "$ERR$OUT" ]; then
		pass "$1: a change is refused (exit 1): $(printf '%s' "$ERR$OUT" | head -c 160)"
	else
		fail "$1: a change should be refused with exit 1, got exit $RC: $ERR$OUT"
	fi
	expect_match "$1: the refusal names the database" 'database|read-only|readonly|full|space|disk' "$ERR$OUT"
	nft_norm >"$T/nft.post"
	expect_same "$1: the kernel is unchanged by the refused change" "$T/nft.pre" "$T/nft.post"
	export_to "$T/export.post"
	expect_same "$1: the rules are unchanged by the refused change" "$T/export.pre" "$T/export.post"
	expect_tcp "$1: 8081 still filtered after the refused change" "$PEER" "$H4" 8081 filtered
}

status_reports() { # WHAT
	local db problem
	db=$(status_field database)
	problem=$(status_field problem)
	say "$1: status database=\"$db\" problem=\"$problem\""
	if [ "$db" != ok ] || [ -n "$problem" ]; then
		pass "$1: fwctl status reports the problem"
	else
		fail "$1: fwctl status reports no problem (database=\"$db\", problem=\"\")"
	fi
}

# --- unreadable at start: built-in default --------------------------------------------
start_with_bad_db() { # WHAT
	fwd_start
	must_stay_up "$1"
	status_reports "$1"
	expect_nomatch "$1: status says the database is not ok" '^ok$' "$(status_field database)"
	expect_many \
		"$1: the port allowed before is closed (built-in default)|tcp|$PEER|$H4|8080|filtered" \
		"$1: 8081 filtered|tcp|$PEER|$H4|8081|filtered" \
		"$1: 8081/v6 filtered|tcp|$PEER|$H6|8081|filtered"
	if ping_ok "$PEER" "$H4"; then pass "$1: the host still answers ping (ICMP kept working)"
	else fail "$1: no echo reply under the built-in default"; fi
	change_refused "$1"
	expect_match "$1: the log names the database problem" 'DATABASE|database' "$(cat "$T/fwd.log")"
	# the damaged file is moved aside, kept for inspection, and status says where
	expect_match "$1: status says the file was moved aside" 'moved aside to .*fwd\.db\.corrupt-' \
		"$(status_field database)"
	if ls "$T"/fwd.db.corrupt-* >/dev/null 2>&1 && [ ! -e "$T/fwd.db" ]; then
		pass "$1: the damaged file is kept as fwd.db.corrupt-*"
	else
		fail "$1: no fwd.db.corrupt-* beside a missing fwd.db: $(ls "$T")"
	fi
	fwd_kill TERM
	rm -f "$T"/fwd.db.corrupt-*
	if nft_host >/dev/null 2>&1; then pass "$1: the table stays after stop"
	else fail "$1: the table is gone after stop: the host is open"; fi
}

cp "$T/good.db" "$T/fwd.db"
head -c 8192 /dev/urandom | dd of="$T/fwd.db" conv=notrunc status=none
start_with_bad_db "garbage over the first pages"

cp "$T/good.db" "$T/fwd.db"
truncate -s $((db_size / 3)) "$T/fwd.db"
say "truncated to $((db_size / 3)) of $db_size bytes"
start_with_bad_db "truncated database"

cp "$T/good.db" "$T/fwd.db"
truncate -s 100 "$T/fwd.db"
start_with_bad_db "database truncated to 100 bytes (inside the header)"

# --- deleted while stopped: a first start, default policy ------------------------
rm -f "$T/fwd.db" "$T/fwd.db-wal" "$T/fwd.db-shm" "$T/fwd.db-journal"
fwd_start
must_stay_up "deleted while stopped"
expect_many \
	"deleted while stopped: 8080 closed (default policy of a first start)|tcp|$PEER|$H4|8080|filtered" \
	"deleted while stopped: 8081 filtered|tcp|$PEER|$H4|8081|filtered"
fwd_kill TERM

# --- deleted while running ----------------------------------------------------------
cp "$T/good.db" "$T/fwd.db"
fwd_start
rm -f "$T/fwd.db"
fwc allow in proto tcp port 8081
say "a change after the database was deleted under fwd: exit $RC $ERR"
must_stay_up "deleted while running"
expect_tcp "deleted while running: 8080 still open (last committed state)" "$PEER" "$H4" 8080 open
if [ "$RC" = 0 ]; then
	expect_tcp "deleted while running: the accepted change is in force" "$PEER" "$H4" 8081 open
	fwc delete "$(rule_id 'port 8081')"
fi
fwd_kill TERM
if nft_host >/dev/null 2>&1; then pass "deleted while running: the table stays after stop"
else fail "deleted while running: the table is gone after stop"; fi

# --- read-only and full filesystems, inside fwd's own mount namespace ---------------
# the wrapper moves --db onto a tmpfs of its own private mount namespace
mkdir -p "$T/dbfs"
cat >"$T/fwd-wrap" <<EOF
#!/bin/bash
args=()
while [ \$# -gt 0 ]; do
	if [ "\$1" = --db ]; then args+=(--db "$T/dbfs/fwd.db"); shift 2; continue; fi
	args+=("\$1"); shift
done
exec unshare -m --propagation private /bin/bash -c '
	mount -t tmpfs -o size=\$FWT_FS_SIZE,mode=0700 fwt-db "$T/dbfs" || exit 1
	cp "$T/good.db" "$T/dbfs/fwd.db" || exit 1
	[ "\$FWT_FS_RO" = 1 ] && { mount -o remount,ro "$T/dbfs" || exit 1; }
	exec "\$0" "\$@"' "$FWD" "\${args[@]}"
EOF
chmod 755 "$T/fwd-wrap"
REAL_FWD=$FWD
FWD=$T/fwd-wrap
in_fwd_ns() { nsenter -t "$FWD_PID" -m "$@"; }

# read-only from the start
export FWT_FS_SIZE=8m FWT_FS_RO=1
fwd_start
must_stay_up "read-only filesystem at start"
in_fwd_ns touch "$T/dbfs/x" 2>/dev/null && fail "the tmpfs is not read-only"
status_reports "read-only filesystem at start"
expect_many \
	"read-only at start: 8081 filtered|tcp|$PEER|$H4|8081|filtered"
# readable but not writable: SPEC only promises "closed"; say which it is
ro8080=$(probe_tcp "$PEER" "$H4" 8080)
say "read-only at start: the port allowed in the database is $ro8080 ($([ "$ro8080" = open ] &&
	echo 'stored rules kept' || echo 'built-in default applied'))"
expect_match "read-only at start: 8080 open (stored rules) or closed (built-in default)" '^(open|filtered)$' "$ro8080"
change_refused "read-only filesystem at start"
fwd_kill TERM

# Remounting fwd's filesystem read-only while fwd runs is not possible: the
# kernel refuses (EBUSY) a read-only remount, even of a bind mount, while a
# file on it is open for writing, and fwd keeps the database open. That case
# is the full filesystem below (every write fails) plus read-only at start.
export FWT_FS_RO=0
fwd_start
if in_fwd_ns mount -o remount,ro "$T/dbfs" 2>/dev/null; then
	say "note: the remount to read-only under a running fwd succeeded here"
	must_stay_up "remounted read-only while running"
	change_refused "remounted read-only while running"
	status_reports "remounted read-only while running"
	expect_tcp "read-only while running: 8080 still open (last committed)" "$PEER" "$H4" 8080 open
	in_fwd_ns mount -o remount,rw "$T/dbfs"
else
	say "read-only remount under a running fwd refused by the kernel (busy): not tested"
fi
fwd_kill TERM

# full filesystem: fill the tmpfs up, then change
export FWT_FS_SIZE=2m
fwd_start
in_fwd_ns dd if=/dev/zero of="$T/dbfs/fill" bs=64k status=none 2>/dev/null
say "free on the db filesystem: $(in_fwd_ns df -k --output=avail "$T/dbfs" | tail -n 1) KiB"
# a big change: a few hundred rules need pages the filesystem has not got
{ printf 'policy in drop\npolicy out accept\nallow in proto tcp port 8080\n'
  for p in $(seq 20000 20600); do printf 'allow in proto tcp port %d comment "%s"\n' "$p" \
	"padding padding padding padding padding padding padding padding padding"; done
} >"$T/big.rules"
nft_norm >"$T/nft.pre"
fwc apply "$T/big.rules"
big_rc=$RC
say "apply of 601 rules on a full filesystem: exit $RC $(printf '%s' "$ERR" | head -c 200)"
must_stay_up "full filesystem"
if [ "$big_rc" = 1 ]; then
	pass "full filesystem: the big apply is refused (exit 1)"
	nft_norm >"$T/nft.post"
	expect_same "full filesystem: the kernel is unchanged" "$T/nft.pre" "$T/nft.post"
else
	fail "full filesystem: the big apply should be refused, exit $big_rc"
fi
change_refused "full filesystem"
status_reports "full filesystem"
expect_tcp "full filesystem: 8080 still open (last committed)" "$PEER" "$H4" 8080 open
in_fwd_ns rm -f "$T/dbfs/fill"
fwc_ok "after freeing space a change works again" allow in proto tcp port 8081
expect_tcp "... and is in force" "$PEER" "$H4" 8081 open
fwd_kill TERM
FWD=$REAL_FWD

t_done noroundtrip
