// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Sentences for the errors libpmark returns, in the words of its domain. */
#include <errno.h>
#include <string.h>
#include "pmark.h"

const char *pmark_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case ENOENT:
		return "not attached: run pmarkctl attach DEV (or no such record)";
	case EPROTO:
		return "the pinned maps belong to another pmark version: pmarkctl detach --all, then attach";
	case ENOSPC:
		return "no free ring among this association's candidates "
		       "(pmarkctl attach --rings N: several times more rings than associations)";
	case ENOTDIR:
		return "the pin root is not on a bpf filesystem";
	case EACCES:
	case EPERM:
		return "permission denied (root, or a member of the group given to pmarkctl attach --group)";
	case EBUSY:
		return "the record was being rewritten; try again";
	default:
		return strerror(err);
	}
}
