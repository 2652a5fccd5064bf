/* noop-milter.c: a milter that accepts everything as early as it can: the
 * ceiling any milter can reach, for bench/ingest. usage: noop-milter SPEC */
#include <stdio.h>
#include <sys/stat.h>
#include <libmilter/mfapi.h>

static sfsistat
negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
	  unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = 0;
	*pf1 = f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NOHDRS |
		     SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_SKIP);
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_NOREPLY;
}

static sfsistat
envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_NOREPLY;
}

static sfsistat
eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct smfiDesc d = {
		.xxfi_name = "noop", .xxfi_version = SMFI_VERSION, .xxfi_envfrom = envfrom,
		.xxfi_envrcpt = envrcpt, .xxfi_eom = eom, .xxfi_negotiate = negotiate,
	};

	if (argc != 2) {
		fprintf(stderr, "usage: noop-milter unix:PATH|inet:PORT@HOST\n");
		return 64;
	}
	umask(0111);
	if (smfi_register(d) != MI_SUCCESS || smfi_setconn(argv[1]) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS)
		return 69;
	return smfi_main() == MI_SUCCESS ? 0 : 70;
}
