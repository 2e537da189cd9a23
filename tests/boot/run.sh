#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The boot test: fwd as a distribution ships it. Builds the Debian package
# from this tree, installs it into a minimal Debian 12 root, boots that root
# with systemd-nspawn --private-network (its own network namespace: the
# host's firewall and interfaces are never touched) and checks, across three
# boots:
#   1. the package enabled fwd; fwd is active, its table was in place before
#      network-pre.target, the daemon and its /proc helper run with reduced
#      capabilities, the unit verifies, reload works; a rule is added;
#   2. after a reboot the rule is listed, in the table, and enforced (real
#      TCP from a namespace nested inside the container); a reinstall of the
#      package (an upgrade) keeps it;
#   3. after the database is overwritten with garbage, fwd is still active,
#      reports the problem, and inbound is still denied; then the package is
#      purged.
# Exit status: 0 passed, 1 failed, 77 skipped (not root, no nspawn, ...).
#
#   tests/boot/run.sh
#
#   FWD_BOOT_CACHE=DIR  where the Debian root is kept between runs
#                       (default /var/tmp/fwd-boot; delete base-* to rebuild)
#   FWD_DEB=FILE        install this package instead of building one
#   MIRROR=URL          Debian mirror for debootstrap (default deb.debian.org)
#   KEEP=1              keep the booted root and the logs for a post-mortem
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${FWD_BOOT_CACHE:-/var/tmp/fwd-boot}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
# what the root needs besides minbase: systemd to boot, fwd's libraries and
# adduser, nftables/socat/iproute2/procps for the checks
INCLUDE=systemd,systemd-sysv,dbus,iproute2,nftables,libnftnl11,libmnl0,libcap-ng0,libsqlite3-0,libncursesw6,adduser,procps,socat
BASE=$CACHE/base-$SUITE-$(printf '%s' "$INCLUDE" | md5sum | cut -c1-8)
WORK=
ROOT=
NSPAWN_PID=
LEADER=
BOOTS=0
FAILS=0
CHECKS=0
HOST_BEFORE=

say() { printf '# %s\n' "$*"; }
pass() { CHECKS=$((CHECKS + 1)); printf 'ok   %s\n' "$*"; }
fail() {
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	printf 'FAIL %s\n' "$*"
}
skip() { printf 'SKIP boot: %s\n' "$*"; exit 77; }
die() { fail "$*"; exit 1; }

expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		printf '     expected: %s\n     got:      %s\n' "$2" "$3"
	fi
}

expect_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1"
		printf '     expected to match: %s\n     got:\n' "$2"
		printf '%s\n' "$3" | head -n 30 | sed 's/^/       | /'
	fi
}

expect_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		fail "$1"
		printf '     expected NOT to match: %s\n     got:\n' "$2"
		printf '%s\n' "$3" | head -n 30 | sed 's/^/       | /'
	else
		pass "$1"
	fi
}

# --- can this machine do it at all? ------------------------------------------

# the host's own firewall and links: must be the same after the test
host_state() {
	{ nft list tables 2>&1; ip -o link 2>&1 | sed 's/ qlen.*//'; } | sort
}

preflight() {
	local t missing=()
	[ "$(id -u)" = 0 ] || skip "needs root"
	for t in systemd-nspawn debootstrap nsenter ip; do
		command -v "$t" >/dev/null || missing+=("$t")
	done
	if [ -z "${FWD_DEB:-}" ]; then
		command -v dpkg-buildpackage >/dev/null || missing+=(dpkg-buildpackage)
		command -v dh >/dev/null || missing+=(dh)
	fi
	[ ${#missing[@]} = 0 ] || skip "missing ${missing[*]}" \
		"(apt-get install systemd-container debootstrap dpkg-dev debhelper)"
	command -v nft >/dev/null || skip "nft (nftables) is needed to compare the" \
		"host's tables before and after"
	[ -d /sys/fs/cgroup ] || skip "no cgroup file system: nspawn cannot boot"
	HOST_BEFORE=$(host_state)
}

# --- the Debian root, cached ----------------------------------------------------

make_base() {
	local tmp=$BASE.tmp start=$SECONDS
	if [ -f "$BASE/.fwd-boot-complete" ]; then
		say "Debian root: cached in $BASE"
		return 0
	fi
	say "Debian root: debootstrap $SUITE into $BASE (once; a few minutes)"
	rm -rf "$tmp"
	mkdir -p "$CACHE"
	if ! debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$tmp" \
		"$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
		tail -n 15 "$CACHE/debootstrap.log" | sed 's/^/       | /'
		rm -rf "$tmp"
		skip "debootstrap failed (no mirror reachable?); log in $CACHE/debootstrap.log"
	fi
	# no console getty and no first-boot questions in a test container
	rm -f "$tmp"/etc/systemd/system/getty.target.wants/*
	printf 'fwd-boot\n' >"$tmp/etc/hostname"
	rm -rf "$BASE"
	mv "$tmp" "$BASE"
	touch "$BASE/.fwd-boot-complete"
	say "Debian root ready in $((SECONDS - start)) s"
}

# a container that cannot even run /bin/true here will not boot either
probe_nspawn() {
	local out
	out=$(systemd-nspawn --register=no --keep-unit -q --pipe --read-only --private-network \
		-D "$BASE" /bin/true 2>&1) ||
		skip "systemd-nspawn cannot run a container here: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')"
}

# --- the package --------------------------------------------------------------

# the tree as git sees it (tracked and new files, not build products)
copy_tree() {
	local dst=$1
	mkdir -p "$dst"
	if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
			grep -zvE '^debian/(fwd|fwd-dbgsym|tmp|\.debhelper)/|^debian/(files|debhelper-build-stamp|.*\.substvars|.*\.debhelper\.log)$' |
			xargs -0 cp -a --parents -t "$dst" 2>/dev/null)
	else
		tar -C "$SRC" --exclude=./build --exclude=./.git -cf - . | tar -C "$dst" -xf -
	fi
}

build_deb() {
	local src=$WORK/src/fwd start=$SECONDS deb
	if [ -n "${FWD_DEB:-}" ]; then
		[ -f "$FWD_DEB" ] || die "FWD_DEB=$FWD_DEB does not exist"
		DEB=$FWD_DEB
		return 0
	fi
	(cd "$SRC" && dpkg-checkbuilddeps) >"$WORK/builddeps.log" 2>&1 ||
		skip "build dependencies missing: $(cat "$WORK/builddeps.log")"
	say "building the package (dpkg-buildpackage -b) in $WORK/src"
	copy_tree "$src"
	# the unit tests run elsewhere in CI; this test is about the package
	if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		dpkg-buildpackage -b -us -uc) >"$WORK/build.log" 2>&1; then
		tail -n 30 "$WORK/build.log" | sed 's/^/       | /'
		die "dpkg-buildpackage failed (log: $WORK/build.log)"
	fi
	deb=$(find "$WORK/src" -maxdepth 1 -name 'fwd_*.deb' | head -n 1)
	[ -n "$deb" ] || die "no fwd_*.deb after the build"
	DEB=$deb
	pass "package built: $(basename "$DEB") in $((SECONDS - start)) s"
}

install_deb() {
	ROOT=$WORK/root
	cp -a --reflink=auto "$BASE" "$ROOT" || die "cannot copy $BASE"
	cp "$DEB" "$ROOT/var/tmp/fwd.deb"
	# not booted: postinst enables fwd but cannot start it (no systemd running);
	# not /tmp, which nspawn mounts afresh
	if ! systemd-nspawn --register=no --keep-unit -q --pipe --private-network -D "$ROOT" \
		dpkg -i /var/tmp/fwd.deb >"$WORK/dpkg.log" 2>&1; then
		sed 's/^/       | /' "$WORK/dpkg.log" | tail -n 20
		die "dpkg -i fwd.deb failed in the container"
	fi
	pass "dpkg -i fwd.deb in the container"
	expect_match "the package created the admin group fwadm" '^fwadm:' \
		"$(grep '^fwadm:' "$ROOT/etc/group")"
	expect_eq "the package enabled fwd.service" enabled \
		"$(systemd-nspawn --register=no --keep-unit -q --pipe --private-network -D "$ROOT" \
			systemctl is-enabled fwd.service 2>/dev/null | tr -d '\r')"
}

# --- booting and talking to the container ----------------------------------------

in_ct() { nsenter -t "$LEADER" -a -- "$@"; }

# the container's PID 1: the child of nspawn that runs systemd (nspawn's
# first child is a short-lived helper that sets the container up)
find_leader() {
	local c kids=()
	read -ra kids <"/proc/$NSPAWN_PID/task/$NSPAWN_PID/children" 2>/dev/null
	for c in "${kids[@]}"; do
		if [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ]; then
			echo "$c"
			return
		fi
	done
}

boot() {
	local state
	BOOTS=$((BOOTS + 1))
	say "boot $BOOTS"
	systemd-nspawn --register=no --keep-unit -q --console=pipe -b --private-network \
		-D "$ROOT" --machine="fwd-boot-$$" </dev/null >"$WORK/boot$BOOTS.log" 2>&1 &
	NSPAWN_PID=$!
	LEADER=
	for _ in $(seq 100); do
		LEADER=$(find_leader)
		[ -n "$LEADER" ] && break
		kill -0 "$NSPAWN_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$LEADER" ] || { tail -n 20 "$WORK/boot$BOOTS.log"; die "the container did not start"; }
	# until systemd in the container answers and the boot is done
	for _ in $(seq 120); do
		state=$(in_ct systemctl is-system-running 2>/dev/null)
		case $state in running | degraded) break ;; esac
		sleep 0.5
	done
	case $state in
	running) ;;
	degraded) say "boot $BOOTS degraded: $(in_ct systemctl --failed --plain --no-legend | tr '\n' ' ')" ;;
	*) die "boot $BOOTS did not finish (state: ${state:-no answer})" ;;
	esac
}

poweroff() {
	local _
	[ -n "$NSPAWN_PID" ] || return 0
	in_ct systemctl poweroff >/dev/null 2>&1
	for _ in $(seq 120); do
		kill -0 "$NSPAWN_PID" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$NSPAWN_PID" 2>/dev/null; then
		kill -TERM "$NSPAWN_PID" 2>/dev/null
		sleep 2
		kill -KILL "$NSPAWN_PID" 2>/dev/null
	fi
	wait "$NSPAWN_PID" 2>/dev/null
	NSPAWN_PID=
	LEADER=
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	poweroff
	if [ -n "$HOST_BEFORE" ] && [ "$(host_state)" != "$HOST_BEFORE" ]; then
		printf 'FAIL the host'"'"'s nftables tables or links changed during the test\n'
		diff <(printf '%s\n' "$HOST_BEFORE") <(host_state) | sed 's/^/       | /'
		rc=1
	fi
	if [ -n "$WORK" ]; then
		if [ "${KEEP:-0}" = 1 ] || { [ "$rc" != 0 ] && [ "$rc" != 77 ]; }; then
			say "kept for a post-mortem: $WORK (boot logs, root)"
			[ "${KEEP:-0}" = 1 ] || say "remove it with: rm -rf $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

# --- checks inside ------------------------------------------------------------------

# a nested namespace "peer" inside the container, joined by a veth pair: real
# packets into the container's own namespace, none near the host's
make_peer() {
	in_ct sh -c '
		ip netns add peer &&
		ip link add veth0 type veth peer name veth1 netns peer &&
		ip addr add 10.99.0.1/24 dev veth0 && ip link set veth0 up &&
		ip -n peer addr add 10.99.0.2/24 dev veth1 &&
		ip -n peer link set veth1 up && ip -n peer link set lo up' ||
		die "cannot set up the nested peer namespace in the container"
	in_ct systemd-run -q --unit=listen2222 socat TCP-LISTEN:2222,fork,reuseaddr \
		SYSTEM:'echo hello-fwd' || die "cannot start a listener in the container"
	in_ct systemd-run -q --unit=listen2223 socat TCP-LISTEN:2223,fork,reuseaddr \
		SYSTEM:'echo hello-fwd' || die "cannot start a listener in the container"
	sleep 0.5
}

# probe PORT: open | filtered | other
probe() {
	local out
	out=$(in_ct ip netns exec peer timeout 6 socat -T 2 -u \
		TCP:10.99.0.1:"$1",connect-timeout=2 STDOUT 2>&1)
	case $out in
	*hello-fwd*) echo open ;;
	*"timed out"*) echo filtered ;;
	*) echo "other: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-100)" ;;
	esac
}

fwd_active() { expect_eq "boot $BOOTS: fwd.service is active" active "$(in_ct systemctl is-active fwd.service)"; }

check_ordering() {
	local t_fwd t_pre jfwd jpre
	t_fwd=$(in_ct systemctl show -p ActiveEnterTimestampMonotonic --value fwd.service)
	t_pre=$(in_ct systemctl show -p ActiveEnterTimestampMonotonic --value network-pre.target)
	say "ready (monotonic us): fwd.service $t_fwd, network-pre.target $t_pre"
	if [ "${t_fwd:-0}" -gt 0 ] && [ "${t_pre:-0}" -gt 0 ] && [ "$t_fwd" -le "$t_pre" ]; then
		pass "boot $BOOTS: fwd was ready (ruleset committed) before network-pre.target"
	else
		fail "boot $BOOTS: fwd ready at $t_fwd, network-pre.target reached at $t_pre"
	fi
	# the same from the journal: the committed-table line, then the target
	jfwd=$(in_ct journalctl -b -o short-monotonic --no-pager -u fwd.service |
		grep -m1 'table inet fwd_filter' | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	jpre=$(in_ct journalctl -b -o short-monotonic --no-pager |
		grep -m1 'Reached target network-pre.target' | sed 's/^\[ *\([0-9.]*\)\].*/\1/')
	say "journal: fwd committed at ${jfwd:-?} s, network-pre.target at ${jpre:-?} s"
	if [ -n "$jfwd" ] && [ -n "$jpre" ] &&
	   awk -v a="$jfwd" -v b="$jpre" 'BEGIN { exit !(a <= b) }'; then
		pass "boot $BOOTS: journal shows the table committed before network-pre.target"
	else
		fail "boot $BOOTS: journal order of fwd's commit and network-pre.target"
	fi
}

cap_field() { printf '%s\n' "$1" | awk -v k="$2:" '$1 == k { print $2 }'; }

check_caps() {
	local pid st helper hst
	pid=$(in_ct systemctl show -p MainPID --value fwd.service)
	st=$(in_ct cat "/proc/$pid/status" 2>/dev/null)
	say "fwd (pid $pid): $(printf '%s\n' "$st" | grep -E '^(Uid|Cap|NoNewPrivs)' | tr -s '\t\n' '  ')"
	# CAP_NET_ADMIN is bit 12
	expect_eq "fwd keeps only CAP_NET_ADMIN (CapEff)" 0000000000001000 "$(cap_field "$st" CapEff)"
	expect_eq "fwd keeps only CAP_NET_ADMIN (CapPrm)" 0000000000001000 "$(cap_field "$st" CapPrm)"
	expect_eq "fwd's bounding set is empty (CapBnd)" 0000000000000000 "$(cap_field "$st" CapBnd)"
	expect_eq "fwd has no inheritable or ambient capabilities" 0000000000000000/0000000000000000 \
		"$(cap_field "$st" CapInh)/$(cap_field "$st" CapAmb)"
	expect_eq "fwd runs with no_new_privs" 1 "$(cap_field "$st" NoNewPrivs)"
	helper=$(in_ct cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{print $1}')
	if [ -z "$helper" ]; then
		fail "fwd's /proc helper process is not running"
		return
	fi
	hst=$(in_ct cat "/proc/$helper/status" 2>/dev/null)
	say "helper (pid $helper): $(printf '%s\n' "$hst" | grep -E '^(Cap|NoNewPrivs)' | tr -s '\t\n' '  ')"
	# CAP_DAC_READ_SEARCH is bit 2, CAP_SYS_PTRACE bit 19
	expect_eq "the /proc helper holds only CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH" \
		0000000000080004 "$(cap_field "$hst" CapEff)"
	expect_eq "the /proc helper's bounding set is empty" 0000000000000000 "$(cap_field "$hst" CapBnd)"
}

check_unit() {
	local out score
	out=$(in_ct systemd-analyze verify --man=no fwd.service 2>&1)
	expect_eq "systemd-analyze verify fwd.service: no complaints" "" "$out"
	out=$(in_ct systemd-analyze security --no-pager fwd.service 2>&1)
	score=$(printf '%s\n' "$out" | grep -o 'Overall exposure level for fwd.service: .*')
	say "systemd-analyze security: ${score:-no score}"
	printf '%s\n' "$out" | grep -E '^✗' | sed 's/^/#   /' | head -n 40
	expect_match "systemd-analyze security gives a score" 'exposure level' "$score"
	in_ct systemctl reload fwd.service
	sleep 0.5
	expect_match "systemctl reload fwd (SIGHUP) reaches fwd" 'SIGHUP' \
		"$(in_ct journalctl -b -u fwd.service --no-pager | tail -n 5)"
	expect_eq "fwd is still active after the reload" active "$(in_ct systemctl is-active fwd.service)"
}

table() { in_ct nft list table inet fwd_filter 2>&1; }

# --- the test ------------------------------------------------------------------------

preflight
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
start=$SECONDS
mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/work.XXXXXX")
make_base
probe_nspawn
build_deb
install_deb

boot
fwd_active
check_ordering
check_caps
check_unit
out=$(in_ct fwctl allow in proto tcp port 2222 2>&1)
expect_match "fwctl allow in proto tcp port 2222" 'added rule' "$out"
expect_match "the rule is in the kernel" 'dport 2222|2222' "$(table)"
poweroff

boot
fwd_active
check_ordering
check_caps
expect_match "after a reboot the rule is listed" 'allow in proto tcp port 2222' \
	"$(in_ct fwctl list 2>&1)"
expect_match "after a reboot the table holds it" '2222' "$(table)"
# the kernel forgot the table on reboot: that is not tampering
expect_nomatch "after a reboot fwctl status reports no problem" '^problem:' \
	"$(in_ct fwctl status 2>&1)"
make_peer
expect_eq "port 2222 (allowed) is open from the peer" open "$(probe 2222)"
expect_eq "port 2223 (no rule) is filtered" filtered "$(probe 2223)"
in_ct dpkg -i /var/tmp/fwd.deb >"$WORK/dpkg-upgrade.log" 2>&1 ||
	fail "reinstalling the package (an upgrade) failed: $(tail -n 5 "$WORK/dpkg-upgrade.log")"
fwd_active
expect_match "after an upgrade the rule is still listed" 'allow in proto tcp port 2222' \
	"$(in_ct fwctl list 2>&1)"
expect_eq "after an upgrade port 2222 is still open" open "$(probe 2222)"
# a real systemd service, matched by its cgroup (in nspawn's cgroup namespace)
out=$(in_ct fwctl allow in unit listen2223.service 2>&1)
expect_match "fwctl allow in unit listen2223.service" 'added rule' "$out"
expect_match "the kernel matches the unit's cgroup" 'socket cgroupv2 level 2' "$(table)"
expect_eq "the service's port 2223 opens by its unit" open "$(probe 2223)"
expect_eq "port 2222 still open by its port rule" open "$(probe 2222)"
id=$(in_ct fwctl list 2>&1 | awk '/unit listen2223.service/ { print $1; exit }')
out=$(in_ct fwctl delete "${id:-none}" 2>&1)
expect_match "delete the unit rule" 'deleted' "$out"
expect_eq "port 2223 filtered again" filtered "$(probe 2223)"
poweroff

db=$ROOT/var/lib/fwd/fwd.db
[ -f "$db" ] || die "no database at /var/lib/fwd/fwd.db in the container"
dd if=/dev/urandom of="$db" bs=4096 count=1 conv=notrunc status=none
say "overwrote the first 4 KiB of /var/lib/fwd/fwd.db with garbage"

boot
fwd_active
check_ordering
out=$(in_ct fwctl status 2>&1)
expect_nomatch "fwctl status reports the database problem" '^database: +ok$' "$out"
expect_match "fwctl status names the problem" '^problem: +[^ ]' "$out"
say "fwctl status: $(printf '%s\n' "$out" | grep '^problem:')"
expect_match "the systemd status line reports the problem" 'PROBLEM' \
	"$(in_ct systemctl show -p StatusText --value fwd.service)"
tbl=$(table)
expect_match "inbound is still denied: input policy drop" 'hook input priority [^;]*; policy drop;' \
	"$(printf '%s\n' "$tbl" | tr '\n' ' ')"
make_peer
expect_eq "with the database broken, port 2222 is filtered (built-in default)" \
	filtered "$(probe 2222)"
out=$(in_ct dpkg --purge fwd 2>&1)
expect_eq "dpkg --purge fwd leaves no trace of the package" "" \
	"$(in_ct sh -c 'dpkg -l fwd 2>/dev/null | grep "^[ir]i"; ls -d /var/lib/fwd /etc/fwd /lib/systemd/system/fwd.service 2>/dev/null')"
expect_match "purging says the table stays until the next boot" 'stays in force' "$out"
poweroff

say "boot test: $((SECONDS - start)) s"
if [ "$FAILS" -gt 0 ]; then
	printf 'boot: %d of %d checks failed\n' "$FAILS" "$CHECKS"
	exit 1
fi
printf 'boot: all %d checks passed\n' "$CHECKS"
exit 0
