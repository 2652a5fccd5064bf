/* agent.c: agents from maildesk.conf and STORE/var/agents ([agent LOGIN]
 * groups), the acting agent, and edits of STORE/var/agents. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "agent.h"

#define GROUP_PREFIX "agent "

/* The only keys of an agent group; the agents file holds nothing else. */
static const char *const agent_keys[] = { "name", "address", "queues", "sasl", "notify", NULL };

void
agent_free(desk_agent *a)
{
	if (a == NULL)
		return;
	g_free(a->login);
	g_free(a->name);
	g_free(a->address);
	g_strfreev(a->queues);
	g_free(a->sasl);
	g_free(a);
}

gboolean
agent_login_ok(const char *login)
{
	if (login == NULL || *login == '\0' || strlen(login) > 32 || *login == '-' || *login == '.')
		return FALSE;
	for (const char *p = login; *p != '\0'; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) && *p != '.' && *p != '_' && *p != '-')
			return FALSE;
	return TRUE;
}

static gboolean
address_ok(const char *addr)
{
	const char *at = addr != NULL ? strchr(addr, '@') : NULL;

	if (at == NULL || at == addr || at[1] == '\0' || strchr(at + 1, '@') != NULL || strlen(addr) > 254)
		return FALSE;
	for (const char *p = addr; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>()[],;:\\\"", *p) != NULL)
			return FALSE;
	return TRUE;
}

/* The boolean KEY of GROUP in KF into *out: DEFLT when it is missing,
 * FALSE when it is not true or false. */
static gboolean
get_bool(GKeyFile *kf, const char *group, const char *key, gboolean deflt, gboolean *out)
{
	GError *gerr = NULL;

	*out = deflt;
	if (!g_key_file_has_key(kf, group, key, NULL))
		return TRUE;
	*out = g_key_file_get_boolean(kf, group, key, &gerr);
	if (gerr == NULL)
		return TRUE;
	g_error_free(gerr);
	return FALSE;
}

static desk_status
parse_one(GKeyFile *kf, const char *group, desk_agent **out, desk_err *err)
{
	desk_agent *a = g_new0(desk_agent, 1);
	char *addr = g_key_file_get_string(kf, group, "address", NULL);
	char *queues = g_key_file_get_string(kf, group, "queues", NULL);
	gboolean notify_ok = get_bool(kf, group, "notify", TRUE, &a->notify);

	a->login = g_strdup(group + strlen(GROUP_PREFIX));
	a->name = g_key_file_get_string(kf, group, "name", NULL);
	a->sasl = g_key_file_get_string(kf, group, "sasl", NULL);
	a->address = addr != NULL ? g_ascii_strdown(g_strstrip(addr), -1) : NULL;
	a->queues = g_strsplit(queues != NULL ? g_strstrip(queues) : "", ";", -1);
	if (a->name == NULL)
		a->name = g_strdup("");
	if (a->sasl == NULL || *g_strstrip(a->sasl) == '\0')
		g_free(a->sasl), a->sasl = g_strdup(a->login);
	g_free(addr);
	g_free(queues);
	*out = a;
	if (!agent_login_ok(a->login))
		return desk_fail(err, DESK_CONFIG, "[%s]: bad agent login (a-z, 0-9, . _ -)", group);
	if (!address_ok(a->address))
		return desk_fail(err, DESK_CONFIG, "[%s]: missing or bad address", group);
	if (!notify_ok)
		return desk_fail(err, DESK_CONFIG, "[%s]: notify must be true or false", group);
	if (a->queues[0] != NULL && *a->queues[0] == '\0')
		g_strfreev(a->queues), a->queues = g_new0(char *, 1);
	return DESK_OK;
}

desk_status
agents_parse(GKeyFile *kf, GPtrArray *out, desk_err *err)
{
	char **groups = g_key_file_get_groups(kf, NULL);
	desk_status s = DESK_OK;

	for (char **g = groups; *g != NULL && s == DESK_OK; g++) {
		desk_agent *a = NULL;

		if (!g_str_has_prefix(*g, GROUP_PREFIX))
			continue;
		s = parse_one(kf, *g, &a, err);
		a->in_conf = TRUE;
		g_ptr_array_add(out, a);
	}
	g_strfreev(groups);
	return s;
}

/* DESK_CONFIG unless every group of KF (read from PATH) is [agent LOGIN]
 * with only the keys of agent_keys. */
static desk_status
data_only(GKeyFile *kf, const char *path, desk_err *err)
{
	char **groups = g_key_file_get_groups(kf, NULL);
	desk_status s = DESK_OK;

	for (char **g = groups; *g != NULL && s == DESK_OK; g++) {
		char **keys = g_key_file_get_keys(kf, *g, NULL, NULL);

		if (!g_str_has_prefix(*g, GROUP_PREFIX))
			s = desk_fail(err, DESK_CONFIG, "%s: [%s] does not belong there: the file holds only "
				      "[agent LOGIN] groups (settings go in maildesk.conf)", path, *g);
		for (char **k = keys; s == DESK_OK && k != NULL && *k != NULL; k++)
			if (!g_strv_contains(agent_keys, *k))
				s = desk_fail(err, DESK_CONFIG, "%s: [%s]: unknown key '%s' (an agent has "
					      "name, address, queues, sasl, notify)", path, *g, *k);
		g_strfreev(keys);
	}
	g_strfreev(groups);
	return s;
}

/* Read the agents file PATH into KF (keeping comments); a missing file is
 * an empty one. */
static desk_status
load(GKeyFile *kf, const char *path, desk_err *err)
{
	GError *gerr = NULL;
	desk_status s = DESK_OK;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_KEEP_COMMENTS, &gerr) &&
	    !g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		s = desk_fail(err, DESK_CONFIG, "%s: %s", path, gerr->message);
	}
	if (gerr != NULL)
		g_error_free(gerr);
	return s == DESK_OK ? data_only(kf, path, err) : s;
}

desk_status
agents_load_file(const char *path, GPtrArray *out, desk_err *err)
{
	GKeyFile *kf = g_key_file_new();
	GPtrArray *more = g_ptr_array_new_with_free_func((GDestroyNotify)agent_free);
	desk_status s = load(kf, path, err);

	if (s == DESK_OK)
		s = agents_parse(kf, more, err);
	for (guint i = 0; s == DESK_OK && i < more->len; i++) {
		desk_agent *a = more->pdata[i];

		if (agent_find(out, a->login) != NULL)
			continue;  /* maildesk.conf's wins */
		a->in_conf = FALSE;
		g_ptr_array_add(out, a);
		more->pdata[i] = NULL;
	}
	g_ptr_array_unref(more);
	g_key_file_free(kf);
	return s;
}

const desk_agent *
agent_find(const GPtrArray *agents, const char *login)
{
	for (guint i = 0; login != NULL && i < agents->len; i++)
		if (strcmp(((desk_agent *)agents->pdata[i])->login, login) == 0)
			return agents->pdata[i];
	return NULL;
}

const desk_agent *
agent_by_sasl(const GPtrArray *agents, const char *sasl)
{
	for (guint i = 0; sasl != NULL && *sasl != '\0' && i < agents->len; i++)
		if (strcmp(((desk_agent *)agents->pdata[i])->sasl, sasl) == 0)
			return agents->pdata[i];
	return NULL;
}

const desk_agent *
agent_by_address(const GPtrArray *agents, const char *address)
{
	for (guint i = 0; address != NULL && i < agents->len; i++)
		if (g_ascii_strcasecmp(((desk_agent *)agents->pdata[i])->address, address) == 0)
			return agents->pdata[i];
	return NULL;
}

desk_status
agent_acting(const GPtrArray *agents, const char *as, const desk_agent **out, desk_err *err)
{
	const char *who = as;
	struct passwd *pw;

	if (who == NULL || *who == '\0')
		who = g_getenv("MAILDESK_AGENT");
	if ((who == NULL || *who == '\0') && (pw = getpwuid(geteuid())) != NULL)
		who = pw->pw_name;
	*out = agent_find(agents, who);
	if (*out == NULL)
		return desk_fail(err, DESK_USAGE, "'%s' is not an agent of this desk (desk agent add, or --as LOGIN)",
				 who != NULL ? who : "?");
	return DESK_OK;
}

/* Write KF to PATH by a temporary file and rename, mode 0660. */
static desk_status
save(GKeyFile *kf, const char *path, desk_err *err)
{
	char *tmp = g_strconcat(path, ".tmp", NULL);
	gsize len;
	char *data = g_key_file_to_data(kf, &len, NULL);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0660);
	desk_status s = DESK_OK;

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", tmp, g_strerror(errno));
	if (fd >= 0 && close(fd) != 0 && s == DESK_OK)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot write %s: %s", tmp, g_strerror(errno));
	if (fd >= 0)
		fchmod(fd, 0660);  /* not narrowed by the umask: agents share it */
	if (s == DESK_OK && rename(tmp, path) != 0)
		s = desk_fail(err, DESK_TEMPFAIL, "cannot replace %s: %s", path, g_strerror(errno));
	if (s != DESK_OK)
		g_unlink(tmp);
	g_free(data);
	g_free(tmp);
	return s;
}

/* Set KEY of GROUP to VALUE when VALUE is given (or GROUP is new: ""
 * for none); *changed gets KEY when the value differs. */
static void
set_given(GKeyFile *kf, const char *group, gboolean is_new, const char *key, const char *value,
	  GString *changed)
{
	char *had = g_key_file_get_string(kf, group, key, NULL);

	if (value == NULL && !is_new) {
		g_free(had);
		return;
	}
	if (value == NULL)
		value = "";
	if (!is_new && g_strcmp0(had != NULL ? g_strstrip(had) : "", value) != 0)
		g_string_append_printf(changed, "%s%s", changed->len ? ", " : "", key);
	g_key_file_set_string(kf, group, key, value);
	g_free(had);
}

desk_status
agent_file_add(const char *path, const desk_agent *a, char **changed, desk_err *err)
{
	GKeyFile *kf = g_key_file_new();
	char *group = g_strconcat(GROUP_PREFIX, a->login, NULL);
	desk_status s = load(kf, path, err);
	gboolean is_new = !g_key_file_has_group(kf, group);

	if (changed != NULL)
		*changed = NULL;
	if (s == DESK_OK && !agent_login_ok(a->login))
		s = desk_fail(err, DESK_USAGE, "bad agent login '%s' (a-z, 0-9, . _ -)", a->login);
	if (s == DESK_OK && is_new && a->address == NULL)
		s = desk_fail(err, DESK_USAGE, "no agent '%s' yet: give an address", a->login);
	if (s == DESK_OK && a->address != NULL && !address_ok(a->address))
		s = desk_fail(err, DESK_USAGE, "bad address '%s'", a->address);
	if (s == DESK_OK) {
		char *queues = a->queues != NULL ? g_strjoinv(";", a->queues) : NULL;
		const char *sasl = a->sasl != NULL && strcmp(a->sasl, a->login) == 0 ? "" : a->sasl;
		GString *ch = g_string_new(NULL);

		set_given(kf, group, is_new, "name", a->name, ch);
		set_given(kf, group, is_new, "address", a->address, ch);
		set_given(kf, group, is_new, "queues", queues, ch);
		if (sasl != NULL && *sasl != '\0')
			set_given(kf, group, FALSE, "sasl", sasl, ch);
		else if (sasl != NULL && g_key_file_remove_key(kf, group, "sasl", NULL))
			g_string_append_printf(ch, "%ssasl", ch->len ? ", " : "");  /* the login again */
		if (a->notify_given)
			set_given(kf, group, FALSE, "notify", a->notify ? "true" : "false", ch);
		g_free(queues);
		s = save(kf, path, err);
		if (s == DESK_OK && changed != NULL && !is_new)
			*changed = g_strdup(ch->str);
		g_string_free(ch, TRUE);
	}
	g_free(group);
	g_key_file_free(kf);
	return s;
}

desk_status
agent_file_remove(const char *path, const char *login, desk_err *err)
{
	GKeyFile *kf = g_key_file_new();
	char *group = g_strconcat(GROUP_PREFIX, login, NULL);
	desk_status s = load(kf, path, err);

	if (s == DESK_OK && !g_key_file_remove_group(kf, group, NULL))
		s = desk_fail(err, DESK_NOTFOUND, "no agent '%s'", login);
	if (s == DESK_OK)
		s = save(kf, path, err);
	g_free(group);
	g_key_file_free(kf);
	return s;
}
