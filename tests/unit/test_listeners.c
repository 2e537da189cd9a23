/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * listeners (inet_diag parser and live scan) and procmap (the /proc owner
 * lookup, in process and through the helper). The live checks open their
 * own sockets on loopback and need no network; checks that need root say
 * so and are skipped otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "listeners.h"
#include "procmap.h"
#include "testlib.h"

#define LISTEN_MODE "--listen-and-wait"

static bool is_root;

static void skip(const char *what)
{
	printf("SKIP %s\n", what);
}

/* ---- hand-built inet_diag answers ---- */

struct dmsg {
	uint8_t b[512];
	size_t len;
	size_t ends[8][2];      /* [first, last] valid truncation points */
	size_t nends;
};

struct dcase {
	const char *name;
	uint8_t proto, family, state;
	const char *src, *dst;
	uint16_t sport, dport;
	int v6only;             /* -1: no INET_DIAG_SKV6ONLY */
	uint64_t cgroup;        /* 0: no INET_DIAG_CGROUP_ID */
	int want;               /* listeners_parse_msg's answer */
	bool accepts4, accepts6, loopback;
};

static void put_attr(struct dmsg *m, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	size_t start = m->len;

	memcpy(m->b + m->len, &a, sizeof(a));
	memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(a.nla_len);
	m->ends[m->nends][0] = start + a.nla_len;
	m->ends[m->nends++][1] = m->len;
}

static void set_nlmsg_len(uint8_t *b, size_t len)
{
	uint32_t l = (uint32_t)len;

	memcpy(b, &l, sizeof(l));
}

static void build(struct dmsg *m, const struct dcase *c)
{
	struct nlmsghdr h = { .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_MULTI };
	struct inet_diag_msg d;
	uint8_t u8 = 0;

	memset(m, 0, sizeof(*m));
	memset(&d, 0, sizeof(d));
	d.idiag_family = c->family;
	d.idiag_state = c->state;
	d.id.idiag_sport = htons(c->sport);
	d.id.idiag_dport = htons(c->dport);
	if (c->src)
		inet_pton(c->family, c->src, d.id.idiag_src);
	if (c->dst)
		inet_pton(c->family, c->dst, d.id.idiag_dst);
	d.idiag_uid = 1000;
	d.idiag_inode = 4242;
	m->len = NLMSG_HDRLEN + sizeof(d);
	memcpy(m->b + NLMSG_HDRLEN, &d, sizeof(d));
	m->ends[0][0] = m->ends[0][1] = m->len;
	m->nends = 1;
	put_attr(m, INET_DIAG_SHUTDOWN, &u8, 1);
	if (c->v6only >= 0) {
		u8 = (uint8_t)c->v6only;
		put_attr(m, INET_DIAG_SKV6ONLY, &u8, 1);
	}
	put_attr(m, INET_DIAG_PAD, "", 0);
	if (c->cgroup)
		put_attr(m, INET_DIAG_CGROUP_ID, &c->cgroup, 8);
	h.nlmsg_len = (uint32_t)m->len;
	memcpy(m->b, &h, sizeof(h));
}

static const struct dcase dcases[] = {
	{ "tcp v4 listener", IPPROTO_TCP, AF_INET, 10, "127.0.0.1", NULL, 8080, 0,
	  -1, 77, 1, true, false, true },
	{ "tcp v6 dual-stack", IPPROTO_TCP, AF_INET6, 10, "::", NULL, 22, 0,
	  0, 77, 1, true, true, false },
	{ "tcp v6only", IPPROTO_TCP, AF_INET6, 10, "::", NULL, 22, 0,
	  1, 0, 1, false, true, false },
	{ "tcp v6 ::1", IPPROTO_TCP, AF_INET6, 10, "::1", NULL, 631, 0,
	  1, 5, 1, false, true, true },
	{ "tcp v4-mapped", IPPROTO_TCP, AF_INET6, 10, "::ffff:127.0.0.2", NULL, 25, 0,
	  0, 5, 1, true, false, true },
	{ "udp v4 bound", IPPROTO_UDP, AF_INET, 7, "0.0.0.0", NULL, 53, 0,
	  -1, 9, 1, true, false, false },
	{ "udp v6 bound dual-stack", IPPROTO_UDP, AF_INET6, 7, "::", NULL, 5353, 0,
	  0, 9, 1, true, true, false },
	{ "udp connected", IPPROTO_UDP, AF_INET, 1, "10.0.0.1", "10.0.0.2", 4000, 53,
	  -1, 9, 0, false, false, false },
	{ "udp close with peer", IPPROTO_UDP, AF_INET, 7, "10.0.0.1", "10.0.0.2", 4000, 53,
	  -1, 9, 0, false, false, false },
	{ "udp close with peer port", IPPROTO_UDP, AF_INET, 7, "10.0.0.1", NULL, 4000, 53,
	  -1, 9, 0, false, false, false },
	{ "udp close with peer address", IPPROTO_UDP, AF_INET6, 7, "::", "fe80::1", 4000, 0,
	  0, 9, 0, false, false, false },
	{ "tcp established", IPPROTO_TCP, AF_INET, 1, "10.0.0.1", "10.0.0.2", 22, 4000,
	  -1, 9, 0, false, false, false },
	{ "unix family", IPPROTO_TCP, AF_UNIX, 10, NULL, NULL, 0, 0,
	  -1, 0, -1, false, false, false },
	{ "no protocol from the caller", 0, AF_INET, 10, "0.0.0.0", NULL, 80, 0,
	  -1, 0, -1, false, false, false },
};

static void test_parse_cases(void)
{
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		struct listener l = { .proto = c->proto };
		uint8_t want_addr[16] = { 0 };
		struct dmsg m;
		int rc;

		build(&m, c);
		rc = listeners_parse_msg((const struct nlmsghdr *)m.b, m.len, &l);
		CHECK(rc == c->want, "%s: rc %d, want %d", c->name, rc, c->want);
		if (rc != 1 || c->want != 1)
			continue;
		inet_pton(c->family, c->src, want_addr);
		CHECK(l.proto == c->proto && l.family == c->family, "%s: proto/family", c->name);
		CHECK(memcmp(l.addr, want_addr, 16) == 0, "%s: addr", c->name);
		CHECK(l.port == c->sport, "%s: port %u", c->name, l.port);
		CHECK(l.uid == 1000 && l.inode == 4242, "%s: uid %u inode %llu", c->name,
		      (unsigned)l.uid, (unsigned long long)l.inode);
		CHECK(l.v6only == (c->v6only == 1), "%s: v6only", c->name);
		CHECK(l.cgroup_id == c->cgroup, "%s: cgroup %llu", c->name,
		      (unsigned long long)l.cgroup_id);
		CHECK(listener_accepts_family(&l, AF_INET) == c->accepts4, "%s: accepts v4", c->name);
		CHECK(listener_accepts_family(&l, AF_INET6) == c->accepts6, "%s: accepts v6", c->name);
		CHECK(listener_is_loopback(&l) == c->loopback, "%s: loopback", c->name);
	}
}

static bool valid_cut(const struct dmsg *m, size_t len)
{
	for (size_t i = 0; i < m->nends; i++)
		if (len >= m->ends[i][0] && len <= m->ends[i][1])
			return true;
	return false;
}

/* every prefix in an exact-size heap block, so ASan sees any overread */
static void test_parse_truncated(void)
{
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		int bad_short = 0, bad_cut = 0;
		struct dmsg m;

		if (c->want != 1)
			continue;
		build(&m, c);
		for (size_t len = 0; len < m.len; len++) {
			uint8_t *p = malloc(len ? len : 1);
			struct listener l = { .proto = c->proto };
			int rc;

			memcpy(p, m.b, len);
			/* nlmsg_len still says the whole message: never fits */
			if (listeners_parse_msg((const struct nlmsghdr *)p, len, &l) != -1)
				bad_short++;
			if (len >= 4) {
				/* consistent cut: only attribute boundaries parse */
				set_nlmsg_len(p, len);
				l.proto = c->proto;
				rc = listeners_parse_msg((const struct nlmsghdr *)p, len, &l);
				if (rc != (valid_cut(&m, len) ? 1 : -1))
					bad_cut++;
			}
			free(p);
		}
		CHECK(bad_short == 0, "%s: %d short lengths not rejected", c->name, bad_short);
		CHECK(bad_cut == 0, "%s: %d cut lengths misjudged", c->name, bad_cut);
	}
}

static void patch_attr(struct dmsg *m, size_t off, uint16_t nla_len)
{
	memcpy(m->b + off, &nla_len, sizeof(nla_len));
}

static void test_parse_bogus_attrs(void)
{
	const size_t first = NLMSG_HDRLEN + sizeof(struct inet_diag_msg);
	const uint16_t lens[] = { 0, 1, 3, 4 + 200 };
	struct listener l;
	struct dmsg m;
	uint8_t two[2] = { 1, 0 };
	uint32_t four = 1;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		build(&m, &dcases[1]);
		patch_attr(&m, first, lens[i]);
		l.proto = IPPROTO_TCP;
		CHECK(listeners_parse_msg((const struct nlmsghdr *)m.b, m.len, &l) == -1,
		      "attribute length %u accepted", lens[i]);
	}
	build(&m, &dcases[1]);
	put_attr(&m, INET_DIAG_SKV6ONLY, two, 2);
	set_nlmsg_len(m.b, m.len);
	l.proto = IPPROTO_TCP;
	CHECK(listeners_parse_msg((const struct nlmsghdr *)m.b, m.len, &l) == -1,
	      "2-byte SKV6ONLY accepted");
	build(&m, &dcases[1]);
	put_attr(&m, INET_DIAG_CGROUP_ID, &four, 4);
	set_nlmsg_len(m.b, m.len);
	l.proto = IPPROTO_TCP;
	CHECK(listeners_parse_msg((const struct nlmsghdr *)m.b, m.len, &l) == -1,
	      "4-byte CGROUP_ID accepted");
	build(&m, &dcases[1]);
	two[0] = IPPROTO_UDP;
	put_attr(&m, INET_DIAG_PROTOCOL, two, 1);
	set_nlmsg_len(m.b, m.len);
	l.proto = IPPROTO_TCP;
	CHECK(listeners_parse_msg((const struct nlmsghdr *)m.b, m.len, &l) == -1,
	      "INET_DIAG_PROTOCOL disagreeing with the dump accepted");
	build(&m, &dcases[1]);
	m.b[4] = NLMSG_ERROR;
	m.b[5] = 0;
	l.proto = IPPROTO_TCP;
	CHECK(listeners_parse_msg((const struct nlmsghdr *)m.b, m.len, &l) == -1,
	      "NLMSG_ERROR parsed as a listener");
}

/* random byte flips on valid messages: any answer, but no crash or overread */
static void test_parse_mutations(void)
{
	unsigned int seed = 12345;
	int odd = 0;

	for (int iter = 0; iter < 20000; iter++) {
		const struct dcase *c = &dcases[iter % 7];
		struct listener l = { .proto = c->proto };
		struct dmsg m;
		uint8_t *p;
		int rc;

		build(&m, c);
		for (int k = 0; k < 1 + iter % 4; k++)
			m.b[rand_r(&seed) % m.len] = (uint8_t)rand_r(&seed);
		p = malloc(m.len);
		memcpy(p, m.b, m.len);
		rc = listeners_parse_msg((const struct nlmsghdr *)p, m.len, &l);
		if (rc < -1 || rc > 1)
			odd++;
		free(p);
	}
	CHECK(odd == 0, "%d mutated messages gave an answer outside -1..1", odd);
}

static void test_format(void)
{
	struct listener l = { .proto = IPPROTO_TCP, .family = AF_INET6, .port = 22 };
	char buf[LISTENER_FMT_MAX];

	listener_format(&l, buf, sizeof(buf));
	CHECK_STR(buf, "tcp [::]:22", "format v6 any");
	l.proto = IPPROTO_UDP;
	l.family = AF_INET;
	l.port = 53;
	inet_pton(AF_INET, "127.0.0.53", l.addr);
	listener_format(&l, buf, sizeof(buf));
	CHECK_STR(buf, "udp 127.0.0.53:53", "format v4");
}

static void test_interpreters(void)
{
	static const struct { const char *exe; bool want; } cases[] = {
		{ "/usr/bin/python3.11", true }, { "/usr/bin/python3", true },
		{ "/usr/bin/perl", true }, { "/usr/bin/perl5.36.0", true },
		{ "/usr/bin/ruby3.1", true }, { "/usr/bin/node", true },
		{ "/usr/bin/bash", true }, { "/bin/sh", true }, { "/usr/bin/dash", true },
		{ "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", true },
		{ "/usr/sbin/php-fpm8.2", true }, { "/lib64/ld-linux-x86-64.so.2", true },
		{ "python3", true },
		{ "/usr/sbin/sshd", false }, { "/usr/bin/shred", false },
		{ "/usr/bin/bashful", false }, { "/usr/sbin/nginx", false },
		{ "/usr/bin/nodes", false }, { "/usr/sbin/named", false }, { "", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK(procmap_is_interpreter(cases[i].exe) == cases[i].want,
		      "interpreter %s: want %d", cases[i].exe, cases[i].want);
}

/* ---- live sockets ---- */

struct sock {
	int fd;
	uint64_t inode;
	uint16_t port;
};

static int open_sock(int family, int type, const char *addr, int v6only, struct sock *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = family == AF_INET ? sizeof(struct sockaddr_in)
					 : sizeof(struct sockaddr_in6);
	struct stat st;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET)
		inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr);
	else
		inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr);
	s->fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -1;
	if (family == AF_INET6 &&
	    setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) < 0)
		goto fail;
	if (bind(s->fd, (struct sockaddr *)&ss, sl) < 0 ||
	    (type == SOCK_STREAM && listen(s->fd, 8) < 0) ||
	    getsockname(s->fd, (struct sockaddr *)&ss, &sl) < 0 || fstat(s->fd, &st) < 0)
		goto fail;
	s->inode = st.st_ino;
	s->port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					  : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
fail:
	close(s->fd);
	s->fd = -1;
	return -1;
}

static const struct listener *find_inode(const struct listener *v, size_t n, uint64_t ino)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].inode == ino)
			return &v[i];
	return NULL;
}

static void check_scanned(const struct listener *v, size_t n, const struct sock *s,
			  uint8_t proto, int family, bool dual, const char *what)
{
	const struct listener *l = find_inode(v, n, s->inode);

	CHECK(l != NULL, "%s (inode %llu) not in the scan", what, (unsigned long long)s->inode);
	if (!l)
		return;
	CHECK(l->proto == proto && l->family == family, "%s: proto %u family %d", what,
	      l->proto, l->family);
	CHECK(l->port == s->port, "%s: port %u, want %u", what, l->port, s->port);
	CHECK(l->uid == geteuid(), "%s: uid %u", what, (unsigned)l->uid);
	CHECK(listener_accepts_family(l, AF_INET) == (family == AF_INET || dual),
	      "%s: accepts IPv4", what);
	if (family == AF_INET6)
		CHECK(!l->v6only == dual, "%s: v6only %d", what, l->v6only);
}

static struct sock tcp4, tcp6, udp4, udp_conn, tcp_client;
static bool have_v6;

static void test_scan_live(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct listener *v = NULL;
	char err[256] = "";
	struct stat st;
	size_t n = 0;

	CHECK(open_sock(AF_INET, SOCK_STREAM, "127.0.0.1", 0, &tcp4) == 0, "tcp4: %s", strerror(errno));
	have_v6 = open_sock(AF_INET6, SOCK_STREAM, "::", 0, &tcp6) == 0;
	if (!have_v6)
		skip("no IPv6: the [::]:0 dual-stack listener");
	CHECK(open_sock(AF_INET, SOCK_DGRAM, "0.0.0.0", 0, &udp4) == 0, "udp4: %s", strerror(errno));
	/* a connected UDP socket and a TCP client must not be listed */
	CHECK(open_sock(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, &udp_conn) == 0, "udp_conn");
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	to.sin_port = htons(udp4.port);
	CHECK(connect(udp_conn.fd, (struct sockaddr *)&to, sizeof(to)) == 0, "udp connect");
	tcp_client.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	to.sin_port = htons(tcp4.port);
	CHECK(connect(tcp_client.fd, (struct sockaddr *)&to, sizeof(to)) == 0, "tcp connect");
	fstat(tcp_client.fd, &st);
	tcp_client.inode = st.st_ino;

	CHECK(listeners_scan(&v, &n, err, sizeof(err)) == 0, "scan: %s", err);
	check_scanned(v, n, &tcp4, IPPROTO_TCP, AF_INET, false, "tcp 127.0.0.1");
	if (have_v6)
		check_scanned(v, n, &tcp6, IPPROTO_TCP, AF_INET6, true, "tcp [::] dual-stack");
	check_scanned(v, n, &udp4, IPPROTO_UDP, AF_INET, false, "udp 0.0.0.0");
	CHECK(find_inode(v, n, udp_conn.inode) == NULL, "connected udp socket listed");
	CHECK(find_inode(v, n, tcp_client.inode) == NULL, "tcp client socket listed");
	if (find_inode(v, n, tcp4.inode))
		CHECK(listener_is_loopback(find_inode(v, n, tcp4.inode)), "127.0.0.1 not loopback");
	free(v);
}

/* ---- procmap, in process ---- */

static char self_exe[PROCMAP_EXE_MAX];

static void check_owner(const struct proc_owner *o, uint64_t ino, pid_t pid,
			enum owner_state st, const char *exe, const char *what)
{
	CHECK(o->inode == ino, "%s: inode %llu", what, (unsigned long long)o->inode);
	CHECK(o->state == st, "%s: state %s, want %s", what, procmap_state_name(o->state),
	      procmap_state_name(st));
	CHECK(o->pid == pid, "%s: pid %d, want %d", what, (int)o->pid, (int)pid);
	if (exe)
		CHECK_STR(o->exe, exe, what);
}

typedef int (*lookup_fn)(const uint64_t *, const uid_t *, size_t, struct proc_owner *);

static struct procmap *the_helper;

static int lookup_helper(const uint64_t *inodes, const uid_t *uids, size_t n,
			 struct proc_owner *out)
{
	return procmap_lookup(the_helper, inodes, uids, n, out);
}

static void test_owner_self(lookup_fn fn, const char *how)
{
	uint64_t inodes[3] = { tcp4.inode, udp4.inode, have_v6 ? tcp6.inode : tcp4.inode };
	uid_t uids[3] = { geteuid(), geteuid(), geteuid() };
	struct proc_owner *out = calloc(3, sizeof(*out));
	char what[64];
	int moved;

	for (int round = 0; round < 2; round++) {   /* cold, then warm */
		CHECK(fn(inodes, uids, 3, out) == 0, "%s lookup", how);
		for (int i = 0; i < 3; i++) {
			snprintf(what, sizeof(what), "%s self %d round %d", how, i, round);
			check_owner(&out[i], inodes[i], getpid(), OWNER_OK, self_exe, what);
		}
	}
	/* one socket on two descriptors, then only on the new one */
	moved = fcntl(tcp4.fd, F_DUPFD_CLOEXEC, 100);
	procmap_cache_clear();
	CHECK(fn(inodes, NULL, 1, out) == 0, "%s lookup after dup", how);
	check_owner(&out[0], inodes[0], getpid(), OWNER_OK, self_exe, "two descriptors");
	close(tcp4.fd);
	tcp4.fd = moved;
	CHECK(fn(inodes, NULL, 1, out) == 0, "%s lookup after move", how);
	check_owner(&out[0], inodes[0], getpid(), OWNER_OK, self_exe, "moved descriptor");
	/* an inode nobody holds */
	inodes[0] = 999999999;
	CHECK(fn(inodes, uids, 1, out) == 0, "%s lookup of a bogus inode", how);
	if (is_root)
		check_owner(&out[0], inodes[0], 0, OWNER_NOT_FOUND, "", "bogus inode");
	else
		CHECK(out[0].state == OWNER_NOT_FOUND || out[0].state == OWNER_UNREADABLE,
		      "bogus inode: %s", procmap_state_name(out[0].state));
	free(out);
}

/* a child that listens, reports its inode and waits until killed */
static pid_t child_listener(uint64_t *ino)
{
	int p[2];
	pid_t pid;
	struct sock s;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (open_sock(AF_INET, SOCK_STREAM, "127.0.0.1", 0, &s) == 0 &&
		    write(p[1], &s.inode, sizeof(s.inode)) == sizeof(s.inode))
			pause();
		_exit(1);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], ino, sizeof(*ino)) != sizeof(*ino)) {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void test_owner_child(lookup_fn fn, const char *how)
{
	struct proc_owner *out = calloc(2, sizeof(*out));
	uint64_t inodes[2];
	pid_t child = child_listener(&inodes[0]), sharer;

	CHECK(child > 0, "%s: child listener", how);
	if (child <= 0)
		goto out;
	CHECK(fn(inodes, NULL, 1, out) == 0, "%s lookup child", how);
	check_owner(&out[0], inodes[0], child, OWNER_OK, self_exe, "child listener");
	reap(child);
	CHECK(fn(inodes, NULL, 1, out) == 0, "%s lookup dead child", how);
	if (is_root)
		check_owner(&out[0], inodes[0], 0, OWNER_NOT_FOUND, "", "killed child");
	else
		skip("killed child -> NOT_FOUND needs root (others' /proc/PID/fd)");

	/* fork after listen: both hold it, the lowest pid answers */
	sharer = fork();
	if (sharer == 0) {
		pause();
		_exit(0);
	}
	inodes[1] = udp4.inode;
	inodes[0] = tcp4.inode;
	CHECK(fn(inodes, NULL, 2, out) == 0, "%s lookup shared", how);
	check_owner(&out[0], inodes[0], getpid() < sharer ? getpid() : sharer, OWNER_OK,
		    self_exe, "shared socket, lowest pid");
	reap(sharer);
out:
	free(out);
}

/* the lower holder hands the socket over: found at the other one */
static void test_owner_handoff(void)
{
	struct proc_owner *out = calloc(1, sizeof(*out));
	struct sock s;
	pid_t child;

	procmap_cache_recheck(0);
	CHECK(open_sock(AF_INET, SOCK_STREAM, "127.0.0.1", 0, &s) == 0, "handoff socket");
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	CHECK(procmap_lookup_local(&s.inode, NULL, 1, out) == 0, "handoff lookup");
	check_owner(out, s.inode, getpid() < child ? getpid() : child, OWNER_OK,
		    self_exe, "before handoff");
	close(s.fd);
	CHECK(procmap_lookup_local(&s.inode, NULL, 1, out) == 0, "handoff lookup 2");
	check_owner(out, s.inode, child, OWNER_OK, self_exe, "after handoff");
	reap(child);
	procmap_cache_recheck(10);
	free(out);
}

/* a copy of this binary, listening, then deleted from disk */
static void test_owner_deleted(lookup_fn fn, const char *how)
{
	char path[] = "/tmp/fwd-test-listeners.XXXXXX", arg[16];
	struct proc_owner *out = calloc(1, sizeof(*out));
	int in = -1, fd = -1, p[2] = { -1, -1 };
	uint64_t ino = 0;
	pid_t pid = -1;
	char buf[65536];
	ssize_t n;

	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	fd = mkostemp(path, O_CLOEXEC);
	if (in < 0 || fd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		skip("deleted exe: cannot copy the test binary");
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	fchmod(fd, 0700);
	close(fd);      /* before fork, or exec fails with ETXTBSY */
	fd = -1;
	pid = fork();
	if (pid == 0) {
		if (p[1] == 3)
			fcntl(3, F_SETFD, 0);
		else
			dup2(p[1], 3);
		snprintf(arg, sizeof(arg), "%d", 3);
		execl(path, path, LISTEN_MODE, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	p[1] = -1;
	if (pid < 0 || read(p[0], &ino, sizeof(ino)) != sizeof(ino)) {
		skip("deleted exe: the copy did not start (noexec /tmp?)");
		goto out;
	}
	CHECK(fn(&ino, NULL, 1, out) == 0, "%s lookup copy", how);
	check_owner(out, ino, pid, OWNER_OK, path, "copied binary");
	unlink(path);
	CHECK(fn(&ino, NULL, 1, out) == 0, "%s lookup deleted copy", how);
	check_owner(out, ino, pid, OWNER_DELETED, path, "deleted binary");
out:
	if (pid > 0)
		reap(pid);
	unlink(path);
	if (in >= 0)
		close(in);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	free(out);
}

/* ---- procmap, through the helper ---- */

static void check_helper_confined(pid_t hp)
{
	char path[64], line[256];
	int nfds = 0;
	FILE *f;

	if (!is_root) {
		skip("helper capabilities and descriptors (needs root)");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)hp);
	f = fopen(path, "r");
	CHECK(f != NULL, "helper status");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "CapEff:", 7) == 0 || strncmp(line, "CapPrm:", 7) == 0 ||
		    strncmp(line, "CapBnd:", 7) == 0)
			/* CAP_DAC_READ_SEARCH (2) and CAP_SYS_PTRACE (19); bounding: none */
			CHECK(strstr(line, line[3] == 'B' ? "0000000000000000"
							  : "0000000000080004") != NULL,
			      "helper %s", line);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)hp);
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)hp, fd);
		if (access(path, F_OK) == 0)
			nfds++;
	}
	CHECK(nfds == 4, "helper has %d descriptors, want 0-3", nfds);
}

/* killed, stopped, or impossible to restart: answers or fails closed */
static void test_helper_restart(void)
{
	struct proc_owner *out = calloc(1, sizeof(*out));
	uint64_t ino = tcp4.inode;
	struct timespec t0, t1;
	struct rlimit rl, low;
	pid_t hp = procmap_helper_pid(the_helper);

	kill(hp, SIGKILL);
	CHECK(procmap_lookup(the_helper, &ino, NULL, 1, out) == 0, "lookup after kill");
	check_owner(out, ino, getpid(), OWNER_OK, self_exe, "after helper kill");
	CHECK(procmap_helper_pid(the_helper) != hp && procmap_helper_pid(the_helper) > 0,
	      "helper not respawned");

	hp = procmap_helper_pid(the_helper);
	if (hp > 0)
		kill(hp, SIGSTOP);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(procmap_lookup(the_helper, &ino, NULL, 1, out) == 0, "lookup after stop");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	check_owner(out, ino, getpid(), OWNER_OK, self_exe, "after helper stop");
	CHECK(t1.tv_sec - t0.tv_sec >= 1 && t1.tv_sec - t0.tv_sec <= 4,
	      "timeout took %ld s", (long)(t1.tv_sec - t0.tv_sec));

	/* no descriptor left for a new socketpair: the respawn fails */
	hp = procmap_helper_pid(the_helper);
	getrlimit(RLIMIT_NOFILE, &rl);
	low = rl;
	low.rlim_cur = 3;
	kill(hp, SIGKILL);
	setrlimit(RLIMIT_NOFILE, &low);
	CHECK(procmap_lookup(the_helper, &ino, NULL, 1, out) == -1, "lookup without a helper");
	setrlimit(RLIMIT_NOFILE, &rl);
	check_owner(out, ino, 0, OWNER_UNREADABLE, "", "failed closed");
	CHECK(procmap_lookup(the_helper, &ino, NULL, 1, out) == 0, "lookup after the failure");
	check_owner(out, ino, getpid(), OWNER_OK, self_exe, "recovered");
	free(out);
}

/* more than one message each way: answers in request order */
static void test_helper_big(void)
{
	const size_t big = 5000;
	struct proc_owner *out = calloc(big, sizeof(*out));
	uint64_t *inodes = calloc(big, sizeof(*inodes));
	size_t bad = 0;

	for (size_t i = 0; i < big; i++)
		inodes[i] = i % 1000 == 7 ? udp4.inode : 4000000000u + i;
	CHECK(procmap_lookup(the_helper, inodes, NULL, big, out) == 0, "big lookup");
	for (size_t i = 0; i < big; i++) {
		bool mine = i % 1000 == 7;

		if (out[i].inode != inodes[i] ||
		    (mine && (out[i].state != OWNER_OK || out[i].pid != getpid())) ||
		    (!mine && out[i].state != OWNER_NOT_FOUND && is_root) ||
		    (!mine && out[i].state == OWNER_OK))
			bad++;
	}
	CHECK(bad == 0, "big lookup: %zu entries wrong", bad);
	free(inodes);
	free(out);
}

/* running, as opposed to gone or a zombie nobody reaped yet */
static bool alive(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool run = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f && fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) != NULL)
		run = p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	if (f)
		fclose(f);
	return run;
}

/* the helper dies with the process that spawned it */
static void test_helper_orphaned(void)
{
	struct timespec tick = { 0, 10 * 1000000L };
	pid_t parent, hp = 0;
	char err[256];
	int p[2], i;

	if (pipe(p) < 0)
		return;
	parent = fork();
	if (parent == 0) {
		struct procmap *pm = procmap_spawn(err, sizeof(err));
		struct proc_owner *o = calloc(1, sizeof(*o));
		uint64_t ino = 1;

		/* one answer: the helper is past its setup, PDEATHSIG included */
		if (pm && procmap_lookup(pm, &ino, NULL, 1, o) == 0)
			hp = procmap_helper_pid(pm);
		if (write(p[1], &hp, sizeof(hp)) == sizeof(hp))
			pause();
		_exit(1);
	}
	close(p[1]);
	if (parent < 0 || read(p[0], &hp, sizeof(hp)) != sizeof(hp) || hp <= 0) {
		CHECK(0, "orphan test: no helper started");
		close(p[0]);
		return;
	}
	close(p[0]);
	/* stopped, it cannot notice the closed channel: only PDEATHSIG ends it */
	kill(hp, SIGSTOP);
	reap(parent);
	for (i = 0; i < 200 && alive(hp); i++)
		nanosleep(&tick, NULL);
	CHECK(!alive(hp), "helper %d outlived its parent", (int)hp);
}

static void test_helper(void)
{
	char err[256] = "";

	the_helper = procmap_spawn(err, sizeof(err));
	CHECK(the_helper != NULL, "spawn: %s", err);
	if (!the_helper)
		return;
	test_owner_self(lookup_helper, "helper");
	test_owner_child(lookup_helper, "helper");
	test_owner_deleted(lookup_helper, "helper");
	CHECK(procmap_helper_pid(the_helper) > 0, "no helper running");
	if (procmap_helper_pid(the_helper) > 0) {
		check_helper_confined(procmap_helper_pid(the_helper));
		test_helper_big();
		test_helper_restart();
	}
	procmap_free(the_helper);
	the_helper = NULL;
	test_helper_orphaned();
}

/* ---- the wire format, from outside ---- */

struct whdr {
	uint32_t magic;
	uint16_t type, reserved;
	uint32_t seq, total, first, count;
};

#define WMAGIC 0x66777031u

/* the helper loop must hang up on a malformed request, not answer it */
static void test_serve_rejects(void)
{
	static const struct { const char *name; struct whdr h; size_t extra; } cases[] = {
		{ "short", { WMAGIC, 1, 0, 1, 1, 0, 1 }, (size_t)-1 },
		{ "bad magic", { 0x12345678, 1, 0, 1, 1, 0, 1 }, 16 },
		{ "response type", { WMAGIC, 2, 0, 1, 1, 0, 1 }, 16 },
		{ "total 0", { WMAGIC, 1, 0, 1, 0, 0, 1 }, 16 },
		{ "total too big", { WMAGIC, 1, 0, 1, 65537, 0, 1 }, 16 },
		{ "first not 0", { WMAGIC, 1, 0, 1, 2, 1, 1 }, 16 },
		{ "count 0", { WMAGIC, 1, 0, 1, 1, 0, 0 }, 0 },
		{ "count past total", { WMAGIC, 1, 0, 1, 1, 0, 2 }, 32 },
		{ "length not count", { WMAGIC, 1, 0, 1, 2, 0, 2 }, 16 },
		{ "reserved set", { WMAGIC, 1, 7, 1, 1, 0, 1 }, 16 },
		{ "oversized", { WMAGIC, 1, 0, 1, 1, 0, 1 }, 70000 },
	};
	uint8_t *buf = calloc(1, 80000);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int sv[2], status = 0, sndbuf = 200000;
		size_t len;
		pid_t pid;
		char c;

		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
			break;
		/* the oversized case must leave, to be refused on arrival */
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		pid = fork();
		if (pid == 0) {
			close(sv[0]);
			_exit(procmap_serve(sv[1]) < 0 ? 3 : 4);
		}
		close(sv[1]);
		memcpy(buf, &cases[i].h, sizeof(cases[i].h));
		len = cases[i].extra == (size_t)-1 ? 10 : sizeof(struct whdr) + cases[i].extra;
		send(sv[0], buf, len, MSG_NOSIGNAL);
		CHECK(recv(sv[0], &c, 1, 0) == 0, "%s: helper answered", cases[i].name);
		close(sv[0]);
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 3, "%s: helper status %d",
		      cases[i].name, status);
	}
	free(buf);
}

static size_t put_rec(uint8_t *p, uint64_t ino, int32_t pid, uint16_t st, const char *exe)
{
	uint16_t el = (uint16_t)strlen(exe);
	size_t padded = (el + 7u) & ~7u;

	memcpy(p, &ino, 8);
	memcpy(p + 8, &pid, 4);
	memcpy(p + 12, &st, 2);
	memcpy(p + 14, &el, 2);
	memset(p + 16, 0, padded);
	memcpy(p + 16, exe, el);
	return 16 + padded;
}

static size_t build_response(uint8_t *b, const uint64_t *ino, uint32_t seq)
{
	struct whdr h = { WMAGIC, 2, 0, seq, 2, 0, 2 };
	size_t len = sizeof(h);

	memcpy(b, &h, sizeof(h));
	len += put_rec(b + len, ino[0], 42, OWNER_OK, "/usr/sbin/sshd");
	len += put_rec(b + len, ino[1], 0, OWNER_NOT_FOUND, "");
	return len;
}

/* random flips: any verdict, but a record taken must be one we could send */
static void test_decode_mutations(const uint64_t *ino, struct proc_owner *out)
{
	unsigned int seed = 777;
	uint8_t b[256], *p;
	int odd = 0, k;
	size_t len;

	for (int iter = 0; iter < 20000; iter++) {
		len = build_response(b, ino, 5);
		for (int j = 0; j < 1 + iter % 3; j++)
			b[rand_r(&seed) % len] = (uint8_t)rand_r(&seed);
		p = malloc(len);
		memcpy(p, b, len);
		k = procmap_decode_response(p, len, 5, ino, 2, 0, out);
		if (k != -1 && (k < 1 || k > 2 || out[0].inode != ino[0] ||
				strlen(out[0].exe) >= PROCMAP_EXE_MAX ||
				out[0].state > OWNER_NOT_FOUND))
			odd++;
		free(p);
	}
	CHECK(odd == 0, "%d mutated responses decoded to nonsense", odd);
}

static void test_decode_response(void)
{
	const uint64_t ino[2] = { 11, 22 };
	struct proc_owner *out = calloc(2, sizeof(*out));
	uint8_t b[256], *p;
	size_t len = build_response(b, ino, 5);
	int bad = 0;

	CHECK(procmap_decode_response(b, len, 5, ino, 2, 0, out) == 2, "valid response");
	check_owner(&out[0], 11, 42, OWNER_OK, "/usr/sbin/sshd", "decoded 0");
	check_owner(&out[1], 22, 0, OWNER_NOT_FOUND, "", "decoded 1");
	CHECK(procmap_decode_response(b, len, 6, ino, 2, 0, out) == -1, "wrong seq accepted");
	CHECK(procmap_decode_response(b, len, 5, ino, 3, 0, out) == -1, "wrong total accepted");
	CHECK(procmap_decode_response(b, len, 5, ino, 2, 1, out) == -1, "wrong first accepted");
	for (size_t cut = 0; cut < len; cut++) {
		p = malloc(cut ? cut : 1);
		memcpy(p, b, cut);
		if (procmap_decode_response(p, cut, 5, ino, 2, 0, out) != -1)
			bad++;
		free(p);
	}
	CHECK(bad == 0, "%d truncated responses accepted", bad);
	b[sizeof(struct whdr)] ^= 1;            /* inode not the one asked */
	CHECK(procmap_decode_response(b, len, 5, ino, 2, 0, out) == -1, "wrong inode accepted");
	len = build_response(b, ino, 5);
	b[sizeof(struct whdr) + 12] = 9;        /* state out of range */
	CHECK(procmap_decode_response(b, len, 5, ino, 2, 0, out) == -1, "bad state accepted");
	len = build_response(b, ino, 5);
	b[sizeof(struct whdr) + 16 + 3] = '\0'; /* NUL inside the path */
	CHECK(procmap_decode_response(b, len, 5, ino, 2, 0, out) == -1, "NUL in exe accepted");
	len = build_response(b, ino, 5);
	b[sizeof(struct whdr) + 14] = 200;      /* exe_len past the message */
	CHECK(procmap_decode_response(b, len, 5, ino, 2, 0, out) == -1, "long exe_len accepted");
	test_decode_mutations(ino, out);
	free(out);
}

/* ---- the copied binary's mode ---- */

static int listen_and_wait(const char *fdarg)
{
	struct sock s;
	int fd = atoi(fdarg);

	if (open_sock(AF_INET, SOCK_STREAM, "127.0.0.1", 0, &s) < 0 ||
	    write(fd, &s.inode, sizeof(s.inode)) != sizeof(s.inode))
		return 1;
	close(fd);
	for (;;)
		pause();        /* until killed */
}

int main(int argc, char **argv)
{
	ssize_t n;

	if (argc == 3 && strcmp(argv[1], LISTEN_MODE) == 0)
		return listen_and_wait(argv[2]);
	is_root = geteuid() == 0;
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[n > 0 ? n : 0] = '\0';
	signal(SIGPIPE, SIG_IGN);

	test_parse_cases();
	test_parse_truncated();
	test_parse_bogus_attrs();
	test_parse_mutations();
	test_format();
	test_interpreters();
	test_decode_response();
	test_serve_rejects();
	test_scan_live();
	test_owner_self(procmap_lookup_local, "local");
	test_owner_child(procmap_lookup_local, "local");
	test_owner_deleted(procmap_lookup_local, "local");
	test_owner_handoff();
	test_helper();
	procmap_cache_clear();
	TEST_DONE();
}
