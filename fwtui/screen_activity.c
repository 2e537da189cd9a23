/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Activity: blocked connection attempts as they happen, newest on top.
 * Space pauses the view (the model keeps filling, so nothing is lost but
 * what falls out of the kept rows) so a row can be read in a burst.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "fwtui.h"

static struct {
	bool paused;
	int64_t pause_id;       /* rows newer than this wait while paused */
	size_t scroll;
} as;

void activity_init(struct tui *t)
{
	(void)t;
	memset(&as, 0, sizeof(as));
}

/* the rows shown: all, or those that were there at the pause */
static size_t first_shown(const struct tui *t)
{
	size_t i = 0;

	while (as.paused && i < t->st.nact && t->st.act[i].id > as.pause_id)
		i++;
	return i;
}

/* the end of a long path is the part that names the program */
static void put_tail(int y, int x, const char *s, int w)
{
	size_t n = strlen(s);

	if (w <= 3)
		return;
	if (n <= (size_t)w) {
		ui_put(y, x, s, w);
		return;
	}
	ui_put(y, x, "...", 3);
	ui_put(y, x + 3, s + n - (size_t)(w - 3), w - 3);
}

static void peer_text(const struct tui_event *e, char *buf, size_t len)
{
	if (e->peer_port && strchr(e->peer, ':'))
		snprintf(buf, len, "[%s]:%lld", e->peer, (long long)e->peer_port);
	else if (e->peer_port)
		snprintf(buf, len, "%s:%lld", e->peer, (long long)e->peer_port);
	else
		snprintf(buf, len, "%s", e->peer);
}

static void user_text(const struct tui_event *e, char *buf, size_t len)
{
	if (*e->user)
		snprintf(buf, len, "%s", e->user);
	else if (e->uid >= 0)
		snprintf(buf, len, "%lld", (long long)e->uid);
	else
		snprintf(buf, len, "-");
}

/* column widths: the peer and the program share what 80 columns leave */
static void widths(int *peer_w, int *prog_w)
{
	int spare = COLS - 80;

	*peer_w = 24 + (spare > 0 ? spare / 3 : 0);
	*prog_w = COLS - 2 - 8 - 4 - 6 - (*peer_w + 1) - 6 - 11;
}

static void draw_row(struct tui *t, int y, const struct tui_event *e)
{
	char when[16], peer[96], user[48];
	int peer_w, prog_w, x;

	widths(&peer_w, &prog_w);
	ui_fmt_time(e->time_ms, when, sizeof(when));
	peer_text(e, peer, sizeof(peer));
	user_text(e, user, sizeof(user));
	ui_putf(y, 1, COLS - 2, "%-8s %-3.3s %-5.5s", when, e->dir, e->proto);
	ui_put(y, 20, peer, peer_w);
	x = 20 + peer_w + 1;
	ui_putf(y, x, 5, "%5lld", (long long)e->port);
	x += 6;
	if (e->count > 1) {
		char app[600];

		snprintf(app, sizeof(app), "%s x%lld", *e->app ? e->app : "-",
			 (long long)e->count);
		put_tail(y, x, app, prog_w);
	} else {
		put_tail(y, x, *e->app ? e->app : "-", prog_w);
	}
	ui_put(y, x + prog_w + 1, user, COLS - 2 - (x + prog_w + 1));
	(void)t;
}

static void draw_header(struct tui *t, int y)
{
	int peer_w, prog_w;

	widths(&peer_w, &prog_w);
	attron(ui_attr(t, COL_HEADER));
	ui_put(y, 1, "TIME     DIR PROTO", 18);
	ui_put(y, 20, "PEER", 4);
	ui_put(y, 20 + peer_w + 1, " PORT", 5);
	ui_put(y, 20 + peer_w + 7, "PROGRAM", 7);
	ui_put(y, 20 + peer_w + 7 + prog_w + 1, "USER", 4);
	attroff(ui_attr(t, COL_HEADER));
}

static void draw_status(struct tui *t, int y, size_t first)
{
	if (t->st.log_problem[0]) {
		attron(ui_attr(t, COL_WARN));
		ui_putf(y, 1, COLS - 2, "the activity log is not available: %s",
			t->st.log_problem);
		attroff(ui_attr(t, COL_WARN));
	} else if (as.paused) {
		attron(ui_attr(t, COL_WARN));
		ui_putf(y, 1, COLS - 2, "PAUSED, %zu new since (space resumes)", first);
		attroff(ui_attr(t, COL_WARN));
	} else {
		attron(ui_attr(t, COL_DIM));
		ui_putf(y, 1, COLS - 2, "Blocked attempts, newest first: %llu since "
			"connecting (the last %d kept)",
			(unsigned long long)t->st.act_total, TUI_ACT_MAX);
		attroff(ui_attr(t, COL_DIM));
	}
}

void activity_draw(struct tui *t, int top, int rows)
{
	size_t first = first_shown(t), n = t->st.nact - first;
	int list_rows = rows - 2;

	draw_status(t, top, first);
	draw_header(t, top + 1);
	if (as.scroll + (size_t)list_rows > n)
		as.scroll = n > (size_t)list_rows ? n - (size_t)list_rows : 0;
	for (int i = 0; i < list_rows && as.scroll + (size_t)i < n; i++)
		draw_row(t, top + 2 + i, &t->st.act[first + as.scroll + (size_t)i]);
	if (!n && conn_up(t))
		ui_put(top + 2, 2, "nothing blocked yet", COLS - 4);
}

bool activity_key(struct tui *t, int ch)
{
	size_t page = LINES > 8 ? (size_t)LINES - 8 : 1;

	if (ch == ' ') {
		as.paused = !as.paused;
		as.pause_id = t->st.nact ? t->st.act[0].id : 0;
		as.scroll = 0;
	} else if (ch == KEY_UP || ch == 'k') {
		as.scroll = as.scroll ? as.scroll - 1 : 0;
	} else if (ch == KEY_DOWN || ch == 'j') {
		as.scroll++;            /* clamped by the draw */
	} else if (ch == KEY_PPAGE) {
		as.scroll = as.scroll > page ? as.scroll - page : 0;
	} else if (ch == KEY_NPAGE) {
		as.scroll += page;
	} else if (ch == KEY_HOME || ch == 'g') {
		as.scroll = 0;
	} else if (ch == KEY_END || ch == 'G') {
		as.scroll = t->st.nact;
	} else {
		return false;
	}
	return true;
}

const char *activity_hints(const struct tui *t)
{
	(void)t;
	return as.paused ? "space resume  arrows scroll  ? help  q quit" :
	       "space pause  arrows scroll  ? help  q quit";
}
