/* moss-exchange: the two system calls the moss stand-in needs and Node lacks.
 *   moss-exchange A B     swap two paths with renameat2(RENAME_EXCHANGE)
 *                         (both must exist, on the same filesystem); moss swaps a
 *                         staged /usr with the live one this way.
 *   moss-exchange --flock take an exclusive flock(2) on standard input, which the
 *                         caller opened on /.moss/.moss-lockfile; a flock belongs to
 *                         the open file description, so the caller keeps holding it
 *                         after this exits, until it closes the file (upstream moss:
 *                         moss/src/installation/lockfile.rs). Prints upstream's
 *                         "Blocking ..." line when another process holds it, then waits.
 * Built statically (musl-gcc, or gcc -static) so it also runs in the initramfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int lock_stdin(void) {
  if (flock(0, LOCK_EX | LOCK_NB) == 0) return 0;
  if (errno != EWOULDBLOCK) {
    fprintf(stderr, "moss-exchange: flock: %s\n", strerror(errno));
    return 1;
  }
  printf("Blocking another process is using the moss root\n");
  fflush(stdout);
  if (flock(0, LOCK_EX) != 0) {
    fprintf(stderr, "moss-exchange: flock: %s\n", strerror(errno));
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--flock") == 0) return lock_stdin();
  if (argc != 3) {
    fprintf(stderr, "usage: moss-exchange A B | moss-exchange --flock <LOCKFILE\n");
    return 2;
  }
  if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) != 0) {
    fprintf(stderr, "moss-exchange: %s <-> %s: %s\n", argv[1], argv[2], strerror(errno));
    return 1;
  }
  return 0;
}
