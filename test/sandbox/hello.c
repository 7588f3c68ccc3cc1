/*
 * hello.c - a dynamically linked program: if it runs in the sandbox, the
 * loader, /etc/ld.so.cache, /lib64 and the read-only /usr bind work.
 */
#include <stdio.h>

int main(void)
{
	printf("hello from a dynamic binary\n");
	return 0;
}
