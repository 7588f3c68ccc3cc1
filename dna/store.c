/* store.c - directories, the store lock and "HASH\n" files. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dna_int.h"
#include "fsutil.h"

int dna_mkdir(const struct cell_home *home, const char *sub)
{
	char path[CELL_PATH_MAX];
	int err;

	err = cell_home_create(home);
	if (err)
		return err;
	err = cell_home_path(home, path, sizeof path, "dna/%s", sub);
	if (err)
		return err;
	return fs_mkdir_p(path, 0755);
}

int dna_lock(const struct cell_home *home, int exclusive)
{
	char path[CELL_PATH_MAX];
	int fd, err;

	err = dna_mkdir(home, "");
	if (err)
		return err;
	err = cell_home_path(home, path, sizeof path, "dna/lock");
	if (err)
		return err;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

void dna_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

int dna_hashfile_read(const char *path, char hash[DNA_HASH_SIZE])
{
	struct cell_buf b = CELL_BUF_INIT(DNA_HASH_LEN + 2);
	int err;

	err = fs_read_file(path, &b);
	if (err == CELL_ETOOBIG)
		err = CELL_ECORRUPT;
	if (err)
		goto out;
	/* "HASH\n"; the newline may be missing if written by hand. */
	if (b.len == DNA_HASH_LEN + 1 && b.data[DNA_HASH_LEN] == '\n')
		b.data[--b.len] = '\0';
	if (b.len != DNA_HASH_LEN || !dna_hash_valid(b.data)) {
		err = CELL_ECORRUPT;
		goto out;
	}
	memcpy(hash, b.data, DNA_HASH_SIZE);
out:
	cell_buf_release(&b);
	return err;
}

int dna_hashfile_write(const char *path, const char *hash)
{
	char line[DNA_HASH_LEN + 1];

	memcpy(line, hash, DNA_HASH_LEN);
	line[DNA_HASH_LEN] = '\n';
	return fs_write_atomic(path, line, sizeof line, 0644);
}

int dna_is_temp_name(const char *name)
{
	return strstr(name, ".tmp.") != NULL;
}
