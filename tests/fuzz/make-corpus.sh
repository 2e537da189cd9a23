#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# (Re)writes the seed part of the committed corpus, tests/fuzz/corpus/NAME/seed-*,
# from the unit test cases, the shipped rules and catalog, doc/protocol.md, and
# gen_seeds.c for the binary (netlink) seeds. Inputs the fuzzers found are kept
# beside them as crash-* (regression cases) and are never touched here.
#
#   tests/fuzz/make-corpus.sh
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$src/tests/fuzz/corpus
for d in grammar proto nflog listeners catalog config; do
	mkdir -p "$corpus/$d"
	rm -f "$corpus/$d"/seed-*
done

# seed DIR NAME TEXT: TEXT plus a newline
seed() {
	printf '%s\n' "$3" >"$corpus/$1/seed-$2"
}

# ---- grammar: every case file, each of its lines, and valid rules ----
for f in "$src"/tests/unit/cases/*.rules "$src"/rules/default.rules; do
	base=$(basename "$f" .rules)
	cp "$f" "$corpus/grammar/seed-file-$base"
	n=0
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case $line in ''|'#'*) continue ;; esac
		printf '%s\n' "$line" >"$corpus/grammar/seed-$base-$n"
	done <"$f"
done
n=0
while IFS= read -r line; do
	n=$((n + 1))
	seed grammar "valid-$n" "$line"
done <<'RULES'
allow in proto tcp port 22
allow in port 80,443,8000-8080
deny out proto udp port 53 to 2001:db8::/32
reject in from 192.0.2.7 iface eth0 log
limit 10/second burst 20 in service ssh
limit 30/minute in proto tcp port 22 comment "ssh brute force"
limit 100/hour out to 10.0.0.0/8
allow in service https from ::1
allow out app /usr/bin/curl user 1000
allow out group 100 user alice
allow in proto icmp from 192.0.2.0/24
allow in proto icmpv6 to fe80::/10
allow in for 1h30m comment "until the end of the meeting"
allow out iface "log" comment "a \"quoted\" word and a \\ backslash"
allow in app "/opt/with space/bin/x" group "staff"
deny in from ::ffff:192.0.2.1
allow in port 1-65535 for 365d
policy in reject
policy out drop
RULES
{
	echo "policy in drop"
	echo "policy out accept"
	echo "allow in service ssh from 10.0.0.0/8 # office"
	printf 'limit 5/minute burst 10 in proto tcp port 25\r\n'
	printf '\tdeny out to 198.51.100.0/24 log\n'
} >"$corpus/grammar/seed-file-mixed"

# ---- proto: the examples of doc/protocol.md and a few of each kind ----
n=0
sed -n 's/^    \(fwd1 [a-z]\|item \|diag \|ok\|error \)/&/p' "$src/doc/protocol.md" |
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s\n' "${line#    }" >"$corpus/proto/seed-doc-$n"
done
n=0
while IFS= read -r line; do
	n=$((n + 1))
	seed proto "line-$n" "$line"
done <<'LINES'
fwd1 status
fwd1 list
fwd1 add rule="allow in proto tcp port 22" rule="deny out port 25"
fwd1 delete id=4 id=5
fwd1 check name="site.rules" size=120
fwd1 apply name="<stdin>" size=0 dry-run=true
"rule=allow in" "" "a""b"c "\"\\\n\t\x41\xfF"
a/b.c:d,e=f+g@h%i-j_K9 "h\xc3\xa9llo w"
item id=4 rule="allow in proto tcp port 22" origin="admin" created=1700000000 expires=0 remaining=0 packets=9223372036854775807 bytes=-9223372036854775808 comment="" owner=0
item change="+" rule="allow in port 80"
event kind="blocked" family=6 src="2001:db8::1" dport=22 proto="tcp" time=1700000000123
diag file="site.rules" line=3 col=10 len=4 msg="unknown keyword 'prot' (did you mean 'proto'?)" src="allow in prot tcp"
diag file="<stdin>" line=0 col=0 len=1 msg="no rule given"
ok count=3 dry_run=false
error code=2 errno="EOPNOTSUPP" msg="unknown verb 'frob'\n\x1b"
LINES
printf 'item line="policy in drop"\nitem line="allow in port 22"\nok count=2\n' \
	>"$corpus/proto/seed-response"

# ---- catalog: the shipped services, and some of the README's ----
for f in "$src"/rules/services/*.service; do
	cp "$f" "$corpus/catalog/seed-$(basename "$f" .service)"
done
printf 'description Mosh (mobile shell)\ntcp 22\nudp 60000-61000\n' >"$corpus/catalog/seed-mosh"
printf '# web\ndescription Web\ntcp 80,443,8000-8080 # alt\ntcp 8080\r\nudp 443\n' \
	>"$corpus/catalog/seed-web"
printf 'tcp 80,70000\ndescripton x\ndescription a\ndescription b\nudp\n' \
	>"$corpus/catalog/seed-errors"

# ---- config: fwd.conf(5) ----
cat >"$corpus/config/seed-all-keys" <<'CONF'
# fwd.conf
admin-group   netadm
	user-prompts no   # servers: nobody to ask
prompt-timeout 2m
log-max-events 10000000
stop-leaves-rules yes
log-group 0
   # indented comment
CONF
printf 'log-group 65535\r\nuser-prompts yes\n' >"$corpus/config/seed-crlf"
printf 'admin-grup wheel\nlog-group 65536\nprompt-timeout 1h1h\nuser-prompts\n' \
	>"$corpus/config/seed-errors"
printf 'stop-leaves-rules no\nadmin-group -x\nlog-max-events 0 1\nlog-group 1\nlog-group 2\n' \
	>"$corpus/config/seed-errors2"

# ---- nflog and listeners: built by gen_seeds ----
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -o "$tmp/gen_seeds" "$src/tests/fuzz/gen_seeds.c" \
	$(pkg-config --cflags --libs libmnl)
"$tmp/gen_seeds" "$corpus"
for d in grammar proto nflog listeners catalog config; do
	echo "$d: $(find "$corpus/$d" -name 'seed-*' | wc -l) seeds," \
		"$(find "$corpus/$d" -name 'crash-*' | wc -l) crash cases"
done
