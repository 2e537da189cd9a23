/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The model: what fwd last told us. Everything is copied out of protocol
 * lines into plain structs, so the screens never parse, and a reconnect
 * starts from empty (fwd may have been replaced by another one).
 */
#include <stdlib.h>
#include <string.h>

#include "fwtui.h"

static char *dup_str(const struct message *m, const char *key)
{
	return xstrdup(msg_str(m, key, ""));
}

void state_init(struct tui_state *s)
{
	memset(s, 0, sizeof(*s));
}

static void rule_free(struct tui_rule *r)
{
	free(r->rule);
	free(r->action);
	free(r->dir);
	free(r->origin);
	free(r->comment);
}

static void rules_free(struct tui_rule *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rule_free(&v[i]);
	free(v);
}

static void event_free(struct tui_event *e)
{
	free(e->dir);
	free(e->proto);
	free(e->peer);
	free(e->app);
	free(e->user);
}

static void prompt_free(struct tui_prompt *p)
{
	free(p->app);
	free(p->user);
	free(p->proto);
	free(p->peer);
	free(p->peer_net);
	free(p->family);
}

static void prompts_clear(struct tui_state *s)
{
	for (size_t i = 0; i < s->nprompts; i++)
		prompt_free(&s->prompts[i]);
	free(s->prompts);
	s->prompts = NULL;
	s->nprompts = 0;
}

/* what belongs to one connection; the graph and activity go too, since
 * the history is asked for again at the next connect */
void state_disconnected(struct tui_state *s)
{
	if (s->have_status)
		proto_message_free(&s->status);
	s->have_status = false;
	rules_free(s->rules, s->nrules);
	rules_free(s->inflight, s->ninflight);
	s->rules = s->inflight = NULL;
	s->nrules = s->ninflight = 0;
	s->have_rules = false;
	for (size_t i = 0; i < s->nact; i++)
		event_free(&s->act[i]);
	s->nact = 0;
	s->act_total = 0;
	memset(s->graph_minute, 0, sizeof(s->graph_minute));
	memset(s->graph_n, 0, sizeof(s->graph_n));
	prompts_clear(s);
	s->support = SUP_UNKNOWN;
	s->log_problem[0] = '\0';
}

void state_fini(struct tui_state *s)
{
	state_disconnected(s);
}

/* ---- status ---- */

void state_set_status(struct tui_state *s, struct message *m)
{
	if (s->have_status)
		proto_message_free(&s->status);
	s->status = *m;
	s->have_status = true;
	memset(m, 0, sizeof(*m));      /* the model owns it now */
}

const char *state_status_str(const struct tui_state *s, const char *key)
{
	return s->have_status ? msg_str(&s->status, key, "") : "";
}

int64_t state_status_int(const struct tui_state *s, const char *key)
{
	return s->have_status ? msg_int(&s->status, key, 0) : 0;
}

/* ---- rules: a list replaces the previous one when its ok arrives ---- */

void state_rules_item(struct tui_state *s, const struct message *m)
{
	struct tui_rule *r;

	s->inflight = xrealloc(s->inflight, (s->ninflight + 1) * sizeof(*r));
	r = &s->inflight[s->ninflight++];
	r->id = msg_int(m, "id", 0);
	r->created = msg_int(m, "created", 0);
	r->expires = msg_int(m, "expires", 0);
	r->remaining = msg_int(m, "remaining", 0);
	r->packets = msg_int(m, "packets", 0);
	r->bytes = msg_int(m, "bytes", 0);
	r->owner = msg_int(m, "owner", -1);
	r->rule = dup_str(m, "rule");
	r->action = dup_str(m, "action");
	r->dir = dup_str(m, "dir");
	r->origin = dup_str(m, "origin");
	r->comment = dup_str(m, "comment");
}

void state_rules_done(struct tui_state *s, bool ok)
{
	if (ok) {
		rules_free(s->rules, s->nrules);
		s->rules = s->inflight;
		s->nrules = s->ninflight;
		s->have_rules = true;
	} else {
		rules_free(s->inflight, s->ninflight);
	}
	s->inflight = NULL;
	s->ninflight = 0;
}

const struct tui_rule *state_rule_by_id(const struct tui_state *s, int64_t id)
{
	for (size_t i = 0; i < s->nrules; i++)
		if (s->rules[i].id == id)
			return &s->rules[i];
	return NULL;
}

/* ---- activity and the per-minute graph ---- */

static void graph_add(struct tui_state *s, int64_t time_ms, uint64_t n)
{
	int64_t minute = time_ms / 60000;
	size_t i = (size_t)(minute % TUI_GRAPH_MINUTES);

	if (minute <= 0)
		return;
	/* a bucket is reused for a newer minute; an older one is out of the hour */
	if (s->graph_minute[i] > minute)
		return;
	if (s->graph_minute[i] < minute) {
		s->graph_minute[i] = minute;
		s->graph_n[i] = 0;
	}
	s->graph_n[i] += n;
}

uint64_t state_graph_at(const struct tui_state *s, int64_t now_ms, int ago)
{
	int64_t minute = now_ms / 60000 - ago;
	size_t i;

	if (minute <= 0)
		return 0;
	i = (size_t)(minute % TUI_GRAPH_MINUTES);
	return s->graph_minute[i] == minute ? s->graph_n[i] : 0;
}

/* where an event of this id goes in the newest-first array; -1 if known */
static long act_slot(const struct tui_state *s, int64_t id)
{
	size_t i;

	for (i = 0; i < s->nact; i++) {
		if (s->act[i].id == id)
			return -1;
		if (s->act[i].id < id)
			break;
	}
	return (long)i;
}

static void event_fill(struct tui_event *e, const struct message *m)
{
	e->id = msg_int(m, "id", 0);
	e->time_ms = msg_int(m, "time", 0);
	e->port = msg_int(m, "port", 0);
	e->peer_port = msg_int(m, "peer_port", 0);
	e->uid = msg_int(m, "uid", -1);
	e->count = msg_int(m, "count", 1);
	if (e->count < 1)
		e->count = 1;
	e->dir = dup_str(m, "dir");
	e->proto = dup_str(m, "proto");
	e->peer = dup_str(m, "peer");
	e->app = dup_str(m, "app");
	e->user = dup_str(m, "user");
}

/* the log also has matches of allow rules marked `log`: not blocked */
static bool blocked(const struct message *m)
{
	const char *reason = msg_str(m, "reason", "");

	return strncmp(reason, "rule allow", 10) && strncmp(reason, "rule limit", 10);
}

/*
 * The same event may come twice (the history listing and the watch stream
 * overlap), so ids already in the array are skipped. An event older than
 * everything kept still counts in the graph.
 */
bool state_log_event(struct tui_state *s, const struct message *m)
{
	int64_t id = msg_int(m, "id", 0);
	long slot = act_slot(s, id);

	if (slot < 0 || !blocked(m))
		return false;
	/* a row is one attempt: its count folds a SYN's retransmits into it */
	graph_add(s, msg_int(m, "time", 0), 1);
	s->act_total++;
	if ((size_t)slot >= TUI_ACT_MAX)
		return true;
	if (s->nact == TUI_ACT_MAX)
		event_free(&s->act[--s->nact]);
	memmove(&s->act[slot + 1], &s->act[slot],
		(s->nact - (size_t)slot) * sizeof(s->act[0]));
	event_fill(&s->act[slot], m);
	s->nact++;
	return true;
}

/* ---- prompts ---- */

static void prompt_fill(struct tui_prompt *p, const struct message *m)
{
	prompt_free(p);
	p->id = msg_int(m, "id", 0);
	p->time_ms = msg_int(m, "time", 0);
	p->last_ms = msg_int(m, "last", p->time_ms);
	p->uid = msg_int(m, "uid", -1);
	p->port = msg_int(m, "port", 0);
	p->attempts = msg_int(m, "attempts", 1);
	p->expires_ms = msg_int(m, "expires", 0);
	p->app = dup_str(m, "app");
	p->user = dup_str(m, "user");
	p->proto = dup_str(m, "proto");
	p->peer = dup_str(m, "peer");
	p->peer_net = dup_str(m, "peer_net");
	p->family = dup_str(m, "family");
}

static struct tui_prompt *prompt_find(const struct tui_state *s, int64_t id)
{
	for (size_t i = 0; i < s->nprompts; i++)
		if (s->prompts[i].id == id)
			return &s->prompts[i];
	return NULL;
}

/* new prompts go last: the dialog shows the oldest first */
void state_prompt_update(struct tui_state *s, const struct message *m)
{
	int64_t id = msg_int(m, "id", 0);
	struct tui_prompt *p = prompt_find(s, id);

	if (id <= 0)
		return;
	if (!p) {
		s->prompts = xrealloc(s->prompts, (s->nprompts + 1) * sizeof(*p));
		p = &s->prompts[s->nprompts++];
		memset(p, 0, sizeof(*p));
		p->seen_ms = ui_now_ms();
	}
	prompt_fill(p, m);
	p->stale = false;
}

void state_prompt_remove(struct tui_state *s, int64_t id)
{
	struct tui_prompt *p = prompt_find(s, id);
	size_t i;

	if (!p)
		return;
	i = (size_t)(p - s->prompts);
	prompt_free(p);
	memmove(p, p + 1, (s->nprompts - i - 1) * sizeof(*p));
	s->nprompts--;
}

void state_prompts_begin(struct tui_state *s)
{
	for (size_t i = 0; i < s->nprompts; i++)
		s->prompts[i].stale = true;
}

/* a failed listing keeps what we had */
void state_prompts_end(struct tui_state *s, bool ok)
{
	size_t i = 0;

	while (i < s->nprompts) {
		if (ok && s->prompts[i].stale) {
			state_prompt_remove(s, s->prompts[i].id);
			continue;
		}
		s->prompts[i++].stale = false;
	}
}

const struct tui_prompt *state_prompt_by_id(const struct tui_state *s, int64_t id)
{
	return prompt_find(s, id);
}
