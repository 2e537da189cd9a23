/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Overview: is the firewall on, what are its policies and counters, does
 * anything need attention (prompts, problems), and the blocked attempts of
 * the last hour as bars per minute, so that a burst stands out at a glance.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "fwtui.h"

#define LABEL_W 12
#define GRAPH_ROWS 4

/* eighths of a cell, bottom up; ASCII has fewer steps */
static const char *const bars_utf8[9] = {
	" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
};
static const char *const bars_ascii[9] = {
	" ", ".", ".", ".", ":", ":", ":", ":", "#",
};

void overview_init(struct tui *t)
{
	(void)t;
}

static void label(const struct tui *t, int y, const char *name)
{
	attron(ui_attr(t, COL_HEADER));
	ui_put(y, 2, name, LABEL_W - 1);
	attroff(ui_attr(t, COL_HEADER));
}

static void value(const struct tui *t, int y, enum tui_colour c, const char *s)
{
	attron(ui_attr(t, c));
	ui_put(y, 2 + LABEL_W, s, COLS - LABEL_W - 4);
	attroff(ui_attr(t, c));
}

static void draw_state(struct tui *t, int y)
{
	const struct tui_state *s = &t->st;
	bool panic = msg_bool(&s->status, "panic", false);
	bool on = msg_bool(&s->status, "enabled", false);

	ui_putf(y, 2, COLS - 4, "fwd %s   table inet %s   revision %lld",
		state_status_str(s, "version"), state_status_str(s, "table"),
		(long long)state_status_int(s, "revision"));
	label(t, y + 2, "State");
	if (panic)
		value(t, y + 2, COL_ERR, "PANIC: everything but loopback is blocked");
	else if (!on)
		value(t, y + 2, COL_ERR, "DISABLED: fwd's table is not loaded, "
		      "nothing is filtered");
	else
		value(t, y + 2, COL_OK, "enabled");
	label(t, y + 3, "Policy");
	ui_putf(y + 3, 2 + LABEL_W, COLS - LABEL_W - 4, "in %s    out %s",
		state_status_str(s, "policy_in"), state_status_str(s, "policy_out"));
	label(t, y + 4, "Rules");
	ui_putf(y + 4, 2 + LABEL_W, COLS - LABEL_W - 4, "%lld",
		(long long)state_status_int(s, "rules"));
	label(t, y + 5, "Blocked");
	ui_putf(y + 5, 2 + LABEL_W, COLS - LABEL_W - 4,
		"in: %lld dropped, %lld rejected    out: %lld dropped",
		(long long)state_status_int(s, "drops_in"),
		(long long)state_status_int(s, "rejects_in"),
		(long long)state_status_int(s, "drops_out"));
}

static void draw_prompts(struct tui *t, int y)
{
	char buf[128];
	size_t n = t->st.nprompts;

	label(t, y, "Prompts");
	switch (t->st.support) {
	case SUP_NONE:
		value(t, y, COL_DIM, "prompts: not supported by this fwd");
		return;
	case SUP_UNKNOWN:
		value(t, y, COL_DIM, "asking fwd...");
		return;
	default:
		break;
	}
	if (!n) {
		value(t, y, COL_NORMAL, "none pending");
		return;
	}
	snprintf(buf, sizeof(buf), "%zu pending%s", n,
		 prompt_waiting(t) ? ": press p to answer" : "");
	value(t, y, COL_WARN, buf);
}

/* database, the daemon's own problem line, the log: all that is not fine */
static int draw_problems(struct tui *t, int y, int max)
{
	const struct tui_state *s = &t->st;
	const char *db = state_status_str(s, "database");
	const char *pb = state_status_str(s, "problem");
	int n = 0;

	label(t, y, "Problems");
	if (*db && strcmp(db, "ok") && n < max) {
		char buf[600];

		snprintf(buf, sizeof(buf), "database: %s", db);
		value(t, y + n++, COL_ERR, buf);
	}
	if (*pb && n < max)
		value(t, y + n++, COL_ERR, pb);
	if (s->log_problem[0] && n < max) {
		char buf[300];

		snprintf(buf, sizeof(buf), "activity log: %s", s->log_problem);
		value(t, y + n++, COL_WARN, buf);
	}
	if (!n)
		value(t, y + n++, COL_OK, "none");
	return n;
}

/* the cell of a column at a row (0 = top) for a bar `level` eighths high */
static const char *bar_cell(const struct tui *t, int level, int row)
{
	int fill = level - (GRAPH_ROWS - 1 - row) * 8;

	fill = fill < 0 ? 0 : fill > 8 ? 8 : fill;
	return t->utf8 ? bars_utf8[fill] : bars_ascii[fill];
}

static uint64_t graph_peak(const struct tui *t, int64_t now, int *peak_ago,
			   uint64_t *total)
{
	uint64_t v, max = 0;

	*total = 0;
	*peak_ago = 0;
	for (int ago = 0; ago < TUI_GRAPH_MINUTES; ago++) {
		v = state_graph_at(&t->st, now, ago);
		*total += v;
		if (v > max) {
			max = v;
			*peak_ago = ago;
		}
	}
	return max;
}

static void graph_caption(struct tui *t, int y, uint64_t total, uint64_t max,
			  int64_t now, int peak_ago)
{
	char when[16];

	ui_fmt_time(now - (int64_t)peak_ago * 60000, when, sizeof(when));
	when[5] = '\0';         /* HH:MM */
	attron(ui_attr(t, COL_HEADER));
	ui_put(y, 2, "Blocked attempts, last hour", COLS - 4);
	attroff(ui_attr(t, COL_HEADER));
	if (total)
		ui_putf(y, 31, COLS - 33, "%llu in all, peak %llu/min at %s",
			(unsigned long long)total, (unsigned long long)max, when);
	else
		ui_put(y, 31, "none", COLS - 33);
}

/* one column per minute, the current one at the right */
static void draw_graph(struct tui *t, int y, int x)
{
	int64_t now = ui_wall_ms();
	uint64_t total, max, v;
	int peak_ago, level, col, row;

	max = graph_peak(t, now, &peak_ago, &total);
	graph_caption(t, y, total, max, now, peak_ago);
	attron(ui_attr(t, COL_GRAPH));
	for (col = 0; col < TUI_GRAPH_MINUTES; col++) {
		v = state_graph_at(&t->st, now, TUI_GRAPH_MINUTES - 1 - col);
		/* any attempt at all shows: at least one eighth */
		level = !v ? 0 : (int)((v * GRAPH_ROWS * 8 + max - 1) / max);
		for (row = 0; row < GRAPH_ROWS; row++)
			mvaddstr(y + 1 + row, x + col, bar_cell(t, level, row));
	}
	attroff(ui_attr(t, COL_GRAPH));
	attron(ui_attr(t, COL_DIM));
	mvhline(y + 1 + GRAPH_ROWS, x, ACS_HLINE, TUI_GRAPH_MINUTES);
	ui_put(y + 2 + GRAPH_ROWS, x, "-60m", 4);
	ui_put(y + 2 + GRAPH_ROWS, x + 14, "-45m", 4);
	ui_put(y + 2 + GRAPH_ROWS, x + 29, "-30m", 4);
	ui_put(y + 2 + GRAPH_ROWS, x + 44, "-15m", 4);
	ui_put(y + 2 + GRAPH_ROWS, x + TUI_GRAPH_MINUTES - 3, "now", 3);
	attroff(ui_attr(t, COL_DIM));
	if (max)
		ui_putf(y + 1, x + TUI_GRAPH_MINUTES + 1, COLS - x - TUI_GRAPH_MINUTES - 2,
			"%llu/min", (unsigned long long)max);
}

static void draw_latest(struct tui *t, int y)
{
	const struct tui_event *e;
	char when[16];

	if (!t->st.nact || y >= LINES - 2)
		return;
	e = &t->st.act[0];
	ui_fmt_time(e->time_ms, when, sizeof(when));
	label(t, y, "Latest");
	ui_putf(y, 2 + LABEL_W, COLS - LABEL_W - 4, "%s %s %s %s -> port %lld %s%s",
		when, e->dir, e->proto, e->peer, (long long)e->port,
		*e->app ? e->app : "", e->count > 1 ? " (repeated)" : "");
}

static void draw_offline(struct tui *t, int top)
{
	char buf[600];

	conn_problem(t, buf, sizeof(buf));
	attron(ui_attr(t, COL_ERR));
	ui_put(top + 1, 2, buf, COLS - 4);
	attroff(ui_attr(t, COL_ERR));
	/* the whole reason: it says what to do */
	ui_wrap(top + 3, 2, COLS - 4, LINES - 3 - (top + 3), t->conn.problem);
}

void overview_draw(struct tui *t, int top, int rows)
{
	int y = top + 1, n;

	if (!conn_up(t)) {
		draw_offline(t, top);
		return;
	}
	if (!t->st.have_status) {
		ui_put(y, 2, "asking fwd...", COLS - 4);
		return;
	}
	draw_state(t, y);
	draw_prompts(t, y + 6);
	n = draw_problems(t, y + 7, 2);
	y += 8 + n;
	if (top + rows - y >= GRAPH_ROWS + 3)
		draw_graph(t, y, 4);
	y += GRAPH_ROWS + 4;
	if (y < top + rows)
		draw_latest(t, y);
}

bool overview_key(struct tui *t, int ch)
{
	(void)t;
	(void)ch;
	return false;
}

const char *overview_hints(const struct tui *t)
{
	(void)t;
	return "1-4 screens  tab next  p prompts  ? help  q quit";
}
