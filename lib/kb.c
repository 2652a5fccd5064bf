/* kb.c: the knowledge base repository, read and made with libgit2. */
#include <git2.h>

#include "kb.h"

desk_status
kb_init(const char *path, desk_err *err)
{
	git_repository *repo = NULL;
	git_repository_init_options opts;
	desk_status s = DESK_OK;

	git_libgit2_init();
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH | GIT_REPOSITORY_INIT_NO_REINIT;
	opts.mode = 02770;  /* group maildesk, nothing for others */
	opts.initial_head = "main";
	if (git_repository_init_ext(&repo, path, &opts) != 0) {
		const git_error *e = git_error_last();

		s = desk_fail(err, DESK_TEMPFAIL, "cannot create the KB repository %s: %s", path,
			      e != NULL ? e->message : "unknown error");
	}
	git_repository_free(repo);
	git_libgit2_shutdown();
	return s;
}
