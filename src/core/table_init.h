/* SPDX-License-Identifier: MIT */
/* Filling a table handle, shared by table creation and adoption. */
#ifndef PT_CORE_TABLE_INIT_H
#define PT_CORE_TABLE_INIT_H

#include "node.h"

/* Make @t the only handle of @kind on @env over the tree rooted at @root. */
void table_init_handle(struct pt_table *t, const struct pt_env *env, enum pt_table_kind kind,
		       struct pt_node *root);

#endif
