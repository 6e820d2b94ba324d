// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Where the pins live, and making sure a bpffs is there to hold them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>
#include "pmark_int.h"

#define BPFFS_DEFAULT "/sys/fs/bpf"

const char *pmark_pin_root_requested(const char *requested)
{
	const char *env = getenv("PMARK_PIN_ROOT");

	if (requested && *requested)
		return requested;
	if (env && *env)
		return env;
	return PMARK_DEFAULT_PIN_ROOT;
}

int pmark_pin_path(char *out, size_t len, const char *root, const char *name)
{
	int n = snprintf(out, len, "%s/%s", root, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/* The directory that holds the pin root (the pin root need not exist yet). */
static int parent_of(const char *root, char *out, size_t len)
{
	char *slash;

	if (strlen(root) >= len)
		return -ENAMETOOLONG;
	strcpy(out, root);
	while ((slash = strrchr(out, '/')) && slash[1] == '\0' && slash != out)
		*slash = '\0';      /* trailing slashes */
	slash = strrchr(out, '/');
	if (!slash)
		strcpy(out, ".");
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

static uint64_t mnt_ns_of(pid_t pid)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/mnt");
	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

static pid_t parent_pid(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')))
		sscanf(close_paren + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/*
 * The nearest ancestor in another mount namespace: the shell that ran
 * `ip netns exec`, whose /sys/fs/bpf is the one this namespace's fresh sysfs
 * hides.  (pid 1's /proc entry is often closed to us, the parent's is not.)
 */
static pid_t origin_pid(void)
{
	uint64_t self = mnt_ns_of(0), ns;
	pid_t pid = getppid();

	for (int depth = 0; pid > 0 && depth < 32; depth++, pid = parent_pid(pid)) {
		ns = mnt_ns_of(pid);
		if (ns && ns != self)
			return pid;
	}
	return 0;
}

/* Mount bpffs at /sys/fs/bpf here, or in the origin's mount namespace, from a child. */
static int mount_bpffs(pid_t origin)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (origin) {
			char path[64];
			int fd;

			snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)origin);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNS))
				_exit(errno ? errno : EPERM);
		}
		if (mount("bpf", BPFFS_DEFAULT, "bpf", 0, "mode=0700"))
			_exit(errno);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}

int pmark_pin_root_resolve(const char *requested, bool mount_if_missing, char *out, size_t len)
{
	const char *root = pmark_pin_root_requested(requested);
	char parent[PATH_MAX], host[PATH_MAX] = "", prefix[64] = "";
	pid_t origin = origin_pid();
	int err;

	if (root[0] != '/')
		return -EINVAL;
	err = parent_of(root, parent, sizeof(parent));
	if (err)
		return err;
	if (is_bpffs(parent))
		goto here;
	if (origin) {
		snprintf(prefix, sizeof(prefix), "/proc/%d/root", (int)origin);
		if (snprintf(host, sizeof(host), "%s%s", prefix, parent) >= (int)sizeof(host))
			return -ENAMETOOLONG;
		if (is_bpffs(host))
			goto host;
	}
	if (!mount_if_missing || strcmp(parent, BPFFS_DEFAULT) != 0)
		return -ENOTDIR;    /* not on a bpf filesystem */
	err = mount_bpffs(origin);
	if (err)
		return err;
	if (origin ? !is_bpffs(host) : !is_bpffs(parent))
		return -ENOTDIR;
	if (origin)
		goto host;
here:
	if (strlen(root) >= len)
		return -ENAMETOOLONG;
	strcpy(out, root);
	return 0;
host:
	if (snprintf(out, len, "%s%s", prefix, root) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}
