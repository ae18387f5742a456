/* SPDX-License-Identifier: MIT */
/* Filling a table handle, shared by table creation and adoption. */
#ifndef PT_CORE_TABLE_INIT_H
#define PT_CORE_TABLE_INIT_H

#include "node.h"

/* PT_ERR_INVAL if tables cannot live on @env: break-before-make needs a
 * completed invalidation the platform must give. */
static inline enum pt_err table_env_check(const struct pt_env *env)
{
	if (env->fmt->bbm && env->tlb.ops && !env->tlb.ops->flush_broadcast)
		return PT_ERR_INVAL;
	return PT_OK;
}

/* Make @t the only handle of @kind on @env over the tree rooted at @root. */
void table_init_handle(struct pt_table *t, const struct pt_env *env, enum pt_table_kind kind,
		       struct pt_node *root);

/* Whether pt_table_destroy(@t) would succeed now: PT_OK, PT_ERR_INVAL, PT_ERR_BUSY. */
enum pt_err table_destroy_check(struct pt_table *t);

#endif
