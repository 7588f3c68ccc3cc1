/* verify_test.c - stem/verify.c: objects hashed before their first exec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "stem.h"
#include "test.h"

static char dir[] = "/tmp/verify_test.XXXXXX";

static void test_good_object_verifies_and_is_cached(void)
{
	struct stem stem;
	char path[256], hash[DNA_HASH_SIZE];

	memset(&stem, 0, sizeof stem);
	snprintf(path, sizeof path, "%s/obj", dir);
	CHECK_INT(fs_write_atomic(path, "abc", 3, 0555), 0);
	dna_hash_bytes("abc", 3, hash);
	CHECK_INT(verify_object(&stem, path, hash), 0);
	CHECK(stem.verified != NULL);
	CHECK_INT(verify_object(&stem, path, hash), 0);
	CHECK(stem.verified->next == NULL); /* one entry, reused */
	verify_release(&stem);
	unlink(path);
}

static void test_changed_object_is_rehashed(void)
{
	struct stem stem;
	char path[256], hash[DNA_HASH_SIZE];

	memset(&stem, 0, sizeof stem);
	snprintf(path, sizeof path, "%s/obj2", dir);
	CHECK_INT(fs_write_atomic(path, "abc", 3, 0644), 0);
	dna_hash_bytes("abc", 3, hash);
	CHECK_INT(verify_object(&stem, path, hash), 0);
	/* Same size, new bytes: the cache key (ctime, inode) changes. */
	CHECK_INT(fs_write_atomic(path, "abd", 3, 0644), 0);
	CHECK_INT(verify_object(&stem, path, hash), CELL_ECORRUPT);
	verify_release(&stem);
	unlink(path);
}

static void test_missing_object(void)
{
	struct stem stem;
	char path[256], hash[DNA_HASH_SIZE];

	memset(&stem, 0, sizeof stem);
	snprintf(path, sizeof path, "%s/none", dir);
	dna_hash_bytes("x", 1, hash);
	CHECK_INT(verify_object(&stem, path, hash), CELL_ENODNA);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_good_object_verifies_and_is_cached);
	RUN(test_changed_object_is_rehashed);
	RUN(test_missing_object);
	rmdir(dir);
	return test_done();
}
