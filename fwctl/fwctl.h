/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef FWCTL_FWCTL_H
#define FWCTL_FWCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

struct fwctl_cmd;

/* the options of this run */
struct fwctl {
	const char *socket;             /* resolved: --socket, FWD_SOCKET, default */
	bool json;
	const struct fwctl_cmd *cmd;
	int optend;                     /* argv index after a "--": no options there */
};

/* who may run a command; for the help text only, the daemon decides */
enum fwctl_who { WHO_ANY, WHO_ADMIN };

/*
 * A subcommand: fn gets argv[0] = the command name and returns the exit
 * status. Global options (--json, --socket, --help) are already removed.
 */
struct fwctl_cmd {
	const char *name;
	int (*fn)(struct fwctl *fw, int argc, char **argv);
	enum fwctl_who who;
	const char *args;               /* "RULE...", for the usage line */
	const char *help;
};

/* the usage of fw->cmd on stderr; returns EXIT_USAGE */
int fwctl_usage(const struct fwctl *fw);
/* "fwctl: message" on stderr; returns EXIT_FAILED */
int fwctl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- request.c: one request and its response ---- */

struct request {
	char **argv;                    /* argv[0] is the verb */
	int argc;
	const char *body;               /* NULL: none */
	size_t bodylen;
	/* each item (and event) line, as it arrives */
	void (*on_item)(struct fwctl *fw, const struct message *m, void *arg);
	void *arg;
};

void request_init(struct request *rq, const char *verb);
void request_arg(struct request *rq, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void request_free(struct request *rq);

/*
 * Connects, sends, and reads the response: items to on_item, diag lines
 * to stderr, an error line to stderr as "fwctl: MSG". Returns the exit
 * status; on 0, ok holds the ok line (the caller frees it).
 */
int request_run(struct fwctl *fw, const struct request *rq, struct message *ok);

/*
 * A listing: runs rq (and frees it) with its items printed as one table
 * under headers, or as one JSON array. Returns the exit status.
 */
int request_list(struct fwctl *fw, struct request *rq, const char *const *headers,
		 size_t ncols);

/* ---- subcommands ---- */

int status_main(struct fwctl *fw, int argc, char **argv);
int list_main(struct fwctl *fw, int argc, char **argv);
int log_main(struct fwctl *fw, int argc, char **argv);
int add_main(struct fwctl *fw, int argc, char **argv);         /* add allow deny reject */
int delete_main(struct fwctl *fw, int argc, char **argv);
int check_main(struct fwctl *fw, int argc, char **argv);
int apply_main(struct fwctl *fw, int argc, char **argv);
int export_main(struct fwctl *fw, int argc, char **argv);
int enable_main(struct fwctl *fw, int argc, char **argv);      /* enable disable */
/* verbs fwctl has no printer for: arguments as given, items as key=value */
int generic_main(struct fwctl *fw, int argc, char **argv);
/* history, rollback, confirm, panic (cmd_history.c) */
int history_main(struct fwctl *fw, int argc, char **argv);
/* explain, exposure, services (cmd_inspect.c) */
int inspect_main(struct fwctl *fw, int argc, char **argv);
/* prompts, answer (cmd_prompts.c) */
int prompts_main(struct fwctl *fw, int argc, char **argv);

#endif
