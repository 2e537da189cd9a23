/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWTUI_FWTUI_H
#define FWTUI_FWTUI_H

/*
 * fwtui: the model (state.c), the two connections to fwd (conn.c), the
 * frame and main loop (ui.c) and one file per screen with _init/_draw/_key
 * (ncdu). Every draw starts from an empty screen and the model, so a
 * resize or a reconnect never leaves stale text behind.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"

/* how often status (and list, when nothing tells us of changes) is asked */
#define TUI_POLL_MS             2000
/* a request unanswered this long means the daemon is stuck: reconnect */
#define TUI_REQ_TIMEOUT_MS      15000
#define TUI_RETRY_MIN_MS        1000
#define TUI_RETRY_MAX_MS        5000
/* activity rows kept; the graph counts every event regardless */
#define TUI_ACT_MAX             256
/* log events asked for at connect: enough history for the hour's graph */
#define TUI_LOG_HISTORY         1000
#define TUI_GRAPH_MINUTES       60
/* keys pressed this soon after a prompt appears are dropped: typing meant
 * for another screen must not answer it */
#define TUI_PROMPT_GUARD_MS     300

enum tui_screen { SCR_OVERVIEW, SCR_RULES, SCR_ACTIVITY, SCR_HELP, SCR_COUNT };

/* what this fwd can do about prompts, learnt at connect */
enum tui_support {
	SUP_UNKNOWN,
	SUP_WATCH,      /* watch streams prompt, status and log events */
	SUP_POLL,       /* prompts works, watch does not: ask every poll */
	SUP_NONE,       /* neither: no prompts, log follow for activity */
};

/* colours and attributes, one table in ui.c */
enum tui_colour {
	COL_NORMAL, COL_TITLE, COL_TAB, COL_TAB_ACTIVE, COL_KEY, COL_OK,
	COL_WARN, COL_ERR, COL_DIM, COL_SELECT, COL_DIALOG, COL_DIALOG_SEL,
	COL_GRAPH, COL_HEADER, COL_COUNT,
};

struct tui_rule {
	int64_t id, created, expires, remaining, packets, bytes, owner;
	char *rule, *action, *dir, *origin, *comment;
};

struct tui_event {
	int64_t id, time_ms, port, peer_port, uid, count;
	char *dir, *proto, *peer, *app, *user;
};

struct tui_prompt {
	int64_t id, time_ms, last_ms, uid, port, attempts, expires_ms;
	char *app, *user, *proto, *peer, *peer_net, *family;
	int64_t seen_ms;        /* monotonic, when this client first saw it */
	bool stale;             /* not in the listing being received */
};

struct tui_state {
	struct message status;
	bool have_status;
	struct tui_rule *rules;
	size_t nrules;
	bool have_rules;
	struct tui_rule *inflight;      /* a list being received */
	size_t ninflight;
	struct tui_event act[TUI_ACT_MAX];      /* newest first */
	size_t nact;
	int64_t graph_minute[TUI_GRAPH_MINUTES]; /* unix minute of each bucket */
	uint64_t graph_n[TUI_GRAPH_MINUTES];
	uint64_t act_total;                     /* events seen since connect */
	struct tui_prompt *prompts;             /* oldest first */
	size_t nprompts;
	enum tui_support support;
	char log_problem[256];                  /* "" while the log streams */
};

struct tui;
struct tui_req;

typedef void tui_req_fn(struct tui *t, struct tui_req *r, struct message *m);

struct tui_req {
	int argc;
	char *argv[8];
	tui_req_fn *on_line;    /* item/diag lines (may be NULL) */
	tui_req_fn *on_done;    /* ok/error, or m NULL when fwd went away */
	int kind;               /* a periodic request is queued once */
	int64_t a, b;           /* the caller's context */
	char *text;
	struct tui_req *next;
};

enum tui_stream { STREAM_NONE, STREAM_WATCH, STREAM_LOG };

struct tui_conn {
	const char *path;
	struct client *req, *stream;
	struct tui_req *head, *tail;    /* head is in flight when sent */
	bool sent;
	int64_t sent_ms;
	enum tui_stream stream_mode;
	int64_t retry_ms;               /* monotonic; 0 when connected */
	int backoff_ms;
	int64_t next_poll_ms;
	char problem[512];              /* why we are not connected */
	bool ever_up;
};

struct tui {
	struct tui_conn conn;
	struct tui_state st;
	enum tui_screen screen;
	bool quit;
	bool utf8, colour;
	bool not_admin;         /* fwd said code 4 to a change: explain */
	char msg[512];          /* the last answer, on the message line */
	enum tui_colour msg_col;
	int64_t msg_ms;
};

/* ---- ui.c: frame, colours, drawing helpers, the loop ---- */
int64_t ui_now_ms(void);                /* monotonic */
int64_t ui_wall_ms(void);               /* unix ms */
/* -1 when the terminal cannot be driven */
int ui_init(struct tui *t);
void ui_fini(void);
void ui_loop(struct tui *t);
int ui_attr(const struct tui *t, enum tui_colour c);
/* text from the daemon at y,x in at most w columns, control bytes shown as ? */
void ui_put(int y, int x, const char *s, int w);
void ui_putf(int y, int x, int w, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* s word-wrapped in w columns over at most rows lines; returns lines used */
int ui_wrap(int y, int x, int w, int rows, const char *s);
/* "k label  k label" hints: keys in the key colour */
void ui_hints(const struct tui *t, int y, int x, int w, const char *hints);
void ui_message(struct tui *t, enum tui_colour c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ui_fmt_time(int64_t ms, char *buf, size_t len);    /* HH:MM:SS */
void ui_fmt_span(int64_t secs, char *buf, size_t len);  /* 1h 02m */
void ui_switch(struct tui *t, enum tui_screen s);

/* a one-line editor (rules add/edit/filter) */
struct ui_edit {
	char buf[1024];
	size_t len, cur;
};
void ui_edit_set(struct ui_edit *e, const char *s);
/* 1 handled, 0 not an editing key */
int ui_edit_key(struct ui_edit *e, int ch);
/* draws at y,x in w columns, scrolled so the cursor shows; cursor placed */
void ui_edit_draw(const struct tui *t, const struct ui_edit *e, int y, int x, int w);

/* ---- conn.c ---- */
void conn_init(struct tui *t, const char *path);
void conn_fini(struct tui *t);
/* connects when due, sends periodic requests and the next queued one */
void conn_tick(struct tui *t);
/* reads what arrived on both connections, never waiting; true when
 * there may be more to read already */
bool conn_read(struct tui *t);
/* fds to poll (up to 2); returns the count */
int conn_fds(const struct tui *t, int *fds);
/* the next monotonic ms conn_tick has work to do */
int64_t conn_deadline(const struct tui *t);
bool conn_up(const struct tui *t);
/* queues a request; argv is copied. Returns the queued request. */
struct tui_req *conn_request(struct tui *t, int argc, const char *const *argv,
			     tui_req_fn *on_line, tui_req_fn *on_done);
/* "fwd not reachable at PATH, retrying in Ns" or "" */
void conn_problem(const struct tui *t, char *buf, size_t len);
/* ask for status and list now (after a change) */
void conn_refresh(struct tui *t);

/* ---- state.c: the model, filled from protocol lines ---- */
void state_init(struct tui_state *s);
void state_fini(struct tui_state *s);
void state_disconnected(struct tui_state *s);
void state_set_status(struct tui_state *s, struct message *m);
void state_rules_item(struct tui_state *s, const struct message *m);
void state_rules_done(struct tui_state *s, bool ok);
const struct tui_rule *state_rule_by_id(const struct tui_state *s, int64_t id);
/* a log item/event: activity and graph; false when already known */
bool state_log_event(struct tui_state *s, const struct message *m);
void state_prompt_update(struct tui_state *s, const struct message *m);
void state_prompt_remove(struct tui_state *s, int64_t id);
/* a full listing: begin, state_prompt_update per item, end drops the rest */
void state_prompts_begin(struct tui_state *s);
void state_prompts_end(struct tui_state *s, bool ok);
const struct tui_prompt *state_prompt_by_id(const struct tui_state *s, int64_t id);
/* blocked attempts in the minute `ago` minutes before now_ms (0 = this one) */
uint64_t state_graph_at(const struct tui_state *s, int64_t now_ms, int ago);
const char *state_status_str(const struct tui_state *s, const char *key);
int64_t state_status_int(const struct tui_state *s, const char *key);

/* ---- screens: ncdu's init/draw/key, dispatched in ui.c ---- */
void overview_init(struct tui *t);
void overview_draw(struct tui *t, int top, int rows);
bool overview_key(struct tui *t, int ch);
const char *overview_hints(const struct tui *t);

void rules_init(struct tui *t);
void rules_draw(struct tui *t, int top, int rows);
bool rules_key(struct tui *t, int ch);
const char *rules_hints(const struct tui *t);
/* an editor or a question is open: keys are text, prompts wait */
bool rules_busy(const struct tui *t);

void activity_init(struct tui *t);
void activity_draw(struct tui *t, int top, int rows);
bool activity_key(struct tui *t, int ch);
const char *activity_hints(const struct tui *t);

void help_init(struct tui *t);
void help_draw(struct tui *t, int top, int rows);
bool help_key(struct tui *t, int ch);
const char *help_hints(const struct tui *t);

void prompt_init(struct tui *t);
/* a prompt is on screen (it takes the keys) */
bool prompt_showing(struct tui *t);
void prompt_draw(struct tui *t);
bool prompt_key(struct tui *t, int ch);
/* prompts waiting while the dialog is hidden */
size_t prompt_waiting(const struct tui *t);
void prompt_reveal(struct tui *t);

#endif
