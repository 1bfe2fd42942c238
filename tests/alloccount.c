// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * alloccount: an LD_PRELOAD shim that counts heap calls (malloc, calloc,
 * realloc, free and the aligned variants) made by threads named "gw-media*"
 * (the media threads name themselves so). At exit each process appends
 *   "PROGRAM allocs=N frees=N"
 * to the file named by $ALLOCCOUNT_FILE. Integration tests use it to prove
 * the media thread never allocates or frees during calls.
 *
 * Built by the test that uses it: gcc -shared -fPIC -O2 -o alloccount.so
 * tests/alloccount.c
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static atomic_ulong allocs, frees;

static int on_media_thread(void)
{
	char name[16] = "";

	prctl(PR_GET_NAME, name, 0, 0, 0);
	return strncmp(name, "gw-media", 8) == 0; /* and gw-media1.. */
}

void *malloc(size_t n)
{
	if (on_media_thread())
		atomic_fetch_add(&allocs, 1);
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (on_media_thread())
		atomic_fetch_add(&allocs, 1);
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	if (on_media_thread())
		atomic_fetch_add(&allocs, 1);
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p && on_media_thread())
		atomic_fetch_add(&frees, 1);
	__libc_free(p);
}

void *memalign(size_t align, size_t n)
{
	if (on_media_thread())
		atomic_fetch_add(&allocs, 1);
	return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int posix_memalign(void **ret, size_t align, size_t n)
{
	void *p = memalign(align, n);

	if (!p)
		return 12; /* ENOMEM */
	*ret = p;
	return 0;
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("ALLOCCOUNT_FILE");
	char name[16] = "";
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	prctl(PR_GET_NAME, name, 0, 0, 0); /* the main thread: the program */
	fprintf(f, "%s allocs=%lu frees=%lu\n", name, atomic_load(&allocs),
		atomic_load(&frees));
	fclose(f);
}
