/* desk-doctor.c: desk doctor: check a running installation, one line per
 * check (the checks are lib/doctor*.c). */
#include <stdio.h>

#include "desk.h"
#include "doctor.h"
#include "output.h"

/* The checks in the order they are printed. */
static doctor_line *(*const checks[])(doctor_ctx *) = {
	doctor_store,	     doctor_secret,	  doctor_config,	doctor_socket,
	doctor_milter,	     doctor_pf_milters,	  doctor_pf_default,	doctor_pf_delimiter,
	doctor_pf_delivery, doctor_index,	  doctor_kb_hooks,
};

/* "ok   CHECK: DETAIL", "FAIL CHECK: DETAIL; fix: FIX", "skip CHECK: DETAIL". */
static void
print_line(const doctor_line *l)
{
	static const char *const word[] = { [DOCTOR_OK] = "ok  ", [DOCTOR_FAIL] = "FAIL", [DOCTOR_UNKNOWN] = "skip" };

	printf("%s %s: %s", word[l->verdict], l->check, out_safe(l->detail));
	if (l->verdict == DOCTOR_FAIL && l->fix != NULL)
		printf("; fix: %s", out_safe(l->fix));
	putchar('\n');
}

/* Every check on the store O names, printed; 1 when one failed, else 0. */
static int
run(doctor_opts *o, const char *socket, const char *postconf, const char *config_dir, int timeout)
{
	doctor_ctx *c;
	int failed = 0;

	o->socket = socket;
	o->postconf = postconf;
	o->config_dir = config_dir;
	o->timeout_ms = timeout * 1000;
	c = doctor_open(o);
	for (size_t i = 0; i < G_N_ELEMENTS(checks); i++) {
		doctor_line *l = checks[i](c);

		print_line(l);
		failed += l->verdict == DOCTOR_FAIL;
		doctor_line_free(l);
	}
	doctor_close(c);
	return failed > 0 ? 1 : 0;
}

int
verb_doctor(const char *store_dir, int argc, char **argv)
{
	doctor_opts o = { .stale_seconds = 60, .timeout_ms = 5000 };
	int timeout = 5, rc;
	char *socket = NULL, *postconf = NULL, *config_dir = NULL;
	GOptionEntry entries[] = {
		{ "socket", 's', 0, G_OPTION_ARG_STRING, &socket,
		  "The milter's socket (default: milter.socket of maildesk.conf)", "SPEC" },
		{ "postconf", 'p', 0, G_OPTION_ARG_FILENAME, &postconf,
		  "Postfix's postconf (default: postconf in $PATH; postmap is looked for beside it)", "PATH" },
		{ "config-dir", 'c', 0, G_OPTION_ARG_FILENAME, &config_dir,
		  "Postfix's configuration directory (postconf -c DIR)", "DIR" },
		{ "stale", 0, 0, G_OPTION_ARG_INT, &o.stale_seconds,
		  "A message in mail/new older than this many seconds is not being indexed (60)", "SECONDS" },
		{ "timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Seconds to wait for the milter's answer (5)",
		  "SECONDS" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	o.store = store_default_dir(store_dir);
	rc = desk_parse("doctor", "", "Check the store, the milter and Postfix, one line each:\n"
			"\"ok   CHECK: ...\", \"FAIL CHECK: ...; fix: ...\" or \"skip CHECK: cannot tell ...\".\n"
			"Exit 0 when nothing failed, 1 when a check failed.",
			entries, &argc, &argv);
	if (rc < 0 && argc > 1)
		rc = desk_error(DESK_USAGE, "doctor takes no arguments (see desk doctor --help)");
	if (rc < 0 && (timeout < 1 || timeout > 3600 || o.stale_seconds < 0))
		rc = desk_error(DESK_USAGE, "doctor: --timeout must be 1 to 3600, --stale not negative");
	if (rc < 0)
		rc = run(&o, socket, postconf, config_dir, timeout);
	g_free(socket);
	g_free(postconf);
	g_free(config_dir);
	return rc;
}
