# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by bench/peer-ufw.sh and bench/peer-firewalld.sh (so by bench/apply,
# and again by the bash each peer runs in): what driving a peer inside the
# benchmark's namespaces takes, whatever the peer.
#
#   peer_run NAME NS PAIRS DIR
#
# runs peer_NAME_inner PAIRS DIR of bench/peer-NAME.sh in the network
# namespace NS (the caller made it) and a private mount namespace made here,
# its output appended to DIR/log. The rest runs inside those namespaces:
# peer_now, peer_ms, peer_say (a message starting with the peer's name),
# peer_private (the peer's files as private copies on a tmpfs), peer_op (one
# timed call), peer_oneops (the one-exception add/delete runs), peer_check
# (the kernel holds exactly DIR/want).
#
# Environment: PEER_TIMEOUT (s, per operation), PEER_REPEAT, PEER_OP_BUDGET (s).

PEER_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEER_NAME=${PEER_NAME-}
PEER_CMD=()

peer_run() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	PEER_NAME=$1 ip netns exec "$2" unshare -m --propagation private \
		bash -c '. "$0" && "peer_${PEER_NAME}_inner" "$@"' \
		"$PEER_LIB_DIR/peer-$1.sh" "$3" "$4" >>"$4/log" 2>&1
}

# --- everything below runs inside the namespaces --------------------------

peer_now() { date +%s%N; }
peer_ms() { awk -v a="$1" -v b="$(peer_now)" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
peer_say() { printf '%s: %s\n' "$PEER_NAME" "$*"; }

# peer_private DIR PATH... [-- EMPTY...]: a tmpfs on DIR holds a private copy
# of each PATH (file or directory) and an empty directory for each EMPTY, each
# bind-mounted over the original. Refuses to mount anything unless this mount
# namespace is not the host's.
peer_private() {
	local w=$1 p n copy=1
	shift
	if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
		peer_say "not in a private mount namespace; refusing"
		return 1
	fi
	mkdir -p "$w" && mount -t tmpfs "fwba-$PEER_NAME" "$w" || return 1
	for p in "$@"; do
		[ "$p" = -- ] && { copy=; continue; }
		n=${p#/}
		n=$w/${n//\//-}
		if [ -n "$copy" ]; then cp -a "$p" "$n"; else mkdir "$n"; fi &&
			mount --bind "$n" "$p" || return 1
	done
}

# peer_op FILE CMD...: time one call, its ms appended to FILE; 2 when it timed
# out (ours, or the D-Bus reply timeout firewall-cmd runs into), 1 when it
# failed. Its output goes to FILE.out, and to the log when it failed.
peer_op() {
	local f=$1 s rc ms
	shift
	s=$(peer_now)
	timeout "$PEER_TIMEOUT" "$@" >"$f.out" 2>&1
	rc=$?
	ms=$(peer_ms "$s")
	[ $rc = 124 ] && return 2
	grep -q 'NoReply' "$f.out" && return 2
	[ $rc = 0 ] || { peer_say "failed ($rc): $* : $(head -c 300 "$f.out")"; return 1; }
	echo "$ms" >>"$f"
}

# peer_oneops DIR CMD LOADED: at most PEER_REPEAT times (no more once 3 are
# done and PEER_OP_BUDGET s are spent), add the exception 10.251.0.I port
# 4242, then delete it, timed into DIR/add.ms and DIR/del.ms. CMD add|del
# ADDRESS sets PEER_CMD to the peer's call; LOADED prints the kernel's
# "ADDRESS PORT" pairs, to see that the first add got there. A timeout ends
# the runs and is written to DIR/res (add_status or del_status).
peer_oneops() {
	local dir=$1 cmd=$2 loaded=$3 i=0 a s rc op
	s=$(peer_now)
	: >"$dir/add.ms"
	: >"$dir/del.ms"
	while [ $i -lt "$PEER_REPEAT" ]; do
		i=$((i + 1))
		a=10.251.0.$i
		for op in add del; do
			"$cmd" $op "$a"
			peer_op "$dir/$op.ms" "${PEER_CMD[@]}"
			rc=$?
			[ $rc = 2 ] && { echo "${op}_status timeout" >>"$dir/res"; return 0; }
			[ $rc = 0 ] || return 1
			if [ $op = add ] && [ $i = 1 ] &&
				[ "$("$loaded" | grep -c "^$a 4242$")" != 1 ]; then
				peer_say "${PEER_CMD[*]} did not put $a in the kernel"
				return 1
			fi
		done
		[ $i -ge 3 ] && [ $((($(peer_now) - s) / 1000000000)) -ge "$PEER_OP_BUDGET" ] && break
	done
	return 0
}

# peer_check DIR WHEN LOADED: does LOADED (as for peer_oneops) print exactly
# the pairs of DIR/want? WHEN starts the message when not.
peer_check() {
	"$3" | sort >"$1/loaded"
	cmp -s "$1/loaded" "$1/want" && return 0
	peer_say "$2: the kernel holds $(wc -l <"$1/loaded") of the $(wc -l <"$1/want") exceptions, or others:"
	diff "$1/want" "$1/loaded" | head -n 5
	return 1
}
