/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "log.h"
#include "server.h"

enum {
	OPT_SOCKET = 256, OPT_DB, OPT_TABLE, OPT_SERVICES, OPT_DEFAULT_RULES,
	OPT_CHECK, OPT_DEBUG, OPT_VERSION,
};

static const struct option long_options[] = {
	{ "foreground",    no_argument,       NULL, 'f' },
	{ "socket",        required_argument, NULL, OPT_SOCKET },
	{ "db",            required_argument, NULL, OPT_DB },
	{ "table",         required_argument, NULL, OPT_TABLE },
	{ "config",        required_argument, NULL, 'c' },
	{ "services",      required_argument, NULL, OPT_SERVICES },
	{ "default-rules", required_argument, NULL, OPT_DEFAULT_RULES },
	{ "check",         no_argument,       NULL, OPT_CHECK },
	{ "debug",         no_argument,       NULL, OPT_DEBUG },
	{ "version",       no_argument,       NULL, OPT_VERSION },
	{ "help",          no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fwd [OPTION]...\n"
		"The fwd firewall daemon: keeps the nftables table inet fwd_filter in\n"
		"force and serves fwctl and fwtui on a Unix socket.\n"
		"\n"
		"  -f, --foreground       stay attached and log to stderr\n"
		"      --socket PATH      control socket (default /run/fwd/fwd.sock)\n"
		"      --db PATH          database (default " FWD_STATEDIR "/fwd.db)\n"
		"      --table NAME       nftables table, family inet (default fwd_filter)\n"
		"  -c, --config PATH      daemon configuration (default " FWD_SYSCONFDIR "/fwd.conf)\n"
		"      --services DIR     service catalog (default " FWD_DATADIR "/services\n"
		"                         overridden by " FWD_SYSCONFDIR "/services.d)\n"
		"      --default-rules FILE  policy for the first start\n"
		"                         (default " FWD_DATADIR "/default.rules)\n"
		"      --check            validate config, catalog, default rules and\n"
		"                         database, then exit; never touches the kernel\n"
		"      --debug            log debug messages\n"
		"      --version          print the version and exit\n"
		"  -h, --help             print this help and exit\n");
}

static bool table_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 32)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_") == n;
}

/* 0 to run, 1 to exit 0 (--help, --version), -1 on a usage error */
static int parse_options(int argc, char **argv, struct fwd_options *o, bool *check)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "fc:h", long_options, NULL)) != -1) {
		switch (ch) {
		case 'f': o->foreground = true; break;
		case OPT_SOCKET: o->socket_path = optarg; break;
		case OPT_DB: o->db_path = optarg; break;
		case OPT_TABLE: o->table = optarg; break;
		case 'c': o->config_path = optarg; o->config_given = true; break;
		case OPT_SERVICES:
			o->services[0] = optarg;
			o->nservices = 1;
			break;
		case OPT_DEFAULT_RULES: o->default_rules = optarg; break;
		case OPT_CHECK: *check = true; break;
		case OPT_DEBUG: o->debug = true; break;
		case OPT_VERSION: printf("fwd %s\n", FWD_VERSION); return 1;
		case 'h': usage(stdout); return 1;
		default: return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fwd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!table_name_ok(o->table)) {
		fprintf(stderr, "fwd: bad table name '%s': use 1 to 32 of A-Z a-z 0-9 _\n",
			o->table);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct fwd_options o = {
		.socket_path = "/run/fwd/fwd.sock",
		.db_path = FWD_STATEDIR "/fwd.db",
		.table = "fwd_filter",
		.config_path = FWD_SYSCONFDIR "/fwd.conf",
		.services = { FWD_DATADIR "/services", FWD_SYSCONFDIR "/services.d" },
		.nservices = 2,
		.default_rules = FWD_DATADIR "/default.rules",
	};
	bool check = false;
	int rc = parse_options(argc, argv, &o, &check);

	if (rc != 0) {
		if (rc < 0)
			fprintf(stderr, "Try 'fwd --help' for more information.\n");
		return rc < 0 ? 2 : 0;
	}
	/* stderr until detached, so a failing start is seen where it was started */
	log_init("fwd", true, o.debug);
	if (check)
		return engine_check(&o);
	return server_main(&o);
}
