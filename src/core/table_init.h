/* SPDX-License-Identifier: MIT */
/* Filling a table handle, shared by table creation and adoption. */
#ifndef PT_CORE_TABLE_INIT_H
#define PT_CORE_TABLE_INIT_H

#include "node.h"

#pragma GCC visibility push(hidden)

/* PT_ERR_INVAL if tables cannot live on @env: break-before-make needs a
 * completed invalidation the platform must give. */
PT_MUST_CHECK static inline enum pt_err table_env_check(const struct pt_env *env)
{
	if (env->fmt->bbm && env->tlb.ops && !env->tlb.ops->flush_broadcast)
		return PT_ERR_INVAL;
	return PT_OK;
}

/* Make @t the only handle of @kind on @env over the tree rooted at @root. */
void pt_table_init_handle(struct pt_table *t, const struct pt_env *env, enum pt_table_kind kind,
		       struct pt_node *root);

/* Whether pt_table_destroy(@t) would succeed now: PT_OK, PT_ERR_INVAL, PT_ERR_BUSY. */
PT_MUST_CHECK enum pt_err pt_table_destroy_check(struct pt_table *t);

#pragma GCC visibility pop
#endif
