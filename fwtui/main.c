/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwtui, minimal: the status of fwd in a box, refreshed every 2 seconds.
 * One loop polls the terminal and the socket together, so neither a slow
 * daemon nor a key blocks the other; the screen is redrawn whole from the
 * state each time (ncdu), which also makes a resize free.
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

#ifndef FWD_VERSION
#define FWD_VERSION "unknown"
#endif

#define REFRESH_MS 2000

struct tui {
	const char *path;
	struct client *c;
	struct message status;          /* the last status item */
	bool have_status;
	bool waiting;                   /* a request is out, its ok not yet in */
	int64_t sent_ms;
	char problem[512];              /* shown under the fields; "" none */
	int64_t next_ms;                /* when to ask (or connect) again */
	bool quit;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tui_disconnect(struct tui *t)
{
	client_close(t->c);
	t->c = NULL;
	t->waiting = false;
	if (t->have_status)
		proto_message_free(&t->status);
	t->have_status = false;
	snprintf(t->problem, sizeof(t->problem),
		 "fwd not reachable at %s, retrying...", t->path);
	t->next_ms = now_ms() + REFRESH_MS;
}

/* connect when needed, then ask for the status unless still waiting */
static void tui_tick(struct tui *t)
{
	static const char *const argv[] = { "status" };
	char err[512];

	t->next_ms = now_ms() + REFRESH_MS;
	if (!t->c) {
		t->c = client_connect(t->path, err, sizeof(err));
		if (!t->c) {
			tui_disconnect(t);
			return;
		}
		t->problem[0] = '\0';
	}
	/* a daemon that stopped answering is treated as gone */
	if (t->waiting && now_ms() - t->sent_ms > 5 * REFRESH_MS)
		tui_disconnect(t);
	if (t->waiting || !t->c)
		return;
	if (client_send(t->c, 1, argv, NULL, 0, err, sizeof(err)) < 0) {
		tui_disconnect(t);
		return;
	}
	t->waiting = true;
	t->sent_ms = now_ms();
}

static void tui_message(struct tui *t, struct message *m)
{
	if (strcmp(m->kind, "item") == 0) {
		if (t->have_status)
			proto_message_free(&t->status);
		t->status = *m;
		t->have_status = true;
		memset(m, 0, sizeof(*m));
	} else if (strcmp(m->kind, "ok") == 0) {
		t->waiting = false;
		t->problem[0] = '\0';
	} else if (strcmp(m->kind, "error") == 0) {
		t->waiting = false;
		snprintf(t->problem, sizeof(t->problem), "fwd: %s",
			 msg_str(m, "msg", "error"));
	}
}

/* everything that has arrived, without waiting for more */
static void tui_read(struct tui *t)
{
	struct message m;
	char err[512];
	int rc;

	while (t->c) {
		rc = client_poll_next(t->c, &m, err, sizeof(err));
		if (rc == 2)
			return;
		if (rc <= 0) {
			tui_disconnect(t);
			return;
		}
		tui_message(t, &m);
		proto_message_free(&m);
	}
}

static void tui_keys(struct tui *t)
{
	int ch;

	while ((ch = getch()) != ERR) {
		if (ch == 'q' || ch == 'Q')
			t->quit = true;
		/* KEY_RESIZE: ncurses has the new size; the next draw uses it */
	}
}

/* text from the daemon: control bytes would drive the terminal */
static void put_safe(int y, int x, const char *s, int width)
{
	char buf[512];
	size_t i;

	if (width <= 0)
		return;
	for (i = 0; s[i] && i + 1 < sizeof(buf); i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	mvaddnstr(y, x, buf, width);
}

static void draw_field(const struct field *f, int y, int w)
{
	char val[64];
	const char *v = val;

	if (f->type == FIELD_STR)
		v = f->str;
	else if (f->type == FIELD_INT)
		snprintf(val, sizeof(val), "%" PRId64, f->num);
	else
		snprintf(val, sizeof(val), "%s", f->num ? "yes" : "no");
	put_safe(y, 2, f->key, w);
	if (w > 15)
		put_safe(y, 16, v, w - 14);
}

static void tui_draw(const struct tui *t)
{
	int w = COLS - 4, y = 2;
	size_t i;

	erase();
	if (LINES >= 3 && COLS >= 10) {
		box(stdscr, 0, 0);
		mvaddnstr(0, 2, " fwd ", COLS - 4);
		mvaddnstr(LINES - 1, 2, " q quit ", COLS - 4);
	}
	for (i = 0; t->have_status && i < t->status.n && y < LINES - 2; i++)
		draw_field(&t->status.f[i], y++, w);
	if (t->have_status)
		y++;
	if (y < LINES - 1)
		put_safe(y, 2, t->problem[0] ? t->problem :
			 t->have_status ? "" : "asking fwd...", w);
	refresh();
}

static void tui_loop(struct tui *t)
{
	struct pollfd pfd[2] = { { .fd = 0, .events = POLLIN } };
	int64_t wait;
	int n;

	while (!t->quit) {
		if (now_ms() >= t->next_ms)
			tui_tick(t);
		tui_draw(t);
		pfd[1].fd = t->c ? client_fd(t->c) : -1;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		wait = t->next_ms - now_ms();
		n = poll(pfd, 2, wait < 0 ? 0 : (int)wait);
		/* EINTR is most likely SIGWINCH: getch will say KEY_RESIZE */
		if (n > 0 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			tui_read(t);
		if (n > 0 || (n < 0 && errno == EINTR))
			tui_keys(t);
	}
}

static void usage(FILE *f)
{
	fputs("Usage: fwtui [--socket PATH]\n\n"
	      "Shows the status of fwd, refreshed every 2 seconds; q quits.\n"
	      "  --socket PATH   fwd's socket (else $FWD_SOCKET, else "
	      FWD_DEFAULT_SOCKET ")\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct tui t = { 0 };
	const char *sock = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 's') {
			sock = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else if (c == 'V') {
			printf("fwtui %s\n", FWD_VERSION);
			return 0;
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	t.path = client_socket_path(sock);
	setlocale(LC_ALL, "");
	initscr();
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	tui_loop(&t);
	endwin();
	client_close(t.c);
	if (t.have_status)
		proto_message_free(&t.status);
	return 0;
}
