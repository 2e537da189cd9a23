/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl: options, the command table, help. Everything else is in the
 * cmd_*.c files (one per command, after wireguard-tools) and request.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fwctl.h"
#include "output.h"

#ifndef FWD_VERSION
#define FWD_VERSION "unknown"
#endif

#define USAGE_PREFIX "fwctl [--socket PATH] [--json]"

/* cmd_log.c; belongs in fwctl.h with the other subcommands */

/* exact names only: a prefix match would make "d" mean delete one day */
static const struct fwctl_cmd commands[] = {
	{ "status", status_main, WHO_ANY, "",
	  "show the state, policies and counters" },
	{ "list", list_main, WHO_ANY, "",
	  "list the rules: id, origin, expiry, hits" },
	{ "add", add_main, WHO_ADMIN, "RULE...",
	  "add a rule: add allow in proto tcp port 22" },
	{ "allow", add_main, WHO_ADMIN, "in|out MATCH...", "shorthand for add allow ..." },
	{ "deny", add_main, WHO_ADMIN, "in|out MATCH...", "shorthand for add deny ..." },
	{ "reject", add_main, WHO_ADMIN, "in|out MATCH...", "shorthand for add reject ..." },
	{ "delete", delete_main, WHO_ANY, "ID...",
	  "delete rules by id (all or none); users: own prompt rules" },
	{ "check", check_main, WHO_ANY, "FILE",
	  "validate a rule file (- reads stdin)" },
	{ "apply", apply_main, WHO_ADMIN, "FILE [--dry-run] [--confirm SECONDS]",
	  "replace the admin rules with FILE" },
	{ "confirm", history_main, WHO_ADMIN, "", "keep a change applied with --confirm" },
	{ "export", export_main, WHO_ANY, "",
	  "print the policies and rules as a rule file" },
	{ "history", history_main, WHO_ANY, "", "list the applied revisions" },
	{ "rollback", history_main, WHO_ADMIN, "REV", "go back to revision REV" },
	{ "log", log_main, WHO_ANY, "[-f] [-n N]",
	  "show the last N (default 20) blocked connections; -f follows" },
	{ "prompts", prompts_main, WHO_ANY, "", "list pending prompts" },
	{ "answer", prompts_main, WHO_ANY, "ID allow|deny [--for DURATION]",
	  "answer a prompt" },
	{ "services", inspect_main, WHO_ANY, "", "list the service catalog" },
	{ "explain", inspect_main, WHO_ANY, "in|out PROTO [PORT] [from|to ADDR]",
	  "tell which rule decides such a packet" },
	{ "exposure", inspect_main, WHO_ANY, "",
	  "list listening sockets and their reach" },
	{ "panic", history_main, WHO_ADMIN, "on|off", "block everything but loopback" },
	{ "enable", enable_main, WHO_ADMIN, "", "put the rules in force" },
	{ "disable", enable_main, WHO_ADMIN, "", "remove fwd's table: nothing is filtered" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int fwctl_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fwctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

static void print_cmd_help(const struct fwctl_cmd *cmd, FILE *f)
{
	fprintf(f, "Usage: " USAGE_PREFIX " %s%s%s\n\n%c%s.\n", cmd->name,
		*cmd->args ? " " : "", cmd->args, toupper((unsigned char)cmd->help[0]),
		cmd->help + 1);
	if (cmd->who == WHO_ADMIN)
		fputs("Needs root or a member of fwd's admin group (default fwadm).\n", f);
}

int fwctl_usage(const struct fwctl *fw)
{
	print_cmd_help(fw->cmd, stderr);
	return EXIT_USAGE;
}

static void print_help(FILE *f)
{
	char left[64];
	size_t i;

	fputs("Usage: " USAGE_PREFIX " COMMAND [ARGS]\n\n"
	      "Control the fwd firewall. Commands marked (admin) need root or a\n"
	      "member of fwd's admin group (default fwadm); fwd decides.\n\n"
	      "Commands:\n", f);
	for (i = 0; i < NCOMMANDS; i++) {
		snprintf(left, sizeof(left), "%s%s%s", commands[i].name,
			 *commands[i].args ? " " : "", commands[i].args);
		if (strlen(left) > 24)
			fprintf(f, "  %s\n  %-24s  ", left, "");
		else
			fprintf(f, "  %-24s  ", left);
		fprintf(f, "%s%s\n", commands[i].help,
			commands[i].who == WHO_ADMIN ? " (admin)" : "");
	}
	fputs("\nOptions:\n"
	      "  --socket PATH   fwd's socket (else $FWD_SOCKET, else " FWD_DEFAULT_SOCKET ")\n"
	      "  --json          print one JSON document (log -f: one object per line)\n"
	      "  --help          this text; fwctl COMMAND --help for one command\n"
	      "  --version       print the version\n\n"
	      "Exit status: 0 success, 1 failed or invalid input, 2 usage error,\n"
	      "3 fwd unreachable, 4 permission denied.\n", f);
}

static const struct fwctl_cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

enum opt_result { OPT_NONE, OPT_TAKEN, OPT_HELP, OPT_VERSION, OPT_BAD };

/* an option valid anywhere before "--": --json, --socket, --help, --version */
static enum opt_result global_option(struct fwctl *fw, int argc, char **argv,
				     int *i, const char **sock)
{
	const char *a = argv[*i];

	if (strcmp(a, "--json") == 0) {
		fw->json = true;
	} else if (strncmp(a, "--socket=", 9) == 0) {
		*sock = a + 9;
	} else if (strcmp(a, "--socket") == 0) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "fwctl: --socket needs a PATH\n");
			return OPT_BAD;
		}
		*sock = argv[++*i];
	} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
		return OPT_HELP;
	} else if (strcmp(a, "--version") == 0) {
		return OPT_VERSION;
	} else {
		return OPT_NONE;
	}
	return OPT_TAKEN;
}

/* args = the command's argv with the global options taken out */
static int parse_args(struct fwctl *fw, int argc, char **argv, char **args, int *nargs,
		      const char **sock)
{
	int i, n = 0;
	bool dashdash = false;

	fw->optend = -1;
	for (i = 1; i < argc; i++) {
		if (!dashdash && strcmp(argv[i], "--") == 0) {
			dashdash = true;
			fw->optend = n;
			continue;
		}
		if (!dashdash) {
			enum opt_result r = global_option(fw, argc, argv, &i, sock);

			if (r == OPT_TAKEN)
				continue;
			if (r != OPT_NONE) {
				*nargs = n;
				return r;
			}
		}
		if (!n && !dashdash && argv[i][0] == '-') {
			fprintf(stderr, "fwctl: unknown option '%s'; see fwctl --help\n",
				argv[i]);
			*nargs = n;
			return OPT_BAD;
		}
		args[n++] = argv[i];
	}
	if (fw->optend < 0)
		fw->optend = n;
	*nargs = n;
	return OPT_NONE;
}

static int run(struct fwctl *fw, int nargs, char **args, enum opt_result r)
{
	if (nargs > 0 && !(fw->cmd = find_cmd(args[0]))) {
		fprintf(stderr, "fwctl: unknown command '%s'; see fwctl --help\n", args[0]);
		return EXIT_USAGE;
	}
	if (r == OPT_VERSION) {
		printf("fwctl %s\n", FWD_VERSION);
		return 0;
	}
	if (r == OPT_HELP) {
		if (fw->cmd)
			print_cmd_help(fw->cmd, stdout);
		else
			print_help(stdout);
		return 0;
	}
	if (r == OPT_BAD)
		return EXIT_USAGE;
	if (!fw->cmd) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	return fw->cmd->fn(fw, nargs, args);
}

int main(int argc, char **argv)
{
	struct fwctl fw = { 0 };
	const char *sock = NULL;
	char **args = xcalloc((size_t)argc + 1, sizeof(*args));
	int nargs = 0, rc;
	enum opt_result r;

	r = parse_args(&fw, argc, argv, args, &nargs, &sock);
	fw.socket = client_socket_path(sock);
	out_init(fw.json);
	rc = run(&fw, nargs, args, r);
	if (out_finish(rc == 0) < 0 && rc == 0)
		rc = fwctl_fail("cannot write the output: %s", strerror(errno));
	free(args);
	return rc;
}
