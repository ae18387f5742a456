/* SPDX-License-Identifier: MIT */
#include <pt/error.h>

static const char *const messages[PT_ERR__COUNT] = {
	[PT_OK] = "success",
	[PT_ERR_INVAL] = "invalid argument",
	[PT_ERR_RANGE] = "range empty, reversed or outside the table",
	[PT_ERR_NONCANONICAL] = "non-canonical address",
	[PT_ERR_UNALIGNED] = "address or length not page aligned",
	[PT_ERR_VADDR] = "address outside the cursor's range",
	[PT_ERR_LENGTH] = "length past the end of the cursor's range",
	[PT_ERR_MAPPED] = "slot already holds a mapping or a page table",
	[PT_ERR_LEVEL] = "level not mappable here",
	[PT_ERR_TRACKED_HUGE] = "tracked frame at a huge-page level",
	[PT_ERR_GLOBAL_USER] = "global mapping in a user table",
	[PT_ERR_PADDR] = "physical address beyond the format's width",
	[PT_ERR_NOMEM] = "out of memory",
	[PT_ERR_BUSY] = "still in use",
	[PT_ERR_NOT_MAPPED] = "nothing mapped there",
};

const char *pt_strerror(enum pt_err err)
{
	if ((unsigned)err >= PT_ERR__COUNT || !messages[err])
		return "unknown error";
	return messages[err];
}
