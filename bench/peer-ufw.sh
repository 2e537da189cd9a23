# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by bench/apply: drive ufw (Debian's ufw 0.36, iptables-nft backend)
# with N exceptions, inside a network namespace the caller made and a private
# mount namespace made here, so that neither the host's firewall nor its files
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
# Environment: PEER_TIMEOUT (s, per operation), PEER_REPEAT, PEER_OP_BUDGET (s).

PEER_UFW_SH=${BASH_SOURCE[0]}

peer_ufw_run() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$1" unshare -m --propagation private \
		bash -c '. "$0" && peer_ufw_inner "$@"' "$PEER_UFW_SH" "$2" "$3" \
		>>"$3/log" 2>&1
}

# --- everything below runs inside the namespaces --------------------------

_pu_now() { date +%s%N; }
_pu_ms() { awk -v a="$1" -v b="$(_pu_now)" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
_pu_say() { printf 'ufw: %s\n' "$*"; }

# refuse to mount anything unless this mount namespace is not the host's
_pu_private() {
	local w=$1
	if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
		_pu_say "not in a private mount namespace; refusing"
		return 1
	fi
	mkdir -p "$w" && mount -t tmpfs fwba-ufw "$w" || return 1
	cp -a /etc/ufw "$w/etc-ufw" && mount --bind "$w/etc-ufw" /etc/ufw &&
		cp -a /lib/ufw "$w/lib-ufw" && mount --bind "$w/lib-ufw" /lib/ufw &&
		cp -a /etc/default/ufw "$w/default-ufw" &&
		mount --bind "$w/default-ufw" /etc/default/ufw &&
		mkdir "$w/run" && mount --bind "$w/run" /run
}

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

# _pu_op FILE CMD...: time one ufw call into FILE; 2 on timeout
_pu_op() {
	local f=$1 s rc
	shift
	s=$(_pu_now)
	timeout "$PEER_TIMEOUT" "$@" >/dev/null
	rc=$?
	[ $rc = 124 ] && return 2
	[ $rc = 0 ] || { _pu_say "failed ($rc): $*"; return 1; }
	_pu_ms "$s" >>"$f"
}

_pu_oneops() {
	local dir=$1 i=0 a s rc
	s=$(_pu_now)
	: >"$dir/add.ms"
	: >"$dir/del.ms"
	while [ $i -lt "$PEER_REPEAT" ]; do
		i=$((i + 1))
		a=10.251.0.$i
		_pu_op "$dir/add.ms" ufw allow from "$a" to any port 4242 proto tcp
		rc=$?
		[ $rc = 2 ] && { echo "add_status timeout" >>"$dir/res"; return 0; }
		[ $rc = 0 ] || return 1
		if [ $i = 1 ] && [ "$(_pu_loaded | grep -c "^$a 4242$")" != 1 ]; then
			_pu_say "ufw allow did not put $a in the kernel"
			return 1
		fi
		_pu_op "$dir/del.ms" ufw delete allow from "$a" to any port 4242 proto tcp
		rc=$?
		[ $rc = 2 ] && { echo "del_status timeout" >>"$dir/res"; return 0; }
		[ $rc = 0 ] || return 1
		[ $i -ge 3 ] && [ $((($(_pu_now) - s) / 1000000000)) -ge "$PEER_OP_BUDGET" ] && break
	done
	return 0
}

_pu_check() { # PAIRS DIR WHEN
	local n
	_pu_loaded | sort >"$2/loaded"
	if ! cmp -s "$2/loaded" "$2/want"; then
		_pu_say "$3: the kernel holds $(wc -l <"$2/loaded") of the $(wc -l <"$2/want") exceptions, or others:"
		diff "$2/want" "$2/loaded" | head -n 5
		return 1
	fi
	n=$(grep -c '^### tuple ### allow tcp ' /etc/ufw/user.rules)
	[ "$n" = "$(wc -l <"$1")" ] && return 0
	_pu_say "$3: ufw's user.rules holds $n rules, not $(wc -l <"$1")"
	return 1
}

peer_ufw_inner() {
	local pairs=$1 dir=$2 s rc first
	_pu_private "$dir/mnt" || return 1
	sort "$pairs" >"$dir/want"
	ufw --force enable >/dev/null || { _pu_say "ufw enable failed"; return 1; }
	read -r -a first <"$pairs"
	ufw allow from "${first[0]}" to any port "${first[1]}" proto tcp >/dev/null || return 1
	: >"$dir/base.ms"
	_pu_op "$dir/base.ms" ufw reload
	case $? in
	0) echo "base_ms $(cat "$dir/base.ms")" >>"$dir/res" ;;
	2) echo "base_ms timeout" >>"$dir/res" ;;
	*) return 1 ;;
	esac
	_pu_user_rules "$pairs" "$dir" || { _pu_say "unexpected user.rules"; return 1; }
	s=$(_pu_now)
	/usr/bin/time -o "$dir/rss" -f %M timeout "$PEER_TIMEOUT" ufw reload >/dev/null
	rc=$?
	if [ $rc = 124 ]; then
		echo "load_status timeout" >>"$dir/res"
		return 0
	fi
	[ $rc = 0 ] || { _pu_say "ufw reload failed ($rc)"; return 1; }
	{
		echo "load_ms $(_pu_ms "$s")"
		echo "load_status ok"
		echo "rss_kb $(tail -n 1 "$dir/rss")"
	} >>"$dir/res"
	_pu_check "$pairs" "$dir" "after ufw reload" || return 1
	_pu_oneops "$dir" || return 1
	_pu_check "$pairs" "$dir" "after add/delete"
}
