/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Help: every key of every screen, from one table, scrollable. Lines that
 * start with "#" are section titles; the others are "KEY\tWHAT".
 */
#include <curses.h>
#include <string.h>

#include "fwtui.h"

static const char *const help_text[] = {
	"#Everywhere",
	"1 2 3 4, F1-F4\tOverview, Rules, Activity, Help",
	"tab, shift-tab\tnext, previous screen",
	"?  h\tthis help",
	"p\tshow the prompts that wait (after esc)",
	"^L\tredraw the screen",
	"q\tquit; waiting prompts stay with fwd, and nothing",
	"\tis allowed meanwhile",
	"",
	"#Overview",
	"\tstate, policies, counters, prompts, problems, and",
	"\tthe blocked attempts per minute over the last hour",
	"",
	"#Rules",
	"up down  j k\tmove the selection",
	"pgup pgdn home end\ta page up or down, the top, the bottom",
	"/\tfilter: type text; it matches the rule or the",
	"\torigin in any case, or an id. enter keeps the",
	"\tfilter, esc clears it",
	"esc\tclear the filter",
	"a\tadd a rule: type it in the rule grammar, enter",
	"\tsends it, esc cancels. fwd's errors show under",
	"\tthe line, with a caret at the place",
	"e\tedit the selected rule. fwd has no atomic",
	"\treplace: fwtui adds the new rule, then deletes",
	"\tthe old one. If the add fails nothing is deleted;",
	"\tif the delete fails, both rules stay in force",
	"d  delete\tdelete the selected rule (y confirms)",
	"r\tfetch the list again",
	"\tOnly root and members of the admin group (fwadm)",
	"\tcan change rules; others see the same screen, and",
	"\tfwd's refusal is explained",
	"",
	"#Line editor (add, edit, filter)",
	"left right home end\tmove the cursor (also ^A ^E)",
	"backspace  delete\tdelete a character (also ^D)",
	"^U  ^K  ^W\tdelete to the start, to the end, the word",
	"",
	"#Activity",
	"space\tpause or resume; new rows wait, counted",
	"up down pgup pgdn\tscroll",
	"home end  g G\tthe newest, the oldest",
	"\tBlocked attempts as fwd logs them (rate-limited),",
	"\tnewest first; xN after the program: N packets",
	"\tfolded into the row (a SYN and its retransmits)",
	"",
	"#Prompt dialog (pops up over any screen)",
	"a\tallow this port from the local network (the",
	"\tpeer's subnet), always",
	"A\tallow this port from anywhere, always",
	"d\tdeny this port from anywhere, always",
	"l\task me later: keep blocking, ask again next time",
	"tab  up down\tmove between Verdict, Scope, From, Duration",
	"left right  space\tchange the choice in the group",
	"enter\tanswer with the choices shown",
	"esc\thide the dialog; the prompt waits, p shows it",
	"n\tthe next waiting prompt",
	"\tKeys in the first moment after a prompt appears",
	"\tare ignored: typing meant for another screen must",
	"\tnot answer it. Unanswered, a prompt expires and",
	"\tthe program stays blocked. \"Just this once\"",
	"\tallows for one minute.",
};

#define HELP_LINES (sizeof(help_text) / sizeof(help_text[0]))
#define KEY_COL 23

static size_t help_scroll;

void help_init(struct tui *t)
{
	(void)t;
	help_scroll = 0;
}

static void draw_line(struct tui *t, int y, const char *s)
{
	const char *tab = strchr(s, '\t');

	if (*s == '#') {
		attron(ui_attr(t, COL_HEADER));
		ui_put(y, 1, s + 1, COLS - 2);
		attroff(ui_attr(t, COL_HEADER));
		return;
	}
	if (!tab) {
		ui_put(y, 3, s, COLS - 4);
		return;
	}
	attron(ui_attr(t, COL_KEY));
	mvaddnstr(y, 3, s, (int)(tab - s));
	attroff(ui_attr(t, COL_KEY));
	ui_put(y, KEY_COL, tab + 1, COLS - KEY_COL - 1);
}

void help_draw(struct tui *t, int top, int rows)
{
	size_t max = HELP_LINES > (size_t)rows ? HELP_LINES - (size_t)rows : 0;

	if (help_scroll > max)
		help_scroll = max;
	for (int i = 0; i < rows && help_scroll + (size_t)i < HELP_LINES; i++)
		draw_line(t, top + i, help_text[help_scroll + (size_t)i]);
}

bool help_key(struct tui *t, int ch)
{
	size_t page = LINES > 6 ? (size_t)LINES - 6 : 1;

	(void)t;
	if (ch == KEY_UP || ch == 'k')
		help_scroll = help_scroll ? help_scroll - 1 : 0;
	else if (ch == KEY_DOWN || ch == 'j')
		help_scroll++;               /* clamped by the draw */
	else if (ch == KEY_PPAGE)
		help_scroll = help_scroll > page ? help_scroll - page : 0;
	else if (ch == KEY_NPAGE || ch == ' ')
		help_scroll += page;
	else if (ch == KEY_HOME || ch == 'g')
		help_scroll = 0;
	else if (ch == KEY_END || ch == 'G')
		help_scroll = HELP_LINES;
	else
		return false;
	return true;
}

const char *help_hints(const struct tui *t)
{
	(void)t;
	return "arrows scroll  1-3 back to a screen  q quit";
}
