/* authmilter.c: a stand-in for OpenDKIM/OpenDMARC in the tests: a milter
 * that adds one Authentication-Results header per message, with results
 * taken from a map file instead of DNS. Listed before maildesk-milter in
 * smtpd_milters, it is the MTA's trusted authenticator of the tests.
 *
 * usage: authmilter --socket SPEC --authserv-id ID --map FILE [--index N] [--log FILE]
 *
 * The map has one line per From domain: "DOMAIN RESINFO...", e.g.
 *   ok.test dmarc=pass header.from=ok.test; dkim=pass header.d=ok.test
 *   bad.test dmarc=fail (p=reject) header.from=bad.test
 * The header added is "ID; RESINFO..." for the domain of the message's
 * From (the text after its last '@', up to '>' or a blank), or
 * "ID; dmarc=none header.from=DOMAIN" when the map has no line for it.
 * It is inserted at header index N (default 0: on top, above the MTA's
 * Received header, as RFC 8601 section 4 asks; 1 is where OpenDKIM and
 * OpenDMARC before 2026 put it). The map is read again for every message.
 * With --log, every header the milter is shown is appended to FILE as
 * "NAME: VALUE", a line "--" after each message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <libmilter/mfapi.h>

static const char *authserv_id, *map_path, *log_path;
static int insert_index;

typedef struct msg {
	char domain[256];
} msg;

static sfsistat
envfrom(SMFICTX *ctx, char **argv)
{
	msg *m = smfi_getpriv(ctx);

	(void)argv;
	if (m == NULL && (m = calloc(1, sizeof *m)) != NULL)
		smfi_setpriv(ctx, m);
	if (m != NULL)
		m->domain[0] = '\0';
	return SMFIS_CONTINUE;
}

/* The From domain: after the last '@', up to '>', a blank or the end. */
static void
from_domain(msg *m, const char *value)
{
	const char *at = strrchr(value, '@');
	size_t n = 0;

	if (at == NULL)
		return;
	for (at++; at[n] != '\0' && at[n] != '>' && at[n] != ' ' && at[n] != '\t' && at[n] != '\r' &&
		   at[n] != '\n' && n < sizeof m->domain - 1;
	     n++)
		m->domain[n] = at[n];
	m->domain[n] = '\0';
}

static sfsistat
header(SMFICTX *ctx, char *name, char *value)
{
	msg *m = smfi_getpriv(ctx);

	if (log_path != NULL) {
		FILE *f = fopen(log_path, "a");

		if (f != NULL) {
			fprintf(f, "%s: %s\n", name, value);
			fclose(f);
		}
	}
	if (m != NULL && strcasecmp(name, "From") == 0)
		from_domain(m, value);
	return SMFIS_CONTINUE;
}

/* The results of DOMAIN from the map, into OUT. */
static void
lookup(const char *domain, char *out, size_t size)
{
	FILE *f = fopen(map_path, "r");
	char line[2048];
	size_t n = strlen(domain);

	snprintf(out, size, "%s; dmarc=none header.from=%s", authserv_id, domain);
	if (f == NULL || n == 0) {
		if (f != NULL)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncasecmp(line, domain, n) == 0 && line[n] == ' ') {
			snprintf(out, size, "%s; %s", authserv_id, line + n + 1);
			break;
		}
	}
	fclose(f);
}

static sfsistat
eom(SMFICTX *ctx)
{
	msg *m = smfi_getpriv(ctx);
	char value[2300];

	if (log_path != NULL) {
		FILE *f = fopen(log_path, "a");

		if (f != NULL) {
			fputs("--\n", f);
			fclose(f);
		}
	}
	if (m == NULL)
		return SMFIS_TEMPFAIL;
	lookup(m->domain, value, sizeof value);
	if (smfi_insheader(ctx, insert_index, "Authentication-Results", value) != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat
close_cb(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static int
usage(void)
{
	fprintf(stderr, "usage: authmilter --socket SPEC --authserv-id ID --map FILE [--index N] [--log FILE]\n");
	return 64;
}

int
main(int argc, char **argv)
{
	const char *spec = NULL;
	struct smfiDesc d = {
		.xxfi_name = "authmilter", .xxfi_version = SMFI_VERSION, .xxfi_flags = SMFIF_ADDHDRS,
		.xxfi_envfrom = envfrom, .xxfi_header = header, .xxfi_eom = eom, .xxfi_close = close_cb,
	};

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--socket") == 0)
			spec = argv[i + 1];
		else if (strcmp(argv[i], "--authserv-id") == 0)
			authserv_id = argv[i + 1];
		else if (strcmp(argv[i], "--map") == 0)
			map_path = argv[i + 1];
		else if (strcmp(argv[i], "--index") == 0)
			insert_index = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--log") == 0)
			log_path = argv[i + 1];
		else
			return usage();
	}
	if (spec == NULL || authserv_id == NULL || map_path == NULL || argc % 2 != 1)
		return usage();
	umask(0111);
	if (smfi_register(d) != MI_SUCCESS || smfi_setconn((char *)spec) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "authmilter: cannot listen on %s: %s\n", spec, strerror(errno));
		return 69;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 70;
}
