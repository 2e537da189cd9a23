/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two connections to fwd. "req" carries requests one at a time (the
 * protocol allows the next only after the previous ok/error), from a queue;
 * "stream" carries `watch`, whose events never end, or `log follow` on a fwd
 * without watch. Neither is ever read blocking: the main loop polls both
 * descriptors with the terminal and calls conn_read. When either breaks,
 * both are dropped with the model, and we connect again after a backoff:
 * fwd may have restarted with other rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwtui.h"

enum { REQ_ACTION, REQ_STATUS, REQ_LIST, REQ_PROMPTS, REQ_LOG };

/* the stream of a fwd without watch: recent history, then new events */
static const char *const log_follow_argv[] = { "log", "n=50", "follow=true" };

static void req_free(struct tui_req *r)
{
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->text);
	free(r);
}

void conn_init(struct tui *t, const char *path)
{
	memset(&t->conn, 0, sizeof(t->conn));
	t->conn.path = path;
	t->conn.backoff_ms = TUI_RETRY_MIN_MS;
}

bool conn_up(const struct tui *t)
{
	return t->conn.req != NULL;
}

/* queued requests learn that no answer will come (m NULL) */
static void fail_queue(struct tui *t)
{
	struct tui_req *r;

	while ((r = t->conn.head)) {
		t->conn.head = r->next;
		if (r->on_done)
			r->on_done(t, r, NULL);
		req_free(r);
	}
	t->conn.tail = NULL;
	t->conn.sent = false;
}

static void conn_drop(struct tui *t, const char *why)
{
	struct tui_conn *c = &t->conn;

	client_close(c->req);
	client_close(c->stream);
	c->req = c->stream = NULL;
	c->stream_mode = STREAM_NONE;
	fail_queue(t);
	state_disconnected(&t->st);
	snprintf(c->problem, sizeof(c->problem), "%s", why);
	c->retry_ms = ui_now_ms() + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > TUI_RETRY_MAX_MS ?
			TUI_RETRY_MAX_MS : c->backoff_ms * 2;
}

void conn_fini(struct tui *t)
{
	client_close(t->conn.req);
	client_close(t->conn.stream);
	t->conn.req = t->conn.stream = NULL;
	fail_queue(t);
}

static struct tui_req *enqueue(struct tui *t, int kind, int argc,
			       const char *const *argv, tui_req_fn *on_line,
			       tui_req_fn *on_done)
{
	struct tui_req *r = xcalloc(1, sizeof(*r));

	r->kind = kind;
	r->argc = argc < 8 ? argc : 8;
	for (int i = 0; i < r->argc; i++)
		r->argv[i] = xstrdup(argv[i]);
	r->on_line = on_line;
	r->on_done = on_done;
	if (t->conn.tail)
		t->conn.tail->next = r;
	else
		t->conn.head = r;
	t->conn.tail = r;
	return r;
}

struct tui_req *conn_request(struct tui *t, int argc, const char *const *argv,
			     tui_req_fn *on_line, tui_req_fn *on_done)
{
	if (!conn_up(t)) {
		ui_message(t, COL_ERR, "fwd is not reachable: nothing was sent");
		return NULL;
	}
	return enqueue(t, REQ_ACTION, argc, argv, on_line, on_done);
}

static bool queued(const struct tui *t, int kind)
{
	for (const struct tui_req *r = t->conn.head; r; r = r->next)
		if (r->kind == kind)
			return true;
	return false;
}

/* ---- the periodic requests and their answers ---- */

static void on_status(struct tui *t, struct tui_req *r, struct message *m)
{
	(void)r;
	if (m && !strcmp(m->kind, "item"))
		state_set_status(&t->st, m);
}

static void on_list_line(struct tui *t, struct tui_req *r, struct message *m)
{
	(void)r;
	if (!strcmp(m->kind, "item"))
		state_rules_item(&t->st, m);
}

static void on_list_done(struct tui *t, struct tui_req *r, struct message *m)
{
	(void)r;
	state_rules_done(&t->st, m && !strcmp(m->kind, "ok"));
}

static bool unsupported(const struct message *m)
{
	return !strcmp(m->kind, "error") &&
	       !strcmp(msg_str(m, "errno", ""), "EOPNOTSUPP");
}

static void on_prompts_line(struct tui *t, struct tui_req *r, struct message *m)
{
	(void)r;
	if (!strcmp(m->kind, "item"))
		state_prompt_update(&t->st, m);
}

static void on_prompts_done(struct tui *t, struct tui_req *r, struct message *m)
{
	(void)r;
	if (!m)
		return;
	state_prompts_end(&t->st, !strcmp(m->kind, "ok"));
	if (unsupported(m))
		t->st.support = SUP_NONE;
	else if (!strcmp(m->kind, "ok") && t->st.support == SUP_UNKNOWN)
		t->st.support = t->conn.stream_mode == STREAM_WATCH ? SUP_WATCH : SUP_POLL;
}

static void on_log_line(struct tui *t, struct tui_req *r, struct message *m)
{
	(void)r;
	if (!strcmp(m->kind, "item"))
		state_log_event(&t->st, m);
}

static void on_log_done(struct tui *t, struct tui_req *r, struct message *m)
{
	(void)r;
	if (m && !strcmp(m->kind, "error"))
		snprintf(t->st.log_problem, sizeof(t->st.log_problem), "%s",
			 msg_str(m, "msg", "the log is not available"));
}

static void ask(struct tui *t, int kind, const char *verb, const char *arg,
		tui_req_fn *on_line, tui_req_fn *on_done)
{
	const char *argv[2] = { verb, arg };

	if (!queued(t, kind))
		enqueue(t, kind, arg ? 2 : 1, argv, on_line, on_done);
}

static void ask_prompts(struct tui *t)
{
	if (queued(t, REQ_PROMPTS))
		return;
	state_prompts_begin(&t->st);
	ask(t, REQ_PROMPTS, "prompts", NULL, on_prompts_line, on_prompts_done);
}

void conn_refresh(struct tui *t)
{
	if (!conn_up(t))
		return;
	ask(t, REQ_STATUS, "status", NULL, on_status, NULL);
	ask(t, REQ_LIST, "list", NULL, on_list_line, on_list_done);
}

/* status always (the counters move); the list when nothing announces its
 * changes or it is on screen (hits and remaining time move) */
static void poll_due(struct tui *t)
{
	t->conn.next_poll_ms = ui_now_ms() + TUI_POLL_MS;
	ask(t, REQ_STATUS, "status", NULL, on_status, NULL);
	if (t->conn.stream_mode != STREAM_WATCH || t->screen == SCR_RULES ||
	    !t->st.have_rules)
		ask(t, REQ_LIST, "list", NULL, on_list_line, on_list_done);
	if (t->st.support == SUP_POLL)
		ask_prompts(t);
}

/* ---- connecting ---- */

static void start_stream(struct tui *t, const char *const *argv, int argc,
			 enum tui_stream mode)
{
	char err[512];

	if (client_send(t->conn.stream, argc, argv, NULL, 0, err, sizeof(err)) < 0) {
		conn_drop(t, err);
		return;
	}
	t->conn.stream_mode = mode;
}

static void conn_open(struct tui *t)
{
	static const char *const watch_argv[] = { "watch" };
	char err[512], hist[32];
	struct tui_conn *c = &t->conn;

	c->req = client_connect(c->path, err, sizeof(err));
	if (c->req)
		c->stream = client_connect(c->path, err, sizeof(err));
	if (!c->req || !c->stream) {
		conn_drop(t, err);
		return;
	}
	c->problem[0] = '\0';
	c->retry_ms = 0;
	c->backoff_ms = TUI_RETRY_MIN_MS;
	c->ever_up = true;
	start_stream(t, watch_argv, 1, STREAM_WATCH);
	if (!conn_up(t))
		return;
	snprintf(hist, sizeof(hist), "n=%d", TUI_LOG_HISTORY);
	poll_due(t);
	ask_prompts(t);
	ask(t, REQ_LOG, "log", hist, on_log_line, on_log_done);
}

static void send_next(struct tui *t)
{
	struct tui_conn *c = &t->conn;
	char err[512];

	if (!c->req || !c->head || c->sent)
		return;
	if (client_send(c->req, c->head->argc, (const char *const *)c->head->argv,
			NULL, 0, err, sizeof(err)) < 0) {
		conn_drop(t, err);
		return;
	}
	c->sent = true;
	c->sent_ms = ui_now_ms();
}

void conn_tick(struct tui *t)
{
	struct tui_conn *c = &t->conn;
	int64_t now = ui_now_ms();

	if (!c->req && now >= c->retry_ms)
		conn_open(t);
	if (!c->req)
		return;
	if (c->sent && now - c->sent_ms > TUI_REQ_TIMEOUT_MS) {
		conn_drop(t, "fwd stopped answering");
		return;
	}
	if (now >= c->next_poll_ms)
		poll_due(t);
	send_next(t);
}

int64_t conn_deadline(const struct tui *t)
{
	const struct tui_conn *c = &t->conn;

	if (!c->req)
		return c->retry_ms;
	if (c->sent)
		return c->next_poll_ms < c->sent_ms + TUI_REQ_TIMEOUT_MS ?
		       c->next_poll_ms : c->sent_ms + TUI_REQ_TIMEOUT_MS;
	return c->head ? ui_now_ms() : c->next_poll_ms;
}

int conn_fds(const struct tui *t, int *fds)
{
	int n = 0;

	if (t->conn.req)
		fds[n++] = client_fd(t->conn.req);
	if (t->conn.stream)
		fds[n++] = client_fd(t->conn.stream);
	return n;
}

void conn_problem(const struct tui *t, char *buf, size_t len)
{
	int64_t left;

	if (conn_up(t) || !t->conn.retry_ms) {
		snprintf(buf, len, "%s", conn_up(t) ? "" : "connecting to fwd...");
		return;
	}
	left = (t->conn.retry_ms - ui_now_ms() + 999) / 1000;
	snprintf(buf, len, "fwd not reachable at %s, retrying in %llds",
		 t->conn.path, (long long)(left > 0 ? left : 0));
}

/* ---- reading ---- */

static void req_line(struct tui *t, struct message *m)
{
	struct tui_conn *c = &t->conn;
	struct tui_req *r = c->head;

	if (!r || !c->sent)
		return;         /* nothing asked: a confused daemon, ignore */
	if (strcmp(m->kind, "ok") && strcmp(m->kind, "error")) {
		if (r->on_line)
			r->on_line(t, r, m);
		return;
	}
	c->head = r->next;
	if (!c->head)
		c->tail = NULL;
	c->sent = false;
	if (r->on_done)
		r->on_done(t, r, m);
	req_free(r);
}

/* watch failed: activity from log follow, prompts (if any) by polling */
static void stream_error(struct tui *t, struct message *m)
{
	if (t->conn.stream_mode == STREAM_WATCH) {
		if (t->st.support == SUP_WATCH)
			t->st.support = SUP_POLL;
		if (!unsupported(m))
			ui_message(t, COL_WARN, "fwd refused watch (%s): polling instead",
				   msg_str(m, "msg", "?"));
		start_stream(t, log_follow_argv, 3, STREAM_LOG);
		return;
	}
	t->conn.stream_mode = STREAM_NONE;
	snprintf(t->st.log_problem, sizeof(t->st.log_problem), "%s",
		 msg_str(m, "msg", "the log is not available"));
}

/* answered anywhere, or lapsed: a lapse is worth a word, it stays blocked */
static void prompt_gone(struct tui *t, const struct message *m)
{
	int64_t id = msg_int(m, "id", 0);
	const struct tui_prompt *p = state_prompt_by_id(&t->st, id);

	if (p && !strcmp(msg_str(m, "reason", ""), "expired"))
		ui_message(t, COL_WARN, "a prompt expired unanswered: %s stays blocked "
			   "on %s port %lld", *p->app ? p->app : "the program", p->proto,
			   (long long)p->port);
	state_prompt_remove(&t->st, id);
}

static void stream_event(struct tui *t, struct message *m)
{
	const char *type = msg_str(m, "type", "log");

	if (!strcmp(type, "log")) {
		state_log_event(&t->st, m);
	} else if (!strcmp(type, "prompt")) {
		state_prompt_update(&t->st, m);
		if (t->st.support == SUP_UNKNOWN)
			t->st.support = SUP_WATCH;
	} else if (!strcmp(type, "prompt-gone")) {
		prompt_gone(t, m);
	} else if (!strcmp(type, "status")) {
		conn_refresh(t);
	}
}

static void stream_line(struct tui *t, struct message *m)
{
	if (!strcmp(m->kind, "event"))
		stream_event(t, m);
	else if (!strcmp(m->kind, "item") && t->conn.stream_mode == STREAM_LOG)
		state_log_event(&t->st, m);
	else if (!strcmp(m->kind, "error"))
		stream_error(t, m);
	else if (!strcmp(m->kind, "ok"))
		t->conn.stream_mode = STREAM_NONE;
}

/* 1 more may come, 0 drained, -1 the connection was dropped */
static int read_one(struct tui *t, bool stream)
{
	struct client *cl = stream ? t->conn.stream : t->conn.req;
	struct message m;
	char err[512];
	int rc;

	if (!cl)
		return 0;
	rc = client_poll_next(cl, &m, err, sizeof(err));
	if (rc == 2)
		return 0;
	if (rc <= 0) {
		conn_drop(t, rc == 0 ? "fwd closed the connection" : err);
		return -1;
	}
	if (stream)
		stream_line(t, &m);
	else
		req_line(t, &m);
	proto_message_free(&m);
	return conn_up(t) ? 1 : -1;
}

/*
 * Bounded, so a flood of events cannot starve the keyboard. True when a
 * bound stopped it: lines may wait in the client's buffer, where poll()
 * cannot see them, so the loop must come back without waiting.
 */
bool conn_read(struct tui *t)
{
	int rc = 0, n;
	bool more;

	for (n = 0; n < 2000 && (rc = read_one(t, true)) > 0; n++)
		;
	more = rc > 0;
	if (!conn_up(t))
		return false;
	for (n = 0; n < 20000 && (rc = read_one(t, false)) > 0; n++)
		send_next(t);
	send_next(t);
	return conn_up(t) && (more || rc > 0);
}
