/* test-bymail.c: unit tests of agents by mail: trusted networks (CIDR
 * lists, IPv4 and IPv6), who counts as an agent, which of their mail may
 * carry commands (From, Resent-*, the text and HTML alternatives), the
 * #command lines at the top of a body and their checks. TAP. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gmime/gmime.h>

#include "bymail.h"
#include "config.h"
#include "facts.h"
#include "netmatch.h"

static int n, failed;

static void
ok(int cond, const char *what)
{
	printf("%sok %d - %s\n", cond ? "" : "not ", ++n, what);
	failed += !cond;
}

static void
test_netmatch(void)
{
	const char *nets = "192.0.2.0/24; 10.1.2.3 ,2001:db8::/32; 198.51.100.128/25";

	ok(netmatch_check(nets, NULL) == DESK_OK, "a list of IPv4 and IPv6 networks is valid");
	ok(netmatch_check("", NULL) == DESK_OK, "an empty list is valid");
	ok(netmatch_check("192.0.2.0/33", NULL) == DESK_CONFIG, "/33 is not an IPv4 network");
	ok(netmatch_check("2001:db8::/129", NULL) == DESK_CONFIG, "/129 is not an IPv6 network");
	ok(netmatch_check("example.com", NULL) == DESK_CONFIG, "a name is not a network");
	ok(netmatch_check("10.0.0.0/", NULL) == DESK_CONFIG, "a slash without a length is not a network");
	ok(netmatch_contains(nets, "192.0.2.77"), "an address in a /24");
	ok(!netmatch_contains(nets, "192.0.3.1"), "not the next /24");
	ok(netmatch_contains(nets, "10.1.2.3") && !netmatch_contains(nets, "10.1.2.4"), "a bare address is a /32");
	ok(netmatch_contains(nets, "198.51.100.200") && !netmatch_contains(nets, "198.51.100.127"),
	   "a /25 splits a byte");
	ok(netmatch_contains(nets, "2001:db8:ffff::1") && !netmatch_contains(nets, "2001:db9::1"), "an IPv6 /32");
	ok(netmatch_contains(nets, "::ffff:192.0.2.9"), "an IPv4-mapped IPv6 address counts as IPv4");
	ok(netmatch_contains(nets, "IPv6:2001:db8::5") && netmatch_contains(nets, "[192.0.2.1]"),
	   "the MTA's IPv6: prefix and brackets are taken off");
	ok(!netmatch_contains(nets, NULL) && !netmatch_contains(nets, "") && !netmatch_contains(nets, "junk"),
	   "no address, no match");
	ok(!netmatch_contains("", "127.0.0.1"), "no networks, no match");
	ok(netmatch_contains("0.0.0.0/0", "203.0.113.1") && !netmatch_contains("0.0.0.0/0", "::1"),
	   "0.0.0.0/0 is every IPv4 address, no IPv6 one");
}

static void
test_split(void)
{
	char **cmds, *rest;

	bymail_split("\n#Take\n#status  pending\n\n#tag +x -y\nHello,\n#not a command\n", &cmds, &rest);
	ok(g_strv_length(cmds) == 3, "three command lines at the top");
	ok(cmds[0] != NULL && strcmp(cmds[0], "take") == 0, "commands lose their '#' and are lower case");
	ok(cmds[1] != NULL && strcmp(cmds[1], "status  pending") == 0, "the line as written");
	ok(strcmp(rest, "Hello,\n#not a command\n") == 0, "the rest starts at the first other line");
	g_strfreev(cmds);
	g_free(rest);
	bymail_split("#close\n\n\n  \nThanks.\n", &cmds, &rest);
	ok(g_strv_length(cmds) == 1 && strcmp(rest, "Thanks.\n") == 0, "blank lines after the commands are dropped");
	g_strfreev(cmds);
	g_free(rest);
	bymail_split("Hi\n#close\n", &cmds, &rest);
	ok(cmds[0] == NULL && strcmp(rest, "Hi\n#close\n") == 0, "commands only count at the top");
	g_strfreev(cmds);
	g_free(rest);
	bymail_split("#1 is the answer\n", &cmds, &rest);
	ok(cmds[0] == NULL, "'#1' is text, not a command");
	g_strfreev(cmds);
	g_free(rest);
	bymail_split("#close", &cmds, &rest);
	ok(g_strv_length(cmds) == 1 && *rest == '\0', "a command without a newline, nothing else");
	g_strfreev(cmds);
	g_free(rest);
}

static desk_config *
load(const char *text)
{
	char *dir = g_dir_make_tmp("test-bymail-XXXXXX", NULL);
	char *path = g_build_filename(dir, "maildesk.conf", NULL);
	desk_config *cfg = NULL;
	desk_err err = { 0 };

	g_file_set_contents(path, text, -1, NULL);
	if (config_load(path, &cfg, &err) != DESK_OK)
		printf("# config: %s\n", err.msg);
	unlink(path);
	rmdir(dir);
	g_free(path);
	g_free(dir);
	return cfg;
}

static void
test_agents_and_commands(void)
{
	desk_config *cfg = load("[desk]\naddresses = support@helpdesk.test; billing@helpdesk.test=billing\n"
				"[milter]\ntrusted_networks = 192.0.2.0/24\n"
				"[agent alice]\naddress = alice@helpdesk.test\n"
				"[agent carol]\naddress = carol@helpdesk.test\nsasl = carol@corp\n");
	const char *how = NULL;
	desk_err err = { 0 };

	if (cfg == NULL) {
		ok(0, "the test configuration loads");
		return;
	}
	ok(bymail_agent(cfg, "alice", NULL, "mallory@example.test", &how) != NULL && strcmp(how, "sasl") == 0,
	   "a SASL login names its agent, whatever the From");
	ok(bymail_agent(cfg, "carol@corp", NULL, NULL, &how) != NULL, "the sasl key maps another login");
	ok(bymail_agent(cfg, "carol", NULL, NULL, &how) == NULL, "carol's login is not her SASL login");
	ok(bymail_agent(cfg, "mallory", "192.0.2.5", "alice@helpdesk.test", &how) == NULL,
	   "a SASL user who is not an agent is none, even from a trusted network with an agent's From");
	ok(bymail_agent(cfg, NULL, "192.0.2.5", "alice@helpdesk.test", &how) != NULL &&
	   strcmp(how, "trusted-network") == 0, "a trusted client: the From's agent");
	ok(bymail_agent(cfg, NULL, "203.0.113.5", "alice@helpdesk.test", &how) == NULL,
	   "an untrusted client with an agent's From: no agent");
	ok(bymail_agent(cfg, "", NULL, "alice@helpdesk.test", &how) == NULL, "no word of the MTA: no agent");

	ok(bymail_command_ok(cfg, "assign alice", &err), "#assign alice");
	ok(bymail_command_ok(cfg, "assign alice --force", &err), "#assign alice --force");
	ok(!bymail_command_ok(cfg, "assign bob", &err) && strstr(err.msg, "'bob' is not an agent") != NULL,
	   "#assign bob: not an agent");
	ok(bymail_command_ok(cfg, "take", &err) && bymail_command_ok(cfg, "unassign --force", &err), "#take, #unassign --force");
	ok(!bymail_command_ok(cfg, "take alice", &err), "#take takes no agent");
	ok(bymail_command_ok(cfg, "status on-hold", &err), "#status on-hold");
	ok(!bymail_command_ok(cfg, "status new", &err) && !bymail_command_ok(cfg, "status later", &err),
	   "#status new / later refused");
	ok(bymail_command_ok(cfg, "priority urgent", &err) && !bymail_command_ok(cfg, "priority asap", &err),
	   "#priority checks its value");
	ok(bymail_command_ok(cfg, "queue billing", &err) && !bymail_command_ok(cfg, "queue sales", &err),
	   "#queue knows the desk's queues");
	ok(bymail_command_ok(cfg, "tag +a -b.c", &err) && !bymail_command_ok(cfg, "tag x", &err) &&
	   !bymail_command_ok(cfg, "tag", &err), "#tag wants +TAG/-TAG");
	ok(bymail_command_ok(cfg, "cc add x@example.test", &err) && !bymail_command_ok(cfg, "cc add <x>", &err),
	   "#cc add checks the address");
	ok(bymail_command_ok(cfg, "close", &err) && !bymail_command_ok(cfg, "close now", &err), "#close");
	ok(!bymail_command_ok(cfg, "staus open", &err) && strstr(err.msg, "unknown command") != NULL,
	   "an unknown command is an error");
	config_free(cfg);
}

/* The reason bymail_commands_off gives for a mail with these headers
 * (NAME, VALUE, ..., NULL) from agent alice; "yes" when commands may run. */
static const char *
off_for(const char *name, ...)
{
	desk_agent alice = { .login = "alice", .name = "", .address = "alice@helpdesk.test" };
	msg_facts *f = facts_new();
	const char *why;
	va_list ap;

	va_start(ap, name);
	for (const char *n = name; n != NULL; n = va_arg(ap, const char *))
		facts_header(f, n, va_arg(ap, const char *));
	va_end(ap);
	facts_finish(f);
	why = bymail_commands_off(&alice, f);
	facts_free(f);
	return why != NULL ? why : "yes";
}

static void
test_commands_off(void)
{
	ok(strcmp(off_for("From", "Alice Agent <alice@helpdesk.test>", NULL), "yes") == 0,
	   "alice's own From: commands may run");
	ok(strcmp(off_for("From", "alice@HelpDesk.TEST", NULL), "yes") == 0, "the domain in any letter case");
	ok(strcmp(off_for("From", "Mallory <mallory@example.test>", NULL), BYMAIL_OFF_FROM) == 0,
	   "someone else's From: no commands (no-from)");
	ok(strcmp(off_for("From", "\"alice@helpdesk.test\" <mallory@example.test>", NULL), BYMAIL_OFF_FROM) == 0,
	   "the parsed addr-spec counts, not the display name");
	ok(strcmp(off_for("From", "alice+desk@helpdesk.test", NULL), BYMAIL_OFF_FROM) == 0,
	   "alice+desk@ is not alice@ (no +detail dropped)");
	ok(strcmp(off_for("From", "alice@helpdesk.test.example", NULL), BYMAIL_OFF_FROM) == 0,
	   "another domain is another address");
	ok(strcmp(off_for("Subject", "no From", NULL), BYMAIL_OFF_FROM) == 0, "no From: no commands");
	ok(strcmp(off_for("From", "alice@helpdesk.test", "Resent-From", "mallory@example.test", NULL),
		  BYMAIL_OFF_RESENT) == 0, "alice's From with Resent-From: no commands (no-resent)");
	ok(strcmp(off_for("RESENT-message-id", "<x@example.test>", "From", "alice@helpdesk.test", NULL),
		  BYMAIL_OFF_RESENT) == 0, "any Resent-* header, in any letter case");
	ok(strcmp(off_for("From", "alice@helpdesk.test", "Resent", "x", "X-Resent-From", "y", NULL), "yes") == 0,
	   "Resent and X-Resent-From are not Resent-* headers");

	ok(bymail_commands_off_in("by=alice") == NULL, "set by=alice: commands may run");
	ok(bymail_commands_off_in("by=alice; commands=no-from") != NULL &&
	   strstr(bymail_commands_off_in("by=alice; commands=no-from"), "From") != NULL,
	   "set commands=no-from: off, because of the From");
	ok(bymail_commands_off_in("by=alice; commands=no-resent") != NULL &&
	   strstr(bymail_commands_off_in("by=alice; commands=no-resent"), "Resent-*") != NULL,
	   "set commands=no-resent: off, because of Resent-*");
	ok(bymail_commands_off_in("commands=whatever; by=alice") != NULL, "a value we don't know: off all the same");
}

static void
test_alternatives(void)
{
	ok(bymail_alternatives_agree("#close\n\nDone.\n", "<p>#close</p><p>Done.</p>"),
	   "text and HTML both say #close: they agree");
	ok(bymail_alternatives_agree("#assign  bob\n#status pending\nHi\n",
				     "<div>#Assign&nbsp;bob<br>#status pending</div><div><br></div><div>Hi</div>"),
	   "the same words in other spacing, letter case and markup agree");
	ok(bymail_alternatives_agree("Hello.\n", "<html><body><p>Hello.</p></body></html>"),
	   "neither has commands: they agree");
	ok(!bymail_alternatives_agree("Hello.\n", "<p>#close</p><p>Hello.</p>"),
	   "only the HTML part has #close: they disagree");
	ok(!bymail_alternatives_agree("#assign mallory\nHello.\n", "<p>Hello.</p>"),
	   "only the text part has a command: they disagree");
	ok(!bymail_alternatives_agree("#close\n#take\nHi\n", "<p>#close</p><p>Hi</p>"),
	   "one command more in the text: they disagree");
	ok(!bymail_alternatives_agree("#status pending\nHi\n", "<p>#status open</p><p>Hi</p>"),
	   "another argument: they disagree");
	ok(!bymail_alternatives_agree("Hi\n", "<div style=\"display:none\">#assign mallory</div><p>Hi</p>"),
	   "a command hidden from view in the HTML counts");
	ok(bymail_alternatives_agree("#close\n", NULL) && bymail_alternatives_agree(NULL, "<p>#close</p>"),
	   "one body alone has nothing to disagree with");
}

int
main(void)
{
	g_mime_init();
	test_netmatch();
	test_split();
	test_agents_and_commands();
	test_commands_off();
	test_alternatives();
	printf("1..%d\n", n);
	return failed != 0;
}
