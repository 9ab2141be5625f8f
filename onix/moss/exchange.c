/* moss-exchange: atomically swap two paths with renameat2(RENAME_EXCHANGE).
 * Usage: moss-exchange A B     (both must exist, on the same filesystem)
 * Used by the moss stand-in to swap a staged /usr with the live one, and by
 * the initramfs hook that activates the state named by moss.fstx=.
 * Built statically (musl-gcc, or gcc -static) so it runs in the initramfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: moss-exchange A B\n");
    return 2;
  }
  if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) != 0) {
    fprintf(stderr, "moss-exchange: %s <-> %s: %s\n", argv[1], argv[2], strerror(errno));
    return 1;
  }
  return 0;
}
