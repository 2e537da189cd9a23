/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWD_PROMPTS_H
#define FWD_PROMPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "auth.h"
#include "strbuf.h"

/*
 * Prompts: a program with no rule of its own was blocked (a packet to its
 * listening socket was dropped by the policy, or it started listening on
 * a non-loopback TCP address), and its user or an admin decides. One
 * prompt per program and user (exe + uid); nothing is ever allowed by
 * timeout. Prompts live in memory only: after a restart the next blocked
 * attempt asks again.
 */
struct engine;
struct tracker;
struct prompts;

/* pending prompts at most; the oldest lapses first */
#define PROMPTS_MAX             256
/* "once": a temporary rule of this many seconds */
#define PROMPTS_ONCE_SECONDS    60
/* the comment of a rule that lasts until the next reboot ends with this */
#define PROMPTS_BOOT_MARK       "until reboot"
/* the store setting holding the boot id those rules were made under */
#define PROMPTS_BOOT_KEY        "prompt-boot-id"

/*
 * The sink of watch events: owner is the uid of the program the event is
 * about (-1: for everyone); line is one complete `event` line.
 */
typedef void (*prompts_notify_fn)(void *arg, int64_t owner, const char *line,
				  size_t len);

struct prompts *prompts_new(struct engine *e, struct tracker *t);
void prompts_free(struct prompts *p);
void prompts_set_notify(struct prompts *p, prompts_notify_fn fn, void *arg);

/*
 * Start-up, after engine_start: deletes the rules answered "until reboot"
 * under another boot (through the change path) and records this boot.
 */
void prompts_boot_cleanup(struct prompts *p);

/* whether new listeners must be looked for: user-prompts on, or watchers */
bool prompts_wanted(const struct prompts *p);
void prompts_set_watchers(struct prompts *p, size_t n);

/* a blocked inbound packet to the listener of exe ("" unknown) and uid */
void prompts_blocked(struct prompts *p, const char *exe, int64_t uid, uint8_t proto,
		     uint16_t port, int family, const uint8_t *saddr, int64_t time_ms);
/* a new non-loopback listener (TCP) of exe ("" unknown) and uid */
void prompts_listening(struct prompts *p, const char *exe, uid_t uid, uint8_t proto,
		       uint16_t port, int family);

/* monotonic ms when prompts_tick has work, 0 when none */
int64_t prompts_deadline(const struct prompts *p);
/* lapses expired prompts and sends the updates that are due */
void prompts_tick(struct prompts *p);

/* may peer see (and, with answer, decide) the prompts of owner uid */
bool prompts_may_see(const struct prompts *p, const struct auth_peer *peer, int64_t uid);
bool prompts_may_answer(const struct prompts *p, const struct auth_peer *peer,
			int64_t uid);

/* `prompts`: the items peer may see, oldest first; returns their count */
size_t prompts_list(struct prompts *p, const struct auth_peer *peer, struct strbuf *out);

enum prompts_verdict { PROMPTS_ALLOW, PROMPTS_DENY, PROMPTS_LATER };

struct prompts_answer {
	int64_t id;
	enum prompts_verdict verdict;
	bool scope_app;                 /* else this port only */
	bool from_any;                  /* else the peer's subnet */
	uint64_t seconds;               /* 0 always */
	bool boot;                      /* until the next reboot */
};

/* the prompt's owner uid, or -2 when there is no such pending prompt */
int64_t prompts_owner(const struct prompts *p, int64_t id);
/* whether a blocked attempt gave the prompt a peer (and so a local network) */
bool prompts_has_peer(const struct prompts *p, int64_t id);
/*
 * The rule text an answer makes (malloc'd), or NULL when the prompt is
 * gone. Does not change anything.
 */
char *prompts_rule_text(struct prompts *p, const struct prompts_answer *a);
/* the prompt was answered (or dismissed): it goes, watchers are told */
void prompts_close(struct prompts *p, int64_t id, const char *reason);

/* the accessor for the verbs: set by the server, NULL without prompts */
struct prompts *prompts_current(void);
void prompts_set_current(struct prompts *p);

#endif
