// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Finding a network namespace again from the inode recorded at attach. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "netns.h"

static uint64_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

uint64_t netns_self(void)
{
	return ino_of("/proc/self/ns/net");
}

static int open_if(const char *path, uint64_t ino, const char *label, char *name, size_t len)
{
	int fd;

	if (ino_of(path) != ino)
		return -ENOENT;
	snprintf(name, len, "%s", label);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_open(uint64_t ino, char *name, size_t len)
{
	char path[512];
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = open_if("/proc/self/ns/net", ino, "this namespace", name, len);
	if (fd != -ENOENT)
		return fd;
	fd = open_if("/proc/1/ns/net", ino, "the initial namespace", name, len);
	if (fd != -ENOENT)
		return fd;
	dir = opendir("/run/netns");
	if (!dir)
		return -ENOENT;
	fd = -ENOENT;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		fd = open_if(path, ino, de->d_name, name, len);
		if (fd != -ENOENT)
			break;
	}
	closedir(dir);
	return fd;
}
