# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source-path=SCRIPTDIR
# Sourced by bench/apply: drive firewalld (Debian's 1.3, nftables backend, the
# packaged firewalld.conf) with N exceptions, inside a network namespace the
# caller made and a private mount namespace made for it: /etc/firewalld, /run
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
# bench/peer-lib.sh holds what this shares with bench/peer-ufw.sh.
#
# Environment: PEER_TIMEOUT (s, per operation), PEER_REPEAT, PEER_OP_BUDGET (s).

# shellcheck source=peer-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/peer-lib.sh"

peer_firewalld_run() { peer_run firewalld "$@"; }

# --- everything below runs inside the namespaces --------------------------

_PF_FW_PID=
_PF_BUS_PID=

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
	peer_say "private dbus-daemon did not start"
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
	s=$(peer_now)
	firewalld --nofork --nopid --log-target console >"$1/firewalld.log" 2>&1 &
	_PF_FW_PID=$!
	for _ in $(seq 600); do
		[ "$(firewall-cmd --state 2>/dev/null)" = running ] && break
		kill -0 "$_PF_FW_PID" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$(firewall-cmd --state 2>/dev/null)" != running ]; then
		peer_say "firewalld did not start; its log:"
		tail -n 20 "$1/firewalld.log"
		return 1
	fi
	echo "startup_ms $(peer_ms "$s")" >>"$1/res"
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

# _pf_cmd add|del ADDRESS: the firewall-cmd call for one exception, into PEER_CMD
_pf_cmd() {
	local o=--add-rich-rule
	[ "$1" = del ] && o=--remove-rich-rule
	PEER_CMD=(firewall-cmd "$o=rule family=\"ipv4\" source address=\"$2\" port port=\"4242\" protocol=\"tcp\" accept")
}

_pf_reload() {
	timeout "$PEER_TIMEOUT" dbus-send --system --print-reply \
		--reply-timeout=$(((PEER_TIMEOUT + 30) * 1000)) \
		--dest=org.fedoraproject.FirewallD1 /org/fedoraproject/FirewallD1 \
		org.fedoraproject.FirewallD1.reload >/dev/null
}

_pf_measure() {
	local pairs=$1 dir=$2 s rc
	s=$(peer_now)
	_pf_reload
	case $? in
	0) echo "base_ms $(peer_ms "$s")" >>"$dir/res" ;;
	124) echo "base_ms timeout" >>"$dir/res" ;;
	*) peer_say "reload of the packaged configuration failed"; return 1 ;;
	esac
	_pf_zone "$pairs" >/etc/firewalld/zones/public.xml
	s=$(peer_now)
	_pf_reload
	rc=$?
	if [ $rc = 124 ]; then
		echo "load_status timeout" >>"$dir/res"
		return 0
	fi
	[ $rc = 0 ] || { peer_say "reload failed ($rc)"; tail -n 20 "$dir/firewalld.log"; return 1; }
	{
		echo "load_ms $(peer_ms "$s")"
		echo "load_status ok"
		echo "rss_kb $(awk '/^VmHWM:/ { print $2 }' "/proc/$_PF_FW_PID/status")"
	} >>"$dir/res"
	peer_check "$dir" "after reload" _pf_loaded || return 1
	: >"$dir/cli.ms"
	for _ in 1 2 3; do peer_op "$dir/cli.ms" firewall-cmd --state || return 1; done
	echo "cli_ms $(sort -n "$dir/cli.ms" | sed -n 2p)" >>"$dir/res"
	peer_oneops "$dir" _pf_cmd _pf_loaded || return 1
	peer_check "$dir" "after add/delete" _pf_loaded
}

peer_firewalld_inner() {
	local pairs=$1 dir=$2 rc
	peer_private "$dir/mnt" /etc/firewalld -- /run /var/log || return 1
	sort "$pairs" >"$dir/want"
	trap _pf_stop EXIT
	_pf_bus "$dir/mnt" && _pf_start "$dir" && _pf_measure "$pairs" "$dir"
	rc=$?
	_pf_stop
	trap - EXIT
	return $rc
}
