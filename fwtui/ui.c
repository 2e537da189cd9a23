/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frame around the screens (title and tab bar, message line, key hints),
 * the colour table, the one-line editor, and the main loop. The loop polls
 * the terminal and both sockets together and never blocks on either; each
 * turn redraws everything from the model (ncdu), so a resize is just the
 * next draw at the new size.
 */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fwtui.h"

/* smaller than this, the screens cannot lay out: say so instead */
#define UI_MIN_COLS 60
#define UI_MIN_LINES 16
/* how long an answer stays on the message line; waiting prompts take the
 * line back after the first seconds */
#define UI_MSG_MS 20000
#define UI_MSG_FRESH_MS 5000

/* one table for every look: colours when the terminal has them, and the
 * attribute that stands in for them in monochrome */
static const struct {
	short fg, bg;
	int attr;       /* added to the colour pair */
	int mono;       /* used alone without colours */
} colours[COL_COUNT] = {
	[COL_NORMAL]     = { -1, -1, 0, A_NORMAL },
	[COL_TITLE]      = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD },
	[COL_TAB]        = { COLOR_WHITE, COLOR_BLUE, 0, A_REVERSE },
	[COL_TAB_ACTIVE] = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_BOLD | A_UNDERLINE },
	[COL_KEY]        = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[COL_OK]         = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
	[COL_WARN]       = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[COL_ERR]        = { COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE },
	[COL_DIM]        = { COLOR_CYAN, -1, 0, A_NORMAL },
	[COL_SELECT]     = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
	[COL_DIALOG]     = { COLOR_WHITE, COLOR_BLUE, 0, A_NORMAL },
	[COL_DIALOG_SEL] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE },
	[COL_GRAPH]      = { COLOR_RED, -1, A_BOLD, A_NORMAL },
	[COL_HEADER]     = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
};

static const char *const tab_names[SCR_COUNT] = {
	"Overview", "Rules", "Activity", "Help",
};

static volatile sig_atomic_t got_quit;
static int cursor_y = -1, cursor_x;     /* where an editor wants the cursor */

int64_t ui_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ui_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_quit_signal(int sig)
{
	(void)sig;
	got_quit = 1;
}

static void colours_init(struct tui *t)
{
	bool defaults;
	const char *nc = getenv("NO_COLOR");

	/* https://no-color.org: any non-empty value */
	t->colour = has_colors() && !(nc && *nc);
	if (!t->colour)
		return;
	start_color();
	defaults = use_default_colors() == OK;
	for (int i = 1; i < COL_COUNT; i++) {
		short fg = colours[i].fg, bg = colours[i].bg;

		if (!defaults && fg < 0)
			fg = COLOR_WHITE;
		if (!defaults && bg < 0)
			bg = COLOR_BLACK;
		init_pair((short)i, fg, bg);
	}
}

int ui_attr(const struct tui *t, enum tui_colour c)
{
	if (!t->colour)
		return colours[c].mono;
	return (c ? (int)COLOR_PAIR(c) : 0) | colours[c].attr;
}

int ui_init(struct tui *t)
{
	struct sigaction sa = { .sa_handler = on_quit_signal };
	const char *cs = nl_langinfo(CODESET);

	/* without SA_RESTART: poll() returns at once and the loop sees the flag */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	t->utf8 = cs && !strcmp(cs, "UTF-8");
	/* newterm, unlike initscr, lets us say what to do about a bad TERM */
	if (!newterm(NULL, stdout, stdin))
		return -1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	/* a bare Esc closes editors and dialogs: do not wait a second for more */
	set_escdelay(50);
	curs_set(0);
	colours_init(t);
	return 0;
}

void ui_fini(void)
{
	endwin();
}

/* ---- drawing helpers ---- */

void ui_put(int y, int x, const char *s, int w)
{
	char buf[1024];
	size_t i;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + w > COLS)
		w = COLS - x;
	/* text from the daemon: a control byte must not drive the terminal */
	for (i = 0; s[i] && i + 1 < sizeof(buf) && i < (size_t)w * 4; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	mvaddnstr(y, x, buf, w);
}

void ui_putf(int y, int x, int w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ui_put(y, x, buf, w);
}

/* "k label  k label": two spaces part the hints, the first word is the key */
void ui_hints(const struct tui *t, int y, int x, int w, const char *hints)
{
	const char *p = hints, *end, *sp;
	int col = x, n;

	while (*p && col < x + w) {
		end = strstr(p, "  ");
		n = end ? (int)(end - p) : (int)strlen(p);
		sp = memchr(p, ' ', (size_t)n);
		if (col + n > x + w)
			break;          /* a hint is shown whole or not at all */
		attron(ui_attr(t, COL_KEY));
		mvaddnstr(y, col, p, sp ? (int)(sp - p) : n);
		attroff(ui_attr(t, COL_KEY));
		if (sp)
			mvaddnstr(y, col + (int)(sp - p), sp, n - (int)(sp - p));
		col += n + 2;
		p = end ? end + 2 : p + n;
	}
}

int ui_wrap(int y, int x, int w, int rows, const char *s)
{
	int n = 0, len, cut;

	while (*s && n < rows && w > 0) {
		len = (int)strlen(s);
		cut = len;
		if (len > w) {
			/* break at the last space that fits, else mid-word */
			for (cut = w; cut > 0 && s[cut] != ' '; cut--)
				;
			if (!cut)
				cut = w;
		}
		ui_put(y + n++, x, s, cut);
		s += cut;
		while (*s == ' ')
			s++;
	}
	return n;
}

void ui_message(struct tui *t, enum tui_colour c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	t->msg_col = c;
	t->msg_ms = ui_now_ms();
}

void ui_fmt_time(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0 || !localtime_r(&s, &tm) || !strftime(buf, len, "%H:%M:%S", &tm))
		snprintf(buf, len, "-");
}

void ui_fmt_span(int64_t secs, char *buf, size_t len)
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(buf, len, "%llds", (long long)secs);
	else if (secs < 3600)
		snprintf(buf, len, "%lldm %02llds", (long long)(secs / 60),
			 (long long)(secs % 60));
	else if (secs < 86400)
		snprintf(buf, len, "%lldh %02lldm", (long long)(secs / 3600),
			 (long long)(secs / 60 % 60));
	else
		snprintf(buf, len, "%lldd %02lldh", (long long)(secs / 86400),
			 (long long)(secs / 3600 % 24));
}

/* ---- the one-line editor ---- */

void ui_edit_set(struct ui_edit *e, const char *s)
{
	snprintf(e->buf, sizeof(e->buf), "%s", s);
	e->len = e->cur = strlen(e->buf);
}

static void edit_delete(struct ui_edit *e, size_t from, size_t to)
{
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	e->cur = from;
}

static int edit_move(struct ui_edit *e, int ch)
{
	if (ch == KEY_LEFT && e->cur > 0)
		e->cur--;
	else if (ch == KEY_RIGHT && e->cur < e->len)
		e->cur++;
	else if (ch == KEY_HOME || ch == 1)             /* ^A */
		e->cur = 0;
	else if (ch == KEY_END || ch == 5)              /* ^E */
		e->cur = e->len;
	else if (ch != KEY_LEFT && ch != KEY_RIGHT)
		return 0;
	return 1;
}

int ui_edit_key(struct ui_edit *e, int ch)
{
	size_t w;

	if (edit_move(e, ch))
		return 1;
	if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && e->cur > 0) {
		edit_delete(e, e->cur - 1, e->cur);
	} else if ((ch == KEY_DC || ch == 4) && e->cur < e->len) {
		edit_delete(e, e->cur, e->cur + 1);
	} else if (ch == 21) {                          /* ^U */
		edit_delete(e, 0, e->cur);
	} else if (ch == 11) {                          /* ^K */
		e->buf[e->len = e->cur] = '\0';
	} else if (ch == 23) {                          /* ^W: the word before */
		for (w = e->cur; w > 0 && e->buf[w - 1] == ' '; w--)
			;
		for (; w > 0 && e->buf[w - 1] != ' '; w--)
			;
		edit_delete(e, w, e->cur);
	} else if (ch >= 0x20 && ch < 0x7f && e->len + 1 < sizeof(e->buf)) {
		memmove(e->buf + e->cur + 1, e->buf + e->cur, e->len - e->cur + 1);
		e->buf[e->cur++] = (char)ch;
		e->len++;
	} else if (ch != KEY_BACKSPACE && ch != 127 && ch != 8 && ch != KEY_DC &&
		   ch != 4) {
		return 0;
	}
	return 1;
}

void ui_edit_draw(const struct tui *t, const struct ui_edit *e, int y, int x, int w)
{
	size_t off;

	if (w < 2)
		return;
	off = e->cur >= (size_t)w - 1 ? e->cur - (size_t)w + 2 : 0;
	attron(ui_attr(t, COL_SELECT));
	mvhline(y, x, ' ', w);
	ui_put(y, x, e->buf + off, w);
	attroff(ui_attr(t, COL_SELECT));
	cursor_y = y;
	cursor_x = x + (int)(e->cur - off);
}

/* ---- the frame ---- */

void ui_switch(struct tui *t, enum tui_screen s)
{
	if (s == t->screen)
		return;
	t->screen = s;
	if (s == SCR_RULES)
		conn_refresh(t);        /* the list may be older than the poll */
}

static void draw_state_badge(struct tui *t)
{
	const char *txt = "offline";
	enum tui_colour c = COL_ERR;

	if (conn_up(t) && t->st.have_status) {
		bool panic = msg_bool(&t->st.status, "panic", false);
		bool on = msg_bool(&t->st.status, "enabled", false);

		txt = panic ? "PANIC" : on ? "enabled" : "DISABLED";
		c = panic || !on ? COL_ERR : COL_OK;
	}
	attron(ui_attr(t, c));
	mvprintw(0, COLS - (int)strlen(txt) - 2, " %s ", txt);
	attroff(ui_attr(t, c));
}

static void draw_title(struct tui *t)
{
	int x;

	attron(ui_attr(t, COL_TAB));
	mvhline(0, 0, ' ', COLS);
	/* the name goes first when the state badge needs the room */
	x = 0;
	if (COLS >= 72) {
		attron(A_BOLD);
		mvaddstr(0, 1, "fwtui");
		attroff(A_BOLD);
		x = 8;
	}
	for (int i = 0; i < SCR_COUNT; i++) {
		if (i == (int)t->screen) {
			attroff(ui_attr(t, COL_TAB));
			attron(ui_attr(t, COL_TAB_ACTIVE));
		}
		mvprintw(0, x, " %d %s ", i + 1, tab_names[i]);
		if (i == (int)t->screen) {
			attroff(ui_attr(t, COL_TAB_ACTIVE));
			attron(ui_attr(t, COL_TAB));
		}
		x += (int)strlen(tab_names[i]) + 5;
	}
	attroff(ui_attr(t, COL_TAB));
	draw_state_badge(t);
}

/* the connection problem first, then a fresh answer, then waiting prompts,
 * then an older answer */
static void draw_message(struct tui *t)
{
	char buf[600];
	int y = LINES - 2;
	size_t waiting = prompt_waiting(t);
	int64_t age = ui_now_ms() - t->msg_ms;

	conn_problem(t, buf, sizeof(buf));
	if (*buf) {
		attron(ui_attr(t, COL_ERR));
		ui_put(y, 1, buf, COLS - 2);
		attroff(ui_attr(t, COL_ERR));
	} else if (t->msg[0] && (age < UI_MSG_FRESH_MS || (!waiting && age < UI_MSG_MS))) {
		attron(ui_attr(t, t->msg_col));
		ui_put(y, 1, t->msg, COLS - 2);
		attroff(ui_attr(t, t->msg_col));
	} else if (waiting) {
		attron(ui_attr(t, COL_WARN));
		ui_putf(y, 1, COLS - 2, "%zu prompt%s waiting: press p to answer",
			waiting, waiting == 1 ? "" : "s");
		attroff(ui_attr(t, COL_WARN));
	}
}

static const char *screen_hints(const struct tui *t)
{
	switch (t->screen) {
	case SCR_OVERVIEW:      return overview_hints(t);
	case SCR_RULES:         return rules_hints(t);
	case SCR_ACTIVITY:      return activity_hints(t);
	case SCR_HELP:          return help_hints(t);
	default:                return "";
	}
}

static void draw_screen(struct tui *t, int top, int rows)
{
	switch (t->screen) {
	case SCR_OVERVIEW:      overview_draw(t, top, rows); break;
	case SCR_RULES:         rules_draw(t, top, rows); break;
	case SCR_ACTIVITY:      activity_draw(t, top, rows); break;
	case SCR_HELP:          help_draw(t, top, rows); break;
	default:                break;
	}
}

static void ui_draw(struct tui *t)
{
	const char *hints;

	erase();
	cursor_y = -1;
	if (COLS < UI_MIN_COLS || LINES < UI_MIN_LINES) {
		char buf[128];

		snprintf(buf, sizeof(buf), "fwtui needs at least %dx%d; this terminal "
			 "is %dx%d. q quits.", UI_MIN_COLS, UI_MIN_LINES, COLS, LINES);
		ui_wrap(0, 0, COLS, LINES, buf);
		curs_set(0);
		refresh();
		return;
	}
	draw_title(t);
	draw_screen(t, 1, LINES - 3);
	draw_message(t);
	hints = screen_hints(t);
	ui_hints(t, LINES - 1, 1, COLS - 2, hints);
	if (prompt_showing(t)) {
		cursor_y = -1;
		prompt_draw(t);
	}
	curs_set(cursor_y >= 0 ? 1 : 0);
	if (cursor_y >= 0)
		move(cursor_y, cursor_x);
	refresh();
}

/* ---- keys ---- */

static bool screen_key(struct tui *t, int ch)
{
	switch (t->screen) {
	case SCR_OVERVIEW:      return overview_key(t, ch);
	case SCR_RULES:         return rules_key(t, ch);
	case SCR_ACTIVITY:      return activity_key(t, ch);
	case SCR_HELP:          return help_key(t, ch);
	default:                return false;
	}
}

static void global_key(struct tui *t, int ch)
{
	if (ch == 'q' || ch == 'Q') {
		t->quit = true;
	} else if (ch >= '1' && ch < '1' + SCR_COUNT) {
		ui_switch(t, (enum tui_screen)(ch - '1'));
	} else if (ch >= KEY_F(1) && ch < KEY_F(1) + SCR_COUNT) {
		ui_switch(t, (enum tui_screen)(ch - KEY_F(1)));
	} else if (ch == '\t') {
		ui_switch(t, (enum tui_screen)((t->screen + 1) % SCR_COUNT));
	} else if (ch == KEY_BTAB) {
		ui_switch(t, (enum tui_screen)((t->screen + SCR_COUNT - 1) % SCR_COUNT));
	} else if (ch == '?' || ch == 'h') {
		ui_switch(t, SCR_HELP);
	} else if (ch == 'p') {
		prompt_reveal(t);
	} else if (ch == 12) {                          /* ^L */
		clearok(curscr, TRUE);
	}
}

static void handle_key(struct tui *t, int ch)
{
	/* the one place a resize is handled: the next draw lays out anew */
	if (ch == KEY_RESIZE) {
		clearok(curscr, TRUE);
		return;
	}
	if (COLS < UI_MIN_COLS || LINES < UI_MIN_LINES) {
		if (ch == 'q' || ch == 'Q')
			t->quit = true;
		return;
	}
	if (prompt_showing(t) && prompt_key(t, ch))
		return;
	if (screen_key(t, ch))
		return;
	global_key(t, ch);
}

/* ---- the loop ---- */

/* wake for the next connection deadline, and at each second for the clocks */
static int loop_timeout(const struct tui *t, bool more)
{
	int64_t now = ui_now_ms(), until = conn_deadline(t) - now;
	int64_t tick = 1000 - ui_wall_ms() % 1000;

	if (more)
		return 0;
	if (until > tick)
		until = tick;
	return until < 0 ? 0 : (int)until;
}

void ui_loop(struct tui *t)
{
	struct pollfd pfd[3];
	int fds[2], n, i, ch;
	bool more = false;

	while (!t->quit && !got_quit) {
		conn_tick(t);
		ui_draw(t);
		n = conn_fds(t, fds);
		pfd[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
		for (i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		if (poll(pfd, (nfds_t)n + 1, loop_timeout(t, more)) < 0 && errno != EINTR)
			break;
		/* the terminal is gone (a closed tmux, a dropped ssh): nobody to
		 * show anything to, and polling it again would spin */
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		/* reading when nothing came costs one recv() per socket */
		more = n ? conn_read(t) : false;
		/* EINTR is likely SIGWINCH, which getch reports as KEY_RESIZE */
		while ((ch = getch()) != ERR && !t->quit)
			handle_key(t, ch);
	}
}
