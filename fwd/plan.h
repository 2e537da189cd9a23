/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PLAN_H
#define FWD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compile.h"
#include "rule.h"
#include "strbuf.h"

/*
 * The plan: fwd's whole table as data, produced by plan_compile() and read
 * by two translators that must agree -- plan_dump.c (nft -f text) and
 * nft_build.c (libnftnl objects). Everything either of them needs is here,
 * typed, so neither has to re-derive meaning from the rules.
 *
 *   table inet NAME
 *     named sets      one per (direction, class, log, shape, exact|interval,
 *                     layer); elements carry the fwd rule id and a timeout
 *     chains          input, output (base), do_reject (regular), and one
 *                     regular chain per limit rule whose elements need
 *                     more than one set: their lookups jump to its limit,
 *                     so they share one rate (see compile.c)
 *       chain rules   a few typed matches + statements, an optional tag
 *
 * Plans hold no pointers into the caller's rules, and no pointers between
 * their own parts (a set is referenced by index), so two plans can be
 * compared field by field: that is how nft_apply decides between an
 * element-only batch and a full resync.
 */

/* ---- set keys ---- */

/* fields of a set key, in the fixed order they are concatenated */
enum plan_field {
	PF_L4PROTO,     /* meta l4proto: always first, see compile.c */
	PF_NFPROTO,     /* meta nfproto: owner bindings of one family */
	PF_IIFNAME,
	PF_OIFNAME,
	PF_SKUID,       /* meta skuid: `out ... user`, see plan_elem */
	PF_SKGID,       /* meta skgid: `out ... group` */
	PF_SADDR4,
	PF_SADDR6,
	PF_DADDR4,
	PF_DADDR6,
	PF_DPORT,       /* th dport */
	PF_CGROUP1,     /* socket cgroupv2 level 1..4: `unit`, see compile.c */
	PF_CGROUP2,
	PF_CGROUP3,
	PF_CGROUP4,
	PF__COUNT
};

struct plan_field_info {
	const char *expr;       /* "meta l4proto", for the dump */
	const char *type;       /* "inet_proto", nft's datatype name */
	const char *token;      /* "p", part of set names */
	uint32_t dtype;         /* nft's datatype id (set key type) */
	uint8_t len;            /* bytes of the value */
	uint8_t reglen;         /* bytes in the key: len rounded up to 4 */
	int nfproto;            /* NFPROTO_IPV4/6 the field needs, or 0 */
};
extern const struct plan_field_info plan_fields[PF__COUNT];

/*
 * nft 1.0.6 packs a set's key type into 32 bits, 6 per field, so it can
 * list a set of at most 5 fields: compile.c matches uid and gid in the
 * chain rule instead when a key would be longer, and refuses a `unit` rule
 * that would need more. The longest key is then proto 4 + cgroup 8 +
 * ifname 16 + 2 * addr 16 = 60 (nfproto never shares a key with an
 * address), within the kernel's 64 (NFT_DATA_VALUE_MAXLEN).
 */
#define PLAN_MAX_FIELDS 5
#define PLAN_MAX_KEY_FIELDS PLAN_MAX_FIELDS
#define PLAN_KEY_MAX    64
#define PLAN_NAME_MAX   64

/* ---- log prefixes (the nflog reader matches on these) ---- */
#define PLAN_PREFIX_DROP_IN     "fwd-drop-in"
#define PLAN_PREFIX_REJECT_IN   "fwd-reject-in"
#define PLAN_PREFIX_DROP_OUT    "fwd-drop-out"
#define PLAN_PREFIX_REJECT_OUT  "fwd-reject-out"
/* rules marked `log`: "fwd-rule-allow-in", "fwd-rule-deny-out", ... */
#define PLAN_PREFIX_RULE        "fwd-rule-"

/* chain rule tags (comments) that nft_read_counters reports */
#define PLAN_TAG_RULE           "rule "         /* "rule 42": plain rule */

/* verdict classes, in chain order: block wins, then accept */
enum plan_class { PC_DENY, PC_REJECT, PC_ALLOW, PC_LIMIT, PC__COUNT };

/*
 * Keys are laid out as the lookup sees the registers. uid and gid are in
 * host byte order (as meta skuid loads them) in exact sets; in interval
 * sets they are big-endian and the lookup converts the register first, as
 * nft does, so the ranges of pipapo and `nft list` agree. Cgroup ids
 * (8 bytes, host order as the socket expression loads them) likewise.
 */
struct plan_elem {
	uint8_t key[PLAN_KEY_MAX];      /* register layout, unused bytes 0 */
	uint8_t key_end[PLAN_KEY_MAX];  /* interval sets: inclusive end */
	uint64_t rule_id;
	int64_t expires;                /* unix seconds, 0 = permanent */
};

struct plan_set {
	char name[PLAN_NAME_MAX];
	enum rule_dir dir;
	enum plan_class cls;
	bool log;
	bool interval;                  /* concat + interval (pipapo) */
	uint8_t fields[PLAN_MAX_FIELDS];
	uint8_t nfields;
	uint32_t key_len;
	struct plan_elem *elems;        /* sorted by key */
	size_t nelems, cap;
};

/* ---- chain rules ---- */

enum plan_match_kind {
	PM_NFPROTO,     /* meta nfproto ipv4|ipv6         u.val */
	PM_L4PROTO,     /* meta l4proto N                 u.val */
	PM_CT_STATE,    /* ct state S (bit test)          u.val = mask */
	PM_IIF,         /* iif "lo" (ifindex)             u.val */
	PM_OIF,         /* oif "lo"                       u.val */
	PM_ICMP_TYPE,   /* icmp type T | { T, ... }       u.types */
	PM_ICMPV6_TYPE, /* icmpv6 type T | { T, ... }     u.types */
	PM_HOPLIMIT,    /* ip6 hoplimit N                 u.val */
	PM_SADDR6_NET,  /* ip6 saddr PREFIX               u.net */
	PM_UDP_PORTS,   /* udp sport S udp dport D        u.ports */
	PM_SKUID,       /* meta skuid N                   u.val */
	PM_SKGID,       /* meta skgid N                   u.val */
	PM_LOOKUP,      /* FIELD . FIELD @set             u.set (index) */
};

#define PLAN_MAX_TYPES 8

struct plan_match {
	enum plan_match_kind kind;
	union {
		uint32_t val;
		struct { uint8_t v[PLAN_MAX_TYPES]; uint8_t n; } types;
		struct { uint8_t addr[16]; uint8_t len; } net;
		struct { uint16_t sport, dport; } ports;
		uint32_t set;
	} u;
};

enum plan_stmt_kind {
	PS_COUNTER,
	PS_LIMIT,       /* u.limit */
	PS_LOG,         /* u.log */
	PS_ACCEPT,
	PS_DROP,
	PS_GOTO_REJECT, /* goto do_reject */
	PS_JUMP,        /* jump CHAIN                     u.chain (index) */
	PS_REJECT_TCP,  /* reject with tcp reset */
	PS_REJECT_ICMPX,/* reject with icmpx port-unreachable */
};

struct plan_stmt {
	enum plan_stmt_kind kind;
	union {
		struct { uint32_t rate; uint32_t unit_s; uint32_t burst; bool burst_written; } limit;
		struct { uint16_t group; char prefix[32]; } log;
		uint32_t chain;
	} u;
};

#define PLAN_MAX_MATCHES 6
#define PLAN_MAX_STMTS   4

struct plan_rule {
	struct plan_match m[PLAN_MAX_MATCHES];
	struct plan_stmt s[PLAN_MAX_STMTS];
	uint8_t nm, ns;
	char tag[32];           /* comment udata: "drop-in", "rule 42", "" */
	uint64_t rule_id;       /* the fwd rule this chain rule enforces, 0 */
};

/* the fixed chains; plan_add_chain appends more after them */
enum plan_chain_id { PCH_INPUT, PCH_OUTPUT, PCH_REJECT, PCH__COUNT };

struct plan_chain {
	char name[PLAN_NAME_MAX];       /* "input", "output", "do_reject", ... */
	bool base;
	int hook;               /* NF_INET_LOCAL_IN / _OUT for base chains */
	bool policy_accept;     /* base chains: accept, else drop */
	struct plan_rule *rules;
	size_t nrules, cap;
};

struct plan {
	char *table;
	int64_t now;
	uint16_t log_group;
	bool panic;
	struct plan_chain *chains;      /* PCH_* first, then added ones */
	size_t nchains, chcap;
	struct plan_set *sets;  /* in chain-reference order */
	size_t nsets, cap;
	size_t nelems;          /* over all sets */
};

/* ---- building (compile.c) ---- */

struct plan *plan_new(const char *table, int64_t now, uint16_t log_group);
/* a zeroed rule appended to chain c (a PCH_* or a plan_add_chain index) */
struct plan_rule *plan_add_rule(struct plan *p, size_t c);
/* a new empty regular chain; returns its index */
size_t plan_add_chain(struct plan *p, const char *name);
/*
 * Chain order for the dump and the batch: do_reject and the added chains
 * before input and output, since rules may only jump to chains that
 * exist. Returns the index of the k-th chain in that order.
 */
size_t plan_chain_order(const struct plan *p, size_t k);
struct plan_match *plan_rule_match(struct plan_rule *r, enum plan_match_kind k);
struct plan_stmt *plan_rule_stmt(struct plan_rule *r, enum plan_stmt_kind k);
/* a new empty set; returns its index */
uint32_t plan_add_set(struct plan *p, const struct plan_set *proto);
struct plan_elem *plan_set_push(struct plan_set *s);
/* sorts each set's elements by key and counts them */
void plan_finish(struct plan *p);

/*
 * Layering: gives each element of v (in priority order, rule ids
 * ascending) the first layer in which it overlaps no earlier element --
 * the kernel refuses duplicate keys and overlapping intervals in one set.
 * Earlier elements never move when later ones are added. def supplies the
 * fields and the exact/interval kind. Returns the number of layers.
 */
uint32_t plan_layers(const struct plan_elem *v, size_t n,
		     const struct plan_set *def, uint32_t *layer);

/* the fixed parts of the table (plan.c) */
void plan_add_input_head(struct plan *p);       /* before any exception */
void plan_add_input_echo(struct plan *p);       /* after the block rules */
void plan_add_output_head(struct plan *p);
void plan_add_reject_chain(struct plan *p);
void plan_add_tail(struct plan *p, enum rule_dir dir, enum rule_policy pol);
void plan_add_panic(struct plan *p);
void plan_stmt_limit(struct plan_rule *r, uint32_t rate, uint32_t unit_s,
		     uint32_t burst, bool written);
void plan_stmt_log(struct plan_rule *r, uint16_t group, const char *prefix);

/* ---- comparing (nft.c and the unit tests) ---- */

/* same table, chains, chain rules, and sets (names and definitions) */
bool plan_same_structure(const struct plan *a, const struct plan *b);
/* same name, key fields, kind and purpose (elements aside) */
bool plan_same_set_def(const struct plan_set *a, const struct plan_set *b);

struct plan_delta_op {
	uint32_t set;                   /* index, the same in both plans */
	const struct plan_elem *e;      /* in prev (del) or next (add) */
};

struct plan_delta {
	struct plan_delta_op *add, *del;
	size_t nadd, ndel;
};

/*
 * Element differences of two plans of the same structure. Returns -1
 * (nothing filled) when the structures differ: a full resync is needed.
 */
int plan_delta(const struct plan *prev, const struct plan *next,
	       struct plan_delta *d);
void plan_delta_free(struct plan_delta *d);

/*
 * The same for two versions of one set, both sorted: cb(arg, false, e) for
 * each element of a not in b, cb(arg, true, e) for each of b not in a. An
 * element whose rule id or expiry changed is deleted and added again;
 * expiries within slack seconds count as equal (for sets read back from
 * the kernel, which reports the time left, not the deadline).
 */
typedef void (*plan_diff_cb)(void *arg, bool add, const struct plan_elem *e);
void plan_diff_set(const struct plan_set *a, const struct plan_set *b,
		   int64_t slack, plan_diff_cb cb, void *arg);
/* sorts one set's elements by key, as plan_finish does for all */
void plan_sort_set(struct plan_set *s);

/* ---- describing (plan_dump.c) ---- */

/* "tcp . 10.0.0.0/8 . 22" */
void plan_format_elem(const struct plan_set *s, const struct plan_elem *e,
		      struct strbuf *out);
/* "meta l4proto . th dport @in_allow_p_dp accept" */
void plan_format_rule(const struct plan *p, const struct plan_rule *r,
		      struct strbuf *out);
const char *plan_class_name(enum plan_class c);

#endif
