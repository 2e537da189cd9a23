# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash source-path=SCRIPTDIR
# Sourced by bench/apply: drive ufw (Debian's ufw 0.36, iptables-nft backend)
# with N exceptions, inside a network namespace the caller made and a private
# mount namespace made for it, so that neither the host's firewall nor its files
# (/etc/ufw, /etc/default/ufw, /lib/ufw, /run/ufw.lock) ever change.
#
#   peer_ufw_run NS PAIRS DIR
#
# PAIRS holds one exception a line, "ADDRESS PORT" (allow tcp from ADDRESS to
# port PORT). DIR receives: res ("key value" lines: load_ms, load_status,
# rss_kb; add_status/del_status when timed out), add.ms, del.ms (one figure
# a line), base_ms (`ufw reload` with one rule: ufw's fixed cost), log.
# Exit status 0 when measured (a timeout is a measurement), 1 when ufw failed
# or did not load exactly PAIRS.
#
# The path timed is ufw's bulk path: user.rules is written in ufw's own format
# (a "### tuple ###" comment and its -A line per rule, as `ufw allow` writes
# them; the first rule is added by `ufw allow` itself and its file is the
# template) and `ufw reload` (ufw-init: flush, then iptables-restore of
# before/user/after rules) is timed. One-by-one `ufw allow` of 50,000 rules
# would take hours. Add/delete are `ufw allow ...` / `ufw delete allow ...`.
#
# bench/peer-lib.sh holds what this shares with bench/peer-firewalld.sh.
#
# Environment: PEER_TIMEOUT (s, per operation), PEER_REPEAT, PEER_OP_BUDGET (s).

# shellcheck source=peer-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/peer-lib.sh"

peer_ufw_run() { peer_run ufw "$@"; }

# --- everything below runs inside the namespaces --------------------------

# the kernel's view: "ADDRESS PORT" of every accept in ufw-user-input
_pu_loaded() {
	iptables-save -t filter | sed -nE \
		's#^-A ufw-user-input -s (10\.[0-9.]+)/32 -p tcp -m tcp --dport ([0-9]+) -j ACCEPT$#\1 \2#p'
}

# all pairs but the first, in the format `ufw allow` writes them
_pu_user_rules() {
	awk 'NR > 1 { printf "\n### tuple ### allow tcp %s 0.0.0.0/0 any %s in\n" \
		"-A ufw-user-input -p tcp --dport %s -s %s -j ACCEPT\n", $2, $1, $2, $1 }' "$1" >"$2/body"
	grep -q '^### END RULES ###$' /etc/ufw/user.rules || return 1
	awk -v body="$2/body" '/^### END RULES ###$/ {
		while ((getline l < body) > 0) print l
		print ""
	} { print }' /etc/ufw/user.rules >"$2/user.rules" &&
		cat "$2/user.rules" >/etc/ufw/user.rules
}

# _pu_cmd add|del ADDRESS: the ufw call for one exception, into PEER_CMD
_pu_cmd() {
	PEER_CMD=(ufw allow from "$2" to any port 4242 proto tcp)
	[ "$1" = add ] || PEER_CMD=(ufw delete "${PEER_CMD[@]:1}")
}

_pu_check() { # PAIRS DIR WHEN
	local n
	peer_check "$2" "$3" _pu_loaded || return 1
	n=$(grep -c '^### tuple ### allow tcp ' /etc/ufw/user.rules)
	[ "$n" = "$(wc -l <"$1")" ] && return 0
	peer_say "$3: ufw's user.rules holds $n rules, not $(wc -l <"$1")"
	return 1
}

peer_ufw_inner() {
	local pairs=$1 dir=$2 s rc first
	peer_private "$dir/mnt" /etc/ufw /lib/ufw /etc/default/ufw -- /run || return 1
	sort "$pairs" >"$dir/want"
	ufw --force enable >/dev/null || { peer_say "ufw enable failed"; return 1; }
	read -r -a first <"$pairs"
	ufw allow from "${first[0]}" to any port "${first[1]}" proto tcp >/dev/null || return 1
	: >"$dir/base.ms"
	peer_op "$dir/base.ms" ufw reload
	case $? in
	0) echo "base_ms $(cat "$dir/base.ms")" >>"$dir/res" ;;
	2) echo "base_ms timeout" >>"$dir/res" ;;
	*) return 1 ;;
	esac
	_pu_user_rules "$pairs" "$dir" || { peer_say "unexpected user.rules"; return 1; }
	s=$(peer_now)
	/usr/bin/time -o "$dir/rss" -f %M timeout "$PEER_TIMEOUT" ufw reload >/dev/null
	rc=$?
	if [ $rc = 124 ]; then
		echo "load_status timeout" >>"$dir/res"
		return 0
	fi
	[ $rc = 0 ] || { peer_say "ufw reload failed ($rc)"; return 1; }
	{
		echo "load_ms $(peer_ms "$s")"
		echo "load_status ok"
		echo "rss_kb $(tail -n 1 "$dir/rss")"
	} >>"$dir/res"
	_pu_check "$pairs" "$dir" "after ufw reload" || return 1
	peer_oneops "$dir" _pu_cmd _pu_loaded || return 1
	_pu_check "$pairs" "$dir" "after add/delete"
}
