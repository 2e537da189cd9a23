/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rules: the list with id, origin, expiry, hits and the rule; a filter;
 * add, edit and delete. The protocol has no atomic replace, so an edit is
 * an `add` of the new text and, only once that succeeded, a `delete` of the
 * old rule: a failed add changes nothing. Everyone sees every key; fwd
 * decides who may change rules, and a refusal is explained, not hidden.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwtui.h"

#define MAX_DIAGS 3
#define EDITOR_ROWS (3 + 2 * MAX_DIAGS)

enum rules_mode { RM_LIST, RM_FILTER, RM_EDIT, RM_CONFIRM };

struct rules_diag {
	int col, len;
	char msg[256];
	char src[1024];
};

static struct {
	enum rules_mode mode;
	size_t sel, scroll;
	int64_t sel_id;                 /* kept across refreshes */
	struct ui_edit filter;
	struct ui_edit edit;
	int64_t edit_old;               /* the rule an edit replaces; 0 add */
	bool sending;
	struct rules_diag diag[MAX_DIAGS];
	int ndiag;
	char result[512];               /* the answer, under the editor */
	int64_t confirm_id;
} rs;

static const char *const admin_only =
	"only root or fwadm members can change rules";

void rules_init(struct tui *t)
{
	(void)t;
	memset(&rs, 0, sizeof(rs));
}

bool rules_busy(const struct tui *t)
{
	(void)t;
	return rs.mode == RM_EDIT || rs.mode == RM_CONFIRM;
}

/* ---- the filtered view ---- */

static bool matches(const struct tui_rule *r, const char *f)
{
	char id[24];

	if (!*f)
		return true;
	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	return strcasestr(r->rule, f) || strcasestr(r->origin, f) || !strcmp(id, f);
}

/* indexes of the rules that pass the filter; the caller frees */
static size_t view(const struct tui *t, size_t **idx)
{
	size_t n = 0;

	*idx = xcalloc(t->st.nrules + 1, sizeof(**idx));
	for (size_t i = 0; i < t->st.nrules; i++)
		if (matches(&t->st.rules[i], rs.filter.buf))
			(*idx)[n++] = i;
	return n;
}

/* the selection follows its rule's id when the list is refreshed */
static const struct tui_rule *selected(const struct tui *t)
{
	const struct tui_rule *r = NULL;
	size_t *idx, n = view(t, &idx);

	for (size_t i = 0; i < n; i++)
		if (t->st.rules[idx[i]].id == rs.sel_id) {
			rs.sel = i;
			break;
		}
	if (rs.sel >= n)
		rs.sel = n ? n - 1 : 0;
	if (n) {
		r = &t->st.rules[idx[rs.sel]];
		rs.sel_id = r->id;
	}
	free(idx);
	return r;
}

/* ---- answers from fwd ---- */

/* why a change failed, for the message line and under the editor */
static void refused(struct tui *t, const struct message *m, const char *what)
{
	if (!m) {
		ui_message(t, COL_ERR, "fwd went away before answering %s: "
			   "check the list once it is back", what);
	} else if (msg_int(m, "code", 0) == EXIT_DENIED) {
		t->not_admin = true;
		ui_message(t, COL_ERR, "%s (fwd: %s)", admin_only, msg_str(m, "msg", ""));
	} else {
		ui_message(t, COL_ERR, "%s failed: %s", what, msg_str(m, "msg", "?"));
	}
	snprintf(rs.result, sizeof(rs.result), "%s", t->msg);
}

static void on_add_line(struct tui *t, struct tui_req *r, struct message *m)
{
	struct rules_diag *d;

	(void)t;
	if (!strcmp(m->kind, "item") && !r->b) {
		r->b = msg_int(m, "id", 0);    /* the new rule */
		return;
	}
	if (strcmp(m->kind, "diag") || rs.ndiag >= MAX_DIAGS)
		return;
	d = &rs.diag[rs.ndiag++];
	d->col = (int)msg_int(m, "col", 0);
	d->len = (int)msg_int(m, "len", 1);
	snprintf(d->msg, sizeof(d->msg), "%s", msg_str(m, "msg", ""));
	snprintf(d->src, sizeof(d->src), "%s", msg_str(m, "src", ""));
}

static void on_delete_done(struct tui *t, struct tui_req *r, struct message *m)
{
	char old[24], new[24];

	snprintf(old, sizeof(old), "%lld", (long long)r->a);
	snprintf(new, sizeof(new), "%lld", (long long)r->b);
	rs.sending = false;
	if (m && !strcmp(m->kind, "ok") && r->b)
		ui_message(t, COL_OK, "replaced rule #%s by #%s", old, new);
	else if (m && !strcmp(m->kind, "ok"))
		ui_message(t, COL_OK, "deleted rule #%s", old);
	else if (r->b)
		ui_message(t, COL_ERR, "added rule #%s, but deleting #%s failed (%s): "
			   "both are in force now", new, old,
			   m ? msg_str(m, "msg", "?") : "fwd went away");
	else
		refused(t, m, "delete");
	rs.mode = RM_LIST;
	conn_refresh(t);
}

static void send_delete(struct tui *t, int64_t id, int64_t added)
{
	const char *argv[2] = { "delete", NULL };
	char arg[32];
	struct tui_req *r;

	snprintf(arg, sizeof(arg), "id=%lld", (long long)id);
	argv[1] = arg;
	r = conn_request(t, 2, argv, NULL, on_delete_done);
	if (r) {
		r->a = id;
		r->b = added;
		rs.sending = true;
	}
}

static void on_add_done(struct tui *t, struct tui_req *r, struct message *m)
{
	char id[24];

	rs.sending = false;
	if (!m || strcmp(m->kind, "ok")) {
		/* the editor stays open with the diags: fix and send again */
		refused(t, m, r->a ? "edit" : "add");
		return;
	}
	rs.sel_id = r->b;
	rs.mode = RM_LIST;
	snprintf(id, sizeof(id), "%lld", (long long)r->b);
	if (r->a) {
		send_delete(t, r->a, r->b);
		return;
	}
	ui_message(t, COL_OK, "added rule #%s", id);
	conn_refresh(t);
}

static void send_add(struct tui *t)
{
	const char *argv[2] = { "add", NULL };
	struct strbuf arg = STRBUF_INIT;
	struct tui_req *r;

	sb_printf(&arg, "rule=%s", rs.edit.buf);
	argv[1] = sb_str(&arg);
	rs.ndiag = 0;
	rs.result[0] = '\0';
	r = conn_request(t, 2, argv, on_add_line, on_add_done);
	if (r) {
		r->a = rs.edit_old;
		rs.sending = true;
		snprintf(rs.result, sizeof(rs.result), "sending to fwd...");
	}
	sb_free(&arg);
}

/* ---- drawing ---- */

static void fmt_hits(int64_t n, char *buf, size_t len)
{
	if (n < 100000)
		snprintf(buf, len, "%lld", (long long)n);
	else if (n < 100000000)
		snprintf(buf, len, "%lldk", (long long)(n / 1000));
	else
		snprintf(buf, len, "%lldM", (long long)(n / 1000000));
}

static void draw_row(struct tui *t, int y, const struct tui_rule *r, bool sel)
{
	char exp[24], hits[24];

	if (r->remaining > 0)
		ui_fmt_span(r->remaining, exp, sizeof(exp));
	else
		snprintf(exp, sizeof(exp), "never");
	fmt_hits(r->packets, hits, sizeof(hits));
	if (sel) {
		attron(ui_attr(t, COL_SELECT));
		mvhline(y, 0, ' ', COLS);
	}
	ui_putf(y, 1, COLS - 2, "%5lld %-7.7s %-8.8s %7s  ", (long long)r->id,
		r->origin, exp, hits);
	ui_put(y, 33, r->rule, COLS - 34);
	if (sel)
		attroff(ui_attr(t, COL_SELECT));
}

static void draw_list(struct tui *t, int top, int rows)
{
	size_t *idx, n = view(t, &idx);

	selected(t);
	if (rs.sel < rs.scroll)
		rs.scroll = rs.sel;
	if (rows > 0 && rs.sel >= rs.scroll + (size_t)rows)
		rs.scroll = rs.sel - (size_t)rows + 1;
	for (int i = 0; i < rows && rs.scroll + (size_t)i < n; i++)
		draw_row(t, top + i, &t->st.rules[idx[rs.scroll + (size_t)i]],
			 rs.scroll + (size_t)i == rs.sel && rs.mode != RM_EDIT);
	if (!n)
		ui_put(top, 2, !t->st.have_rules ? "asking fwd..." :
		       t->st.nrules ? "no rule matches the filter (esc clears it)" :
		       "no rules: everything inbound meets the policy", COLS - 4);
	free(idx);
}

/* the source line and a caret under the place, as fwctl prints them */
static void draw_diag(struct tui *t, int y, const struct rules_diag *d)
{
	int w = COLS - 6, off = 0, col = d->col > 0 ? d->col - 1 : 0;

	if (col > w - 20)
		off = col - (w - 20);
	ui_put(y, 4, (int)strlen(d->src) > off ? d->src + off : "", w);
	attron(ui_attr(t, COL_ERR));
	if (d->col > 0) {
		mvaddch(y + 1, 4 + col - off, '^');
		for (int i = 1; i < d->len && 4 + col - off + i < COLS - 1; i++)
			mvaddch(y + 1, 4 + col - off + i, '~');
	}
	ui_put(y + 1, d->col > 0 ? 4 + col - off + (d->len > 0 ? d->len : 1) + 1 : 4,
	       d->msg, COLS);
	attroff(ui_attr(t, COL_ERR));
}

static void draw_editor(struct tui *t, int y)
{
	char head[128];

	if (rs.edit_old)
		snprintf(head, sizeof(head), "Edit rule #%lld (adds the new rule, then "
			 "deletes #%lld):", (long long)rs.edit_old, (long long)rs.edit_old);
	else
		snprintf(head, sizeof(head), "Add a rule (e.g. allow in proto tcp port 22 "
			 "from 192.0.2.0/24):");
	mvhline(y, 0, ACS_HLINE, COLS);
	attron(ui_attr(t, COL_HEADER));
	ui_put(y + 1, 1, head, COLS - 2);
	attroff(ui_attr(t, COL_HEADER));
	ui_edit_draw(t, &rs.edit, y + 2, 2, COLS - 4);
	for (int i = 0; i < rs.ndiag; i++)
		draw_diag(t, y + 3 + 2 * i, &rs.diag[i]);
	if (rs.result[0] && !rs.ndiag) {
		attron(ui_attr(t, rs.sending ? COL_DIM : COL_ERR));
		ui_put(y + 3, 4, rs.result, COLS - 6);
		attroff(ui_attr(t, rs.sending ? COL_DIM : COL_ERR));
	}
}

static void draw_bottom(struct tui *t, int y)
{
	const struct tui_rule *r;

	if (rs.mode == RM_FILTER) {
		ui_put(y, 1, "/", 1);
		ui_edit_draw(t, &rs.filter, y, 3, COLS - 4);
	} else if (rs.mode == RM_CONFIRM && (r = state_rule_by_id(&t->st, rs.confirm_id))) {
		attron(ui_attr(t, COL_WARN));
		ui_putf(y, 1, COLS - 2, "Delete rule #%lld \"%s\"? y delete, n keep",
			(long long)r->id, r->rule);
		attroff(ui_attr(t, COL_WARN));
	} else if (rs.filter.len) {
		attron(ui_attr(t, COL_DIM));
		ui_putf(y, 1, COLS - 2, "filter: %s   (/ to change, esc to clear)",
			rs.filter.buf);
		attroff(ui_attr(t, COL_DIM));
	}
}

void rules_draw(struct tui *t, int top, int rows)
{
	int list_rows = rows - 2;
	int y = top;

	if (rs.mode == RM_CONFIRM && !state_rule_by_id(&t->st, rs.confirm_id))
		rs.mode = RM_LIST;      /* gone meanwhile: nothing to confirm */
	if (t->not_admin) {
		attron(ui_attr(t, COL_WARN));
		ui_putf(y++, 1, COLS - 2, "%s (you can look)", admin_only);
		attroff(ui_attr(t, COL_WARN));
		list_rows--;
	}
	attron(ui_attr(t, COL_HEADER));
	ui_put(y++, 1, "   ID ORIGIN  EXPIRES     HITS  RULE", COLS - 2);
	attroff(ui_attr(t, COL_HEADER));
	if (rs.mode == RM_EDIT)
		list_rows -= EDITOR_ROWS;
	draw_list(t, y, list_rows);
	if (rs.mode == RM_EDIT)
		draw_editor(t, y + list_rows);
	draw_bottom(t, top + rows - 1);
}

/* ---- keys ---- */

static void start_edit(struct tui *t, const struct tui_rule *r)
{
	char dur[48] = "";

	rs.mode = RM_EDIT;
	rs.ndiag = 0;
	rs.result[0] = '\0';
	rs.edit_old = r ? r->id : 0;
	/* the list shows rules without `for`: keep a temporary rule temporary */
	if (r && r->remaining > 0)
		snprintf(dur, sizeof(dur), " for %llds", (long long)r->remaining);
	if (r) {
		char text[1100];

		snprintf(text, sizeof(text), "%s%s", r->rule, dur);
		ui_edit_set(&rs.edit, text);
	} else {
		ui_edit_set(&rs.edit, "");
	}
	(void)t;
}

static bool edit_key(struct tui *t, int ch)
{
	if (rs.sending)
		return true;    /* one change at a time */
	if (ch == 27) {
		rs.mode = RM_LIST;
	} else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
		if (rs.edit.len)
			send_add(t);
		else
			rs.mode = RM_LIST;
	} else {
		ui_edit_key(&rs.edit, ch);
	}
	return true;
}

static bool filter_key(int ch)
{
	if (ch == 27) {
		ui_edit_set(&rs.filter, "");
		rs.mode = RM_LIST;
	} else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
		rs.mode = RM_LIST;
	} else {
		ui_edit_key(&rs.filter, ch);
	}
	return true;
}

static bool confirm_key(struct tui *t, int ch)
{
	if (ch == 'y' || ch == 'Y')
		send_delete(t, rs.confirm_id, 0);
	rs.mode = RM_LIST;
	return true;
}

static bool move_key(struct tui *t, int ch)
{
	size_t *idx, n = view(t, &idx);
	size_t page = LINES > 8 ? (size_t)LINES - 8 : 1;

	free(idx);
	selected(t);
	if (ch == KEY_UP || ch == 'k')
		rs.sel = rs.sel ? rs.sel - 1 : 0;
	else if (ch == KEY_DOWN || ch == 'j')
		rs.sel = rs.sel + 1 < n ? rs.sel + 1 : rs.sel;
	else if (ch == KEY_PPAGE)
		rs.sel = rs.sel > page ? rs.sel - page : 0;
	else if (ch == KEY_NPAGE)
		rs.sel = n && rs.sel + page < n ? rs.sel + page : (n ? n - 1 : 0);
	else if (ch == KEY_HOME || ch == 'g')
		rs.sel = 0;
	else if (ch == KEY_END || ch == 'G')
		rs.sel = n ? n - 1 : 0;
	else
		return false;
	rs.sel_id = -1;         /* follow the index, then its rule */
	selected(t);
	return true;
}

bool rules_key(struct tui *t, int ch)
{
	const struct tui_rule *r;

	switch (rs.mode) {
	case RM_EDIT:   return edit_key(t, ch);
	case RM_FILTER: return filter_key(ch);
	case RM_CONFIRM: return confirm_key(t, ch);
	default:        break;
	}
	if (move_key(t, ch))
		return true;
	r = selected(t);
	if (ch == 'a') {
		start_edit(t, NULL);
	} else if (ch == 'e' && r) {
		start_edit(t, r);
	} else if ((ch == 'd' || ch == KEY_DC) && r) {
		rs.mode = RM_CONFIRM;
		rs.confirm_id = r->id;
	} else if (ch == '/') {
		rs.mode = RM_FILTER;
	} else if (ch == 27 && rs.filter.len) {
		ui_edit_set(&rs.filter, "");
	} else if (ch == 'r') {
		conn_refresh(t);
	} else {
		return false;
	}
	return true;
}

const char *rules_hints(const struct tui *t)
{
	(void)t;
	switch (rs.mode) {
	case RM_EDIT:
		return rs.sending ? "waiting for fwd..." :
		       "enter send  esc cancel  ^U clear  ^W delete word";
	case RM_FILTER:
		return "enter keep filter  esc clear filter";
	case RM_CONFIRM:
		return "y delete  n keep";
	default:
		return "a add  e edit  d delete  / filter  r refresh  ? help  q quit";
	}
}
