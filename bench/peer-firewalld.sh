# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by bench/apply: drive firewalld (Debian's 1.3, nftables backend, the
# packaged firewalld.conf) with N exceptions, inside a network namespace the
# caller made and a private mount namespace made here: /etc/firewalld, /run
# and /var/log are private copies on a tmpfs, and a private dbus-daemon (own
# config, socket in the work dir) is the system bus firewalld and
# firewall-cmd talk to. The host's bus, files and firewall are never touched.
#
#   peer_firewalld_run NS PAIRS DIR
#
# PAIRS holds one exception a line, "ADDRESS PORT". DIR receives res ("key
# value" lines: load_ms, load_status, rss_kb, cli_ms, startup_ms, base_ms:
# the reload with the packaged configuration, firewalld's fixed cost), add.ms,
# del.ms, log, firewalld.log. Exit status 0 when measured (a timeout is a
# measurement), 1 when firewalld failed or did not load exactly PAIRS.
#
# The path timed is firewalld's bulk path: the zone file
# /etc/firewalld/zones/public.xml (the packaged public zone plus one rich rule
# per exception: <rule family="ipv4"><source address=A/><port port=P
# protocol="tcp"/><accept/></rule>) is written while firewalld runs, then its
# D-Bus method reload (what `firewall-cmd --reload` calls) is timed until it
# returns. It is called with dbus-send and a reply timeout of PEER_TIMEOUT,
# because firewall-cmd gives up after D-Bus's default 25 s while firewalld
# carries on. Add/delete are runtime `firewall-cmd --add-rich-rule` /
# `--remove-rich-rule`; cli_ms is `firewall-cmd --state` (client start-up and
# one D-Bus round trip), the fixed part of every firewall-cmd call.
#
# Environment: PEER_TIMEOUT (s, per operation), PEER_REPEAT, PEER_OP_BUDGET (s).

PEER_FIREWALLD_SH=${BASH_SOURCE[0]}

peer_firewalld_run() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$1" unshare -m --propagation private \
		bash -c '. "$0" && peer_firewalld_inner "$@"' "$PEER_FIREWALLD_SH" "$2" "$3" \
		>>"$3/log" 2>&1
}

# --- everything below runs inside the namespaces --------------------------

_pf_now() { date +%s%N; }
_pf_ms() { awk -v a="$1" -v b="$(_pf_now)" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
_pf_say() { printf 'firewalld: %s\n' "$*"; }
_PF_FW_PID=
_PF_BUS_PID=

_pf_private() {
	local w=$1
	if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
		_pf_say "not in a private mount namespace; refusing"
		return 1
	fi
	mkdir -p "$w" && mount -t tmpfs fwba-firewalld "$w" || return 1
	cp -a /etc/firewalld "$w/etc-firewalld" &&
		mount --bind "$w/etc-firewalld" /etc/firewalld &&
		mkdir "$w/run" "$w/log" && mount --bind "$w/run" /run &&
		mount --bind "$w/log" /var/log
}

_pf_bus() {
	local w=$1
	cat >"$w/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$w/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="root"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
	dbus-daemon --config-file="$w/bus.conf" --nofork --nopidfile &
	_PF_BUS_PID=$!
	export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$w/bus
	for _ in $(seq 50); do
		[ -S "$w/bus" ] && return 0
		sleep 0.1
	done
	_pf_say "private dbus-daemon did not start"
	return 1
}

_pf_stop() {
	local p
	for p in $_PF_FW_PID $_PF_BUS_PID; do
		kill "$p" 2>/dev/null || continue
		for _ in $(seq 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

_pf_start() { # DIR
	local s
	s=$(_pf_now)
	firewalld --nofork --nopid --log-target console >"$1/firewalld.log" 2>&1 &
	_PF_FW_PID=$!
	for _ in $(seq 600); do
		[ "$(firewall-cmd --state 2>/dev/null)" = running ] && break
		kill -0 "$_PF_FW_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$(firewall-cmd --state 2>/dev/null)" != running ]; then
		_pf_say "firewalld did not start; its log:"
		tail -n 20 "$1/firewalld.log"
		return 1
	fi
	echo "startup_ms $(_pf_ms "$s")" >>"$1/res"
}

# the kernel's view: "ADDRESS PORT" of every rich rule firewalld put there
_pf_loaded() {
	nft list chain inet firewalld filter_IN_public_allow | sed -nE \
		's/^[[:space:]]*ip saddr (10\.[0-9.]+) tcp dport ([0-9]+) accept$/\1 \2/p'
}

_pf_zone() { # PAIRS
	sed '/<\/zone>/d' /usr/lib/firewalld/zones/public.xml
	awk '{ printf "  <rule family=\"ipv4\"><source address=\"%s\"/>" \
		"<port port=\"%s\" protocol=\"tcp\"/><accept/></rule>\n", $1, $2 }' "$1"
	echo '</zone>'
}

_pf_rich() { printf 'rule family="ipv4" source address="%s" port port="4242" protocol="tcp" accept' "$1"; }

# _pf_op FILE CMD...: time one call into FILE; 2 on timeout (ours, or the
# D-Bus reply timeout firewall-cmd runs into)
_pf_op() {
	local f=$1 s rc
	shift
	s=$(_pf_now)
	timeout "$PEER_TIMEOUT" "$@" >"$f.out" 2>&1
	rc=$?
	[ $rc = 124 ] && return 2
	grep -q 'NoReply' "$f.out" && return 2
	[ $rc = 0 ] || { _pf_say "failed ($rc): $* : $(head -c 300 "$f.out")"; return 1; }
	_pf_ms "$s" >>"$f"
}

_pf_oneops() {
	local dir=$1 i=0 a s rc
	s=$(_pf_now)
	: >"$dir/add.ms"
	: >"$dir/del.ms"
	while [ $i -lt "$PEER_REPEAT" ]; do
		i=$((i + 1))
		a=10.251.0.$i
		_pf_op "$dir/add.ms" firewall-cmd --add-rich-rule="$(_pf_rich "$a")"
		rc=$?
		[ $rc = 2 ] && { echo "add_status timeout" >>"$dir/res"; return 0; }
		[ $rc = 0 ] || return 1
		if [ $i = 1 ] && [ "$(_pf_loaded | grep -c "^$a 4242$")" != 1 ]; then
			_pf_say "--add-rich-rule did not put $a in the kernel"
			return 1
		fi
		_pf_op "$dir/del.ms" firewall-cmd --remove-rich-rule="$(_pf_rich "$a")"
		rc=$?
		[ $rc = 2 ] && { echo "del_status timeout" >>"$dir/res"; return 0; }
		[ $rc = 0 ] || return 1
		[ $i -ge 3 ] && [ $((($(_pf_now) - s) / 1000000000)) -ge "$PEER_OP_BUDGET" ] && break
	done
	return 0
}

_pf_check() { # DIR WHEN
	_pf_loaded | sort >"$1/loaded"
	cmp -s "$1/loaded" "$1/want" && return 0
	_pf_say "$2: the kernel holds $(wc -l <"$1/loaded") of the $(wc -l <"$1/want") exceptions, or others:"
	diff "$1/want" "$1/loaded" | head -n 5
	return 1
}

_pf_reload() {
	timeout "$PEER_TIMEOUT" dbus-send --system --print-reply \
		--reply-timeout=$(((PEER_TIMEOUT + 30) * 1000)) \
		--dest=org.fedoraproject.FirewallD1 /org/fedoraproject/FirewallD1 \
		org.fedoraproject.FirewallD1.reload >/dev/null
}

_pf_measure() {
	local pairs=$1 dir=$2 s rc
	s=$(_pf_now)
	_pf_reload
	case $? in
	0) echo "base_ms $(_pf_ms "$s")" >>"$dir/res" ;;
	124) echo "base_ms timeout" >>"$dir/res" ;;
	*) _pf_say "reload of the packaged configuration failed"; return 1 ;;
	esac
	_pf_zone "$pairs" >/etc/firewalld/zones/public.xml
	s=$(_pf_now)
	_pf_reload
	rc=$?
	if [ $rc = 124 ]; then
		echo "load_status timeout" >>"$dir/res"
		return 0
	fi
	[ $rc = 0 ] || { _pf_say "reload failed ($rc)"; tail -n 20 "$dir/firewalld.log"; return 1; }
	{
		echo "load_ms $(_pf_ms "$s")"
		echo "load_status ok"
		echo "rss_kb $(awk '/^VmHWM:/ { print $2 }' "/proc/$_PF_FW_PID/status")"
	} >>"$dir/res"
	_pf_check "$dir" "after reload" || return 1
	: >"$dir/cli.ms"
	for _ in 1 2 3; do _pf_op "$dir/cli.ms" firewall-cmd --state || return 1; done
	echo "cli_ms $(sort -n "$dir/cli.ms" | sed -n 2p)" >>"$dir/res"
	_pf_oneops "$dir" || return 1
	_pf_check "$dir" "after add/delete"
}

peer_firewalld_inner() {
	local pairs=$1 dir=$2 rc
	_pf_private "$dir/mnt" || return 1
	sort "$pairs" >"$dir/want"
	trap _pf_stop EXIT
	_pf_bus "$dir/mnt" && _pf_start "$dir" && _pf_measure "$pairs" "$dir"
	rc=$?
	_pf_stop
	trap - EXIT
	return $rc
}
