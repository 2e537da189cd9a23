/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The prompt dialog: a program was blocked from accepting connections and
 * its user (or an admin) decides. It pops up over any screen, oldest prompt
 * first, unless an editor is open there (typing must never answer a prompt;
 * for the same reason keys in the first moments after it appears are
 * dropped). The choices become one `answer` request; fwd turns it into a
 * rule. Nothing is ever allowed by waiting: hiding or "ask later" keeps
 * the program blocked.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "fwtui.h"

#define DIALOG_W 76
#define DIALOG_H 17

enum { G_VERDICT, G_SCOPE, G_FROM, G_DURATION, G_COUNT };

static const char *const group_names[G_COUNT] = {
	"Verdict", "Scope", "From", "Duration",
};
static const int group_sizes[G_COUNT] = { 2, 2, 2, 4 };
/* protocol values of each choice */
static const char *const group_values[G_COUNT][4] = {
	{ "allow", "deny" },
	{ "port", "app" },
	{ "local", "any" },
	{ "always", "3600", "boot", "once" },
};

static struct {
	int64_t id;             /* the prompt on screen, 0 none */
	int64_t shown_ms;       /* monotonic, when it appeared */
	int group;
	int choice[G_COUNT];
	int64_t hidden_upto;    /* esc: prompts up to this id wait for p */
	int64_t sending;        /* the prompt whose answer is out */
} ps;

void prompt_init(struct tui *t)
{
	(void)t;
	memset(&ps, 0, sizeof(ps));
}

static void defaults(void)
{
	memset(ps.choice, 0, sizeof(ps.choice));
	ps.group = G_VERDICT;
}

static bool visible(const struct tui_prompt *p)
{
	return p->id > ps.hidden_upto;
}

/* the prompt to show: the current one while it lasts, else the oldest */
static const struct tui_prompt *current(struct tui *t)
{
	const struct tui_prompt *p = state_prompt_by_id(&t->st, ps.id);

	if (p && visible(p))
		return p;
	for (size_t i = 0; i < t->st.nprompts; i++) {
		p = &t->st.prompts[i];
		if (visible(p)) {
			ps.id = p->id;
			ps.shown_ms = ui_now_ms();
			defaults();
			return p;
		}
	}
	ps.id = 0;
	return NULL;
}

bool prompt_showing(struct tui *t)
{
	return conn_up(t) && !rules_busy(t) && current(t) != NULL;
}

size_t prompt_waiting(const struct tui *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->st.nprompts; i++)
		n += rules_busy(t) || !visible(&t->st.prompts[i]);
	return n;
}

void prompt_reveal(struct tui *t)
{
	if (!t->st.nprompts)
		ui_message(t, COL_NORMAL, "no prompts are waiting");
	ps.hidden_upto = 0;
}

/* ---- drawing ---- */

static void choice_label(const struct tui_prompt *p, int g, int c, char *buf, size_t len)
{
	static const char *const labels[G_COUNT][4] = {
		{ "Allow", "Deny" },
		{ "this port only", "the whole program" },
		{ "local network", "anywhere" },
		{ "always", "1 hour", "until reboot", "just this once" },
	};

	if (g == G_FROM && c == 0 && *p->peer_net)
		snprintf(buf, len, "local network %s", p->peer_net);
	else if (g == G_SCOPE && c == 0)
		snprintf(buf, len, "this port only (%s %lld)", p->proto, (long long)p->port);
	else
		snprintf(buf, len, "%s", labels[g][c]);
}

static void draw_group(struct tui *t, const struct tui_prompt *p, int g, int y, int x, int w)
{
	char label[96];
	int col = x + 13;

	if (g == ps.group)
		attron(A_BOLD);
	ui_putf(y, x, 12, "%s %s", g == ps.group ? ">" : " ", group_names[g]);
	attroff(A_BOLD);
	for (int c = 0; c < group_sizes[g]; c++) {
		bool chosen = ps.choice[g] == c;

		choice_label(p, g, c, label, sizeof(label));
		if (chosen)
			attron(ui_attr(t, g == ps.group ? COL_DIALOG_SEL : COL_KEY));
		ui_putf(y, col, x + w - col, chosen ? "[%s]" : " %s ", label);
		if (chosen)
			attroff(ui_attr(t, g == ps.group ? COL_DIALOG_SEL : COL_KEY));
		col += (int)strlen(label) + 3;
	}
}

static void draw_facts(const struct tui_prompt *p, int y, int x, int w)
{
	char first[16], last[16], left[24];
	int64_t secs = (p->expires_ms - ui_wall_ms()) / 1000;

	ui_fmt_time(p->time_ms, first, sizeof(first));
	ui_fmt_time(p->last_ms, last, sizeof(last));
	ui_fmt_span(secs, left, sizeof(left));
	ui_putf(y, x, w, "Program   %s", *p->app ? p->app : "(unknown program)");
	ui_putf(y + 1, x, w, "User      %s (uid %lld)", p->user, (long long)p->uid);
	ui_putf(y + 2, x, w, "Wants     %s port %lld (%s)", p->proto, (long long)p->port,
		p->family);
	ui_putf(y + 3, x, w, "Peer      %s%s%s%s", p->peer, *p->peer_net ? " (network " : "",
		p->peer_net, *p->peer_net ? ")" : "");
	ui_putf(y + 4, x, w, "Blocked   %lld attempt%s since %s, last %s",
		(long long)p->attempts, p->attempts == 1 ? "" : "s", first, last);
	if (!p->expires_ms)
		ui_put(y + 5, x, "Expires   never; stays blocked until answered", w);
	else if (secs > 0)
		ui_putf(y + 5, x, w, "Expires   in %s; stays blocked if unanswered", left);
	else
		ui_put(y + 5, x, "Expires   now; stays blocked", w);
}

static void draw_frame(struct tui *t, int y, int x, int w, int h)
{
	char pos[32];
	size_t i;

	for (i = 0; i < t->st.nprompts && t->st.prompts[i].id != ps.id; i++)
		;
	attron(ui_attr(t, COL_DIALOG));
	for (int r = 0; r < h; r++)
		mvhline(y + r, x, ' ', w);
	mvaddch(y, x, ACS_ULCORNER);
	mvhline(y, x + 1, ACS_HLINE, w - 2);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvvline(y + 1, x, ACS_VLINE, h - 2);
	mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	attron(A_BOLD);
	ui_put(y, x + 2, " A program wants to accept connections ", w - 4);
	attroff(A_BOLD);
	snprintf(pos, sizeof(pos), " %zu of %zu ", i + 1, t->st.nprompts);
	ui_put(y, x + w - 2 - (int)strlen(pos), pos, (int)strlen(pos));
}

void prompt_draw(struct tui *t)
{
	const struct tui_prompt *p = current(t);
	int w = COLS - 4 < DIALOG_W ? COLS - 4 : DIALOG_W;
	int h = LINES - 2 < DIALOG_H ? LINES - 2 : DIALOG_H;
	int x = (COLS - w) / 2, y = (LINES - h) / 2, g;
	/* blank lines between the parts when there is room for them */
	int gap = h >= DIALOG_H ? 1 : 0, groups = y + 7 + 2 * gap;
	bool narrow = w < 70;

	if (!p)
		return;
	draw_frame(t, y, x, w, h);
	draw_facts(p, y + 1 + gap, x + 2, w - 4);
	for (g = 0; g < G_COUNT; g++)
		draw_group(t, p, g, groups + g, x + 2, w - 4);
	if (ps.sending == p->id) {
		ui_put(groups + 4 + gap, x + 2, "sending the answer to fwd...", w - 4);
	} else {
		ui_hints(t, groups + 4 + gap, x + 2, w - 4, narrow ?
			 "a allow  A from anywhere  d deny  l later" :
			 "a allow (local net)  A allow from anywhere  d deny  l ask later");
		ui_hints(t, groups + 5 + gap, x + 2, w - 4, narrow ?
			 "tab group  arrows choose  enter ok  esc hide" :
			 "tab group  arrows choose  enter confirm  esc hide  n next");
	}
	attroff(ui_attr(t, COL_DIALOG));
}

/* ---- answering ---- */

static void on_answer(struct tui *t, struct tui_req *r, struct message *m)
{
	int64_t code = m ? msg_int(m, "code", 0) : 0;

	ps.sending = 0;
	if (!m) {
		ui_message(t, COL_ERR, "fwd went away before answering: the prompt "
			   "will be asked again");
	} else if (!strcmp(m->kind, "ok")) {
		if (!strcmp(r->text, "later"))
			ui_message(t, COL_OK, "asking again next time; blocked until then");
		else
			ui_message(t, COL_OK, "%s: rule #%lld", r->text,
				   (long long)msg_int(m, "rule_id", 0));
		state_prompt_remove(&t->st, r->a);
	} else if (code == EXIT_DENIED) {
		ui_message(t, COL_ERR, "you may not answer this prompt: only root or "
			   "fwadm members can (fwd: %s)", msg_str(m, "msg", ""));
		ps.hidden_upto = r->a > ps.hidden_upto ? r->a : ps.hidden_upto;
	} else {
		/* answered elsewhere or expired: nothing left to decide */
		ui_message(t, COL_WARN, "fwd: %s", msg_str(m, "msg", "?"));
		if (code == EXIT_FAILED)
			state_prompt_remove(&t->st, r->a);
	}
}

static void send_answer(struct tui *t, const struct tui_prompt *p, bool later)
{
	char id[32], v[32], sc[32], fr[32], du[32], what[700];
	const char *argv[6] = { "answer", id, v, sc, fr, du };
	struct tui_req *r;

	snprintf(id, sizeof(id), "id=%lld", (long long)p->id);
	snprintf(v, sizeof(v), "verdict=%s", later ? "later" :
		 group_values[G_VERDICT][ps.choice[G_VERDICT]]);
	snprintf(sc, sizeof(sc), "scope=%s", group_values[G_SCOPE][ps.choice[G_SCOPE]]);
	snprintf(fr, sizeof(fr), "from=%s", group_values[G_FROM][ps.choice[G_FROM]]);
	snprintf(du, sizeof(du), "duration=%s",
		 group_values[G_DURATION][ps.choice[G_DURATION]]);
	snprintf(what, sizeof(what), "%s %s %s", ps.choice[G_VERDICT] ? "denied" :
		 "allowed", *p->app ? p->app : "the program",
		 ps.choice[G_FROM] ? "from anywhere" : "from the local network");
	r = conn_request(t, later ? 3 : 6, argv, NULL, on_answer);
	if (!r)
		return;
	r->a = p->id;
	r->text = xstrdup(later ? "later" : what);
	ps.sending = p->id;
}

/* the shortcuts: one key, the usual choices */
static bool quick_key(struct tui *t, const struct tui_prompt *p, int ch)
{
	if (ch == 'a' || ch == 'A') {
		defaults();
		ps.choice[G_FROM] = ch == 'A';
	} else if (ch == 'd') {
		defaults();
		ps.choice[G_VERDICT] = 1;
		ps.choice[G_FROM] = 1;
	} else if (ch == 'l') {
		send_answer(t, p, true);
		return true;
	} else {
		return false;
	}
	send_answer(t, p, false);
	return true;
}

static void next_prompt(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->st.nprompts && t->st.prompts[i].id != ps.id; i++)
		;
	for (i++; i < t->st.nprompts && !visible(&t->st.prompts[i]); i++)
		;
	if (i >= t->st.nprompts)
		for (i = 0; i < t->st.nprompts && !visible(&t->st.prompts[i]); i++)
			;
	if (i < t->st.nprompts && t->st.prompts[i].id != ps.id) {
		ps.id = t->st.prompts[i].id;
		ps.shown_ms = ui_now_ms();
		defaults();
	}
}

static void choose(int delta)
{
	int n = group_sizes[ps.group];

	ps.choice[ps.group] = (ps.choice[ps.group] + delta + n) % n;
	/* a deny is from anywhere unless chosen otherwise; an allow is local */
	if (ps.group == G_VERDICT)
		ps.choice[G_FROM] = ps.choice[G_VERDICT];
}

static bool move_key(int ch)
{
	if (ch == '\t' || ch == KEY_DOWN)
		ps.group = (ps.group + 1) % G_COUNT;
	else if (ch == KEY_BTAB || ch == KEY_UP)
		ps.group = (ps.group + G_COUNT - 1) % G_COUNT;
	else if (ch == KEY_RIGHT || ch == ' ')
		choose(1);
	else if (ch == KEY_LEFT)
		choose(-1);
	else
		return false;
	return true;
}

static void hide_all(const struct tui *t)
{
	for (size_t i = 0; i < t->st.nprompts; i++)
		if (t->st.prompts[i].id > ps.hidden_upto)
			ps.hidden_upto = t->st.prompts[i].id;
}

bool prompt_key(struct tui *t, int ch)
{
	const struct tui_prompt *p = current(t);

	if (!p)
		return false;
	/* quitting, help and the screens beneath stay reachable */
	if (ch == 'q' || ch == '?' || (ch >= '1' && ch <= '4') ||
	    (ch >= KEY_F(1) && ch <= KEY_F(4)))
		return false;
	if (ui_now_ms() - ps.shown_ms < TUI_PROMPT_GUARD_MS || ps.sending)
		return true;
	if (quick_key(t, p, ch) || move_key(ch))
		return true;
	if (ch == '\r' || ch == '\n' || ch == KEY_ENTER)
		send_answer(t, p, false);
	else if (ch == 27)
		hide_all(t);
	else if (ch == 'n')
		next_prompt(t);
	return true;
}
