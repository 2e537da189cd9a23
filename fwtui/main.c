/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwtui: the terminal face of fwd for every user. Options here; the model,
 * the connections, the frame and the screens in their own files.
 */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fwtui.h"

#ifndef FWD_VERSION
#define FWD_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fputs("Usage: fwtui [--socket PATH]\n\n"
	      "The firewall at a glance, for every user:\n"
	      "  1 Overview   enabled state, policies, counters, pending prompts,\n"
	      "               problems, blocked attempts per minute over the hour\n"
	      "  2 Rules      the rules; add, edit, delete, filter (changes need\n"
	      "               root or the admin group, fwadm by default)\n"
	      "  3 Activity   blocked connection attempts as they happen\n"
	      "  4 Help       every key\n"
	      "When fwd blocks a program of yours from accepting connections, a\n"
	      "dialog asks whether to allow it; nothing is allowed by waiting.\n"
	      "Keys are shown at the bottom of each screen; ? lists them all.\n\n"
	      "  --socket PATH   fwd's socket (else $FWD_SOCKET, else "
	      FWD_DEFAULT_SOCKET ")\n"
	      "  --version       print the version\n\n"
	      "NO_COLOR=1 in the environment turns colours off. fwtui never needs\n"
	      "privileges; when fwd is not reachable it says so and keeps trying.\n", f);
}

static int parse_args(int argc, char **argv, const char **sock)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "hs:V", opts, NULL)) != -1) {
		if (c == 's') {
			*sock = optarg;
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
		fprintf(stderr, "fwtui: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct tui t = { 0 };
	const char *sock = NULL;
	int rc;

	rc = parse_args(argc, argv, &sock);
	if (rc >= 0)
		return rc;
	/* curses on a pipe would write escapes into it: fwctl is for scripts */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "fwtui: needs a terminal on standard input and "
			"output; in scripts use fwctl (fwctl status, fwctl log -f)\n");
		return EXIT_USAGE;
	}
	setlocale(LC_ALL, "");
	if (ui_init(&t) < 0) {
		fprintf(stderr, "fwtui: cannot drive the terminal type '%s'; set "
			"TERM to one this system knows (e.g. xterm or vt100)\n",
			getenv("TERM") ? getenv("TERM") : "");
		return EXIT_FAILED;
	}
	state_init(&t.st);
	conn_init(&t, client_socket_path(sock));
	overview_init(&t);
	rules_init(&t);
	activity_init(&t);
	help_init(&t);
	prompt_init(&t);
	ui_loop(&t);
	ui_fini();
	conn_fini(&t);
	state_fini(&t.st);
	return 0;
}
