/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fwctl add RULE..., and allow|deny|reject ARGS... as add ACTION ARGS...
 * The arguments are joined into one rule text. The shell took the quotes
 * off `comment "my ssh"`, so an argument that needs them gets them back in
 * the grammar's own syntax (only \" and \\ escapes).
 */
#include <inttypes.h>
#include <string.h>

#include "fwctl.h"
#include "rule.h"
#include "output.h"

static bool add_needs_quotes(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!*p)
		return true;
	for (; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"'#\\", *p))
			return true;
	return false;
}

static void add_word(struct strbuf *sb, const char *s)
{
	if (sb->len)
		sb_putc(sb, ' ');
	if (!add_needs_quotes(s)) {
		sb_puts(sb, s);
		return;
	}
	rule_put_quoted(sb, s);
}

/*
 * A single argument is the whole rule, quoted by the user as one
 * (fwctl add 'allow in port 22 comment "x"'): taken as written, since a
 * rule in quotes would never parse.
 */
static void add_rule_text(struct strbuf *sb, int argc, char **argv)
{
	bool shorthand = strcmp(argv[0], "add") != 0;
	int i, first = 1;

	if (shorthand)
		sb_puts(sb, argv[0]);
	if (argc - first == 1) {
		if (sb->len)
			sb_putc(sb, ' ');
		sb_puts(sb, argv[first]);
		return;
	}
	for (i = first; i < argc; i++)
		add_word(sb, argv[i]);
}

static void add_item(struct fwctl *fw, const struct message *m, void *arg)
{
	struct strbuf line = STRBUF_INIT;
	const char *cell;

	sb_printf(&line, "added rule %" PRId64 ": %s", msg_int(m, "id", 0),
		  msg_str(m, "rule", "?"));
	cell = sb_str(&line);
	out_item(m, "id", &cell);
	sb_free(&line);
}

int add_main(struct fwctl *fw, int argc, char **argv)
{
	struct strbuf text = STRBUF_INIT;
	struct request rq;
	struct message ok;
	int rc;

	if (argc < 2)
		return fwctl_usage(fw);
	add_rule_text(&text, argc, argv);
	request_init(&rq, "add");
	request_arg(&rq, "rule=%s", sb_str(&text));
	rq.on_item = add_item;
	out_obj_begin(NULL);
	out_list_begin("rules", NULL, 1);
	rc = request_run(fw, &rq, &ok);
	if (rc == 0) {
		out_list_end();
		out_fields(&ok);
		out_obj_end();
	}
	proto_message_free(&ok);
	request_free(&rq);
	sb_free(&text);
	return rc;
}
