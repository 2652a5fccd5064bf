/* gitload.h: libgit2, loaded by the KB on first use (gitload) instead of
 * at every start of desk and maildesk-milter.
 *
 * libgit2 brings 16 libraries (Kerberos, OpenSSL, libssh2, mbed TLS, ...)
 * whose loading and relocation cost about 3 ms at each start of desk: as
 * much as all the rest of desk's own start, and most verbs never touch
 * the KB. Code that includes this header (through kb.h) calls libgit2 as
 * usual; each git_* name below stands for a pointer that gitload fills.
 * A libgit2 function called without being listed here fails to link
 * (libgit2 is not linked), one listed but not declared by git2.h fails to
 * compile: the two lists cannot drift apart silently. */
#ifndef DESK_GITLOAD_H
#define DESK_GITLOAD_H

#include <git2.h>
#include "err.h"

#define GITLOAD_FUNCTIONS(X) \
	X(git_blob_create_from_buffer) \
	X(git_buf_dispose) \
	X(git_commit_author) \
	X(git_commit_create) \
	X(git_commit_free) \
	X(git_commit_id) \
	X(git_commit_lookup) \
	X(git_commit_parent) \
	X(git_commit_parentcount) \
	X(git_commit_summary) \
	X(git_commit_time) \
	X(git_commit_tree) \
	X(git_config_delete_entry) \
	X(git_config_free) \
	X(git_config_set_bool) \
	X(git_config_set_string) \
	X(git_diff_find_options_init) \
	X(git_diff_find_similar) \
	X(git_diff_free) \
	X(git_diff_get_delta) \
	X(git_diff_num_deltas) \
	X(git_diff_options_init) \
	X(git_diff_tree_to_tree) \
	X(git_error_last) \
	X(git_libgit2_init) \
	X(git_libgit2_shutdown) \
	X(git_object_free) \
	X(git_object_peel) \
	X(git_object_short_id) \
	X(git_odb_add_disk_alternate) \
	X(git_odb_free) \
	X(git_odb_object_data) \
	X(git_odb_object_free) \
	X(git_odb_object_size) \
	X(git_odb_read) \
	X(git_odb_read_header) \
	X(git_oid_fromstr) \
	X(git_oid_tostr) \
	X(git_patch_free) \
	X(git_patch_from_buffers) \
	X(git_patch_to_buf) \
	X(git_reference_create) \
	X(git_reference_free) \
	X(git_reference_lookup) \
	X(git_repository_config) \
	X(git_repository_free) \
	X(git_repository_init_ext) \
	X(git_repository_init_options_init) \
	X(git_repository_odb) \
	X(git_repository_open_ext) \
	X(git_revparse_single) \
	X(git_revwalk_free) \
	X(git_revwalk_new) \
	X(git_revwalk_next) \
	X(git_revwalk_push) \
	X(git_revwalk_sorting) \
	X(git_signature_default) \
	X(git_signature_free) \
	X(git_signature_now) \
	X(git_tree_entry_byindex) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entry_type) \
	X(git_tree_entrycount) \
	X(git_tree_free) \
	X(git_tree_id) \
	X(git_tree_lookup) \
	X(git_treebuilder_free) \
	X(git_treebuilder_insert) \
	X(git_treebuilder_new) \
	X(git_treebuilder_write)

#define GITLOAD_POINTER(f) extern __typeof__(f) *gitload_##f;
GITLOAD_FUNCTIONS(GITLOAD_POINTER)
#undef GITLOAD_POINTER

/* Load libgit2 and every function above, once (thread-safe); DESK_SOFTWARE
 * with the reason when the library or a function is missing. */
desk_status gitload(desk_err *err);

#ifndef GITLOAD_IMPLEMENTATION
#define git_blob_create_from_buffer (*gitload_git_blob_create_from_buffer)
#define git_buf_dispose (*gitload_git_buf_dispose)
#define git_commit_author (*gitload_git_commit_author)
#define git_commit_create (*gitload_git_commit_create)
#define git_commit_free (*gitload_git_commit_free)
#define git_commit_id (*gitload_git_commit_id)
#define git_commit_lookup (*gitload_git_commit_lookup)
#define git_commit_parent (*gitload_git_commit_parent)
#define git_commit_parentcount (*gitload_git_commit_parentcount)
#define git_commit_summary (*gitload_git_commit_summary)
#define git_commit_time (*gitload_git_commit_time)
#define git_commit_tree (*gitload_git_commit_tree)
#define git_config_delete_entry (*gitload_git_config_delete_entry)
#define git_config_free (*gitload_git_config_free)
#define git_config_set_bool (*gitload_git_config_set_bool)
#define git_config_set_string (*gitload_git_config_set_string)
#define git_diff_find_options_init (*gitload_git_diff_find_options_init)
#define git_diff_find_similar (*gitload_git_diff_find_similar)
#define git_diff_free (*gitload_git_diff_free)
#define git_diff_get_delta (*gitload_git_diff_get_delta)
#define git_diff_num_deltas (*gitload_git_diff_num_deltas)
#define git_diff_options_init (*gitload_git_diff_options_init)
#define git_diff_tree_to_tree (*gitload_git_diff_tree_to_tree)
#define git_error_last (*gitload_git_error_last)
#define git_libgit2_init (*gitload_git_libgit2_init)
#define git_libgit2_shutdown (*gitload_git_libgit2_shutdown)
#define git_object_free (*gitload_git_object_free)
#define git_object_peel (*gitload_git_object_peel)
#define git_object_short_id (*gitload_git_object_short_id)
#define git_odb_add_disk_alternate (*gitload_git_odb_add_disk_alternate)
#define git_odb_free (*gitload_git_odb_free)
#define git_odb_object_data (*gitload_git_odb_object_data)
#define git_odb_object_free (*gitload_git_odb_object_free)
#define git_odb_object_size (*gitload_git_odb_object_size)
#define git_odb_read (*gitload_git_odb_read)
#define git_odb_read_header (*gitload_git_odb_read_header)
#define git_oid_fromstr (*gitload_git_oid_fromstr)
#define git_oid_tostr (*gitload_git_oid_tostr)
#define git_patch_free (*gitload_git_patch_free)
#define git_patch_from_buffers (*gitload_git_patch_from_buffers)
#define git_patch_to_buf (*gitload_git_patch_to_buf)
#define git_reference_create (*gitload_git_reference_create)
#define git_reference_free (*gitload_git_reference_free)
#define git_reference_lookup (*gitload_git_reference_lookup)
#define git_repository_config (*gitload_git_repository_config)
#define git_repository_free (*gitload_git_repository_free)
#define git_repository_init_ext (*gitload_git_repository_init_ext)
#define git_repository_init_options_init (*gitload_git_repository_init_options_init)
#define git_repository_odb (*gitload_git_repository_odb)
#define git_repository_open_ext (*gitload_git_repository_open_ext)
#define git_revparse_single (*gitload_git_revparse_single)
#define git_revwalk_free (*gitload_git_revwalk_free)
#define git_revwalk_new (*gitload_git_revwalk_new)
#define git_revwalk_next (*gitload_git_revwalk_next)
#define git_revwalk_push (*gitload_git_revwalk_push)
#define git_revwalk_sorting (*gitload_git_revwalk_sorting)
#define git_signature_default (*gitload_git_signature_default)
#define git_signature_free (*gitload_git_signature_free)
#define git_signature_now (*gitload_git_signature_now)
#define git_tree_entry_byindex (*gitload_git_tree_entry_byindex)
#define git_tree_entry_bypath (*gitload_git_tree_entry_bypath)
#define git_tree_entry_free (*gitload_git_tree_entry_free)
#define git_tree_entry_id (*gitload_git_tree_entry_id)
#define git_tree_entry_name (*gitload_git_tree_entry_name)
#define git_tree_entry_type (*gitload_git_tree_entry_type)
#define git_tree_entrycount (*gitload_git_tree_entrycount)
#define git_tree_free (*gitload_git_tree_free)
#define git_tree_id (*gitload_git_tree_id)
#define git_tree_lookup (*gitload_git_tree_lookup)
#define git_treebuilder_free (*gitload_git_treebuilder_free)
#define git_treebuilder_insert (*gitload_git_treebuilder_insert)
#define git_treebuilder_new (*gitload_git_treebuilder_new)
#define git_treebuilder_write (*gitload_git_treebuilder_write)
#endif

#endif
